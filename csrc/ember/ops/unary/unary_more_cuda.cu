// unary_more_cuda.cu — CUDA kernels of the unary ops beyond the first slice (unary_cuda.cu):
// sign/sgn, round (also with decimals), frac, bitwise_not, inverse trig and hyperbolic
// functions, erfc, erfinv, lgamma, digamma, logit, nan_to_num, and the predicates isnan, isinf,
// isposinf, isneginf, isfinite, signbit, logical_not. Semantics as unary_math.h (the CPU), whose
// host/device definitions these kernels call where they can (digamma, sign, frac, logit,
// nan_to_num, the integer ops and predicates):
// sign(nan) = 0, round half to even, digamma(0) = -inf (sign of -x), digamma at negative integers
// = nan, erfinv(+-1) = +-inf; erfinv and digamma compute in double for every dtype as the CPU does.
#include <math_constants.h>
#include <cmath>
#include "ember/cuda/loops.cuh"
#include "ember/ops/elementwise/map_cuda.cuh"
#include "ember/ops/unary/unary.h"
#include "ember/ops/unary/unary_cuda.h"
#include "ember/ops/unary/unary_functor_cuda.cuh"
#include "ember/ops/unary/unary_math.h"

namespace ember::cuda {

namespace {

EMBER_CUDA_FLOAT_UNARY(AsinOp, asin(x))
EMBER_CUDA_FLOAT_UNARY(AcosOp, acos(x))
EMBER_CUDA_FLOAT_UNARY(AtanOp, atan(x))
EMBER_CUDA_FLOAT_UNARY(SinhOp, sinh(x))
EMBER_CUDA_FLOAT_UNARY(CoshOp, cosh(x))
EMBER_CUDA_FLOAT_UNARY(AsinhOp, asinh(x))
EMBER_CUDA_FLOAT_UNARY(AcoshOp, acosh(x))
EMBER_CUDA_FLOAT_UNARY(AtanhOp, atanh(x))
EMBER_CUDA_FLOAT_UNARY(ErfcOp, erfc(x))
EMBER_CUDA_FLOAT_UNARY(LgammaOp, lgamma(x))
EMBER_CUDA_FLOAT_UNARY(ErfinvOp, A(erfinv((double)x)))
#undef EMBER_CUDA_FLOAT_UNARY

template <class A> struct DigammaOp {
  __device__ __forceinline__ A operator()(A x) const { return A(umath::digamma((double)x)); }
};

// The cheap float ops in one functor (a uniform branch on `op`): one kernel per dtype.
template <class A> struct CheapFloatOp {
  int op;
  A ten_pow;            // RoundDecimals: 10^|decimals|
  bool neg_decimals;
  A eps;                // Logit (< 0: no clamp)
  A nan_v, posinf, neginf;  // NanToNum
  __device__ __forceinline__ A operator()(A x) const {
    switch ((UnaryOp)op) {
      case UnaryOp::Sign: case UnaryOp::Sgn: return umath::sign(x);
      case UnaryOp::Round: return rint(x);
      case UnaryOp::Frac: return umath::frac(x);
      case UnaryOp::RoundDecimals: return neg_decimals ? A(rint(x / ten_pow) * ten_pow) : A(rint(x * ten_pow) / ten_pow);
      case UnaryOp::Logit: return umath::logit(x, eps);
      default: return umath::nan_to_num(x, nan_v, posinf, neginf);
    }
  }
};

// Integer keep-dtype ops: sign, bitwise_not (neg/abs/square are in unary_cuda.cu).
template <class A> struct IntOp {
  int op;
  __device__ __forceinline__ A operator()(A x) const {
    if constexpr (std::is_same_v<A, bool>) {
      return op == (int)UnaryOp::BitwiseNot ? !x : x;  // sign/sgn of bool: identity
    } else {
      return umath::int_op<A>((UnaryOp)op, x);
    }
  }
};

template <class A> struct PredOp {
  int op;
  __device__ __forceinline__ bool operator()(A x) const {
    const UnaryOp o = (UnaryOp)op;
    if constexpr (std::is_floating_point_v<A>) {
      switch (o) {
        case UnaryOp::Isnan: return x != x;
        case UnaryOp::Isinf: return isinf(x);
        case UnaryOp::Isposinf: return isinf(x) && x > A(0);
        case UnaryOp::Isneginf: return isinf(x) && x < A(0);
        case UnaryOp::Isfinite: return isfinite(x);
        case UnaryOp::Signbit: return signbit(x);
        default: return x == A(0);  // LogicalNot
      }
    } else {
      return umath::int_pred<A>(o, x);
    }
  }
};

template <template <class> class Op> void run_float(const char* name, const Tensor& dst, const Tensor& src) {
  dispatch_float(dst.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_unary<T>(name, dst, src, Op<acc_t<T>>{});
  });
}

bool is_pred(UnaryOp op) { return op >= UnaryOp::Isnan && op <= UnaryOp::LogicalNot; }

}  // namespace

