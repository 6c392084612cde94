// scalar_math.h — per-element functions with PyTorch's numerics, shared by the kernel files.
// C is the compute type (float for 16-bit floats). Signed division by -1 is done by negation so
// INT_MIN / -1 wraps instead of trapping. The integer-capable functions (division, remainder,
// fmod, ipow, fmax/fmin, shifts) are EMBER_HOST_DEVICE: the CUDA kernels (binary_math_cuda.cu,
// binary_compare_cuda.cu) call these same definitions. Integer division by zero: the CPU rejects
// it (ZeroDivisionError) before any kernel runs; on CUDA that check would need a device sync, so
// the kernels get 0 for the quotient (div trunc/floor) and the remainder (remainder, fmod), as
// numpy does.
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>
#include "ember/core/dtype.h"
#include "ember/core/host_device.h"

namespace ember::math {

template <class C> constexpr bool is_fp = std::is_floating_point_v<C>;
template <class C> using wide_unsigned_t = std::conditional_t<(sizeof(C) <= 4), uint32_t, uint64_t>;

template <class C> EMBER_HOST_DEVICE inline C neg_wrap(C a) { return C(wide_unsigned_t<C>(0) - wide_unsigned_t<C>(a)); }

template <class C> EMBER_HOST_DEVICE inline C div_trunc(C a, C b) {
  if constexpr (is_fp<C>) return std::trunc(a / b);
  else {
    if (b == C(0)) return C(0);  // CUDA only (the CPU raises first)
    if constexpr (std::is_signed_v<C>) if (b == C(-1)) return neg_wrap(a);
    return C(a / b);
  }
}

// Rounds toward -inf. Floats: the quotient is rebuilt from fmod so that results are exact
// integers even when a / b rounds up across an integer; division by zero gives a / b (inf/nan).
template <class C> EMBER_HOST_DEVICE inline C div_floor(C a, C b) {
  if constexpr (is_fp<C>) {
    if (b == C(0)) return a / b;
    C m = std::fmod(a, b);
    C d = (a - m) / b;
    if (m != C(0) && ((b < C(0)) != (m < C(0)))) d -= C(1);
    if (d == C(0)) return std::copysign(C(0), a / b);
    C f = std::floor(d);
    if (d - f > C(0.5)) f += C(1);
    return f;
  } else {
    if (b == C(0)) return C(0);
    if constexpr (std::is_signed_v<C>) {
      if (b == C(-1)) return neg_wrap(a);
      C q = C(a / b), r = C(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) q = C(q - 1);
      return q;
    } else {
      return C(a / b);
    }
  }
}

// Python-style remainder: the result takes the sign of the divisor.
template <class C> EMBER_HOST_DEVICE inline C remainder(C a, C b) {
  if constexpr (is_fp<C>) {
    C m = std::fmod(a, b);
    if (m != C(0) && ((b < C(0)) != (m < C(0)))) m += b;
    return m;
  } else {
    if (b == C(0)) return C(0);
    if constexpr (std::is_signed_v<C>) {
      if (b == C(-1)) return C(0);
      C r = C(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = C(r + b);
      return r;
    } else {
      return C(a % b);
    }
  }
}

// C-style remainder: the result takes the sign of the dividend.
template <class C> EMBER_HOST_DEVICE inline C fmod(C a, C b) {
  if constexpr (is_fp<C>) return std::fmod(a, b);
  else {
    if (b == C(0)) return C(0);
    if constexpr (std::is_signed_v<C>) if (b == C(-1)) return C(0);
    return C(a % b);
  }
}

// Integer power by squaring, wrapping on overflow. Negative exponents: 1 and -1 keep their
// magnitude, everything else truncates to 0 (as PyTorch).
template <class C> EMBER_HOST_DEVICE inline C ipow(C base, int64_t e) {
  if (e < 0) {
    if (base == C(1)) return C(1);
    if constexpr (std::is_signed_v<C>) if (base == C(-1)) return (e & 1) ? C(-1) : C(1);
    return C(0);
  }
  using U = wide_unsigned_t<C>;
  U r = 1, b = U(base);
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return C(r);
}

template <class C> inline C pow(C a, C b) {
  if constexpr (is_fp<C>) return std::pow(a, b);
  else return ipow<C>(a, (int64_t)b);
}

template <class C> inline C xlogy(C x, C y) {
  if (y != y) return y;
  if (x == C(0)) return C(0);
  return x * std::log(y);
}

template <class C> inline C logaddexp(C a, C b) {
  if (std::isinf(a) && a == b) return a;
  C m = a > b ? a : b;
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

template <class C> inline C logaddexp2(C a, C b) {
  if (std::isinf(a) && a == b) return a;
  C m = a > b ? a : b;
  return m + std::log1p(std::exp2(-std::abs(a - b))) / C(0.69314718055994530942);
}

// nextafter for a 16-bit float storage type: step the sign-magnitude bit pattern.
template <class H> inline H nextafter16(H a, H b) {
  float fa = a, fb = b;
  if (fa != fa || fb != fb) return H(std::numeric_limits<float>::quiet_NaN());
  if (fa == fb) return b;
  H r;
  if (fa == 0.f) r.x = fb > 0.f ? 0x0001 : 0x8001;
  else r.x = (uint16_t)(((fa < fb) == (fa > 0.f)) ? a.x + 1 : a.x - 1);
  return r;
}

template <class C> EMBER_HOST_DEVICE inline C fmax(C a, C b) {
  if constexpr (is_fp<C>) { if (b != b) return a; if (a != a) return b; }
  return a >= b ? a : b;
}
template <class C> EMBER_HOST_DEVICE inline C fmin(C a, C b) {
  if constexpr (is_fp<C>) { if (b != b) return a; if (a != a) return b; }
  return a <= b ? a : b;
}

// Shifts by a negative amount or by at least the bit width give 0 (left) or the sign fill (right).
template <class C> EMBER_HOST_DEVICE inline C shl(C a, C b) {
  constexpr int64_t bits = sizeof(C) * 8;
  if ((int64_t)b < 0 || (int64_t)b >= bits) return C(0);
  return C(wide_unsigned_t<C>(a) << (int)b);
}
template <class C> EMBER_HOST_DEVICE inline C shr(C a, C b) {
  constexpr int64_t bits = sizeof(C) * 8;
  if ((int64_t)b < 0 || (int64_t)b >= bits) {
    if constexpr (std::is_signed_v<C>) return a < 0 ? C(-1) : C(0);
    else return C(0);
  }
  return C(a >> (int)b);
}

}  // namespace ember::math
