// pool_kernels.cpp — CPU kernels of the pooling family, reference and fast.
// Reference: one plain loop nest per output element that visits every kernel tap and tests
// bounds (single thread). Fast: window bounds clipped once per output (no per-tap tests, dilated
// starts stepped into range), planes split across OpenMP threads. Both follow PyTorch's
// numerics: max takes a NaN as soon as it appears and ties keep the first index; avg sums in the
// compute type in window order and divides once.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "ember/core/dispatch.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/ops/pool/pool_kernels.h"
#include "ember/ops/pool/pool_global.h"
#include "ember/core/cpu_features.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/pool/pool_cuda.h"
#define EMBER_POOL_CUDA(t, call) \
  if ((t).device().is_cuda()) { cuda::call; return; }
#else
#define EMBER_POOL_CUDA(t, call)
#endif

namespace ember::pool_detail {
namespace {

// Parallel over planes, sized so each task does about kGrainSize element-visits.
template <class F>
void for_planes(int64_t B, int64_t work_per_plane, bool reference, const F& f) {
  if (reference) { for (int64_t b = 0; b < B; ++b) f(b); return; }
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
  parallel_for(0, B, grain, [&](int64_t lo, int64_t hi) { for (int64_t b = lo; b < hi; ++b) f(b); });
}

// Sum of n contiguous values: 8 independent partial sums (vectorizable, fixed order) for long
// runs, plain left-to-right for short ones (short windows then round exactly as PyTorch's loop).
template <class T, class C = compute_t<T>>
inline C run_sum(const T* r, int64_t n, C s0 = C(0)) {
  if (n < 16) { C s = s0; for (int64_t i = 0; i < n; ++i) s += C(r[i]); return s; }
  C p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) p[l] += C(r[i + l]);
  C s = s0 + (((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7])));
  for (; i < n; ++i) s += C(r[i]);
  return s;
}

// Clipped dilated window along one dim: first in-range tap and one past the last.
inline void dil_range(int64_t o, int64_t s, int64_t p, int64_t k, int64_t d, int64_t n, int64_t& lo, int64_t& hi) {
  lo = o * s - p;
  hi = std::min(lo + (k - 1) * d + 1, n);
  while (lo < 0) lo += d;
}

// Per-dim window bounds computed once per call (integer divisions and dilation stepping would
// otherwise cost more than the pooling itself on small planes).
struct Win { std::vector<int64_t> lo, hi, ext; };
enum class WinKind { Max, Avg, Adaptive };

inline void avg_range(int64_t o, int64_t s, int64_t p, int64_t k, int64_t n, int64_t& lo, int64_t& hi, int64_t& ext);

std::array<Win, 3> windows(const Geo& g, WinKind kind) {
  std::array<Win, 3> w;
  for (int d = 0; d < 3; ++d) {
    const int64_t n = g.out[d];
    w[d].lo.resize(n); w[d].hi.resize(n); w[d].ext.resize(n);
    for (int64_t o = 0; o < n; ++o) {
      int64_t lo, hi, ext = 0;
      if (kind == WinKind::Max) dil_range(o, g.s[d], g.p[d], g.k[d], g.d[d], g.in[d], lo, hi);
      else if (kind == WinKind::Avg) avg_range(o, g.s[d], g.p[d], g.k[d], g.in[d], lo, hi, ext);
      else { lo = adaptive_start(o, g.in[d], n); hi = adaptive_end(o, g.in[d], n); }
      w[d].lo[o] = lo; w[d].hi[o] = hi; w[d].ext[o] = ext;
    }
  }
  return w;
}

// Reference: every tap of every window, bounds tested per tap.
template <class T>
void max_plane_ref(const Geo& g, const T* xp, T* yp, int64_t* ip_) {
  using C = compute_t<T>;
  const int64_t I1 = g.in[1], I2 = g.in[2];
  int64_t o = 0;
  for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
    for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
      for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
        C best = -std::numeric_limits<C>::infinity();
        int64_t bi = -1;
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
        yp[o] = T(best);
        ip_[o] = bi < 0 ? 0 : bi;
      }
}

