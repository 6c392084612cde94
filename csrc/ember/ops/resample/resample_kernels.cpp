// resample_kernels.cpp — CPU kernels: one-dim tap application (forward `=`, backward as the
// transpose, accumulated in the compute type per plane row) and im2col / col2im.
// Layout of the tap kernels: src (outer, n_in, inner), dst (outer, n_out, inner), contiguous.
// Parallel over `outer` rows, so backward never has two threads adding into one element.
#include <algorithm>
#include <vector>
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/ops/resample/resample_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/resample/resample_cuda.h"
#endif

namespace ember::resample_detail {
namespace {

template <class T, int K>
void taps_fwd(const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const T* src, T* dst) {
  using C = compute_t<T>;
  const int64_t n_out = tp.n_out;
  std::vector<C> w(tp.w.begin(), tp.w.end());
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, n_out * inner * K));
  parallel_for(0, outer, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o)
      for (int64_t j = 0; j < n_out; ++j) {
        T* d = dst + (o * n_out + j) * inner;
        const T* r[K];
        C wj[K];
        for (int t = 0; t < K; ++t) {
          r[t] = src + (o * n_in + tp.idx[j * K + t]) * inner;
          wj[t] = w[j * K + t];
        }
        for (int64_t i = 0; i < inner; ++i) {
          C acc = wj[0] * C(r[0][i]);
          for (int t = 1; t < K; ++t) acc += wj[t] * C(r[t][i]);
          d[i] = T(acc);
        }
      }
  });
}

template <class T, int K>
void taps_bwd(const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const T* g, T* gin) {
  using C = compute_t<T>;
  const int64_t n_out = tp.n_out;
  std::vector<C> w(tp.w.begin(), tp.w.end());
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, n_out * inner * K));
  parallel_for(0, outer, grain, [&](int64_t lo, int64_t hi) {
    std::vector<C> acc(n_in * inner);
    for (int64_t o = lo; o < hi; ++o) {
      std::fill(acc.begin(), acc.end(), C(0));
      for (int64_t j = 0; j < n_out; ++j) {
        const T* gr = g + (o * n_out + j) * inner;
        for (int t = 0; t < K; ++t) {
          C wt = w[j * K + t];
          C* a = acc.data() + tp.idx[j * K + t] * inner;
          for (int64_t i = 0; i < inner; ++i) a[i] += wt * C(gr[i]);
        }
      }
      T* d = gin + o * n_in * inner;
      for (int64_t i = 0; i < n_in * inner; ++i) d[i] = T(acc[i]);
    }
  });
}

template <class T, int K>
void taps_dispatch(bool backward, const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const T* s, T* d) {
  if (backward) taps_bwd<T, K>(tp, outer, n_in, inner, s, d);
  else taps_fwd<T, K>(tp, outer, n_in, inner, s, d);
}

}  // namespace

void apply_taps(bool backward, const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const Tensor& src,
                const Tensor& dst) {
#ifdef EMBER_WITH_CUDA
  if (dst.device().is_cuda()) return cuda::apply_taps_cuda(backward, tp, outer, n_in, inner, src, dst);
#endif
  EMBER_DISPATCH_FLOAT(src.dtype(), "interpolate", [&] {
    const scalar_t* s = src.data<scalar_t>();
    scalar_t* d = dst.data<scalar_t>();
    switch (tp.K) {
      case 1: taps_dispatch<scalar_t, 1>(backward, tp, outer, n_in, inner, s, d); break;
      case 2: taps_dispatch<scalar_t, 2>(backward, tp, outer, n_in, inner, s, d); break;
      default: taps_dispatch<scalar_t, 4>(backward, tp, outer, n_in, inner, s, d); break;
    }
  });
}

