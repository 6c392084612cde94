// unary_ref.cpp — plain reference loops for every unary op: one instantiation per (op, dtype),
// each a loop over the scalar definitions in unary_math.h. The oracle for the fast paths, and
// the path the fast tables use for float64, integer and predicate ops.
#include "ember/core/dispatch.h"
#include "ember/ops/elementwise/loops.h"
#include "ember/ops/unary/unary_kernels.h"
#include "ember/ops/unary/unary_math.h"

namespace ember::ref {
namespace {

constexpr bool is_cheap(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign || op == UnaryOp::Sgn ||
         op == UnaryOp::Square || op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round ||
         op == UnaryOp::Trunc || op == UnaryOp::Frac || op == UnaryOp::Sqrt || op == UnaryOp::Reciprocal ||
         op == UnaryOp::BitwiseNot || op == UnaryOp::NanToNum || op == UnaryOp::RoundDecimals;
}

template <class T, UnaryOp OP>
void float_loop(const StridedIter& it, const UnaryParams& prm) {
  using C = compute_t<T>;
  it.for_each([&](char** p, const int64_t* s, int64_t n) {
    unary_loop<T, T>(p, s, n, [&](C x) { return umath::float_op<C>(OP, x, prm); });
  }, is_cheap(OP) ? kGrainSize : kUnaryMathGrain);
}

template <class T, UnaryOp OP>
void pred_loop(const StridedIter& it) {
  using C = compute_t<T>;
  it.for_each([](char** p, const int64_t* s, int64_t n) {
    if constexpr (std::is_floating_point_v<C>) unary_loop<bool, T>(p, s, n, [](C x) { return umath::float_pred<C>(OP, x); });
    else unary_loop<bool, T>(p, s, n, [](C x) { return umath::int_pred<T>(OP, x); });
  });
}

template <class T, UnaryOp OP>
void int_loop(const StridedIter& it) {
  it.for_each([](char** p, const int64_t* s, int64_t n) {
    if constexpr (std::is_same_v<T, bool>) {
      if constexpr (OP == UnaryOp::BitwiseNot) unary_loop<bool, bool>(p, s, n, [](bool x) { return !x; });
      else unary_loop<bool, bool>(p, s, n, [](bool x) { return x; });  // sign/sgn of bool
    } else {
      unary_loop<T, T>(p, s, n, [](T x) { return umath::int_op<T>(OP, x); });
    }
  });
}

template <class T>
void run_typed(UnaryOp op, const StridedIter& it, const UnaryParams& prm) {
#define EMBER_PRED_CASE(O) case UnaryOp::O: pred_loop<T, UnaryOp::O>(it); return;
  switch (op) { EMBER_UNARY_PRED_OPS(EMBER_PRED_CASE) default: break; }
#undef EMBER_PRED_CASE
  if constexpr (std::is_floating_point_v<compute_t<T>>) {
#define EMBER_FLOAT_CASE(O) case UnaryOp::O: float_loop<T, UnaryOp::O>(it, prm); return;
    switch (op) { EMBER_UNARY_FLOAT_OPS(EMBER_FLOAT_CASE) default: break; }
#undef EMBER_FLOAT_CASE
  } else {
#define EMBER_INT_CASE(O) case UnaryOp::O: int_loop<T, UnaryOp::O>(it); return;
    switch (op) { EMBER_UNARY_INT_OPS(EMBER_INT_CASE) default: break; }
#undef EMBER_INT_CASE
  }
  EMBER_FAIL(unary_name(op), "no kernel for dtype ", dtype_name(dtype_of<T>::value));
}

void run(UnaryOp op, DType dtype, const StridedIter& it, const UnaryParams& prm) {
  EMBER_DISPATCH_ALL(dtype, unary_name(op), [&] { run_typed<scalar_t>(op, it, prm); });
}

}  // namespace

const UnaryKernel unary_kernel{&run};
}  // namespace ember::ref
