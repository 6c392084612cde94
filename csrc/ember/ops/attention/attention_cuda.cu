// attention_cuda.cu — fused scaled dot-product attention on CUDA (flash-attention style). Inputs
// and outputs keep their dtype T (float32, float64, float16, bfloat16); the arithmetic runs in
// C = acc_t<T> (float for the 16-bit types, as the CPU kernel after its conversion), and lse is C.
//
// Thread layout shared by the three main kernels: 256 threads = 64 "quads" of 4 consecutive lanes;
// quad r owns one row (a query row in the forward and dQ kernels, a key row in the dK/dV kernel)
// and lane c of the quad owns the head dims d = 16*v + 4*c + e (v < D/16, e < 4), so a row of the
// shared K/V/Q/dO tile is read with 16-byte loads that are broadcast to the 8 quads of a warp and
// contiguous across a quad's lanes. A dot product over the head dim is a per-lane partial sum
// reduced by two xor-shuffles inside the quad. Head dims are padded with zeros to D (32, 64 or
// 128, a template parameter), so the padding adds nothing to any dot product.
// Rows past the end (L or S) still take part in every shuffle and barrier (all loops have
// block-uniform bounds); their values are masked and never written.
//
// Forward (one block per (n*Hq + h, 64 query rows)): Q rows in registers, pre-scaled by
// scale*log2(e) (scores live in the log2 domain, softmax uses exp2); K/V tiles of TK keys through
// shared memory; online softmax per row (running max m and sum l; O and l rescaled by
// 2^(m_old - m_new)); causal blocks stop at their last row. Writes O / l and lse = (m + log2 l) ln2;
// a row with no visible key gets O = 0, lse = -inf (as the CPU kernel).
// Backward: Dvec = rowsum(dO * O) (one warp per row), then
//   dQ kernel  (same grid as the forward): per key j, p = 2^(s - lse2), dp = dO.v_j,
//              ds = p (dp - D), dq += ds k_j; dq *= scale.
//   dK/dV kernel (one block per (n*Hk + hk, 64 keys)): K, V rows in registers; Q/dO tiles of the
//              group's query heads through shared memory (causal: from the block's first key on);
//              dv += p dO_i, dk += ds q_i; dk *= scale. One block owns its keys' dK/dV over the whole
//              GQA group: no atomics, fixed summation order (deterministic).
// Masks (bool: false = cannot attend; additive: added to the scores) are read through their
// strides, exactly as the CPU kernels read them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/internal.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/attention/attention_cuda.h"

