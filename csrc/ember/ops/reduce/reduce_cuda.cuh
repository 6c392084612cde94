// reduce_cuda.cuh — the CUDA reduction engine shared by the reduce family's .cu files (internal).
//
// A reduction is described by the CPU's ReduceLayout (reduce_layout.h): kept dims (ksize, kin,
// kout) and reduced dims (rsize, rin), each group coalesced and ordered innermost LAST, strides
// in elements. Output `o` (row-major over the kept dims) reduces the flat reduced positions
// r in [0, nred). Two kernels cover every layout:
//   rows — the reduced dims move fastest in memory (e.g. sum over the last dim, or a full
//          reduction): a block row of bx threads (32..512, a multiple of 32) shares one output,
//          by = 256/bx outputs per block; contiguous rows use 16-byte vector loads, four in
//          flight per thread. Warp shuffle, then shared memory across the row's warps.
//   cols — a kept dim moves fastest (e.g. sum over dim 0 of a row-major matrix): a block is
//          32 outputs (threadIdx.x, coalesced across the warp) x 8 slices of the reduction
//          (threadIdx.y), combined in shared memory in a fixed order.
// Few outputs with a long reduction: the reduction is split into `nsplit` chunks over
// blockIdx.y; each block writes a partial into a temporary tensor and a second rows pass (the
// FinP policy: combine only) folds the partials of each output. Chunking depends only on the
// shapes, so results are deterministic (no atomics) and the same on every run.
// A policy P gives: T (input element, device type), A (accumulator), identity(), map(x, aux, r)
// (r: the flat reduced index, used by the arg reductions) and a combiner Comb with f(a, b) and
// identity<A>() (used by the second pass).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/reduce/reduce_kernels.h"

namespace ember::cuda::red {

// ---- layout on the device -------------------------------------------------------------------------
struct RGeom {
  int nk = 0, nr = 0;
  int64_t nout = 0, nred = 0;
  int64_t ksize[kMaxIterDims], kin[kMaxIterDims], kout[kMaxIterDims];
  int64_t rsize[kMaxIterDims], rin[kMaxIterDims];

