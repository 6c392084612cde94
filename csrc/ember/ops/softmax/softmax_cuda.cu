// softmax_cuda.cu — softmax / log_softmax forward and backward on CUDA.
// Layout (outer, C, inner), contiguous. Three kernels:
// - inner == 1, C <= 1024: one warp per row; the row lives in registers (E = 1..32 values per
//   lane, lane-strided so loads coalesce); max and sum are warp butterflies.
// - inner == 1, C > 1024 (or a strided dim with few columns and a long C): one block per row
//   (row elements at stride `inner`); forward keeps an online (max, sum exp) state per thread,
//   combined across the block, then a write pass (the row is re-read from L2).
// - inner > 1: one thread per (outer, inner) column, walking C with stride `inner` (adjacent
//   threads read adjacent addresses): an online (max, sum) pass, then the write pass.
// Compute type: float for float16/bfloat16/float32, double for float64 (as the CPU).
#include "ember/ops/softmax/row_reduce.cuh"
#include "ember/ops/softmax/softmax_cuda.h"

namespace ember::cuda {
namespace {

using namespace rowred;

constexpr int kWarpRows = 4;  // rows (warps) per block of the warp kernels: 128 threads

// ---- forward --------------------------------------------------------------------------------------
template <class T, int E>
__global__ void __launch_bounds__(kWarpRows * 32)
    softmax_warp_fwd(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int C, bool log) {
  using A = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int64_t step = (int64_t)gridDim.x * kWarpRows;
  for (int64_t r = (int64_t)blockIdx.x * kWarpRows + (threadIdx.x >> 5); r < rows; r += step) {  // warp-uniform
    const T* xr = x + r * C;
    T* yr = y + r * C;
    A v[E];
    A m = neg_inf<A>();
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int c = lane + e * 32;
      v[e] = c < C ? load<T>(xr + c) : neg_inf<A>();
      m = MaxOp{}(m, v[e]);
    }
    m = warp_reduce(m, MaxOp{});
    A s = 0;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int c = lane + e * 32;
      if (c < C) {
        const A ex = dexp(v[e] - m);
        s += ex;
        if (!log) v[e] = ex;
      }
    }
    s = warp_sum(s);
    if (log) {
      const A ls = dlog(s);
#pragma unroll
      for (int e = 0; e < E; ++e) {
        const int c = lane + e * 32;
        if (c < C) yr[c] = from_acc<T>((v[e] - m) - ls);
      }
    } else {
      const A inv = A(1) / s;
#pragma unroll
      for (int e = 0; e < E; ++e) {
        const int c = lane + e * 32;
        if (c < C) yr[c] = from_acc<T>(v[e] * inv);
      }
    }
  }
}

// One block per row; row r = (o, i) has elements at o*C*inner + i + c*inner.
template <class T>
__global__ void softmax_block_fwd(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t C, int64_t inner,
                                  bool log) {
  using A = acc_t<T>;
  __shared__ MaxSum<A> scratch[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {  // block-uniform
    const int64_t o = r / inner, i = r - o * inner, base = o * C * inner + i;
    MaxSum<A> st = ms_identity<A>();
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) ms_push(st, load<T>(x + base + c * inner));
    st = group_ms<false>(st, scratch);
    if (log) {
      const A ls = dlog(st.s);
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
        const int64_t k = base + c * inner;
        y[k] = from_acc<T>((load<T>(x + k) - st.m) - ls);
      }
    } else {
      const A inv = A(1) / st.s;
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
        const int64_t k = base + c * inner;
        y[k] = from_acc<T>(dexp(load<T>(x + k) - st.m) * inv);
      }
    }
  }
}

// One thread per column (o, i) of a strided dim.
template <class T>
__global__ void softmax_col_fwd(const T* __restrict__ x, T* __restrict__ y, int64_t cols, int64_t C, int64_t inner,
                                bool log) {
  using A = acc_t<T>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t col = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; col < cols; col += step) {
    const int64_t o = col / inner, i = col - o * inner, base = o * C * inner + i;
    MaxSum<A> st = ms_identity<A>();
    for (int64_t c = 0; c < C; ++c) ms_push(st, load<T>(x + base + c * inner));
    if (log) {
      const A ls = dlog(st.s);
      for (int64_t c = 0; c < C; ++c) {
        const int64_t k = base + c * inner;
        y[k] = from_acc<T>((load<T>(x + k) - st.m) - ls);
      }
    } else {
      const A inv = A(1) / st.s;
      for (int64_t c = 0; c < C; ++c) {
        const int64_t k = base + c * inner;
        y[k] = from_acc<T>(dexp(load<T>(x + k) - st.m) * inv);
      }
    }
  }
}

// ---- backward -------------------------------------------------------------------------------------
template <class T, int E>
__global__ void __launch_bounds__(kWarpRows * 32)
    softmax_warp_bwd(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ dx, int64_t rows, int C,
                     bool log) {
  using A = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int64_t step = (int64_t)gridDim.x * kWarpRows;
  for (int64_t r = (int64_t)blockIdx.x * kWarpRows + (threadIdx.x >> 5); r < rows; r += step) {  // warp-uniform
    const int64_t off = r * C;
    A gv[E], yv[E];
    A s = 0;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int c = lane + e * 32;
      gv[e] = c < C ? load<T>(g + off + c) : A(0);
      yv[e] = c < C ? load<T>(y + off + c) : A(0);
      s += log ? gv[e] : gv[e] * yv[e];
    }
    s = warp_sum(s);
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int c = lane + e * 32;
      if (c < C) dx[off + c] = from_acc<T>(log ? gv[e] - dexp(yv[e]) * s : yv[e] * (gv[e] - s));
    }
  }
}

