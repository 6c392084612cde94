// gemm_cuda.cu — matrix products on the GPU: every Tensor-level product (mm, bmm, matmul, addmm,
// baddbmm, addbmm, mv, addmv, dot, linear, einsum ...) arrives here as one GemmProblem (gemm.h):
// C[b] = act(alpha * A[b] @ B[b] + beta * C[b] + bias) with arbitrary element strides per operand
// and a multi-dim batch (stride 0 = broadcast).
//
// Kernels (all deterministic: no atomics, no split-K):
//  * simt_gemm_kernel   float32 / float64 SIMT: block tile 128x128 (float) or 64x64 (double),
//    BK = 8, 256 threads, each an 8x8 (4x4) register tile split in two halves of 16-byte vectors
//    (conflict-free shared reads); shared memory double buffered through a register stage (one
//    __syncthreads per k-step); 16-byte global loads where the operand is aligned.
//  * wmma_gemm_kernel   float16 / bfloat16 on tensor cores (wmma 16x16x16, float accumulate,
//    rounded once to the 16-bit type), and float32 as TF32 (wmma 16x16x8) when allowed: block
//    tile 128x128, 8 warps of 64x32, BK = 32 (16 for TF32), the same double buffering.
//  * gemv_reduce_kernel / gemv_cols_kernel   M == 1 or N == 1 (mv, addmv, dot, vector @ matrix):
//    one warp (or block) per output reducing over k, or one thread per output walking k when the
//    outputs are the unit-stride dim; partial sums combined in a fixed order.
//  * scale_kernel       K == 0: C = act(beta * C + bias) (beta == 0 writes zeros).
//
// Operand layouts: each operand is read through (row stride, col stride). A tile loader walks the
// operand's unit-stride dim across threads (coalesced) and writes the tile into shared memory in
// the layout the inner loop wants, so all four trans combinations (and any other strides) run
// without a copy. Every global access is bounds-checked; the tails of a tile are zero-filled.
#include <mma.h>

#include <algorithm>
#include <climits>

#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/gemm/gemm_cuda.h"

