// pool_cuda.cu — pooling kernels on CUDA (float16, bfloat16, float32, float64; 16-bit floats
// compute in float). See pool_cuda.h for the algorithms. Geometry as on the CPU: every pool is a
// 3-D pool over planes (B, I0, I1, I2) whose unused leading dims have size 1; indices are flat
// offsets into one input plane. Every index is int64 and every loop is bounded by its count.
#include "ember/ops/pool/pool_cuda.h"

#include <algorithm>
#include "ember/core/error.h"
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"

namespace ember::cuda {

using pool_detail::AvgOpts;
using pool_detail::Geo;

namespace {

struct PGeo {
  int64_t B;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  __host__ __device__ int64_t ip() const { return in[0] * in[1] * in[2]; }
  __host__ __device__ int64_t op() const { return out[0] * out[1] * out[2]; }
};

PGeo dev_geo(const Geo& g) {
  PGeo r;
  r.B = g.B;
  for (int i = 0; i < 3; ++i) {
    r.in[i] = g.in[i]; r.out[i] = g.out[i]; r.k[i] = g.k[i];
    r.s[i] = g.s[i]; r.p[i] = g.p[i]; r.d[i] = g.d[i];
  }
  return r;
}

template <class C> __device__ __forceinline__ bool is_nan(C v) { return v != v; }

// avg_pool's window along one dim (PyTorch's rule, as pool_kernels.cpp avg_range): [lo, hi)
// clipped to the input, ext = the extent including padding.
__device__ __forceinline__ void avg_win(int64_t o, int64_t s, int64_t p, int64_t k, int64_t n, int64_t& lo,
                                        int64_t& hi, int64_t& ext) {
  lo = o * s - p;
  hi = min(lo + k, n + p);
  ext = hi - lo;
  lo = max(lo, (int64_t)0);
  hi = min(hi, n);
}
__device__ __forceinline__ int64_t ad_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
__device__ __forceinline__ int64_t ad_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// (o0, o1, o2) of flat output offset q in a plane.
__device__ __forceinline__ void split3(int64_t q, const int64_t (&n)[3], int64_t& a, int64_t& b, int64_t& c) {
  c = q % n[2];
  b = (q / n[2]) % n[1];
  a = q / (n[2] * n[1]);
}

#define EMBER_GRID_LOOP(i, total)                                                         \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x, ember_step_ = (int64_t)gridDim.x * blockDim.x; \
       i < (total); i += ember_step_)

// ---- max pool --------------------------------------------------------------------------------------
template <class T>
__global__ void max_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ yi, PGeo g) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * OP) {
    const int64_t b = i / OP;
    int64_t o0, o1, o2;
    split3(i % OP, g.out, o0, o1, o2);
    const T* xp = x + b * IP;
    C best = C(-INFINITY);
    int64_t bi = -1;
    for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
      const int64_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0];
      if (i0 < 0 || i0 >= g.in[0]) continue;
      for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
        const int64_t i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1];
        if (i1 < 0 || i1 >= g.in[1]) continue;
        for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
          const int64_t i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
          if (i2 < 0 || i2 >= g.in[2]) continue;
          const int64_t off = (i0 * g.in[1] + i1) * g.in[2] + i2;
          if (bi < 0) bi = off;
          const C v = load<T>(xp + off);
          if (v > best || is_nan(v)) { best = v; bi = off; }
        }
      }
    }
    y[i] = from_acc<T>(best);
    yi[i] = bi < 0 ? 0 : bi;
  }
}

// ---- avg pool --------------------------------------------------------------------------------------
template <class T>
__global__ void avg_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, PGeo g, bool include_pad,
                                    int64_t divisor) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * OP) {
    const int64_t b = i / OP;
    int64_t o[3];
    split3(i % OP, g.out, o[0], o[1], o[2]);
    int64_t lo[3], hi[3], ext[3];
    bool empty = false;
    for (int d = 0; d < 3; ++d) {
      avg_win(o[d], g.s[d], g.p[d], g.k[d], g.in[d], lo[d], hi[d], ext[d]);
      empty = empty || lo[d] >= hi[d];
    }
    if (empty) { y[i] = from_acc<T>(C(0)); continue; }
    const T* xp = x + b * IP;
    C s = C(0);
    for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
      for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1) {
        const T* r = xp + (i0 * g.in[1] + i1) * g.in[2];
        for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2) s += load<T>(r + i2);
      }
    const int64_t div = divisor ? divisor
                        : include_pad ? ext[0] * ext[1] * ext[2]
                                      : (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
    y[i] = from_acc<T>(s / C(div));
  }
}

