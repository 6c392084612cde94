// softmax_ref.cpp — plain-loop reference softmax/log_softmax (double accumulation, std::exp):
// the oracle for the fast kernels (EMBER_KERNELS=reference).
#include <cmath>
#include <limits>
#include "ember/ops/softmax/softmax_kernels.h"

namespace ember::ref {
namespace {

template <class T>
void fwd(const T* x, T* y, int64_t outer, int64_t C, int64_t inner, bool log) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* xr = x + o * C * inner + i;
      T* yr = y + o * C * inner + i;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < C; ++c) m = std::fmax(m, (double)xr[c * inner]);
      double s = 0;
      for (int64_t c = 0; c < C; ++c) s += std::exp((double)xr[c * inner] - m);
      for (int64_t c = 0; c < C; ++c) {
        double v = (double)xr[c * inner] - m;
        yr[c * inner] = (T)(log ? v - std::log(s) : std::exp(v) / s);
      }
    }
}

template <class T>
void bwd(const T* g, const T* y, T* dx, int64_t outer, int64_t C, int64_t inner, bool log) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t b = o * C * inner + i;
      double s = 0;
      for (int64_t c = 0; c < C; ++c) s += log ? (double)g[b + c * inner] : (double)g[b + c * inner] * y[b + c * inner];
      for (int64_t c = 0; c < C; ++c) {
        int64_t k = b + c * inner;
        dx[k] = (T)(log ? g[k] - std::exp((double)y[k]) * s : y[k] * (g[k] - s));
      }
    }
}

}  // namespace

const SoftmaxKernel softmax_kernel = {fwd<float>, fwd<double>, bwd<float>, bwd<double>};

}  // namespace ember::ref
