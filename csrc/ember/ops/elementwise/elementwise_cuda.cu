// elementwise_cuda.cu — the CUDA kernels of the binary elementwise ops: add, sub (with alpha),
// mul, div, maximum, minimum. Validation, broadcasting and type promotion happen once in
// binary.cpp (shared with the CPU); here dst, a and b already have the compute dtype.
#include <cmath>
#include "ember/cuda/loops.cuh"
#include "ember/ops/elementwise/elementwise.h"

namespace ember::cuda {

namespace {

template <class A> __device__ __forceinline__ bool is_nan(A x) {
  if constexpr (std::is_floating_point_v<A>) return isnan(x);
  else return false;
}

template <class A> struct AddOp {
  A alpha;
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) return a || (alpha && b);
    else return a + alpha * b;
  }
};
template <class A> struct SubOp {
  A alpha;
  __device__ __forceinline__ A operator()(A a, A b) const { return a - alpha * b; }
};
template <class A> struct MulOp {
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) return a && b;
    else return a * b;
  }
};
template <class A> struct DivOp {
  __device__ __forceinline__ A operator()(A a, A b) const { return a / b; }
};
template <class A> struct MaxOp {  // nan-propagating, as torch.maximum
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) return a || b;
    else {
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      return a > b ? a : b;
    }
  }
};
template <class A> struct MinOp {
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) return a && b;
    else {
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      return a < b ? a : b;
    }
  }
};

// Integer arithmetic on narrow types is done in the type itself, wrapping like the CPU (the
// product with alpha is formed in the type's promoted int and truncated by the store).
template <class T> acc_t<T> host_alpha(const Scalar& alpha) {
  using A = acc_t<T>;
  if constexpr (std::is_same_v<A, bool>) return alpha.to_bool();
  else if constexpr (std::is_integral_v<A>) return (A)alpha.to_int();
  else return (A)alpha.to_double();
}

}  // namespace

bool binary_supported(int op) {
  switch ((BinaryOp)op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div:
    case BinaryOp::Maximum: case BinaryOp::Minimum: return true;
    default: return false;
  }
}

void binary_kernel(int op_code, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const Scalar& alpha,
                   const char* name) {
  const BinaryOp op = (BinaryOp)op_code;
  if (!binary_supported(op_code)) device_guard_fail(dst.device());
  EMBER_CHECK(dst.dtype() == ct && a.dtype() == ct && b.dtype() == ct, name,
              "internal error: CUDA binary kernel expects operands of the compute dtype ", dtype_name(ct));
  EMBER_CHECK(!a.device().is_cpu() || a.numel() == 1, name, "Expected all tensors to be on the same device, but found "
              "at least two devices, ", dst.device().str(), " and cpu!");
  EMBER_CHECK(!b.device().is_cpu() || b.numel() == 1, name, "Expected all tensors to be on the same device, but found "
              "at least two devices, ", dst.device().str(), " and cpu!");
  dispatch_all(ct, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    switch (op) {
      case BinaryOp::Add: launch_binary<T>(name, dst, a, b, AddOp<A>{host_alpha<T>(alpha)}); break;
      case BinaryOp::Sub:
        if constexpr (!std::is_same_v<A, bool>) launch_binary<T>(name, dst, a, b, SubOp<A>{host_alpha<T>(alpha)});
        else EMBER_FAIL(name, "Subtraction with bool tensors is not supported");
        break;
      case BinaryOp::Mul: launch_binary<T>(name, dst, a, b, MulOp<A>{}); break;
      case BinaryOp::Div:
        if constexpr (is_float_v<T>) launch_binary<T>(name, dst, a, b, DivOp<A>{});
        else EMBER_FAIL(name, "internal error: true division in an integer dtype");
        break;
      case BinaryOp::Maximum: launch_binary<T>(name, dst, a, b, MaxOp<A>{}); break;
      case BinaryOp::Minimum: launch_binary<T>(name, dst, a, b, MinOp<A>{}); break;
      default: device_guard_fail(dst.device());
    }
  });
}

}  // namespace ember::cuda
