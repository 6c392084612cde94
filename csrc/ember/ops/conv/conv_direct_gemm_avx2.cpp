// conv_direct_gemm_avx2.cpp — float32 convolutions on a conv-specific 6x16 AVX2+FMA micro-kernel
// (ungrouped 2-D convs, any kernel/stride/padding/dilation):
//  * forward: weights packed once per call into 6-row panels (K = C*kh*kw deep); each image is
//    copied once, zero-padded and split into its stride phases (SplitImage), so every row of a
//    16-pixel patch panel is one contiguous run: panels are packed with plain vector copies and
//    consumed at once by every weight panel — no col buffer and no second packing by a GEMM;
//  * input gradient: one stride-1 conv of gy per stride phase of gx (sub-kernels of the flipped,
//    transposed weights), computed row group by row group and interleaved into gx;
//  * weight gradient: 6 output channels x 16 patch rows per tile, reduced over pixels (gy and the
//    patch rows, copied from the split image, transposed pixel-major with 8x8 register
//    transposes); for few patch rows (K < 64) a pixel-lane variant that needs no transposes.
// Threads own fixed work ranges; forward and input-gradient results do not depend on the thread
// count, weight gradients sum per-thread partials in a fixed order.
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

// One zero-padded image (C planes of H x W, low padding ph/pw) split into its sh x sw stride
// phases: dst[((c*sh + rh)*sw + rw)*Ha*Wa + a*Wa + b] = x[c][a*sh + rh - ph][b*sw + rw - pw]
// (0 outside). Every patch row a conv reads for consecutive output columns is then one
// contiguous run, so panels are packed without bounds checks or strided gathers.
struct SplitImage {
  int64_t C = 0, H = 0, W = 0, sh = 1, sw = 1, ph = 0, pw = 0, Ha = 0, Wa = 0;
  int64_t size() const { return C * sh * sw * Ha * Wa; }
  // offset of input element (c, row ih + ph, col iw + pw of the padded image)
  int64_t offset(int64_t c, int64_t ihp, int64_t iwp) const {
    return ((c * sh + ihp % sh) * sw + iwp % sw) * Ha * Wa + (ihp / sh) * Wa + iwp / sw;
  }
};

// The split image a conv g reads (stride sh/sw, padding ph/pw; OH x OW outputs, dilated kernel)
SplitImage split_for(int64_t C, int64_t H, int64_t W, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t OH,
                     int64_t OW, int64_t ext_h, int64_t ext_w) {  // ext: (k-1)*d, the kernel's reach
  SplitImage s;
  s.C = C; s.H = H; s.W = W; s.sh = sh; s.sw = sw; s.ph = ph; s.pw = pw;
  s.Ha = ((OH - 1) * sh + ext_h) / sh + 1;
  s.Wa = ((OW - 1) * sw + ext_w) / sw + 1;
  return s;
}

void split_image(const SplitImage& s, const float* x, float* dst) {
  // one zero-padded input row at a time: row[pw + iw] = x[ih][iw], zeros elsewhere (margins stay 0)
  const int64_t L = s.Wa * s.sw + 16, plane = s.Ha * s.Wa, wcopy = std::max<int64_t>(0, std::min(s.W, L - s.pw));
  std::vector<float> row((size_t)L, 0.f);
  for (int64_t c = 0; c < s.C; ++c) {
    const float* xc = x + c * s.H * s.W;
    for (int64_t rh = 0; rh < s.sh; ++rh) {
      float* d0 = dst + (c * s.sh + rh) * s.sw * plane;  // phase rw's plane at d0 + rw*plane
      for (int64_t a = 0; a < s.Ha; ++a) {
        const int64_t ih = a * s.sh + rh - s.ph;
        if (ih < 0 || ih >= s.H) {
          for (int64_t rw = 0; rw < s.sw; ++rw) std::memset(d0 + rw * plane + a * s.Wa, 0, s.Wa * sizeof(float));
          continue;
        }
        if (wcopy > 0) std::memcpy(row.data() + s.pw, xc + ih * s.W, wcopy * sizeof(float));
        const float* r = row.data();
        if (s.sw == 1) {
          std::memcpy(d0 + a * s.Wa, r, s.Wa * sizeof(float));
        } else if (s.sw == 2) {  // even / odd columns into the two phase planes
          float *e = d0 + a * s.Wa, *o = e + plane;
          int64_t b = 0;
          for (; b + 8 <= s.Wa; b += 8) {
            const __m256 va = _mm256_loadu_ps(r + 2 * b), vb = _mm256_loadu_ps(r + 2 * b + 8);
            const __m256 ev = _mm256_shuffle_ps(va, vb, _MM_SHUFFLE(2, 0, 2, 0));
            const __m256 od = _mm256_shuffle_ps(va, vb, _MM_SHUFFLE(3, 1, 3, 1));
            _mm256_storeu_ps(e + b, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), _MM_SHUFFLE(3, 1, 2, 0))));
            _mm256_storeu_ps(o + b, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), _MM_SHUFFLE(3, 1, 2, 0))));
          }
          for (; b < s.Wa; ++b) e[b] = r[2 * b], o[b] = r[2 * b + 1];
        } else {
          for (int64_t rw = 0; rw < s.sw; ++rw)
            for (int64_t b = 0; b < s.Wa; ++b) d0[rw * plane + a * s.Wa + b] = r[b * s.sw + rw];
        }
      }
    }
  }
}

