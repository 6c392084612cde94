// conv_cuda.cu — convolution forward / backward on CUDA (float32, float64: the dtypes of the CPU
// conv). Two strategies:
//  * general (C/groups > 1): im2col of a chunk of images into a temporary column tensor (one
//    kernel for 1-3 spatial dims, out-of-range taps read as 0), then a GEMM through the gemm
//    family's Tensor ops (matmul / bmm: they dispatch to the CUDA GEMM for CUDA tensors).
//      forward:  y[n, g] (Og x P)  = W[g] (Og x K) @ col[n, g] (K x P)           (batch n, g)
//      dgrad:    col[n, g]          = W[g]^T (K x Og) @ gy[n, g] (Og x P), then col2im as a gather
//                (each input element sums the column entries that read it: deterministic, no atomics)
//      wgrad:    gw[g] (Og x K)     = gy[g] (Og x nb*P) @ col[g]^T (nb*P x K), col laid out
//                (G, K, nb, P) so that one GEMM per group covers the whole chunk of images;
//                chunks are summed in order by a plain add kernel (deterministic).
//    Chunks of images keep the column buffer <= col_budget() (256 MiB by default). 1x1 / stride 1
//    / no padding convs skip im2col in forward and dgrad (the input itself is the column matrix).
//  * direct (C/groups == 1: depthwise and channel-multiplier convs): one thread per output
//    (forward) or input element (dgrad, a gather over the taps), one block per weight element
//    (wgrad, a block reduction over batch and pixels).
// All index math is int64; every kernel is a grid-stride loop bounded by its element count.
#include "ember/ops/conv/conv_cuda.h"

#include <algorithm>
#include "ember/core/error.h"
#include "ember/core/view.h"
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/gemm/gemm.h"

namespace ember::cuda {

using conv_detail::ConvGeom;

namespace {

// Bound of one column buffer: 256 MiB; EMBER_CUDA_CONV_COL_BYTES overrides it (read per call, so
// tests can force the chunked path with a small budget).
int64_t col_budget() {
  return std::max<int64_t>(1, conv_detail::env_int64("EMBER_CUDA_CONV_COL_BYTES", int64_t(256) << 20));
}

// The geometry by value in kernel arguments.
struct DGeo {
  int64_t N, C, O, Cg, Og;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  __host__ __device__ int64_t kv() const { return k[0] * k[1] * k[2]; }
  __host__ __device__ int64_t iv() const { return in[0] * in[1] * in[2]; }
  __host__ __device__ int64_t ov() const { return out[0] * out[1] * out[2]; }
};

DGeo dev_geo(const ConvGeom& g) {
  DGeo r;
  r.N = g.N; r.C = g.C; r.O = g.O; r.Cg = g.Cg(); r.Og = g.Og();
  for (int i = 0; i < 3; ++i) {
    r.in[i] = g.in[i]; r.out[i] = g.out[i]; r.k[i] = g.k[i];
    r.s[i] = g.s[i]; r.p[i] = g.p[i]; r.d[i] = g.d[i];
  }
  return r;
}

// float32 / float64 only (the conv family's dtypes).
template <class F> void dispatch_fd(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float32: f(Tag<float>{}); break;
    case DType::Float64: f(Tag<double>{}); break;
    default: EMBER_FAIL(op, "not implemented for dtype ", dtype_name(dt), " on cuda");
  }
}

// 1x1 kernel, stride 1, no low padding AND output size == input size in every dim (a cropping or
// padding pad_hi changes the output size): then the input planes are the column matrix itself.
bool is_pointwise(const ConvGeom& g) {
  if (!g.pointwise()) return false;
  for (int i = 0; i < 3; ++i)
    if (g.in[i] != g.out[i]) return false;
  return true;
}

inline unsigned int grid_blocks(int64_t n) {  // one block per item, grid-stride beyond 2^20 items
  return (unsigned int)std::max<int64_t>(1, std::min<int64_t>(n, int64_t(1) << 20));
}

// ---- im2col / col2im ---------------------------------------------------------------------------
// Column entry (image n of the chunk, channel c = grp*Cg + cl, tap kk, output pixel p) lives at
// col[n*sn + grp*sg + (cl*KV + kk)*sk + p]; the thread order is (n, c, kk, p) with p fastest, so
// writes are coalesced for both layouts used here.
template <class T>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ col, DGeo g, int64_t n0, int64_t nb,
                              int64_t sn, int64_t sg, int64_t sk) {
  const int64_t KV = g.kv(), P = g.ov(), IV = g.iv();
  const int64_t total = nb * g.C * KV * P;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t p = i % P;
    int64_t r = i / P;
    const int64_t kk = r % KV;
    r /= KV;
    const int64_t c = r % g.C, n = r / g.C;
    const int64_t ow = p % g.out[2], oh = (p / g.out[2]) % g.out[1], od = p / (g.out[2] * g.out[1]);
    const int64_t kw = kk % g.k[2], kh = (kk / g.k[2]) % g.k[1], kd = kk / (g.k[2] * g.k[1]);
    const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
    const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
    const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
    T v = T(0);
    if (id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1] && iw >= 0 && iw < g.in[2])
      v = x[((n0 + n) * g.C + c) * IV + (id * g.in[1] + ih) * g.in[2] + iw];
    const int64_t grp = c / g.Cg, cl = c - grp * g.Cg;
    col[n * sn + grp * sg + (cl * KV + kk) * sk + p] = v;
  }
}

