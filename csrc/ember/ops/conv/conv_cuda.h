// conv_cuda.h — the CUDA side of the conv family's device switch (plain C++ declarations, no CUDA
// headers; defined in conv_cuda.cu, only in builds with EMBER_WITH_CUDA). Arguments follow the
// CPU kernels of conv_impl.h: tensors are contiguous NC(D)(H)W on one CUDA device, results are
// written with `=` into preallocated contiguous tensors.
//
// Algorithms: im2col into a temporary column tensor (batch chunks of <= 256 MiB) + the gemm
// family's Tensor matmul/bmm for the general case (col2im as a gather: deterministic, no atomics);
// direct kernels when C/groups == 1 (depthwise and channel-multiplier convs).
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/conv/conv_impl.h"

namespace ember::cuda {

void conv_forward_cuda(const conv_detail::ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& bias,
                       const Tensor& y);
void conv_backward_input_cuda(const conv_detail::ConvGeom& g, const Tensor& gy, const Tensor& w, const Tensor& gx);
void conv_backward_weight_cuda(const conv_detail::ConvGeom& g, const Tensor& gy, const Tensor& x, const Tensor& gw);
// gb (O,) = sum of gy (N, O, P) over N and P (accumulated in double, one block per channel).
void conv_backward_bias_cuda(const Tensor& gy, int64_t N, int64_t O, int64_t P, const Tensor& gb);
// y (N, O, P) += bias[o].
void conv_add_bias_cuda(const Tensor& y, const Tensor& bias, int64_t N, int64_t O, int64_t P);

}  // namespace ember::cuda