// Where the K x 16 patch panels of one conv come from: row k of output pixel p = (oh, ow) is
// base[koff[k] + oh*ld + ow] (a split image; pixels of one output row are contiguous).
struct PanelSource {
  const float* base;
  const int64_t* koff;
  int64_t K, OW, ld;
};

// Packs output pixels [p0, p0 + n) (n <= 16; several output rows when OW < 16): bp[k][j].
void pack_panel(const PanelSource& src, int64_t p0, int64_t n, float* bp) {
  int64_t seg_j[NR + 1], seg_off[NR];
  int nseg = 0;
  for (int64_t j = 0; j < n;) {
    const int64_t p = p0 + j, oh = p / src.OW, ow = p % src.OW;
    seg_j[nseg] = j;
    seg_off[nseg++] = oh * src.ld + ow;
    j += std::min(n - j, src.OW - ow);
  }
  seg_j[nseg] = n;
  if (nseg == 1 && n == NR) {  // one full run: two vectors per row
    const float* b = src.base + seg_off[0];
    for (int64_t k = 0; k < src.K; ++k) {
      _mm256_store_ps(bp + k * NR, _mm256_loadu_ps(b + src.koff[k]));
      _mm256_store_ps(bp + k * NR + 8, _mm256_loadu_ps(b + src.koff[k] + 8));
    }
    return;
  }
  for (int64_t k = 0; k < src.K; ++k) {
    float* dst = bp + k * NR;
    for (int sgi = 0; sgi < nseg; ++sgi)
      std::memcpy(dst + seg_j[sgi], src.base + src.koff[k] + seg_off[sgi], (seg_j[sgi + 1] - seg_j[sgi]) * sizeof(float));
    for (int64_t j = n; j < NR; ++j) dst[j] = 0.f;
  }
}

// Weights as 6-row panels for M output rows x K: ap[panel][k][r] = a(m*6 + r, k), zero past M.
template <class A>
float* pack_weight_panels(int64_t M, int64_t K, const A& a) {
  const int64_t mp = (M + MR - 1) / MR;
  float* ap = static_cast<float*>(std::aligned_alloc(32, ((mp * MR * K * sizeof(float)) + 31) / 32 * 32));
  for (int64_t m = 0; m < mp; ++m)
    for (int64_t k = 0; k < K; ++k)
      for (int r = 0; r < MR; ++r) ap[(m * K + k) * MR + r] = m * MR + r < M ? a(m * MR + r, k) : 0.f;
  return ap;
}

// K blocks of <= EMBER_CONV_MK_KC (256) rows, equal-sized: a panel's block (kc x 16) stays in L1.
int64_t k_block(int64_t K) {
  static const int64_t kc_max = env_int64("EMBER_CONV_MK_KC", 256);
  const int64_t nkb = (K + kc_max - 1) / kc_max;
  return (K + nkb - 1) / nkb;
}