namespace ember::cuda {
namespace {

namespace wmma = nvcuda::wmma;

// ---- batch and epilogue --------------------------------------------------------------------------
// Batch item -> element offsets of the three operands (row-major over shape, as gemm_detail::batch_offsets).
struct BatchMap {
  int n = 0;
  int64_t shape[kGemmMaxBatchDims];
  int64_t s0[kGemmMaxBatchDims], s1[kGemmMaxBatchDims], s2[kGemmMaxBatchDims];
  __device__ __forceinline__ void offsets(int64_t idx, int64_t& o0, int64_t& o1, int64_t& o2) const {
    o0 = o1 = o2 = 0;
    for (int d = n - 1; d >= 0; --d) {
      const int64_t q = idx / shape[d];
      const int64_t i = idx - q * shape[d];
      idx = q;
      o0 += i * s0[d];
      o1 += i * s1[d];
      o2 += i * s2[d];
    }
  }
};

template <class A> __device__ __forceinline__ A activate(A x, int act) {
  if (act == (int)GemmAct::Relu) return (x > A(0) || x != x) ? x : A(0);
  if (act == (int)GemmAct::Gelu) {
    if constexpr (std::is_same_v<A, float>) return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    else return A(0.5) * x * (A(1) + erf(x * A(0.70710678118654752440)));
  }
  if (act == (int)GemmAct::GeluTanh) {
    const A u = A(0.79788456080286535588) * (x + A(0.044715) * x * x * x);
    if constexpr (std::is_same_v<A, float>) return 0.5f * x * (1.0f + tanhf(u));
    else return A(0.5) * x * (A(1) + tanh(u));
  }
  return x;
}

// C element (i, j) <- act(alpha * s + beta * C + bias), all in the compute type, rounded once.
// beta == 0: C is not read (NaN/inf in C do not propagate). k0: the K == 0 product (no alpha * s).
template <class T> struct Epi {
  using A = acc_t<T>;
  A alpha = A(1), beta = A(0);
  int bias_kind = 0;  // GemmBias
  const T* bias = nullptr;
  int64_t bias_stride = 1;
  int act = 0;        // GemmAct
  __device__ __forceinline__ T apply(A s, const T* c, int64_t i, int64_t j, bool k0 = false) const {
    A v = k0 ? A(0) : alpha * s;
    if (beta != A(0)) v = k0 ? beta * load<T>(c) : v + beta * load<T>(c);
    if (bias_kind == (int)GemmBias::PerRow) v += load<T>(bias + i * bias_stride);
    else if (bias_kind == (int)GemmBias::PerCol) v += load<T>(bias + j * bias_stride);
    return from_acc<T>(activate<A>(v, act));
  }
};

// The operands of one launch. Element (m, k) of A is A[m * rsA + k * csA]; B (k, n) is
// B[k * rsB + n * csB]; C (m, n) is C[m * rsC + n * csC]; plus the batch item's offsets.
template <class T> struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const T* A = nullptr; int64_t rsA = 0, csA = 0;
  const T* B = nullptr; int64_t rsB = 0, csB = 0;
  T* C = nullptr; int64_t rsC = 0, csC = 0;
  bool a_kmajor = true;  // A's k neighbours are adjacent (csA == 1): threads walk k, else m
  bool b_kmajor = false; // B's k neighbours are adjacent (rsB == 1): threads walk k, else n
  bool a_vec = false, b_vec = false;  // 16-byte loads along the walked dim are aligned
  int64_t tiles_m = 0, tiles_n = 0, batch = 1;
  // Split-K: each batch item's k range is cut into ksplit chunks of kchunk (a multiple of the
  // kernel's BK); chunk s of item b writes its raw sums to ws[s][b][m][n] and splitk_reduce_kernel
  // adds the chunks in order and applies the epilogue. ksplit == 1: no workspace, epilogue in place.
  int64_t ksplit = 1, kchunk = 0;
  acc_t<T>* ws = nullptr;
  BatchMap bm;  // s0 = A, s1 = B, s2 = C
  Epi<T> epi;
};

// ---- tile loading --------------------------------------------------------------------------------
// V elements of an operand viewed as X(o, k) = X[o * so + k * sk] (o: the m or n index), starting
// at (o, k): along k when kmajor (o fixed), else along o (k fixed). Out-of-range elements are 0.
// vec: one 16-byte load is allowed (X aligned, the walked dim has stride 1, the other stride and
// the start index multiples of V) — taken only when all V elements are in range.
template <class T, int V>
__device__ __forceinline__ void load_run(T (&r)[V], const T* __restrict__ X, int64_t so, int64_t sk, int64_t o,
                                         int64_t k, int64_t O, int64_t K, bool kmajor, bool vec) {
  const T zero = from_acc<T>(acc_t<T>(0));
  if (kmajor) {
    if (vec && o < O && k + V <= K) {
      const Vec<T, V> v = *reinterpret_cast<const Vec<T, V>*>(X + o * so + k);
#pragma unroll
      for (int t = 0; t < V; ++t) r[t] = v.v[t];
    } else {
#pragma unroll
      for (int t = 0; t < V; ++t) r[t] = (o < O && k + t < K) ? X[o * so + (k + t) * sk] : zero;
    }
  } else {
    if (vec && k < K && o + V <= O) {
      const Vec<T, V> v = *reinterpret_cast<const Vec<T, V>*>(X + k * sk + o);
#pragma unroll
      for (int t = 0; t < V; ++t) r[t] = v.v[t];
    } else {
#pragma unroll
      for (int t = 0; t < V; ++t) r[t] = (o + t < O && k < K) ? X[(o + t) * so + k * sk] : zero;
    }
  }
}

// V elements to 16-byte-aligned shared memory in one store (every caller's row stride and run
// start are multiples of 16 bytes: see the PAD choices).
template <class T, int V> __device__ __forceinline__ void store_run(T* dst, const T (&r)[V]) {
  Vec<T, V> v;
#pragma unroll
  for (int t = 0; t < V; ++t) v.v[t] = r[t];
  *reinterpret_cast<Vec<T, V>*>(dst) = v;
}

// Position inside an (O x BK) tile of run number `e / V` (e = first element index of the run):
// kmajor: runs go along k, rows of BK; else runs go along o, rows of BO.
template <int BO, int BK>
__device__ __forceinline__ void run_pos(int e, bool kmajor, int& o, int& k) {
  if (kmajor) { o = e / BK; k = e % BK; }
  else { k = e / BO; o = e % BO; }
}

// ==== float32 / float64 SIMT kernel ===============================================================
// V = 16 / sizeof(T) (4 floats, 2 doubles): thread tile TM x TN = 2V x 2V, block 16 x 16 threads,
// block tile BM x BN = 32V x 32V, BK = 8. Shared tiles are k-major ([k][m], [k][n]) padded by one
// 16-byte vector per row. Each thread loads exactly one V-run of A and one of B per k-step.
template <class T> struct SimtCfg {
  static constexpr int V = 16 / (int)sizeof(T);
  static constexpr int TM = 2 * V, TN = 2 * V;
  static constexpr int BM = 32 * V, BN = 32 * V, BK = 8;
  static constexpr int NT = 256;
  static constexpr int PAD = V;
  static_assert(BM * BK == NT * V && BN * BK == NT * V, "one run per thread per operand");
  static_assert(BK % V == 0, "runs along k stay inside the tile");
};

template <class T>
__global__ void __launch_bounds__(256) simt_gemm_kernel(const GemmArgs<T> g) {
  using Cfg = SimtCfg<T>;
  constexpr int V = Cfg::V, TM = Cfg::TM, TN = Cfg::TN, BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, PAD = Cfg::PAD;
  using A = acc_t<T>;  // T itself (float / double)
  __shared__ __align__(16) T As[2][BK][BM + PAD];
  __shared__ __align__(16) T Bs[2][BK][BN + PAD];
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  // This thread's load run inside the A and B tiles.
  int a_o, a_k, b_o, b_k;
  run_pos<BM, BK>(tid * V, g.a_kmajor, a_o, a_k);
  run_pos<BN, BK>(tid * V, g.b_kmajor, b_o, b_k);
  const int64_t ntiles = g.tiles_m * g.tiles_n;

  for (int64_t bz = blockIdx.z; bz < g.batch * g.ksplit; bz += gridDim.z) {
    const int64_t bi = bz / g.ksplit, split = bz - bi * g.ksplit;
    const int64_t k_lo = split * g.kchunk, k_hi = min(g.K, k_lo + g.kchunk);
    const int64_t nk = (k_hi - k_lo + BK - 1) / BK;
    int64_t oa, ob, oc;
    g.bm.offsets(bi, oa, ob, oc);
    const T* __restrict__ Ap = g.A + oa;
    const T* __restrict__ Bp = g.B + ob;
    T* Cp = g.C + oc;
    for (int64_t tile = blockIdx.x; tile < ntiles; tile += gridDim.x) {
      const int64_t m0 = (tile % g.tiles_m) * BM, n0 = (tile / g.tiles_m) * BN;
      A acc[TM][TN];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = A(0);
      T ra[V], rb[V];
      auto gload = [&](int64_t k0) {
        load_run<T, V>(ra, Ap, g.rsA, g.csA, m0 + a_o, k0 + a_k, g.M, k_hi, g.a_kmajor, g.a_vec);
        load_run<T, V>(rb, Bp, g.csB, g.rsB, n0 + b_o, k0 + b_k, g.N, k_hi, g.b_kmajor, g.b_vec);
      };
      auto sstore = [&](int buf) {  // runs along m / n land in one row: a 16-byte store
        if (g.a_kmajor) {
#pragma unroll
          for (int t = 0; t < V; ++t) As[buf][a_k + t][a_o] = ra[t];
        } else {
          store_run<T, V>(&As[buf][a_k][a_o], ra);
        }
        if (g.b_kmajor) {
#pragma unroll
          for (int t = 0; t < V; ++t) Bs[buf][b_k + t][b_o] = rb[t];
        } else {
          store_run<T, V>(&Bs[buf][b_k][b_o], rb);
        }
      };
      gload(k_lo);
      sstore(0);
      __syncthreads();
      for (int64_t kt = 0; kt < nk; ++kt) {
        const int cur = (int)(kt & 1);
        if (kt + 1 < nk) gload(k_lo + (kt + 1) * BK);  // in flight while this step computes
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
          T a[TM], b[TN];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const Vec<T, V> va = *reinterpret_cast<const Vec<T, V>*>(&As[cur][kk][h * (BM / 2) + ty * V]);
            const Vec<T, V> vb = *reinterpret_cast<const Vec<T, V>*>(&Bs[cur][kk][h * (BN / 2) + tx * V]);
#pragma unroll
            for (int t = 0; t < V; ++t) { a[h * V + t] = va.v[t]; b[h * V + t] = vb.v[t]; }
          }
#pragma unroll
          for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        if (kt + 1 < nk) sstore(cur ^ 1);  // the other buffer: everyone finished reading it last step
        __syncthreads();
      }
      // Epilogue: row i of the thread tile is m0 + (i / V) * BM/2 + ty * V + i % V (columns likewise).
#pragma unroll
      for (int i = 0; i < TM; ++i) {
        const int64_t m = m0 + (i / V) * (BM / 2) + ty * V + (i % V);
        if (m >= g.M) continue;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
          const int64_t n = n0 + (j / V) * (BN / 2) + tx * V + (j % V);
          if (n >= g.N) continue;
          if (g.ws) {
            g.ws[((split * g.batch + bi) * g.M + m) * g.N + n] = acc[i][j];
          } else {
            T* c = Cp + m * g.rsC + n * g.csC;
            *c = g.epi.apply(acc[i][j], c, m, n);
          }
        }
      }
    }
  }
}

