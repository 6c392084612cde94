// loss_ref.cpp — plain-loop reference of the fused cross-entropy (double accumulation): the
// oracle for loss_kernels.inc (EMBER_KERNELS=reference).
#include <cmath>
#include <limits>
#include "ember/ops/loss/loss_kernels.h"

namespace ember::ref {
namespace {

// (max, log sum exp(x - max)) of a row; lse = max + the second.
template <class T>
void row_lse(const T* x, int64_t C, double& m, double& ls) {
  m = -std::numeric_limits<double>::infinity();
  double s = 0;
  for (int64_t c = 0; c < C; ++c) m = std::fmax(m, (double)x[c]);
  for (int64_t c = 0; c < C; ++c) s += std::exp((double)x[c] - m);
  ls = std::log(s);
}

// The smoothed, weighted target of class c for row i.
template <class T>
double tgt(const CeArgs<T>& a, int64_t i, int64_t c) {
  double ls = a.label_smoothing, w = a.weight ? (double)a.weight[c] : 1.0;
  double p = a.target ? (a.target[i] == c ? 1.0 : 0.0) : (double)a.ptarget[i * a.C + c];
  return w * (p * (1 - ls) + ls / a.C);
}

template <class T>
void fwd(const T* x, const CeArgs<T>& a, T* loss, T* lse) {
  for (int64_t i = 0; i < a.M; ++i) {
    const T* xr = x + i * a.C;
    double m, ls, v = 0;
    row_lse(xr, a.C, m, ls);
    lse[2 * i] = (T)m;
    lse[2 * i + 1] = (T)ls;
    if (!(a.target && a.target[i] == a.ignore_index))
      for (int64_t c = 0; c < a.C; ++c) v += tgt(a, i, c) * ((m - xr[c]) + ls);
    loss[i] = (T)v;
  }
}

template <class T>
void bwd(const T* x, const CeArgs<T>& a, const T* lse, const T* g, int64_t g_stride, T* dx) {
  for (int64_t i = 0; i < a.M; ++i) {
    bool ignored = a.target && a.target[i] == a.ignore_index;
    double S = 0;
    for (int64_t c = 0; c < a.C; ++c) S += tgt(a, i, c);
    for (int64_t c = 0; c < a.C; ++c) {
      double p = std::exp(((double)x[i * a.C + c] - (double)lse[2 * i]) - (double)lse[2 * i + 1]);
      dx[i * a.C + c] = ignored ? T(0) : (T)((double)g[i * g_stride] * (S * p - tgt(a, i, c)));
    }
  }
}

}  // namespace

const LossKernel loss_kernel = {{fwd<float>, bwd<float>}, {fwd<double>, bwd<double>}};

}  // namespace ember::ref
