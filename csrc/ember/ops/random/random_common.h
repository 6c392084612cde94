// random_common.h — the block-fill driver shared by the random kernels: element i of a request
// lives in Philox block i / E, lane i % E (philox.h). The fast path walks blocks in parallel and
// fills E elements per block; the reference path evaluates one block per element, serially.
// Both give bit-identical results, whatever the thread count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include "ember/core/cpu_features.h"
#include "ember/core/dtype.h"
#include "ember/core/parallel.h"
#include "ember/ops/random/generator.h"
#include "ember/ops/random/philox.h"

namespace ember::rng {

constexpr int64_t kBlockGrain = 2048;  // Philox blocks per task (~40 ns of work each)

// Elements per block for a floating dtype: 2 for float64 (53-bit draws), else 4.
template <class T> constexpr int elems_per_block() { return std::is_same_v<T, double> ? 2 : 4; }

// Writes out[0, n): `f(r, i0, m, vals)` fills vals[0, m) for the block whose first element is i0.
template <int E, class V, class T, class F>
void fill_blocks(T* out, int64_t n, Generator::Draw d, const F& f) {
  if (n <= 0) return;
  if (use_reference_kernels()) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t b = i / E, i0 = b * E;
      int m = (int)std::min<int64_t>(E, n - i0);
      if (m > E || m < 1) __builtin_unreachable();
      philox::Block blk = philox::block_at(d.seed, d.offset, (uint64_t)b);
      V vals[E];
      f(blk.r, i0, m, vals);
      out[i] = T(vals[i - i0]);
    }
    return;
  }
  int64_t nblocks = (n + E - 1) / E;
  parallel_for(0, nblocks, kBlockGrain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      philox::Block blk = philox::block_at(d.seed, d.offset, (uint64_t)b);
      int64_t i0 = b * E;
      int m = (int)std::min<int64_t>(E, n - i0);
      if (m > E || m < 1) __builtin_unreachable();  // lets GCC see vals[] is never overrun
      V vals[E];
      f(blk.r, i0, m, vals);
      for (int l = 0; l < m; ++l) out[i0 + l] = T(vals[l]);
    }
  });
}

// Uniform doubles from lane l of a block: [0, 1) and (0, 1], 24-bit (E=4) or 53-bit (E=2).
template <int E> inline double unit_co(const uint32_t* r, int l) {
  if constexpr (E == 4) return (double)philox::u24(r[l]);
  else return philox::u53(r[2 * l], r[2 * l + 1]);
}
template <int E> inline double unit_oc(const uint32_t* r, int l) {
  if constexpr (E == 4) return (double)philox::u24o(r[l]);
  else return philox::u53o(r[2 * l], r[2 * l + 1]);
}

constexpr double kTwoPi = 6.283185307179586476925286766559;

// Standard normals for a block: Box-Muller on lane pairs (0,1), (2,3) for E=4; (0,1) for E=2.
template <int E> inline void std_normals(const uint32_t* r, double* z) {
  for (int k = 0; k < E; k += 2) {
    double a = unit_oc<E>(r, k), b = unit_co<E>(r, k + 1);
    double rad = std::sqrt(-2.0 * std::log(a)), th = kTwoPi * b;
    z[k] = rad * std::cos(th);
    z[k + 1] = rad * std::sin(th);
  }
}

// The largest value of T strictly below x (finite x).
template <class T> inline T below(T x) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return std::nextafter(x, -std::numeric_limits<T>::infinity());
  } else {
    uint16_t b = x.x;
    if ((b & 0x7fff) == 0) b = 0x8001;       // +-0 -> smallest negative subnormal
    else if (b & 0x8000) b = (uint16_t)(b + 1);
    else b = (uint16_t)(b - 1);
    T r; r.x = b; return r;
  }
}

// Largest integer n such that every integer in [-n, n] is exactly representable in T.
template <class T> constexpr int64_t float_int_limit() {
  if constexpr (std::is_same_v<T, double>) return int64_t(1) << 53;
  else if constexpr (std::is_same_v<T, float>) return int64_t(1) << 24;
  else if constexpr (std::is_same_v<T, Half>) return int64_t(1) << 11;
  else return int64_t(1) << 8;
}

}  // namespace ember::rng