// Output pixels [p0, p0 + cols) (cols <= 16), all M output rows: packs the patch panel into bp,
// then runs every 6-row weight panel of ap over it block by block. out points at pixel p0 of
// output row 0 (rows ldo apart); bias may be null.
void panel_product(const PanelSource& src, const float* ap, int64_t M, int64_t p0, int64_t cols, float* bp,
                   float* out, int64_t ldo, const float* bias) {
  const int64_t K = src.K, mp = (M + MR - 1) / MR, kc = k_block(K);
  pack_panel(src, p0, cols, bp);
  for (int64_t k0 = 0; k0 < K; k0 += kc) {
    const int64_t kn = std::min(kc, K - k0);
    for (int64_t m = 0; m < mp; ++m) {
      const int rows = (int)std::min<int64_t>(MR, M - m * MR);
      const float* am = ap + (m * K + k0) * MR;
      if (k0 == 0) micro_6x16<false>(kn, am, bp, out + m * MR * ldo, ldo, rows, (int)cols, bias ? bias + m * MR : nullptr);
      else micro_6x16<true>(kn, am, bp + k0 * NR, out + m * MR * ldo, ldo, rows, (int)cols, nullptr);
    }
  }
}

float* alloc_floats(int64_t n) {  // 32-byte aligned, for aligned panel loads
  return static_cast<float*>(std::aligned_alloc(32, ((std::max<int64_t>(n, 8) * sizeof(float)) + 31) / 32 * 32));
}

// The split image of conv g's input and the offset of each patch row k = (c, kh, kw) in it:
// row k of output pixel (oh, ow) is xs[koff[k] + oh*Wa + ow].
SplitImage input_split(const ConvGeom& g, std::vector<int64_t>& koff) {
  const SplitImage si = split_for(g.C, g.in[1], g.in[2], g.s[1], g.s[2], g.p[1], g.p[2], g.out[1], g.out[2],
                                  (g.k[1] - 1) * g.d[1], (g.k[2] - 1) * g.d[2]);
  koff.resize((size_t)(g.C * g.k[1] * g.k[2]));
  for (int64_t c = 0, k = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.k[1]; ++kh)
      for (int64_t kw = 0; kw < g.k[2]; ++kw, ++k) koff[k] = si.offset(c, kh * g.d[1], kw * g.d[2]);
  return si;
}

}  // namespace

void conv_fwd_microkernel_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const int64_t K = g.C * g.k[1] * g.k[2], O = g.O, P = g.out[1] * g.out[2], IV = g.in[1] * g.in[2];
  float* ap = pack_weight_panels(O, K, [&](int64_t o, int64_t k) { return w[o * K + k]; });
  std::vector<int64_t> koff;
  const SplitImage si = input_split(g, koff);
  const int64_t panels = (P + NR - 1) / NR, items = g.N * panels;
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(1, O * K * NR));
  parallel_for(0, items, grain, [&](int64_t i0, int64_t i1) {
    float* bp = alloc_floats(K * NR);
    float* xs = alloc_floats(si.size());
    int64_t have = -1;  // the image xs holds
    for (int64_t it = i0; it < i1; ++it) {
      const int64_t n = it / panels, p0 = (it % panels) * NR, cols = std::min<int64_t>(NR, P - p0);
      if (n != have) split_image(si, x + n * g.C * IV, xs), have = n;
      const PanelSource src{xs, koff.data(), K, g.out[2], si.Wa};
      panel_product(src, ap, O, p0, cols, bp, y + n * O * P + p0, P, bias);
    }
    std::free(bp);
    std::free(xs);
  });
  std::free(ap);
}

