#include "ember/core/dispatch.h"
#include "ember/ops/elementwise/binary_kernels.h"

namespace ember {

const BinaryKernel* binary_kernels(Isa isa) {
  return pick_isa(isa, base::binary_kernel, avx2::binary_kernel, avx512::binary_kernel);
}

void fill_scalar_into(const Tensor& t, const Scalar& v) {
  EMBER_DISPATCH_ALL(t.dtype(), "fill", [&] { *t.data<scalar_t>() = scalar_t(v.to<compute_t<scalar_t>>()); });
}

}  // namespace ember
