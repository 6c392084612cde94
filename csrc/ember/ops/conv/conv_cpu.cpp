// conv_cpu.cpp — fast CPU convolutions. Five strategies, chosen per problem:
//  * Winograd F(2x2,3x3) (float32, 3x3, stride 1, dilation 1, ungrouped 2-D, >= 16 channels in
//    and out, AVX2): conv_winograd_avx2.cpp; the input gradient runs it as the flipped-kernel
//    forward (bwd_input_as_conv), the weight gradient in the transformed domain.
//  * conv micro-kernel (float32, strided ungrouped 2-D, K >= 128, AVX2; forward, input and
//    weight gradients): conv_direct_gemm_avx2.cpp packs 16-pixel patch panels from a padded,
//    stride-phase-split copy of each image for a 6x16 FMA kernel (no col buffer, no GEMM
//    re-pack); the input gradient runs one stride-1 sub-kernel conv per stride phase (no col2im).
//    Few patch rows (K < 64, a first layer): a pixel-lane weight gradient on the same file.
//  * pointwise (1x1, stride 1, no padding): the conv is a GEMM on the NC* data itself.
//  * implicit GEMM (C/groups > 1): output pixels are processed in column blocks (a pixel tile of
//    one image, or several whole small images); for each block the input patch matrix
//    (K = C/groups * kvol rows) is packed on the fly into a per-thread buffer of at most
//    ~kColBudget elements (never a full im2col of a big problem) and multiplied with the GEMM
//    kernels of ops/gemm (public gemm() API); float32 stride-2 rows are gathered with AVX2
//    (conv_pack_avx2.cpp). Backward-input runs the transposed GEMM into a
//    block and scatters it back (col2im); backward-weight accumulates W-shaped GEMMs.
//  * direct (C/groups == 1: depthwise convs and single-input-channel convs such as the book's
//    Conv1d(1, 15, 3, stride 2)): per-ISA loops in conv_direct_kernels.inc on zero-padded,
//    phase-split input planes (unit-stride taps for any stride), no GEMM overhead; stride-1
//    depthwise input gradients run as the flipped-kernel forward; conv_bwd_fused_cpu makes all
//    three float32 depthwise 3x3 gradients in one pass over grad_output.
// Threads: fixed chunks of whole images (each thread packs its own blocks and calls a
// single-threaded GEMM); below kParallelMacs everything stays on the calling thread.
// Backward-weight sums one partial per chunk in chunk order: results never depend on timing.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>
#include <omp.h>

#include "ember/core/parallel.h"
#include "ember/ops/conv/conv_impl.h"
#include "ember/ops/conv/conv_direct_kernels.h"
#include "ember/ops/conv/conv_winograd.h"
#include "ember/ops/conv/conv_pack.h"
#include "ember/ops/conv/conv_direct_gemm.h"
#include "ember/ops/gemm/gemm.h"