namespace {

// One spatial dim of the stride-phase split of an input gradient: input positions i = s*a + r
// receive only the taps k with (r + p - k*d) divisible by s, from output a + (r + p - k*d)/s.
// Sorted by that offset, the taps form a stride-1 conv over gy: n taps, dilation dd, padding pad
// (tap t <-> kernel index k_of[t]). size: how many positions the phase has.
struct PhaseDim {
  int64_t n = 0, dd = 1, pad = 0, size = 0;
  std::vector<int64_t> k_of;
};

PhaseDim phase_dim(int64_t r, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  PhaseDim ph;
  ph.size = r < in ? (in - r + s - 1) / s : 0;
  int64_t off0 = 0;
  for (int64_t kk = k - 1; kk >= 0; --kk) {  // offsets grow as kk falls
    const int64_t num = r + p - kk * d;
    if (((num % s) + s) % s != 0) continue;
    if (ph.n == 0) off0 = num / s;
    else if (ph.n == 1) ph.dd = num / s - off0;
    ph.k_of.push_back(kk);
    ++ph.n;
  }
  ph.pad = -off0;
  return ph;
}

// Zero margins of gy that cover every phase: rows -lo .. OH - 1 + hi are read.
void phase_margins(const std::vector<PhaseDim>& ph, int64_t OH, int64_t& lo, int64_t& hi) {
  lo = hi = 0;
  for (const PhaseDim& d : ph) {
    if (d.n == 0 || d.size == 0) continue;
    lo = std::max(lo, d.pad);
    hi = std::max(hi, d.size - 1 - d.pad + (d.n - 1) * d.dd - (OH - 1));
  }
}

}  // namespace

void conv_bwd_input_microkernel_f32(const ConvGeom& g, const float* gy, const float* w, float* gx) {
  const int64_t C = g.C, O = g.O, H = g.in[1], W = g.in[2], KH = g.k[1], KW = g.k[2];
  const int64_t OH = g.out[1], OW = g.out[2], OP = OH * OW, IV = H * W, sh = g.s[1], sw = g.s[2];
  std::vector<PhaseDim> ph_h(sh), ph_w(sw);
  for (int64_t r = 0; r < sh; ++r) ph_h[r] = phase_dim(r, H, KH, sh, g.p[1], g.d[1]);
  for (int64_t r = 0; r < sw; ++r) ph_w[r] = phase_dim(r, W, KW, sw, g.p[2], g.d[2]);
  // gy with zero margins (one copy per image serves every phase)
  int64_t lo_h, hi_h, lo_w, hi_w;
  phase_margins(ph_h, OH, lo_h, hi_h);
  phase_margins(ph_w, OW, lo_w, hi_w);
  const SplitImage gs = split_for(O, OH, OW, 1, 1, lo_h, lo_w, OH + lo_h + hi_h, OW + lo_w + hi_w, 0, 0);
  // phase (rh, rw): a stride-1 conv of gy (O channels) into C channels, weights flipped/transposed
  std::vector<float*> ap(sh * sw, nullptr);
  std::vector<std::vector<int64_t>> koff(sh * sw);
  int64_t kmax = 1;
  for (int64_t rh = 0; rh < sh; ++rh)
    for (int64_t rw = 0; rw < sw; ++rw) {
      const PhaseDim &a = ph_h[rh], &b = ph_w[rw];
      const int64_t Kp = O * a.n * b.n, q = rh * sw + rw;
      if (Kp == 0) continue;
      kmax = std::max(kmax, Kp);
      ap[q] = pack_weight_panels(C, Kp, [&](int64_t c, int64_t k) {
        const int64_t o = k / (a.n * b.n), th = (k / b.n) % a.n, tw = k % b.n;
        return w[((o * C + c) * KH + a.k_of[th]) * KW + b.k_of[tw]];
      });
      koff[q].resize(Kp);
      for (int64_t k = 0; k < Kp; ++k) {
        const int64_t o = k / (a.n * b.n), th = (k / b.n) % a.n, tw = k % b.n;
        koff[q][k] = gs.offset(o, lo_h - a.pad + th * a.dd, lo_w - b.pad + tw * b.dd);
      }
    }
  // work items: (image, row phase rh, group of phase rows); a group holds >= 16 pixels of phase
  // (rh, 0) so panels are full, and all sw column phases of its rows are computed into buf, then
  // interleaved into gx rows
  struct RowTask { int64_t rh, a0, a1; };
  std::vector<RowTask> tasks;
  const int64_t pw0 = std::max<int64_t>(1, ph_w[0].size);
  const int64_t rg = std::max<int64_t>(1, (NR + pw0 - 1) / pw0);
  for (int64_t rh = 0; rh < sh; ++rh)
    for (int64_t a0 = 0; a0 < ph_h[rh].size; a0 += rg) tasks.push_back({rh, a0, std::min(ph_h[rh].size, a0 + rg)});
  const int64_t nt = (int64_t)tasks.size(), items = g.N * nt;
  int64_t buf_n = 0;
  for (int64_t rw = 0; rw < sw; ++rw) buf_n += C * rg * ph_w[rw].size;
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(1, C * kmax * NR * rg));
  parallel_for(0, items, grain, [&](int64_t i0, int64_t i1) {
    float* bp = alloc_floats(kmax * NR);
    float* gys = alloc_floats(gs.size());
    int64_t have = -1;  // the image gys holds
    std::vector<float> buf((size_t)buf_n);
    std::vector<const float*> src(sw);
    for (int64_t it = i0; it < i1; ++it) {
      const int64_t n = it / nt;
      const RowTask t = tasks[it % nt];
      const int64_t rows = t.a1 - t.a0;
      if (n != have) split_image(gs, gy + n * O * OP, gys), have = n;
      float* bw = buf.data();
      for (int64_t rw = 0; rw < sw; ++rw) {
        const int64_t q = t.rh * sw + rw, pw = ph_w[rw].size, gp = rows * pw;  // pixels of this phase in the group
        src[rw] = ap[q] ? bw : nullptr;
        if (src[rw]) {
          const PanelSource ps{gys, koff[q].data(), (int64_t)koff[q].size(), pw, gs.Wa};
          for (int64_t p0 = 0; p0 < gp; p0 += NR)
            panel_product(ps, ap[q], C, t.a0 * pw + p0, std::min<int64_t>(NR, gp - p0), bp, bw + p0, gp, nullptr);
        }
        bw += C * gp;
      }
      // gx[c][a*sh + rh][b*sw + rw] = phase (rh, rw)[c][a][b]; phases without taps give zeros
      for (int64_t c = 0; c < C; ++c)
        for (int64_t a = t.a0; a < t.a1; ++a) {
          float* dst = gx + (n * C + c) * IV + (a * sh + t.rh) * W;
          int64_t b0 = 0;
          if (sw == 2 && src[0] && src[1]) {
            const float* e = src[0] + (c * rows + a - t.a0) * ph_w[0].size;
            const float* o = src[1] + (c * rows + a - t.a0) * ph_w[1].size;
            for (; b0 + 8 <= ph_w[1].size; b0 += 8) {
              const __m256 ve = _mm256_loadu_ps(e + b0), vo = _mm256_loadu_ps(o + b0);
              const __m256 lo = _mm256_unpacklo_ps(ve, vo), hi = _mm256_unpackhi_ps(ve, vo);
              _mm256_storeu_ps(dst + 2 * b0, _mm256_permute2f128_ps(lo, hi, 0x20));
              _mm256_storeu_ps(dst + 2 * b0 + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
            }
          }
          for (int64_t rw = 0; rw < sw; ++rw) {
            const int64_t pw = ph_w[rw].size;
            const float* sp = src[rw] ? src[rw] + (c * rows + a - t.a0) * pw : nullptr;
            for (int64_t b = b0; b < pw; ++b) dst[b * sw + rw] = sp ? sp[b] : 0.f;
          }
        }
    }
    std::free(bp);
    std::free(gys);
  });
  for (float* a : ap) std::free(a);
}

