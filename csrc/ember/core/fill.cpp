// fill.cpp — fill_(t, value): writes one value into every element of a (possibly strided) view.
#include "ember/core/fill.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#endif

namespace ember {

void fill_(const Tensor& t, const Scalar& value) {
  if (t.numel() == 0) return;
#ifdef EMBER_WITH_CUDA
  if (t.device().is_cuda()) { cuda::fill_(t, value); t.bump_version(); return; }
#endif
  StridedIter it(t.sizes(), {&t});
  EMBER_DISPATCH_ALL(t.dtype(), "fill_", [&] {
    scalar_t v = scalar_t(value.to<compute_t<scalar_t>>());
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(scalar_t)) { scalar_t* d = (scalar_t*)p[0]; for (int64_t i = 0; i < n; ++i) d[i] = v; return; }
      for (int64_t i = 0; i < n; ++i) *(scalar_t*)(p[0] + i * s[0]) = v;
    });
  });
  t.bump_version();
}

Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device) {
  Tensor t = Tensor::empty(sizes, dtype, device);
  fill_(t, value);
  return t;
}

}  // namespace ember