  // Input / output element offsets of output `o` (row-major over the kept dims).
  __device__ __forceinline__ void kept(int64_t o, int64_t& io, int64_t& oo) const {
    io = 0;
    oo = 0;
    for (int d = nk - 1; d >= 0; --d) {
      const int64_t q = o / ksize[d], i = o - q * ksize[d];
      o = q;
      io += i * kin[d];
      oo += i * kout[d];
    }
  }
  // Input element offset of flat reduced position r (row-major over the reduced dims).
  __device__ __forceinline__ int64_t red(int64_t r) const {
    if (nr == 1) return r * rin[0];
    int64_t off = 0;
    for (int d = nr - 1; d >= 0; --d) {
      const int64_t q = r / rsize[d], i = r - q * rsize[d];
      r = q;
      off += i * rin[d];
    }
    return off;
  }
};

inline RGeom make_geom(const ReduceLayout& L) {
  RGeom g;
  g.nk = L.nk;
  g.nr = L.nr;
  g.nout = L.nout;
  g.nred = L.nred;
  for (int d = 0; d < kMaxIterDims; ++d) {
    const bool k = d < L.nk, r = d < L.nr;
    g.ksize[d] = k ? L.ksize[d] : 1;
    g.kin[d] = k ? L.kin[d] : 0;
    g.kout[d] = k ? L.kout[d] : 0;
    g.rsize[d] = r ? L.rsize[d] : 1;
    g.rin[d] = r ? L.rin[d] : 0;
  }
  return g;
}

// ---- scalar helpers ---------------------------------------------------------------------------------
template <class T> __device__ __forceinline__ acc_t<T> cv(T x) { return load<T>(&x); }
template <class V> __device__ __forceinline__ bool isnan_(V v) {
  if constexpr (std::is_floating_point_v<V>) return v != v;
  else return false;
}
__device__ __forceinline__ float m_abs(float v) { return fabsf(v); }
__device__ __forceinline__ double m_abs(double v) { return fabs(v); }
__device__ __forceinline__ float m_exp(float v) { return expf(v); }
__device__ __forceinline__ double m_exp(double v) { return exp(v); }
__device__ __forceinline__ float m_log(float v) { return logf(v); }
__device__ __forceinline__ double m_log(double v) { return log(v); }
__device__ __forceinline__ float m_log1p(float v) { return log1pf(v); }
__device__ __forceinline__ double m_log1p(double v) { return log1p(v); }
__device__ __forceinline__ float m_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double m_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ float m_sqrt(float v) { return sqrtf(v); }
__device__ __forceinline__ double m_sqrt(double v) { return sqrt(v); }
template <class V> __host__ __device__ __forceinline__ V lowest_() {
  if constexpr (std::is_floating_point_v<V>) return -std::numeric_limits<V>::infinity();
  else return std::numeric_limits<V>::lowest();
}
template <class V> __host__ __device__ __forceinline__ V highest_() {
  if constexpr (std::is_floating_point_v<V>) return std::numeric_limits<V>::infinity();
  else return std::numeric_limits<V>::max();
}

// (value, index) of the arg reductions; index -1 marks the identity (no element seen).
// No default member initializers: instances live in __shared__ memory.
template <class C> struct ArgPair {
  C v;
  int64_t i;
};
template <class C> struct is_arg_pair : std::false_type {};
template <class C> struct is_arg_pair<ArgPair<C>> : std::true_type {};

// Warp shuffles for every accumulator type (sub-word integers and bool travel as int).
template <class T> __device__ __forceinline__ T shfl_xor(T v, int m) {
  if constexpr (is_arg_pair<T>::value) {
    T r;
    r.v = shfl_xor(v.v, m);
    r.i = shfl_xor(v.i, m);
    return r;
  } else if constexpr (std::is_same_v<T, bool>) {
    return __shfl_xor_sync(kFullMask, (int)v, m) != 0;
  } else if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return (T)__shfl_xor_sync(kFullMask, (int)v, m);
  } else {
    return __shfl_xor_sync(kFullMask, v, m);
  }
}
template <class T> __device__ __forceinline__ T shfl_up(T v, unsigned d) {
  if constexpr (is_arg_pair<T>::value) {
    T r;
    r.v = shfl_up(v.v, d);
    r.i = shfl_up(v.i, d);
    return r;
  } else if constexpr (std::is_same_v<T, bool>) {
    return __shfl_up_sync(kFullMask, (int)v, d) != 0;
  } else if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return (T)__shfl_up_sync(kFullMask, (int)v, d);
  } else {
    return __shfl_up_sync(kFullMask, v, d);
  }
}

// ---- combiners --------------------------------------------------------------------------------------
struct CSum {
  template <class A> __device__ static A identity() { return A(0); }
  template <class A> __device__ static A f(A a, A b) { return a + b; }
};
struct CProd {
  template <class A> __device__ static A identity() { return A(1); }
  template <class A> __device__ static A f(A a, A b) { return a * b; }
};
// nan-propagating max/min (as the CPU's MaxP/MinP)
struct CMax {
  template <class A> __device__ static A identity() { return lowest_<A>(); }
  template <class A> __device__ static A f(A a, A b) { return (a > b || isnan_(a)) ? a : b; }
};
struct CMin {
  template <class A> __device__ static A identity() { return highest_<A>(); }
  template <class A> __device__ static A f(A a, A b) { return (a < b || isnan_(a)) ? a : b; }
};
struct CAnd {
  template <class A> __device__ static A identity() { return true; }
  template <class A> __device__ static A f(A a, A b) { return a && b; }
};
struct COr {
  template <class A> __device__ static A identity() { return false; }
  template <class A> __device__ static A f(A a, A b) { return a || b; }
};
// First extreme wins; nan counts as the extreme (the first nan). Associative and commutative,
// so any combination order gives the CPU's answer exactly.
template <bool IsMax> struct CArg {
  template <class A> __device__ static A identity() { A r; r.v = 0; r.i = -1; return r; }
  template <class A> __device__ static A f(A a, A b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = isnan_(a.v), bn = isnan_(b.v);
    if (an || bn) {
      if (an && bn) return a.i < b.i ? a : b;
      return an ? a : b;
    }
    if (IsMax ? a.v > b.v : a.v < b.v) return a;
    if (IsMax ? b.v > a.v : b.v < a.v) return b;
    return a.i < b.i ? a : b;
  }
};

