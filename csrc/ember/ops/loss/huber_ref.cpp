// huber_ref.cpp — plain-loop reference of huber / smooth_l1 (PyTorch's branch form, double
// accumulation): the oracle for huber_kernels.inc (EMBER_KERNELS=reference).
#include <cmath>
#include "ember/ops/loss/huber_kernels.h"

namespace ember::ref {
namespace {

template <class T>
double fwd(const T* x, const T* t, int64_t n, T p, bool smooth_l1, T* loss) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = (double)x[i] - (double)t[i], a = std::fabs(d), pp = p, v;
    if (smooth_l1) v = a < pp ? 0.5 * d * d / pp : a - 0.5 * pp;
    else v = a < pp ? 0.5 * d * d : pp * (a - 0.5 * pp);
    if (loss) loss[i] = (T)v;
    sum += v;
  }
  return loss ? 0 : sum;
}

template <class T>
void bwd(const T* x, const T* t, int64_t n, T p, bool smooth_l1, const T* g, int64_t g_stride, T* dx, T* dt) {
  for (int64_t i = 0; i < n; ++i) {
    double d = (double)x[i] - (double)t[i], pp = p, gi = g[i * g_stride];
    double v = d < -pp ? -pp : d > pp ? pp : d;
    if (smooth_l1) v /= pp;
    v *= gi;
    if (dx) dx[i] = (T)v;
    if (dt) dt[i] = (T)-v;
  }
}

}  // namespace

const HuberKernels huber_kernel = {{fwd<float>, bwd<float>}, {fwd<double>, bwd<double>}};

}  // namespace ember::ref