// Outputs along one dim whose window [o*s - p, o*s - p + k) may hold input position i.
__device__ __forceinline__ void out_range(int64_t i, int64_t s, int64_t p, int64_t k, int64_t out, int64_t& a,
                                          int64_t& e) {
  const int64_t t = i + p - k;
  a = t < 0 ? 0 : t / s + 1;
  e = min(out, (i + p) / s + 1);  // one past the last
}

// Gather: gin[b, i] = sum over the windows holding i of grad[b, o] / div(o).
template <class T>
__global__ void avg_pool_bwd_kernel(const T* __restrict__ gy, T* __restrict__ gx, PGeo g, bool include_pad,
                                    int64_t divisor) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * IP) {
    const int64_t b = i / IP;
    int64_t x[3];
    split3(i % IP, g.in, x[0], x[1], x[2]);
    int64_t a[3], e[3];
    for (int d = 0; d < 3; ++d) out_range(x[d], g.s[d], g.p[d], g.k[d], g.out[d], a[d], e[d]);
    const T* gp = gy + b * OP;
    C s = C(0);
    for (int64_t o0 = a[0]; o0 < e[0]; ++o0) {
      int64_t l0, h0, e0;
      avg_win(o0, g.s[0], g.p[0], g.k[0], g.in[0], l0, h0, e0);
      if (x[0] < l0 || x[0] >= h0) continue;
      for (int64_t o1 = a[1]; o1 < e[1]; ++o1) {
        int64_t l1, h1, e1;
        avg_win(o1, g.s[1], g.p[1], g.k[1], g.in[1], l1, h1, e1);
        if (x[1] < l1 || x[1] >= h1) continue;
        for (int64_t o2 = a[2]; o2 < e[2]; ++o2) {
          int64_t l2, h2, e2;
          avg_win(o2, g.s[2], g.p[2], g.k[2], g.in[2], l2, h2, e2);
          if (x[2] < l2 || x[2] >= h2) continue;
          const int64_t div = divisor ? divisor : include_pad ? e0 * e1 * e2 : (h0 - l0) * (h1 - l1) * (h2 - l2);
          s += load<T>(gp + (o0 * g.out[1] + o1) * g.out[2] + o2) / C(div);
        }
      }
    }
    gx[i] = from_acc<T>(s);
  }
}

// ---- adaptive pools --------------------------------------------------------------------------------
template <class T>
__global__ void adaptive_avg_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, PGeo g) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * OP) {
    const int64_t b = i / OP;
    int64_t o[3], lo[3], hi[3];
    split3(i % OP, g.out, o[0], o[1], o[2]);
    for (int d = 0; d < 3; ++d) {
      lo[d] = ad_start(o[d], g.in[d], g.out[d]);
      hi[d] = ad_end(o[d], g.in[d], g.out[d]);
    }
    const T* xp = x + b * IP;
    C s = C(0);
    for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
      for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1) {
        const T* r = xp + (i0 * g.in[1] + i1) * g.in[2];
        for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2) s += load<T>(r + i2);
      }
    y[i] = from_acc<T>(s / C((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2])));
  }
}

// Global average pooling: one block per plane (grid-stride over planes). blockDim.x = kThreads.
template <class T>
__global__ void global_avg_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t B, int64_t L) {
  using C = acc_t<T>;
  __shared__ C scratch[32];
  for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {  // uniform per block
    const T* xp = x + b * L;
    C s = C(0);
    for (int64_t j = threadIdx.x; j < L; j += blockDim.x) s += load<T>(xp + j);
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) y[b] = from_acc<T>(s / C(L));
  }
}

