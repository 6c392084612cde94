// conv_winograd_avx2.cpp — Winograd F(2x2, 3x3) for float32 (see conv_winograd.h), compiled with
// AVX2+FMA flags: the transforms are written as unit-stride loops over tiles (even/odd input
// columns are split once per row) so they vectorize; the 16 per-position products run on the
// shared GEMM (single-threaded inside each thread's block range).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/conv/conv_winograd.h"
#include "ember/ops/gemm/gemm.h"

namespace ember::conv_detail {

namespace {

constexpr int64_t kParallelMacs = 1 << 18;
// The 16 transformed planes are written/read as 16 concurrent streams; a plane stride that is a
// multiple of 4 KiB would put them all in the same L1 sets (measured: 2.5x slower transforms).
inline int64_t plane_stride(int64_t rows, int64_t ld) { return rows * ld + 40; }

struct WinoPlan {
  int64_t H = 0, W = 0, OH = 0, OW = 0, ph = 0, pw = 0;
  int64_t th = 0, tw = 0;      // tiles per column / row of one image
  int64_t units = 0;           // rows of tiles over all images: unit u = (n, ty)
  int64_t upb = 1, nblocks = 0;
  int64_t ld = 0;              // tiles per block (row stride of the transformed matrices)
  int64_t chunks = 1;          // thread ranges
};

WinoPlan make_plan(const ConvGeom& g) {
  WinoPlan p;
  p.H = g.in[1]; p.W = g.in[2]; p.OH = g.out[1]; p.OW = g.out[2]; p.ph = g.p[1]; p.pw = g.p[2];
  p.th = (p.OH + 1) / 2;
  p.tw = (p.OW + 1) / 2;
  p.units = g.N * p.th;
  // ~2 MB of transformed input + output per block; at least 64 tiles so the GEMM's packing of
  // U[xi] is amortized, at most 512.
  static const int64_t lo_env = env_int64("EMBER_WINO_MIN_TILES", 64);
  static const int64_t hi_env = env_int64("EMBER_WINO_MAX_TILES", 512);
  const int64_t target = std::max<int64_t>(lo_env, std::min<int64_t>(hi_env, (int64_t(1) << 19) / (16 * (g.C + g.O))));
  int64_t upb = std::max<int64_t>(1, target / p.tw);
  int64_t nb = (p.units + upb - 1) / upb;
  const int nt = get_num_threads();
  const int64_t macs = g.N * g.O * g.C * 9 * p.OH * p.OW;
  const bool par = nt > 1 && !in_parallel_region() && macs >= kParallelMacs && p.units >= 2;
  if (par) {
    nb = std::max<int64_t>(nb, std::min<int64_t>(nt, p.units));
    nb = (nb + nt - 1) / nt * nt;
    nb = std::min(nb, p.units);
    p.chunks = std::min<int64_t>(nt, nb);
  }
  p.upb = (p.units + nb - 1) / nb;
  p.nblocks = (p.units + p.upb - 1) / p.upb;
  p.ld = p.upb * p.tw;
  return p;
}

template <class F>
void for_chunks(const WinoPlan& p, const F& body) {
  if (p.chunks > 1) {
#pragma omp parallel for schedule(static, 1) num_threads((int)p.chunks)
    for (int64_t c = 0; c < p.chunks; ++c) body(c, p.nblocks * c / p.chunks, p.nblocks * (c + 1) / p.chunks);
  } else {
    body(0, 0, p.nblocks);
  }
}

// Even / odd columns of padded input row ih (zeros outside the image): E[k] = x[2k - pw],
// O[k] = x[2k + 1 - pw], k in [0, tw].
inline void split_row(const WinoPlan& p, const float* plane, int64_t ih, float* E, float* O) {
  const int64_t n = p.tw + 1;
  if (ih < 0 || ih >= p.H) {
    std::memset(E, 0, n * sizeof(float));
    std::memset(O, 0, n * sizeof(float));
    return;
  }
  const float* row = plane + ih * p.W;
  // interior k: 2k - pw >= 0 and 2k + 1 - pw <= W - 1
  const int64_t klo = std::min(n, (p.pw + 1) / 2);
  const int64_t lim = p.W + p.pw - 2;
  const int64_t khi = lim < 0 ? klo : std::max(klo, std::min(n, lim / 2 + 1));
  for (int64_t k = 0; k < klo; ++k) {
    const int64_t c0 = 2 * k - p.pw;
    E[k] = c0 >= 0 && c0 < p.W ? row[c0] : 0.f;
    O[k] = c0 + 1 >= 0 && c0 + 1 < p.W ? row[c0 + 1] : 0.f;
  }
  const float* r = row - p.pw;
  for (int64_t k = klo; k < khi; ++k) {
    E[k] = r[2 * k];
    O[k] = r[2 * k + 1];
  }
  for (int64_t k = khi; k < n; ++k) {
    const int64_t c0 = 2 * k - p.pw;
    E[k] = c0 >= 0 && c0 < p.W ? row[c0] : 0.f;
    O[k] = c0 + 1 >= 0 && c0 + 1 < p.W ? row[c0 + 1] : 0.f;
  }
}

// V[xi][c][t] = (B^T d B)[xi] for the tiles of units [u0, u1) and every channel.
void input_transform(const ConvGeom& g, const WinoPlan& p, const float* x, int64_t u0, int64_t u1, float* V,
                     float* scratch) {
  const int64_t n1 = p.tw + 1, tw = p.tw, C = g.C, ld = p.ld, xi_stride = plane_stride(C, ld);
  float* E[4];
  float* O[4];
  for (int i = 0; i < 4; ++i) { E[i] = scratch + (2 * i) * n1; O[i] = scratch + (2 * i + 1) * n1; }
  float* T = scratch + 8 * n1;  // 8 combined rows: tE[a], tO[a]
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / p.th, ty = u % p.th;
      const float* plane = x + (n * C + c) * p.H * p.W;
      for (int i = 0; i < 4; ++i) split_row(p, plane, 2 * ty - p.ph + i, E[i], O[i]);
      for (int s = 0; s < 2; ++s) {
        const float* const* X = s ? O : E;
        float* t0 = T + (0 * 2 + s) * n1;
        float* t1 = T + (1 * 2 + s) * n1;
        float* t2 = T + (2 * 2 + s) * n1;
        float* t3 = T + (3 * 2 + s) * n1;
        const float *x0 = X[0], *x1 = X[1], *x2 = X[2], *x3 = X[3];
        for (int64_t k = 0; k < n1; ++k) {
          t0[k] = x0[k] - x2[k];
          t1[k] = x1[k] + x2[k];
          t2[k] = x2[k] - x1[k];
          t3[k] = x1[k] - x3[k];
        }
      }
      float* base = V + c * ld + (u - u0) * tw;
      for (int a = 0; a < 4; ++a) {
        const float* te = T + (a * 2) * n1;
        const float* to = T + (a * 2 + 1) * n1;
        float* v0 = base + (a * 4 + 0) * xi_stride;
        float* v1 = base + (a * 4 + 1) * xi_stride;
        float* v2 = base + (a * 4 + 2) * xi_stride;
        float* v3 = base + (a * 4 + 3) * xi_stride;
        for (int64_t k = 0; k < tw; ++k) {
          v0[k] = te[k] - te[k + 1];
          v1[k] = to[k] + te[k + 1];
          v2[k] = te[k + 1] - to[k];
          v3[k] = to[k] - to[k + 1];
        }
      }
    }
  }
}