// ---- policies (CPU counterparts in reduce_engine.inc) ------------------------------------------------
template <class T_, class A_, class C_> struct PolicyBase {
  using T = T_;
  using A = A_;
  using Comb = C_;
  __device__ A identity() const { return C_::template identity<A>(); }
  __device__ static A combine(A a, A b) { return C_::f(a, b); }
};
template <class T, class A> struct SumP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { return A(cv(x)); }
};
template <class T, class A> struct NanSumP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { A v = A(cv(x)); return isnan_(v) ? A(0) : v; }
};
template <class T, class A> struct ProdP : PolicyBase<T, A, CProd> {
  __device__ A map(T x, A, int64_t) const { return A(cv(x)); }
};
template <class T, class A> struct SqDevP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A aux, int64_t) const { A d = A(cv(x)) - aux; return d * d; }
};
template <class T, class A> struct AbsSumP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { return m_abs(A(cv(x))); }
};
template <class T, class A> struct SqSumP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { A v = A(cv(x)); return v * v; }
};
template <class T, class A> struct PowSumP : PolicyBase<T, A, CSum> {
  A p;  // the exponent (set on the host)
  __device__ A map(T x, A, int64_t) const { return m_pow(m_abs(A(cv(x))), p); }
};
template <class T, class A> struct NonZeroP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { return cv(x) != 0 ? A(1) : A(0); }
};
template <class T, class A> struct ExpShiftP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A aux, int64_t) const { return m_exp(A(cv(x)) - aux); }
};
template <class T, class A> struct CountNotNanP : PolicyBase<T, A, CSum> {
  __device__ A map(T x, A, int64_t) const { auto v = cv(x); return v == v ? A(1) : A(0); }
};
template <class T, class A> struct CountP : PolicyBase<T, A, CSum> {  // bool input
  __device__ A map(T x, A, int64_t) const { return x ? A(1) : A(0); }
};
template <class T, class A> struct AllP : PolicyBase<T, A, CAnd> {
  __device__ A map(T x, A, int64_t) const { return bool(x); }
};
template <class T, class A> struct AnyP : PolicyBase<T, A, COr> {
  __device__ A map(T x, A, int64_t) const { return bool(x); }
};
template <class T, class A> struct MaxP : PolicyBase<T, A, CMax> {
  __device__ A map(T x, A, int64_t) const { return A(cv(x)); }
};
template <class T, class A> struct MinP : PolicyBase<T, A, CMin> {
  __device__ A map(T x, A, int64_t) const { return A(cv(x)); }
};
template <class T, class A> struct AbsMaxP : PolicyBase<T, A, CMax> {
  __device__ A identity() const { return A(0); }
  __device__ A map(T x, A, int64_t) const { return m_abs(A(cv(x))); }
};
template <class T, class A> struct AbsMinP : PolicyBase<T, A, CMin> {
  __device__ A map(T x, A, int64_t) const { return m_abs(A(cv(x))); }
};
// Arg reductions: A = ArgPair<C>, the index is the flat reduced position (a single dim).
template <class T, class C, bool IsMax> struct ArgP : PolicyBase<T, ArgPair<C>, CArg<IsMax>> {
  __device__ ArgPair<C> map(T x, ArgPair<C>, int64_t r) const {
    ArgPair<C> p;
    p.v = C(cv(x));
    p.i = r;
    return p;
  }
};
// Second pass over the partials: combine only.
template <class A_, class C_> struct FinP : PolicyBase<A_, A_, C_> {
  __device__ A_ map(A_ x, A_, int64_t) const { return x; }
};