// One tap for outputs [a, e): best/arg updated where the tap wins (vectorizable: no aliasing).
template <class T, class C = compute_t<T>>
inline void interior_max_taps(const T* __restrict src, C* __restrict bb, int64_t* __restrict irow, int64_t off,
                              int64_t a, int64_t e, int64_t s2) {
  if (s2 == 2) {
    for (int64_t o2 = a; o2 < e; ++o2) {
      C v = C(src[2 * o2]);
      bool take = (v > bb[o2]) | (v != v);
      bb[o2] = take ? v : bb[o2];
      irow[o2] = take ? off + 2 * o2 : irow[o2];
    }
    return;
  }
  for (int64_t o2 = a; o2 < e; ++o2) {
    C v = C(src[o2 * s2]);
    bool take = (v > bb[o2]) | (v != v);
    bb[o2] = take ? v : bb[o2];
    irow[o2] = take ? off + o2 * s2 : irow[o2];
  }
}

#if defined(__SSE2__)
// float32, stride 1 or 2: four outputs per step with SSE2 (baseline x86-64). Indices in int32
// lanes (planes < 2^31 elements). The stride-2 loads read 8 floats for 4 outputs, so the
// vector loop stops one output early to never touch memory past the last tap.
inline void interior_max_taps_sse(const float* src, float* bb, int32_t* ib, int32_t off, int64_t a, int64_t e,
                                  int64_t s2) {
  int64_t o2 = a;
  const __m128i step = s2 == 2 ? _mm_setr_epi32(0, 2, 4, 6) : _mm_setr_epi32(0, 1, 2, 3);
  const int64_t stop = s2 == 2 ? e - 1 : e;
  for (; o2 + 4 <= stop; o2 += 4) {
    __m128 v;
    if (s2 == 2) {
      __m128 lo = _mm_loadu_ps(src + 2 * o2), hi = _mm_loadu_ps(src + 2 * o2 + 4);
      v = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    } else {
      v = _mm_loadu_ps(src + o2);
    }
    __m128 b = _mm_loadu_ps(bb + o2);
    __m128 m = _mm_or_ps(_mm_cmpgt_ps(v, b), _mm_cmpunord_ps(v, v));  // v wins, or v is NaN
    _mm_storeu_ps(bb + o2, _mm_or_ps(_mm_and_ps(m, v), _mm_andnot_ps(m, b)));
    __m128i cand = _mm_add_epi32(_mm_set1_epi32(off + (int32_t)(o2 * s2)), step);
    __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ib + o2));
    __m128i mi = _mm_castps_si128(m);
    __m128i next = _mm_or_si128(_mm_and_si128(mi, cand), _mm_andnot_si128(mi, cur));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ib + o2), next);
  }
  for (; o2 < e; ++o2) {
    float v = src[o2 * s2];
    bool take = (v > bb[o2]) | (v != v);
    bb[o2] = take ? v : bb[o2];
    ib[o2] = take ? off + (int32_t)(o2 * s2) : ib[o2];
  }
}
#endif