// U[xi][o][c] = (G g G^T)[xi].
void weight_transform(const ConvGeom& g, const float* w, float* U) {
  const int64_t O = g.O, C = g.C, xs = plane_stride(O, C);
  parallel_for(0, O, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C)), [&](int64_t o0, int64_t o1) {
  for (int64_t o = o0; o < o1; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* k = w + (o * C + c) * 9;
      float R[4][3];
      for (int j = 0; j < 3; ++j) {
        R[0][j] = k[j];
        R[1][j] = 0.5f * (k[j] + k[3 + j] + k[6 + j]);
        R[2][j] = 0.5f * (k[j] - k[3 + j] + k[6 + j]);
        R[3][j] = k[6 + j];
      }
      float* u = U + o * C + c;
      for (int a = 0; a < 4; ++a) {
        u[(a * 4 + 0) * xs] = R[a][0];
        u[(a * 4 + 1) * xs] = 0.5f * (R[a][0] + R[a][1] + R[a][2]);
        u[(a * 4 + 2) * xs] = 0.5f * (R[a][0] - R[a][1] + R[a][2]);
        u[(a * 4 + 3) * xs] = R[a][2];
      }
    }
  });
}

// y tiles of units [u0, u1) = A^T M A (+ bias), clipped to the output.
void output_transform(const ConvGeom& g, const WinoPlan& p, const float* M, int64_t u0, int64_t u1, const float* bias,
                      float* y, float* scratch) {
  const int64_t tw = p.tw, O = g.O, ld = p.ld, xs = plane_stride(O, ld), OH = p.OH, OW = p.OW;
  float* r0 = scratch;            // output row 2ty, 2*tw columns
  float* r1 = scratch + 2 * tw;   // output row 2ty + 1
  for (int64_t o = 0; o < O; ++o) {
    const float bv = bias ? bias[o] : 0.f;
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / p.th, ty = u % p.th;
      const float* m = M + o * ld + (u - u0) * tw;
      const float *m0 = m, *m1 = m + xs, *m2 = m + 2 * xs, *m3 = m + 3 * xs, *m4 = m + 4 * xs, *m5 = m + 5 * xs,
                  *m6 = m + 6 * xs, *m7 = m + 7 * xs, *m8 = m + 8 * xs, *m9 = m + 9 * xs, *m10 = m + 10 * xs,
                  *m11 = m + 11 * xs, *m12 = m + 12 * xs, *m13 = m + 13 * xs, *m14 = m + 14 * xs, *m15 = m + 15 * xs;
      for (int64_t k = 0; k < tw; ++k) {
        const float s0 = m0[k] + m1[k] + m2[k], d0 = m1[k] - m2[k] - m3[k];
        const float s1 = m4[k] + m5[k] + m6[k], d1 = m5[k] - m6[k] - m7[k];
        const float s2 = m8[k] + m9[k] + m10[k], d2 = m9[k] - m10[k] - m11[k];
        const float s3 = m12[k] + m13[k] + m14[k], d3 = m13[k] - m14[k] - m15[k];
        r0[2 * k] = s0 + s1 + s2 + bv;
        r0[2 * k + 1] = d0 + d1 + d2 + bv;
        r1[2 * k] = s1 - s2 - s3 + bv;
        r1[2 * k + 1] = d1 - d2 - d3 + bv;
      }
      float* yp = y + ((n * O + o) * OH + 2 * ty) * OW;
      std::memcpy(yp, r0, OW * sizeof(float));
      if (2 * ty + 1 < OH) std::memcpy(yp + OW, r1, OW * sizeof(float));
    }
  }
}

