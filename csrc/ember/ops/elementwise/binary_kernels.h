// binary_kernels.h — the per-ISA kernel table for binary arithmetic. binary_kernels.inc is
// compiled once per ISA (binary_base.cpp, binary_avx2.cpp, binary_avx512.cpp); the reference
// path is the baseline build of the same plain loops.
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/core/iter.h"
#include "ember/core/scalar.h"
#include "ember/ops/elementwise/elementwise.h"

namespace ember {

struct BinaryKernel {
  void (*run)(BinaryOp op, DType dtype, const StridedIter& it, const Scalar& alpha);
};
const BinaryKernel* binary_kernels(Isa isa);

namespace base { extern const BinaryKernel binary_kernel; }
namespace avx2 { extern const BinaryKernel binary_kernel; }
namespace avx512 { extern const BinaryKernel binary_kernel; }

// Writes a Python number into a 0-d tensor of the tensor's dtype.
void fill_scalar_into(const Tensor& t, const Scalar& v);

}  // namespace ember
