// binary_float_cuda.cu — CUDA kernels of the floating-only binary ops: atan2, copysign, xlogy,
// hypot, logaddexp, logaddexp2, nextafter (integer inputs were promoted to the default float in
// binary.cpp). 16-bit floats compute in float, except nextafter, which steps the 16-bit pattern.
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/elementwise/elementwise_cuda.h"
#include "ember/ops/elementwise/map_cuda.cuh"

namespace ember::cuda {

namespace {

template <class A> struct Atan2Op { __device__ __forceinline__ A operator()(A a, A b) const { return atan2(a, b); } };
template <class A> struct CopysignOp { __device__ __forceinline__ A operator()(A a, A b) const { return copysign(a, b); } };
template <class A> struct HypotOp { __device__ __forceinline__ A operator()(A a, A b) const { return hypot(a, b); } };
template <class A> struct XlogyOp {
  __device__ __forceinline__ A operator()(A x, A y) const {
    if (y != y) return y;
    if (x == A(0)) return A(0);
    return x * log(y);
  }
};
template <class A> struct LogAddExpOp {
  __device__ __forceinline__ A operator()(A a, A b) const {
    if (isinf(a) && a == b) return a;
    const A m = a > b ? a : b;
    return m + log1p(exp(-fabs(a - b)));
  }
};
template <class A> struct LogAddExp2Op {
  __device__ __forceinline__ A operator()(A a, A b) const {
    if (isinf(a) && a == b) return a;
    const A m = a > b ? a : b;
    return m + log1p(exp2(-fabs(a - b))) / A(0.69314718055994530942);
  }
};

// T is the storage type: float/double use the library; 16-bit floats step the bit pattern of
// the sign-magnitude representation (a and b arrive as exact floats of 16-bit values).
template <class T> struct NextAfterOp {
  __device__ __forceinline__ acc_t<T> operator()(acc_t<T> a, acc_t<T> b) const {
    if constexpr (!is_half_v<T>) {
      return nextafter(a, b);
    } else {
      if (a != a || b != b) return a + b;  // nan
      if (a == b) return b;
      unsigned short bits;
      if constexpr (std::is_same_v<T, __half>) bits = __half_as_ushort(__float2half_rn(a));
      else bits = __bfloat16_as_ushort(__float2bfloat16_rn(a));
      if (a == 0.f) bits = b > 0.f ? 0x0001 : 0x8001;
      else bits = (unsigned short)(((a < b) == (a > 0.f)) ? bits + 1 : bits - 1);
      if constexpr (std::is_same_v<T, __half>) return __half2float(__ushort_as_half(bits));
      else return __bfloat162float(__ushort_as_bfloat16(bits));
    }
  }
};

template <template <class> class Op, class T> void run(const char* name, const Tensor& dst, const Tensor& a, const Tensor& b) {
  launch_map<T, T, 2>(name, dst, {&a, &b}, Op<acc_t<T>>{});
}

}  // namespace

void binary_float_kernel(int op_code, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name) {
  const BinaryOp op = (BinaryOp)op_code;
  EMBER_CHECK(dst.dtype() == ct && a.dtype() == ct && b.dtype() == ct, name,
              "internal error: CUDA binary kernel expects operands of the compute dtype ", dtype_name(ct));
  if (!is_floating(ct)) EMBER_NOT_IMPLEMENTED(name, "not implemented for '", dtype_name(ct), "'");
  dispatch_float(ct, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case BinaryOp::Atan2: run<Atan2Op, T>(name, dst, a, b); break;
      case BinaryOp::Copysign: run<CopysignOp, T>(name, dst, a, b); break;
      case BinaryOp::Xlogy: run<XlogyOp, T>(name, dst, a, b); break;
      case BinaryOp::Hypot: run<HypotOp, T>(name, dst, a, b); break;
      case BinaryOp::LogAddExp: run<LogAddExpOp, T>(name, dst, a, b); break;
      case BinaryOp::LogAddExp2: run<LogAddExp2Op, T>(name, dst, a, b); break;
      case BinaryOp::NextAfter: launch_map<T, T, 2>(name, dst, {&a, &b}, NextAfterOp<T>{}); break;
      default: EMBER_FAIL(name, "internal error: not a floating binary op on cuda");
    }
  });
}

}  // namespace ember::cuda
