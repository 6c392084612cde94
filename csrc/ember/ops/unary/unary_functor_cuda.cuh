// unary_functor_cuda.cuh — EMBER_CUDA_FLOAT_UNARY(NAME, EXPR) defines a device functor template
// NAME<A> returning EXPR of its argument x. A is the compute type (float for 16-bit floats); the
// float/double overloads of the CUDA math library are picked by the argument type. Shared by
// unary_cuda.cu and unary_more_cuda.cu.
#pragma once

#define EMBER_CUDA_FLOAT_UNARY(NAME, EXPR)                               \
  template <class A> struct NAME {                                      \
    __device__ __forceinline__ A operator()(A x) const { return EXPR; } \
  };
