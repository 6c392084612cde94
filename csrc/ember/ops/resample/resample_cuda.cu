// resample_cuda.cu — interpolation (tap tables) and im2col / col2im on CUDA. See resample_cuda.h.
// Layout of the tap kernels (as on the CPU): src (outer, n_in, inner) -> dst (outer, n_out, inner),
// contiguous. Every index is int64 and every loop is bounded by its element count.
#include "ember/ops/resample/resample_cuda.h"

#include <algorithm>
#include <cstring>
#include <vector>
#include "ember/core/error.h"
#include "ember/core/storage.h"
#include "ember/core/view.h"
#include "ember/cuda/loops.cuh"

namespace ember::cuda {

using resample_detail::ColGeo;
using resample_detail::Taps;

namespace {

// A device copy of a host vector, through a pinned staging buffer: the copy is asynchronous on
// the current stream, and the pinned block is reused only after the stream has passed it.
template <class V> Tensor upload(const std::vector<V>& v, DType dt, Device dev) {
  const int64_t n = std::max<int64_t>(1, (int64_t)v.size());
  Tensor host(Storage::allocate_pinned((size_t)n * sizeof(V)), 0, {n}, {1}, dt);
  if (!v.empty()) std::memcpy(host.data_ptr(), v.data(), v.size() * sizeof(V));
  Tensor d = Tensor::empty({n}, dt, dev);
  ember::copy_(d, host, /*non_blocking=*/true);
  return d;
}

// dst[o, j, i] = sum_t w[j*K + t] * src[o, idx[j*K + t], i]  (t in order, as the CPU).
template <class T>
__global__ void taps_fwd_kernel(const T* __restrict__ src, T* __restrict__ dst, const int64_t* __restrict__ idx,
                                const acc_t<T>* __restrict__ w, int K, int64_t outer, int64_t n_in, int64_t n_out,
                                int64_t inner) {
  using C = acc_t<T>;
  const int64_t total = outer * n_out * inner;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t in = i % inner, r = i / inner;
    const int64_t j = r % n_out, o = r / n_out;
    const T* base = src + o * n_in * inner + in;
    C acc = w[j * K] * load<T>(base + idx[j * K] * inner);
    for (int t = 1; t < K; ++t) acc += w[j * K + t] * load<T>(base + idx[j * K + t] * inner);
    dst[i] = from_acc<T>(acc);
  }
}

// gin[o, q, i] = sum over the entries e of input position q (CSR off/row/wt) of
// wt[e] * g[o, row[e], i]: the transpose of the forward table.
template <class T>
__global__ void taps_bwd_kernel(const T* __restrict__ g, T* __restrict__ gin, const int64_t* __restrict__ off,
                                const int64_t* __restrict__ row, const acc_t<T>* __restrict__ wt, int64_t outer,
                                int64_t n_in, int64_t n_out, int64_t inner) {
  using C = acc_t<T>;
  const int64_t total = outer * n_in * inner;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t in = i % inner, r = i / inner;
    const int64_t q = r % n_in, o = r / n_in;
    const T* base = g + o * n_out * inner + in;
    C acc = C(0);
    for (int64_t e = off[q]; e < off[q + 1]; ++e) acc += wt[e] * load<T>(base + row[e] * inner);
    gin[i] = from_acc<T>(acc);
  }
}

// cols (B, C*kh*kw, L) from img (B, C, H, W): one column entry per thread.
template <class T>
__global__ void unfold_kernel(const T* __restrict__ img, T* __restrict__ cols, ColGeo g) {
  const int64_t L = g.oh * g.ow, KK = g.kh * g.kw;
  const int64_t total = g.B * g.C * KK * L;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t l = i % L, r = i / L;
    const int64_t kk = r % KK, bc = r / KK;
    const int64_t y = l / g.ow, x = l % g.ow, ki = kk / g.kw, kj = kk % g.kw;
    const int64_t ih = y * g.sh - g.ph + ki * g.dh, iw = x * g.sw - g.pw + kj * g.dw;
    cols[i] = (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? img[(bc * g.H + ih) * g.W + iw]
                                                            : from_acc<T>(acc_t<T>(0));
  }
}

// Column position along one dim read by image position i through tap k, or -1.
__device__ __forceinline__ int64_t col_pos(int64_t i, int64_t k, int64_t s, int64_t p, int64_t d, int64_t n) {
  const int64_t t = i + p - k * d;
  if (t < 0 || t % s != 0) return -1;
  const int64_t o = t / s;
  return o < n ? o : -1;
}

