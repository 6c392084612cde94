// block_reduce.cuh — warp- and block-level reductions shared by the CUDA kernels that reduce
// (sum/max/argmax reductions, softmax, normalization, losses). Every function is called by ALL
// threads of the warp (warp_*) or of the block (block_*); blockDim.x must be a multiple of 32 and
// at most 1024. Results are returned to every participating thread.
#pragma once
#include <cuda_runtime.h>
#include <cfloat>
#include <limits>
#include <type_traits>

namespace ember::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

// ---- combiners ----------------------------------------------------------------------------------
struct SumOp { template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; } };
// max/min that propagate NaN (as torch's reductions do).
struct MaxOp {
  template <class T> __device__ __forceinline__ T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) { if (a != a) return a; if (b != b) return b; }
    return a > b ? a : b;
  }
};
struct MinOp {
  template <class T> __device__ __forceinline__ T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) { if (a != a) return a; if (b != b) return b; }
    return a < b ? a : b;
  }
};

// ---- warp -----------------------------------------------------------------------------------------
// Butterfly reduction over the 32 lanes: every lane gets the result.
template <class T, class Op> __device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, off));
  return v;
}
template <class T> __device__ __forceinline__ T warp_sum(T v) { return warp_reduce(v, SumOp{}); }
template <class T> __device__ __forceinline__ T warp_max(T v) { return warp_reduce(v, MaxOp{}); }

// ---- block ----------------------------------------------------------------------------------------
// `scratch` holds at least 32 T in shared memory. The function synchronizes before returning,
// so `scratch` may be reused by the caller right after (e.g. two reductions in a row).
template <class T, class Op> __device__ T block_reduce(T v, Op op, T identity, T* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  v = warp_reduce(v, op);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = lane < nwarps ? scratch[lane] : identity;
  r = warp_reduce(r, op);  // every warp reduces the per-warp partials, so all threads get r
  __syncthreads();
  return r;
}
template <class T> __device__ __forceinline__ T block_sum(T v, T* scratch) { return block_reduce(v, SumOp{}, T(0), scratch); }
template <class T> __device__ __forceinline__ T block_max(T v, T* scratch) {
  if constexpr (std::is_floating_point_v<T>) return block_reduce(v, MaxOp{}, T(-INFINITY), scratch);
  else return block_reduce(v, MaxOp{}, std::numeric_limits<T>::lowest(), scratch);
}

// ---- Welford (mean, M2, count) for variance -------------------------------------------------------
template <class T> struct Welford {
  T mean = 0, m2 = 0, n = 0;  // n as T: counts up to 2^24 exactly in float, 2^53 in double
  __device__ __forceinline__ void push(T x) {
    n += T(1);
    T d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  __device__ __forceinline__ static Welford combine(const Welford& a, const Welford& b) {
    if (a.n == T(0)) return b;
    if (b.n == T(0)) return a;
    Welford r;
    r.n = a.n + b.n;
    T d = b.mean - a.mean, fb = b.n / r.n;
    r.mean = a.mean + d * fb;
    r.m2 = a.m2 + b.m2 + d * d * a.n * fb;
    return r;
  }
};
template <class T> __device__ __forceinline__ Welford<T> warp_welford(Welford<T> w) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    Welford<T> o;
    o.mean = __shfl_xor_sync(kFullMask, w.mean, off);
    o.m2 = __shfl_xor_sync(kFullMask, w.m2, off);
    o.n = __shfl_xor_sync(kFullMask, w.n, off);
    w = Welford<T>::combine(w, o);
  }
  return w;
}
// `scratch` holds at least 32 Welford<T> in shared memory; synchronizes before returning.
template <class T> __device__ Welford<T> block_welford(Welford<T> w, Welford<T>* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  w = warp_welford(w);
  if (lane == 0) scratch[warp] = w;
  __syncthreads();
  Welford<T> r = lane < nwarps ? scratch[lane] : Welford<T>{};
  r = warp_welford(r);
  __syncthreads();
  return r;
}

}  // namespace ember::cuda
