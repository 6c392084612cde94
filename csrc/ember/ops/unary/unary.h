// unary.h — elementwise math of one tensor (neg, exp, sin, floor, isnan, ...), PyTorch's dtype
// rules: "float" ops on integer/bool input compute in the default float dtype; "keep" ops
// (neg, abs, sign, floor, ...) keep the input dtype; predicates (isnan, signbit, ...) return bool.
// Results are new contiguous tensors of the input's shape unless `out` is given; in-place forms
// write into `self` and require the result type to be castable to self's dtype.
#pragma once
#include <optional>
#include "ember/core/tensor.h"

namespace ember {

enum class UnaryOp : int {
  // keep the input dtype
  Neg, Abs, Sign, Sgn, Square, Floor, Ceil, Round, Trunc, Frac, BitwiseNot,
  // float results (integers/bool compute in the default float dtype)
  Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan, Asin, Acos, Atan,
  Sinh, Cosh, Tanh, Asinh, Acosh, Atanh, Sigmoid, Erf, Erfc, Erfinv, Lgamma, Digamma, Reciprocal,
  // bool results
  Isnan, Isinf, Isposinf, Isneginf, Isfinite, Signbit, LogicalNot,
  // parameterized (use the dedicated entry points below)
  RoundDecimals, Logit, NanToNum,
  kCount
};

const char* unary_name(UnaryOp op);

// Extra arguments of the parameterized ops.
struct UnaryParams {
  int64_t decimals = 0;                  // RoundDecimals
  double eps = -1;                       // Logit: clamp to [eps, 1-eps] when eps >= 0
  double nan = 0, posinf = 0, neginf = 0;  // NanToNum replacements (already resolved per dtype)
};

// x: any shape. Returns op(x) (or writes it into `out`, which must have x's shape).
Tensor unary(UnaryOp op, const Tensor& x, const Tensor& out = Tensor());
// self <- op(self)
Tensor unary_(UnaryOp op, const Tensor& self);

Tensor positive(const Tensor& x);  // x itself (error for bool)
Tensor round(const Tensor& x, int64_t decimals, const Tensor& out = Tensor());
Tensor logit(const Tensor& x, std::optional<double> eps, const Tensor& out = Tensor());
Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf, const Tensor& out = Tensor());

}  // namespace ember