namespace ember::conv_detail {

namespace {

constexpr int64_t kColBudget = 192 * 1024;  // elements of one packed tile (768 KB of float: ~L2)
constexpr int64_t kParallelMacs = 1 << 18;  // below this a parallel region costs more than it saves

int64_t conv_macs(const ConvGeom& g) { return g.N * g.O * g.out_vol() * g.Cg() * g.k_vol(); }

// Output columns ow in [lo, hi) whose tap ow*s - p + off (off = kernel offset k*d) lies in [0, in).
inline void valid_cols(int64_t off, int64_t s, int64_t p, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  const int64_t a = p - off;  // need ow*s >= a and ow*s <= in - 1 + a
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  const int64_t b = in - 1 + a;
  hi = b < 0 ? 0 : b / s + 1;
  lo = std::min(lo, out);
  hi = std::min(std::max(hi, lo), out);
}

// Packs columns [p0, p1) of the patch matrix of one image/group (Cg input planes at x) into
// col (K rows, p1-p0 columns). ADD=true instead scatters col back with += (col2im).
template <bool ADD, class T>
void patch_tile(const ConvGeom& g, const T* x, int64_t p0, int64_t p1, T* col, int64_t ld) {
  const bool s2_simd = std::is_same_v<T, float> && !ADD && g.s[2] == 2 && cpu_isa() != Isa::Baseline;
  const int64_t KV = g.k_vol(), K = g.Cg() * KV, IV = g.in_vol();
  const int64_t o1 = g.out[1], o2 = g.out[2];
  for (int64_t r = 0; r < K; ++r) {
    const int64_t c = r / KV, kk = r % KV;
    const int64_t kd = kk / (g.k[1] * g.k[2]), kh = (kk / g.k[2]) % g.k[1], kw = kk % g.k[2];
    int64_t lo, hi;
    valid_cols(kw * g.d[2], g.s[2], g.p[2], g.in[2], o2, lo, hi);
    T* xc = const_cast<T*>(x) + c * IV;
    T* dst = col + r * ld;
    int64_t p = p0, od = p0 / (o1 * o2), oh = (p0 / o2) % o1, ow = p0 % o2;
    while (p < p1) {
      const int64_t seg = std::min(o2 - ow, p1 - p);
      const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0], ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
        if (!ADD) std::memset(dst, 0, seg * sizeof(T));
      } else {
        T* row = xc + (id * g.in[1] + ih) * g.in[2] - g.p[2] + kw * g.d[2];  // row[ow*s] is the tap
        const int64_t a = std::max(ow, lo), b = std::min(ow + seg, hi);
        if (!ADD) {
          for (int64_t j = ow; j < std::min(a, ow + seg); ++j) dst[j - ow] = T(0);
          if (g.s[2] == 1) {
            if (b > a) std::memcpy(dst + (a - ow), row + a, (b - a) * sizeof(T));
          } else if (s2_simd) {
            // the input plane of channel c ends at xc + IV: vector loads stay inside it
            if constexpr (std::is_same_v<T, float>)
              if (b > a) copy_stride2_f32_avx2(row + 2 * a, dst + (a - ow), b - a, (xc + IV) - (row + 2 * a));
          } else {
            for (int64_t j = a; j < b; ++j) dst[j - ow] = row[j * g.s[2]];
          }
          for (int64_t j = std::max(a, b); j < ow + seg; ++j) dst[j - ow] = T(0);
        } else {
          if (g.s[2] == 1) {
            for (int64_t j = a; j < b; ++j) row[j] += dst[j - ow];
          } else {
            for (int64_t j = a; j < b; ++j) row[j * g.s[2]] += dst[j - ow];
          }
        }
      }
      dst += seg;
      p += seg;
      ow = 0;
      if (++oh == o1) { oh = 0; ++od; }
    }
  }
}

// GEMM column blocks. A block is images [n0, n1) x output pixels [p0, p1) of each image; its
// columns are (image, pixel) pairs. Big images are cut into pixel tiles (one image per block);
// small ones (deep layers with 4x4..16x16 outputs) are grouped so a GEMM sees >= kMinCols
// columns: the weight is then packed once per block rather than once per image, and the
// weight-gradient GEMM gets a long inner dimension instead of one of 16.
constexpr int64_t kMinCols = 256;

struct Blocking {
  int64_t pt = 0, nb = 1;  // pixels per tile, images per block
  int64_t count = 0;       // number of blocks
  int64_t tiles = 1;       // pixel tiles per image (nb == 1 when tiles > 1)
};

Blocking make_blocking(const ConvGeom& g) {
  const int64_t K = g.Cg() * g.k_vol(), P = g.out_vol();
  Blocking b;
  // >= kMinCols columns per GEMM: the weight (A) is re-packed per call, so short tiles pay for it
  const int64_t budget = std::max<int64_t>(kMinCols, kColBudget / std::max<int64_t>(1, K));
  if (P >= kMinCols || P > budget) {
    b.pt = P <= budget ? P : std::max<int64_t>(64, budget / 16 * 16);
    b.tiles = (P + b.pt - 1) / b.pt;
    b.count = g.N * b.tiles;
  } else {
    b.pt = P;
    b.nb = std::max<int64_t>(1, std::min<int64_t>(std::min(g.N, (kMinCols + P - 1) / P), std::max<int64_t>(1, budget / P)));
    b.count = (g.N + b.nb - 1) / b.nb;
  }
  return b;
}

struct Block {
  int64_t n0, n1, p0, p1;
  int64_t cols() const { return (n1 - n0) * (p1 - p0); }
};

