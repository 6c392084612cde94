// conv_winograd.h — Winograd F(2x2, 3x3) convolutions for float32 3x3, stride-1, dilation-1,
// ungrouped 2-D problems (the ResNet body convs). Forward and weight gradient; the input
// gradient of such a conv is again such a conv (flipped kernel, padding 2 - p) and runs the
// forward. Built with AVX2+FMA flags (conv_winograd_avx2.cpp): call only when cpu_isa() >= Avx2.
//
// Algorithm: the output is cut into 2x2 tiles, each reading a 4x4 input patch d. With
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1]:
//   forward        Y  = A^T [ (G g G^T) (.) (B^T d B) ] A  — per transformed position xi (16 of
//                  them) one GEMM U[xi] (O x C) @ V[xi] (C x tiles) replaces the 9-tap sum
//                  (2.25x fewer multiply-adds);
//   weight grad    dg = G^T [ sum_tiles (A dY A^T) (.) V ] G  — one GEMM per xi,
//                  dU[xi] (O x C) += Mg[xi] (O x tiles) @ V[xi]^T.
// Tiles are processed in blocks (rows of tiles of consecutive images) sized to stay near L2;
// threads take fixed ranges of blocks; weight-gradient partials are summed in thread order
// (deterministic for a given thread count).
#pragma once
#include "ember/ops/conv/conv_impl.h"

namespace ember::conv_detail {

// True when the F(2,3) path applies to this geometry (and is enabled: EMBER_CONV_WINOGRAD=0
// turns it off, for A/B measurements). Implemented in conv_cpu.cpp (portable code). Tuning:
// EMBER_WINO_MIN_TILES / EMBER_WINO_MAX_TILES bound the tiles per block (default 64 / 512).
bool winograd_eligible(const ConvGeom& g);
void winograd_fwd_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
void winograd_bwd_weight_f32(const ConvGeom& g, const float* gy, const float* x, float* gw);

}  // namespace ember::conv_detail
