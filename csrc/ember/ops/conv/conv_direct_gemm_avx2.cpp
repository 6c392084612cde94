// conv_direct_gemm_avx2.cpp — float32 forward convolution with a conv-specific 6x16 AVX2+FMA
// micro-kernel (ungrouped 2-D convs, any kernel/stride/padding/dilation). The weights are packed
// once per call into 6-row panels (K = C*kh*kw deep); input patches are packed straight from the
// image into 16-pixel panels (K x 16, L1/L2-resident) that are consumed at once by every weight
// panel — no col buffer and no second packing by a GEMM. Threads own fixed ranges of
// (image, pixel panel) work items; results do not depend on the thread count.
#include <immintrin.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/conv/conv_direct_gemm.h"

namespace ember::conv_detail {

namespace {

constexpr int MR = 6, NR = 16;

// c[0..5][0..15] = sum_k a[k*6 + r] * b[k*16 + j]
// ACC: add to out instead of overwriting it (later K blocks); bias only with !ACC.
template <bool ACC>
inline void micro_6x16(int64_t K, const float* a, const float* b, float* out, int64_t ldo, int rows, int cols,
                       const float* bias) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_load_ps(b + k * NR), b1 = _mm256_load_ps(b + k * NR + 8);
    const float* ak = a + k * MR;
    __m256 t = _mm256_broadcast_ss(ak + 0);
    c00 = _mm256_fmadd_ps(t, b0, c00); c01 = _mm256_fmadd_ps(t, b1, c01);
    t = _mm256_broadcast_ss(ak + 1);
    c10 = _mm256_fmadd_ps(t, b0, c10); c11 = _mm256_fmadd_ps(t, b1, c11);
    t = _mm256_broadcast_ss(ak + 2);
    c20 = _mm256_fmadd_ps(t, b0, c20); c21 = _mm256_fmadd_ps(t, b1, c21);
    t = _mm256_broadcast_ss(ak + 3);
    c30 = _mm256_fmadd_ps(t, b0, c30); c31 = _mm256_fmadd_ps(t, b1, c31);
    t = _mm256_broadcast_ss(ak + 4);
    c40 = _mm256_fmadd_ps(t, b0, c40); c41 = _mm256_fmadd_ps(t, b1, c41);
    t = _mm256_broadcast_ss(ak + 5);
    c50 = _mm256_fmadd_ps(t, b0, c50); c51 = _mm256_fmadd_ps(t, b1, c51);
  }
  alignas(32) float tmp[MR][NR];
  _mm256_store_ps(tmp[0], c00); _mm256_store_ps(tmp[0] + 8, c01);
  _mm256_store_ps(tmp[1], c10); _mm256_store_ps(tmp[1] + 8, c11);
  _mm256_store_ps(tmp[2], c20); _mm256_store_ps(tmp[2] + 8, c21);
  _mm256_store_ps(tmp[3], c30); _mm256_store_ps(tmp[3] + 8, c31);
  _mm256_store_ps(tmp[4], c40); _mm256_store_ps(tmp[4] + 8, c41);
  _mm256_store_ps(tmp[5], c50); _mm256_store_ps(tmp[5] + 8, c51);
  for (int r = 0; r < rows; ++r) {
    float* o = out + r * ldo;
    if (cols == NR) {
      const __m256 b0 = ACC ? _mm256_loadu_ps(o) : _mm256_set1_ps(bias ? bias[r] : 0.f);
      const __m256 b1 = ACC ? _mm256_loadu_ps(o + 8) : b0;
      _mm256_storeu_ps(o, _mm256_add_ps(_mm256_load_ps(tmp[r]), b0));
      _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_load_ps(tmp[r] + 8), b1));
    } else if (ACC) {
      for (int j = 0; j < cols; ++j) o[j] += tmp[r][j];
    } else {
      const float bv = bias ? bias[r] : 0.f;
      for (int j = 0; j < cols; ++j) o[j] = tmp[r][j] + bv;
    }
  }
}

// One row segment of a patch panel: dst[j] = x[ih][iw_first + j*sw] for j in [0, n) (zeros
// outside the row / image); vector loads stay inside the channel plane [xc, plane_end).
inline void gather_segment(const float* xc, const float* plane_end, int64_t ih, int64_t H, int64_t W,
                           int64_t iw_first, int64_t sw, int64_t n, float* dst) {
  if (ih < 0 || ih >= H) { std::memset(dst, 0, n * sizeof(float)); return; }
  const float* row = xc + ih * W;
  int64_t jlo = 0, jhi = n;  // taps inside the row: j in [jlo, jhi)
  while (jlo < n && iw_first + jlo * sw < 0) dst[jlo++] = 0.f;
  while (jhi > jlo && iw_first + (jhi - 1) * sw >= W) dst[--jhi] = 0.f;
  int64_t j = jlo;
  if (sw == 1) {
    if (jhi > jlo) std::memcpy(dst + jlo, row + iw_first + jlo, (jhi - jlo) * sizeof(float));
    return;
  }
  if (sw == 2) {
    for (; j + 8 <= jhi && row + iw_first + 2 * j + 16 <= plane_end; j += 8) {
      const float* q = row + iw_first + 2 * j;
      const __m256 va = _mm256_loadu_ps(q), vb = _mm256_loadu_ps(q + 8);
      const __m256 t = _mm256_shuffle_ps(va, vb, _MM_SHUFFLE(2, 0, 2, 0));
      _mm256_storeu_ps(dst + j, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0))));
    }
  }
  for (; j < jhi; ++j) dst[j] = row[iw_first + j * sw];
}