namespace ember::cuda {
namespace {

constexpr int kAttnThreads = 256;
constexpr int kRows = kAttnThreads / 4;  // rows per block (one quad each)
constexpr double kLog2e = 1.4426950408889634074, kLn2 = 0.6931471805599453094;

// Keys (forward, dQ) or query rows (dK/dV) per shared-memory tile: 32 KiB for K+V at D = 128.
template <class C> constexpr int tile_rows() { return sizeof(C) == 8 ? 16 : 32; }

template <class C> struct alignas(16) Pack4 { C x[4]; };

__device__ __forceinline__ float exp2_(float x) { return exp2f(x); }
__device__ __forceinline__ double exp2_(double x) { return exp2(x); }
__device__ __forceinline__ float log2_(float x) { return log2f(x); }
__device__ __forceinline__ double log2_(double x) { return log2(x); }
template <class C> __device__ __forceinline__ C ninf() { return -std::numeric_limits<C>::infinity(); }

// Sum over the 4 lanes of a quad (every lane of the warp must call it).
template <class C> __device__ __forceinline__ C quad_sum(C v) {
  v += __shfl_xor_sync(kFullMask, v, 1);
  v += __shfl_xor_sync(kFullMask, v, 2);
  return v;
}

// Geometry and pointers passed by value to every kernel (element strides, (n, h, row, col)).
struct Args {
  int64_t N, Hq, Hk, L, S, E, Ev, G;
  const void* q; int64_t sq[4];
  const void* k; int64_t sk[4];
  const void* v; int64_t sv[4];
  int mask_kind;  // AttnMask
  const void* mask; int64_t sm[4];
  bool causal;
  double scale;
  void* out; void* lse;
  const void* dout; int64_t sdo[4];
  void* dvec;  // (N, Hq, L) rowsum(dO * O)
  void* dq; void* dk; void* dv;
};

// Applies causality and the explicit mask to the log2-domain score s of (row i, key j) of head
// (n, h); `ok` false means the pair is out of range. Returns -inf when (i, j) cannot attend.
template <class T, class C>
__device__ __forceinline__ C masked_score(const Args& a, C s, bool ok, int64_t n, int64_t h, int64_t i, int64_t j) {
  if (!ok || (a.causal && j > i)) return ninf<C>();
  if (a.mask_kind != (int)AttnMask::None) {
    const int64_t mo = n * a.sm[0] + h * a.sm[1] + i * a.sm[2] + j * a.sm[3];
    if (a.mask_kind == (int)AttnMask::Bool) {
      if (!static_cast<const bool*>(a.mask)[mo]) return ninf<C>();
    } else {
      s += (C)kLog2e * load<T>(static_cast<const T*>(a.mask) + mo);
    }
  }
  return s;
}

// Loads `nrows` rows starting at row r0 of the (n, h) slice of a strided 4-D operand into a
// [TR][D] shared tile (zeros past `rows_total` and past `cols`). All threads call it.
template <class T, int D, int TR, class C = acc_t<T>>
__device__ __forceinline__ void load_tile(C* tile, const void* base, const int64_t* s, int64_t n, int64_t h, int64_t r0,
                                          int64_t rows_total, int64_t cols) {
  const T* p = static_cast<const T*>(base) + n * s[0] + h * s[1];
  for (int idx = threadIdx.x; idx < TR * D; idx += blockDim.x) {
    const int r = idx / D, d = idx - (idx / D) * D;
    const int64_t row = r0 + r;
    tile[idx] = (row < rows_total && d < cols) ? load<T>(p + row * s[2] + (int64_t)d * s[3]) : C(0);
  }
}

// ---- forward ------------------------------------------------------------------------------------------
template <class T, int D>
__global__ void __launch_bounds__(kAttnThreads) attn_fwd_kernel(Args a) {
  using C = acc_t<T>;
  constexpr int NV = D / 16, TK = tile_rows<C>();
  __shared__ __align__(16) C Ks[TK * D];
  __shared__ __align__(16) C Vs[TK * D];
  const int quad = threadIdx.x >> 2, lane4 = threadIdx.x & 3;
  const int64_t nh = blockIdx.x, n = nh / a.Hq, h = nh - n * a.Hq, hk = h / a.G;
  const int64_t i0 = (int64_t)blockIdx.y * kRows, i = i0 + quad;
  const bool row_ok = i < a.L;
  const C qscale = (C)(a.scale * kLog2e);

  C q[NV * 4], o[NV * 4];
  {
    const T* qp = static_cast<const T*>(a.q) + n * a.sq[0] + h * a.sq[1] + (row_ok ? i : 0) * a.sq[2];
#pragma unroll
    for (int v = 0; v < NV; ++v)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int d = 16 * v + 4 * lane4 + e;
        q[4 * v + e] = (row_ok && d < a.E) ? load<T>(qp + (int64_t)d * a.sq[3]) * qscale : C(0);
        o[4 * v + e] = C(0);
      }
  }
  C m = ninf<C>(), l = C(0);
  // causal: keys past the block's last row are seen by none of its rows
  const int64_t kv_end = (a.causal && i0 + kRows < a.S) ? i0 + kRows : a.S;
  for (int64_t j0 = 0; j0 < kv_end; j0 += TK) {
    __syncthreads();  // the previous tile is consumed
    load_tile<T, D, TK>(Ks, a.k, a.sk, n, hk, j0, a.S, a.E);
    load_tile<T, D, TK>(Vs, a.v, a.sv, n, hk, j0, a.S, a.Ev);
    __syncthreads();
    C s[TK];
    C mx = ninf<C>();
#pragma unroll
    for (int jj = 0; jj < TK; ++jj) {
      C acc = C(0);
#pragma unroll
      for (int v = 0; v < NV; ++v) {
        const Pack4<C> kk = *reinterpret_cast<const Pack4<C>*>(Ks + jj * D + 16 * v + 4 * lane4);
#pragma unroll
        for (int e = 0; e < 4; ++e) acc += q[4 * v + e] * kk.x[e];
      }
      acc = quad_sum(acc);
      const int64_t j = j0 + jj;
      s[jj] = masked_score<T, C>(a, acc, row_ok && j < a.S, n, h, i, j);
      mx = s[jj] > mx ? s[jj] : mx;
    }
    const C mnew = mx > m ? mx : m;
    if (mnew != ninf<C>()) {  // else nothing visible in this row yet (no shuffles or barriers below)
      const C alpha = m == ninf<C>() ? C(0) : exp2_(m - mnew);
      C sum = C(0);
#pragma unroll
      for (int jj = 0; jj < TK; ++jj) {
        s[jj] = s[jj] == ninf<C>() ? C(0) : exp2_(s[jj] - mnew);
        sum += s[jj];
      }
      l = l * alpha + sum;
#pragma unroll
      for (int x = 0; x < NV * 4; ++x) o[x] *= alpha;
#pragma unroll
      for (int jj = 0; jj < TK; ++jj) {
        const C pj = s[jj];
#pragma unroll
        for (int v = 0; v < NV; ++v) {
          const Pack4<C> vv = *reinterpret_cast<const Pack4<C>*>(Vs + jj * D + 16 * v + 4 * lane4);
#pragma unroll
          for (int e = 0; e < 4; ++e) o[4 * v + e] += pj * vv.x[e];
        }
      }
      m = mnew;
    }
  }
  if (!row_ok) return;  // no barriers or shuffles after this point
  const int64_t row = nh * a.L + i;
  T* out = static_cast<T*>(a.out) + row * a.Ev;
  const C inv = l > C(0) ? C(1) / l : C(0);
#pragma unroll
  for (int v = 0; v < NV; ++v)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int d = 16 * v + 4 * lane4 + e;
      if (d < a.Ev) out[d] = from_acc<T>(o[4 * v + e] * inv);
    }
  if (lane4 == 0) static_cast<C*>(a.lse)[row] = l > C(0) ? (m + log2_(l)) * (C)kLn2 : ninf<C>();
}

