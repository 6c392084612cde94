// creation_cuda.cu — arange / range / linspace / logspace on the device (creation_cuda.h): one thread
// per element evaluating the CPU's closed form (creation.cpp) in the same accumulation types, so the
// values match the CPU's bit for bit (logspace: up to the device pow's last-ulp differences).
#include <cmath>
#include "ember/cuda/loops.cuh"
#include "ember/ops/creation/creation_cuda.h"

namespace ember::cuda {

namespace {

// a + b * c without fused multiply-add contraction (the CPU rounds the product first): the
// closed forms must give the CPU's values bit for bit (an integer linspace truncates them).
template <class A> __device__ __forceinline__ A mul_add_rn(A a, A b, A c) {
  if constexpr (std::is_same_v<A, double>) return __dadd_rn(a, __dmul_rn(b, c));
  else if constexpr (std::is_same_v<A, float>) return __fadd_rn(a, __fmul_rn(b, c));
  else return a + b * c;
}
template <class A> __device__ __forceinline__ A mul_sub_rn(A a, A b, A c) {  // a - b * c
  if constexpr (std::is_same_v<A, double>) return __dsub_rn(a, __dmul_rn(b, c));
  else if constexpr (std::is_same_v<A, float>) return __fsub_rn(a, __fmul_rn(b, c));
  else return a - b * c;
}

// arange's accumulation type (creation.cpp range_acc): integers in int64, 16-bit floats in float.
template <class T> struct RangeAcc { using type = double; };
template <> struct RangeAcc<__half> { using type = float; };
template <> struct RangeAcc<__nv_bfloat16> { using type = float; };
template <> struct RangeAcc<uint8_t> { using type = int64_t; };
template <> struct RangeAcc<int8_t> { using type = int64_t; };
template <> struct RangeAcc<int16_t> { using type = int64_t; };
template <> struct RangeAcc<int32_t> { using type = int64_t; };
template <> struct RangeAcc<int64_t> { using type = int64_t; };

template <class T, class A> __global__ void range_kernel(T* __restrict__ out, int64_t n, A start, A step) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const A v = mul_add_rn<A>(start, (A)i, step);
    if constexpr (std::is_integral_v<T>) out[i] = (T)v;
    else out[i] = from_acc<T>((acc_t<T>)v);
  }
}

// S: the step type (double for integers, the compute type for floats); V: the type of the endpoints.
template <class T, class S, class V>
__global__ void linspace_kernel(T* __restrict__ out, int64_t steps, V a, V b, S step) {
  const int64_t half = steps / 2;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < steps; i += stride) {
    const S v = i < half ? mul_add_rn<S>((S)a, step, (S)i) : mul_sub_rn<S>((S)b, step, (S)(steps - i - 1));
    if constexpr (std::is_integral_v<T>) out[i] = (T)v;
    else out[i] = from_acc<T>((acc_t<T>)v);
  }
}

template <class T>
__global__ void logspace_kernel(T* __restrict__ out, int64_t steps, double a, double b, double step, double base) {
  const int64_t half = steps / 2;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < steps; i += stride) {
    double v;
    if (steps == 1) v = pow(base, a);
    else v = i < half ? pow(base, mul_add_rn(a, step, (double)i)) : pow(base, mul_sub_rn(b, step, (double)(steps - i - 1)));
    if constexpr (std::is_integral_v<T>) out[i] = (T)(int64_t)v;
    else out[i] = from_acc<T>((acc_t<T>)v);
  }
}

template <class F> void dispatch_numeric(DType dt, const char* op, F&& f) {
  EMBER_CHECK(dt != DType::Bool, op, "not implemented for dtype bool on cuda");
  dispatch_all(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) f(tag);
  });
}

// Scalar -> the host value of a device type's CPU twin (16-bit floats go through float).
template <class A> A scalar_as(const Scalar& s) { return s.to<A>(); }

}  // namespace

void creation_range(const Tensor& out, const Scalar& start, const Scalar& step, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  dispatch_numeric(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename RangeAcc<T>::type;
    range_kernel<T, A><<<grid_for(n), kThreads, 0, s>>>(static_cast<T*>(out.raw_data_ptr()), n, scalar_as<A>(start),
                                                         scalar_as<A>(step));
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void creation_linspace(const Tensor& out, const Scalar& start, const Scalar& end, const char* op) {
  const int64_t steps = out.numel();
  EMBER_CHECK(steps >= 2, op, "internal error: linspace kernel needs at least 2 steps");
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  dispatch_numeric(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using S = std::conditional_t<std::is_integral_v<T>, double, acc_t<T>>;
    using V = std::conditional_t<std::is_integral_v<T>, T, S>;
    const V a = scalar_as<V>(start), b = scalar_as<V>(end);
    const S step = ((S)b - (S)a) / (S)(steps - 1);
    linspace_kernel<T, S, V><<<grid_for(steps), kThreads, 0, s>>>(static_cast<T*>(out.raw_data_ptr()), steps, a, b,
                                                                   step);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void creation_logspace(const Tensor& out, double a, double b, double base, const char* op) {
  const int64_t steps = out.numel();
  if (steps == 0) return;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  const double step = steps > 1 ? (b - a) / (double)(steps - 1) : 0.0;
  dispatch_numeric(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    logspace_kernel<T><<<grid_for(steps), kThreads, 0, s>>>(static_cast<T*>(out.raw_data_ptr()), steps, a, b, step,
                                                             base);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace ember::cuda
