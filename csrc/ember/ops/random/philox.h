// philox.h — counter-based Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11) and the integer -> float conversions every ember device uses. Header-only and
// free of host-only calls so a CUDA kernel can include it and reproduce the CPU stream bit-exactly.
//
// Stream layout (the contract shared by every device):
//   key      = (lo32(seed), hi32(seed))
//   counter  = (lo32(block), hi32(block), lo32(offset), hi32(offset))
//   Philox4x32-10(counter, key) -> four 32-bit words r[0..3]
// A request for n elements reads the generator's (seed, offset) once and advances offset by n
// (one unit per element, whatever the distribution). Element i of the request lives in block
// i / E at lane i % E, where E (elements per block) is fixed per distribution and dtype:
//   E = 4 (one word per element)  : float32/float16/bfloat16 uniform, normal, log-normal,
//                                   exponential, cauchy; bernoulli (all dtypes: word * 2^-32 < p)
//   E = 2 (two words per element) : float64 distributions; integer ranges (randint/random_ and
//                                   randperm's swap indices); geometric (all dtypes, 53-bit);
//                                   multinomial (53-bit; element row * per_row + j, per_row =
//                                   num_samples with replacement, else the category count)
// so element i's value is a pure function of (seed, offset, i): thread count, chunking and device
// never change it. Two requests never share a counter because their offsets differ and the block
// index of a request stays below its element count.
//
// Word -> number conversions (exact integer arithmetic, then an exact power-of-two scale):
//   u24(w)      = (w >> 8) * 2^-24                   in [0, 1)   float32 (and the 16-bit types'
//   u24o(w)     = ((w >> 8) + 1) * 2^-24             in (0, 1]   transcendental inputs)
//   u11(w)      = (w >> 21) * 2^-11   (float16), u8(w) = (w >> 24) * 2^-8 (bfloat16): uniform
//                 values on the target's own grid, so rounding can never reach the upper bound
//   u53(lo, hi) = (((hi << 32) | lo) >> 11) * 2^-53   in [0, 1)  float64
//   u53o(lo,hi) = that + 2^-53                        in (0, 1]
//   u64(lo, hi) = (hi << 32) | lo; an integer in [0, range) is mulhi64(u64, range) (Lemire's
//                 multiply-shift; bias <= range / 2^64), a full 2^64 range takes u64 as is
//   uniform     : from + u * (to - from) as one fused multiply-add in the compute type, then
//                 rounded to the dtype and kept below `to` (the largest value under it otherwise)
//   normal      : Box-Muller on lane pairs (2k, 2k+1): rad = sqrt(-2 ln a), a = u(o)(word 2k),
//                 b = u(word 2k+1); z_2k = rad cos(2 pi b), z_2k+1 = rad sin(2 pi b);
//                 value = fma(std, z, mean)
// float32/float16/bfloat16 normals use the float functions below (log_f, sincos_2pi_f): fixed
// polynomials built only from IEEE-754 float +, *, fma and sqrt, each rounded as written (every
// multiply-add is an explicit fma), so any device with IEEE float and fma (CUDA's __fmaf_rn, x86
// FMA, or a software fmaf) reproduces them bit for bit. float64 normals and the other
// distributions (exponential, cauchy, log-normal, geometric) evaluate libm in double and round
// once to the output type, so devices agree up to their libm's double rounding.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define EMBER_HD __host__ __device__ __forceinline__
#else
#define EMBER_HD inline
#endif

namespace ember::philox {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
constexpr int kRounds = 10;

struct Block { uint32_t r[4]; };

EMBER_HD void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t p = (uint64_t)a * b;
  hi = (uint32_t)(p >> 32);
  lo = (uint32_t)p;
}

// Philox4x32-10 of counter (c0..c3) under key (k0, k1).
EMBER_HD Block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < kRounds; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c0, hi0, lo0);
    mulhilo(kM1, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += kW0; k1 += kW1;
  }
  return Block{{c0, c1, c2, c3}};
}

// The block `block` of the request that starts at generator offset `offset` under `seed`.
EMBER_HD Block block_at(uint64_t seed, uint64_t offset, uint64_t block) {
  return philox4x32_10((uint32_t)block, (uint32_t)(block >> 32), (uint32_t)offset, (uint32_t)(offset >> 32),
                       (uint32_t)seed, (uint32_t)(seed >> 32));
}

