// gemm_kernels.h — the per-ISA GEMM kernel table. gemm_kernels.inc (packing, register-tiled
// micro-kernel, cache-blocked OpenMP driver, GEMV) is compiled once per ISA: gemm_base.cpp,
// gemm_avx2.cpp, gemm_avx512.cpp. gemm_ref.cpp holds the plain triple loop (the oracle).
#pragma once
#include <cmath>
#include <type_traits>
#include "ember/core/cpu_features.h"
#include "ember/ops/gemm/gemm.h"

namespace ember {

// Blocking of one build for one compute type: micro-tile MR x NR, cache blocks MC / KC / NC.
struct GemmBlocking { int MR = 0, NR = 0; int64_t MC = 0, KC = 0, NC = 0; };
struct GemmKernel {
  void (*run)(const GemmProblem& p);             // p validated; M, N, batch > 0
  GemmBlocking (*blocking)(DType compute_dtype);  // Float32 or Float64 (for benchmarks / docs)
  const char* micro_kernel;                      // e.g. "avx2+fma 6x16 (f32) / 6x8 (f64)"
  // Benchmarks: seconds for `calls` MR x NR x kc micro-kernel calls on packed panels that sit in
  // L1 (no packing, no C traffic beyond one tile): the kernel's own ceiling, 2*MR*NR*kc flops a call.
  double (*micro_kernel_seconds)(DType compute_dtype, int64_t kc, int64_t calls);
};
const GemmKernel* gemm_kernels(Isa isa);
void gemm_reference(const GemmProblem& p);
// p.rowsum (if set) by a plain loop: the reference, and products with N == 0 or K == 0.
void rowsum_reference(const GemmProblem& p);

namespace base { extern const GemmKernel gemm_kernel; }
namespace avx2 { extern const GemmKernel gemm_kernel; }
namespace avx512 { extern const GemmKernel gemm_kernel; }

namespace gemm_detail {
// Data-cache sizes in bytes, read once at run time (sysconf, then /sys, then defaults):
// l1/l2 per core, l3 shared. EMBER_GEMM_MC / _KC / _NC override the derived blocks (tuning).
struct CacheSizes { int64_t l1 = 32 << 10, l2 = 512 << 10, l3 = 8 << 20; };
const CacheSizes& cache_sizes();
int64_t env_block(const char* name, int64_t dflt);

// The epilogue's activation on the compute type (floats; integers only see Relu).
template <class C>
inline C activate(C x, GemmAct act) {
  if (act == GemmAct::Relu) return x > C(0) || x != x ? x : C(0);
  if constexpr (std::is_floating_point_v<C>) {
    if (act == GemmAct::Gelu) return C(0.5) * x * (C(1) + std::erf(x * C(0.70710678118654752440)));
    if (act == GemmAct::GeluTanh) {
      const C u = C(0.79788456080286535588) * (x + C(0.044715) * x * x * x);
      return C(0.5) * x * (C(1) + std::tanh(u));
    }
  }
  return x;
}
// Element offset of batch item `idx` (row-major over p.bshape) for each operand.
inline void batch_offsets(const GemmProblem& p, int64_t idx, int64_t& oa, int64_t& ob, int64_t& oc) {
  oa = ob = oc = 0;
  for (int d = p.nbatch - 1; d >= 0; --d) {
    int64_t i = idx % p.bshape[d];
    idx /= p.bshape[d];
    oa += i * p.bsA[d]; ob += i * p.bsB[d]; oc += i * p.bsC[d];
  }
}
}  // namespace gemm_detail

}  // namespace ember