// ==== tensor cores (wmma): float16 / bfloat16, and float32 as TF32 ===================================
template <class T> struct WmmaCfg;
template <> struct WmmaCfg<__half> {
  using Frag = __half;
  static constexpr int BK = 32, WK = 16;
};
template <> struct WmmaCfg<__nv_bfloat16> {
  using Frag = __nv_bfloat16;
  static constexpr int BK = 32, WK = 16;
};
template <> struct WmmaCfg<float> {
  using Frag = wmma::precision::tf32;
  static constexpr int BK = 16, WK = 8;
};

// Block tile 128 x 128, 8 warps as 2 (m) x 4 (n), each warp 64 x 32 = 4 x 2 fragments of 16 x 16.
// Shared: As[2][BM][BK + PAD] (m rows, k contiguous: wmma row_major matrix_a), Bs[2][BK][BN + PAD]
// (k rows, n contiguous: row_major matrix_b), PAD = one 16-byte vector; plus a 16 x 16 float
// staging tile per warp for the epilogue. Every fragment pointer is 32-byte aligned (checked below).
template <class T>
__global__ void __launch_bounds__(256) wmma_gemm_kernel(const GemmArgs<T> g) {
  using Cfg = WmmaCfg<T>;
  using Frag = typename Cfg::Frag;
  constexpr int BM = 128, BN = 128, BK = Cfg::BK, WK = Cfg::WK;
  constexpr int V = 16 / (int)sizeof(T);  // 8 halves or 4 floats per 16-byte run
  constexpr int PAD = V;
  constexpr int LDA = BK + PAD, LDB = BN + PAD;
  constexpr int RUNS = BM * BK / (256 * V);  // runs per thread per operand (2)
  static_assert(BM * BK == RUNS * 256 * V && BN * BK == RUNS * 256 * V, "tiles split evenly into runs");
  static_assert((LDA * sizeof(T)) % 16 == 0 && (LDB * sizeof(T)) % 16 == 0, "wmma ldm: multiple of 16 bytes");
  static_assert((16 * LDA * sizeof(T)) % 32 == 0 && (WK * LDB * sizeof(T)) % 32 == 0, "fragment rows 32-byte aligned");
  static_assert((BM * LDA * sizeof(T)) % 128 == 0 && (BK * LDB * sizeof(T)) % 128 == 0, "stages stay aligned");
  constexpr int A_STAGE = BM * LDA, B_STAGE = BK * LDB;
  constexpr int A_BYTES = 2 * A_STAGE * (int)sizeof(T), B_BYTES = 2 * B_STAGE * (int)sizeof(T);
  constexpr int C_BYTES = 8 * 256 * (int)sizeof(float);
  static_assert(A_BYTES + B_BYTES + C_BYTES <= 48 * 1024, "static shared memory limit");
  __shared__ __align__(128) unsigned char smem[A_BYTES + B_BYTES + C_BYTES];
  T* As = reinterpret_cast<T*>(smem);
  T* Bs = reinterpret_cast<T*>(smem + A_BYTES);
  float* Cs = reinterpret_cast<float*>(smem + A_BYTES + B_BYTES);

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / 4, wn = warp % 4;  // warp tile origin: (wm * 64, wn * 32)
  int a_o[RUNS], a_k[RUNS], b_o[RUNS], b_k[RUNS];
#pragma unroll
  for (int r = 0; r < RUNS; ++r) {
    run_pos<BM, BK>((r * 256 + tid) * V, g.a_kmajor, a_o[r], a_k[r]);
    run_pos<BN, BK>((r * 256 + tid) * V, g.b_kmajor, b_o[r], b_k[r]);
  }
  const int64_t ntiles = g.tiles_m * g.tiles_n;
  float* cs = Cs + warp * 256;

  for (int64_t bz = blockIdx.z; bz < g.batch * g.ksplit; bz += gridDim.z) {
    const int64_t bi = bz / g.ksplit, split = bz - bi * g.ksplit;
    const int64_t k_lo = split * g.kchunk, k_hi = min(g.K, k_lo + g.kchunk);
    const int64_t nk = (k_hi - k_lo + BK - 1) / BK;
    int64_t oa, ob, oc;
    g.bm.offsets(bi, oa, ob, oc);
    const T* __restrict__ Ap = g.A + oa;
    const T* __restrict__ Bp = g.B + ob;
    T* Cp = g.C + oc;
    for (int64_t tile = blockIdx.x; tile < ntiles; tile += gridDim.x) {
      const int64_t m0 = (tile % g.tiles_m) * BM, n0 = (tile / g.tiles_m) * BN;
      wmma::fragment<wmma::accumulator, 16, 16, WK, float> acc[4][2];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
      T ra[RUNS][V], rb[RUNS][V];
      auto gload = [&](int64_t k0) {
#pragma unroll
        for (int r = 0; r < RUNS; ++r) {
          load_run<T, V>(ra[r], Ap, g.rsA, g.csA, m0 + a_o[r], k0 + a_k[r], g.M, k_hi, g.a_kmajor, g.a_vec);
          load_run<T, V>(rb[r], Bp, g.csB, g.rsB, n0 + b_o[r], k0 + b_k[r], g.N, k_hi, g.b_kmajor, g.b_vec);
        }
      };
      auto sstore = [&](int buf) {
        T* as = As + buf * A_STAGE;
        T* bs = Bs + buf * B_STAGE;
#pragma unroll
        for (int r = 0; r < RUNS; ++r) {
          // A's k runs and B's n runs are contiguous in shared memory (16-byte stores); the
          // other two layouts transpose element by element.
          if (g.a_kmajor) {
            store_run<T, V>(as + a_o[r] * LDA + a_k[r], ra[r]);
          } else {
#pragma unroll
            for (int t = 0; t < V; ++t) as[(a_o[r] + t) * LDA + a_k[r]] = ra[r][t];
          }
          if (g.b_kmajor) {
#pragma unroll
            for (int t = 0; t < V; ++t) bs[(b_k[r] + t) * LDB + b_o[r]] = rb[r][t];
          } else {
            store_run<T, V>(bs + b_k[r] * LDB + b_o[r], rb[r]);
          }
        }
      };
      gload(k_lo);
      sstore(0);
      __syncthreads();
      for (int64_t kt = 0; kt < nk; ++kt) {
        const int cur = (int)(kt & 1);
        if (kt + 1 < nk) gload(k_lo + (kt + 1) * BK);
        const T* as = As + cur * A_STAGE;
        const T* bs = Bs + cur * B_STAGE;
#pragma unroll
        for (int kk = 0; kk < BK; kk += WK) {
          wmma::fragment<wmma::matrix_a, 16, 16, WK, Frag, wmma::row_major> fa[4];
          wmma::fragment<wmma::matrix_b, 16, 16, WK, Frag, wmma::row_major> fb[2];
#pragma unroll
          for (int i = 0; i < 4; ++i) {
            wmma::load_matrix_sync(fa[i], as + (wm * 64 + i * 16) * LDA + kk, LDA);
            if constexpr (std::is_same_v<T, float>) {
#pragma unroll
              for (int t = 0; t < fa[i].num_elements; ++t) fa[i].x[t] = wmma::__float_to_tf32(fa[i].x[t]);
            }
          }
#pragma unroll
          for (int j = 0; j < 2; ++j) {
            wmma::load_matrix_sync(fb[j], bs + kk * LDB + wn * 32 + j * 16, LDB);
            if constexpr (std::is_same_v<T, float>) {
#pragma unroll
              for (int t = 0; t < fb[j].num_elements; ++t) fb[j].x[t] = wmma::__float_to_tf32(fb[j].x[t]);
            }
          }
#pragma unroll
          for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        if (kt + 1 < nk) sstore(cur ^ 1);
        __syncthreads();
      }
      // Epilogue through the warp's staging tile: 256 elements, 8 per lane, bounds-checked.
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          wmma::store_matrix_sync(cs, acc[i][j], 16, wmma::mem_row_major);
          __syncwarp();
#pragma unroll
          for (int q = 0; q < 8; ++q) {
            const int e = q * 32 + lane, r = e / 16, c = e % 16;
            const int64_t m = m0 + wm * 64 + i * 16 + r, n = n0 + wn * 32 + j * 16 + c;
            if (m < g.M && n < g.N) {
              if (g.ws) {
                g.ws[((split * g.batch + bi) * g.M + m) * g.N + n] = cs[e];
              } else {
                T* cp = Cp + m * g.rsC + n * g.csC;
                *cp = g.epi.apply(cs[e], cp, m, n);
              }
            }
          }
          __syncwarp();  // the staging tile is rewritten by the next fragment
        }
    }
  }
}

