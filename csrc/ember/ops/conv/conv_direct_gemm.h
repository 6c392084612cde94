// conv_direct_gemm.h — float32 convolutions on a conv-specific AVX2 6x16 micro-kernel
// (conv_direct_gemm_avx2.cpp): patches packed into 16-pixel panels from a padded, stride-phase-
// split copy of each image, weights into 6-row panels once per call. Ungrouped 2-D problems;
// call only when cpu_isa() >= Avx2.
#pragma once
#include "ember/ops/conv/conv_impl.h"

namespace ember::conv_detail {
void conv_fwd_microkernel_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
// Weight gradient on the same micro-kernel: C tile = 6 output channels x 16 patch rows, reduced
// over the pixels of each image (gy packed pixel-major in 6-row panels, patch rows gathered and
// transposed into 16-wide panels). Per-thread partials over fixed image ranges, summed in order.
void conv_bwd_weight_microkernel_f32(const ConvGeom& g, const float* gy, const float* x, float* gw);
// Weight gradient for few patch rows (a first layer: K = 3*3*3 = 27) with the pixels in the vector
// lanes: gw[o][k] = sum_p gy[o][p] * patch[k][p] on 4 x 3 register blocks of 8-lane partial sums,
// no transposes (gy is read as it is, the patch rows of each image are gathered once).
void conv_bwd_weight_lanes_f32(const ConvGeom& g, const float* gy, const float* x, float* gw);
// Input gradient of a strided conv as sh*sw stride-phase convs: input positions (a*sh + rh, b*sw + rw)
// only receive the kernel taps of phase (rh, rw), so each phase is a stride-1 conv of gy with a
// sub-kernel (2x2 / 2x1 / 1x2 / 1x1 for 3x3 stride 2) on the same micro-kernel: no col2im
// scatter-add and no multiply by structural zeros. Every element of gx is written.
void conv_bwd_input_microkernel_f32(const ConvGeom& g, const float* gy, const float* w, float* gx);
}  // namespace ember::conv_detail
