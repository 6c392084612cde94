// pool_kernels.cpp — CPU kernels of the pooling family, reference and fast.
// Reference: one plain loop nest per output element that visits every kernel tap and tests
// bounds (single thread). Fast: window bounds clipped once per output (no per-tap tests, dilated
// starts stepped into range), planes split across OpenMP threads. Both follow PyTorch's
// numerics: max takes a NaN as soon as it appears and ties keep the first index; avg sums in the
// compute type in window order and divides once.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include "ember/core/dispatch.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/ops/pool/pool_kernels.h"

namespace ember::pool_detail {
namespace {

// Parallel over planes, sized so each task does about kGrainSize element-visits.
template <class F>
void for_planes(int64_t B, int64_t work_per_plane, bool reference, const F& f) {
  if (reference) { for (int64_t b = 0; b < B; ++b) f(b); return; }
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
  parallel_for(0, B, grain, [&](int64_t lo, int64_t hi) { for (int64_t b = lo; b < hi; ++b) f(b); });
}

// Clipped dilated window along one dim: first in-range tap and one past the last.
inline void dil_range(int64_t o, int64_t s, int64_t p, int64_t k, int64_t d, int64_t n, int64_t& lo, int64_t& hi) {
  lo = o * s - p;
  hi = std::min(lo + (k - 1) * d + 1, n);
  while (lo < 0) lo += d;
}

template <class T>
void max_fwd_t(const Geo& g, const T* x, T* y, int64_t* yi, bool reference) {
  using C = compute_t<T>;
  const int64_t ip = g.in_plane(), opl = g.out_plane();
  const int64_t I1 = g.in[1], I2 = g.in[2];
  for_planes(g.B, opl * g.kvol(), reference, [&](int64_t b) {
    const T* xp = x + b * ip;
    T* yp = y + b * opl;
    int64_t* ip_ = yi + b * opl;
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          C best = -std::numeric_limits<C>::infinity();
          int64_t bi = -1;
          if (reference) {
            for (int64_t k0 = 0; k0 < g.k[0]; ++k0)
              for (int64_t k1 = 0; k1 < g.k[1]; ++k1)
                for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
                  int64_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0], i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1],
                          i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
                  if (i0 < 0 || i0 >= g.in[0] || i1 < 0 || i1 >= I1 || i2 < 0 || i2 >= I2) continue;
                  int64_t off = (i0 * I1 + i1) * I2 + i2;
                  if (bi < 0) bi = off;
                  C v = C(xp[off]);
                  if (v > best || std::isnan(v)) { best = v; bi = off; }
                }
          } else {
            int64_t l0, h0, l1, h1, l2, h2;
            dil_range(o0, g.s[0], g.p[0], g.k[0], g.d[0], g.in[0], l0, h0);
            dil_range(o1, g.s[1], g.p[1], g.k[1], g.d[1], I1, l1, h1);
            dil_range(o2, g.s[2], g.p[2], g.k[2], g.d[2], I2, l2, h2);
            bi = (l0 * I1 + l1) * I2 + l2;
            for (int64_t i0 = l0; i0 < h0; i0 += g.d[0])
              for (int64_t i1 = l1; i1 < h1; i1 += g.d[1]) {
                const int64_t row = (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; i2 += g.d[2]) {
                  C v = C(xp[row + i2]);
                  if (v > best || std::isnan(v)) { best = v; bi = row + i2; }
                }
              }
          }
          yp[o] = T(best);
          ip_[o] = bi < 0 ? 0 : bi;
        }
  });
}

// Window of avg_pool along one dim (PyTorch's rule): [lo, hi) clipped, plus the padded extent.
inline void avg_range(int64_t o, int64_t s, int64_t p, int64_t k, int64_t n, int64_t& lo, int64_t& hi, int64_t& ext) {
  lo = o * s - p;
  hi = std::min(lo + k, n + p);
  ext = hi - lo;
  lo = std::max<int64_t>(lo, 0);
  hi = std::min(hi, n);
}

