// elementwise.h — binary and ternary elementwise ops. Inputs broadcast (PyTorch rules) and
// promote (core/promote.h, Python numbers are "weak"); results are new contiguous tensors unless
// `out` is given. In-place forms pass `out = self`: the result type must be castable to self's
// dtype and the broadcast shape must equal self's shape.
#pragma once
#include <optional>
#include <variant>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

// Hot ops (Add..Minimum) have per-ISA kernels (binary_kernels.inc); the rest are compiled once
// (binary_math.cpp). Keep the order: binary.cpp's trait table is indexed by it.
enum class BinaryOp : int {
  Add, Sub, Mul, Div, Maximum, Minimum,                       // per-ISA
  DivTrunc, DivFloor, Remainder, Fmod, Pow,                   // integer-capable, no bool
  Atan2, Copysign, Xlogy,                                     // integers promote to float
  Hypot, LogAddExp, LogAddExp2, NextAfter,                    // floating only
  Fmax, Fmin,                                                 // nan-ignoring max/min
  Eq, Ne, Lt, Le, Gt, Ge,                                     // bool result
  LogicalAnd, LogicalOr, LogicalXor,                          // bool result, any input dtype
  BitAnd, BitOr, BitXor, Shl, Shr,                            // integer (and bool for and/or/xor)
  kCount
};
const char* binary_op_name(BinaryOp op);

// out = op(a, b); alpha scales b for Add/Sub. `name` (may be null) is the op name for messages.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar((int64_t)1),
              const Tensor& out = Tensor(), const char* name = nullptr);
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha = Scalar((int64_t)1),
              const Tensor& out = Tensor(), const char* name = nullptr);
Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha = Scalar((int64_t)1),
              const Tensor& out = Tensor(), const char* name = nullptr);

// A Python number or a tensor, for the ternary ops' flexible arguments.
using TensorOrScalar = std::variant<Tensor, Scalar>;

// where(cond, a, b): cond bool (uint8 accepted), result dtype result_type(a, b).
Tensor where(const Tensor& cond, const TensorOrScalar& a, const TensorOrScalar& b, const Tensor& out = Tensor());
// clamp(x, min, max): at least one bound; nan in x or a bound propagates; min > max gives max.
Tensor clamp(const Tensor& x, const std::optional<TensorOrScalar>& min, const std::optional<TensorOrScalar>& max,
             const Tensor& out = Tensor(), const char* name = "clamp");
// lerp(start, end, weight) = start + weight * (end - start); floating, start/end same dtype.
Tensor lerp(const Tensor& start, const Tensor& end, const TensorOrScalar& weight, const Tensor& out = Tensor());
// addcmul: x + value * t1 * t2;  addcdiv: x + value * t1 / t2 (floating only).
Tensor addcmul(const Tensor& x, const Tensor& t1, const Tensor& t2, const Scalar& value, const Tensor& out = Tensor());
Tensor addcdiv(const Tensor& x, const Tensor& t1, const Tensor& t2, const Scalar& value, const Tensor& out = Tensor());
// isclose: |a - b| <= atol + rtol * |b| (or a == b; nan == nan when equal_nan). Same dtypes.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);
bool equal(const Tensor& a, const Tensor& b);  // same shape and equal elements (after promotion)
// pow(x, exponent) with a Python-number exponent (fast paths for 0, 1, 2, 3, 0.5, -0.5, -1, -2).
Tensor pow_scalar(const Tensor& x, const Scalar& exponent, const Tensor& out = Tensor());

// Shared validation for elementwise ops: the output tensor to write (allocated when `out` is
// undefined; checked for shape and castability when given).
// Allocates on `device` when out is undefined; a given `out` must be on `device`.
Tensor prepare_output(const char* op, const Shape& shape, DType result, const Tensor& out, Device device = Device());
bool can_cast(DType from, DType to);  // PyTorch's rule: no float->int, no int->bool narrowing of category

}  // namespace ember
