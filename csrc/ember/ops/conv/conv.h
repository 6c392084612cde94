// conv.h — N-d convolution (1, 2 or 3 spatial dims) forward and backward, and transposed
// convolution, on NC* (channels-first) tensors of float32/float64.
//
//   input  (N, C, *in)        weight (O, C/groups, *k)        bias (O,) or undefined
//   output (N, O, *out)       out[i] = (in[i] + pad_lo[i] + pad_hi[i] - dil[i]*(k[i]-1) - 1) / stride[i] + 1
//
// pad_lo/pad_hi allow the asymmetric padding of padding='same' with an even kernel (PyTorch pads
// the extra element on the high side). Padding is zeros; other padding modes are applied by the
// caller (nn.Conv*d pads with F.pad first). Every per-dim vector has one entry per spatial dim.
// pad_hi may be negative (the autograd graph uses it to crop inputs to an exact output size).
//
// Backward: the three kernels are the adjoints of the forward in each argument. The `= vs +=`
// contract: every result is a fresh tensor written with `=` (no accumulation into caller memory).
// conv_transpose_forward is conv_backward_input (plus bias) with the output size computed from
// output_padding, which is exactly PyTorch's definition of conv_transpose.
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

// `op` names the public op in error messages ("conv2d", "conv_transpose1d", ...).
Tensor conv_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                    const Shape& pad_lo, const Shape& pad_hi, const Shape& dilation, int64_t groups,
                    const char* op = "conv");
// grad_output (N, O, *out), weight (O, C/groups, *k) -> grad_input with shape `input_shape` (N, C, *in).
Tensor conv_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                           const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                           const char* op = "conv");
// grad_output (N, O, *out), input (N, C, *in) -> grad_weight with shape `weight_shape` (O, C/groups, *k).
Tensor conv_backward_weight(const Tensor& grad_output, const Tensor& input, const Shape& weight_shape,
                            const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                            const char* op = "conv");
// The gradients of conv_forward that `need` asks for ({input, weight, bias}; undefined where not
// asked), from one pass over grad_output where a fused CPU kernel covers the problem (float32
// depthwise 3x3 stride 1), else from the three functions above; same checks and errors as those.
std::vector<Tensor> conv_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                  const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                                  const std::vector<bool>& need, const char* op = "conv");
// grad_output (N, O, *out) -> (O,): the sum over every dim but 1.
Tensor conv_backward_bias(const Tensor& grad_output, const char* op = "conv");

// input (N, Cin, *in), weight (Cin, Cout/groups, *k), bias (Cout,) or undefined ->
// (N, Cout, *out), out[i] = (in[i]-1)*stride[i] - 2*padding[i] + dil[i]*(k[i]-1) + output_padding[i] + 1.
Tensor conv_transpose_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                              const Shape& padding, const Shape& output_padding, const Shape& dilation,
                              int64_t groups, const char* op = "conv_transpose");

}  // namespace ember
