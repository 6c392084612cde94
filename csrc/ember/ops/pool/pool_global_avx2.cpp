// pool_global_avx2.cpp — global average pooling (adaptive_avg_pool to 1x1) for float32 with
// AVX2, compiled with AVX2 flags and entered only when cpu_isa() >= Avx2 (pool_kernels.cpp).
// Planes are contiguous runs of L values. Eight planes are reduced together: one accumulator
// per plane over its full 8-wide vectors (independent add chains), the last L % 8 values via a
// masked load, then the eight accumulators are folded by a transpose-add tree into one vector
// of eight sums, divided by L and stored at once. Remaining planes (< 8) take the same per-plane
// path with a horizontal fold.
#include <immintrin.h>
#include <algorithm>

#include "ember/core/parallel.h"
#include "ember/ops/pool/pool_global.h"

namespace ember::pool_detail {

namespace {

inline __m256i tail_mask(int64_t r) {  // first r lanes set
  alignas(32) static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 8 - r));
}

inline __m256 plane_acc(const float* p, int64_t full, int64_t r, __m256i mask) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t v = 0;
  for (; v + 2 <= full; v += 2) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + 8 * v));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + 8 * v + 8));
  }
  if (v < full) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + 8 * v));
  if (r) a1 = _mm256_add_ps(a1, _mm256_maskload_ps(p + 8 * full, mask));
  return _mm256_add_ps(a0, a1);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

void run(const float* src, float* dst, int64_t b0, int64_t b1, int64_t L) {
  const int64_t full = L / 8, r = L % 8;
  const __m256i mask = tail_mask(r);
  const __m256 div = _mm256_set1_ps((float)L);
  int64_t b = b0;
  for (; b + 8 <= b1; b += 8) {
    const float* p = src + b * L;
    __m256 a[8];
    for (int j = 0; j < 8; ++j) a[j] = plane_acc(p + j * L, full, r, mask);
    // transpose-add: lane j of the result = sum of a[j]
    const __m256 h01 = _mm256_hadd_ps(a[0], a[1]), h23 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 h45 = _mm256_hadd_ps(a[4], a[5]), h67 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 q0 = _mm256_hadd_ps(h01, h23), q1 = _mm256_hadd_ps(h45, h67);
    // q0 = [s0l s1l s2l s3l | s0h s1h s2h s3h] (low/high 128-bit halves), likewise q1 for 4..7
    const __m256 lo = _mm256_permute2f128_ps(q0, q1, 0x20), hi = _mm256_permute2f128_ps(q0, q1, 0x31);
    _mm256_storeu_ps(dst + b, _mm256_div_ps(_mm256_add_ps(lo, hi), div));
  }
  for (; b < b1; ++b) dst[b] = hsum(plane_acc(src + b * L, full, r, mask)) / (float)L;
}

}  // namespace

void global_avg_f32_avx2(const float* src, float* dst, int64_t planes, int64_t L) {
  // chunks of whole 8-plane groups; each thread owns a fixed range (no reduction across threads)
  const int64_t groups = (planes + 7) / 8;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, 8 * L));
  parallel_for(0, groups, grain, [&](int64_t g0, int64_t g1) {
    run(src, dst, g0 * 8, std::min(planes, g1 * 8), L);
  });
}

}  // namespace ember::pool_detail
