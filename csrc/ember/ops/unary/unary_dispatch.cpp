// unary_dispatch.cpp — picks the unary kernel table for the CPU (or the reference table).
#include "ember/ops/unary/unary_kernels.h"

namespace ember {

const UnaryKernel* unary_kernels(Isa isa) {
  if (use_reference_kernels()) return &ref::unary_kernel;
  switch (isa) {
    case Isa::Avx512: return &avx512::unary_kernel;
    case Isa::Avx2: return &avx2::unary_kernel;
    default: return &base::unary_kernel;
  }
}

}  // namespace ember