// Output position along one dim read by input position i through tap k, or -1.
__device__ __forceinline__ int64_t src_out(int64_t i, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out) {
  const int64_t t = i + p - k * d;
  if (t < 0 || t % s != 0) return -1;
  const int64_t o = t / s;
  return o < out ? o : -1;
}

// gx[n0 + n, c, i] = sum of the column entries that im2col filled from (n, c, i).
template <class T>
__global__ void col2im_kernel(const T* __restrict__ col, T* __restrict__ gx, DGeo g, int64_t n0, int64_t nb,
                              int64_t sn, int64_t sg, int64_t sk) {
  const int64_t KV = g.kv(), IV = g.iv();
  const int64_t total = nb * g.C * IV;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t iw = i % g.in[2], ih = (i / g.in[2]) % g.in[1], id = (i / (g.in[2] * g.in[1])) % g.in[0];
    const int64_t r = i / IV;
    const int64_t c = r % g.C, n = r / g.C;
    const int64_t grp = c / g.Cg, cl = c - grp * g.Cg;
    const T* base = col + n * sn + grp * sg + cl * KV * sk;
    T sum = T(0);
    for (int64_t kd = 0; kd < g.k[0]; ++kd) {
      const int64_t od = src_out(id, kd, g.s[0], g.p[0], g.d[0], g.out[0]);
      if (od < 0) continue;
      for (int64_t kh = 0; kh < g.k[1]; ++kh) {
        const int64_t oh = src_out(ih, kh, g.s[1], g.p[1], g.d[1], g.out[1]);
        if (oh < 0) continue;
        for (int64_t kw = 0; kw < g.k[2]; ++kw) {
          const int64_t ow = src_out(iw, kw, g.s[2], g.p[2], g.d[2], g.out[2]);
          if (ow < 0) continue;
          const int64_t kk = (kd * g.k[1] + kh) * g.k[2] + kw;
          sum += base[kk * sk + (od * g.out[1] + oh) * g.out[2] + ow];
        }
      }
    }
    gx[n0 * g.C * IV + i] = sum;  // i runs over images n0 .. n0+nb-1 in order
  }
}

// ---- direct kernels (C/groups == 1: input channel of output o is o / Og) -------------------------
template <class T>
__global__ void direct_fwd_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                                  T* __restrict__ y, DGeo g) {
  const int64_t KV = g.kv(), P = g.ov(), IV = g.iv();
  const int64_t total = g.N * g.O * P;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t p = i % P, r = i / P;
    const int64_t o = r % g.O, n = r / g.O;
    const int64_t ow = p % g.out[2], oh = (p / g.out[2]) % g.out[1], od = p / (g.out[2] * g.out[1]);
    const T* xp = x + (n * g.C + o / g.Og) * IV;
    const T* wp = w + o * KV;
    T sum = T(0);
    for (int64_t kd = 0; kd < g.k[0]; ++kd) {
      const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
      if (id < 0 || id >= g.in[0]) continue;
      for (int64_t kh = 0; kh < g.k[1]; ++kh) {
        const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
        if (ih < 0 || ih >= g.in[1]) continue;
        for (int64_t kw = 0; kw < g.k[2]; ++kw) {
          const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
          if (iw < 0 || iw >= g.in[2]) continue;
          sum += wp[(kd * g.k[1] + kh) * g.k[2] + kw] * xp[(id * g.in[1] + ih) * g.in[2] + iw];
        }
      }
    }
    y[i] = bias ? sum + bias[o] : sum;
  }
}

