// elementwise.h — elementwise arithmetic. Inputs broadcast (PyTorch rules) and promote
// (core/promote.h); results are new contiguous tensors unless `out` is given. In-place forms
// write into `self` and require the result type to be castable to self's dtype.
#pragma once
#include <optional>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

enum class BinaryOp { Add, Sub, Mul, Div };

// out = op(a, b) with alpha scaling b for Add/Sub. `out` (if defined) receives the result.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar((int64_t)1),
              const Tensor& out = Tensor(), const char* name = nullptr);
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha = Scalar((int64_t)1),
              const Tensor& out = Tensor(), const char* name = nullptr);

// Shared validation for elementwise ops: the result shape, and the output tensor to write
// (allocated when `out` is undefined; checked for shape and castability when given).
Tensor prepare_output(const char* op, const Shape& shape, DType result, const Tensor& out);
bool can_cast(DType from, DType to);  // PyTorch's rule: no float->int, no int->bool narrowing of category

}  // namespace ember
