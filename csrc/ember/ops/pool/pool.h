// pool.h — pooling: max / avg / adaptive avg / adaptive max over 1-3 spatial dims, and the
// spatial scatter / gather by flat indices that max-pool backward, max_unpool and their
// gradients are built on.
//
// Layout: input (*, S0[, S1[, S2]]) where `nsp` (1..3) trailing dims are spatial and the leading
// dims (N, C or just C) are flattened into planes. Any strides are accepted (channels-last is
// converted at the boundary); outputs are contiguous. Indices are int64 flat offsets into one
// input plane (PyTorch's convention: ih * W + iw for 2-D).
// Parameter lists (kernel, stride, padding, dilation) have exactly `nsp` entries.
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

// (out, indices): out (*, O...) = max over each dilated window; padded positions never win.
std::vector<Tensor> max_pool_forward(const Tensor& x, int64_t nsp, const Shape& kernel, const Shape& stride,
                                     const Shape& padding, const Shape& dilation, bool ceil_mode);
// out (*, O...) = mean over each window; divisor_override 0 means none.
Tensor avg_pool_forward(const Tensor& x, int64_t nsp, const Shape& kernel, const Shape& stride,
                        const Shape& padding, bool ceil_mode, bool count_include_pad, int64_t divisor_override);
// grad_input (input_shape) of avg_pool_forward for grad (*, O...). Linear in grad.
Tensor avg_pool_backward(const Tensor& grad, const Shape& input_shape, int64_t nsp, const Shape& kernel,
                         const Shape& stride, const Shape& padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor_override);
// out (*, O...): window o spans [floor(o*I/O), ceil((o+1)*I/O)).
Tensor adaptive_avg_pool_forward(const Tensor& x, int64_t nsp, const Shape& output_size);
Tensor adaptive_avg_pool_backward(const Tensor& grad, const Shape& input_shape, int64_t nsp);
std::vector<Tensor> adaptive_max_pool_forward(const Tensor& x, int64_t nsp, const Shape& output_size);

// out (*, plane_shape) = zeros, then out[b, idx[b, j]] (+)= src[b, j] over the flattened planes.
// accumulate=true: max-pool backward (adjoint of gather); false: max_unpool forward (assign).
Tensor pool_scatter(const Tensor& src, const Tensor& indices, int64_t nsp, const Shape& plane_shape,
                    bool accumulate, const char* op);
// out (*, O...) = src[b, idx[b, j]]: max-pool double backward and max_unpool backward.
Tensor pool_gather(const Tensor& src, const Tensor& indices, int64_t nsp);

}  // namespace ember