// ---- backward: Dvec = rowsum(dO * O) --------------------------------------------------------------------
// One warp per row (N*Hq*L rows); O is contiguous (N, Hq, L, Ev), dO strided.
template <class T>
__global__ void attn_bwd_dvec_kernel(Args a, int64_t rows) {
  using C = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int64_t warps_per_grid = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows;
       row += warps_per_grid) {  // row is warp-uniform: the whole warp enters warp_sum
    const int64_t i = row % a.L, nh = row / a.L, h = nh % a.Hq, n = nh / a.Hq;
    const T* o = static_cast<const T*>(a.out) + row * a.Ev;
    const T* g = static_cast<const T*>(a.dout) + n * a.sdo[0] + h * a.sdo[1] + i * a.sdo[2];
    C acc = C(0);
    for (int64_t d = lane; d < a.Ev; d += 32) acc += load<T>(g + d * a.sdo[3]) * load<T>(o + d);
    acc = warp_sum(acc);
    if (lane == 0) static_cast<C*>(a.dvec)[row] = acc;
  }
}

// ---- backward: dQ (one block per (n*Hq + h, 64 query rows)) ---------------------------------------------
template <class T, int D>
__global__ void __launch_bounds__(kAttnThreads) attn_bwd_dq_kernel(Args a) {
  using C = acc_t<T>;
  constexpr int NV = D / 16, TK = tile_rows<C>();
  __shared__ __align__(16) C Ks[TK * D];
  __shared__ __align__(16) C Vs[TK * D];
  const int quad = threadIdx.x >> 2, lane4 = threadIdx.x & 3;
  const int64_t nh = blockIdx.x, n = nh / a.Hq, h = nh - n * a.Hq, hk = h / a.G;
  const int64_t i0 = (int64_t)blockIdx.y * kRows, i = i0 + quad;
  const bool row_ok = i < a.L;
  const int64_t row = nh * a.L + (row_ok ? i : 0);
  const C qscale = (C)(a.scale * kLog2e);
  const C lse2 = row_ok ? static_cast<const C*>(a.lse)[row] * (C)kLog2e : ninf<C>();
  const C Di = row_ok ? static_cast<const C*>(a.dvec)[row] : C(0);
  const bool live = lse2 != ninf<C>();  // fully masked rows (and rows past L) get dq = 0

  C q[NV * 4], g[NV * 4], dq[NV * 4];
  {
    const T* qp = static_cast<const T*>(a.q) + n * a.sq[0] + h * a.sq[1] + (row_ok ? i : 0) * a.sq[2];
    const T* gp = static_cast<const T*>(a.dout) + n * a.sdo[0] + h * a.sdo[1] + (row_ok ? i : 0) * a.sdo[2];
#pragma unroll
    for (int v = 0; v < NV; ++v)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int d = 16 * v + 4 * lane4 + e;
        q[4 * v + e] = (row_ok && d < a.E) ? load<T>(qp + (int64_t)d * a.sq[3]) * qscale : C(0);
        g[4 * v + e] = (row_ok && d < a.Ev) ? load<T>(gp + (int64_t)d * a.sdo[3]) : C(0);
        dq[4 * v + e] = C(0);
      }
  }
  const int64_t kv_end = (a.causal && i0 + kRows < a.S) ? i0 + kRows : a.S;
  for (int64_t j0 = 0; j0 < kv_end; j0 += TK) {
    __syncthreads();
    load_tile<T, D, TK>(Ks, a.k, a.sk, n, hk, j0, a.S, a.E);
    load_tile<T, D, TK>(Vs, a.v, a.sv, n, hk, j0, a.S, a.Ev);
    __syncthreads();
    for (int jj = 0; jj < TK; ++jj) {  // uniform trip count: every lane reaches the shuffles
      C sd = C(0), dp = C(0);
#pragma unroll
      for (int v = 0; v < NV; ++v) {
        const Pack4<C> kk = *reinterpret_cast<const Pack4<C>*>(Ks + jj * D + 16 * v + 4 * lane4);
        const Pack4<C> vv = *reinterpret_cast<const Pack4<C>*>(Vs + jj * D + 16 * v + 4 * lane4);
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          sd += q[4 * v + e] * kk.x[e];
          dp += g[4 * v + e] * vv.x[e];
        }
      }
      sd = quad_sum(sd);
      dp = quad_sum(dp);
      const int64_t j = j0 + jj;
      const C s = masked_score<T, C>(a, sd, live && j < a.S, n, h, i, j);
      const C p = s == ninf<C>() ? C(0) : exp2_(s - lse2);
      const C ds = p * (dp - Di);
#pragma unroll
      for (int v = 0; v < NV; ++v) {
        const Pack4<C> kk = *reinterpret_cast<const Pack4<C>*>(Ks + jj * D + 16 * v + 4 * lane4);
#pragma unroll
        for (int e = 0; e < 4; ++e) dq[4 * v + e] += ds * kk.x[e];
      }
    }
  }
  if (!row_ok) return;
  T* out = static_cast<T*>(a.dq) + row * a.E;
  const C sc = (C)a.scale;