// Mg[xi][o][t] = (A dY A^T)[xi] for the tiles of units [u0, u1) (dY zero outside the output).
void grad_output_transform(const ConvGeom& g, const WinoPlan& p, const float* gy, int64_t u0, int64_t u1, float* Mg,
                           float* scratch) {
  const int64_t tw = p.tw, O = g.O, ld = p.ld, xs = plane_stride(O, ld), OH = p.OH, OW = p.OW;
  float* e0 = scratch;
  float* o0 = scratch + tw;
  float* e1 = scratch + 2 * tw;
  float* o1 = scratch + 3 * tw;
  float* qe = scratch + 4 * tw;  // 4 rows of tw
  float* qo = scratch + 8 * tw;
  for (int64_t o = 0; o < O; ++o) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / p.th, ty = u % p.th;
      const float* g0 = gy + ((n * O + o) * OH + 2 * ty) * OW;
      const int64_t full = OW / 2;  // tiles whose two columns are both inside
      for (int64_t k = 0; k < full; ++k) { e0[k] = g0[2 * k]; o0[k] = g0[2 * k + 1]; }
      if (full < tw) { e0[full] = g0[2 * full]; o0[full] = 0.f; }
      if (2 * ty + 1 < OH) {
        const float* g1 = g0 + OW;
        for (int64_t k = 0; k < full; ++k) { e1[k] = g1[2 * k]; o1[k] = g1[2 * k + 1]; }
        if (full < tw) { e1[full] = g1[2 * full]; o1[full] = 0.f; }
      } else {
        std::memset(e1, 0, tw * sizeof(float));
        std::memset(o1, 0, tw * sizeof(float));
      }
      // rows: q0 = g0, q1 = g0 + g1, q2 = g0 - g1, q3 = -g1 (even and odd columns)
      for (int64_t k = 0; k < tw; ++k) {
        qe[k] = e0[k]; qe[tw + k] = e0[k] + e1[k]; qe[2 * tw + k] = e0[k] - e1[k]; qe[3 * tw + k] = -e1[k];
        qo[k] = o0[k]; qo[tw + k] = o0[k] + o1[k]; qo[2 * tw + k] = o0[k] - o1[k]; qo[3 * tw + k] = -o1[k];
      }
      float* m = Mg + o * ld + (u - u0) * tw;
      for (int a = 0; a < 4; ++a) {
        const float* e = qe + a * tw;
        const float* d = qo + a * tw;
        float* m0 = m + (a * 4 + 0) * xs;
        float* m1 = m + (a * 4 + 1) * xs;
        float* m2 = m + (a * 4 + 2) * xs;
        float* m3 = m + (a * 4 + 3) * xs;
        for (int64_t k = 0; k < tw; ++k) {
          m0[k] = e[k];
          m1[k] = e[k] + d[k];
          m2[k] = e[k] - d[k];
          m3[k] = -d[k];
        }
      }
    }
  }
}

}  // namespace

