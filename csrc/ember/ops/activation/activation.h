// activation.h — elementwise activation functions: forward y = act(x), backward
// dx = g * act'(s) and the second-derivative term used by double backward, each one pass.
// `s` is the saved tensor: the forward OUTPUT for ops where activation_saves_output(op)
// (relu, sigmoid, tanh: as PyTorch), else the forward INPUT. All tensors here are floating
// (float32/float64, float16/bfloat16 computed in float) and share one shape and dtype.
#pragma once
#include <utility>
#include "ember/core/tensor.h"

namespace ember {

enum class ActOp : int {
  Relu, LeakyRelu, Hardtanh, Elu, Gelu, GeluTanh, Silu, Mish, Sigmoid, Tanh, Softplus, Softsign,
  Hardswish, Hardsigmoid, LogSigmoid, Threshold, Tanhshrink, Softshrink, Hardshrink,
  kCount
};

// Parameters, by op: LeakyRelu a=negative_slope; Hardtanh a=min_val b=max_val;
// Elu a=alpha b=scale c=input_scale (elu/selu/celu); Softplus a=beta b=threshold;
// Threshold a=threshold b=value; Softshrink/Hardshrink a=lambd. Others ignore them.
struct ActParams {
  double a = 0, b = 0, c = 0;
};

const char* activation_name(ActOp op);
bool activation_saves_output(ActOp op);  // backward reads y (true) or x (false)

// x: any shape, floating. Returns act(x), or writes it into `out` (x's shape and dtype; may be x).
Tensor activation_forward(ActOp op, const Tensor& x, const ActParams& p, const Tensor& out = Tensor());
// grad, saved: same shape/dtype. Returns grad * act'(saved)  (a new tensor).
Tensor activation_backward(ActOp op, const Tensor& grad, const Tensor& saved, const ActParams& p);
// ggrad, grad, saved: same shape/dtype. Returns ggrad * grad * d act'(s)/ds  (the gradient of
// activation_backward with respect to `saved`; double backward).
Tensor activation_double_backward(ActOp op, const Tensor& ggrad, const Tensor& grad, const Tensor& saved,
                                  const ActParams& p);

// PReLU. x: (N, C, ...) or any shape when weight has one element; weight_view: weight viewed
// broadcastable to x (the caller reshapes (C,) to (1, C, 1, ...)). y = x > 0 ? x : w * x.
Tensor prelu_forward(const Tensor& x, const Tensor& weight_view);
// Returns (dx, dw_elem): dx = x > 0 ? g : w * g; dw_elem = x > 0 ? 0 : g * x (x's shape; the
// caller sums it to the weight's shape).
std::pair<Tensor, Tensor> prelu_backward(const Tensor& grad, const Tensor& x, const Tensor& weight_view);

}  // namespace ember