// ==== M == 1 or N == 1: matrix-vector products ======================================================
// y[o] = sum_k P[o * rsP + k * csP] * x[k * sx] for o in [0, R), per batch item (BatchMap: s0 = P,
// s1 = x, s2 = y). Output o is C element (o, 0) (out_is_col false) or (0, o) (true) for the epilogue.
template <class T> struct GemvArgs {
  int64_t R = 0, K = 0, batch = 1;
  const T* P = nullptr; int64_t rsP = 0, csP = 0;
  const T* x = nullptr; int64_t sx = 0;
  T* y = nullptr; int64_t sy = 0;
  bool out_is_col = false;
  BatchMap bm;
  Epi<T> epi;
};

// TPO threads per output (32: a warp per output, 8 outputs per 256-thread block; 256: a block per
// output, for few outputs with a long k). Lanes walk k: coalesced when csP == 1.
template <class T, int TPO>
__global__ void __launch_bounds__(256) gemv_reduce_kernel(const GemvArgs<T> g) {
  using A = acc_t<T>;
  __shared__ A scratch[32];
  constexpr int OPB = 256 / TPO;  // outputs per block
  const int sub = threadIdx.x / TPO, lane = threadIdx.x % TPO;
  const int64_t total = g.R * g.batch;
  for (int64_t base = (int64_t)blockIdx.x * OPB; base < total; base += (int64_t)gridDim.x * OPB) {
    const int64_t o = base + sub;  // uniform across the TPO threads that share it
    const bool valid = o < total;
    A s = A(0);
    int64_t b = 0, i = 0, op = 0, ox = 0, oy = 0;
    if (valid) {
      b = o / g.R;
      i = o - b * g.R;
      g.bm.offsets(b, op, ox, oy);
      const T* p = g.P + op + i * g.rsP;
      const T* x = g.x + ox;
      for (int64_t k = lane; k < g.K; k += TPO) s += load<T>(p + k * g.csP) * load<T>(x + k * g.sx);
    }
    if constexpr (TPO == 32) s = warp_sum(s);  // all 32 lanes of the warp are here (valid or not)
    else s = block_sum(s, scratch);            // all threads of the block are here
    if (valid && lane == 0) {
      T* y = g.y + oy + i * g.sy;
      *y = g.out_is_col ? g.epi.apply(s, y, 0, i) : g.epi.apply(s, y, i, 0);
    }
  }
}

