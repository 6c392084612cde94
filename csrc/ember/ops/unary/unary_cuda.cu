// unary_cuda.cu — CUDA kernels of the common unary ops (neg, abs, square, reciprocal, exp, exp2,
// expm1, log, log2, log10, log1p, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf, floor, ceil,
// trunc); the other unary ops are in unary_more_cuda.cu, the activations in ops/activation.
// Validation and the choice of compute dtype happen in unary.cpp (shared with the CPU); dst and
// src arrive with the same dtype.
#include <cmath>
#include "ember/cuda/loops.cuh"
#include "ember/ops/unary/unary.h"
#include "ember/ops/unary/unary_functor_cuda.cuh"

namespace ember::cuda {

namespace {

// One functor per op (EMBER_CUDA_FLOAT_UNARY: unary_functor_cuda.cuh).
EMBER_CUDA_FLOAT_UNARY(ExpOp, exp(x))
EMBER_CUDA_FLOAT_UNARY(Exp2Op, exp2(x))
EMBER_CUDA_FLOAT_UNARY(Expm1Op, expm1(x))
EMBER_CUDA_FLOAT_UNARY(LogOp, log(x))
EMBER_CUDA_FLOAT_UNARY(Log2Op, log2(x))
EMBER_CUDA_FLOAT_UNARY(Log10Op, log10(x))
EMBER_CUDA_FLOAT_UNARY(Log1pOp, log1p(x))
EMBER_CUDA_FLOAT_UNARY(SqrtOp, sqrt(x))
EMBER_CUDA_FLOAT_UNARY(RsqrtOp, A(1) / sqrt(x))
EMBER_CUDA_FLOAT_UNARY(SinOp, sin(x))
EMBER_CUDA_FLOAT_UNARY(CosOp, cos(x))
EMBER_CUDA_FLOAT_UNARY(TanOp, tan(x))
EMBER_CUDA_FLOAT_UNARY(TanhOp, tanh(x))
EMBER_CUDA_FLOAT_UNARY(SigmoidOp, A(1) / (A(1) + exp(-x)))
EMBER_CUDA_FLOAT_UNARY(ErfOp, erf(x))
EMBER_CUDA_FLOAT_UNARY(ReciprocalOp, A(1) / x)
EMBER_CUDA_FLOAT_UNARY(FloorOp, floor(x))
EMBER_CUDA_FLOAT_UNARY(CeilOp, ceil(x))
EMBER_CUDA_FLOAT_UNARY(TruncOp, trunc(x))
#undef EMBER_CUDA_FLOAT_UNARY

template <class A> struct NegOp {
  __device__ __forceinline__ A operator()(A x) const { return -x; }
};
template <class A> struct AbsOp {
  __device__ __forceinline__ A operator()(A x) const {
    if constexpr (std::is_floating_point_v<A>) return fabs(x);
    else if constexpr (std::is_unsigned_v<A>) return x;
    else return x < 0 ? -x : x;
  }
};
template <class A> struct SquareOp {
  __device__ __forceinline__ A operator()(A x) const { return x * x; }
};

template <template <class> class Op> void run_float(const char* name, const Tensor& dst, const Tensor& src) {
  dispatch_float(dst.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_unary<T>(name, dst, src, Op<acc_t<T>>{});
  });
}

// Ops that also take integer dtypes (neg, abs, square): every numeric dtype but bool.
template <template <class> class Op> void run_numeric(const char* name, const Tensor& dst, const Tensor& src) {
  EMBER_CHECK(dst.dtype() != DType::Bool, name, "not implemented for dtype bool on cuda");
  dispatch_all(dst.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) launch_unary<T>(name, dst, src, Op<acc_t<T>>{});
  });
}

void check_same(const char* name, const Tensor& dst, const Tensor& src) {
  EMBER_CHECK(dst.dtype() == src.dtype(), name, "internal error: CUDA unary kernel expects one dtype, got ",
              dtype_name(dst.dtype()), " and ", dtype_name(src.dtype()));
  EMBER_CHECK(dst.device() == src.device(), name, "Expected all tensors to be on the same device, but found at least "
              "two devices, ", dst.device().str(), " and ", src.device().str(), "!");
}

}  // namespace

bool unary_supported(int op) {
  switch ((UnaryOp)op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Square: case UnaryOp::Reciprocal:
    case UnaryOp::Exp: case UnaryOp::Exp2: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log2:
    case UnaryOp::Log10: case UnaryOp::Log1p: case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Sin:
    case UnaryOp::Cos: case UnaryOp::Tan: case UnaryOp::Tanh: case UnaryOp::Sigmoid: case UnaryOp::Erf:
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Trunc:
      return true;
    default: return false;
  }
}

void unary_kernel(int op_code, const Tensor& dst, const Tensor& src, const char* name) {
  if (!unary_supported(op_code)) device_guard_fail(dst.device());
  check_same(name, dst, src);
  switch ((UnaryOp)op_code) {
    case UnaryOp::Neg: run_numeric<NegOp>(name, dst, src); break;
    case UnaryOp::Abs: run_numeric<AbsOp>(name, dst, src); break;
    case UnaryOp::Square: run_numeric<SquareOp>(name, dst, src); break;
    case UnaryOp::Reciprocal: run_float<ReciprocalOp>(name, dst, src); break;
    case UnaryOp::Exp: run_float<ExpOp>(name, dst, src); break;
    case UnaryOp::Exp2: run_float<Exp2Op>(name, dst, src); break;
    case UnaryOp::Expm1: run_float<Expm1Op>(name, dst, src); break;
    case UnaryOp::Log: run_float<LogOp>(name, dst, src); break;
    case UnaryOp::Log2: run_float<Log2Op>(name, dst, src); break;
    case UnaryOp::Log10: run_float<Log10Op>(name, dst, src); break;
    case UnaryOp::Log1p: run_float<Log1pOp>(name, dst, src); break;
    case UnaryOp::Sqrt: run_float<SqrtOp>(name, dst, src); break;
    case UnaryOp::Rsqrt: run_float<RsqrtOp>(name, dst, src); break;
    case UnaryOp::Sin: run_float<SinOp>(name, dst, src); break;
    case UnaryOp::Cos: run_float<CosOp>(name, dst, src); break;
    case UnaryOp::Tan: run_float<TanOp>(name, dst, src); break;
    case UnaryOp::Tanh: run_float<TanhOp>(name, dst, src); break;
    case UnaryOp::Sigmoid: run_float<SigmoidOp>(name, dst, src); break;
    case UnaryOp::Erf: run_float<ErfOp>(name, dst, src); break;
    // floor/ceil/trunc of integers are identities handled in unary.cpp; only floats get here
    case UnaryOp::Floor: run_float<FloorOp>(name, dst, src); break;
    case UnaryOp::Ceil: run_float<CeilOp>(name, dst, src); break;
    case UnaryOp::Trunc: run_float<TruncOp>(name, dst, src); break;
    default: device_guard_fail(dst.device());
  }
}

}  // namespace ember::cuda
