// resample.h — interpolate (nearest, nearest-exact, (bi/tri)linear, bicubic), im2col / col2im
// (F.unfold / F.fold), pixel_shuffle / pixel_unshuffle and channel_shuffle.
//
// Interpolation is separable: each spatial dim (last first, as PyTorch nests its loops) is
// resampled with a per-output tap table (K = 1 nearest, 2 linear, 4 cubic; source index, weight);
// backward applies the transposed tables in reverse order. Inputs of any strides; outputs contiguous.
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

enum class InterpMode { Nearest = 0, NearestExact = 1, Linear = 2, Cubic = 3 };

// x (N, C, S...) with nsp = 1..3 spatial dims -> (N, C, out_size...). scales[i] <= 0 means "derive
// from sizes"; otherwise PyTorch's user scale factor for that dim (used as 1 / scale).
Tensor upsample_forward(const Tensor& x, int64_t nsp, const Shape& out_size, InterpMode mode, bool align_corners,
                        const std::vector<double>& scales);
// grad (N, C, out_size...) -> grad_input (input_shape). Linear in grad (the adjoint of forward).
Tensor upsample_backward(const Tensor& grad, const Shape& input_shape, InterpMode mode, bool align_corners,
                         const std::vector<double>& scales);

// x (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L); L = number of sliding blocks.
Tensor im2col(const Tensor& x, const Shape& kernel, const Shape& dilation, const Shape& padding, const Shape& stride);
// x (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W) with (H, W) = output_size; sums overlaps.
Tensor col2im(const Tensor& x, const Shape& output_size, const Shape& kernel, const Shape& dilation,
              const Shape& padding, const Shape& stride);

// (*, C*r*r, H, W) -> (*, C, H*r, W*r) and its inverse.
Tensor pixel_shuffle(const Tensor& x, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& x, int64_t downscale_factor);
// (N, C, *) -> channels regrouped: (N, g, C/g, *) transposed to (N, C/g, g, *).
Tensor channel_shuffle(const Tensor& x, int64_t groups);

}  // namespace ember