void interp_reference(bool backward, const std::vector<Taps>& taps, const Shape& in_shape, const Shape& out_shape,
                      const Tensor& src, const Tensor& dst) {
  // Pad to 3 spatial dims with identity taps so one loop nest serves 1-3 dims.
  const int64_t nsp = (int64_t)taps.size();
  Taps id;
  id.K = 1; id.n_out = 1; id.idx = {0}; id.w = {1.0};
  std::vector<const Taps*> t(3, &id);
  int64_t I[3] = {1, 1, 1}, O[3] = {1, 1, 1};
  for (int64_t i = 0; i < nsp; ++i) {
    t[3 - nsp + i] = &taps[i];
    I[3 - nsp + i] = in_shape[2 + i];
    O[3 - nsp + i] = out_shape[2 + i];
  }
  const int64_t planes = in_shape[0] * in_shape[1], ip = I[0] * I[1] * I[2], op = O[0] * O[1] * O[2];
  EMBER_DISPATCH_FLOAT(src.dtype(), "interpolate", [&] {
    using C = compute_t<scalar_t>;
    const scalar_t* s = src.data<scalar_t>();
    scalar_t* d = dst.data<scalar_t>();
    std::vector<C> acc(backward ? ip : 0);
    for (int64_t b = 0; b < planes; ++b) {
      if (backward) std::fill(acc.begin(), acc.end(), C(0));
      for (int64_t j0 = 0; j0 < O[0]; ++j0)
        for (int64_t j1 = 0; j1 < O[1]; ++j1)
          for (int64_t j2 = 0; j2 < O[2]; ++j2) {
            const int64_t o = (j0 * O[1] + j1) * O[2] + j2;
            C total = 0;
            for (int64_t a = 0; a < t[0]->K; ++a) {
              const int64_t i0 = t[0]->idx[j0 * t[0]->K + a];
              const C w0 = C(t[0]->w[j0 * t[0]->K + a]);
              for (int64_t c = 0; c < t[1]->K; ++c) {
                const int64_t i1 = t[1]->idx[j1 * t[1]->K + c];
                const C w1 = C(t[1]->w[j1 * t[1]->K + c]);
                for (int64_t e = 0; e < t[2]->K; ++e) {
                  const int64_t i2 = t[2]->idx[j2 * t[2]->K + e];
                  const C w = w0 * w1 * C(t[2]->w[j2 * t[2]->K + e]);
                  const int64_t in_off = (i0 * I[1] + i1) * I[2] + i2;
                  if (backward) acc[in_off] += w * C(s[b * op + o]);
                  else total += w * C(s[b * ip + in_off]);
                }
              }
            }
            if (!backward) d[b * op + o] = scalar_t(total);
          }
      if (backward)
        for (int64_t i = 0; i < ip; ++i) d[b * ip + i] = scalar_t(acc[i]);
    }
  });
}

// cols (B, C*kh*kw, oh*ow) <-> image (B, C, H, W); one task per (b, c) image plane.
void im2col_kernel(const ColGeo& g, const Tensor& img, const Tensor& cols, bool backward) {
#ifdef EMBER_WITH_CUDA
  if (img.device().is_cuda()) return cuda::im2col_cuda(g, img, cols, backward);
#endif
  EMBER_DISPATCH_FLOAT(img.dtype(), backward ? "col2im" : "im2col", [&] {
    using C = compute_t<scalar_t>;
    scalar_t* im = img.data<scalar_t>();
    scalar_t* co = cols.data<scalar_t>();
    const int64_t L = g.oh * g.ow, kk = g.kh * g.kw, plane = g.H * g.W;
    int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, L * kk));
    parallel_for(0, g.B * g.C, grain, [&](int64_t lo, int64_t hi) {
      std::vector<C> acc(backward ? plane : 0);
      for (int64_t bc = lo; bc < hi; ++bc) {
        scalar_t* ip = im + bc * plane;
        scalar_t* cp = co + bc * kk * L;
        if (backward) std::fill(acc.begin(), acc.end(), C(0));
        for (int64_t ki = 0; ki < g.kh; ++ki)
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            scalar_t* row = cp + (ki * g.kw + kj) * L;
            for (int64_t y = 0; y < g.oh; ++y) {
              const int64_t ih = y * g.sh - g.ph + ki * g.dh;
              scalar_t* r = row + y * g.ow;
              const bool hin = ih >= 0 && ih < g.H;
              for (int64_t x = 0; x < g.ow; ++x) {
                const int64_t iw = x * g.sw - g.pw + kj * g.dw;
                const bool in = hin && iw >= 0 && iw < g.W;
                if (backward) { if (in) acc[ih * g.W + iw] += C(r[x]); }
                else r[x] = in ? ip[ih * g.W + iw] : scalar_t(C(0));
              }
            }
          }
        if (backward)
          for (int64_t i = 0; i < plane; ++i) ip[i] = scalar_t(acc[i]);
      }
    });
  });
}

}  // namespace ember::resample_detail
