// random_kernels.h — the per-ISA fast paths for the two hottest fills (float32 uniform_ and
// normal_). random_kernels.inc is compiled once per ISA (random_base.cpp, random_avx2.cpp,
// random_avx512.cpp): Philox runs on 64-block tiles in structure-of-arrays form so the compiler
// vectorizes the 32x32->64 multiplies, then the transforms of philox.h run on whole tiles.
// Results are bit-identical to the scalar block driver (random_common.h) used as the reference.
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"
#include "ember/ops/random/generator.h"

namespace ember {

struct RandomKernel {
  // out[0, n) <- U[lo, lo + span) as fma(u24, span, lo), values >= hi replaced by `below`
  void (*uniform_f32)(float* out, int64_t n, Generator::Draw d, float lo, float span, float hi, float below);
  // out[0, n) <- fma(std, z, mean), z standard normal (Box-Muller in float, philox.h)
  void (*normal_f32)(float* out, int64_t n, Generator::Draw d, float mean, float std);
};
const RandomKernel* random_kernels(Isa isa);

namespace base { extern const RandomKernel random_kernel; }
namespace avx2 { extern const RandomKernel random_kernel; }
namespace avx512 { extern const RandomKernel random_kernel; }

}  // namespace ember
