// reduce_cuda.h — the CUDA side of the reduce family's device switch (plain C++, no CUDA headers).
// Defined in reduce_*_cuda.cu / scan_cuda.cu; exists only in builds with EMBER_WITH_CUDA, and every
// use in the family's .cpp files sits behind `#ifdef EMBER_WITH_CUDA`.
// The host side (reduce.cpp, norm.cpp) validates, converts dtypes, allocates the outputs on the
// input's device and builds the ReduceLayout exactly as for the CPU kernels; these functions only
// run the loops.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/reduce/reduce_kernels.h"

namespace ember::cuda {

// out (acc dtype reduce_acc_dtype(kind, in.dtype()), keepdim shape) <- reduction of `in` over the
// layout L (built from in/out by make_reduce_layout); `aux` (or undefined) holds one acc value
// per output (the mean for SqDev, the shift for ExpShift); `param` is PowSum's exponent.
void reduce_kernel(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out, const Tensor& aux,
                   double param);
// Single-dim arg reduction (L.nr <= 1): vals (compute dtype, may be undefined) and idx (int64).
void arg_reduce_kernel(bool is_max, const ReduceLayout& L, const Tensor& in, const Tensor& vals, const Tensor& idx);
// Scan along the reduced dim of L (nr <= 1); rout is the scanned dim's stride in `out` (and idx).
void scan_kernel(SK kind, const ReduceLayout& L, int64_t rout, const Tensor& in, const Tensor& out,
                 const Tensor& idx);

// In-place finishing maps on a contiguous float32/float64 acc tensor (the CPU's map_acc lambdas).
void acc_map_kernel(AccMap op, const Tensor& t, const Tensor& aux, double param);

namespace detail {
// Per-file parts of reduce_kernel; each returns false for kinds it does not handle.
bool reduce_float_kinds(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out, const Tensor& aux,
                        double param);
bool reduce_minmax_kinds(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out);
}  // namespace detail

}  // namespace ember::cuda
