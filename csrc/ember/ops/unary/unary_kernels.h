// unary_kernels.h — the per-ISA kernel table for unary math. unary_kernels.inc is compiled once
// per ISA (unary_base.cpp, unary_avx2.cpp, unary_avx512.cpp); unary_ref.cpp holds the plain
// reference loops (std:: functions), which the fast tables also use for float64, integers and
// predicates. Kernels see validated operands: operand 0 is the output (bool for predicates,
// else the input dtype), operand 1 the input.
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/core/iter.h"
#include "ember/ops/unary/unary.h"

namespace ember {

struct UnaryKernel {
  void (*run)(UnaryOp op, DType in_dtype, const StridedIter& it, const UnaryParams& p);
};
const UnaryKernel* unary_kernels(Isa isa);  // reference table when use_reference_kernels()

namespace ref { extern const UnaryKernel unary_kernel; }
namespace base { extern const UnaryKernel unary_kernel; }
namespace avx2 { extern const UnaryKernel unary_kernel; }
namespace avx512 { extern const UnaryKernel unary_kernel; }

// Elements per task for transcendental ops (cheaper ops use kGrainSize).
constexpr int64_t kUnaryMathGrain = 8192;

}  // namespace ember

// Ops with a floating result computed elementwise from a floating input.
#define EMBER_UNARY_FLOAT_OPS(X)                                                                    \
  X(Neg) X(Abs) X(Sign) X(Sgn) X(Square) X(Floor) X(Ceil) X(Round) X(Trunc) X(Frac) X(Exp) X(Exp2)  \
  X(Expm1) X(Log) X(Log2) X(Log10) X(Log1p) X(Sqrt) X(Rsqrt) X(Sin) X(Cos) X(Tan) X(Asin) X(Acos)    \
  X(Atan) X(Sinh) X(Cosh) X(Tanh) X(Asinh) X(Acosh) X(Atanh) X(Sigmoid) X(Erf) X(Erfc) X(Erfinv)     \
  X(Lgamma) X(Digamma) X(Reciprocal) X(RoundDecimals) X(Logit) X(NanToNum)
#define EMBER_UNARY_PRED_OPS(X) X(Isnan) X(Isinf) X(Isposinf) X(Isneginf) X(Isfinite) X(Signbit) X(LogicalNot)
#define EMBER_UNARY_INT_OPS(X) X(Neg) X(Abs) X(Sign) X(Sgn) X(Square) X(BitwiseNot)
