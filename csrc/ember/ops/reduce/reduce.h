// reduce.h — reductions, norms and cumulative ops with PyTorch's semantics.
// `dims`: nullopt or an empty list reduces every dim. Results are new contiguous tensors;
// with keepdim the reduced dims stay as size 1. Accumulation: integers/bool in int64, float16/
// bfloat16/float32 in float32, float64 in float64 (scans accumulate floats in double).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

using DimList = std::optional<std::vector<int64_t>>;

// (...) -> reduced shape. sum/prod/nansum of bool/int -> int64 unless `dtype` is given (the input
// is cast to `dtype` first). mean/nanmean need a floating input or dtype.
Tensor sum(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype);
Tensor nansum(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype);
Tensor prod(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype);
Tensor mean(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype);
Tensor nanmean(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype);
// Two-pass variance: sum (x - mean)^2 / max(n - correction, 0). Floating inputs only.
Tensor var(const Tensor& a, const DimList& dims, double correction, bool keepdim);
Tensor std_dev(const Tensor& a, const DimList& dims, double correction, bool keepdim);
std::pair<Tensor, Tensor> var_mean(const Tensor& a, const DimList& dims, double correction, bool keepdim, bool take_sqrt);

// nan-propagating extremes. amax/amin: any dims; max_all: 0-d; max_dim: (values, indices), the
// first occurrence of the extreme (nan counts as the extreme).
Tensor amax(const Tensor& a, const DimList& dims, bool keepdim);
Tensor amin(const Tensor& a, const DimList& dims, bool keepdim);
Tensor max_all(const Tensor& a, bool is_max);
std::pair<Tensor, Tensor> max_dim(const Tensor& a, int64_t dim, bool keepdim, bool is_max);
std::pair<Tensor, Tensor> aminmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim);  // (min, max)
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim, bool is_max);  // int64; dim none: flattened

Tensor logsumexp(const Tensor& a, const DimList& dims, bool keepdim);  // stable; all -inf -> -inf
Tensor all(const Tensor& a, const DimList& dims, bool keepdim);        // bool (uint8 for uint8 input)
Tensor any(const Tensor& a, const DimList& dims, bool keepdim);
Tensor count_nonzero(const Tensor& a, const DimList& dims);            // int64

// Norms. vector_norm: ord any float (0 counts nonzeros, +-inf max/min |x|). matrix_norm: ord
// "fro", "nuc" or 1, -1, 2, -2, inf, -inf over `dims` (two dims). svdvals: (..., m, n) -> (..., min(m, n)),
// descending, by one-sided Jacobi in float64 (CUDA tensors: the parallel round-robin variant,
// composed of device-generic ops; svdvals_composed runs that one on any device, for tests).
Tensor vector_norm(const Tensor& a, double ord, const DimList& dims, bool keepdim, std::optional<DType> dtype);
Tensor matrix_norm(const Tensor& a, const std::string& ord_str, double ord, const std::vector<int64_t>& dims,
                   bool keepdim, std::optional<DType> dtype);
Tensor svdvals(const Tensor& a);
Tensor svdvals_composed(const Tensor& a);

// Scans along `dim` (same shape as a). cumsum/cumprod of bool/int -> int64 unless dtype given.
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<DType> dtype);
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<DType> dtype);
std::pair<Tensor, Tensor> cummax(const Tensor& a, int64_t dim, bool is_max);  // (values, indices)
Tensor logcumsumexp(const Tensor& a, int64_t dim);

// out= support: checks castability, resizes `out` when its shape differs, copies `result` in.
void write_out(const char* op, Tensor& out, const Tensor& result);

}  // namespace ember
