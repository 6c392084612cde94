// loops.cuh — the elementwise machinery of the CUDA backend:
// - device element types for each DType (float16 -> __half, bfloat16 -> __nv_bfloat16) and a
//   host-side dispatch that binds them;
// - load/store in the compute type (16-bit floats compute in float) and dtype casts with the
//   CPU's semantics (core/view.cpp cast_value);
// - an offset calculator built from StridedIter (the CPU's layout logic: broadcast dims get
//   stride 0, dims are coalesced), so the CUDA kernels see exactly the CPU's iteration space;
// - grid-stride kernels for N-operand maps: a contiguous path (vectorized 16-byte loads when
//   every pointer is aligned), and a strided path through the offset calculator.
// Every index is int64 and every loop is bounded by n, so no thread touches memory outside the
// operands.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cstdint>
#include <type_traits>
#include "ember/core/iter.h"
#include "ember/cuda/internal.cuh"

namespace ember::cuda {

// ---- element types -----------------------------------------------------------------------------
template <class T> struct Acc { using type = T; };
template <> struct Acc<__half> { using type = float; };
template <> struct Acc<__nv_bfloat16> { using type = float; };
template <class T> using acc_t = typename Acc<T>::type;

template <class T> constexpr bool is_half_v = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;
template <class T> constexpr bool is_float_v = is_half_v<T> || std::is_floating_point_v<T>;

template <class T> __device__ __forceinline__ acc_t<T> load(const T* p) {
  if constexpr (std::is_same_v<T, __half>) return __half2float(*p);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __bfloat162float(*p);
  else return *p;
}
template <class T> __device__ __forceinline__ T from_acc(acc_t<T> v) {
  if constexpr (std::is_same_v<T, __half>) return __float2half_rn(v);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __float2bfloat16_rn(v);
  else return v;
}

// dst_t <- src_t with the CPU's rules: to bool is != 0; float -> integer goes through int64;
// 16-bit floats convert through float (round to nearest even).
template <class D, class S> __device__ __forceinline__ D cast_to(S v) {
  if constexpr (is_half_v<S>) {
    return cast_to<D, float>(load<S>(&v));
  } else if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (is_half_v<D>) {
    return from_acc<D>(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    return static_cast<D>(static_cast<int64_t>(v));
  } else {
    return static_cast<D>(v);
  }
}

// Host: run f(Tag<T>{}) with T the device type of `dt`.
template <class T> struct Tag { using type = T; };
template <class F> void dispatch_all(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Bool: f(Tag<bool>{}); break;
    case DType::UInt8: f(Tag<uint8_t>{}); break;
    case DType::Int8: f(Tag<int8_t>{}); break;
    case DType::Int16: f(Tag<int16_t>{}); break;
    case DType::Int32: f(Tag<int32_t>{}); break;
    case DType::Int64: f(Tag<int64_t>{}); break;
    case DType::Float16: f(Tag<__half>{}); break;
    case DType::BFloat16: f(Tag<__nv_bfloat16>{}); break;
    case DType::Float32: f(Tag<float>{}); break;
    case DType::Float64: f(Tag<double>{}); break;
    default: EMBER_FAIL(op, "not implemented for dtype ", dtype_name(dt), " on cuda");
  }
}
template <class F> void dispatch_float(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float16: f(Tag<__half>{}); break;
    case DType::BFloat16: f(Tag<__nv_bfloat16>{}); break;
    case DType::Float32: f(Tag<float>{}); break;
    case DType::Float64: f(Tag<double>{}); break;
    default: EMBER_FAIL(op, "not implemented for dtype ", dtype_name(dt), " on cuda");
  }
}

// ---- layout ------------------------------------------------------------------------------------
// Byte offsets of N operands for a linear index, innermost dim first (StridedIter's order).
template <int N> struct OffsetCalc {
  int ndim = 0;
  int64_t shape[kMaxIterDims];
  int64_t strides[kMaxIterDims][N];
  __device__ __forceinline__ void get(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = 0; d < ndim; ++d) {
      const int64_t q = i / shape[d];
      const int64_t r = i - q * shape[d];
      i = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
    }
  }
};