void winograd_fwd_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const WinoPlan p = make_plan(g);
  const int64_t C = g.C, O = g.O, ld = p.ld;
  const int64_t us = plane_stride(O, C);
  std::vector<float> U((size_t)(16 * us));
  weight_transform(g, w, U.data());
  const int64_t vs = plane_stride(C, ld), ms = plane_stride(O, ld);
  for_chunks(p, [&](int64_t, int64_t b0, int64_t b1) {
    std::vector<float> V((size_t)(16 * vs)), M((size_t)(16 * ms)), scratch((size_t)(16 * (p.tw + 1) + 16));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t u0 = b * p.upb, u1 = std::min(p.units, u0 + p.upb), nt = (u1 - u0) * p.tw;
      input_transform(g, p, x, u0, u1, V.data(), scratch.data());
      for (int xi = 0; xi < 16; ++xi)
        gemm(false, false, O, nt, C, 1.f, U.data() + xi * us, C, V.data() + xi * vs, ld, 0.f, M.data() + xi * ms, ld);
      output_transform(g, p, M.data(), u0, u1, bias, y, scratch.data());
    }
  });
}

// Deep layers on small images (512->512 at 4x4: 128 tiles in all, 16*O*C = 4M floats of
// transformed weight gradient) on several threads: per-thread partials of dU would cost more
// memory traffic than the GEMMs. Instead all tiles are transformed at once (threads split the
// tile rows), then the 16 GEMMs dU[xi] = Mg[xi] @ V[xi]^T (inner dimension = every tile) are
// split over xi: one owner per dU[xi], no partial sums, and the same result at any thread count.
bool whole_tile_plan(const ConvGeom& g, const WinoPlan& p) {
  static const bool enabled = env_switch("EMBER_WINO_XI_SPLIT");
  if (!enabled || p.chunks < 2) return false;
  const int64_t tiles = p.units * p.tw;
  // transformed input + grad_output of every tile within 64 MB, and no bigger than the partials
  return 16 * (g.C + g.O) * tiles <= (int64_t(1) << 24) && (g.C + g.O) * tiles <= g.O * g.C * (p.chunks - 1) * 2;
}