// Packs the K x 16 patch panel of output pixels [p0, p0 + n) of one image (x: C planes): each
// panel row is gathered per output-row segment (a panel may span several short output rows).
void pack_panel(const ConvGeom& g, const float* x, int64_t p0, int64_t n, float* bp) {
  const int64_t OW = g.out[2], H = g.in[1], W = g.in[2], kh_n = g.k[1], kw_n = g.k[2];
  const int64_t sh = g.s[1], sw = g.s[2], ph = g.p[1], pw = g.p[2], dh = g.d[1], dw = g.d[2];
  int64_t seg_j[NR + 1], seg_ih[NR], seg_iw[NR];
  int nseg = 0;
  for (int64_t j = 0; j < n;) {
    const int64_t p = p0 + j, oh = p / OW, ow = p % OW, len = std::min(n - j, OW - ow);
    seg_j[nseg] = j;
    seg_ih[nseg] = oh * sh - ph;
    seg_iw[nseg] = ow * sw - pw;
    ++nseg;
    j += len;
  }
  seg_j[nseg] = n;
  int64_t k = 0;
  for (int64_t c = 0; c < g.C; ++c) {
    const float* xc = x + c * H * W;
    const float* plane_end = xc + H * W;
    for (int64_t kh = 0; kh < kh_n; ++kh)
      for (int64_t kw = 0; kw < kw_n; ++kw, ++k) {
        float* dst = bp + k * NR;
        for (int sgi = 0; sgi < nseg; ++sgi)
          gather_segment(xc, plane_end, seg_ih[sgi] + kh * dh, H, W, seg_iw[sgi] + kw * dw, sw,
                         seg_j[sgi + 1] - seg_j[sgi], dst + seg_j[sgi]);
        for (int64_t j = n; j < NR; ++j) dst[j] = 0.f;
      }
  }
}

}  // namespace

void conv_fwd_microkernel_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const int64_t K = g.C * g.k[1] * g.k[2], O = g.O, P = g.out[1] * g.out[2];
  const int64_t mp = (O + MR - 1) / MR;
  // weights in 6-row panels: ap[panel][k][r]
  float* ap = static_cast<float*>(std::aligned_alloc(32, ((mp * MR * K * sizeof(float)) + 31) / 32 * 32));
  for (int64_t m = 0; m < mp; ++m)
    for (int64_t k = 0; k < K; ++k)
      for (int r = 0; r < MR; ++r) {
        const int64_t o = m * MR + r;
        ap[(m * K + k) * MR + r] = o < O ? w[o * K + k] : 0.f;
      }
  const int64_t panels = (P + NR - 1) / NR, items = g.N * panels;
  static const int64_t kc_max = env_int64("EMBER_CONV_MK_KC", 256);
  const int64_t nkb = (K + kc_max - 1) / kc_max, kc = (K + nkb - 1) / nkb;
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(1, O * K * NR));
  parallel_for(0, items, grain, [&](int64_t i0, int64_t i1) {
    float* bp = static_cast<float*>(std::aligned_alloc(32, ((K * NR * sizeof(float)) + 31) / 32 * 32));
    for (int64_t it = i0; it < i1; ++it) {
      const int64_t n = it / panels, p0 = (it % panels) * NR, cols = std::min<int64_t>(NR, P - p0);
      pack_panel(g, x + n * g.C * g.in[1] * g.in[2], p0, cols, bp);
      float* yn = y + n * O * P + p0;
      // K blocks of ~kc rows: the panel's block (kc x 16 floats) stays in L1 across all weight panels
      for (int64_t k0 = 0; k0 < K; k0 += kc) {
        const int64_t kn = std::min(kc, K - k0);
        for (int64_t m = 0; m < mp; ++m) {
          const int rows = (int)std::min<int64_t>(MR, O - m * MR);
          const float* am = ap + (m * K + k0) * MR;
          if (k0 == 0) micro_6x16<false>(kn, am, bp + k0 * NR, yn + m * MR * P, P, rows, (int)cols, bias ? bias + m * MR : nullptr);
          else micro_6x16<true>(kn, am, bp + k0 * NR, yn + m * MR * P, P, rows, (int)cols, nullptr);
        }
      }
    }
    std::free(bp);
  });
  std::free(ap);
}