#pragma unroll
  for (int v = 0; v < NV; ++v)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int d = 16 * v + 4 * lane4 + e;
      if (d < a.E) out[d] = from_acc<T>(dq[4 * v + e] * sc);
    }
}

// ---- backward: dK, dV (one block per (n*Hk + hk, 64 keys)) ----------------------------------------------
template <class T, int D>
__global__ void __launch_bounds__(kAttnThreads) attn_bwd_dkdv_kernel(Args a) {
  using C = acc_t<T>;
  constexpr int NV = D / 16, TQ = tile_rows<C>();
  __shared__ __align__(16) C Qs[TQ * D];
  __shared__ __align__(16) C Gs[TQ * D];
  __shared__ C lse2s[TQ];
  __shared__ C Ds[TQ];
  const int quad = threadIdx.x >> 2, lane4 = threadIdx.x & 3;
  const int64_t nhk = blockIdx.x, n = nhk / a.Hk, hk = nhk - n * a.Hk;
  const int64_t j0 = (int64_t)blockIdx.y * kRows, j = j0 + quad;
  const bool key_ok = j < a.S;
  const C qscale = (C)(a.scale * kLog2e);

  C kr[NV * 4], vr[NV * 4], dk[NV * 4], dv[NV * 4];
  {
    const T* kp = static_cast<const T*>(a.k) + n * a.sk[0] + hk * a.sk[1] + (key_ok ? j : 0) * a.sk[2];
    const T* vp = static_cast<const T*>(a.v) + n * a.sv[0] + hk * a.sv[1] + (key_ok ? j : 0) * a.sv[2];
#pragma unroll
    for (int v = 0; v < NV; ++v)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int d = 16 * v + 4 * lane4 + e;
        kr[4 * v + e] = (key_ok && d < a.E) ? load<T>(kp + (int64_t)d * a.sk[3]) * qscale : C(0);
        vr[4 * v + e] = (key_ok && d < a.Ev) ? load<T>(vp + (int64_t)d * a.sv[3]) : C(0);
        dk[4 * v + e] = C(0);
        dv[4 * v + e] = C(0);
      }
  }
  const int64_t q_begin = a.causal ? j0 : 0;  // causal: rows before the block's first key see none of it
  for (int64_t h = hk * a.G; h < (hk + 1) * a.G; ++h) {
    const int64_t row0 = (n * a.Hq + h) * a.L;
    for (int64_t i0 = q_begin; i0 < a.L; i0 += TQ) {
      __syncthreads();
      load_tile<T, D, TQ>(Qs, a.q, a.sq, n, h, i0, a.L, a.E);
      load_tile<T, D, TQ>(Gs, a.dout, a.sdo, n, h, i0, a.L, a.Ev);
      for (int r = threadIdx.x; r < TQ; r += blockDim.x) {
        const int64_t i = i0 + r;
        lse2s[r] = i < a.L ? static_cast<const C*>(a.lse)[row0 + i] * (C)kLog2e : ninf<C>();
        Ds[r] = i < a.L ? static_cast<const C*>(a.dvec)[row0 + i] : C(0);
      }
      __syncthreads();
      for (int ii = 0; ii < TQ; ++ii) {  // uniform trip count: every lane reaches the shuffles
        C sd = C(0), dp = C(0);
#pragma unroll
        for (int v = 0; v < NV; ++v) {
          const Pack4<C> qq = *reinterpret_cast<const Pack4<C>*>(Qs + ii * D + 16 * v + 4 * lane4);
          const Pack4<C> gg = *reinterpret_cast<const Pack4<C>*>(Gs + ii * D + 16 * v + 4 * lane4);
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            sd += kr[4 * v + e] * qq.x[e];
            dp += vr[4 * v + e] * gg.x[e];
          }
        }
        sd = quad_sum(sd);
        dp = quad_sum(dp);
        const int64_t i = i0 + ii;
        const C lse2 = lse2s[ii];
        const C s = masked_score<T, C>(a, sd, key_ok && i < a.L && lse2 != ninf<C>(), n, h, i, j);
        const C p = s == ninf<C>() ? C(0) : exp2_(s - lse2);
        const C ds = p * (dp - Ds[ii]);
#pragma unroll
        for (int v = 0; v < NV; ++v) {
          const Pack4<C> qq = *reinterpret_cast<const Pack4<C>*>(Qs + ii * D + 16 * v + 4 * lane4);
          const Pack4<C> gg = *reinterpret_cast<const Pack4<C>*>(Gs + ii * D + 16 * v + 4 * lane4);
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            dv[4 * v + e] += p * gg.x[e];
            dk[4 * v + e] += ds * qq.x[e];
          }
        }
      }
    }
  }
  if (!key_ok) return;
  const int64_t krow = nhk * a.S + j;
  T* dkp = static_cast<T*>(a.dk) + krow * a.E;
  T* dvp = static_cast<T*>(a.dv) + krow * a.Ev;
  const C sc = (C)a.scale;
