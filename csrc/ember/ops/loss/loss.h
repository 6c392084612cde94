// loss.h — fused classification losses, forward and backward.
// Shapes: input (N, C) or (N, C, d1, ..., dk) (class dim 1); class-index target (N) or
// (N, d1, ..., dk) int64; probability target: input's shape. weight: (C) or undefined.
// reduction: 0 none (per-sample loss of the target's shape), 1 mean, 2 sum (0-d results).
// Mean follows PyTorch: class-index targets divide by the summed weight of non-ignored
// samples (0/0 = nan when all are ignored); probability targets divide by the sample count.
// Backward entry points take the upstream gradient `grad` (0-d for mean/sum, the per-sample
// shape for none) and return dL/dinput in one pass (softmax minus target, scaled).
#pragma once
#include "ember/core/tensor.h"

namespace ember {

enum class Reduction : int { None = 0, Mean = 1, Sum = 2 };

struct CrossEntropyResult {
  Tensor loss;          // reduced loss (or per-sample loss for none)
  Tensor lse;           // (M, 2): per sample (max, log sum exp(x - max)) of the logits, saved for backward
  double total_weight;  // the mean's denominator
};

// cross_entropy(input, target) = nll_loss(log_softmax(input, 1), target) with label smoothing
// (class indices) or soft targets (probabilities) without materializing log-probabilities.
CrossEntropyResult cross_entropy_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                         Reduction reduction, int64_t ignore_index, double label_smoothing);
Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              const Tensor& lse, double total_weight, Reduction reduction, int64_t ignore_index,
                              double label_smoothing);

// nll_loss(input, target): input holds log-probabilities, (N, C[, d...]) or (C) with a 0-d target.
// Returns (loss, total_weight).
std::pair<Tensor, double> nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                           Reduction reduction, int64_t ignore_index);
Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                         double total_weight, Reduction reduction, int64_t ignore_index);

// binary_cross_entropy(input in [0,1], target, weight broadcastable to input); log clamped at -100.
Tensor binary_cross_entropy_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                    Reduction reduction);
// Returns (dL/dinput, dL/dtarget); dL/dtarget only when `target_grad`.
std::pair<Tensor, Tensor> binary_cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                        const Tensor& weight, Reduction reduction, bool target_grad);

// binary_cross_entropy_with_logits, stable form: (1 - t) x + (1 + (pw - 1) t) softplus(-x), times weight.
Tensor bce_with_logits_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                               const Tensor& pos_weight, Reduction reduction);
std::pair<Tensor, Tensor> bce_with_logits_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                   const Tensor& weight, const Tensor& pos_weight,
                                                   Reduction reduction, bool target_grad);

}  // namespace ember
