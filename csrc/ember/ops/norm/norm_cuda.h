// norm_cuda.h — the CUDA side of the norm family (norm_cuda.cu). Plain C++ declarations, called
// from norm.cpp behind `#ifdef EMBER_WITH_CUDA`. Every tensor is contiguous and on one CUDA device;
// "cdt" is the compute dtype (float32 for 16/32-bit inputs, float64); per-channel/per-row
// parameters and statistics are cdt. Undefined tensors mean "absent" (no affine, not requested).
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::cuda {

// ---- layer_norm / rms_norm: rows (M, D) of x's floating dtype ------------------------------------------
// y (M, D) of x's dtype, or undefined (statistics only); mean (M) undefined for rms; rstd (M).
void layer_norm_forward(const Tensor& x, int64_t M, int64_t D, const Tensor& w, const Tensor& b, double eps, bool rms,
                        const Tensor& y, const Tensor& mean, const Tensor& rstd);
// dx (M, D) of x's dtype or undefined; dw/db (D, cdt) or undefined: column sums over the rows in a
// fixed order (per-chunk partials, then one pass over the chunks): deterministic.
void layer_norm_backward(const Tensor& g, const Tensor& x, int64_t M, int64_t D, const Tensor& mean, const Tensor& rstd,
                         const Tensor& w, const Tensor& dx, const Tensor& dw, const Tensor& db);

// ---- group_norm: x (N, C, S) cdt ---------------------------------------------------------------------------
void group_norm_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G, const Tensor& w, const Tensor& b,
                        double eps, const Tensor& y, const Tensor& mean, const Tensor& rstd);
// dx (x's shape, cdt) or undefined; dw/db (C, cdt) or undefined.
void group_norm_backward(const Tensor& g, const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G,
                         const Tensor& mean, const Tensor& rstd, const Tensor& w, const Tensor& dx, const Tensor& dw,
                         const Tensor& db);

// ---- batch_norm: x (N, C, S) cdt ---------------------------------------------------------------------------
// Training: batch statistics (Welford), save_mean/save_invstd (C); when rm/rv (C, cdt copies of the
// running statistics) are defined, new_rm/new_rv (C) get (1 - momentum) r + momentum * stat (unbiased
// variance). Eval: normalizes with rm/rv. y (x's shape, cdt).
void batch_norm_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& w, const Tensor& b,
                        const Tensor& rm, const Tensor& rv, bool training, double momentum, double eps, const Tensor& y,
                        const Tensor& save_mean, const Tensor& save_invstd, const Tensor& new_rm, const Tensor& new_rv);
// dx (cdt) or undefined; dw/db (C, cdt) or undefined. Training treats the statistics as functions of x.
void batch_norm_backward(const Tensor& g, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& w,
                         const Tensor& save_mean, const Tensor& save_invstd, bool training, const Tensor& dx,
                         const Tensor& dw, const Tensor& db);

}  // namespace ember::cuda