template <class T>
__global__ void direct_bwd_input_kernel(const T* __restrict__ gy, const T* __restrict__ w, T* __restrict__ gx,
                                        DGeo g) {
  const int64_t KV = g.kv(), P = g.ov(), IV = g.iv();
  const int64_t total = g.N * g.C * IV;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t iw = i % g.in[2], ih = (i / g.in[2]) % g.in[1], id = (i / (g.in[2] * g.in[1])) % g.in[0];
    const int64_t r = i / IV;
    const int64_t c = r % g.C, n = r / g.C;  // Cg == 1: channel c is group c
    T sum = T(0);
    for (int64_t o = c * g.Og; o < (c + 1) * g.Og; ++o) {
      const T* gp = gy + (n * g.O + o) * P;
      const T* wp = w + o * KV;
      for (int64_t kd = 0; kd < g.k[0]; ++kd) {
        const int64_t od = src_out(id, kd, g.s[0], g.p[0], g.d[0], g.out[0]);
        if (od < 0) continue;
        for (int64_t kh = 0; kh < g.k[1]; ++kh) {
          const int64_t oh = src_out(ih, kh, g.s[1], g.p[1], g.d[1], g.out[1]);
          if (oh < 0) continue;
          for (int64_t kw = 0; kw < g.k[2]; ++kw) {
            const int64_t ow = src_out(iw, kw, g.s[2], g.p[2], g.d[2], g.out[2]);
            if (ow < 0) continue;
            sum += wp[(kd * g.k[1] + kh) * g.k[2] + kw] * gp[(od * g.out[1] + oh) * g.out[2] + ow];
          }
        }
      }
    }
    gx[i] = sum;
  }
}

// One block per weight element (o, kk): sum over images and output pixels. blockDim.x = kThreads.
template <class T>
__global__ void direct_bwd_weight_kernel(const T* __restrict__ gy, const T* __restrict__ x, T* __restrict__ gw,
                                         DGeo g) {
  __shared__ T scratch[32];
  const int64_t KV = g.kv(), P = g.ov(), IV = g.iv();
  const int64_t nw = g.O * KV, np = g.N * P;
  for (int64_t e = blockIdx.x; e < nw; e += gridDim.x) {  // uniform per block: every thread reduces
    const int64_t o = e / KV, kk = e % KV;
    const int64_t kw = kk % g.k[2], kh = (kk / g.k[2]) % g.k[1], kd = kk / (g.k[2] * g.k[1]);
    const int64_t c = o / g.Og;
    T sum = T(0);
    for (int64_t j = threadIdx.x; j < np; j += blockDim.x) {
      const int64_t n = j / P, p = j % P;
      const int64_t ow = p % g.out[2], oh = (p / g.out[2]) % g.out[1], od = p / (g.out[2] * g.out[1]);
      const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
      const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
      sum += gy[(n * g.O + o) * P + p] * x[(n * g.C + c) * IV + (id * g.in[1] + ih) * g.in[2] + iw];
    }
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) gw[e] = sum;
  }
}

// ---- bias and accumulation -----------------------------------------------------------------------
template <class T>
__global__ void add_bias_kernel(T* __restrict__ y, const T* __restrict__ b, int64_t total, int64_t O, int64_t P) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) y[i] += b[(i / P) % O];
}

// One block per channel; the sum runs in double (as the CPU's) in a fixed order.
template <class T>
__global__ void bias_grad_kernel(const T* __restrict__ gy, T* __restrict__ gb, int64_t N, int64_t O, int64_t P) {
  __shared__ double scratch[32];
  const int64_t np = N * P;
  for (int64_t o = blockIdx.x; o < O; o += gridDim.x) {
    double sum = 0;
    for (int64_t j = threadIdx.x; j < np; j += blockDim.x) sum += (double)gy[((j / P) * O + o) * P + j % P];
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) gb[o] = (T)sum;
  }
}

template <class T>
__global__ void accumulate_kernel(T* __restrict__ dst, const T* __restrict__ src, int64_t n) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) dst[i] += src[i];
}

