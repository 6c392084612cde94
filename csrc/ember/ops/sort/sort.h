// sort.h — sorting, selection, unique and histogram ops (PyTorch semantics).
// Ordering everywhere is PyTorch's: NaN compares larger than +inf, -0.0 == 0.0, and ties keep
// their original order (every sort is stable; selections pick the element a stable sort
// would put at that position). Results are new contiguous tensors.
#pragma once
#include <optional>
#include <tuple>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

struct ValuesIndices {
  Tensor values;   // input dtype
  Tensor indices;  // int64
};

// self: any shape; values/indices: self's shape, sorted along `dim`.
ValuesIndices sort(const Tensor& self, int64_t dim = -1, bool descending = false);
// values/indices: self's shape with size k along `dim`.
ValuesIndices topk(const Tensor& self, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// k-th smallest (1-based) along dim; keepdim keeps `dim` as size 1.
ValuesIndices kthvalue(const Tensor& self, int64_t k, int64_t dim = -1, bool keepdim = false);
// Lower median along dim. median: NaN (at the first NaN's index) if the row holds any NaN;
// nanmedian: lower median of the non-NaN values (NaN at the first index if all are NaN).
ValuesIndices median_dim(const Tensor& self, int64_t dim, bool keepdim, bool ignore_nan);
// 0-d lower median of all elements.
Tensor median_all(const Tensor& self, bool ignore_nan);
// Most frequent value along dim (smallest among ties), index of its last occurrence.
ValuesIndices mode(const Tensor& self, int64_t dim = -1, bool keepdim = false);

// unique: (sorted unique values or slices along dim, inverse indices with self's shape or
// (size(dim),), counts). All three are always computed; the Python layer picks.
// unique_consecutive: the same for runs of equal neighbours, in input order.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, std::optional<int64_t> dim);
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, std::optional<int64_t> dim);
// Internal: the `dim` variants through the composition of device-generic ops that CUDA tensors
// take, on any device (tests compare it with the CPU kernel).
std::tuple<Tensor, Tensor, Tensor> unique_dim_composed(const Tensor& self, int64_t dim, bool consecutive);

// bincount: self 1-D non-negative integers; weights (optional) 1-D of the same length.
Tensor bincount(const Tensor& self, const Tensor& weights, int64_t minlength);
// histc: floating self, `bins` equal-width bins over [min, max] (data range when min == max).
Tensor histc(const Tensor& self, int64_t bins, double min, double max);
// searchsorted: sorted_sequence 1-D, or N-D whose leading dims match values'; values any
// shape (0-d allowed); sorter (optional) int64 argsort of sorted_sequence along its last dim.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool right, bool out_int32,
                    const Tensor& sorter);
// bucketize: boundaries 1-D; input any shape. Same as searchsorted(boundaries, input, right).
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool right, bool out_int32);

}  // namespace ember
