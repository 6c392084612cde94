// softmax.h — softmax / log_softmax / softmin over one dim, forward and backward.
// x: any shape (floating). dim: any dim (negative wraps). The kernels view x as (outer, C, inner)
// with C = x.size(dim): inner == 1 runs the contiguous-row kernel, inner > 1 the transposed
// kernel that walks the C axis with stride `inner` across blocks of columns (no transposing copy).
// float16/bfloat16 compute in float32; results have x's dtype unless `dtype` is given (PyTorch's
// `dtype=` casts the input first).
#pragma once
#include <optional>
#include "ember/core/tensor.h"

namespace ember {

// y = softmax(x, dim) (log: y = log_softmax(x, dim)); y has x's shape.
Tensor softmax_forward(const Tensor& x, int64_t dim, bool log, std::optional<DType> dtype = std::nullopt);
// grad: dL/dy (y's shape), y: the saved forward output. Returns dL/dx (y's shape and dtype).
// softmax:     dx = y * (g - sum_c(g * y))
// log_softmax: dx = g - exp(y) * sum_c(g)
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log);

}  // namespace ember