// One thread per output along the outputs' unit-stride dim (rsP == 1: coalesced across threads),
// k split over the 8 rows of the block and the 8 partial sums added in row order.
template <class T>
__global__ void __launch_bounds__(256) gemv_cols_kernel(const GemvArgs<T> g) {
  using A = acc_t<T>;
  __shared__ A part[8][33];
  const int tx = threadIdx.x, ty = threadIdx.y;  // block (32, 8)
  const int64_t total = g.R * g.batch;
  for (int64_t base = (int64_t)blockIdx.x * 32; base < total; base += (int64_t)gridDim.x * 32) {
    const int64_t o = base + tx;
    const bool valid = o < total;
    A s = A(0);
    int64_t i = 0, op = 0, ox = 0, oy = 0;
    if (valid) {
      const int64_t b = o / g.R;
      i = o - b * g.R;
      g.bm.offsets(b, op, ox, oy);
      const T* p = g.P + op + i * g.rsP;
      const T* x = g.x + ox;
      for (int64_t k = ty; k < g.K; k += 8) s += load<T>(p + k * g.csP) * load<T>(x + k * g.sx);
    }
    part[ty][tx] = s;
    __syncthreads();
    if (ty == 0 && valid) {
      A t = part[0][tx];
#pragma unroll
      for (int r = 1; r < 8; ++r) t += part[r][tx];
      T* y = g.y + oy + i * g.sy;
      *y = g.out_is_col ? g.epi.apply(t, y, 0, i) : g.epi.apply(t, y, i, 0);
    }
    __syncthreads();  // part[] is rewritten by the next round
  }
}