// ---- host helpers ----------------------------------------------------------------------------------
// Images per chunk so that the column buffer (per_image elements each) stays within col_budget()
// (at least one image per chunk).
int64_t chunk_images(int64_t N, int64_t per_image, int64_t itemsize) {
  const int64_t bytes = std::max<int64_t>(1, per_image * itemsize);
  return std::max<int64_t>(1, std::min<int64_t>(N, col_budget() / bytes));
}

void launch_im2col(const ConvGeom& g, const Tensor& x, const Tensor& col, int64_t n0, int64_t nb, int64_t sn,
                   int64_t sg, int64_t sk, const char* op) {
  const int64_t total = nb * g.C * g.k_vol() * g.out_vol();
  if (total == 0) return;
  const DGeo dg = dev_geo(g);
  cudaStream_t s = stream_of(col);
  dispatch_fd(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    im2col_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(x.raw_data_ptr()),
                                                           static_cast<T*>(col.raw_data_ptr()), dg, n0, nb, sn, sg, sk);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void launch_col2im(const ConvGeom& g, const Tensor& col, const Tensor& gx, int64_t n0, int64_t nb, int64_t sn,
                   int64_t sg, int64_t sk, const char* op) {
  const int64_t total = nb * g.C * g.in_vol();
  if (total == 0) return;
  const DGeo dg = dev_geo(g);
  cudaStream_t s = stream_of(gx);
  dispatch_fd(gx.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    col2im_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(col.raw_data_ptr()),
                                                           static_cast<T*>(gx.raw_data_ptr()), dg, n0, nb, sn, sg, sk);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void accumulate(const Tensor& dst, const Tensor& src, const char* op) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  cudaStream_t s = stream_of(dst);
  dispatch_fd(dst.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    accumulate_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<T*>(dst.raw_data_ptr()),
                                                           static_cast<const T*>(src.raw_data_ptr()), n);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace

// ---- entry points ------------------------------------------------------------------------------------
void conv_forward_cuda(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& y) {
  const char* op = "conv";
  if (y.numel() == 0) return;
  DeviceGuard guard(y.device().index);
  const int64_t G = g.G, Cg = g.Cg(), Og = g.Og(), KV = g.k_vol(), K = Cg * KV, P = g.out_vol();
  if (Cg == 1) {
    const DGeo dg = dev_geo(g);
    const int64_t total = y.numel();
    cudaStream_t s = stream_of(y);
    dispatch_fd(y.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* bp = bias.defined() ? static_cast<const T*>(bias.raw_data_ptr()) : nullptr;
      direct_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(x.raw_data_ptr()),
                                                                 static_cast<const T*>(w.raw_data_ptr()), bp,
                                                                 static_cast<T*>(y.raw_data_ptr()), dg);
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
    return;
  }
  const bool pw = is_pointwise(g);  // then in_vol == out_vol and K == Cg: x is the column matrix
  const int64_t nb = chunk_images(g.N, g.C * KV * P, (int64_t)y.itemsize());
  const Tensor w4 = ember::view(w, {1, G, Og, K});
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nbc = std::min(nb, g.N - n0);
    Tensor y4 = ember::view(ember::narrow(y, 0, n0, nbc), {nbc, G, Og, P});
    Tensor c4;
    if (pw) {
      c4 = ember::view(ember::narrow(x, 0, n0, nbc), {nbc, G, K, P});
    } else {
      c4 = Tensor::empty({nbc, G, K, P}, x.dtype(), x.device());
      launch_im2col(g, x, c4, n0, nbc, G * K * P, K * P, P, op);
    }
    ember::matmul(w4, c4, y4);
  }
  if (bias.defined()) conv_add_bias_cuda(y, bias, g.N, g.O, P);
}

void conv_backward_input_cuda(const ConvGeom& g, const Tensor& gy, const Tensor& w, const Tensor& gx) {
  const char* op = "conv_backward_input";
  if (gx.numel() == 0) return;
  DeviceGuard guard(gx.device().index);
  const int64_t G = g.G, Cg = g.Cg(), Og = g.Og(), KV = g.k_vol(), K = Cg * KV, P = g.out_vol();
  if (Cg == 1) {
    const DGeo dg = dev_geo(g);
    const int64_t total = gx.numel();
    cudaStream_t s = stream_of(gx);
    dispatch_fd(gx.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      direct_bwd_input_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(gy.raw_data_ptr()),
                                                                       static_cast<const T*>(w.raw_data_ptr()),
                                                                       static_cast<T*>(gx.raw_data_ptr()), dg);
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
    return;
  }
  const bool pw = is_pointwise(g);
  const int64_t nb = chunk_images(g.N, g.C * KV * P, (int64_t)gx.itemsize());
  const Tensor wT = ember::transpose(ember::view(w, {1, G, Og, K}), 2, 3);  // (1, G, K, Og)
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nbc = std::min(nb, g.N - n0);
    Tensor gy4 = ember::view(ember::narrow(gy, 0, n0, nbc), {nbc, G, Og, P});
    if (pw) {
      ember::matmul(wT, gy4, ember::view(ember::narrow(gx, 0, n0, nbc), {nbc, G, K, P}));
      continue;
    }
    Tensor c4 = Tensor::empty({nbc, G, K, P}, gx.dtype(), gx.device());
    ember::matmul(wT, gy4, c4);
    launch_col2im(g, c4, gx, n0, nbc, G * K * P, K * P, P, op);
  }
}