namespace {

// Row k of the patch matrix of one image over its OH x OW output pixels, from the split image
// xs (input_split's koff[k]): one contiguous run per output row.
void patch_row(const float* xs, int64_t koff, int64_t ld, int64_t OH, int64_t OW, float* dst) {
  for (int64_t oh = 0; oh < OH; ++oh) std::memcpy(dst + oh * OW, xs + koff + oh * ld, OW * sizeof(float));
}

// In-register 8x8 transpose: r[i][j] -> r[j][i].
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x20);
    r[4 + i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x31);
  }
}

// dst[p][j] = src[j][p] for p in [0, P), j in [0, R) (R = 6 or 16; a null row gives zeros).
// R = 6 stores 8 floats per pixel (the 2 extra are overwritten by the next pixel): dst needs 2
// floats of slack past its end.
template <int R>
void transpose_rows(const float* const* src, int64_t P, float* dst) {
  static_assert(R == MR || R == NR, "6- or 16-row panels");
  constexpr int G = (R + 7) / 8;
  int64_t p = 0;
  for (; p + 8 <= P; p += 8)
    for (int gi = 0; gi < G; ++gi) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) {
        const int j = gi * 8 + i;
        r[i] = j < R && src[j] ? _mm256_loadu_ps(src[j] + p) : _mm256_setzero_ps();
      }
      transpose8(r);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + (p + i) * R + gi * 8, r[i]);
    }
  for (; p < P; ++p)
    for (int j = 0; j < R; ++j) dst[p * R + j] = src[j] ? src[j][p] : 0.f;
}