inline Block block_at(const ConvGeom& g, const Blocking& bl, int64_t i) {
  if (bl.tiles > 1 || bl.nb == 1) {
    const int64_t n = i / bl.tiles, t = i % bl.tiles;
    return {n, n + 1, t * bl.pt, std::min(g.out_vol(), (t + 1) * bl.pt)};
  }
  return {i * bl.nb, std::min(g.N, (i + 1) * bl.nb), 0, g.out_vol()};
}

// Splits [0, count) blocks into `chunks` fixed ranges and runs body(chunk, b, e) (in parallel
// when the problem is big enough). Ranges are whole images (multiples of the tiles per image):
// backward-input scatters into an image from all of its tiles. chunks depends only on the
// problem and the thread count.
template <class F>
int64_t for_block_chunks(const ConvGeom& g, const Blocking& bl, const F& body) {
  const int nt = get_num_threads();
  const int64_t count = bl.count, units = count / bl.tiles;
  const bool par = units >= 2 && nt > 1 && !in_parallel_region() && conv_macs(g) >= kParallelMacs;
  const int64_t chunks = par ? std::min<int64_t>(nt, units) : 1;
  if (chunks > 1) {
#pragma omp parallel for schedule(static, 1) num_threads((int)chunks)
    for (int64_t c = 0; c < chunks; ++c)
      body(c, units * c / chunks * bl.tiles, units * (c + 1) / chunks * bl.tiles);
  } else {
    body(0, 0, count);
  }
  return chunks;
}

}  // namespace

// The direct kernels (C/groups == 1), built per ISA (conv_direct_*.cpp).
template <class T>
void direct_call_fwd(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const ConvDirectKernels* k = conv_direct_kernels(cpu_isa());
  if constexpr (std::is_same_v<T, float>) k->fwd_f(g, x, w, b, y); else k->fwd_d(g, x, w, b, y);
}
template <class T>
void direct_call_bwd_input(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  const ConvDirectKernels* k = conv_direct_kernels(cpu_isa());
  if constexpr (std::is_same_v<T, float>) k->bwd_input_f(g, gy, w, gx); else k->bwd_input_d(g, gy, w, gx);
}
template <class T>
void direct_call_bwd_weight(const ConvGeom& g, const T* gy, const T* x, T* gw) {
  const ConvDirectKernels* k = conv_direct_kernels(cpu_isa());
  if constexpr (std::is_same_v<T, float>) k->bwd_weight_f(g, gy, x, gw); else k->bwd_weight_d(g, gy, x, gw);
}

bool conv_bwd_fused_cpu(const ConvGeom& g, const float* gy, const float* x, const float* w, float* gx, float* gw,
                        float* gb) {
  return conv_direct_kernels(cpu_isa())->bwd_fused_f(g, gy, x, w, gx, gw, gb);
}

bool winograd_eligible(const ConvGeom& g) {
  static const bool enabled = env_switch("EMBER_CONV_WINOGRAD");
  if (!enabled || cpu_isa() == Isa::Baseline) return false;
  if (g.G != 1 || g.C < 16 || g.O < 16 || g.in[0] != 1 || g.k[0] != 1) return false;
  // the transformed weight (and each thread's weight-gradient partial) holds 16 * O * C floats
  if (g.O * g.C > (int64_t(1) << 20)) return false;
  for (int i = 1; i < 3; ++i)
    if (g.k[i] != 3 || g.s[i] != 1 || g.d[i] != 1 || g.p[i] > 2) return false;
  return g.N > 0 && g.out[1] > 0 && g.out[2] > 0;
}

// Strided ungrouped 2-D float32 convs with K = C*kh*kw >= 128 run on the conv micro-kernel
// (conv_direct_gemm_avx2.cpp): forward, input and weight gradients.
bool strided_microkernel_eligible(const ConvGeom& g) {
  return g.G == 1 && g.in[0] == 1 && g.k[0] == 1 && (g.s[1] > 1 || g.s[2] > 1) && g.Cg() * g.k_vol() >= 128 &&
         cpu_isa() != Isa::Baseline;
}

// Few patch rows (a first layer: K = 3*3*3 = 27): the weight gradient keeps the pixels in the
// vector lanes (conv_bwd_weight_lanes_f32). Measured 1.3x faster than the transposed implicit
// GEMM on ResNet's 3->64 first layer; the forward and the input gradient stay on the implicit
// GEMM (the 6x16 micro-kernel wastes half its rows on C = 3 input-gradient rows, and was no
// faster forward at K = 27). EMBER_CONV_LANES=0 turns it off.
bool few_patch_rows_eligible(const ConvGeom& g) {
  static const bool on = env_switch("EMBER_CONV_LANES");
  return on && g.G == 1 && g.in[0] == 1 && g.k[0] == 1 && g.Cg() * g.k_vol() < 64 && !g.pointwise() &&
         cpu_isa() != Isa::Baseline;
}