// Global average pooling of short planes (L < kWarpPlaneMax): one warp per plane. The plane index
// is uniform across a warp (blockDim.x is a multiple of 32), so every lane reaches the shuffles.
constexpr int64_t kWarpPlaneMax = 2048;
template <class T>
__global__ void global_avg_warp_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t B, int64_t L) {
  using C = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int64_t warps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t b = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5; b < B; b += warps) {
    const T* xp = x + b * L;
    C s = C(0);
    for (int64_t j = lane; j < L; j += 32) s += load<T>(xp + j);
    s = warp_sum(s);
    if (lane == 0) y[b] = from_acc<T>(s / C(L));
  }
}

template <class T>
__global__ void adaptive_avg_bwd_kernel(const T* __restrict__ gy, T* __restrict__ gx, PGeo g) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * IP) {
    const int64_t b = i / IP;
    int64_t x[3], a[3], e[3];
    split3(i % IP, g.in, x[0], x[1], x[2]);
    for (int d = 0; d < 3; ++d) {  // outputs o with start(o) <= x < end(o)
      a[d] = (x[d] * g.out[d]) / g.in[d];
      e[d] = min(g.out[d], ((x[d] + 1) * g.out[d] + g.in[d] - 1) / g.in[d]);
    }
    const T* gp = gy + b * OP;
    C s = C(0);
    for (int64_t o0 = a[0]; o0 < e[0]; ++o0) {
      const int64_t l0 = ad_start(o0, g.in[0], g.out[0]), h0 = ad_end(o0, g.in[0], g.out[0]);
      if (x[0] < l0 || x[0] >= h0) continue;
      for (int64_t o1 = a[1]; o1 < e[1]; ++o1) {
        const int64_t l1 = ad_start(o1, g.in[1], g.out[1]), h1 = ad_end(o1, g.in[1], g.out[1]);
        if (x[1] < l1 || x[1] >= h1) continue;
        for (int64_t o2 = a[2]; o2 < e[2]; ++o2) {
          const int64_t l2 = ad_start(o2, g.in[2], g.out[2]), h2 = ad_end(o2, g.in[2], g.out[2]);
          if (x[2] < l2 || x[2] >= h2) continue;
          s += load<T>(gp + (o0 * g.out[1] + o1) * g.out[2] + o2) / C((h0 - l0) * (h1 - l1) * (h2 - l2));
        }
      }
    }
    gx[i] = from_acc<T>(s);
  }
}

template <class T>
__global__ void adaptive_max_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ yi,
                                        PGeo g) {
  using C = acc_t<T>;
  const int64_t IP = g.ip(), OP = g.op();
  EMBER_GRID_LOOP(i, g.B * OP) {
    const int64_t b = i / OP;
    int64_t o[3], lo[3], hi[3];
    split3(i % OP, g.out, o[0], o[1], o[2]);
    for (int d = 0; d < 3; ++d) {
      lo[d] = ad_start(o[d], g.in[d], g.out[d]);
      hi[d] = ad_end(o[d], g.in[d], g.out[d]);
    }
    const T* xp = x + b * IP;
    C best = C(-INFINITY);
    int64_t bi = (lo[0] * g.in[1] + lo[1]) * g.in[2] + lo[2];
    for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
      for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1) {
        const int64_t row = (i0 * g.in[1] + i1) * g.in[2];
        for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2) {
          const C v = load<T>(xp + row + i2);
          if (v > best || is_nan(v)) { best = v; bi = row + i2; }
        }
      }
    y[i] = from_acc<T>(best);
    yi[i] = bi;
  }
}

// ---- index scatter / gather over planes --------------------------------------------------------------
template <class T>
__global__ void scatter_kernel(const T* __restrict__ src, const int64_t* __restrict__ idx, T* __restrict__ out,
                               int64_t B, int64_t n_src, int64_t n_out, bool accumulate) {
  EMBER_GRID_LOOP(i, B * n_src) {
    const int64_t ix = idx[i];
    if (ix < 0 || ix >= n_out) continue;  // invalid index: skipped (the CPU raises)
    T* dst = out + (i / n_src) * n_out + ix;
    if (accumulate) atomicAdd(dst, src[i]);
    else *dst = src[i];
  }
}

template <class T>
__global__ void gather_kernel(const T* __restrict__ src, const int64_t* __restrict__ idx, T* __restrict__ out,
                              int64_t B, int64_t n_out, int64_t n_src) {
  EMBER_GRID_LOOP(i, B * n_out) {
    const int64_t ix = idx[i];
    out[i] = (ix >= 0 && ix < n_src) ? src[(i / n_out) * n_src + ix] : from_acc<T>(acc_t<T>(0));
  }
}