// ---- output writers -----------------------------------------------------------------------------------
template <class A> struct StoreOut {
  A* p;
  __device__ __forceinline__ void operator()(int64_t oo, const A& v) const { p[oo] = v; }
};
template <class C> struct ArgOut {
  C* vals;        // may be null (argmax/argmin)
  int64_t* idx;
  __device__ __forceinline__ void operator()(int64_t oo, const ArgPair<C>& v) const {
    if (vals) vals[oo] = v.v;
    idx[oo] = v.i;
  }
};

// ---- block-level helpers ------------------------------------------------------------------------------
template <class P> __device__ __forceinline__ typename P::A warp_combine(typename P::A v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = P::combine(v, shfl_xor(v, off));
  return v;
}

__device__ __forceinline__ bool is_aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// acc <- acc (+) map(x[i]) for i = tx, tx + bx, ... < len over a contiguous run that starts at
// flat reduced position r0. Aligned runs go through 16-byte vectors, four loads in flight.
template <class P>
__device__ __forceinline__ void accumulate_contig(const P& p, const typename P::T* __restrict__ x, int64_t len,
                                                  int64_t r0, typename P::A av, int tx, int bx, typename P::A& acc) {
  using T = typename P::T;
  constexpr int V = is_arg_pair<T>::value ? 1 : vec_width<T>();
  int64_t done = 0;
  if constexpr (V > 1) {
    if (is_aligned16(x)) {
      const int64_t nv = len / V;
      const Vec<T, V>* xv = reinterpret_cast<const Vec<T, V>*>(x);
      int64_t j = tx;
      for (; j + 3 * (int64_t)bx < nv; j += 4 * (int64_t)bx) {
        Vec<T, V> u[4];
#pragma unroll
        for (int k = 0; k < 4; ++k) u[k] = xv[j + k * (int64_t)bx];
#pragma unroll
        for (int k = 0; k < 4; ++k) {
          const int64_t rb = r0 + (j + k * (int64_t)bx) * V;
#pragma unroll
          for (int e = 0; e < V; ++e) acc = P::combine(acc, p.map(u[k].v[e], av, rb + e));
        }
      }
      for (; j < nv; j += bx) {
        const Vec<T, V> u = xv[j];
#pragma unroll
        for (int e = 0; e < V; ++e) acc = P::combine(acc, p.map(u.v[e], av, r0 + j * V + e));
      }
      done = nv * V;
    }
  }
  for (int64_t i = done + tx; i < len; i += bx) acc = P::combine(acc, p.map(x[i], av, r0 + i));
}

constexpr int kRowThreads = 256;   // threads per block of the rows kernel (512 when bx = 512)
constexpr int kMaxRowBx = 512;
constexpr int kColX = 32, kColY = 8;
constexpr int64_t kTargetBlocks = 1024;  // enough blocks to fill an H100 (132 SMs) several times over

