// binary_math_cuda.cu — CUDA kernels of the integer-capable binary math ops: div with
// rounding_mode trunc/floor (floor_divide), remainder, fmod, pow (tensor exponent), fmax, fmin,
// and the scalar-exponent pow. The per-element math is the CPU's (scalar_math.h, host/device);
// integer division by zero gives 0 instead of raising (see that header).
// The float-only ops (atan2, copysign, xlogy, hypot, logaddexp(2), nextafter) are in
// binary_float_cuda.cu, so the two files compile in parallel.
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/elementwise/elementwise_cuda.h"
#include "ember/ops/elementwise/scalar_math.h"
#include "ember/ops/elementwise/map_cuda.cuh"

namespace ember::cuda {

namespace {

// The integer-capable ops in one functor with the op as a (uniform) runtime value: one kernel
// per dtype instead of one per (op, dtype), which keeps nvcc time down.
template <class A> struct IntMathOp {
  int op;
  __device__ __forceinline__ A operator()(A a, A b) const {
    switch ((BinaryOp)op) {
      case BinaryOp::DivTrunc: return math::div_trunc(a, b);
      case BinaryOp::DivFloor: return math::div_floor(a, b);
      case BinaryOp::Remainder: return math::remainder(a, b);
      case BinaryOp::Fmod: return math::fmod(a, b);
      case BinaryOp::Fmax: return math::fmax(a, b);
      case BinaryOp::Fmin: return math::fmin(a, b);
      default:  // Pow
        if constexpr (std::is_floating_point_v<A>) return pow(a, b);
        else return math::ipow<A>(a, (int64_t)b);
    }
  }
};

// Scalar exponent: the CPU's fast paths (same results: 0.5 and -0.5 are square roots as in
// PyTorch, except -0.5 for float16, which PyTorch computes with pow, they differ at -0.0), picked
// on the host and applied as a uniform runtime mode (one kernel per dtype).
enum PowMode : int { kPowGeneric, kPowOne, kPowIdentity, kPowSquare, kPowCube, kPowSqrt, kPowRsqrt, kPowRecip, kPowRecipSq };
template <class A> struct PowScalarOp {
  int mode;
  A e;
  __device__ __forceinline__ A operator()(A x) const {
    switch (mode) {
      case kPowOne: return A(1);
      case kPowIdentity: return x;
      case kPowSquare: return A(x * x);
      case kPowCube: return A(x * x * x);
      case kPowSqrt: return sqrt(x);
      case kPowRsqrt: return A(1) / sqrt(x);
      case kPowRecip: return A(1) / x;
      case kPowRecipSq: return A(1) / (x * x);
      default: return pow(x, e);
    }
  }
};
template <class A> struct PowIntConstOp {
  int64_t e;
  __device__ __forceinline__ A operator()(A x) const { return math::ipow<A>(x, e); }
};

void check_operands(const char* name, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(dst.dtype() == ct && a.dtype() == ct && b.dtype() == ct, name,
              "internal error: CUDA binary kernel expects operands of the compute dtype ", dtype_name(ct));
}

}  // namespace

void binary_math_kernel(int op_code, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name) {
  const BinaryOp op = (BinaryOp)op_code;
  check_operands(name, ct, dst, a, b);
  switch (op) {
    case BinaryOp::DivTrunc: case BinaryOp::DivFloor: case BinaryOp::Remainder: case BinaryOp::Fmod:
    case BinaryOp::Pow: case BinaryOp::Fmax: case BinaryOp::Fmin: break;
    case BinaryOp::Atan2: case BinaryOp::Copysign: case BinaryOp::Xlogy: case BinaryOp::Hypot:
    case BinaryOp::LogAddExp: case BinaryOp::LogAddExp2: case BinaryOp::NextAfter:
      binary_float_kernel(op_code, ct, dst, a, b, name);
      return;
    default: EMBER_FAIL(name, "internal error: not a binary math op on cuda");
  }
  dispatch_all(ct, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      // bool reaches only fmax/fmin, which binary.cpp maps to maximum/minimum
      EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
    } else {
      launch_map<T, T, 2>(name, dst, {&a, &b}, IntMathOp<acc_t<T>>{op_code});
    }
  });
}

void pow_scalar_kernel(const Tensor& dst, const Tensor& x, const Scalar& es) {
  const char* name = "pow";
  EMBER_CHECK(dst.dtype() == x.dtype(), name, "internal error: CUDA pow expects one dtype");
  if (dst.numel() == 0) return;
  dispatch_all(dst.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
    } else if constexpr (std::is_floating_point_v<A>) {
      const double e = es.to_double();
      PowMode m = kPowGeneric;
      if (e == 0.5) m = kPowSqrt;
      else if (e == -0.5 && !std::is_same_v<T, __half>) m = kPowRsqrt;
      else if (e == 0) m = kPowOne;
      else if (e == 1) m = kPowIdentity;
      else if (e == 2) m = kPowSquare;
      else if (e == 3) m = kPowCube;
      else if (e == -1) m = kPowRecip;
      else if (e == -2) m = kPowRecipSq;
      launch_unary<T>(name, dst, x, PowScalarOp<A>{(int)m, A(e)});
    } else {
      // integers: wrapping power by squaring for every exponent (no signed-overflow UB)
      launch_unary<T>(name, dst, x, PowIntConstOp<A>{es.to_int()});
    }
  });
}

}  // namespace ember::cuda