template <class T, bool Backward>
void avg_t(const Geo& g, AvgOpts opt, const T* src, T* dst, bool reference) {
  using C = compute_t<T>;
  const int64_t ip = g.in_plane(), opl = g.out_plane(), I1 = g.in[1], I2 = g.in[2];
  for_planes(g.B, opl * g.kvol(), reference, [&](int64_t b) {
    const T* in = Backward ? nullptr : src + b * ip;
    const T* gp = Backward ? src + b * opl : nullptr;
    T* out = Backward ? nullptr : dst + b * opl;
    C* acc = nullptr;
    std::vector<C> accbuf;
    if (Backward) { accbuf.assign(ip, C(0)); acc = accbuf.data(); }
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
      int64_t l0, h0, e0;
      avg_range(o0, g.s[0], g.p[0], g.k[0], g.in[0], l0, h0, e0);
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
        int64_t l1, h1, e1;
        avg_range(o1, g.s[1], g.p[1], g.k[1], I1, l1, h1, e1);
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          int64_t l2, h2, e2;
          avg_range(o2, g.s[2], g.p[2], g.k[2], I2, l2, h2, e2);
          if (l0 >= h0 || l1 >= h1 || l2 >= h2) { if (!Backward) out[o] = T(C(0)); continue; }
          int64_t div = opt.divisor ? opt.divisor
                        : opt.count_include_pad ? e0 * e1 * e2 : (h0 - l0) * (h1 - l1) * (h2 - l2);
          if (Backward) {
            C v = C(gp[o]) / C(div);
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                C* r = acc + (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; ++i2) r[i2] += v;
              }
          } else {
            C s = 0;
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                const T* r = in + (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; ++i2) s += C(r[i2]);
              }
            out[o] = T(s / C(div));
          }
        }
      }
    }
    if (Backward) {
      T* gi = dst + b * ip;
      for (int64_t i = 0; i < ip; ++i) gi[i] = T(acc[i]);
    }
  });
}

template <class T, int Mode>  // 0: avg forward, 1: avg backward, 2: max forward
void adaptive_t(const Geo& g, const T* src, T* dst, int64_t* idx, bool reference) {
  using C = compute_t<T>;
  const int64_t ip = g.in_plane(), opl = g.out_plane(), I1 = g.in[1], I2 = g.in[2];
  const int64_t work = std::max(ip, opl);
  for_planes(g.B, work, reference, [&](int64_t b) {
    std::vector<C> accbuf;
    if (Mode == 1) accbuf.assign(ip, C(0));
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
      int64_t l0 = adaptive_start(o0, g.in[0], g.out[0]), h0 = adaptive_end(o0, g.in[0], g.out[0]);
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
        int64_t l1 = adaptive_start(o1, I1, g.out[1]), h1 = adaptive_end(o1, I1, g.out[1]);
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          int64_t l2 = adaptive_start(o2, I2, g.out[2]), h2 = adaptive_end(o2, I2, g.out[2]);
          if (Mode == 0) {
            const T* in = src + b * ip;
            C s = 0;
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                const T* r = in + (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; ++i2) s += C(r[i2]);
              }
            dst[b * opl + o] = T(s / C((h0 - l0) * (h1 - l1) * (h2 - l2)));
          } else if (Mode == 1) {
            C v = C(src[b * opl + o]) / C((h0 - l0) * (h1 - l1) * (h2 - l2));
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                C* r = accbuf.data() + (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; ++i2) r[i2] += v;
              }
          } else {
            const T* in = src + b * ip;
            C best = -std::numeric_limits<C>::infinity();
            int64_t bi = (l0 * I1 + l1) * I2 + l2;
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                const int64_t row = (i0 * I1 + i1) * I2;
                for (int64_t i2 = l2; i2 < h2; ++i2) {
                  C v = C(in[row + i2]);
                  if (v > best || std::isnan(v)) { best = v; bi = row + i2; }
                }
              }
            dst[b * opl + o] = T(best);
            idx[b * opl + o] = bi;
          }
        }
      }
    }
    if (Mode == 1) {
      T* gi = dst + b * ip;
      for (int64_t i = 0; i < ip; ++i) gi[i] = T(accbuf[i]);
    }
  });
}

}  // namespace

void max_pool_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference) {
  EMBER_DISPATCH_FLOAT(x.dtype(), "max_pool", [&] {
    max_fwd_t<scalar_t>(g, x.data<scalar_t>(), out.data<scalar_t>(), idx.data<int64_t>(), reference);
  });
}

