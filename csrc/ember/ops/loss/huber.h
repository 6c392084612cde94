// huber.h — the threshold regression losses as fused kernels, forward and backward.
// huber_loss(input, target, delta) and smooth_l1_loss(input, target, beta > 0); d = input - target
// with input and target broadcast together (PyTorch warns about a size mismatch in Python and then
// broadcasts). Computed in result_type(input, target) (float16/bfloat16 in float32); the result has
// that dtype for smooth_l1 and the input's dtype for huber (both as PyTorch). reduction: 0 none (the broadcast shape), 1 mean, 2 sum (0-d results).
// Backward takes the upstream gradient (0-d for mean/sum, the broadcast shape for none) and returns
// (dL/dinput, dL/dtarget) at the BROADCAST shape (the caller sums them back to each operand's
// shape); each only when requested (else undefined).
#pragma once
#include <utility>
#include "ember/core/tensor.h"

namespace ember {

Tensor huber_loss_forward(const Tensor& input, const Tensor& target, int reduction, double delta);
std::pair<Tensor, Tensor> huber_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                              int reduction, double delta, bool input_grad, bool target_grad);

Tensor smooth_l1_loss_forward(const Tensor& input, const Tensor& target, int reduction, double beta);
std::pair<Tensor, Tensor> smooth_l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                  int reduction, double beta, bool input_grad, bool target_grad);

}  // namespace ember
