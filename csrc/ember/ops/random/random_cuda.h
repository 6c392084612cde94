// random_cuda.h — the CUDA side of the random ops (random.cpp / sampling.cpp call these behind
// EMBER_WITH_CUDA). Plain C++ declarations only; kernels in random_cuda.cu.
// Every fill evaluates exactly the CPU's per-element formula of random.cpp on the Philox block of
// the element (philox.h), so a request with the same (seed, offset) gives the CPU's numbers: bit
// for bit for uniform, float normal, bernoulli and integer draws; up to CUDA's libm rounding for
// the double-evaluated distributions (float64 normal, log-normal, exponential, cauchy, geometric).
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::cuda {

enum RandKind : int {
  kRandUniform = 0,   // out: any float dtype. a = from, b = to - from, hi = clamp bound (+inf: none), under
  kRandNormal,        // out: any float dtype. a = mean, b = std
  kRandLogNormal,     // out: float32 | float64. a = mean, b = std
  kRandExponential,   // out: float32 | float64. a = lambd
  kRandCauchy,        // out: float32 | float64. a = median, b = sigma
  kRandGeometric,     // out: float64. a = log1p(-p), b = largest value (saturation)
  kRandInt,           // out: int64. lo, range (0: 2^64)
  kRandBernoulli,     // out: float32 | 1-byte dtype. a = p, or `prob` (float64, out's numel)
};

struct RandArgs {
  uint64_t seed = 0, offset = 0;
  double a = 0, b = 0, hi = 0, under = 0;
  int64_t lo = 0;
  uint64_t range = 0;
};

// out: a contiguous CUDA tensor; element i <- the kind's value for stream element i.
void random_fill(int kind, const Tensor& out, const RandArgs& args, const Tensor& prob, const char* op);

// out <- out * std + mean elementwise (normal with tensor parameters). out contiguous; mean/std
// contiguous tensors of out's shape and dtype, or undefined (then mean_s / std_s).
void normal_affine(const Tensor& out, const Tensor& mean, const Tensor& std, double mean_s, double std_s);

}  // namespace ember::cuda