// Weight gradients over fixed image ranges: body(n0, n1, acc) accumulates images [n0, n1) into
// acc (O*K floats, zeroed here); the per-chunk partials are summed in chunk order, so results
// are deterministic for a thread count.
template <class F>
void weight_grad_chunks(const ConvGeom& g, float* gw, const F& body) {
  const int64_t K = g.C * g.k[1] * g.k[2], WN = g.O * K, macs = g.N * g.O * K * g.out[1] * g.out[2];
  const int nt = get_num_threads();
  const int64_t chunks = (nt > 1 && !in_parallel_region() && macs >= (int64_t(1) << 18)) ? std::min<int64_t>(nt, g.N) : 1;
  std::vector<float> partial((size_t)(std::max<int64_t>(0, chunks - 1) * WN));
  auto run = [&](int64_t ci) {
    float* acc = ci == 0 ? gw : partial.data() + (ci - 1) * WN;
    std::fill(acc, acc + WN, 0.f);
    body(g.N * ci / chunks, g.N * (ci + 1) / chunks, acc);
  };
  if (chunks > 1) {
#pragma omp parallel for schedule(static, 1) num_threads((int)chunks)
    for (int64_t ci = 0; ci < chunks; ++ci) run(ci);
  } else {
    run(0);
  }
  for (int64_t ci = 1; ci < chunks; ++ci) {  // fixed order
    const float* q = partial.data() + (ci - 1) * WN;
    for (int64_t i = 0; i < WN; ++i) gw[i] += q[i];
  }
}

}  // namespace

void conv_bwd_weight_microkernel_f32(const ConvGeom& g, const float* gy, const float* x, float* gw) {
  const int64_t K = g.C * g.k[1] * g.k[2], O = g.O, P = g.out[1] * g.out[2], IV = g.in[1] * g.in[2];
  const int64_t mp = (O + MR - 1) / MR, kp = (K + NR - 1) / NR, OH = g.out[1], OW = g.out[2];
  std::vector<int64_t> koff;
  const SplitImage si = input_split(g, koff);
  weight_grad_chunks(g, gw, [&](int64_t n0, int64_t n1, float* acc) {
    float* xs = alloc_floats(si.size());
    float* ga = static_cast<float*>(std::aligned_alloc(32, (((mp * P * MR + 8) * sizeof(float)) + 31) / 32 * 32));
    float* gb = static_cast<float*>(std::aligned_alloc(32, ((P * NR * sizeof(float)) + 31) / 32 * 32));
    std::vector<float> rows((size_t)(NR * P));
    for (int64_t n = n0; n < n1; ++n) {
      const float* gyn = gy + n * O * P;
      split_image(si, x + n * g.C * IV, xs);
      for (int64_t m = 0; m < mp; ++m) {  // ga[m][p][r] = gy[m*6 + r][p]
        const float* src[MR];
        for (int r = 0; r < MR; ++r) src[r] = m * MR + r < O ? gyn + (m * MR + r) * P : nullptr;
        transpose_rows<MR>(src, P, ga + m * P * MR);
      }
      for (int64_t q = 0; q < kp; ++q) {
        const int cols = (int)std::min<int64_t>(NR, K - q * NR);
        const float* src[NR];
        for (int j = 0; j < NR; ++j) {
          if (j < cols) patch_row(xs, koff[q * NR + j], si.Wa, OH, OW, rows.data() + j * P);
          src[j] = j < cols ? rows.data() + j * P : nullptr;
        }
        transpose_rows<NR>(src, P, gb);  // gb[p][j] = rows[j][p]
        for (int64_t m = 0; m < mp; ++m) {
          const int rws = (int)std::min<int64_t>(MR, O - m * MR);
          micro_6x16<true>(P, ga + m * P * MR, gb, acc + m * MR * K + q * NR, K, rws, cols, nullptr);
        }
      }
    }
    std::free(ga);
    std::free(gb);
    std::free(xs);
  });
}

