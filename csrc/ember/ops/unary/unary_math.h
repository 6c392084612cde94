// unary_math.h — scalar definitions of every unary op, with PyTorch's numerics (sign(nan) = 0,
// round half to even, digamma/lgamma poles, erfinv(±1) = ±inf). The reference kernels are
// plain loops over these; the fast kernels fall back to them for float64 and rare ops. The
// EMBER_HOST_DEVICE ones are also the CUDA kernels' definitions (unary_more_cuda.cu).
#pragma once
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include "ember/core/host_device.h"
#include "ember/ops/unary/unary.h"

namespace ember::umath {

template <class C> EMBER_HOST_DEVICE inline C sign(C x) { return x > C(0) ? C(1) : (x < C(0) ? C(-1) : C(0)); }
template <class C> inline C sigmoid(C x) { return C(1) / (C(1) + std::exp(-x)); }
template <class C> inline C rsqrt(C x) { return C(1) / std::sqrt(x); }
template <class C> EMBER_HOST_DEVICE inline C frac(C x) { return x - std::trunc(x); }
template <class C> inline C round_even(C x) { return std::nearbyint(x); }

// lgamma without touching the global signgam (thread safe).
inline double lgamma(double x) { int s; return ::lgamma_r(x, &s); }
inline float lgamma(float x) { int s; return ::lgammaf_r(x, &s); }

// digamma (psi): reflection for x < 0, recurrence up to x >= 10, then the asymptotic series.
EMBER_HOST_DEVICE inline double digamma(double x) {
  const double kPi = 3.14159265358979323846;
  if (x == 0) return std::copysign(std::numeric_limits<double>::infinity(), -x);
  if (std::isnan(x)) return x;
  if (x == -std::numeric_limits<double>::infinity()) return std::numeric_limits<double>::quiet_NaN();
  double result = 0;
  if (x < 0) {
    if (x == std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
    // psi(x) = psi(1 - x) - pi / tan(pi x); tan of pi * (exact fractional part) for accuracy.
    double ipart;
    double r = std::modf(x, &ipart);
    result = -kPi / std::tan(kPi * r);
    x = 1 - x;
  }
  while (x < 10) { result -= 1 / x; x += 1; }
  if (x == 10) return result + 2.25175258906672110764;
  double y = 1 / (x * x);
  double poly = y * (8.33333333333333333333E-2 +
                y * (-8.33333333333333333333E-3 +
                y * (3.96825396825396825397E-3 +
                y * (-4.16666666666666666667E-3 +
                y * (7.57575757575757575758E-3 +
                y * (-2.10927960927960927961E-2 +
                y * 8.33333333333333333333E-2))))));
  return result + std::log(x) - 0.5 / x - poly;
}

// erfinv: Winitzki's closed form as the start, then Newton steps on erf (or on erfc in the
// tails, where 1 - |y| is exact) in double precision.
inline double erfinv(double y) {
  const double inf = std::numeric_limits<double>::infinity();
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1) return inf;
  if (y == -1) return -inf;
  if (y == 0) return y;
  double a = std::fabs(y);
  const double kA = 0.147, kPi = 3.14159265358979323846;
  double l = std::log((1 - a) * (1 + a));
  double t = 2 / (kPi * kA) + 0.5 * l;
  double x = std::sqrt(std::sqrt(t * t - l / kA) - t);
  const double k2sqrtpi = 1.12837916709551257390;  // 2/sqrt(pi)
  double c = 1 - a;                                // exact for a >= 0.5
  for (int i = 0; i < 4; ++i) {
    double d = k2sqrtpi * std::exp(-x * x);
    if (d == 0) break;
    double f = a < 0.5 ? std::erf(x) - a : c - std::erfc(x);
    x -= f / d;
  }
  return std::copysign(x, y);
}

// logit with optional clamp (eps < 0: none).
template <class C> EMBER_HOST_DEVICE inline C logit(C x, C eps) {
  if (eps >= C(0)) {
    C lo = eps, hi = C(1) - eps;
    x = x < lo ? lo : (x > hi ? hi : x);
  }
  return std::log(x / (C(1) - x));
}

template <class C> inline C round_decimals(C x, int64_t decimals) {
  bool neg = decimals < 0;
  C ten_pow = C(std::pow(10.0, (double)(neg ? -decimals : decimals)));
  return neg ? std::nearbyint(x / ten_pow) * ten_pow : std::nearbyint(x * ten_pow) / ten_pow;
}

template <class C> EMBER_HOST_DEVICE inline C nan_to_num(C x, C nan, C posinf, C neginf) {
  if (x != x) return nan;
  if (x == std::numeric_limits<C>::infinity()) return posinf;
  if (x == -std::numeric_limits<C>::infinity()) return neginf;
  return x;
}

// Float-valued ops on a floating compute type C (float or double).
template <class C> inline C float_op(UnaryOp op, C x, const UnaryParams& p) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Sign: case UnaryOp::Sgn: return sign(x);
    case UnaryOp::Square: return x * x;
    case UnaryOp::Floor: return std::floor(x);
    case UnaryOp::Ceil: return std::ceil(x);
    case UnaryOp::Round: return round_even(x);
    case UnaryOp::Trunc: return std::trunc(x);
    case UnaryOp::Frac: return frac(x);
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Exp2: return std::exp2(x);
    case UnaryOp::Expm1: return std::expm1(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Log2: return std::log2(x);
    case UnaryOp::Log10: return std::log10(x);
    case UnaryOp::Log1p: return std::log1p(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return rsqrt(x);
    case UnaryOp::Sin: return std::sin(x);
    case UnaryOp::Cos: return std::cos(x);
    case UnaryOp::Tan: return std::tan(x);
    case UnaryOp::Asin: return std::asin(x);
    case UnaryOp::Acos: return std::acos(x);
    case UnaryOp::Atan: return std::atan(x);
    case UnaryOp::Sinh: return std::sinh(x);
    case UnaryOp::Cosh: return std::cosh(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Asinh: return std::asinh(x);
    case UnaryOp::Acosh: return std::acosh(x);
    case UnaryOp::Atanh: return std::atanh(x);
    case UnaryOp::Sigmoid: return sigmoid(x);
    case UnaryOp::Erf: return std::erf(x);
    case UnaryOp::Erfc: return std::erfc(x);
    case UnaryOp::Erfinv: return C(erfinv((double)x));
    case UnaryOp::Lgamma: return lgamma(x);
    case UnaryOp::Digamma: return C(digamma((double)x));
    case UnaryOp::Reciprocal: return C(1) / x;
    case UnaryOp::RoundDecimals: return round_decimals(x, p.decimals);
    case UnaryOp::Logit: return logit(x, C(p.eps));
    case UnaryOp::NanToNum: return nan_to_num(x, C(p.nan), C(p.posinf), C(p.neginf));
    default: return x;
  }
}

// Sign bit as a signed-integer compare (std::signbit's vectorized shift hits a GCC 12 ICE).
inline bool sign_bit(float x) { int32_t i; std::memcpy(&i, &x, 4); return i < 0; }
inline bool sign_bit(double x) { int64_t i; std::memcpy(&i, &x, 8); return i < 0; }

// Predicates on a floating value.
template <class C> inline bool float_pred(UnaryOp op, C x) {
  const C inf = std::numeric_limits<C>::infinity();
  switch (op) {
    case UnaryOp::Isnan: return x != x;
    case UnaryOp::Isinf: return x == inf || x == -inf;
    case UnaryOp::Isposinf: return x == inf;
    case UnaryOp::Isneginf: return x == -inf;
    case UnaryOp::Isfinite: return x - x == C(0);
    case UnaryOp::Signbit: return sign_bit(x);
    default: return x == C(0);  // LogicalNot
  }
}

template <class T> EMBER_HOST_DEVICE inline bool is_negative(T x) {
  if constexpr (std::is_signed_v<T>) return x < T(0);
  else return false;  // (no "pointless comparison" warning for unsigned types)
}

// Integer "keep" ops with two's-complement wraparound (neg/abs of the minimum stay the minimum).
template <class T> EMBER_HOST_DEVICE inline T int_op(UnaryOp op, T x) {
  using U = std::make_unsigned_t<T>;
  switch (op) {
    case UnaryOp::Neg: return T(U(0) - U(x));
    case UnaryOp::Abs: return is_negative(x) ? T(U(0) - U(x)) : x;
    case UnaryOp::Sign: case UnaryOp::Sgn: return T((x > T(0)) - is_negative(x));
    case UnaryOp::Square: return T(U(x) * U(x));
    case UnaryOp::BitwiseNot: return T(~x);
    default: return x;  // floor/ceil/round/trunc/nan_to_num: identity
  }
}

template <class T> EMBER_HOST_DEVICE inline bool int_pred(UnaryOp op, T x) {
  switch (op) {
    case UnaryOp::Isfinite: return true;
    case UnaryOp::Signbit: return is_negative(x);
    case UnaryOp::LogicalNot: return x == T(0);
    default: return false;  // isnan / isinf / isposinf / isneginf
  }
}

inline bool is_pred_op(UnaryOp op) { return op >= UnaryOp::Isnan && op <= UnaryOp::LogicalNot; }

}  // namespace ember::umath