#pragma unroll
  for (int v = 0; v < NV; ++v)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int d = 16 * v + 4 * lane4 + e;
      if (d < a.E) dkp[d] = from_acc<T>(dk[4 * v + e] * sc);
      if (d < a.Ev) dvp[d] = from_acc<T>(dv[4 * v + e]);
    }
}

// ---- host ---------------------------------------------------------------------------------------------
constexpr const char* kOp = "scaled_dot_product_attention";

Args make_args(const AttnParams& p) {
  Args a{};
  a.N = p.N; a.Hq = p.Hq; a.Hk = p.Hk; a.L = p.L; a.S = p.S; a.E = p.E; a.Ev = p.Ev; a.G = p.Hq / p.Hk;
  a.q = p.q; a.k = p.k; a.v = p.v; a.mask = p.mask; a.dout = p.dout;
  for (int d = 0; d < 4; ++d) {
    a.sq[d] = p.sq[d]; a.sk[d] = p.sk[d]; a.sv[d] = p.sv[d]; a.sm[d] = p.sm[d]; a.sdo[d] = p.sdo[d];
  }
  a.mask_kind = (int)p.mask_kind;
  a.causal = p.causal;
  a.scale = p.scale;
  a.out = p.out; a.lse = p.lse;
  a.dq = p.dq; a.dk = p.dk; a.dv = p.dv;
  return a;
}

