// loss_cuda.h — the CUDA side of the loss family (loss_cuda.cu). Plain C++ declarations, called
// from loss.cpp / huber.cpp behind `#ifdef EMBER_WITH_CUDA`. Validation, layout (to_rows),
// dtype conversion and output allocation stay in the .cpp files; every tensor here is contiguous
// and on one CUDA device. "cdt" is the compute dtype: float32 (for 16/32-bit inputs) or float64.
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::cuda {

// ---- fused cross-entropy over rows -----------------------------------------------------------------
// x (M, C) of a floating dtype; exactly one of target (M, int64, already range-checked) and ptarget
// (M, C, x's dtype) is defined; weight (C, cdt) may be undefined. Writes loss (M, cdt) and lse
// (M, 2, cdt): per row (max, log sum exp(x - max)).
void cross_entropy_forward(const Tensor& x, const Tensor& target, const Tensor& ptarget, const Tensor& weight,
                           int64_t ignore_index, double label_smoothing, const Tensor& loss, const Tensor& lse);
// g: cdt, read as g[i * g_stride] (g_stride 0: one pre-scaled value). Writes dx (M, C, x's dtype).
void cross_entropy_backward(const Tensor& x, const Tensor& target, const Tensor& ptarget, const Tensor& weight,
                            int64_t ignore_index, double label_smoothing, const Tensor& lse, const Tensor& g,
                            int64_t g_stride, const Tensor& dx);

// Class-index targets: the summed weight of the non-ignored targets and the first target outside
// [0, C) (bad_index -1 when none). The result is needed on the host (the mean's denominator is a
// double in the API, and a bad target must raise), so this SYNCHRONIZES the stream once.
struct TargetStats {
  double total_weight = 0;
  int64_t bad_index = -1, bad_value = 0;
};
// In two steps, so that kernels that do not need the result (they skip out-of-range targets) can
// be queued in between: launch (returns the device buffer), then read (copies and synchronizes).
Tensor class_target_stats_launch(const Tensor& target, const Tensor& weight, int64_t C, int64_t ignore_index,
                                 const char* op);
TargetStats class_target_stats_read(const Tensor& stats, const char* op);

// ---- nll_loss: x (N, C, inner) contiguous log-probabilities (floating), target (N * inner) int64,
// weight (C, cdt) or undefined. Forward writes loss (N * inner, cdt); backward writes every element
// of dx (x's shape and dtype), g as above.
void nll_loss_forward(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t N, int64_t C, int64_t inner,
                      int64_t ignore_index, const Tensor& loss);
void nll_loss_backward(const Tensor& target, const Tensor& weight, const Tensor& g, int64_t g_stride, int64_t N,
                       int64_t C, int64_t inner, int64_t ignore_index, const Tensor& dx);

// ---- reductions ----------------------------------------------------------------------------------------
// out (one element, float32 or float64) = sum(per) / div, summed in double in a fixed order
// (per-block partials, then one block): deterministic. per: cdt, contiguous.
void loss_sum(const Tensor& per, double div, const Tensor& out, const char* op);
// out (one element, cdt) = (double)grad[0] / div (grad: one element of any floating dtype on the GPU).
void scale_scalar(const Tensor& grad, double div, const Tensor& out, const char* op);

// ---- binary cross-entropies: every tensor cdt, contiguous, of the input's shape (w/pw/dt may be
// undefined); g read as g[i * g_stride].
// Returns false when some input is outside [0, 1] (checked on the device; SYNCHRONIZES once).
bool bce_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& loss);
void bce_backward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& g, int64_t g_stride,
                  const Tensor& dx, const Tensor& dt);
void bce_logits_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& loss);
void bce_logits_backward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& g,
                         int64_t g_stride, const Tensor& dx, const Tensor& dt);

// ---- huber / smooth_l1 (cdt, contiguous, broadcast already) -------------------------------------------
// loss defined: elementwise loss; else out (one element, float64) = sum / div (deterministic).
void huber_forward(const Tensor& x, const Tensor& t, double p, bool smooth_l1, const Tensor& loss, const Tensor& out,
                   double div);
void huber_backward(const Tensor& x, const Tensor& t, double p, bool smooth_l1, const Tensor& g, int64_t g_stride,
                    const Tensor& dx, const Tensor& dt);

}  // namespace ember::cuda