// ---- the rows kernel ----------------------------------------------------------------------------------
// blockDim = (bx, by), bx a multiple of 32, bx * by <= 512. Output o = blockIdx.x * by + ty;
// chunk q = blockIdx.y covers reduced positions [q * chunk, (q + 1) * chunk). With `part`
// non-null the result goes to part[o * gridDim.y + q], else through `out` at the output offset.
template <class P, class Out>
__global__ void __launch_bounds__(512) reduce_rows_kernel(const __grid_constant__ RGeom g, const P p,
                                                          const typename P::T* __restrict__ in,
                                                          const typename P::A* __restrict__ aux, const Out out,
                                                          typename P::A* __restrict__ part, int64_t chunk) {
  using T = typename P::T;
  using A = typename P::A;
  __shared__ A scratch[kMaxRowBx / 32];
  const int tx = threadIdx.x, ty = threadIdx.y, bx = blockDim.x;
  const int64_t o = (int64_t)blockIdx.x * blockDim.y + ty;
  const int64_t q = blockIdx.y;
  A acc = p.identity();
  int64_t io = 0, oo = 0;
  if (o < g.nout) {
    g.kept(o, io, oo);
    const A av = aux ? aux[oo] : A{};
    const int64_t r0 = q * chunk;
    const int64_t r1 = r0 + chunk < g.nred ? r0 + chunk : g.nred;
    const T* base = in + io;
    if (g.nr == 1 && g.rin[0] == 1) {
      if (r1 > r0) accumulate_contig(p, base + r0, r1 - r0, r0, av, tx, bx, acc);
    } else {
      for (int64_t r = r0 + tx; r < r1; r += bx) acc = P::combine(acc, p.map(base[g.red(r)], av, r));
    }
  }
  // Every thread of the block reaches this point (no early return): full-warp shuffles.
  acc = warp_combine<P>(acc);
  const int nw = bx >> 5;  // warps per block row; warps never straddle rows (bx % 32 == 0)
  if (nw > 1) {
    if ((tx & 31) == 0) scratch[ty * nw + (tx >> 5)] = acc;
    __syncthreads();
    if (tx < 32) acc = warp_combine<P>(tx < nw ? scratch[ty * nw + tx] : p.identity());
  }
  if (tx == 0 && o < g.nout) {
    if (part) part[o * (int64_t)gridDim.y + q] = acc;
    else out(oo, acc);
  }
}

