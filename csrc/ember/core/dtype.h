// dtype.h — element types, 16-bit float storage types, and PyTorch's type-promotion lattice.
// float16/bfloat16 are storage types: CPU kernels load them as float, compute, and round back.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace ember {

enum class DType : int8_t { Bool, UInt8, Int8, Int16, Int32, Int64, Float16, BFloat16, Float32, Float64 };
constexpr int kNumDTypes = 10;

struct Half {
  uint16_t x = 0;
  Half() = default;
  Half(float f) : x(from_float(f)) {}
  operator float() const { return to_float(x); }
  static inline float to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | (man << 13);          // inf / nan
    else if (exp != 0) bits = sign | ((exp + 112) << 23) | (man << 13);  // normal
    else if (man == 0) bits = sign;                                     // zero
    else {                                                              // subnormal: renormalize
      int e = -1; do { man <<= 1; ++e; } while (!(man & 0x400));
      bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    }
    float f; std::memcpy(&f, &bits, 4); return f;
  }
  static inline uint16_t from_float(float f) {  // round to nearest even
    uint32_t b; std::memcpy(&b, &f, 4);
    uint32_t sign = (b >> 16) & 0x8000; b &= 0x7fffffffu;
    if (b >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (b > 0x7f800000u ? 0x200 : 0));
    if (b >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // overflow to inf
    if (b < 0x38800000u) {                                    // subnormal or zero in half
      if (b < 0x33000000u) return (uint16_t)sign;
      uint32_t e = b >> 23, m = (b & 0x7fffff) | 0x800000, shift = 126 - e;
      uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
      if (rem > halfway || (rem == halfway && (r & 1))) ++r;
      return (uint16_t)(sign | r);
    }
    uint32_t r = b + 0xfff + ((b >> 13) & 1);  // rounding bias, ties to even
    return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
  }
};

struct BFloat16 {
  uint16_t x = 0;
  BFloat16() = default;
  BFloat16(float f) : x(from_float(f)) {}
  operator float() const { return to_float(x); }
  static inline float to_float(uint16_t h) { uint32_t b = (uint32_t)h << 16; float f; std::memcpy(&f, &b, 4); return f; }
  static inline uint16_t from_float(float f) {
    uint32_t b; std::memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((b >> 16) | 0x40);  // quiet nan
    return (uint16_t)((b + 0x7fff + ((b >> 16) & 1)) >> 16);
  }
};

inline size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: case DType::UInt8: case DType::Int8: return 1;
    case DType::Int16: case DType::Float16: case DType::BFloat16: return 2;
    case DType::Int32: case DType::Float32: return 4;
    default: return 8;
  }
}
inline bool is_floating(DType t) { return t >= DType::Float16; }
inline bool is_integral(DType t, bool include_bool = false) {
  return (t >= DType::UInt8 && t <= DType::Int64) || (include_bool && t == DType::Bool);
}
inline bool is_signed(DType t) { return t != DType::Bool && t != DType::UInt8; }
const char* dtype_name(DType t);  // "float32", ...

// PyTorch's promote_types: bool < integers < floats; f16+bf16 -> f32; u8+i8 -> i16.
DType promote_types(DType a, DType b);

DType default_float_dtype();
void set_default_float_dtype(DType t);

// C++ type <-> DType
template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<Half> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

// Type in which arithmetic on T is carried out (16-bit floats compute in float32).
template <class T> struct compute_type { using type = T; };
template <> struct compute_type<Half> { using type = float; };
template <> struct compute_type<BFloat16> { using type = float; };
template <class T> using compute_t = typename compute_type<T>::type;

// Accumulation type for sums (integers accumulate in int64, floats in at least float32).
template <class T> struct acc_type { using type = int64_t; };
template <> struct acc_type<Half> { using type = float; };
template <> struct acc_type<BFloat16> { using type = float; };
template <> struct acc_type<float> { using type = float; };
template <> struct acc_type<double> { using type = double; };
template <class T> using acc_t = typename acc_type<T>::type;

}  // namespace ember
