// norm.h — fused normalization layers, forward and backward.
// Layouts (any input is made contiguous first; 16-bit floats compute in float32; saved
// statistics are float32 for 16/32-bit inputs, float64 for float64):
//   batch_norm:  x (N, C, *spatial)   statistics per channel over N and spatial
//   group_norm:  x (N, C, *spatial)   statistics per (sample, group of C/G channels)
//   layer_norm:  x (..., *normalized) statistics per row of the last `norm_ndim` dims
//   rms_norm:    as layer_norm, no centering
// weight/bias may be undefined (no affine). Backward returns (dx, dweight, dbias), each computed
// only when its `mask` bit is set (otherwise undefined).
#pragma once
#include <array>
#include <tuple>
#include "ember/core/tensor.h"

namespace ember {

using NormGrads = std::tuple<Tensor, Tensor, Tensor>;

// Training: normalizes with batch statistics (biased variance) and, when running_mean/var are
// given, updates them in place: r = (1 - momentum) r + momentum * stat (unbiased variance).
// Eval: normalizes with running_mean/var. Returns (y, save_mean (C), save_invstd (C)); in eval
// save_* are the running statistics' mean and 1/sqrt(var + eps).
std::tuple<Tensor, Tensor, Tensor> batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                                      const Tensor& running_mean, const Tensor& running_var,
                                                      bool training, double momentum, double eps);
// dL/dx treats the statistics as functions of x in training and as constants in eval.
NormGrads batch_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Tensor& save_mean,
                              const Tensor& save_invstd, bool training, std::array<bool, 3> mask);

// Returns (y, mean (M), rstd (M)) with M = rows (mean is undefined for rms_norm).
std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x, int64_t norm_ndim, const Tensor& weight,
                                                      const Tensor& bias, double eps, bool rms);
NormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, int64_t norm_ndim, bool rms, std::array<bool, 3> mask);

// Returns (y, mean (N, G), rstd (N, G)).
std::tuple<Tensor, Tensor, Tensor> group_norm_forward(const Tensor& x, int64_t groups, const Tensor& weight,
                                                      const Tensor& bias, double eps);
NormGrads group_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, int64_t groups, std::array<bool, 3> mask);

}  // namespace ember