void conv_backward_weight_cuda(const ConvGeom& g, const Tensor& gy, const Tensor& x, const Tensor& gw) {
  const char* op = "conv_backward_weight";
  if (gw.numel() == 0) return;
  DeviceGuard guard(gw.device().index);
  const int64_t G = g.G, Cg = g.Cg(), Og = g.Og(), KV = g.k_vol(), K = Cg * KV, P = g.out_vol();
  if (Cg == 1) {
    const DGeo dg = dev_geo(g);
    const int64_t nw = g.O * KV;
    cudaStream_t s = stream_of(gw);
    dispatch_fd(gw.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      direct_bwd_weight_kernel<T><<<grid_blocks(nw), kThreads, 0, s>>>(static_cast<const T*>(gy.raw_data_ptr()),
                                                                        static_cast<const T*>(x.raw_data_ptr()),
                                                                        static_cast<T*>(gw.raw_data_ptr()), dg);
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
    return;
  }
  const int64_t nb = chunk_images(g.N, g.C * KV * P, (int64_t)gw.itemsize());
  Tensor gw3 = ember::view(gw, {G, Og, K});
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const int64_t nbc = std::min(nb, g.N - n0);
    // grad_output of the chunk as (G, Og, nbc * P); the columns as (G, K, nbc, P)
    const Tensor gy4 = ember::view(ember::narrow(gy, 0, n0, nbc), {nbc, G, Og, P});
    Tensor gy3 = ember::view(ember::contiguous(ember::permute(gy4, {1, 2, 0, 3})), {G, Og, nbc * P});
    Tensor col = Tensor::empty({G, K, nbc, P}, x.dtype(), x.device());
    launch_im2col(g, x, col, n0, nbc, P, K * nbc * P, nbc * P, op);
    Tensor colT = ember::transpose(ember::view(col, {G, K, nbc * P}), 1, 2);  // (G, nbc * P, K)
    if (n0 == 0) {
      ember::bmm(gy3, colT, gw3);
    } else {
      accumulate(gw, ember::bmm(gy3, colT), op);
    }
  }
}

void conv_backward_bias_cuda(const Tensor& gy, int64_t N, int64_t O, int64_t P, const Tensor& gb) {
  const char* op = "conv_backward_bias";
  if (O == 0) return;
  DeviceGuard guard(gb.device().index);
  cudaStream_t s = stream_of(gb);
  dispatch_fd(gb.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    bias_grad_kernel<T><<<grid_blocks(O), kThreads, 0, s>>>(static_cast<const T*>(gy.raw_data_ptr()),
                                                             static_cast<T*>(gb.raw_data_ptr()), N, O, P);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void conv_add_bias_cuda(const Tensor& y, const Tensor& bias, int64_t N, int64_t O, int64_t P) {
  const char* op = "conv";
  const int64_t total = N * O * P;
  if (total == 0) return;
  DeviceGuard guard(y.device().index);
  cudaStream_t s = stream_of(y);
  dispatch_fd(y.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    add_bias_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<T*>(y.raw_data_ptr()),
                                                             static_cast<const T*>(bias.raw_data_ptr()), total, O, P);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
