// conv_pack.h — ISA-specific helpers of the implicit-GEMM patch packing.
#pragma once
#include <cstdint>

namespace ember::conv_detail {
// dst[j] = src[2 j] for j in [0, n); src[0 .. avail) may be read (avail >= 2n - 1). AVX2 build.
void copy_stride2_f32_avx2(const float* src, float* dst, int64_t n, int64_t avail);
}  // namespace ember::conv_detail
