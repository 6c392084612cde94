// conv_pack_avx2.cpp — AVX2 helpers for the implicit-GEMM patch packing (conv_cpu.cpp); compiled
// with AVX2 flags, called only when cpu_isa() >= Avx2.
#include <immintrin.h>

#include "ember/ops/conv/conv_pack.h"

namespace ember::conv_detail {

void copy_stride2_f32_avx2(const float* src, float* dst, int64_t n, int64_t avail) {
  int64_t j = 0;
  // 16 source values -> their 8 even ones; the loads reach src[2j + 15] < avail
  for (; j + 8 <= n && 2 * j + 16 <= avail; j += 8) {
    const __m256 a = _mm256_loadu_ps(src + 2 * j), b = _mm256_loadu_ps(src + 2 * j + 8);
    const __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // s0 s2 s8 s10 | s4 s6 s12 s14
    const __m256d r = _mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0));
    _mm256_storeu_ps(dst + j, _mm256_castpd_ps(r));
  }
  for (; j < n; ++j) dst[j] = src[2 * j];
}

}  // namespace ember::conv_detail