void unary_kernel_ex(int op_code, const Tensor& dst, const Tensor& src, const UnaryParams& p, const char* name) {
  const UnaryOp op = (UnaryOp)op_code;
  if (dst.numel() == 0) return;
  EMBER_CHECK(dst.device() == src.device(), name, "Expected all tensors to be on the same device, but found at least "
              "two devices, ", dst.device().str(), " and ", src.device().str(), "!");
  if (is_pred(op)) {
    EMBER_CHECK(dst.dtype() == DType::Bool, name, "internal error: predicate result must be bool");
    dispatch_all(src.dtype(), name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      launch_map<bool, T, 1>(name, dst, {&src}, PredOp<acc_t<T>>{op_code});
    });
    return;
  }
  if (unary_supported(op_code)) { unary_kernel(op_code, dst, src, name); return; }
  EMBER_CHECK(dst.dtype() == src.dtype(), name, "internal error: CUDA unary kernel expects one dtype, got ",
              dtype_name(dst.dtype()), " and ", dtype_name(src.dtype()));
  const DType dt = dst.dtype();
  switch (op) {
    case UnaryOp::Sign: case UnaryOp::Sgn: case UnaryOp::BitwiseNot:
      if (!is_floating(dt)) {
        dispatch_all(dt, name, [&](auto tag) {
          using T = typename decltype(tag)::type;
          if constexpr (std::is_integral_v<T>) launch_unary<T>(name, dst, src, IntOp<T>{op_code});
        });
        return;
      }
      if (op == UnaryOp::BitwiseNot) EMBER_NOT_IMPLEMENTED(name, "not implemented for dtype ", dtype_name(dt));
      [[fallthrough]];
    case UnaryOp::Round: case UnaryOp::Frac: case UnaryOp::RoundDecimals: case UnaryOp::Logit:
    case UnaryOp::NanToNum:
      dispatch_float(dt, name, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using A = acc_t<T>;
        CheapFloatOp<A> f{};
        f.op = op_code;
        const int64_t d = p.decimals;
        f.neg_decimals = d < 0;
        f.ten_pow = A(std::pow(10.0, (double)(d < 0 ? -d : d)));
        f.eps = A(p.eps);
        f.nan_v = A(p.nan);
        f.posinf = A(p.posinf);
        f.neginf = A(p.neginf);
        launch_unary<T>(name, dst, src, f);
      });
      return;
    case UnaryOp::Asin: run_float<AsinOp>(name, dst, src); return;
    case UnaryOp::Acos: run_float<AcosOp>(name, dst, src); return;
    case UnaryOp::Atan: run_float<AtanOp>(name, dst, src); return;
    case UnaryOp::Sinh: run_float<SinhOp>(name, dst, src); return;
    case UnaryOp::Cosh: run_float<CoshOp>(name, dst, src); return;
    case UnaryOp::Asinh: run_float<AsinhOp>(name, dst, src); return;
    case UnaryOp::Acosh: run_float<AcoshOp>(name, dst, src); return;
    case UnaryOp::Atanh: run_float<AtanhOp>(name, dst, src); return;
    case UnaryOp::Erfc: run_float<ErfcOp>(name, dst, src); return;
    case UnaryOp::Erfinv: run_float<ErfinvOp>(name, dst, src); return;
    case UnaryOp::Lgamma: run_float<LgammaOp>(name, dst, src); return;
    case UnaryOp::Digamma: run_float<DigammaOp>(name, dst, src); return;
    default: device_guard_fail(dst.device());
  }
}

}  // namespace ember::cuda