// Fast: precomputed clipped windows, geometry in locals (the int64 index stores could alias
// the Geo fields otherwise), branch-free select, unit-stride inner loop when not dilated.
template <class T, bool UnitInner>
void max_plane_fast(const Geo& g, const std::array<Win, 3>& W, const T* xp, T* yp, int64_t* ip_) {
  using C = compute_t<T>;
  const int64_t O0 = g.out[0], O1 = g.out[1], O2 = g.out[2], I1 = g.in[1], I2 = g.in[2];
  const int64_t d0 = g.d[0], d1 = g.d[1], d2 = UnitInner ? 1 : g.d[2];
  const int64_t *lo0 = W[0].lo.data(), *hi0 = W[0].hi.data(), *lo1 = W[1].lo.data(), *hi1 = W[1].hi.data();
  const int64_t *lo2 = W[2].lo.data(), *hi2 = W[2].hi.data();
  // Interior outputs [a, e) along the last dim have unclipped windows: their taps are visited
  // tap-major (same tap order as the per-output loop, so ties and NaNs resolve identically),
  // which makes the loop over outputs independent and vectorizable.
  const int64_t s2 = g.s[2], p2 = g.p[2], K2 = g.k[2];
  int64_t a = 0, e = 0;
  while (a < O2 && a * s2 - p2 < 0) ++a;
  e = a;
  while (e < O2 && e * s2 - p2 + (K2 - 1) * d2 < I2) ++e;
  thread_local std::vector<C> best_buf;
  if ((int64_t)best_buf.size() < O2) best_buf.resize(O2);
  C* bb = best_buf.data();
  for (int64_t o0 = 0; o0 < O0; ++o0)
    for (int64_t o1 = 0; o1 < O1; ++o1) {
      const int64_t l0 = lo0[o0], h0 = hi0[o0], l1 = lo1[o1], h1 = hi1[o1];
      T* yrow = yp + (o0 * O1 + o1) * O2;
      int64_t* irow = ip_ + (o0 * O1 + o1) * O2;
      bool interior_done = false;
#if defined(__SSE2__)
      if constexpr (std::is_same<T, float>::value) {
        if (e > a && (s2 == 1 || s2 == 2) && g.in_plane() < (int64_t(1) << 31)) {
          thread_local std::vector<int32_t> ibuf;
          if ((int64_t)ibuf.size() < O2) ibuf.resize(O2);
          int32_t* ib = ibuf.data();
          const int64_t first = (l0 * I1 + l1) * I2;
          for (int64_t o2 = a; o2 < e; ++o2) {
            bb[o2] = -std::numeric_limits<float>::infinity();
            ib[o2] = (int32_t)(first + o2 * s2 - p2);
          }
          for (int64_t i0 = l0; i0 < h0; i0 += d0)
            for (int64_t i1 = l1; i1 < h1; i1 += d1) {
              const int64_t row = (i0 * I1 + i1) * I2;
              for (int64_t kj = 0; kj < K2; ++kj) {
                const int64_t off = row + kj * d2 - p2;
                interior_max_taps_sse(xp + off, bb, ib, (int32_t)off, a, e, s2);
              }
            }
          for (int64_t o2 = a; o2 < e; ++o2) { yrow[o2] = bb[o2]; irow[o2] = ib[o2]; }
          interior_done = true;
        }
      }
#endif
      if (e > a && !interior_done) {
        const int64_t first = (l0 * I1 + l1) * I2;
        for (int64_t o2 = a; o2 < e; ++o2) {
          bb[o2] = -std::numeric_limits<C>::infinity();
          irow[o2] = first + o2 * s2 - p2;
        }
        for (int64_t i0 = l0; i0 < h0; i0 += d0)
          for (int64_t i1 = l1; i1 < h1; i1 += d1) {
            const int64_t row = (i0 * I1 + i1) * I2;
            for (int64_t kj = 0; kj < K2; ++kj) {
              const int64_t off = row + kj * d2 - p2;
              interior_max_taps<T>(xp + off, bb, irow, off, a, e, s2);
            }
          }
        for (int64_t o2 = a; o2 < e; ++o2) yrow[o2] = T(bb[o2]);
      }
      for (int64_t o2 = 0; o2 < O2; ++o2) {
        if (o2 == a && e > a) { o2 = e - 1; continue; }
        const int64_t l2 = lo2[o2], h2 = hi2[o2];
        C best = -std::numeric_limits<C>::infinity();
        int64_t bi = (l0 * I1 + l1) * I2 + l2;
        for (int64_t i0 = l0; i0 < h0; i0 += d0)
          for (int64_t i1 = l1; i1 < h1; i1 += d1) {
            const int64_t row = (i0 * I1 + i1) * I2;
            for (int64_t i2 = l2; i2 < h2; i2 += d2) {
              C v = C(xp[row + i2]);
              bool take = (v > best) | (v != v);  // NaN wins, as in PyTorch
              best = take ? v : best;
              bi = take ? row + i2 : bi;
            }
          }
        yrow[o2] = T(best);
        irow[o2] = bi;
      }
    }
}