template <int N> OffsetCalc<N> make_offset_calc(const StridedIter& it) {
  EMBER_CHECK(it.nops == N, "cuda", "internal error: operand count ", it.nops, " != ", N);
  OffsetCalc<N> c;
  c.ndim = it.ndim;
  for (int d = 0; d < it.ndim; ++d) {
    c.shape[d] = it.shape[d];
    for (int k = 0; k < N; ++k) c.strides[d][k] = it.strides[d][k];
  }
  return c;
}

// Per-operand element step of a 1-D iteration: 1 (dense), 0 (broadcast) or -1 (neither).
inline int dense_step(const StridedIter& it, int k, size_t itemsize) {
  if (it.ndim == 0) return 1;
  if (it.ndim > 1) return -1;
  if (it.strides[0][k] == (int64_t)itemsize) return 1;
  if (it.strides[0][k] == 0) return 0;
  return -1;
}

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

template <class T, int V> struct alignas(sizeof(T) * V) Vec { T v[V]; };
template <class T> constexpr int vec_width() { return sizeof(T) >= 16 ? 1 : (int)(16 / sizeof(T)) > 8 ? 8 : (int)(16 / sizeof(T)); }

// ---- map kernels: out[i] = f(in[i]) and out[i] = f(a[i], b[i]) --------------------------------
// `f` is a functor object with a __device__ operator() on compute-type values; a scalar operand
// (a 0-d host value) is passed as `sv` with its pointer null.

template <class To, class Ti, class F>
__global__ void unary_contig_kernel(To* __restrict__ out, const Ti* __restrict__ in, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = from_acc<To>(f(load<Ti>(in + i)));
}

template <class T, int V, class F>
__global__ void unary_vec_kernel(T* __restrict__ out, const T* __restrict__ in, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const int64_t nv = n / V;
  const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (int64_t i = tid; i < nv; i += stride) {
    Vec<T, V> x = reinterpret_cast<const Vec<T, V>*>(in)[i], y;
#pragma unroll
    for (int j = 0; j < V; ++j) y.v[j] = from_acc<T>(f(load<T>(&x.v[j])));
    reinterpret_cast<Vec<T, V>*>(out)[i] = y;
  }
  for (int64_t i = nv * V + tid; i < n; i += stride) out[i] = from_acc<T>(f(load<T>(in + i)));
}

template <class To, class Ti, class F>
__global__ void unary_strided_kernel(char* out, const char* in, int64_t n, OffsetCalc<2> oc, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    *reinterpret_cast<To*>(out + off[0]) = from_acc<To>(f(load<Ti>(reinterpret_cast<const Ti*>(in + off[1]))));
  }
}

// out, in of the same device type T; f maps acc_t<T> -> acc_t<T>.
template <class T, class F> void launch_unary(const char* op, const Tensor& dst, const Tensor& src, F f) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard g(dst.device().index);
  cudaStream_t s = stream_of(dst);
  StridedIter it(dst.sizes(), {&dst, &src}, AnyDeviceTag{});
  T* o = static_cast<T*>(dst.raw_data_ptr());
  const T* x = static_cast<const T*>(src.raw_data_ptr());
  if (dense_step(it, 0, sizeof(T)) == 1 && dense_step(it, 1, sizeof(T)) == 1) {
    constexpr int V = vec_width<T>();
    if (V > 1 && aligned16(o) && aligned16(x) && n >= V) {
      unary_vec_kernel<T, V, F><<<grid_for(n, V), kThreads, 0, s>>>(o, x, n, f);
    } else {
      unary_contig_kernel<T, T, F><<<grid_for(n), kThreads, 0, s>>>(o, x, n, f);
    }
  } else {
    unary_strided_kernel<T, T, F><<<grid_for(n), kThreads, 0, s>>>(
        static_cast<char*>(dst.raw_data_ptr()), static_cast<const char*>(src.raw_data_ptr()), n, make_offset_calc<2>(it), f);
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// Binary: a_step/b_step are 1 (dense) or 0 (broadcast one element); a null pointer means the
// operand is the host scalar av/bv.
template <class T, class F>
__global__ void binary_contig_kernel(T* __restrict__ out, const T* a, const T* b, int a_step, int b_step,
                                     acc_t<T> av, acc_t<T> bv, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const acc_t<T> x = a ? load<T>(a + i * a_step) : av;
    const acc_t<T> y = b ? load<T>(b + i * b_step) : bv;
    out[i] = from_acc<T>(f(x, y));
  }
}

