// row_reduce.cuh — device helpers shared by the softmax, loss and norm CUDA kernels (softmax_cuda.cu,
// loss_cuda.cu, norm_cuda.cu): reductions over a "row group" that is either one warp (kWarp, rows
// of up to ~1024 elements) or the whole block (longer rows), the online (max, sum of exp) state of
// softmax, and exp/log/rsqrt on the compute type. Every group_* function is called by ALL threads
// of the group (the whole warp, or the whole block) with block-uniform control flow.
#pragma once
#include <cuda_runtime.h>
#include <cmath>
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"

namespace ember::cuda::rowred {

__device__ __forceinline__ float dexp(float v) { return expf(v); }
__device__ __forceinline__ double dexp(double v) { return exp(v); }
__device__ __forceinline__ float dlog(float v) { return logf(v); }
__device__ __forceinline__ double dlog(double v) { return log(v); }
__device__ __forceinline__ float dsqrt(float v) { return sqrtf(v); }
__device__ __forceinline__ double dsqrt(double v) { return sqrt(v); }
template <class A> __device__ __forceinline__ A neg_inf() { return -std::numeric_limits<A>::infinity(); }

// Sum over the group; `scratch` (>= 32 A in shared memory) is only used by the block form, which
// synchronizes before returning (scratch may be reused at once).
template <bool kWarp, class A> __device__ __forceinline__ A group_sum(A v, A* scratch) {
  if constexpr (kWarp) return warp_sum(v);
  else return block_sum(v, scratch);
}

// ---- online softmax state: m = running max (NaN propagates), s = sum exp(x - m) -------------------
template <class A> struct MaxSum {
  A m, s;
};
template <class A> __device__ __forceinline__ MaxSum<A> ms_identity() { return {neg_inf<A>(), A(0)}; }
template <class A> __device__ __forceinline__ void ms_push(MaxSum<A>& st, A x) {
  const A nm = MaxOp{}(st.m, x);
  if (nm == neg_inf<A>()) return;  // m and x both -inf: nothing to add (exp(-inf - -inf) would be nan)
  st.s = st.s * dexp(st.m - nm) + dexp(x - nm);
  st.m = nm;
}
template <class A> __device__ __forceinline__ MaxSum<A> ms_combine(MaxSum<A> a, MaxSum<A> b) {
  const A nm = MaxOp{}(a.m, b.m);
  if (nm == neg_inf<A>()) return {nm, a.s + b.s};  // both empty (s == 0)
  return {nm, a.s * dexp(a.m - nm) + b.s * dexp(b.m - nm)};
}
template <class A> __device__ __forceinline__ MaxSum<A> warp_ms(MaxSum<A> v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    MaxSum<A> o;
    o.m = __shfl_xor_sync(kFullMask, v.m, off);
    o.s = __shfl_xor_sync(kFullMask, v.s, off);
    v = ms_combine(v, o);
  }
  return v;
}
// `scratch` holds >= 32 MaxSum<A> in shared memory (block form only); synchronizes before returning.
template <bool kWarp, class A> __device__ MaxSum<A> group_ms(MaxSum<A> v, MaxSum<A>* scratch) {
  v = warp_ms(v);
  if constexpr (kWarp) {
    return v;
  } else {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    MaxSum<A> r = lane < nwarps ? scratch[lane] : ms_identity<A>();
    r = warp_ms(r);
    __syncthreads();
    return r;
  }
}

// ---- launch helpers -----------------------------------------------------------------------------------
// Blocks for a loop over `items` work items with `per_block` items per block, capped (the kernels
// are grid-stride loops, so any cap is correct).
inline unsigned int blocks_for(int64_t items, int64_t per_block) {
  int64_t b = (items + per_block - 1) / per_block;
  if (b < 1) b = 1;
  if (b > (int64_t)1 << 20) b = (int64_t)1 << 20;
  return (unsigned int)b;
}
// A block size for one block per row of n elements: a multiple of 32 in [64, 512].
inline int row_block_threads(int64_t n) {
  int t = 64;
  while (t < 512 && (int64_t)t * 4 < n) t *= 2;
  return t;
}

}  // namespace ember::cuda::rowred
