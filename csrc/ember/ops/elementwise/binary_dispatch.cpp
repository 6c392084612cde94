#include "ember/core/dispatch.h"
#include "ember/ops/elementwise/binary_kernels.h"

namespace ember {

const BinaryKernel* binary_kernels(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return &avx512::binary_kernel;
    case Isa::Avx2: return &avx2::binary_kernel;
    default: return &base::binary_kernel;
  }
}

void fill_scalar_into(const Tensor& t, const Scalar& v) {
  EMBER_DISPATCH_ALL(t.dtype(), "fill", [&] { *t.data<scalar_t>() = scalar_t(v.to<compute_t<scalar_t>>()); });
}

}  // namespace ember
