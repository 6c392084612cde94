// gelu_avx2.h — exact (erf-form) GELU forward and backward on dense float32, 8 lanes per step.
// Included by activation_kernels.inc in translation units built with AVX2 (+FMA).
//
// GELU(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; d/dx = Phi(x) + x phi(x).
// erf(a) for |a| <= 2 (|x| <= 2.83, where nearly all activations lie) is a minimax rational
// a P(a^2) / Q(a^2) fitted for ember (approximation error 8e-9; in float about 3e-7 absolute,
// the same as PyTorch's vectorized GELU). Only when a lane has |a| > 2 does the step also evaluate
// the tail: erfc(a) = exp(q(a)) with vmath.h's verf tail polynomial (relative accuracy, so
// Phi(x) for x < -2.83 keeps its significant digits instead of losing them to 1 + erf), and 0 for
// a >= 4 as verf. NaN propagates through the final multiply by x; +inf gives +inf, -inf NaN
// (as the scalar formula and PyTorch).
#pragma once
#include <immintrin.h>
#include <cstdint>

namespace ember::gelu_avx2 {

inline __m256 set1(float v) { return _mm256_set1_ps(v); }
inline __m256 fma(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }

// e^x for x <= 0 (0 below -87, where it would leave the normal range; NaN gives 0 and callers
// propagate NaN through x); Cephes-style polynomial on the reduced argument, as vmath's vexp.
inline __m256 exp_neg(__m256 x0) {
  const __m256 x = _mm256_max_ps(x0, set1(-87.f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  __m256 p = set1(1.9875691500E-4f);
  p = fma(p, r, set1(1.3981999507E-3f));
  p = fma(p, r, set1(8.3334519073E-3f));
  p = fma(p, r, set1(4.1665795894E-2f));
  p = fma(p, r, set1(1.6666665459E-1f));
  p = fma(p, r, set1(5.0000001201E-1f));
  p = fma(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 v = _mm256_mul_ps(p, _mm256_castsi256_ps(e));  // n >= -126: 2^n is a normal float
  return _mm256_and_ps(v, _mm256_cmp_ps(x0, set1(-87.f), _CMP_GE_OQ));
}

// erf(a) for a in [-2, 2] (callers clamp).
inline __m256 erf_core(__m256 a) {
  const __m256 z = _mm256_mul_ps(a, a);
  __m256 p = set1(2.385942079e-05f);
  p = fma(p, z, set1(-2.375246396e-04f));
  p = fma(p, z, set1(3.500034105e-02f));
  p = fma(p, z, set1(1.048909774e-01f));
  p = fma(p, z, set1(1.128379244e+00f));
  __m256 q = set1(5.351739114e-03f);
  q = fma(q, z, set1(7.311000506e-02f));
  q = fma(q, z, set1(4.262916831e-01f));
  q = fma(q, z, set1(1.f));
  return _mm256_div_ps(_mm256_mul_ps(a, p), q);
}

// erfc(a) for a >= 2: exp(q(a)) on [2, 4) (q in [-18, -4.6]), 0 from 4 on.
inline __m256 erfc_tail(__m256 a) {
  const __m256 c = _mm256_min_ps(a, set1(4.f));
  __m256 q = set1(1.6181029423023574e-06f);
  q = fma(q, c, set1(-4.5671637053601444e-05f));
  q = fma(q, c, set1(0.0005934598157182336f));
  q = fma(q, c, set1(-0.004743478260934353f));
  q = fma(q, c, set1(0.02637398988008499f));
  q = fma(q, c, set1(-0.10999452322721481f));
  q = fma(q, c, set1(-0.6319199204444885f));
  q = fma(q, c, set1(-1.1301765441894531f));
  q = fma(q, c, set1(0.0003056126006413251f));
  const __m256 e = exp_neg(q);
  return _mm256_and_ps(e, _mm256_cmp_ps(a, set1(4.f), _CMP_LT_OQ));
}

// Phi(s) for 8 lanes.
inline __m256 cdf(__m256 s) {
  const __m256 sa = _mm256_mul_ps(s, set1(0.70710678118654752f));
  const __m256 cl = _mm256_max_ps(_mm256_min_ps(sa, set1(2.f)), set1(-2.f));
  __m256 p = fma(set1(0.5f), erf_core(cl), set1(0.5f));
  const __m256 a = _mm256_andnot_ps(set1(-0.f), sa);
  const __m256 big = _mm256_cmp_ps(a, set1(2.f), _CMP_GT_OQ);
  if (!_mm256_testz_ps(big, big)) {  // some lane in the tail
    const __m256 ht = _mm256_mul_ps(set1(0.5f), erfc_tail(a));
    const __m256 neg = _mm256_cmp_ps(s, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 pt = _mm256_blendv_ps(_mm256_sub_ps(set1(1.f), ht), ht, neg);
    p = _mm256_blendv_ps(p, pt, big);
  }
  return p;
}

inline float cdf1(float s) {  // one lane, for the tails of the loops
  alignas(32) float v[8] = {s, 0, 0, 0, 0, 0, 0, 0};
  _mm256_store_ps(v, cdf(_mm256_load_ps(v)));
  return v[0];
}

// y = x Phi(x)
inline void forward(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 s = _mm256_loadu_ps(x + i);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(s, cdf(s)));
  }
  for (; i < n; ++i) y[i] = x[i] * cdf1(x[i]);
}

// dx = g (Phi(s) + s phi(s)), phi(s) = exp(-s^2/2) / sqrt(2 pi). dx may alias g.
inline void backward(const float* g, const float* s, float* dx, int64_t n) {
  auto step = [](__m256 gv, __m256 sv) {
    const __m256 pdf = _mm256_mul_ps(set1(0.3989422804014327f), exp_neg(_mm256_mul_ps(_mm256_mul_ps(sv, sv), set1(-0.5f))));
    return _mm256_mul_ps(gv, fma(sv, pdf, cdf(sv)));
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dx + i, step(_mm256_loadu_ps(g + i), _mm256_loadu_ps(s + i)));
  if (i < n) {
    alignas(32) float gb[8] = {0}, sb[8] = {0}, ob[8];
    for (int64_t j = i; j < n; ++j) gb[j - i] = g[j], sb[j - i] = s[j];
    _mm256_store_ps(ob, step(_mm256_load_ps(gb), _mm256_load_ps(sb)));
    for (int64_t j = i; j < n; ++j) dx[j] = ob[j - i];
  }
}

}  // namespace ember::gelu_avx2