template <class T>
void max_fwd_t(const Geo& g, const T* x, T* y, int64_t* yi, bool reference) {
  const int64_t ip = g.in_plane(), opl = g.out_plane();
  const std::array<Win, 3> W = windows(g, WinKind::Max);
  const bool unit = g.d[2] == 1;
  for_planes(g.B, opl * g.kvol(), reference, [&](int64_t b) {
    const T* xp = x + b * ip;
    T* yp = y + b * opl;
    int64_t* ipl = yi + b * opl;
    if (reference) max_plane_ref<T>(g, xp, yp, ipl);
    else if (unit) max_plane_fast<T, true>(g, W, xp, yp, ipl);
    else max_plane_fast<T, false>(g, W, xp, yp, ipl);
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

// sb[o] += src[o * s2] for o in [a, e): the tap-major inner loop of avg pooling (SSE2 for float).
template <class T, class C = compute_t<T>>
inline void add_strided(C* __restrict sb, const T* __restrict src, int64_t a, int64_t e, int64_t s2) {
  int64_t o = a;
#if defined(__SSE2__)
  if constexpr (std::is_same<T, float>::value) {
    if (s2 == 1) {
      for (; o + 4 <= e; o += 4) _mm_storeu_ps(sb + o, _mm_add_ps(_mm_loadu_ps(sb + o), _mm_loadu_ps(src + o)));
    } else if (s2 == 2) {
      for (; o + 4 <= e - 1; o += 4) {  // stop one output early: the 8-float load must stay in range
        __m128 v = _mm_shuffle_ps(_mm_loadu_ps(src + 2 * o), _mm_loadu_ps(src + 2 * o + 4), _MM_SHUFFLE(2, 0, 2, 0));
        _mm_storeu_ps(sb + o, _mm_add_ps(_mm_loadu_ps(sb + o), v));
      }
    }
  }
#endif
  for (; o < e; ++o) sb[o] += C(src[o * s2]);
}

template <class T, bool Backward>
void avg_t(const Geo& g, AvgOpts opt, const T* src, T* dst, bool reference) {
  using C = compute_t<T>;
  const int64_t ip = g.in_plane(), opl = g.out_plane(), I1 = g.in[1], I2 = g.in[2];
  const std::array<Win, 3> W = windows(g, WinKind::Avg);
  // Interior outputs [ia, ie) along the last dim: windows fully inside, handled tap-major
  // (same per-output summation order as the per-output loop).
  const int64_t s2 = g.s[2], p2 = g.p[2], k2 = g.k[2], O2 = g.out[2];
  int64_t ia = 0, ie = 0;
  if (!reference) {
    while (ia < O2 && ia * s2 - p2 < 0) ++ia;
    ie = ia;
    while (ie < O2 && ie * s2 - p2 + k2 <= I2) ++ie;
  }
  for_planes(g.B, opl * g.kvol(), reference, [&](int64_t b) {
    thread_local std::vector<C> rowbuf;
    if ((int64_t)rowbuf.size() < O2) rowbuf.resize(O2);
    C* sb = rowbuf.data();
    const T* in = Backward ? nullptr : src + b * ip;
    const T* gp = Backward ? src + b * opl : nullptr;
    T* out = Backward ? nullptr : dst + b * opl;
    constexpr bool direct = std::is_same<T, C>::value;  // accumulate straight into grad_input
    C* acc = nullptr;
    std::vector<C> accbuf;
    if (Backward) {
      if constexpr (direct) { acc = reinterpret_cast<C*>(dst + b * ip); std::fill(acc, acc + ip, C(0)); }
      else { accbuf.assign(ip, C(0)); acc = accbuf.data(); }
    }
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
      const int64_t l0 = W[0].lo[o0], h0 = W[0].hi[o0], e0 = W[0].ext[o0];
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
        const int64_t l1 = W[1].lo[o1], h1 = W[1].hi[o1], e1 = W[1].ext[o1];
        const bool inner = ie > ia && l0 < h0 && l1 < h1;
        if (inner) {
          const int64_t div = opt.divisor ? opt.divisor
                              : opt.count_include_pad ? e0 * e1 * k2 : (h0 - l0) * (h1 - l1) * k2;
          if (Backward) {
            for (int64_t o2 = ia; o2 < ie; ++o2) sb[o2] = C(gp[o + o2]) / C(div);
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                C* r = acc + (i0 * I1 + i1) * I2 - p2;
                for (int64_t kj = 0; kj < k2; ++kj)
                  for (int64_t o2 = ia; o2 < ie; ++o2) r[o2 * s2 + kj] += sb[o2];
              }
          } else {
            std::fill(sb + ia, sb + ie, C(0));
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                const T* r = in + (i0 * I1 + i1) * I2 - p2;
                for (int64_t kj = 0; kj < k2; ++kj) add_strided<T>(sb, r + kj, ia, ie, s2);
              }
            for (int64_t o2 = ia; o2 < ie; ++o2) out[o + o2] = T(sb[o2] / C(div));
          }
        }
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          if (inner && o2 == ia) { o += ie - 1 - o2; o2 = ie - 1; continue; }
          const int64_t l2 = W[2].lo[o2], h2 = W[2].hi[o2], e2 = W[2].ext[o2];
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
              for (int64_t i1 = l1; i1 < h1; ++i1) s = run_sum<T>(in + (i0 * I1 + i1) * I2 + l2, h2 - l2, s);
            out[o] = T(s / C(div));
          }
        }
      }
    }
    if constexpr (!direct) {
      if (Backward) {
        T* gi = dst + b * ip;
        for (int64_t i = 0; i < ip; ++i) gi[i] = T(acc[i]);
      }
    }
  });
}