void conv_bwd_weight_lanes_f32(const ConvGeom& g, const float* gy, const float* x, float* gw) {
  constexpr int BO = 4, BK = 3;  // 12 accumulators of 8 pixel lanes
  const int64_t K = g.C * g.k[1] * g.k[2], O = g.O, P = g.out[1] * g.out[2], IV = g.in[1] * g.in[2];
  const int64_t P8 = (P + 7) / 8 * 8, ob = (O + BO - 1) / BO, kb = (K + BK - 1) / BK, pv = P / 8;
  std::vector<int64_t> koff;
  const SplitImage si = input_split(g, koff);
  const int tail = (int)(P - pv * 8);
  alignas(32) static const int kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i tmask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - tail));
  weight_grad_chunks(g, gw, [&](int64_t n0, int64_t n1, float* acc) {
    // patch rows of one image (rows past K and pixels past P stay zero), lane sums acc8[o][k][8]
    float* rows = static_cast<float*>(std::aligned_alloc(32, kb * BK * P8 * sizeof(float)));
    float* acc8 = static_cast<float*>(std::aligned_alloc(32, ob * BO * kb * BK * 8 * sizeof(float)));
    std::vector<float> zero_row((size_t)P8, 0.f);
    std::memset(rows, 0, kb * BK * P8 * sizeof(float));
    std::memset(acc8, 0, ob * BO * kb * BK * 8 * sizeof(float));
    float* xs = alloc_floats(si.size());
    for (int64_t n = n0; n < n1; ++n) {
      const float* gyn = gy + n * O * P;
      split_image(si, x + n * g.C * IV, xs);
      for (int64_t k = 0; k < K; ++k) patch_row(xs, koff[k], si.Wa, g.out[1], g.out[2], rows + k * P8);
      for (int64_t obi = 0; obi < ob; ++obi) {
        const float* gr[BO];
        for (int i = 0; i < BO; ++i) gr[i] = obi * BO + i < O ? gyn + (obi * BO + i) * P : zero_row.data();
        for (int64_t kbi = 0; kbi < kb; ++kbi) {
          const float* xr = rows + kbi * BK * P8;
          __m256 c[BO][BK];
          for (int i = 0; i < BO; ++i)
            for (int j = 0; j < BK; ++j) c[i][j] = _mm256_setzero_ps();
          auto step = [&](int64_t p, bool last) {
            const __m256 x0 = _mm256_load_ps(xr + p), x1 = _mm256_load_ps(xr + P8 + p), x2 = _mm256_load_ps(xr + 2 * P8 + p);
            for (int i = 0; i < BO; ++i) {
              const __m256 y = last ? _mm256_maskload_ps(gr[i] + p, tmask) : _mm256_loadu_ps(gr[i] + p);
              c[i][0] = _mm256_fmadd_ps(y, x0, c[i][0]);
              c[i][1] = _mm256_fmadd_ps(y, x1, c[i][1]);
              c[i][2] = _mm256_fmadd_ps(y, x2, c[i][2]);
            }
          };
          for (int64_t v = 0; v < pv; ++v) step(v * 8, false);
          if (tail) step(pv * 8, true);
          for (int i = 0; i < BO; ++i)
            for (int j = 0; j < BK; ++j) {
              float* a8 = acc8 + ((obi * BO + i) * kb * BK + kbi * BK + j) * 8;
              _mm256_store_ps(a8, _mm256_add_ps(_mm256_load_ps(a8), c[i][j]));
            }
        }
      }
    }
    for (int64_t o = 0; o < O; ++o)  // fixed-order lane sums
      for (int64_t k = 0; k < K; ++k) {
        const float* a8 = acc8 + (o * kb * BK + k) * 8;
        acc[o * K + k] = ((a8[0] + a8[1]) + (a8[2] + a8[3])) + ((a8[4] + a8[5]) + (a8[6] + a8[7]));
      }
    std::free(rows);
    std::free(acc8);
    std::free(xs);
  });
}

}  // namespace ember::conv_detail
