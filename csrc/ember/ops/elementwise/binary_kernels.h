// binary_kernels.h — kernel tables for the binary/ternary family. binary_kernels.inc holds the
// hot arithmetic loops (add/sub/mul/div/maximum/minimum) and is compiled once per ISA
// (binary_base.cpp, binary_avx2.cpp, binary_avx512.cpp); the reference path is its baseline
// build. Everything else is compiled once (binary_math.cpp, ternary.cpp).
// Contract: operand 0 of the iterator is the output; inputs already have the compute dtype
// (comparisons: output bool; logical ops: inputs bool).
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/core/iter.h"
#include "ember/core/scalar.h"
#include "ember/ops/elementwise/elementwise.h"

namespace ember {

struct BinaryKernel {
  // op in [Add, Minimum]; dtype is the compute (= output) dtype.
  void (*run)(BinaryOp op, DType dtype, const StridedIter& it, const Scalar& alpha);
};
const BinaryKernel* binary_kernels(Isa isa);

namespace base { extern const BinaryKernel binary_kernel; }
namespace avx2 { extern const BinaryKernel binary_kernel; }
namespace avx512 { extern const BinaryKernel binary_kernel; }

// Ops DivTrunc..Fmin (binary_math.cpp); `dtype` is the compute (= output) dtype.
void binary_math_kernel(BinaryOp op, DType dtype, const StridedIter& it);
// Ops Eq..Shr (binary_compare.cpp); `dtype` is the input dtype (bool for logical ops).
void binary_compare_kernel(BinaryOp op, DType dtype, const StridedIter& it);
// dst = x ** e for a Python-number exponent; dst and x have dtype `dtype`.
void pow_scalar_kernel(const Tensor& dst, const Tensor& x, const Scalar& e);
// True when any element of an integer tensor is zero (integer division guard).
bool any_zero(const Tensor& t);

// Writes a Python number into a 0-d tensor of the tensor's dtype.
void fill_scalar_into(const Tensor& t, const Scalar& v);

}  // namespace ember
