// binary_compare_cuda.cu — CUDA kernels of the comparisons eq/ne/lt/le/gt/ge (operands of the
// promoted dtype, bool result), logical and/or/xor (bool operands and result) and bitwise
// and/or/xor (integers and bool) and shifts (integers; out-of-range shift counts as the CPU:
// 0 for left shifts, the sign fill for right shifts).
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/elementwise/elementwise_cuda.h"
#include "ember/ops/elementwise/scalar_math.h"
#include "ember/ops/elementwise/map_cuda.cuh"

namespace ember::cuda {

namespace {

// One functor per family with the op as a (uniform) runtime value: one kernel per dtype instead
// of one per (op, dtype), which keeps nvcc time down; these ops are memory-bound.
template <class A> struct CmpOp {
  int op;
  __device__ __forceinline__ bool operator()(A a, A b) const {
    switch ((BinaryOp)op) {
      case BinaryOp::Eq: return a == b;
      case BinaryOp::Ne: return a != b;
      case BinaryOp::Lt: return a < b;
      case BinaryOp::Le: return a <= b;
      case BinaryOp::Gt: return a > b;
      default: return a >= b;
    }
  }
};

struct LogicalOp {
  int op;
  __device__ __forceinline__ bool operator()(bool a, bool b) const {
    switch ((BinaryOp)op) {
      case BinaryOp::LogicalAnd: return a && b;
      case BinaryOp::LogicalOr: return a || b;
      default: return a != b;
    }
  }
};

template <class A> struct BitOp {
  int op;
  __device__ __forceinline__ A operator()(A a, A b) const {
    switch ((BinaryOp)op) {
      case BinaryOp::BitAnd: return A(a & b);
      case BinaryOp::BitOr: return A(a | b);
      case BinaryOp::BitXor: return A(a ^ b);
      default:
        if constexpr (std::is_same_v<A, bool>) return A(a ^ b);  // unreachable: shifts reject bool
        else return op == (int)BinaryOp::Shl ? math::shl(a, b) : math::shr(a, b);
    }
  }
};

}  // namespace

void binary_compare_kernel(int op_code, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name) {
  const BinaryOp op = (BinaryOp)op_code;
  EMBER_CHECK(a.dtype() == ct && b.dtype() == ct, name,
              "internal error: CUDA comparison kernel expects operands of the compute dtype ", dtype_name(ct));
  if (op >= BinaryOp::Eq && op <= BinaryOp::Ge) {
    EMBER_CHECK(dst.dtype() == DType::Bool, name, "internal error: comparison result must be bool");
    dispatch_all(ct, name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      launch_map<bool, T, 2>(name, dst, {&a, &b}, CmpOp<acc_t<T>>{op_code});
    });
  } else if (op >= BinaryOp::LogicalAnd && op <= BinaryOp::LogicalXor) {
    EMBER_CHECK(ct == DType::Bool && dst.dtype() == DType::Bool, name, "internal error: expected bool operands");
    launch_map<bool, bool, 2>(name, dst, {&a, &b}, LogicalOp{op_code});
  } else if (op >= BinaryOp::BitAnd && op <= BinaryOp::Shr) {
    EMBER_CHECK(dst.dtype() == ct, name, "internal error: CUDA bitwise kernel expects the compute dtype");
    const bool shift = op == BinaryOp::Shl || op == BinaryOp::Shr;
    if (is_floating(ct) || (shift && ct == DType::Bool))
      EMBER_NOT_IMPLEMENTED(name, "not implemented for '", dtype_name(ct), "'");
    dispatch_all(ct, name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_integral_v<T>) launch_map<T, T, 2>(name, dst, {&a, &b}, BitOp<T>{op_code});
    });
  } else {
    EMBER_FAIL(name, "internal error: not a comparison/logical/bitwise op on cuda");
  }
}

}  // namespace ember::cuda