// img (B, C, H, W) = sum of the column entries that read each element (F.fold): a gather.
template <class T>
__global__ void fold_kernel(const T* __restrict__ cols, T* __restrict__ img, ColGeo g) {
  using C = acc_t<T>;
  const int64_t L = g.oh * g.ow, KK = g.kh * g.kw, plane = g.H * g.W;
  const int64_t total = g.B * g.C * plane;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t bc = i / plane, ih = (i % plane) / g.W, iw = i % g.W;
    const T* cp = cols + bc * KK * L;
    C acc = C(0);
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t y = col_pos(ih, ki, g.sh, g.ph, g.dh, g.oh);
      if (y < 0) continue;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t x = col_pos(iw, kj, g.sw, g.pw, g.dw, g.ow);
        if (x < 0) continue;
        acc += load<T>(cp + (ki * g.kw + kj) * L + y * g.ow + x);
      }
    }
    img[i] = from_acc<T>(acc);
  }
}

}  // namespace

void apply_taps_cuda(bool backward, const Taps& tp, int64_t outer, int64_t n_in, int64_t inner, const Tensor& src,
                     const Tensor& dst) {
  const char* op = backward ? "interpolate_backward" : "interpolate";
  const int64_t n_out = tp.n_out, K = tp.K;
  const int64_t total = outer * (backward ? n_in : n_out) * inner;
  if (total == 0) return;
  DeviceGuard guard(dst.device().index);
  const Device dev = dst.device();
  cudaStream_t s = stream_of(dst);
  dispatch_float(dst.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    const DType cdt = std::is_same_v<C, double> ? DType::Float64 : DType::Float32;
    if (!backward) {
      std::vector<C> w(tp.w.begin(), tp.w.end());
      Tensor di = upload(tp.idx, DType::Int64, dev), dw = upload(w, cdt, dev);
      taps_fwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(
          static_cast<const T*>(src.raw_data_ptr()), static_cast<T*>(dst.raw_data_ptr()),
          static_cast<const int64_t*>(di.raw_data_ptr()), static_cast<const C*>(dw.raw_data_ptr()), (int)K, outer, n_in,
          n_out, inner);
      EMBER_CUDA_LAUNCH_CHECK(op);
      return;
    }
    // Transposed table: entries of input position q ordered by (j, t), as the CPU accumulates.
    std::vector<int64_t> off(n_in + 1, 0), row(n_out * K);
    std::vector<C> wt(n_out * K);
    for (int64_t e = 0; e < n_out * K; ++e) {
      const int64_t q = tp.idx[e];
      EMBER_CHECK(q >= 0 && q < n_in, op, "internal error: tap index ", q, " outside [0, ", n_in, ")");
      ++off[q + 1];
    }
    for (int64_t q = 0; q < n_in; ++q) off[q + 1] += off[q];
    std::vector<int64_t> fill(off.begin(), off.end() - 1);
    for (int64_t j = 0; j < n_out; ++j)
      for (int64_t t = 0; t < K; ++t) {
        const int64_t e = j * K + t, slot = fill[tp.idx[e]]++;
        row[slot] = j;
        wt[slot] = C(tp.w[e]);
      }
    Tensor doff = upload(off, DType::Int64, dev), drow = upload(row, DType::Int64, dev), dwt = upload(wt, cdt, dev);
    taps_bwd_kernel<T><<<grid_for(total), kThreads, 0, s>>>(
        static_cast<const T*>(src.raw_data_ptr()), static_cast<T*>(dst.raw_data_ptr()),
        static_cast<const int64_t*>(doff.raw_data_ptr()), static_cast<const int64_t*>(drow.raw_data_ptr()),
        static_cast<const C*>(dwt.raw_data_ptr()), outer, n_in, n_out, inner);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void im2col_cuda(const ColGeo& g, const Tensor& img, const Tensor& cols, bool backward) {
  const char* op = backward ? "col2im" : "im2col";
  const int64_t total = backward ? g.B * g.C * g.H * g.W : g.B * g.C * g.kh * g.kw * g.oh * g.ow;
  if (total == 0) return;
  DeviceGuard guard(img.device().index);
  cudaStream_t s = stream_of(backward ? img : cols);
  dispatch_float(img.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (backward) {
      fold_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(cols.raw_data_ptr()),
                                                           static_cast<T*>(img.raw_data_ptr()), g);
    } else {
      unfold_kernel<T><<<grid_for(total), kThreads, 0, s>>>(static_cast<const T*>(img.raw_data_ptr()),
                                                             static_cast<T*>(cols.raw_data_ptr()), g);
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
