// creation.h — range and structured factories (PyTorch's arange/range/linspace/logspace/eye/
// empty_strided). All return new tensors on `device` (the CPU by default; on a GPU the values are
// computed there with the same arithmetic); the dtype is decided by the caller
// (Python applies PyTorch's inference rules) and values follow PyTorch's CPU arithmetic.
#pragma once
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

// [start, end) by step: length ceil((end - start) / step); (n,)
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype, Device device = Device());
// [start, end] by step (deprecated torch.range): length floor((end - start) / step) + 1; (n,)
Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype, Device device = Device());
// `steps` evenly spaced values from start to end inclusive; (steps,)
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, DType dtype, Device device = Device());
// base ** linspace(start, end, steps); (steps,)
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, DType dtype,
                Device device = Device());
// Ones on the main diagonal; (n, m) (m < 0: m = n)
Tensor eye(int64_t n, int64_t m, DType dtype, Device device = Device());
// Uninitialized tensor with the given sizes and strides over a fresh storage just big enough.
Tensor empty_strided(const Shape& sizes, const Shape& strides, DType dtype);

}  // namespace ember
