// attention_cuda.h — the CUDA side of the fused attention (ops/attention/attention.h): plain C++
// declarations only; defined in attention_cuda.cu, used from attention.cpp behind EMBER_WITH_CUDA.
// `p` holds device pointers with the same layout rules as the CPU kernels (attention_kernels.h).
// q, k, v, dout, an additive mask, out, dq, dk, dv have the dtype `dtype` (float32, float64,
// float16 or bfloat16: 16-bit inputs are read as they are, with float32 arithmetic); lse is float32
// (float64 for float64). `like` is a tensor on the device (gives the device and the stream).
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"
#include "ember/ops/attention/attention_kernels.h"

namespace ember::cuda {

constexpr int64_t kAttnMaxHeadDim = 128;  // larger head dims take the reference path
inline bool attention_supported(int64_t E, int64_t Ev) { return E <= kAttnMaxHeadDim && Ev <= kAttnMaxHeadDim; }

// Writes p.out (N, Hq, L, Ev) and p.lse (N, Hq, L), both contiguous. Requires S > 0, L > 0.
void attention_forward(const AttnParams& p, DType dtype, const Tensor& like);
// Writes p.dq, p.dk, p.dv (contiguous) from p.dout, p.out, p.lse. Requires S > 0, L > 0.
void attention_backward(const AttnParams& p, DType dtype, const Tensor& like);

}  // namespace ember::cuda
