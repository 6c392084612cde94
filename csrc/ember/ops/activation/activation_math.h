// activation_math.h — the scalar definitions of every activation: forward f(x), backward
// g * f'(s) and the double-backward term gg * g * d f'(s)/ds, with s the saved input or output
// (see activation_saves_output). Templated on a math policy M (exp/expm1/log1p/tanh/erf) so the
// same formulas give the reference (StdMath, std:: functions) and the fast float kernels
// (VecMath, branch-free vmath.h approximations that vectorize). Formulas follow PyTorch's at
// the extremes (silu(-inf) = -inf / inf = nan, hardswish(-inf) = nan, relu(nan) = nan).
#pragma once
#include <cmath>
#include "ember/ops/activation/activation.h"
#include "ember/ops/unary/vmath.h"

// The formulas below are also compiled as device code by activation_*_cuda.cu (with the
// CudaMath policy defined there): under nvcc they are __host__ __device__.
#if defined(__CUDACC__)
#define EMBER_ACT_FN __host__ __device__ __forceinline__
#else
#define EMBER_ACT_FN EMBER_VM_INLINE
#endif

namespace ember::act {

struct StdMath {
  template <class C> static C exp(C x) { return std::exp(x); }
  template <class C> static C expm1(C x) { return std::expm1(x); }
  template <class C> static C log1p(C x) { return std::log1p(x); }
  template <class C> static C tanh(C x) { return std::tanh(x); }
  template <class C> static C erf(C x) { return std::erf(x); }
  template <class C> static C erfc(C x) { return std::erfc(x); }
};

struct VecMath {  // float only
  static EMBER_VM_INLINE float exp(float x) { return vm::vexp(x); }
  static EMBER_VM_INLINE float expm1(float x) { return vm::vexpm1(x); }
  static EMBER_VM_INLINE float log1p(float x) { return vm::vlog1p(x); }
  static EMBER_VM_INLINE float tanh(float x) { return vm::vtanh(x); }
  static EMBER_VM_INLINE float erf(float x) { return vm::verf(x); }
  static EMBER_VM_INLINE float erfc(float x) { return 1.f - vm::verf(x); }
};

// Parameters in the compute type, with derived constants.
template <class C>
struct Coef {
  C a, b, c, ab, abc, abcc;
  explicit Coef(const ActParams& p)
      : a((C)p.a), b((C)p.b), c((C)p.c), ab((C)(p.a * p.b)), abc((C)(p.a * p.b * p.c)),
        abcc((C)(p.a * p.b * p.c * p.c)) {}
};

template <class C> constexpr C kSqrt1_2 = (C)0.70710678118654752440;
template <class C> constexpr C kInvSqrt2Pi = (C)0.39894228040143267794;  // 1/sqrt(2 pi)
template <class C> constexpr C kSqrt2OverPi = (C)0.79788456080286535588;
template <class C> constexpr C kGeluC = (C)0.044715;

template <class M, class C> EMBER_ACT_FN C sigmoid(C x) { return C(1) / (C(1) + M::exp(-x)); }
template <class C> EMBER_ACT_FN C absv(C x) { return x < 0 ? -x : x; }

template <ActOp OP, class M, class C>
EMBER_ACT_FN C forward(C x, const Coef<C>& q) {
  if constexpr (OP == ActOp::Relu) return x < 0 ? C(0) : x;
  else if constexpr (OP == ActOp::LeakyRelu) return x > 0 ? x : x * q.a;
  else if constexpr (OP == ActOp::Hardtanh) return x < q.a ? q.a : (x > q.b ? q.b : x);
  else if constexpr (OP == ActOp::Elu) return x > 0 ? q.b * x : q.ab * M::expm1(x * q.c);
  else if constexpr (OP == ActOp::Gelu) return x * C(0.5) * M::erfc(-x * kSqrt1_2<C>);  // erfc keeps Phi's digits for x << 0
  else if constexpr (OP == ActOp::GeluTanh)
    return C(0.5) * x * (C(1) + M::tanh(kSqrt2OverPi<C> * (x + kGeluC<C> * x * x * x)));
  else if constexpr (OP == ActOp::Silu) return x / (C(1) + M::exp(-x));
  else if constexpr (OP == ActOp::Mish) return x * M::tanh(M::log1p(M::exp(x)));
  else if constexpr (OP == ActOp::Sigmoid) return sigmoid<M>(x);
  else if constexpr (OP == ActOp::Tanh) return M::tanh(x);
  else if constexpr (OP == ActOp::Softplus) {
    C bx = x * q.a;
    return bx > q.b ? x : M::log1p(M::exp(bx)) / q.a;
  } else if constexpr (OP == ActOp::Softsign) return x / (C(1) + absv(x));
  else if constexpr (OP == ActOp::Hardswish) {
    C r = x + C(3);
    r = r < 0 ? C(0) : (r > C(6) ? C(6) : r);
    return x * r / C(6);
  } else if constexpr (OP == ActOp::Hardsigmoid) {
    C r = x + C(3);
    r = r < 0 ? C(0) : (r > C(6) ? C(6) : r);
    return r / C(6);
  } else if constexpr (OP == ActOp::LogSigmoid) return (x < 0 ? x : C(0)) - M::log1p(M::exp(-absv(x)));
  else if constexpr (OP == ActOp::Threshold) return x <= q.a ? q.b : x;
  else if constexpr (OP == ActOp::Tanhshrink) return x - M::tanh(x);
  else if constexpr (OP == ActOp::Softshrink) return x > q.a ? x - q.a : (x < -q.a ? x + q.a : x * C(0));
  else if constexpr (OP == ActOp::Hardshrink) return (x >= -q.a && x <= q.a) ? C(0) : x;
  else return x;
}

// g * f'(s)
template <ActOp OP, class M, class C>
EMBER_ACT_FN C backward(C g, C s, const Coef<C>& q) {
  if constexpr (OP == ActOp::Relu) return s <= 0 ? C(0) : g;  // s = y
  else if constexpr (OP == ActOp::LeakyRelu) return s > 0 ? g : g * q.a;
  else if constexpr (OP == ActOp::Hardtanh) return (s <= q.a || s >= q.b) ? C(0) : g;
  else if constexpr (OP == ActOp::Elu) return s > 0 ? g * q.b : g * q.abc * M::exp(s * q.c);
  else if constexpr (OP == ActOp::Gelu) {
    C cdf = C(0.5) * M::erfc(-s * kSqrt1_2<C>);
    C pdf = kInvSqrt2Pi<C> * M::exp(C(-0.5) * s * s);
    return g * (cdf + s * pdf);
  } else if constexpr (OP == ActOp::GeluTanh) {
    C s2 = s * s;
    C t = M::tanh(kSqrt2OverPi<C> * (s + kGeluC<C> * s2 * s));
    C du = kSqrt2OverPi<C> * (C(1) + C(3) * kGeluC<C> * s2);
    return g * (C(0.5) * (C(1) + t) + C(0.5) * s * (C(1) - t * t) * du);
  } else if constexpr (OP == ActOp::Silu) {
    C sg = sigmoid<M>(s);
    return g * sg * (C(1) + s * (C(1) - sg));
  } else if constexpr (OP == ActOp::Mish) {
    C tsp = M::tanh(M::log1p(M::exp(s)));
    return g * (tsp + s * sigmoid<M>(s) * (C(1) - tsp * tsp));
  } else if constexpr (OP == ActOp::Sigmoid) return g * s * (C(1) - s);  // s = y
  else if constexpr (OP == ActOp::Tanh) return g * (C(1) - s * s);       // s = y
  else if constexpr (OP == ActOp::Softplus) {
    C bx = s * q.a;
    return bx > q.b ? g : g * sigmoid<M>(bx);
  } else if constexpr (OP == ActOp::Softsign) {
    C d = C(1) + absv(s);
    return g / (d * d);
  } else if constexpr (OP == ActOp::Hardswish)
    return s <= C(-3) ? C(0) : (s < C(3) ? g * (s / C(3) + C(0.5)) : g);
  else if constexpr (OP == ActOp::Hardsigmoid) return (s > C(-3) && s < C(3)) ? g / C(6) : C(0);
  else if constexpr (OP == ActOp::LogSigmoid) return g * sigmoid<M>(-s);
  else if constexpr (OP == ActOp::Threshold) return s <= q.a ? C(0) : g;
  else if constexpr (OP == ActOp::Tanhshrink) {
    C t = M::tanh(s);
    return g * t * t;
  } else if constexpr (OP == ActOp::Softshrink || OP == ActOp::Hardshrink)
    return (s >= -q.a && s <= q.a) ? C(0) : g;
  else return g;
}

// gg * g * d f'(s)/ds  (zero for the piecewise-linear ops)
template <ActOp OP, class M, class C>
EMBER_ACT_FN C double_backward(C gg, C g, C s, const Coef<C>& q) {
  C h = gg * g;
  if constexpr (OP == ActOp::Elu) return s > 0 ? C(0) : h * q.abcc * M::exp(s * q.c);
  else if constexpr (OP == ActOp::Gelu) return h * kInvSqrt2Pi<C> * M::exp(C(-0.5) * s * s) * (C(2) - s * s);
  else if constexpr (OP == ActOp::GeluTanh) {
    C s2 = s * s;
    C t = M::tanh(kSqrt2OverPi<C> * (s + kGeluC<C> * s2 * s));
    C du = kSqrt2OverPi<C> * (C(1) + C(3) * kGeluC<C> * s2);
    C ddu = kSqrt2OverPi<C> * C(6) * kGeluC<C> * s;
    return h * (C(1) - t * t) * (du - s * t * du * du + C(0.5) * s * ddu);
  } else if constexpr (OP == ActOp::Silu) {
    C sg = sigmoid<M>(s);
    return h * sg * (C(1) - sg) * (C(2) + s * (C(1) - C(2) * sg));
  } else if constexpr (OP == ActOp::Mish) {
    C sg = sigmoid<M>(s);
    C tsp = M::tanh(M::log1p(M::exp(s)));
    C sech2 = C(1) - tsp * tsp;
    C a = sg * sech2;  // d tanh(softplus(s))/ds
    return h * (C(2) * a + s * sg * ((C(1) - sg) * sech2 - C(2) * tsp * a));
  } else if constexpr (OP == ActOp::Sigmoid) return h * (C(1) - C(2) * s);
  else if constexpr (OP == ActOp::Tanh) return h * C(-2) * s;
  else if constexpr (OP == ActOp::Softplus) {
    C bx = s * q.a;
    C sg = sigmoid<M>(bx);
    return bx > q.b ? C(0) : h * q.a * sg * (C(1) - sg);
  } else if constexpr (OP == ActOp::Softsign) {
    C d = C(1) + absv(s);
    C sgn = s > 0 ? C(1) : (s < 0 ? C(-1) : C(0));
    return h * C(-2) * sgn / (d * d * d);
  } else if constexpr (OP == ActOp::Hardswish) return (s > C(-3) && s < C(3)) ? h / C(3) : C(0);
  else if constexpr (OP == ActOp::LogSigmoid) {
    C sg = sigmoid<M>(s);
    return -h * sg * (C(1) - sg);
  } else if constexpr (OP == ActOp::Tanhshrink) {
    C t = M::tanh(s);
    return h * C(2) * t * (C(1) - t * t);
  } else {
    (void)h;
    return C(0);
  }
}

}  // namespace ember::act

// Every ActOp, for switch-based instantiation.
#define EMBER_ACT_OPS(X)                                                                             \
  X(Relu) X(LeakyRelu) X(Hardtanh) X(Elu) X(Gelu) X(GeluTanh) X(Silu) X(Mish) X(Sigmoid) X(Tanh)   \
  X(Softplus) X(Softsign) X(Hardswish) X(Hardsigmoid) X(LogSigmoid) X(Threshold) X(Tanhshrink)     \
  X(Softshrink) X(Hardshrink)
