// activation_dbwd_cuda.cu — CUDA double-backward kernels of every activation:
// ds = gg * g * d act'(s)/ds with the formulas of activation_math.h (zero for the
// piecewise-linear ops).
#include "ember/ops/activation/activation_cuda.cuh"

// The activations whose double-backward term is not identically zero.
#define EMBER_ACT_SMOOTH_OPS(X) \
  X(Elu) X(Gelu) X(GeluTanh) X(Silu) X(Mish) X(Sigmoid) X(Tanh) X(Softplus) X(Softsign) X(Hardswish) X(LogSigmoid) X(Tanhshrink)

namespace ember::cuda {

namespace {
template <ActOp OP>
void dbwd(const char* name, const Tensor& ds, const Tensor& gg, const Tensor& g, const Tensor& s, const ActParams& p) {
  dispatch_float(ds.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    launch_map<T, T, 3>(name, ds, {&gg, &g, &s}, ActDbwd<OP, A>{act::Coef<A>(p)});
  });
}
}  // namespace

void activation_double_backward_kernel(int op, const Tensor& ds, const Tensor& gg, const Tensor& g, const Tensor& s,
                                       const ActParams& p, const char* name) {
  act_check(name, ds, {&gg, &g, &s});
  if (ds.numel() == 0) return;
  switch ((ActOp)op) {
    // piecewise-linear: act' is constant where defined, so the term is exactly 0 (as the CPU's
    // formulas give for every input); a fill instead of a kernel per dtype
    case ActOp::Relu: case ActOp::LeakyRelu: case ActOp::Hardtanh: case ActOp::Hardsigmoid: case ActOp::Threshold:
    case ActOp::Softshrink: case ActOp::Hardshrink:
      fill_(ds, Scalar(0.0));
      return;
#define EMBER_ACT_CASE(O) case ActOp::O: dbwd<ActOp::O>(name, ds, gg, g, s, p); return;
    EMBER_ACT_SMOOTH_OPS(EMBER_ACT_CASE)
#undef EMBER_ACT_CASE
    default: EMBER_FAIL(name, "unknown activation op ", op);
  }
}

}  // namespace ember::cuda