// ---- entry points ----------------------------------------------------------------------------------
template <class T>
void conv_fwd_cpu(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  if (g.Cg() == 1) return direct_call_fwd(g, x, w, bias, y);
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_eligible(g)) return winograd_fwd_f32(g, x, w, bias, y);
    // strided ungrouped 2-D convs (where the col buffer + GEMM re-pack cost the most): the
    // conv-specific micro-kernel; measured 6-10% faster forward than the implicit GEMM on the
    // ResNet stride-2 shapes, slower on shallow ones (1x1 64->128 s2: K = 64). EMBER_CONV_MK=0
    // turns it off.
    static const bool mk = env_switch("EMBER_CONV_MK");
    if (mk && strided_microkernel_eligible(g)) return conv_fwd_microkernel_f32(g, x, w, bias, y);
  }
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), P = g.out_vol(), K = Cg * g.k_vol();
  const bool pw = g.pointwise();
  const Blocking bl = make_blocking(g);
  for_block_chunks(g, bl, [&](int64_t, int64_t b0, int64_t b1) {
    std::vector<T> col, ybuf;
    for (int64_t bi = b0; bi < b1; ++bi) {
      const Block blk = block_at(g, bl, bi);
      const int64_t nc = blk.cols(), pt = blk.p1 - blk.p0, ni = blk.n1 - blk.n0;
      if (!(pw && ni == 1)) col.resize(K * nc);
      if (ni > 1) ybuf.resize(Og * nc);
      for (int64_t grp = 0; grp < g.G; ++grp) {
        const T* wg = w + grp * Og * K;
        if (pw && ni == 1) {
          const T* xg = x + (blk.n0 * g.C + grp * Cg) * IV;
          gemm(false, false, Og, P, Cg, T(1), wg, Cg, xg, P, T(0), y + (blk.n0 * g.O + grp * Og) * P, P);
          continue;
        }
        for (int64_t i = 0; i < ni; ++i) {
          const T* xg = x + ((blk.n0 + i) * g.C + grp * Cg) * IV;
          if (pw) {
            for (int64_t c = 0; c < Cg; ++c) std::memcpy(col.data() + c * nc + i * pt, xg + c * IV, pt * sizeof(T));
          } else {
            patch_tile<false>(g, xg, blk.p0, blk.p1, col.data() + i * pt, nc);
          }
        }
        if (ni == 1) {
          gemm(false, false, Og, nc, K, T(1), wg, K, col.data(), nc, T(0), y + (blk.n0 * g.O + grp * Og) * P + blk.p0, P);
        } else {
          gemm(false, false, Og, nc, K, T(1), wg, K, col.data(), nc, T(0), ybuf.data(), nc);
          for (int64_t i = 0; i < ni; ++i)
            for (int64_t o = 0; o < Og; ++o)
              std::memcpy(y + ((blk.n0 + i) * g.O + grp * Og + o) * P, ybuf.data() + o * nc + i * P, P * sizeof(T));
        }
      }
      if (bias)
        for (int64_t n = blk.n0; n < blk.n1; ++n)
          for (int64_t o = 0; o < g.O; ++o) {
            T* q = y + (n * g.O + o) * P;
            const T bv = bias[o];
            for (int64_t j = blk.p0; j < blk.p1; ++j) q[j] += bv;
          }
    }
  });
}