template <class T>
__global__ void softmax_block_bwd(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ dx, int64_t rows,
                                  int64_t C, int64_t inner, bool log) {
  using A = acc_t<T>;
  __shared__ A scratch[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {  // block-uniform
    const int64_t o = r / inner, i = r - o * inner, base = o * C * inner + i;
    A s = 0;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      const int64_t k = base + c * inner;
      s += log ? load<T>(g + k) : load<T>(g + k) * load<T>(y + k);
    }
    s = group_sum<false>(s, scratch);
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      const int64_t k = base + c * inner;
      const A gk = load<T>(g + k), yk = load<T>(y + k);
      dx[k] = from_acc<T>(log ? gk - dexp(yk) * s : yk * (gk - s));
    }
  }
}

template <class T>
__global__ void softmax_col_bwd(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ dx, int64_t cols,
                                int64_t C, int64_t inner, bool log) {
  using A = acc_t<T>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t col = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; col < cols; col += step) {
    const int64_t o = col / inner, i = col - o * inner, base = o * C * inner + i;
    A s = 0;
    for (int64_t c = 0; c < C; ++c) {
      const int64_t k = base + c * inner;
      s += log ? load<T>(g + k) : load<T>(g + k) * load<T>(y + k);
    }
    for (int64_t c = 0; c < C; ++c) {
      const int64_t k = base + c * inner;
      const A gk = load<T>(g + k), yk = load<T>(y + k);
      dx[k] = from_acc<T>(log ? gk - dexp(yk) * s : yk * (gk - s));
    }
  }
}

// ---- launch -----------------------------------------------------------------------------------------
// Which kernel: 0 warp-per-row, 1 block-per-row, 2 thread-per-column.
int pick(int64_t outer, int64_t C, int64_t inner) {
  if (inner == 1) return C <= 1024 ? 0 : 1;
  const int64_t cols = outer * inner;
  return (cols < 1024 && C > 1024) ? 1 : 2;
}

// Elements per lane for the warp kernels: the smallest power of two E with 32 * E >= C.
template <class F> void with_elems(int64_t C, F&& f) {
  if (C <= 32) f(std::integral_constant<int, 1>{});
  else if (C <= 64) f(std::integral_constant<int, 2>{});
  else if (C <= 128) f(std::integral_constant<int, 4>{});
  else if (C <= 256) f(std::integral_constant<int, 8>{});
  else if (C <= 512) f(std::integral_constant<int, 16>{});
  else f(std::integral_constant<int, 32>{});
}

}  // namespace

void softmax_forward(const Tensor& x, const Tensor& y, int64_t outer, int64_t C, int64_t inner, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  if (outer * C * inner == 0) return;
  DeviceGuard guard(y.device().index);
  cudaStream_t s = stream_of(y);
  dispatch_float(y.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = static_cast<const T*>(x.raw_data_ptr());
    T* yp = static_cast<T*>(y.raw_data_ptr());
    switch (pick(outer, C, inner)) {
      case 0:
        with_elems(C, [&](auto e) {
          softmax_warp_fwd<T, decltype(e)::value>
              <<<blocks_for(outer, kWarpRows), kWarpRows * 32, 0, s>>>(xp, yp, outer, (int)C, log);
        });
        break;
      case 1:
        softmax_block_fwd<T><<<blocks_for(outer * inner, 1), row_block_threads(C), 0, s>>>(xp, yp, outer * inner, C,
                                                                                          inner, log);
        break;
      default:
        softmax_col_fwd<T><<<blocks_for(outer * inner, kThreads), kThreads, 0, s>>>(xp, yp, outer * inner, C, inner,
                                                                                  log);
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void softmax_backward(const Tensor& g, const Tensor& y, const Tensor& dx, int64_t outer, int64_t C, int64_t inner,
                      bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  if (outer * C * inner == 0) return;
  DeviceGuard guard(dx.device().index);
  cudaStream_t s = stream_of(dx);
  dispatch_float(dx.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gp = static_cast<const T*>(g.raw_data_ptr());
    const T* yp = static_cast<const T*>(y.raw_data_ptr());
    T* dp = static_cast<T*>(dx.raw_data_ptr());
    switch (pick(outer, C, inner)) {
      case 0:
        with_elems(C, [&](auto e) {
          softmax_warp_bwd<T, decltype(e)::value>
              <<<blocks_for(outer, kWarpRows), kWarpRows * 32, 0, s>>>(gp, yp, dp, outer, (int)C, log);
        });
        break;
      case 1:
        softmax_block_bwd<T><<<blocks_for(outer * inner, 1), row_block_threads(C), 0, s>>>(gp, yp, dp, outer * inner,
                                                                                          C, inner, log);
        break;
      default:
        softmax_col_bwd<T><<<blocks_for(outer * inner, kThreads), kThreads, 0, s>>>(gp, yp, dp, outer * inner, C,
                                                                                  inner, log);
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