template <class T, int Mode>  // 0: avg forward, 1: avg backward, 2: max forward
void adaptive_t(const Geo& g, const T* src, T* dst, int64_t* idx, bool reference) {
  using C = compute_t<T>;
  const int64_t ip = g.in_plane(), opl = g.out_plane(), I1 = g.in[1], I2 = g.in[2];
  const int64_t work = std::max(ip, opl);
  if constexpr (Mode != 2) {
    if (opl == 1 && !reference) {  // global average pooling: one contiguous run per plane
      if constexpr (Mode == 0 && std::is_same_v<T, float>) {
        if (ip >= 8 && cpu_isa() != Isa::Baseline) return global_avg_f32_avx2(src, dst, g.B, ip);
      }
      for_planes(g.B, ip, false, [&](int64_t b) {
        if constexpr (Mode == 0) {
          dst[b] = T(run_sum<T>(src + b * ip, ip) / C(ip));
        } else {
          const T v = T(C(src[b]) / C(ip));
          std::fill(dst + b * ip, dst + (b + 1) * ip, v);
        }
      });
      return;
    }
  }
  const std::array<Win, 3> W = windows(g, WinKind::Adaptive);
  for_planes(g.B, work, reference, [&](int64_t b) {
    constexpr bool direct = std::is_same<T, C>::value;
    std::vector<C> accbuf;
    C* acc = nullptr;
    if (Mode == 1) {
      if constexpr (direct) { acc = reinterpret_cast<C*>(dst + b * ip); std::fill(acc, acc + ip, C(0)); }
      else { accbuf.assign(ip, C(0)); acc = accbuf.data(); }
    }
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
      const int64_t l0 = W[0].lo[o0], h0 = W[0].hi[o0];
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
        const int64_t l1 = W[1].lo[o1], h1 = W[1].hi[o1];
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
          const int64_t l2 = W[2].lo[o2], h2 = W[2].hi[o2];
          if (Mode == 0) {
            const T* in = src + b * ip;
            C s = 0;
            const bool full_rows = l2 == 0 && h2 == I2;  // rows l1..h1 of a slab are one contiguous run
            for (int64_t i0 = l0; i0 < h0; ++i0) {
              if (full_rows) { s = run_sum<T>(in + (i0 * I1 + l1) * I2, (h1 - l1) * I2, s); continue; }
              for (int64_t i1 = l1; i1 < h1; ++i1) s = run_sum<T>(in + (i0 * I1 + i1) * I2 + l2, h2 - l2, s);
            }
            dst[b * opl + o] = T(s / C((h0 - l0) * (h1 - l1) * (h2 - l2)));
          } else if (Mode == 1) {
            C v = C(src[b * opl + o]) / C((h0 - l0) * (h1 - l1) * (h2 - l2));
            for (int64_t i0 = l0; i0 < h0; ++i0)
              for (int64_t i1 = l1; i1 < h1; ++i1) {
                C* r = acc + (i0 * I1 + i1) * I2;
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
    if constexpr (Mode == 1 && !direct) {
      T* gi = dst + b * ip;
      for (int64_t i = 0; i < ip; ++i) gi[i] = T(accbuf[i]);
    }
  });
}

}  // namespace

void max_pool_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference) {
  EMBER_POOL_CUDA(out, max_pool_fwd_cuda(g, x, out, idx))
  EMBER_DISPATCH_FLOAT(x.dtype(), "max_pool", [&] {
    max_fwd_t<scalar_t>(g, x.data<scalar_t>(), out.data<scalar_t>(), idx.data<int64_t>(), reference);
  });
}

