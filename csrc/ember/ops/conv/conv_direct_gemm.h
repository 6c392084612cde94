// conv_direct_gemm.h — float32 forward convolution on a conv-specific AVX2 6x16 micro-kernel
// (conv_direct_gemm_avx2.cpp): patches packed straight into 16-pixel panels, weights into 6-row
// panels once per call. Ungrouped 2-D problems; call only when cpu_isa() >= Avx2.
#pragma once
#include "ember/ops/conv/conv_impl.h"

namespace ember::conv_detail {
void conv_fwd_microkernel_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
// Weight gradient on the same micro-kernel: C tile = 6 output channels x 16 patch rows, reduced
// over the pixels of each image (gy packed pixel-major in 6-row panels, patch rows gathered and
// transposed into 16-wide panels). Per-thread partials over fixed image ranges, summed in order.
void conv_bwd_weight_microkernel_f32(const ConvGeom& g, const float* gy, const float* x, float* gw);
}  // namespace ember::conv_detail
