// ew_math_cuda.cuh — device versions of the per-element functions of scalar_math.h (the CPU's
// definitions), for the CUDA kernels of binary_math_cuda.cu / binary_float_cuda.cu. Same
// numerics as the CPU (signed zero, nan, Python-style floor division and remainder, wrapping
// integer arithmetic), with one documented difference: integer division by zero does not raise
// on CUDA (the CPU raises ZeroDivisionError before any kernel runs, which would need a device
// sync); it gives 0 for the quotient (div trunc/floor, floor_divide) and 0 for the remainder
// (remainder, fmod), as numpy does.
#pragma once
#include <cstdint>
#include <type_traits>
#include "ember/cuda/loops.cuh"

namespace ember::cuda::dmath {

template <class C> using wide_unsigned_t = std::conditional_t<(sizeof(C) <= 4), uint32_t, uint64_t>;
template <class C> __device__ __forceinline__ C neg_wrap(C a) { return C(wide_unsigned_t<C>(0) - wide_unsigned_t<C>(a)); }

template <class C> __device__ __forceinline__ C div_trunc(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) return trunc(a / b);
  else {
    if (b == C(0)) return C(0);
    if constexpr (std::is_signed_v<C>) if (b == C(-1)) return neg_wrap(a);
    return C(a / b);
  }
}

template <class C> __device__ __forceinline__ C div_floor(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (b == C(0)) return a / b;
    C m = fmod(a, b);
    C d = (a - m) / b;
    if (m != C(0) && ((b < C(0)) != (m < C(0)))) d -= C(1);
    if (d == C(0)) return copysign(C(0), a / b);
    C f = floor(d);
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

template <class C> __device__ __forceinline__ C remainder(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    C m = fmod(a, b);
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

template <class C> __device__ __forceinline__ C fmod_(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) return fmod(a, b);
  else {
    if (b == C(0)) return C(0);
    if constexpr (std::is_signed_v<C>) if (b == C(-1)) return C(0);
    return C(a % b);
  }
}

// Integer power by squaring, wrapping; negative exponents: 1 and -1 keep their magnitude, the
// rest truncate to 0 (as the CPU and PyTorch).
template <class C> __device__ __forceinline__ C ipow(C base, int64_t e) {
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

template <class C> __device__ __forceinline__ C fmax_(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) { if (b != b) return a; if (a != a) return b; }
  return a >= b ? a : b;
}
template <class C> __device__ __forceinline__ C fmin_(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) { if (b != b) return a; if (a != a) return b; }
  return a <= b ? a : b;
}

template <class C> __device__ __forceinline__ C shl(C a, C b) {
  constexpr int64_t bits = sizeof(C) * 8;
  if ((int64_t)b < 0 || (int64_t)b >= bits) return C(0);
  return C(wide_unsigned_t<C>(a) << (int)b);
}
template <class C> __device__ __forceinline__ C shr(C a, C b) {
  constexpr int64_t bits = sizeof(C) * 8;
  if ((int64_t)b < 0 || (int64_t)b >= bits) {
    if constexpr (std::is_signed_v<C>) return a < 0 ? C(-1) : C(0);
    else return C(0);
  }
  return C(a >> (int)b);
}

}  // namespace ember::cuda::dmath