void winograd_bwd_weight_xi_split(const ConvGeom& g, const WinoPlan& p0, const float* gy, const float* x, float* dU) {
  WinoPlan p = p0;  // one block holding every tile: the row stride ld is the total tile count
  p.upb = p.units;
  p.nblocks = 1;
  p.ld = p.units * p.tw;
  const int64_t C = g.C, O = g.O, ld = p.ld, us = plane_stride(O, C);
  const int64_t vs = plane_stride(C, ld), ms = plane_stride(O, ld), nch = p0.chunks;
  std::vector<float> V((size_t)(16 * vs)), Mg((size_t)(16 * ms));
#pragma omp parallel for schedule(static, 1) num_threads((int)nch)
  for (int64_t ci = 0; ci < nch; ++ci) {
    const int64_t u0 = p.units * ci / nch, u1 = p.units * (ci + 1) / nch;
    std::vector<float> scratch((size_t)(16 * (p.tw + 1) + 16));
    input_transform(g, p, x, u0, u1, V.data() + u0 * p.tw, scratch.data());
    grad_output_transform(g, p, gy, u0, u1, Mg.data() + u0 * p.tw, scratch.data());
  }
#pragma omp parallel for schedule(static, 1) num_threads((int)nch)
  for (int64_t ci = 0; ci < nch; ++ci)
    for (int64_t xi = 16 * ci / nch; xi < 16 * (ci + 1) / nch; ++xi)
      gemm(false, true, O, C, ld, 1.f, Mg.data() + xi * ms, ld, V.data() + xi * vs, ld, 0.f, dU + xi * us, C);
}

void winograd_bwd_weight_f32(const ConvGeom& g, const float* gy, const float* x, float* gw) {
  WinoPlan p = make_plan(g);
  const int64_t C = g.C, O = g.O, ld = p.ld, us = plane_stride(O, C), US = 16 * us;
  const bool xi_split = whole_tile_plan(g, p);
  std::vector<float> dU((size_t)((xi_split ? 1 : p.chunks) * US));
  const int64_t vs = plane_stride(C, ld), ms = plane_stride(O, ld);
  if (xi_split) {
    winograd_bwd_weight_xi_split(g, p, gy, x, dU.data());
    p.chunks = 1;  // a single dU: nothing to sum below
  } else
  for_chunks(p, [&](int64_t ci, int64_t b0, int64_t b1) {
    float* acc = dU.data() + ci * US;
    std::fill(acc, acc + US, 0.f);
    std::vector<float> V((size_t)(16 * vs)), Mg((size_t)(16 * ms)), scratch((size_t)(16 * (p.tw + 1) + 16));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t u0 = b * p.upb, u1 = std::min(p.units, u0 + p.upb), nt = (u1 - u0) * p.tw;
      input_transform(g, p, x, u0, u1, V.data(), scratch.data());
      grad_output_transform(g, p, gy, u0, u1, Mg.data(), scratch.data());
      for (int xi = 0; xi < 16; ++xi)
        gemm(false, true, O, C, nt, 1.f, Mg.data() + xi * ms, ld, V.data() + xi * vs, ld, 1.f, acc + xi * us, C);
    }
  });
  // gw = G^T (sum of the thread partials, in thread order: deterministic) G,
  // G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1]; parallel over output channels
  const float* u = dU.data();
  const int64_t xs = us, nch = p.chunks;
  parallel_for(0, O, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C)), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t c = 0; c < C; ++c) {
        float m[16];
        for (int xi = 0; xi < 16; ++xi) {
          float v = u[xi * xs + o * C + c];
          for (int64_t ci = 1; ci < nch; ++ci) v += u[ci * US + xi * xs + o * C + c];
          m[xi] = v;
        }
        float P[3][4];
        for (int b = 0; b < 4; ++b) {
          P[0][b] = m[b] + 0.5f * (m[4 + b] + m[8 + b]);
          P[1][b] = 0.5f * (m[4 + b] - m[8 + b]);
          P[2][b] = 0.5f * (m[4 + b] + m[8 + b]) + m[12 + b];
        }
        float* k = gw + (o * C + c) * 9;
        for (int i = 0; i < 3; ++i) {
          k[i * 3 + 0] = P[i][0] + 0.5f * (P[i][1] + P[i][2]);
          k[i * 3 + 1] = 0.5f * (P[i][1] - P[i][2]);
          k[i * 3 + 2] = 0.5f * (P[i][1] + P[i][2]) + P[i][3];
        }
      }
  });
}

}  // namespace ember::conv_detail
