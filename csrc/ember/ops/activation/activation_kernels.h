// activation_kernels.h — the per-ISA kernel table of the activation family.
// activation_kernels.inc is compiled once per ISA (activation_base/_avx2/_avx512.cpp); it runs
// float32 and float16/bfloat16 (converted through float blocks) with the vectorizable VecMath
// formulas. activation_ref.cpp holds the plain loops over the std:: formulas: the oracle, and
// the path the fast tables use for float64 and double backward. Operand 0 is the output:
//   forward: (y, x)   backward: (dx, g, s)   double_backward: (ds, gg, g, s)
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/core/iter.h"
#include "ember/ops/activation/activation.h"

namespace ember {

struct ActKernel {
  void (*forward)(ActOp op, DType dtype, const StridedIter& it, const ActParams& p);
  void (*backward)(ActOp op, DType dtype, const StridedIter& it, const ActParams& p);
  void (*double_backward)(ActOp op, DType dtype, const StridedIter& it, const ActParams& p);
};
const ActKernel* activation_kernels(Isa isa);  // the reference table when use_reference_kernels()

namespace ref { extern const ActKernel activation_kernel; }
namespace base { extern const ActKernel activation_kernel; }
namespace avx2 { extern const ActKernel activation_kernel; }
namespace avx512 { extern const ActKernel activation_kernel; }

// Elements per task: piecewise-linear ops are as cheap as a copy; the others call exp/tanh/erf.
inline int64_t activation_grain(ActOp op) {
  switch (op) {
    case ActOp::Relu: case ActOp::LeakyRelu: case ActOp::Hardtanh: case ActOp::Hardswish:
    case ActOp::Hardsigmoid: case ActOp::Threshold: case ActOp::Softshrink: case ActOp::Hardshrink:
    case ActOp::Softsign:
      return kGrainSize;
    default: return 8192;
  }
}

}  // namespace ember
