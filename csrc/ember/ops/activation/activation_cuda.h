// activation_cuda.h — CUDA entry points of the activation family: forward, backward and double
// backward of every ActOp (the same formulas as the CPU: activation_math.h compiled as device
// code), and PReLU. Plain C++ declarations; defined in ops/activation/*_cuda.cu, present only
// with EMBER_WITH_CUDA. activation.cpp validates (floating, same shape and dtype) and allocates.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/activation/activation.h"

namespace ember::cuda {

// dst = act(x)
void activation_forward_kernel(int op, const Tensor& dst, const Tensor& x, const ActParams& p, const char* name);
// dx = g * act'(s)   (s: the saved input or output, see activation_saves_output)
void activation_backward_kernel(int op, const Tensor& dx, const Tensor& g, const Tensor& s, const ActParams& p,
                                const char* name);
// ds = gg * g * d act'(s)/ds
void activation_double_backward_kernel(int op, const Tensor& ds, const Tensor& gg, const Tensor& g, const Tensor& s,
                                       const ActParams& p, const char* name);
// PReLU; w is the weight viewed broadcastable to x.
void prelu_forward_kernel(const Tensor& y, const Tensor& x, const Tensor& w);
// dx = x > 0 ? g : w * g;  dw_elem = x > 0 ? 0 : g * x  (x's shape)
void prelu_backward_kernel(const Tensor& dx, const Tensor& dw_elem, const Tensor& g, const Tensor& x, const Tensor& w);

}  // namespace ember::cuda