// ---- the cols kernel ----------------------------------------------------------------------------------
// blockDim = (kColX, kColY): output o = blockIdx.x * kColX + tx; slice ty of chunk q walks the
// reduced positions r0 + ty, r0 + ty + kColY, ...; the kColY slices are combined in order.
template <class P, class Out>
__global__ void __launch_bounds__(kColX * kColY) reduce_cols_kernel(const __grid_constant__ RGeom g, const P p,
                                                                    const typename P::T* __restrict__ in,
                                                                    const typename P::A* __restrict__ aux,
                                                                    const Out out, typename P::A* __restrict__ part,
                                                                    int64_t chunk) {
  using T = typename P::T;
  using A = typename P::A;
  __shared__ A sm[kColY][kColX + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t o = (int64_t)blockIdx.x * kColX + tx;
  const int64_t q = blockIdx.y;
  A acc = p.identity();
  int64_t io = 0, oo = 0;
  if (o < g.nout) {
    g.kept(o, io, oo);
    const A av = aux ? aux[oo] : A{};
    const int64_t r0 = q * chunk;
    const int64_t r1 = r0 + chunk < g.nred ? r0 + chunk : g.nred;
    const T* base = in + io;
    if (g.nr <= 1) {
      const int64_t s = g.nr ? g.rin[0] : 0;
      for (int64_t r = r0 + ty; r < r1; r += kColY) acc = P::combine(acc, p.map(base[r * s], av, r));
    } else {
      for (int64_t r = r0 + ty; r < r1; r += kColY) acc = P::combine(acc, p.map(base[g.red(r)], av, r));
    }
  }
  sm[ty][tx] = acc;
  __syncthreads();
  if (ty == 0 && o < g.nout) {
#pragma unroll
    for (int k = 1; k < kColY; ++k) acc = P::combine(acc, sm[k][tx]);
    if (part) part[o * (int64_t)gridDim.y + q] = acc;
    else out(oo, acc);
  }
}

// ---- host launcher ------------------------------------------------------------------------------------
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Threads per output row of the rows kernel: about 16 elements per thread, 32..512.
inline int row_bx(int64_t len) {
  int bx = 32;
  while (bx < kMaxRowBx && (int64_t)bx * 16 < len) bx *= 2;
  return bx;
}

// Launch the reduction of layout L with policy p; `out` writes the finished accumulator of each
// output at its offset. `in` points at element 0 of the input view, `aux` (or null) is addressed
// like the output. Runs on `s` (the current stream of the output's device; the caller holds a
// DeviceGuard). nout == 0 must be handled by the caller.
template <class P, class Out>
void launch_reduce(const char* op, const ReduceLayout& L, const P& p, const typename P::T* in,
                   const typename P::A* aux, const Out& out, Device dev, cudaStream_t s) {
  using A = typename P::A;
  const RGeom g = make_geom(L);
  const int64_t nout = L.nout, nred = L.nred;
  if (nout == 0) return;
  const bool col_friendly = L.nk >= 1 && (L.nr == 0 || L.kin[L.nk - 1] < L.rin[L.nr - 1]);
  const bool rows = !col_friendly && nred >= 32;
  int bx, by;
  int64_t blocks, nsplit = 1, chunk = nred;
  if (rows) {
    bx = row_bx(nred);
    by = bx >= kRowThreads ? 1 : kRowThreads / bx;
    blocks = ceil_div(nout, by);
    if (blocks < kTargetBlocks && nred >= 4 * (int64_t)bx * 16) {
      nsplit = std::min(ceil_div(kTargetBlocks, blocks), ceil_div(nred, (int64_t)bx * 16));
      chunk = ceil_div(ceil_div(nred, nsplit), 64) * 64;  // keeps 16-byte alignment of contiguous chunks
      nsplit = ceil_div(nred, chunk);
    }
  } else {
    bx = kColX;
    by = kColY;
    blocks = ceil_div(nout, kColX);
    if (blocks < kTargetBlocks && nred >= 4 * (int64_t)kColY * 32) {
      nsplit = std::min(ceil_div(kTargetBlocks, blocks), ceil_div(nred, (int64_t)kColY * 32));
      chunk = ceil_div(nred, nsplit);
      nsplit = ceil_div(nred, chunk);
    }
  }
  EMBER_CHECK(blocks <= 0x7fffffffLL && nsplit <= 65535, op, "reduction too large for one CUDA launch");
  Tensor part_t;
  A* part = nullptr;
  if (nsplit > 1) {
    part_t = Tensor::empty({nout * nsplit * (int64_t)sizeof(A)}, DType::UInt8, dev);
    part = static_cast<A*>(part_t.raw_data_ptr());
  }
  const dim3 grid((unsigned)blocks, (unsigned)nsplit), block((unsigned)bx, (unsigned)by);
  if (rows) reduce_rows_kernel<P, Out><<<grid, block, 0, s>>>(g, p, in, aux, out, part, chunk);
  else reduce_cols_kernel<P, Out><<<grid, block, 0, s>>>(g, p, in, aux, out, part, chunk);
  EMBER_CUDA_LAUNCH_CHECK(op);
  if (nsplit == 1) return;
  // Second pass: fold the nsplit partials of each output (contiguous, row-major over kept dims).
  ReduceLayout L2;
  L2.nk = L.nk;
  int64_t st = nsplit;
  for (int d = L.nk - 1; d >= 0; --d) {
    L2.ksize[d] = L.ksize[d];
    L2.kout[d] = L.kout[d];
    L2.kin[d] = st;
    st *= L.ksize[d];
  }
  L2.nr = 1;
  L2.rsize[0] = nsplit;
  L2.rin[0] = 1;
  L2.nout = nout;
  L2.nred = nsplit;
  const RGeom g2 = make_geom(L2);
  using F = FinP<A, typename P::Comb>;
  const int bx2 = row_bx(nsplit), by2 = bx2 >= kRowThreads ? 1 : kRowThreads / bx2;
  const int64_t blocks2 = ceil_div(nout, by2);
  reduce_rows_kernel<F, Out><<<dim3((unsigned)blocks2, 1), dim3((unsigned)bx2, (unsigned)by2), 0, s>>>(
      g2, F{}, part, nullptr, out, nullptr, nsplit);
  EMBER_CUDA_LAUNCH_CHECK(op);
  // part_t goes back to the caching allocator here; the allocator's stream-ordered reuse keeps it
  // valid for the kernels already queued on `s`.
}

}  // namespace ember::cuda::red
