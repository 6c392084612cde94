// pool_global.h — dedicated global average pooling (output 1x1x1) kernels.
#pragma once
#include <cstdint>

namespace ember::pool_detail {
// dst[b] = mean of src[b*L .. b*L + L) for b in [0, planes); AVX2 build: call only when
// cpu_isa() >= Isa::Avx2. Parallel over planes (fixed ranges, no cross-thread reduction).
void global_avg_f32_avx2(const float* src, float* dst, int64_t planes, int64_t L);
}  // namespace ember::pool_detail