#undef EMBER_GRID_LOOP

template <class T> const T* cptr(const Tensor& t) { return static_cast<const T*>(t.raw_data_ptr()); }
template <class T> T* mptr(const Tensor& t) { return static_cast<T*>(t.raw_data_ptr()); }

}  // namespace

void max_pool_fwd_cuda(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx) {
  const char* op = "max_pool";
  const int64_t total = g.B * g.out_plane();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  const PGeo dg = dev_geo(g);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), mptr<int64_t>(idx), dg);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void avg_pool_fwd_cuda(const Geo& g, AvgOpts o, const Tensor& x, const Tensor& out) {
  const char* op = "avg_pool";
  const int64_t total = g.B * g.out_plane();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  const PGeo dg = dev_geo(g);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), dg, o.count_include_pad,
                                                                 o.divisor);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void avg_pool_bwd_cuda(const Geo& g, AvgOpts o, const Tensor& grad, const Tensor& gin) {
  const char* op = "avg_pool_backward";
  const int64_t total = g.B * g.in_plane();
  if (total == 0) return;
  DeviceGuard guard(gin.device().index);
  cudaStream_t s = stream_of(gin);
  const PGeo dg = dev_geo(g);
  dispatch_float(gin.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_bwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(grad), mptr<T>(gin), dg, o.count_include_pad,
                                                                 o.divisor);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void adaptive_avg_fwd_cuda(const Geo& g, const Tensor& x, const Tensor& out) {
  const char* op = "adaptive_avg_pool";
  const int64_t total = g.B * g.out_plane();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  const PGeo dg = dev_geo(g);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (g.out_plane() == 1 && g.in_plane() < kWarpPlaneMax) {  // global pooling, short planes: a warp each
      global_avg_warp_kernel<T><<<grid_for(g.B * 32), kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), g.B, g.in_plane());
    } else if (g.out_plane() == 1) {  // global pooling, long planes: a block-wide reduction each
      const unsigned int blocks = (unsigned int)std::max<int64_t>(1, std::min<int64_t>(g.B, int64_t(1) << 20));
      global_avg_kernel<T><<<blocks, kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), g.B, g.in_plane());
    } else {
      adaptive_avg_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), dg);
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void adaptive_avg_bwd_cuda(const Geo& g, const Tensor& grad, const Tensor& gin) {
  const char* op = "adaptive_avg_pool_backward";
  const int64_t total = g.B * g.in_plane();
  if (total == 0) return;
  DeviceGuard guard(gin.device().index);
  cudaStream_t s = stream_of(gin);
  const PGeo dg = dev_geo(g);
  dispatch_float(gin.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    adaptive_avg_bwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(grad), mptr<T>(gin), dg);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void adaptive_max_fwd_cuda(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx) {
  const char* op = "adaptive_max_pool";
  const int64_t total = g.B * g.out_plane();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  const PGeo dg = dev_geo(g);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    adaptive_max_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(x), mptr<T>(out), mptr<int64_t>(idx), dg);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void scatter_planes_cuda(int64_t B, int64_t n_src, int64_t n_out, const Tensor& src, const Tensor& idx,
                         const Tensor& out, bool accumulate, const char* op) {
  if (B * n_out == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  // zeros of every float dtype are all-zero bytes
  EMBER_CUDA_CHECK_OP(cudaMemsetAsync(out.raw_data_ptr(), 0, (size_t)(B * n_out) * out.itemsize(), s), op);
  const int64_t total = B * n_src;
  if (total == 0) return;
  dispatch_float(src.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(src), cptr<int64_t>(idx), mptr<T>(out), B, n_src,
                                                            n_out, accumulate);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void gather_planes_cuda(int64_t B, int64_t n_out, int64_t n_src, const Tensor& src, const Tensor& idx,
                        const Tensor& out) {
  const char* op = "max_pool_gather";
  const int64_t total = B * n_out;
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  dispatch_float(src.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_kernel<T><<<grid_for(total), kThreads, 0, s>>>(cptr<T>(src), cptr<int64_t>(idx), mptr<T>(out), B, n_out,
                                                           n_src);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
