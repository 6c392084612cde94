// vmath.h — branch-free float32 approximations of exp/log/trig/hyperbolic functions, written as
// scalar code (selects, bit casts, Horner polynomials) so that a loop over them vectorizes in
// the AVX2/AVX-512 builds. Range reduction is Cody-Waite with split constants; polynomials are
// the classic Cephes single-precision minimax fits. Accuracy is a few ulp of the std:: functions,
// including inf/nan/denormal/overflow behaviour. Trig functions are valid for |x| <= kTrigMax;
// callers handle larger |x| (and inf/nan) with the std:: functions.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#define EMBER_VM_INLINE inline __attribute__((always_inline))

namespace ember::vm {

EMBER_VM_INLINE uint32_t bits(float x) { uint32_t u; std::memcpy(&u, &x, 4); return u; }
EMBER_VM_INLINE float from_bits(uint32_t u) { float x; std::memcpy(&x, &u, 4); return x; }
EMBER_VM_INLINE float pow2i(int32_t k) { return from_bits((uint32_t)(k + 127) << 23); }  // k in [-126, 127]
EMBER_VM_INLINE float round_int(float x) { const float m = 12582912.f; return (x + m) - m; }  // |x| < 2^22, ties even
EMBER_VM_INLINE float vabs(float x) { return from_bits(bits(x) & 0x7fffffffu); }
EMBER_VM_INLINE float copysign_of(float mag, float sgn) { return from_bits((bits(mag) & 0x7fffffffu) | (bits(sgn) & 0x80000000u)); }
EMBER_VM_INLINE bool isnan_(float x) { return x != x; }

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kTrigMax = 8192.f;

// e^r - 1 - r - r^2/2 ... on |r| <= ln2/2 (Cephes expf polynomial, without the 1 + r).
EMBER_VM_INLINE float exp_poly(float r) {
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  return p * (r * r) + r + 1.f;
}

EMBER_VM_INLINE float vexp(float x) {
  float xc = x > -104.f ? x : -104.f;  // nan -> -104, restored below
  xc = xc < 89.f ? xc : 89.f;
  float n = round_int(xc * kLog2e);
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;  // 2^n in two steps: n in [-150, 128]
  float res = exp_poly(r) * pow2i(n1) * pow2i(n2);
  return isnan_(x) ? x : res;
}

EMBER_VM_INLINE float vexp2(float x) {
  float xc = x > -151.f ? x : -151.f;
  xc = xc < 129.f ? xc : 129.f;
  float n = round_int(xc);
  float r = (xc - n) * 0.693147180559945309f;
  int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
  float res = exp_poly(r) * pow2i(n1) * pow2i(n2);
  return isnan_(x) ? x : res;
}

// expm1 = 2^n (expm1(r) + 1) - 1, evaluated as 2 * (2^(n-1) expm1(r) + (2^(n-1) - 1/2)).
EMBER_VM_INLINE float vexpm1(float x) {
  float xc = x > -88.f ? x : -88.f;
  xc = xc < 89.f ? xc : 89.f;
  float n = round_int(xc * kLog2e);
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 2.48015873015873016e-5f;  // 1/8!
  p = p * r + 1.98412698412698413e-4f;
  p = p * r + 1.38888888888888889e-3f;
  p = p * r + 8.33333333333333333e-3f;
  p = p * r + 4.16666666666666667e-2f;
  p = p * r + 1.66666666666666667e-1f;
  p = p * r + 0.5f;
  p = p * (r * r) + r;  // expm1(r)
  int32_t ni = (int32_t)n - 1, n1 = ni >> 1, n2 = ni - n1;
  float h = pow2i(n1) * pow2i(n2);  // 2^(n-1)
  float res = 2.f * (h * p + (h - 0.5f));
  res = xc == x ? res : (x > 0 ? kInf : -1.f);
  res = vabs(x) < 5.9604645e-8f ? x : res;  // expm1(x) rounds to x below 2^-24 (keeps -0, denormals)
  return isnan_(x) ? x : res;
}

// Splits x > 0 into ln(x) = f + e*ln2 with f = ln(m), m in [sqrt(1/2), sqrt(2)) (Cephes logf).
// Returns m - 1 in *mm and the polynomial part in *py so callers can scale by other bases.
EMBER_VM_INLINE void log_parts(float x, float* mm, float* py, float* fe) {
  bool den = x < 1.17549435e-38f;
  float xs = den ? x * 8388608.f : x;
  uint32_t u = bits(xs);
  int32_t e = (int32_t)((u >> 23) & 0xff) - 126;
  e = den ? e - 23 : e;
  float m = from_bits((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m - 1.f : m - 1.f;
  float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z - 0.5f * z;
  *mm = m; *py = y; *fe = (float)e;
}

EMBER_VM_INLINE float log_special(float x, float r) {
  r = x == 0 ? -kInf : r;
  r = x < 0 ? kNaN : r;
  r = x == kInf ? kInf : r;
  return isnan_(x) ? x : r;
}

EMBER_VM_INLINE float vlog(float x) {
  float m, y, e;
  log_parts(x, &m, &y, &e);
  float r = (y + e * kLn2Lo) + m + e * kLn2Hi;
  return log_special(x, r);
}

EMBER_VM_INLINE float vlog2(float x) {
  float m, y, e;
  log_parts(x, &m, &y, &e);
  const float kLog2eLo = 0.44269504088896341f;  // log2(e) - 1: m*log2e = m + m*(log2e-1)
  float r = (y * kLog2eLo + m * kLog2eLo + y) + m + e;
  return log_special(x, r);
}

EMBER_VM_INLINE float vlog10(float x) {
  float m, y, e;
  log_parts(x, &m, &y, &e);
  const float kL10eA = 4.3359375E-1f, kL10eB = 7.00731903251827651129E-4f;
  const float kL102A = 3.0078125E-1f, kL102B = 2.48745663981195213739E-4f;
  float r = y * kL10eB + m * kL10eB + e * kL102B + y * kL10eA + m * kL10eA + e * kL102A;
  return log_special(x, r);
}

// log1p(x) = log(u) * x / (u - 1) with u = 1 + x (exact correction of u's rounding).
EMBER_VM_INLINE float vlog1p(float x) {
  float u = 1.f + x;
  float d = u - 1.f;
  float r = vlog(u) * (x / (d == 0 ? 1.f : d));
  r = d == 0 ? x : r;
  r = u == kInf ? u : r;
  return isnan_(x) ? x : r;
}

EMBER_VM_INLINE float vsigmoid(float x) { return 1.f / (1.f + vexp(-x)); }

// tanh (Cephes tanhf): odd polynomial below 0.625, 1 - 2/(e^2a + 1) above (e^2a = inf gives 1).
EMBER_VM_INLINE float vtanh(float x) {
  float a = vabs(x);
  float z = a * a;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  float small = p * z * a + a;
  float big = 1.f - 2.f / (vexp(2.f * a) + 1.f);
  float y = a > 0.625f ? big : small;
  return copysign_of(y, x);
}

EMBER_VM_INLINE float vsinh(float x) {
  float a = vabs(x);
  float t = vexpm1(a);
  float y = 0.5f * (t + t / (t + 1.f));
  float h = vexp(0.5f * a);  // large a: e^a / 2 without overflowing e^a early
  float big = (0.5f * h) * h;
  y = a > 20.f ? big : y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

EMBER_VM_INLINE float vcosh(float x) {
  float a = vabs(x);
  float t = vexp(a);
  float y = 0.5f * (t + 1.f / t);
  float h = vexp(0.5f * a);
  float big = (0.5f * h) * h;
  y = a > 20.f ? big : y;
  return isnan_(x) ? x : y;
}

// ---- trig: reduction by pi/4 (Cephes sinf/cosf/tanf), valid for |x| <= kTrigMax ----
constexpr float kFourOverPi = 1.27323954473516f;
constexpr float kDP1 = 0.78515625f, kDP2 = 2.4187564849853515625e-4f, kDP3 = 3.77489497744594108e-8f;

EMBER_VM_INLINE float trig_reduce(float a, int32_t* j) {
  int32_t q = (int32_t)(a * kFourOverPi);
  q = (q + 1) & ~1;
  float y = (float)q;
  *j = q;
  return ((a - y * kDP1) - y * kDP2) - y * kDP3;
}
EMBER_VM_INLINE float sin_poly(float r, float z) {
  return ((-1.9515295891E-4f * z + 8.3321608736E-3f) * z - 1.6666654611E-1f) * z * r + r;
}
EMBER_VM_INLINE float cos_poly(float z) {
  return ((2.443315711809948E-005f * z - 1.388731625493765E-003f) * z + 4.166664568298827E-002f) * z * z - 0.5f * z + 1.f;
}

EMBER_VM_INLINE float vsin(float x) {
  float a = vabs(x);
  int32_t j;
  float r = trig_reduce(a, &j), z = r * r;
  float ps = sin_poly(r, z), pc = cos_poly(z);
  float y = (j & 2) ? pc : ps;
  uint32_t flip = ((uint32_t)(j & 4) << 29) ^ (bits(x) & 0x80000000u);
  return from_bits(bits(y) ^ flip);
}

EMBER_VM_INLINE float vcos(float x) {
  float a = vabs(x);
  int32_t j;
  float r = trig_reduce(a, &j), z = r * r;
  float ps = sin_poly(r, z), pc = cos_poly(z);
  float y = (j & 2) ? ps : pc;
  uint32_t flip = (uint32_t)(((j + 2) & 4)) << 29;  // octants 2,4 negative
  return from_bits(bits(y) ^ flip);
}

EMBER_VM_INLINE float vtan(float x) {
  float a = vabs(x);
  int32_t j;
  float r = trig_reduce(a, &j), z = r * r;
  float y = 9.38540185543E-3f;
  y = y * z + 3.11992232697E-3f;
  y = y * z + 2.44301354525E-2f;
  y = y * z + 5.34112807005E-2f;
  y = y * z + 1.33387994085E-1f;
  y = y * z + 3.33331568548E-1f;
  y = y * z * r + r;
  y = (j & 2) ? -1.f / y : y;
  return copysign_of(1.f, x) * y;
}

// ---- inverse trig (Cephes atanf/asinf) ----
EMBER_VM_INLINE float vatan(float x) {
  float a = vabs(x);
  bool big = a > 2.414213562373095f, mid = a > 0.4142135623730950f;
  float num = big ? -1.f : (mid ? a - 1.f : a);
  float den = big ? a : (mid ? a + 1.f : 1.f);
  float t = num / den;
  float base = big ? 1.57079632679489661923f : (mid ? 0.78539816339744830962f : 0.f);
  float z = t * t;
  float y = (((8.05374449538e-2f * z - 1.38776856032E-1f) * z + 1.99777106478E-1f) * z - 3.33329491539E-1f) * z * t + t;
  y = base + y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

// asin on [0, 0.5] given z = t*t.
EMBER_VM_INLINE float asin_poly(float t, float z) {
  float y = 4.2163199048E-2f;
  y = y * z + 2.4181311049E-2f;
  y = y * z + 4.5470025998E-2f;
  y = y * z + 7.4953002686E-2f;
  y = y * z + 1.6666752422E-1f;
  return y * z * t + t;
}

EMBER_VM_INLINE float vasin(float x) {
  float a = vabs(x);
  bool hi = a > 0.5f;
  float z = hi ? 0.5f * (1.f - a) : a * a;
  float t = hi ? __builtin_sqrtf(z) : a;
  float y = asin_poly(t, z);
  y = hi ? 1.57079632679489661923f - (y + y) : y;
  y = a > 1.f ? kNaN : y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

EMBER_VM_INLINE float vacos(float x) {
  float a = vabs(x);
  bool hi = a > 0.5f;
  float z = hi ? 0.5f * (1.f - a) : a * a;
  float t = hi ? __builtin_sqrtf(z) : a;
  float s = asin_poly(t, z);  // asin(t)
  float lo_res = 1.57079632679489661923f - copysign_of(s, x);
  float pos = 2.f * s, neg = 3.14159265358979323846f - 2.f * s;
  float y = hi ? (x > 0 ? pos : neg) : lo_res;
  y = a > 1.f ? kNaN : y;
  return isnan_(x) ? x : y;
}

// ---- inverse hyperbolic ----
EMBER_VM_INLINE float vasinh(float x) {
  float a = vabs(x);
  float a2 = a * a;
  float y = vlog1p(a + a2 / (1.f + __builtin_sqrtf(1.f + a2)));
  float big = vlog(a) + 0.693147180559945309f;
  y = a > 4096.f ? big : y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

EMBER_VM_INLINE float vacosh(float x) {
  float t = x - 1.f;
  float y = vlog1p(t + __builtin_sqrtf(2.f * t + t * t));
  float big = vlog(x) + 0.693147180559945309f;
  y = x > 4096.f ? big : y;
  y = x < 1.f ? kNaN : y;
  return isnan_(x) ? x : y;
}

EMBER_VM_INLINE float vatanh(float x) {
  float a = vabs(x);
  float y = 0.5f * vlog1p((a + a) / (1.f - a));
  y = a > 1.f ? kNaN : y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

// erf: x * P(x^2) on |x| < 0.921875; 1 - exp(Q(|x|)) with Q ~ log(erfc) on [0.921875, 4); 1 beyond.
// P and Q are least-squares fits (relative error) made for this file; max error ~2.5 ulp.
EMBER_VM_INLINE float verf(float x) {
  float a = vabs(x);
  float z = a * a;
  float p = 8.411063754465431e-05f;
  p = p * z - 0.0008153790840879083f;
  p = p * z + 0.005202176980674267f;
  p = p * z - 0.026859957724809647f;
  p = p * z + 0.11283708363771439f;
  p = p * z - 0.37612634897232056f;
  p = p * z + 1.128379225730896f;
  float small = p * a;
  float q = 1.6181029423023574e-06f;
  q = q * a - 4.5671637053601444e-05f;
  q = q * a + 0.0005934598157182336f;
  q = q * a - 0.004743478260934353f;
  q = q * a + 0.02637398988008499f;
  q = q * a - 0.10999452322721481f;
  q = q * a - 0.6319199204444885f;
  q = q * a - 1.1301765441894531f;
  q = q * a + 0.0003056126006413251f;
  // q is in [-18, -1.6] where selected, so a lean exp (no clamps, one 2^n) suffices
  float n = round_int(q * kLog2e);
  float r = q - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float mid = 1.f - exp_poly(r) * pow2i((int32_t)n);
  float y = a < 0.921875f ? small : mid;
  y = a >= 4.f ? 1.f : y;
  y = isnan_(x) ? x : y;
  return copysign_of(y, x);
}

}  // namespace ember::vm