template <class T, int V, class F>
__global__ void binary_vec_kernel(T* __restrict__ out, const T* __restrict__ a, const T* __restrict__ b,
                                  acc_t<T> av, acc_t<T> bv, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const int64_t nv = n / V;
  const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (int64_t i = tid; i < nv; i += stride) {
    Vec<T, V> x, y, r;
    if (a) x = reinterpret_cast<const Vec<T, V>*>(a)[i];
    if (b) y = reinterpret_cast<const Vec<T, V>*>(b)[i];
#pragma unroll
    for (int j = 0; j < V; ++j)
      r.v[j] = from_acc<T>(f(a ? load<T>(&x.v[j]) : av, b ? load<T>(&y.v[j]) : bv));
    reinterpret_cast<Vec<T, V>*>(out)[i] = r;
  }
  for (int64_t i = nv * V + tid; i < n; i += stride)
    out[i] = from_acc<T>(f(a ? load<T>(a + i) : av, b ? load<T>(b + i) : bv));
}

template <class T, class F>
__global__ void binary_strided_kernel(char* out, const char* a, const char* b, acc_t<T> av, acc_t<T> bv, int64_t n,
                                      OffsetCalc<3> oc, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    oc.get(i, off);
    const acc_t<T> x = a ? load<T>(reinterpret_cast<const T*>(a + off[1])) : av;
    const acc_t<T> y = b ? load<T>(reinterpret_cast<const T*>(b + off[2])) : bv;
    *reinterpret_cast<T*>(out + off[0]) = from_acc<T>(f(x, y));
  }
}

// Reads the single element of a 0-d (or one-element) host tensor as acc_t<T>.
template <class T> acc_t<T> host_scalar(const Tensor& t) {
  if constexpr (std::is_same_v<T, __half>) return (float)*static_cast<const ember::Half*>(t.data_ptr());
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return (float)*static_cast<const ember::BFloat16*>(t.data_ptr());
  else return *static_cast<const T*>(t.data_ptr());
}

// dst, a, b all of device type T (a or b may be a 0-d CPU tensor: passed by value).
template <class T, class F> void launch_binary(const char* op, const Tensor& dst, const Tensor& a, const Tensor& b, F f) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard g(dst.device().index);
  cudaStream_t s = stream_of(dst);
  const bool a_host = a.device().is_cpu(), b_host = b.device().is_cpu();
  acc_t<T> av{}, bv{};
  if (a_host) av = host_scalar<T>(a);
  if (b_host) bv = host_scalar<T>(b);
  // Host scalars take part in the layout as a broadcast copy of dst (stride 0 everywhere).
  Tensor a_l = a_host ? Tensor(dst.storage(), dst.offset(), dst.sizes(), Shape(dst.dim(), 0), dst.dtype()) : a;
  Tensor b_l = b_host ? Tensor(dst.storage(), dst.offset(), dst.sizes(), Shape(dst.dim(), 0), dst.dtype()) : b;
  StridedIter it(dst.sizes(), {&dst, &a_l, &b_l}, AnyDeviceTag{});
  T* o = static_cast<T*>(dst.raw_data_ptr());
  const T* pa = a_host ? nullptr : static_cast<const T*>(a.raw_data_ptr());
  const T* pb = b_host ? nullptr : static_cast<const T*>(b.raw_data_ptr());
  const int so = dense_step(it, 0, sizeof(T)), sa = dense_step(it, 1, sizeof(T)), sb = dense_step(it, 2, sizeof(T));
  if (so == 1 && sa >= 0 && sb >= 0) {
    constexpr int V = vec_width<T>();
    const bool vec_ok = V > 1 && n >= V && aligned16(o) && (!pa || (sa == 1 && aligned16(pa))) &&
                        (!pb || (sb == 1 && aligned16(pb)));
    if (vec_ok) {
      binary_vec_kernel<T, V, F><<<grid_for(n, V), kThreads, 0, s>>>(o, pa, pb, av, bv, n, f);
    } else {
      binary_contig_kernel<T, F><<<grid_for(n), kThreads, 0, s>>>(o, pa, pb, sa, sb, av, bv, n, f);
    }
  } else {
    binary_strided_kernel<T, F><<<grid_for(n), kThreads, 0, s>>>(
        static_cast<char*>(dst.raw_data_ptr()), reinterpret_cast<const char*>(pa), reinterpret_cast<const char*>(pb),
        av, bv, n, make_offset_calc<3>(it), f);
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace ember::cuda