void avg_pool_fwd(const Geo& g, AvgOpts o, const Tensor& x, const Tensor& out, bool reference) {
  EMBER_POOL_CUDA(out, avg_pool_fwd_cuda(g, o, x, out))
  EMBER_DISPATCH_FLOAT(x.dtype(), "avg_pool", [&] {
    avg_t<scalar_t, false>(g, o, x.data<scalar_t>(), out.data<scalar_t>(), reference);
  });
}

void avg_pool_bwd(const Geo& g, AvgOpts o, const Tensor& grad, const Tensor& gin, bool reference) {
  EMBER_POOL_CUDA(gin, avg_pool_bwd_cuda(g, o, grad, gin))
  EMBER_DISPATCH_FLOAT(grad.dtype(), "avg_pool_backward", [&] {
    avg_t<scalar_t, true>(g, o, grad.data<scalar_t>(), gin.data<scalar_t>(), reference);
  });
}

void adaptive_avg_fwd(const Geo& g, const Tensor& x, const Tensor& out, bool reference) {
  EMBER_POOL_CUDA(out, adaptive_avg_fwd_cuda(g, x, out))
  EMBER_DISPATCH_FLOAT(x.dtype(), "adaptive_avg_pool", [&] {
    adaptive_t<scalar_t, 0>(g, x.data<scalar_t>(), out.data<scalar_t>(), nullptr, reference);
  });
}

void adaptive_avg_bwd(const Geo& g, const Tensor& grad, const Tensor& gin, bool reference) {
  EMBER_POOL_CUDA(gin, adaptive_avg_bwd_cuda(g, grad, gin))
  EMBER_DISPATCH_FLOAT(grad.dtype(), "adaptive_avg_pool_backward", [&] {
    adaptive_t<scalar_t, 1>(g, grad.data<scalar_t>(), gin.data<scalar_t>(), nullptr, reference);
  });
}

void adaptive_max_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference) {
  EMBER_POOL_CUDA(out, adaptive_max_fwd_cuda(g, x, out, idx))
  EMBER_DISPATCH_FLOAT(x.dtype(), "adaptive_max_pool", [&] {
    adaptive_t<scalar_t, 2>(g, x.data<scalar_t>(), out.data<scalar_t>(), idx.data<int64_t>(), reference);
  });
}

void scatter_planes(int64_t B, int64_t n_src, int64_t n_out, const Tensor& src, const Tensor& idx,
                    const Tensor& out, bool accumulate, const char* op) {
  EMBER_POOL_CUDA(out, scatter_planes_cuda(B, n_src, n_out, src, idx, out, accumulate, op))
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
  EMBER_POOL_CUDA(out, gather_planes_cuda(B, n_out, n_src, src, idx, out))
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