namespace {

// Row k of the patch matrix of one image over all P output pixels (zeros outside the input).
void patch_row(const ConvGeom& g, const float* x, int64_t k, float* dst) {
  const int64_t OH = g.out[1], OW = g.out[2], H = g.in[1], W = g.in[2];
  const int64_t KV = g.k[1] * g.k[2], c = k / KV, kh = (k % KV) / g.k[2], kw = k % g.k[2];
  const float* xc = x + c * H * W;
  const int64_t sw = g.s[2];
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* d = dst + oh * OW;
    const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
    if (ih < 0 || ih >= H) { std::memset(d, 0, OW * sizeof(float)); continue; }
    const float* row = xc + ih * W;
    const int64_t iw0 = -g.p[2] + kw * g.d[2];
    int64_t ow = 0;
    for (; ow < OW && iw0 + ow * sw < 0; ++ow) d[ow] = 0.f;
    int64_t hi = OW;
    while (hi > ow && iw0 + (hi - 1) * sw >= W) --hi;
    if (sw == 2) {
      for (; ow + 8 <= hi && iw0 + 2 * ow + 16 <= W; ow += 8) {
        const float* q = row + iw0 + 2 * ow;
        const __m256 a = _mm256_loadu_ps(q), b = _mm256_loadu_ps(q + 8);
        const __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        _mm256_storeu_ps(d + ow, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0))));
      }
    }
    for (; ow < hi; ++ow) d[ow] = row[iw0 + ow * sw];
    for (; ow < OW; ++ow) d[ow] = 0.f;
  }
}

}  // namespace

void conv_bwd_weight_microkernel_f32(const ConvGeom& g, const float* gy, const float* x, float* gw) {
  const int64_t K = g.C * g.k[1] * g.k[2], O = g.O, P = g.out[1] * g.out[2], IV = g.in[1] * g.in[2];
  const int64_t mp = (O + MR - 1) / MR, kp = (K + NR - 1) / NR, WN = O * K;
  const int nt = get_num_threads();
  const int64_t macs = g.N * O * K * P;
  const int64_t chunks = (nt > 1 && !in_parallel_region() && macs >= (int64_t(1) << 18)) ? std::min<int64_t>(nt, g.N) : 1;
  std::vector<float> partial((size_t)(std::max<int64_t>(0, chunks - 1) * WN));
  auto body = [&](int64_t ci) {
    const int64_t n0 = g.N * ci / chunks, n1 = g.N * (ci + 1) / chunks;
    float* acc = ci == 0 ? gw : partial.data() + (ci - 1) * WN;
    std::fill(acc, acc + WN, 0.f);
    float* ga = static_cast<float*>(std::aligned_alloc(32, ((mp * P * MR * sizeof(float)) + 31) / 32 * 32));
    float* gb = static_cast<float*>(std::aligned_alloc(32, ((P * NR * sizeof(float)) + 31) / 32 * 32));
    std::vector<float> rows((size_t)(NR * P));
    for (int64_t n = n0; n < n1; ++n) {
      const float* gyn = gy + n * O * P;
      const float* xn = x + n * g.C * IV;
      for (int64_t m = 0; m < mp; ++m)  // ga[m][p][r] = gy[m*6 + r][p]
        for (int r = 0; r < MR; ++r) {
          const int64_t o = m * MR + r;
          float* dst = ga + m * P * MR + r;
          if (o < O) {
            const float* src = gyn + o * P;
            for (int64_t p = 0; p < P; ++p) dst[p * MR] = src[p];
          } else {
            for (int64_t p = 0; p < P; ++p) dst[p * MR] = 0.f;
          }
        }
      for (int64_t q = 0; q < kp; ++q) {
        const int cols = (int)std::min<int64_t>(NR, K - q * NR);
        for (int j = 0; j < cols; ++j) patch_row(g, xn, q * NR + j, rows.data() + j * P);
        for (int j = cols; j < NR; ++j) std::memset(rows.data() + j * P, 0, P * sizeof(float));
        for (int64_t p = 0; p < P; ++p)  // gb[p][j] = rows[j][p]
          for (int j = 0; j < NR; ++j) gb[p * NR + j] = rows[j * P + p];
        for (int64_t m = 0; m < mp; ++m) {
          const int rws = (int)std::min<int64_t>(MR, O - m * MR);
          micro_6x16<true>(P, ga + m * P * MR, gb, acc + m * MR * K + q * NR, K, rws, cols, nullptr);
        }
      }
    }
    std::free(ga);
    std::free(gb);
  };
  if (chunks > 1) {
#pragma omp parallel for schedule(static, 1) num_threads((int)chunks)
    for (int64_t ci = 0; ci < chunks; ++ci) body(ci);
  } else {
    body(0);
  }
  for (int64_t ci = 1; ci < chunks; ++ci) {  // fixed order: deterministic for a thread count
    const float* q = partial.data() + (ci - 1) * WN;
    for (int64_t i = 0; i < WN; ++i) gw[i] += q[i];
  }
}

}  // namespace ember::conv_detail