// ==== K == 0: C = act(beta * C + bias) ================================================================
template <class T>
__global__ void scale_kernel(T* C, int64_t M, int64_t N, int64_t rsC, int64_t csC, int64_t batch, BatchMap bm,
                             Epi<T> epi) {
  const int64_t total = M * N * batch;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += stride) {
    const int64_t j = o % N, r = o / N, i = r % M, b = r / M;
    int64_t o0, o1, oc;
    bm.offsets(b, o0, o1, oc);
    T* c = C + oc + i * rsC + j * csC;
    *c = epi.apply(acc_t<T>(0), c, i, j, /*k0=*/true);
  }
}

// ==== split-K: C = epi(sum over the chunks, in chunk order) =============================================
template <class T>
__global__ void splitk_reduce_kernel(const acc_t<T>* __restrict__ ws, int64_t S, T* C, int64_t M, int64_t N,
                                     int64_t rsC, int64_t csC, int64_t batch, BatchMap bm, Epi<T> epi) {
  const int64_t total = M * N * batch;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += stride) {
    acc_t<T> s = ws[o];
    for (int64_t sp = 1; sp < S; ++sp) s += ws[sp * total + o];
    const int64_t j = o % N, r = o / N, i = r % M, b = r / M;
    int64_t o0, o1, oc;
    bm.offsets(b, o0, o1, oc);
    T* c = C + oc + i * rsC + j * csC;
    *c = epi.apply(s, c, i, j);
  }
}

// ---- host side -------------------------------------------------------------------------------------
const char* torch_type_name(DType dt) {
  switch (dt) {
    case DType::Bool: return "Bool";
    case DType::UInt8: return "Byte";
    case DType::Int8: return "Char";
    case DType::Int16: return "Short";
    case DType::Int32: return "Int";
    case DType::Int64: return "Long";
    default: return dtype_name(dt);
  }
}

template <class T> Epi<T> make_epi(const GemmProblem& p) {
  using A = acc_t<T>;
  Epi<T> e;
  e.alpha = (A)p.alpha.to_double();
  e.beta = (A)p.beta.to_double();
  e.bias_kind = (int)p.epi.bias_kind;
  e.bias = static_cast<const T*>(p.epi.bias);
  e.bias_stride = p.epi.bias_stride;
  e.act = (int)p.epi.act;
  return e;
}