// (int32_t casts: the shifted values fit, and signed int -> float conversion vectorizes on x86)
EMBER_HD float u24(uint32_t w) { return (float)(int32_t)(w >> 8) * (1.0f / 16777216.0f); }
EMBER_HD float u24o(uint32_t w) { return (float)(int32_t)((w >> 8) + 1) * (1.0f / 16777216.0f); }
EMBER_HD float u11(uint32_t w) { return (float)(int32_t)(w >> 21) * (1.0f / 2048.0f); }
EMBER_HD float u8(uint32_t w) { return (float)(int32_t)(w >> 24) * (1.0f / 256.0f); }
EMBER_HD uint64_t u64(uint32_t lo, uint32_t hi) { return ((uint64_t)hi << 32) | lo; }
EMBER_HD double u53(uint32_t lo, uint32_t hi) { return (double)(u64(lo, hi) >> 11) * (1.0 / 9007199254740992.0); }
EMBER_HD double u53o(uint32_t lo, uint32_t hi) {
  return (double)((u64(lo, hi) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

// floor(x * range / 2^64): an integer in [0, range) from 64 random bits.
EMBER_HD uint64_t mulhi64(uint64_t x, uint64_t range) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(x, range);
#else
  return (uint64_t)(((unsigned __int128)x * range) >> 64);
#endif
}

// ---- float transcendentals for Box-Muller (bit-reproducible; see the header comment) ----------
EMBER_HD float fmaf_(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}
EMBER_HD uint32_t f2u(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
EMBER_HD float u2f(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

// Natural log of a positive normal float (Cephes-style: x = m 2^e, m in [sqrt(1/2), sqrt(2)),
// degree-9 polynomial in m - 1; about 1 ulp). Branch-free so it vectorizes.
EMBER_HD float log_f(float x) {
  uint32_t ux = f2u(x);
  int32_t e = (int32_t)((ux >> 23) & 0xff) - 126;      // x = m * 2^e, m in [0.5, 1)
  float m = u2f((ux & 0x007fffffu) | 0x3f000000u);
  bool small = m < 0.70710678118654752f;
  e -= small ? 1 : 0;
  float f = (small ? m + m : m) - 1.0f;                 // exact (Sterbenz)
  float z = f * f;
  float p = 7.0376836292e-2f;
  p = fmaf_(p, f, -1.1514610310e-1f);
  p = fmaf_(p, f, 1.1676998740e-1f);
  p = fmaf_(p, f, -1.2420140846e-1f);
  p = fmaf_(p, f, 1.4249322787e-1f);
  p = fmaf_(p, f, -1.6668057665e-1f);
  p = fmaf_(p, f, 2.0000714765e-1f);
  p = fmaf_(p, f, -2.4999993993e-1f);
  p = fmaf_(p, f, 3.3333331174e-1f);
  float fe = (float)e;
  float y = (p * f) * z;
  y = fmaf_(fe, -2.12194440e-4f, y);
  y = fmaf_(z, -0.5f, y);
  float r = f + y;
  return fmaf_(fe, 0.693359375f, r);
}

// sin(2 pi b) and cos(2 pi b) for b in [0, 1) holding at most 24 significant bits: the quadrant
// split t - round(t), t = 4b, is exact; the remainder times pi/2 lies in [-pi/4, pi/4].
EMBER_HD void sincos_2pi_f(float b, float& s, float& c) {
  float t = b * 4.0f;                                   // exact
  float q = std::floor(t + 0.5f);                       // nearest quadrant (t + 0.5 exact too)
  float r = (t - q) * 1.57079632679489662f;
  int j = (int)q & 3;
  float r2 = r * r;
  float ps = -1.9515295891e-4f;
  ps = fmaf_(ps, r2, 8.3321608736e-3f);
  ps = fmaf_(ps, r2, -1.6666654611e-1f);
  float sr = fmaf_(ps * r2, r, r);
  float pc = 2.443315711809948e-5f;
  pc = fmaf_(pc, r2, -1.388731625493765e-3f);
  pc = fmaf_(pc, r2, 4.166664568298827e-2f);
  float cr = fmaf_(pc * r2, r2, fmaf_(r2, -0.5f, 1.0f));
  float sa = (j & 1) ? cr : sr, ca = (j & 1) ? sr : cr;  // rotate by j quarter turns
  s = (j & 2) ? -sa : sa;
  c = ((j + 1) & 2) ? -ca : ca;
}

// Two standard normals from two words (Box-Muller in float).
EMBER_HD void box_muller_f(uint32_t w0, uint32_t w1, float& z0, float& z1) {
  float rad = std::sqrt(-2.0f * log_f(u24o(w0)));
  float s, c;
  sincos_2pi_f(u24(w1), s, c);
  z0 = rad * c;
  z1 = rad * s;
}

}  // namespace ember::philox