// Stride 1: the input gradient is itself a convolution of grad_output with the kernel flipped
// in space and in/out channels swapped, padded d*(k-1)-p. For depthwise convs this runs the
// fast stride-1 direct forward instead of the scatter loop.
template <class T>
bool bwd_input_as_conv(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  ConvGeom t = g;
  for (int i = 0; i < 3; ++i) {
    if (g.s[i] != 1 || g.d[i] * (g.k[i] - 1) < g.p[i]) return false;
    t.in[i] = g.out[i];
    t.out[i] = g.in[i];
    t.p[i] = g.d[i] * (g.k[i] - 1) - g.p[i];
  }
  t.C = g.O;
  t.O = g.C;
  const int64_t Cg = g.Cg(), Og = g.Og(), KV = g.k_vol();
  std::vector<T> wt((size_t)(g.O * Cg * KV));  // (C, O/groups, k), flipped in space
  for (int64_t grp = 0; grp < g.G; ++grp)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t c = 0; c < Cg; ++c) {
        const T* src = w + ((grp * Og + o) * Cg + c) * KV;
        T* dst = wt.data() + ((grp * Cg + c) * Og + o) * KV;
        for (int64_t k = 0; k < KV; ++k) dst[KV - 1 - k] = src[k];
      }
  conv_fwd_cpu<T>(t, gy, wt.data(), nullptr, gx);
  return true;
}

template <class T>
void conv_bwd_input_cpu(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  if (g.Cg() == 1 && g.Og() == 1 && bwd_input_as_conv(g, gy, w, gx)) return;
  // 3x3 stride 1: the flipped-kernel conv is again a Winograd-eligible forward
  if (std::is_same_v<T, float> && winograd_eligible(g) && bwd_input_as_conv(g, gy, w, gx)) return;
  if (g.Cg() == 1) return direct_call_bwd_input(g, gy, w, gx);
  if constexpr (std::is_same_v<T, float>) {
    // stride-phase split on the micro-kernel (no col2im); EMBER_CONV_MKI=0 turns it off
    static const bool mki = env_switch("EMBER_CONV_MKI");
    if (mki && strided_microkernel_eligible(g)) return conv_bwd_input_microkernel_f32(g, gy, w, gx);
  }
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), P = g.out_vol(), K = Cg * g.k_vol();
  const bool pw = g.pointwise();
  const Blocking bl = make_blocking(g);
  for_block_chunks(g, bl, [&](int64_t, int64_t b0, int64_t b1) {
    std::vector<T> col, gbuf;
    for (int64_t bi = b0; bi < b1; ++bi) {
      const Block blk = block_at(g, bl, bi);
      const int64_t nc = blk.cols(), pt = blk.p1 - blk.p0, ni = blk.n1 - blk.n0;
      col.resize(K * nc);
      if (ni > 1) gbuf.resize(Og * nc);
      if (blk.p0 == 0 && !pw)
        std::fill(gx + blk.n0 * g.C * IV, gx + blk.n1 * g.C * IV, T(0));
      for (int64_t grp = 0; grp < g.G; ++grp) {
        const T* wg = w + grp * Og * K;
        if (pw && ni == 1) {
          gemm(true, false, Cg, P, Og, T(1), wg, Cg, gy + (blk.n0 * g.O + grp * Og) * P, P, T(0),
               gx + (blk.n0 * g.C + grp * Cg) * IV, P);
          continue;
        }
        if (ni == 1) {
          gemm(true, false, K, nc, Og, T(1), wg, K, gy + (blk.n0 * g.O + grp * Og) * P + blk.p0, P, T(0), col.data(), nc);
        } else {
          for (int64_t i = 0; i < ni; ++i)
            for (int64_t o = 0; o < Og; ++o)
              std::memcpy(gbuf.data() + o * nc + i * P, gy + ((blk.n0 + i) * g.O + grp * Og + o) * P, P * sizeof(T));
          gemm(true, false, K, nc, Og, T(1), wg, K, gbuf.data(), nc, T(0), col.data(), nc);
        }
        for (int64_t i = 0; i < ni; ++i) {
          T* xg = gx + ((blk.n0 + i) * g.C + grp * Cg) * IV;
          if (pw) {
            for (int64_t c = 0; c < Cg; ++c) std::memcpy(xg + c * IV, col.data() + c * nc + i * pt, pt * sizeof(T));
          } else {
            patch_tile<true>(g, xg, blk.p0, blk.p1, col.data() + i * pt, nc);
          }
        }
      }
    }
  });
}

