// binary_compare.cpp — comparisons (bool result), logical and/or/xor (bool inputs and result),
// bitwise and/or/xor and shifts (integer and bool). One baseline build: the byte-wide outputs
// and integer ops vectorize well with SSE2 already.
#include "ember/core/dispatch.h"
#include "ember/ops/elementwise/binary_kernels.h"
#include "ember/ops/elementwise/loops.h"
#include "ember/ops/elementwise/scalar_math.h"

namespace ember {
namespace {
template <class To, class T, class F>
inline void apply(const StridedIter& it, const F& f) {
  it.for_each([&f](char** p, const int64_t* s, int64_t n) { binary_loop<To, T>(p, s, n, f); });
}

template <class T>
void compare_typed(BinaryOp op, const StridedIter& it) {
  using C = compute_t<T>;
  switch (op) {
    case BinaryOp::Eq: apply<bool, T>(it, [](C a, C b) { return a == b; }); break;
    case BinaryOp::Ne: apply<bool, T>(it, [](C a, C b) { return a != b; }); break;
    case BinaryOp::Lt: apply<bool, T>(it, [](C a, C b) { return a < b; }); break;
    case BinaryOp::Le: apply<bool, T>(it, [](C a, C b) { return a <= b; }); break;
    case BinaryOp::Gt: apply<bool, T>(it, [](C a, C b) { return a > b; }); break;
    case BinaryOp::Ge: apply<bool, T>(it, [](C a, C b) { return a >= b; }); break;
    default: EMBER_FAIL(binary_op_name(op), "not a comparison");
  }
}

template <class T>
void bitwise_typed(BinaryOp op, const StridedIter& it) {
  switch (op) {
    case BinaryOp::BitAnd: apply<T, T>(it, [](T a, T b) { return T(a & b); }); break;
    case BinaryOp::BitOr: apply<T, T>(it, [](T a, T b) { return T(a | b); }); break;
    case BinaryOp::BitXor: apply<T, T>(it, [](T a, T b) { return T(a ^ b); }); break;
    case BinaryOp::Shl:
      if constexpr (!std::is_same_v<T, bool>) { apply<T, T>(it, [](T a, T b) { return math::shl(a, b); }); break; }
      [[fallthrough]];
    case BinaryOp::Shr:
      if constexpr (!std::is_same_v<T, bool>) { apply<T, T>(it, [](T a, T b) { return math::shr(a, b); }); break; }
      [[fallthrough]];
    default: EMBER_NOT_IMPLEMENTED(binary_op_name(op), "not implemented for '", dtype_name(dtype_of<T>::value), "'");
  }
}
}  // namespace

void binary_compare_kernel(BinaryOp op, DType dtype, const StridedIter& it) {
  const char* name = binary_op_name(op);
  if (op >= BinaryOp::Eq && op <= BinaryOp::Ge) {
    EMBER_DISPATCH_ALL(dtype, name, [&] { compare_typed<scalar_t>(op, it); });
  } else if (op >= BinaryOp::LogicalAnd && op <= BinaryOp::LogicalXor) {
    EMBER_CHECK(dtype == DType::Bool, name, "expected bool inputs");
    if (op == BinaryOp::LogicalAnd) apply<bool, bool>(it, [](bool a, bool b) { return a && b; });
    else if (op == BinaryOp::LogicalOr) apply<bool, bool>(it, [](bool a, bool b) { return a || b; });
    else apply<bool, bool>(it, [](bool a, bool b) { return a != b; });
  } else {
    EMBER_DISPATCH_INT_BOOL(dtype, name, [&] { bitwise_typed<scalar_t>(op, it); });
  }
}

}  // namespace ember