BatchMap make_batch(const GemmProblem& p, bool swap_ab) {
  BatchMap m;
  m.n = p.nbatch;
  for (int d = 0; d < p.nbatch; ++d) {
    m.shape[d] = p.bshape[d];
    m.s0[d] = swap_ab ? p.bsB[d] : p.bsA[d];
    m.s1[d] = swap_ab ? p.bsA[d] : p.bsB[d];
    m.s2[d] = p.bsC[d];
  }
  return m;
}

// 16-byte loads of V-element runs along the unit-stride dim: base aligned, the other stride and
// every batch stride multiples of V.
bool vec_ok(const void* base, int64_t other_stride, const int64_t* bs, int nb, int V) {
  if (!aligned16(base) || other_stride % V != 0) return false;
  for (int d = 0; d < nb; ++d)
    if (bs[d] % V != 0) return false;
  return true;
}

unsigned int capped(int64_t n, int64_t cap) { return (unsigned int)std::max<int64_t>(1, std::min<int64_t>(n, cap)); }

template <class T> GemmArgs<T> make_args(const GemmProblem& p, int V) {
  GemmArgs<T> g;
  g.M = p.M; g.N = p.N; g.K = p.K;
  g.A = static_cast<const T*>(p.A); g.rsA = p.rsA; g.csA = p.csA;
  g.B = static_cast<const T*>(p.B); g.rsB = p.rsB; g.csB = p.csB;
  g.C = static_cast<T*>(p.C); g.rsC = p.rsC; g.csC = p.csC;
  // A: walk k when its k neighbours are adjacent (or K == 1 / M == 1 make either work), else m.
  // Neither stride 1: scalar loads either way.
  g.a_kmajor = p.csA == 1 || p.rsA != 1;
  g.b_kmajor = p.rsB == 1 && p.csB != 1;  // csB == 1 (the common case) or neither: walk n
  g.a_vec = g.a_kmajor ? (p.csA == 1 && vec_ok(p.A, p.rsA, p.bsA, p.nbatch, V))
                       : (p.rsA == 1 && vec_ok(p.A, p.csA, p.bsA, p.nbatch, V));
  g.b_vec = g.b_kmajor ? (p.rsB == 1 && vec_ok(p.B, p.csB, p.bsB, p.nbatch, V))
                       : (p.csB == 1 && vec_ok(p.B, p.rsB, p.bsB, p.nbatch, V));
  g.batch = p.batch_count();
  g.bm = make_batch(p, false);
  g.epi = make_epi<T>(p);
  return g;
}

int sm_count(int device) {
  static int cache[64] = {};  // a benign race: every writer stores the same value
  if (device >= 0 && device < 64 && cache[device] > 0) return cache[device];
  int v = 0;
  EMBER_CUDA_CHECK_OP(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device), "gemm");
  if (device >= 0 && device < 64) cache[device] = v;
  return v > 0 ? v : 1;
}

// Split-K when the output has too few tiles to fill the GPU and k is long: about two blocks per SM,
// chunks of at least 512 k (a multiple of BK), at most 64 chunks and 64 MiB of workspace.
template <class T> void plan_split(GemmArgs<T>& g, int bk, int device) {
  g.ksplit = 1;
  g.kchunk = g.K;
  const int64_t blocks = g.tiles_m * g.tiles_n * g.batch;
  const int64_t sms = sm_count(device);
  if (blocks >= sms || g.K < 1024) return;
  int64_t S = std::min<int64_t>({(2 * sms + blocks - 1) / blocks, g.K / 512, 64});
  const int64_t outs = g.M * g.N * g.batch;
  S = std::min<int64_t>(S, (int64_t)(64 << 20) / std::max<int64_t>(1, outs * (int64_t)sizeof(acc_t<T>)));
  if (S < 2) return;
  int64_t chunk = (g.K + S - 1) / S;
  chunk = (chunk + bk - 1) / bk * bk;
  g.kchunk = chunk;
  g.ksplit = (g.K + chunk - 1) / chunk;  // every chunk non-empty
  if (g.ksplit < 2) { g.ksplit = 1; g.kchunk = g.K; }
}

// Launches `kernel` for g (split-K through a workspace tensor on the device when planned).
template <class T, class Kernel>
void launch_tiled(Kernel kernel, GemmArgs<T>& g, const GemmProblem& p, int bk, int device, cudaStream_t s,
                  const char* op) {
  plan_split(g, bk, device);
  Tensor ws;
  if (g.ksplit > 1) {
    const DType wdt = std::is_same_v<acc_t<T>, double> ? DType::Float64 : DType::Float32;
    ws = Tensor::empty(Shape(1, g.ksplit * g.batch * g.M * g.N), wdt, Device(DeviceType::CUDA, device));
    g.ws = static_cast<acc_t<T>*>(ws.raw_data_ptr());
  }
  dim3 grid(capped(g.tiles_m * g.tiles_n, INT_MAX), 1, capped(g.batch * g.ksplit, 65535));
  kernel<<<grid, 256, 0, s>>>(g);
  EMBER_CUDA_LAUNCH_CHECK(op);
  if (g.ksplit > 1) {
    // ws goes back to the caching allocator after this launch is queued: blocks are reused in
    // stream order, so the reduction below reads it before anything else can write it.
    splitk_reduce_kernel<T><<<grid_for(g.M * g.N * g.batch), kThreads, 0, s>>>(
        g.ws, g.ksplit, g.C, g.M, g.N, g.rsC, g.csC, g.batch, g.bm, g.epi);
    EMBER_CUDA_LAUNCH_CHECK(op);
  }
}

