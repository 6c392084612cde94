// activation_ref.cpp — reference loops for the activation family: one plain loop per
// (op, dtype) over the std:: formulas of activation_math.h, computing 16-bit floats in float.
#include "ember/core/dispatch.h"
#include "ember/ops/activation/activation_kernels.h"
#include "ember/ops/activation/activation_math.h"
#include "ember/ops/elementwise/loops.h"

namespace ember::ref {
namespace {

template <class T, ActOp OP>
void fwd(const StridedIter& it, const ActParams& p) {
  using C = compute_t<T>;
  const act::Coef<C> q(p);
  it.for_each([&](char** ptr, const int64_t* s, int64_t n) {
    unary_loop<T, T>(ptr, s, n, [&](C x) { return act::forward<OP, act::StdMath>(x, q); });
  }, activation_grain(OP));
}

template <class T, ActOp OP>
void bwd(const StridedIter& it, const ActParams& p) {
  using C = compute_t<T>;
  const act::Coef<C> q(p);
  it.for_each([&](char** ptr, const int64_t* s, int64_t n) {
    binary_loop<T, T>(ptr, s, n, [&](C g, C v) { return act::backward<OP, act::StdMath>(g, v, q); });
  }, activation_grain(OP));
}

template <class T, ActOp OP>
void dbwd(const StridedIter& it, const ActParams& p) {
  using C = compute_t<T>;
  const act::Coef<C> q(p);
  it.for_each([&](char** ptr, const int64_t* s, int64_t n) {
    ternary_loop<T, T>(ptr, s, n, [&](C gg, C g, C v) { return act::double_backward<OP, act::StdMath>(gg, g, v, q); });
  }, activation_grain(OP));
}

// Calls K::template run<T, OP>(it, p) for the runtime op.
template <class K, class T>
void by_op(ActOp op, const StridedIter& it, const ActParams& p) {
#define EMBER_ACT_CASE(O) case ActOp::O: K::template run<T, ActOp::O>(it, p); return;
  switch (op) { EMBER_ACT_OPS(EMBER_ACT_CASE) default: break; }
#undef EMBER_ACT_CASE
}
struct Fwd { template <class T, ActOp OP> static void run(const StridedIter& it, const ActParams& p) { fwd<T, OP>(it, p); } };
struct DBwd { template <class T, ActOp OP> static void run(const StridedIter& it, const ActParams& p) { dbwd<T, OP>(it, p); } };
struct Bwd { template <class T, ActOp OP> static void run(const StridedIter& it, const ActParams& p) { bwd<T, OP>(it, p); } };

void forward(ActOp op, DType dtype, const StridedIter& it, const ActParams& p) {
  EMBER_DISPATCH_FLOAT(dtype, activation_name(op), [&] {
    by_op<Fwd, scalar_t>(op, it, p);
  });
}

void backward(ActOp op, DType dtype, const StridedIter& it, const ActParams& p) {
  EMBER_DISPATCH_FLOAT(dtype, activation_name(op), [&] {
    by_op<Bwd, scalar_t>(op, it, p);
  });
}

void double_backward(ActOp op, DType dtype, const StridedIter& it, const ActParams& p) {
  EMBER_DISPATCH_FLOAT(dtype, activation_name(op), [&] {
    by_op<DBwd, scalar_t>(op, it, p);
  });
}

}  // namespace

const ActKernel activation_kernel{&forward, &backward, &double_backward};
}  // namespace ember::ref
