// gemm_cuda.h — the CUDA side of the matrix products (plain C++ declarations, no CUDA headers;
// defined in gemm_cuda.cu, present only in builds with EMBER_WITH_CUDA). matmul.cpp / einsum.cpp
// validate, allocate on the operands' device and lower every op to a GemmProblem (gemm.h) whose
// pointers are device addresses; this runs it on the device's current stream.
#pragma once
#include "ember/ops/gemm/gemm.h"

namespace ember::cuda {

// C[b] = act(alpha * A[b] @ B[b] + beta * C[b] + bias) on CUDA device `device` (p validated by the
// caller: dtype, strides and batch exactly as for gemm_run; beta == 0 never reads C). Float16,
// bfloat16, float32 and float64 (other dtypes raise PyTorch's "addmm_cuda" not implemented error,
// naming `op`). allow_tf32: float32 products may use TF32 tensor cores (ember.backends.cuda.matmul
// .allow_tf32 / set_float32_matmul_precision("high")). No atomics: results are deterministic.
void gemm(const GemmProblem& p, int device, bool allow_tf32, const char* op);

}  // namespace ember::cuda