template <class T> void run_simt(const GemmProblem& p, int device, cudaStream_t s, const char* op) {
  using Cfg = SimtCfg<T>;
  GemmArgs<T> g = make_args<T>(p, Cfg::V);
  g.tiles_m = (p.M + Cfg::BM - 1) / Cfg::BM;
  g.tiles_n = (p.N + Cfg::BN - 1) / Cfg::BN;
  launch_tiled<T>(simt_gemm_kernel<T>, g, p, Cfg::BK, device, s, op);
}

template <class T> void run_wmma(const GemmProblem& p, int device, cudaStream_t s, const char* op) {
  GemmArgs<T> g = make_args<T>(p, 16 / (int)sizeof(T));
  g.tiles_m = (p.M + 127) / 128;
  g.tiles_n = (p.N + 127) / 128;
  launch_tiled<T>(wmma_gemm_kernel<T>, g, p, WmmaCfg<T>::BK, device, s, op);
}

template <class T> void run_gemv(const GemmProblem& p, cudaStream_t s, const char* op) {
  GemvArgs<T> g;
  g.K = p.K;
  g.batch = p.batch_count();
  g.epi = make_epi<T>(p);
  if (p.N == 1) {  // y = A x: outputs are C's rows
    g.R = p.M;
    g.P = static_cast<const T*>(p.A); g.rsP = p.rsA; g.csP = p.csA;
    g.x = static_cast<const T*>(p.B); g.sx = p.rsB;
    g.y = static_cast<T*>(p.C); g.sy = p.rsC;
    g.out_is_col = false;
    g.bm = make_batch(p, false);
  } else {  // M == 1: y = B^T a: outputs are C's columns
    g.R = p.N;
    g.P = static_cast<const T*>(p.B); g.rsP = p.csB; g.csP = p.rsB;
    g.x = static_cast<const T*>(p.A); g.sx = p.csA;
    g.y = static_cast<T*>(p.C); g.sy = p.csC;
    g.out_is_col = true;
    g.bm = make_batch(p, true);
  }
  const int64_t total = g.R * g.batch;
  if (g.rsP == 1 && g.csP != 1 && g.R > 1) {
    gemv_cols_kernel<T><<<capped((total + 31) / 32, 1 << 20), dim3(32, 8), 0, s>>>(g);
  } else if (total <= 256 && g.K >= 2048) {
    gemv_reduce_kernel<T, 256><<<capped(total, 1 << 20), 256, 0, s>>>(g);
  } else {
    gemv_reduce_kernel<T, 32><<<capped((total + 7) / 8, 1 << 20), 256, 0, s>>>(g);
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

template <class T> void run_scale(const GemmProblem& p, cudaStream_t s, const char* op) {
  const int64_t total = p.M * p.N * p.batch_count();
  scale_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<T*>(p.C), p.M, p.N, p.rsC, p.csC,
                                                       p.batch_count(), make_batch(p, false), make_epi<T>(p));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

template <class T>
void run_typed(const GemmProblem& p, bool allow_tf32, int device, cudaStream_t s, const char* op) {
  if (p.K == 0) return run_scale<T>(p, s, op);
  if (p.M == 1 || p.N == 1) return run_gemv<T>(p, s, op);
  if constexpr (is_half_v<T>) {
    run_wmma<T>(p, device, s, op);
  } else if constexpr (std::is_same_v<T, float>) {
    if (allow_tf32) run_wmma<float>(p, device, s, op);
    else run_simt<float>(p, device, s, op);
  } else {
    run_simt<T>(p, device, s, op);
  }
}

}  // namespace

void gemm(const GemmProblem& p, int device, bool allow_tf32, const char* op) {
  const DType dt = p.dtype;
  if (!is_floating(dt))
    EMBER_FAIL(op, "\"addmm_cuda\" not implemented for '", torch_type_name(dt), "'");
  EMBER_CHECK(p.nbatch >= 0 && p.nbatch <= kGemmMaxBatchDims, op, "internal error: ", p.nbatch, " batch dims");
  if (p.M <= 0 || p.N <= 0 || p.batch_count() <= 0) return;
  DeviceGuard guard(device);
  cudaStream_t s = as_stream(current_stream(device));
  dispatch_float(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_typed<T>(p, allow_tf32, device, s, op);
  });
}

}  // namespace ember::cuda
