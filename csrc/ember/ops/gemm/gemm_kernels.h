// gemm_kernels.h — the per-ISA GEMM kernel table. gemm_kernels.inc (packing, register-tiled
// micro-kernel, cache-blocked OpenMP driver, GEMV) is compiled once per ISA: gemm_base.cpp,
// gemm_avx2.cpp, gemm_avx512.cpp. gemm_ref.cpp holds the plain triple loop (the oracle).
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/ops/gemm/gemm.h"

namespace ember {

struct GemmKernel {
  void (*run)(const GemmProblem& p);  // p validated; M, N, batch > 0
};
const GemmKernel* gemm_kernels(Isa isa);
void gemm_reference(const GemmProblem& p);

namespace base { extern const GemmKernel gemm_kernel; }
namespace avx2 { extern const GemmKernel gemm_kernel; }
namespace avx512 { extern const GemmKernel gemm_kernel; }

namespace gemm_detail {
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