template <class T> struct DTag { using type = T; };

// Runs f(DTag<C>, std::integral_constant<int, D>) for the compute dtype and the head-dim bucket.
template <class F> void dispatch_attn(DType dt, int64_t E, int64_t Ev, const F& f) {
  const int64_t dmax = E > Ev ? E : Ev;
  EMBER_CHECK(dmax <= kAttnMaxHeadDim, kOp, "the CUDA kernel supports head dims up to ", kAttnMaxHeadDim, ", got ",
              dmax);
  auto by_dim = [&](auto tag) {
    if (dmax <= 32) f(tag, std::integral_constant<int, 32>{});
    else if (dmax <= 64) f(tag, std::integral_constant<int, 64>{});
    else f(tag, std::integral_constant<int, 128>{});
  };
  switch (dt) {
    case DType::Float32: by_dim(DTag<float>{}); break;
    case DType::Float64: by_dim(DTag<double>{}); break;
    case DType::Float16: by_dim(DTag<__half>{}); break;
    case DType::BFloat16: by_dim(DTag<__nv_bfloat16>{}); break;
    default: EMBER_FAIL(kOp, "expected a floating-point dtype, got ", dtype_name(dt));
  }
}

void check_grid(int64_t x, int64_t y) {
  EMBER_CHECK(x <= 2147483647LL && y <= 65535, kOp, "problem too large for one launch (", x, " x ", y,
              " blocks)");
}

}  // namespace

void attention_forward(const AttnParams& p, DType dtype, const Tensor& like) {
  if (p.N * p.Hq * p.L == 0 || p.S == 0) return;  // attention.cpp fills these cases
  DeviceGuard guard(like.device().index);
  cudaStream_t stream = stream_of(like);
  const Args a = make_args(p);
  const int64_t gx = p.N * p.Hq, gy = (p.L + kRows - 1) / kRows;
  check_grid(gx, gy);
  dispatch_attn(dtype, p.E, p.Ev, [&](auto tag, auto dim) {
    using T = typename decltype(tag)::type;
    constexpr int D = decltype(dim)::value;
    attn_fwd_kernel<T, D><<<dim3((unsigned)gx, (unsigned)gy), kAttnThreads, 0, stream>>>(a);
    EMBER_CUDA_LAUNCH_CHECK(kOp);
  });
}

void attention_backward(const AttnParams& p, DType dtype, const Tensor& like) {
  if (p.N * p.Hq * p.L == 0 || p.S == 0) return;  // attention.cpp zero-fills these cases
  DeviceGuard guard(like.device().index);
  cudaStream_t stream = stream_of(like);
  const int64_t rows = p.N * p.Hq * p.L;
  const DType compute = dtype == DType::Float64 ? DType::Float64 : DType::Float32;  // acc_t<T>
  Tensor dvec = Tensor::empty({rows}, compute, like.device());
  Args a = make_args(p);
  a.dvec = dvec.raw_data_ptr();
  const int64_t gx = p.N * p.Hq, gy = (p.L + kRows - 1) / kRows;
  const int64_t kx = p.N * p.Hk, ky = (p.S + kRows - 1) / kRows;
  check_grid(gx, gy);
  check_grid(kx, ky);
  dispatch_attn(dtype, p.E, p.Ev, [&](auto tag, auto dim) {
    using T = typename decltype(tag)::type;
    constexpr int D = decltype(dim)::value;
    const int64_t dvec_blocks = std::min<int64_t>((rows + 7) / 8, 65535LL * 8);  // 8 warps per block
    attn_bwd_dvec_kernel<T><<<(unsigned)dvec_blocks, 256, 0, stream>>>(a, rows);
    EMBER_CUDA_LAUNCH_CHECK(kOp);
    attn_bwd_dq_kernel<T, D><<<dim3((unsigned)gx, (unsigned)gy), kAttnThreads, 0, stream>>>(a);
    EMBER_CUDA_LAUNCH_CHECK(kOp);
    attn_bwd_dkdv_kernel<T, D><<<dim3((unsigned)kx, (unsigned)ky), kAttnThreads, 0, stream>>>(a);
    EMBER_CUDA_LAUNCH_CHECK(kOp);
  });
}

}  // namespace ember::cuda
