// softmax_cuda.h — the CUDA side of the softmax family (softmax_cuda.cu). Plain C++ declarations,
// called from softmax.cpp behind `#ifdef EMBER_WITH_CUDA`. Tensors are contiguous, on one CUDA
// device, of one floating dtype (float16/bfloat16 compute in float32), viewed as (outer, C, inner).
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::cuda {

// y = softmax(x) (log: log_softmax) along C.
void softmax_forward(const Tensor& x, const Tensor& y, int64_t outer, int64_t C, int64_t inner, bool log);
// softmax:     dx = y * (g - sum_c(g * y));  log_softmax: dx = g - exp(y) * sum_c(g)
void softmax_backward(const Tensor& g, const Tensor& y, const Tensor& dx, int64_t outer, int64_t C, int64_t inner,
                      bool log);

}  // namespace ember::cuda