void avg_pool_fwd(const Geo& g, AvgOpts o, const Tensor& x, const Tensor& out, bool reference) {
  EMBER_DISPATCH_FLOAT(x.dtype(), "avg_pool", [&] {
    avg_t<scalar_t, false>(g, o, x.data<scalar_t>(), out.data<scalar_t>(), reference);
  });
}

void avg_pool_bwd(const Geo& g, AvgOpts o, const Tensor& grad, const Tensor& gin, bool reference) {
  EMBER_DISPATCH_FLOAT(grad.dtype(), "avg_pool_backward", [&] {
    avg_t<scalar_t, true>(g, o, grad.data<scalar_t>(), gin.data<scalar_t>(), reference);
  });
}

void adaptive_avg_fwd(const Geo& g, const Tensor& x, const Tensor& out, bool reference) {
  EMBER_DISPATCH_FLOAT(x.dtype(), "adaptive_avg_pool", [&] {
    adaptive_t<scalar_t, 0>(g, x.data<scalar_t>(), out.data<scalar_t>(), nullptr, reference);
  });
}

void adaptive_avg_bwd(const Geo& g, const Tensor& grad, const Tensor& gin, bool reference) {
  EMBER_DISPATCH_FLOAT(grad.dtype(), "adaptive_avg_pool_backward", [&] {
    adaptive_t<scalar_t, 1>(g, grad.data<scalar_t>(), gin.data<scalar_t>(), nullptr, reference);
  });
}

void adaptive_max_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference) {
  EMBER_DISPATCH_FLOAT(x.dtype(), "adaptive_max_pool", [&] {
    adaptive_t<scalar_t, 2>(g, x.data<scalar_t>(), out.data<scalar_t>(), idx.data<int64_t>(), reference);
  });
}

void scatter_planes(int64_t B, int64_t n_src, int64_t n_out, const Tensor& src, const Tensor& idx,
                    const Tensor& out, bool accumulate, const char* op) {
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_i{0};
  EMBER_DISPATCH_FLOAT(src.dtype(), "max_pool_backward", [&] {
    using C = compute_t<scalar_t>;
    const scalar_t* s = src.data<scalar_t>();
    const int64_t* ix = idx.data<int64_t>();
    scalar_t* o = out.data<scalar_t>();
    for_planes(B, n_src + n_out, false, [&](int64_t b) {
      scalar_t* op = o + b * n_out;
      std::fill(op, op + n_out, scalar_t(C(0)));
      const scalar_t* sp = s + b * n_src;
      const int64_t* ipl = ix + b * n_src;
      for (int64_t j = 0; j < n_src; ++j) {
        int64_t i = ipl[j];
        if (i < 0 || i >= n_out) { bad.store(true); bad_i.store(i); continue; }
        op[i] = accumulate ? scalar_t(C(op[i]) + C(sp[j])) : sp[j];
      }
    });
  });
  EMBER_CHECK(!bad.load(), op,
              "Found an invalid max index: ", bad_i.load(), " (output volumes are of size ", n_out, ")");
}

void gather_planes(int64_t B, int64_t n_out, int64_t n_src, const Tensor& src, const Tensor& idx, const Tensor& out) {
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_i{0};
  EMBER_DISPATCH_FLOAT(src.dtype(), "pool_gather", [&] {
    const scalar_t* s = src.data<scalar_t>();
    const int64_t* ix = idx.data<int64_t>();
    scalar_t* o = out.data<scalar_t>();
    for_planes(B, n_out, false, [&](int64_t b) {
      const scalar_t* sp = s + b * n_src;
      const int64_t* ipl = ix + b * n_out;
      scalar_t* op = o + b * n_out;
      for (int64_t j = 0; j < n_out; ++j) {
        int64_t i = ipl[j];
        if (i < 0 || i >= n_src) { bad.store(true); bad_i.store(i); op[j] = scalar_t(0.0f); continue; }
        op[j] = sp[i];
      }
    });
  });
  EMBER_CHECK(!bad.load(), "max_unpool_backward", "Found an invalid max index: ", bad_i.load(),
              " (input volumes are of size ", n_src, ")");
}

}  // namespace ember::pool_detail
