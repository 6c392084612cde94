// unary_dispatch.cpp — picks the unary kernel table for the CPU (or the reference table).
#include "ember/ops/unary/unary_kernels.h"

namespace ember {

const UnaryKernel* unary_kernels(Isa isa) {
  if (use_reference_kernels()) return &ref::unary_kernel;
  return pick_isa(isa, base::unary_kernel, avx2::unary_kernel, avx512::unary_kernel);
}

}  // namespace ember
