// scalar.h — a Python number crossing into C++: bool, int or float, kept as such so type
// promotion can treat it as a "weak" type (a Python float does not upcast a float16 tensor).
#pragma once
#include <cmath>
#include <cstdint>
#include "ember/core/dtype.h"

namespace ember {

struct Scalar {
  enum class Kind : int8_t { Bool, Int, Float };
  Kind kind = Kind::Int;
  union { bool b; int64_t i; double d; } v{};

  Scalar() { v.i = 0; }
  Scalar(bool b) : kind(Kind::Bool) { v.b = b; }
  Scalar(int x) : kind(Kind::Int) { v.i = x; }
  Scalar(int64_t x) : kind(Kind::Int) { v.i = x; }
  Scalar(double x) : kind(Kind::Float) { v.d = x; }

  bool is_bool() const { return kind == Kind::Bool; }
  bool is_int() const { return kind == Kind::Int; }
  bool is_float() const { return kind == Kind::Float; }
  double to_double() const { return kind == Kind::Float ? v.d : kind == Kind::Int ? (double)v.i : (double)v.b; }
  int64_t to_int() const { return kind == Kind::Float ? (int64_t)v.d : kind == Kind::Int ? v.i : (int64_t)v.b; }
  bool to_bool() const { return kind == Kind::Float ? v.d != 0 : kind == Kind::Int ? v.i != 0 : v.b; }
  template <class T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (std::is_integral_v<T>) return (T)to_int();
    else return (T)to_double();
  }
  // The dtype a Python number has on its own ("wrapped number" in PyTorch).
  DType natural_dtype() const {
    return kind == Kind::Bool ? DType::Bool : kind == Kind::Int ? DType::Int64 : DType::Float64;
  }
};

}  // namespace ember