template <class T>
void conv_bwd_weight_cpu(const ConvGeom& g, const T* gy, const T* x, T* gw) {
  if (g.Cg() == 1) return direct_call_bwd_weight(g, gy, x, gw);
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_eligible(g)) return winograd_bwd_weight_f32(g, gy, x, gw);
    // same family as the forward micro-kernel: 8-12% faster than the implicit GEMM on the
    // ResNet stride-2 shape; EMBER_CONV_MKW=0 turns it off.
    static const bool mkw = env_switch("EMBER_CONV_MKW");
    if (mkw && strided_microkernel_eligible(g)) return conv_bwd_weight_microkernel_f32(g, gy, x, gw);
    if (few_patch_rows_eligible(g)) return conv_bwd_weight_lanes_f32(g, gy, x, gw);
  }
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), P = g.out_vol(), K = Cg * g.k_vol();
  const int64_t WN = g.O * K;
  const bool pw = g.pointwise();
  const Blocking bl = make_blocking(g);
  static const bool tr_env = env_switch("EMBER_CONV_WT_T");
  const bool tr = tr_env && g.G == 1 && !pw && K < Og;
  const int nt = std::max(1, get_num_threads());
  std::vector<T> partial((size_t)(std::max(0, nt - 1)) * WN);
  const int64_t chunks = for_block_chunks(g, bl, [&](int64_t ci, int64_t b0, int64_t b1) {
    T* acc = ci == 0 ? gw : partial.data() + (ci - 1) * WN;
    std::fill(acc, acc + WN, T(0));
    std::vector<T> col, gbuf;
    // few patch rows (a first layer: K = 3*3*3 = 27 < O = 64): accumulate the transposed (K x O)
    // gradient instead, so the short dimension is the GEMM's row count (6-row micro-tiles) rather
    // than its column count (16-wide panels, 27 -> 32 padded); transposed into acc at the end.
    std::vector<T> accT(tr ? (size_t)(K * Og) : 0);
    for (int64_t bi = b0; bi < b1; ++bi) {
      const Block blk = block_at(g, bl, bi);
      const int64_t nc = blk.cols(), pt = blk.p1 - blk.p0, ni = blk.n1 - blk.n0;
      col.resize(K * nc);
      if (ni > 1) gbuf.resize(Og * nc);
      for (int64_t grp = 0; grp < g.G; ++grp) {
        T* wg = acc + grp * Og * K;
        if (pw && ni == 1) {
          gemm(false, true, Og, Cg, P, T(1), gy + (blk.n0 * g.O + grp * Og) * P, P, x + (blk.n0 * g.C + grp * Cg) * IV,
               P, T(1), wg, Cg);
          continue;
        }
        for (int64_t i = 0; i < ni; ++i) {
          const T* xg = x + ((blk.n0 + i) * g.C + grp * Cg) * IV;
          if (pw) {
            for (int64_t c = 0; c < Cg; ++c) std::memcpy(col.data() + c * nc + i * pt, xg + c * IV, pt * sizeof(T));
          } else {
            patch_tile<false>(g, xg, blk.p0, blk.p1, col.data() + i * pt, nc);
          }
        }
        const T* gyb;
        int64_t ldg;
        if (ni == 1) {
          gyb = gy + (blk.n0 * g.O + grp * Og) * P + blk.p0;
          ldg = P;
        } else {
          for (int64_t i = 0; i < ni; ++i)
            for (int64_t o = 0; o < Og; ++o)
              std::memcpy(gbuf.data() + o * nc + i * P, gy + ((blk.n0 + i) * g.O + grp * Og + o) * P, P * sizeof(T));
          gyb = gbuf.data();
          ldg = nc;
        }
        if (tr) gemm(false, true, K, Og, nc, T(1), col.data(), nc, gyb, ldg, T(1), accT.data(), Og);
        else gemm(false, true, Og, K, nc, T(1), gyb, ldg, col.data(), nc, T(1), wg, K);
      }
    }
    if (tr)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t k = 0; k < K; ++k) acc[o * K + k] = accT[k * Og + o];
  });
  for (int64_t ci = 1; ci < chunks; ++ci) {  // fixed order: deterministic
    const T* q = partial.data() + (ci - 1) * WN;
    for (int64_t i = 0; i < WN; ++i) gw[i] += q[i];
  }
}

#define EMBER_CONV_CPU(T)                                                              \
  template void conv_fwd_cpu<T>(const ConvGeom&, const T*, const T*, const T*, T*);    \
  template void conv_bwd_input_cpu<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void conv_bwd_weight_cpu<T>(const ConvGeom&, const T*, const T*, T*);
EMBER_CONV_CPU(float)
EMBER_CONV_CPU(double)
#undef EMBER_CONV_CPU

}  // namespace ember::conv_detail
