// shape_util.h — small helpers shared by the shape family's .cpp files.
#pragma once
#include <string>
#include "ember/core/tensor.h"

namespace ember::shape_detail {

// PyTorch prints an IntArrayRef as [a, b].
inline std::string list_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// a * b, or a RuntimeError naming `op` when it overflows int64 (sizes are never negative here).
inline int64_t checked_mul(int64_t a, int64_t b, const char* op) {
  int64_t r;
  EMBER_CHECK(!__builtin_mul_overflow(a, b, &r), op, "integer overflow computing the output size (", a, " * ", b, ")");
  return r;
}
inline int64_t checked_add(int64_t a, int64_t b, const char* op) {
  int64_t r;
  EMBER_CHECK(!__builtin_add_overflow(a, b, &r), op, "integer overflow computing the output size (", a, " + ", b, ")");
  return r;
}

// Throws when the element count of `s` does not fit in int64 (before any allocation).
inline void check_numel(const Shape& s, const char* op) {
  int64_t n = 1;
  for (int64_t v : s) {
    EMBER_CHECK(v >= 0, op, "Trying to create tensor with negative dimension ", v, ": ", list_str(s));
    n = checked_mul(n, v, op);
  }
}

}  // namespace ember::shape_detail
