#include "ember/core/dtype.h"
#include <atomic>

namespace ember {

const char* dtype_name(DType t) {
  static const char* names[] = {"bool", "uint8", "int8", "int16", "int32", "int64",
                                "float16", "bfloat16", "float32", "float64"};
  return names[(int)t];
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  bool fa = is_floating(a), fb = is_floating(b);
  if (fa && fb) {
    if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
      return DType::Float32;
    return a > b ? a : b;  // enum order f16 < bf16 < f32 < f64
  }
  if (fa) return a;
  if (fb) return b;
  // both integers
  if (a == DType::UInt8 || b == DType::UInt8) {
    DType other = a == DType::UInt8 ? b : a;
    return other == DType::Int8 ? DType::Int16 : other;
  }
  return a > b ? a : b;
}

static std::atomic<DType> g_default_float{DType::Float32};
DType default_float_dtype() { return g_default_float.load(std::memory_order_relaxed); }
void set_default_float_dtype(DType t) { g_default_float.store(t); }

}  // namespace ember
