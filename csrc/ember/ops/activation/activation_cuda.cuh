// activation_cuda.cuh — shared by the activation_*_cuda.cu files: the CUDA math policy for the
// formulas of activation_math.h and the functors that wrap them for the map launchers.
#pragma once
#include <type_traits>
#include "ember/ops/activation/activation_math.h"
#include "ember/ops/activation/activation_cuda.h"
#include "ember/ops/elementwise/map_cuda.cuh"

namespace ember::cuda {

// The CUDA math library (float overloads for float, double for double); host+device so the
// __host__ __device__ formulas instantiate cleanly on both sides.
struct CudaMath {
  template <class C> __host__ __device__ static C exp(C x) {
    if constexpr (std::is_same_v<C, float>) return ::expf(x); else return ::exp(x);
  }
  template <class C> __host__ __device__ static C expm1(C x) {
    if constexpr (std::is_same_v<C, float>) return ::expm1f(x); else return ::expm1(x);
  }
  template <class C> __host__ __device__ static C log1p(C x) {
    if constexpr (std::is_same_v<C, float>) return ::log1pf(x); else return ::log1p(x);
  }
  template <class C> __host__ __device__ static C tanh(C x) {
    if constexpr (std::is_same_v<C, float>) return ::tanhf(x); else return ::tanh(x);
  }
  template <class C> __host__ __device__ static C erf(C x) {
    if constexpr (std::is_same_v<C, float>) return ::erff(x); else return ::erf(x);
  }
  template <class C> __host__ __device__ static C erfc(C x) {
    if constexpr (std::is_same_v<C, float>) return ::erfcf(x); else return ::erfc(x);
  }
};

template <ActOp OP, class A> struct ActFwd {
  act::Coef<A> q;
  __device__ __forceinline__ A operator()(A x) const { return act::forward<OP, CudaMath>(x, q); }
};
template <ActOp OP, class A> struct ActBwd {
  act::Coef<A> q;
  __device__ __forceinline__ A operator()(A g, A s) const { return act::backward<OP, CudaMath>(g, s, q); }
};
template <ActOp OP, class A> struct ActDbwd {
  act::Coef<A> q;
  __device__ __forceinline__ A operator()(A gg, A g, A s) const { return act::double_backward<OP, CudaMath>(gg, g, s, q); }
};

inline void act_check(const char* name, const Tensor& ref, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts) {
    EMBER_CHECK(t->dtype() == ref.dtype() && t->sizes() == ref.sizes(), name,
                "internal error: CUDA activation kernel expects operands of one dtype and shape");
    EMBER_CHECK(t->device() == ref.device(), name, "Expected all tensors to be on the same device, but found at least "
                "two devices, ", ref.device().str(), " and ", t->device().str(), "!");
  }
}

}  // namespace ember::cuda
