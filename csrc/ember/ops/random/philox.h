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
//   E = 4 (one word per element)  : float32/float16/bfloat16 uniform, normal, exponential, ...;
//                                   bernoulli (all dtypes)
//   E = 2 (two words per element) : float64 distributions; integer ranges (randint/random_/randperm)
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
//   normal      : Box-Muller on lane pairs (2k, 2k+1): rad = sqrt(-2 ln a), a = u(o)(word 2k),
//                 b = u(word 2k+1); z_2k = rad cos(2 pi b), z_2k+1 = rad sin(2 pi b)
// Transcendentals (log, cos, sin, tan, exp) are evaluated in double precision for every dtype and
// rounded once to the output type, so devices agree up to their libm's double rounding.
#pragma once
#include <cstdint>

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

EMBER_HD float u24(uint32_t w) { return (float)(w >> 8) * (1.0f / 16777216.0f); }
EMBER_HD float u24o(uint32_t w) { return (float)((w >> 8) + 1) * (1.0f / 16777216.0f); }
EMBER_HD float u11(uint32_t w) { return (float)(w >> 21) * (1.0f / 2048.0f); }
EMBER_HD float u8(uint32_t w) { return (float)(w >> 24) * (1.0f / 256.0f); }
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

}  // namespace ember::philox
