// resample_kernels.h — internal: tap tables and im2col geometry shared by resample.cpp and
// resample_kernels.cpp.
#pragma once
#include <cstdint>
#include <vector>
#include "ember/core/tensor.h"

namespace ember::resample_detail {

// Output j of one resampled dim = sum_t w[j*K+t] * input[idx[j*K+t]].
struct Taps {
  int64_t K = 1, n_out = 0;
  std::vector<int64_t> idx;
  std::vector<double> w;
};

struct ColGeo {
  int64_t B, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow;
};

// backward=false: dst (outer, n_out, inner) = taps(src (outer, n_in, inner)); true: the transpose.
void apply_taps(bool backward, const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const Tensor& src,
                const Tensor& dst);
// Reference interpolation (not separable): each output is the full tensor-product sum over the
// taps of every spatial dim, single-threaded. x (N, C, in...) contiguous, out (N, C, out...);
// backward=true computes the transpose (x is the gradient of out, out the gradient of in).
void interp_reference(bool backward, const std::vector<Taps>& taps, const Shape& in_shape, const Shape& out_shape,
                      const Tensor& src, const Tensor& dst);
// backward=false: cols = im2col(img); true: img = col2im(cols) (overlaps summed).
void im2col_kernel(const ColGeo& g, const Tensor& img, const Tensor& cols, bool backward);

}  // namespace ember::resample_detail
