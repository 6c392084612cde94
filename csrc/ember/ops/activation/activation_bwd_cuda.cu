// activation_bwd_cuda.cu — CUDA backward kernels of every activation: dx = g * act'(s), s the
// saved input or output (activation_saves_output), with the formulas of activation_math.h;
// and PReLU forward/backward.
#include "ember/ops/activation/activation_cuda.cuh"

namespace ember::cuda {

namespace {
template <ActOp OP>
void bwd(const char* name, const Tensor& dx, const Tensor& g, const Tensor& s, const ActParams& p) {
  dispatch_float(dx.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    launch_map<T, T, 2>(name, dx, {&g, &s}, ActBwd<OP, A>{act::Coef<A>(p)});
  });
}

template <class A> struct PreluFwdOp {
  __device__ __forceinline__ A operator()(A v, A w) const { return v > A(0) ? v : w * v; }
};
template <class A> struct PreluDxOp {
  __device__ __forceinline__ A operator()(A g, A v, A w) const { return v > A(0) ? g : w * g; }
};
template <class A> struct PreluDwOp {
  __device__ __forceinline__ A operator()(A g, A v) const { return v > A(0) ? A(0) : g * v; }
};
}  // namespace

void activation_backward_kernel(int op, const Tensor& dx, const Tensor& g, const Tensor& s, const ActParams& p,
                                const char* name) {
  act_check(name, dx, {&g, &s});
  if (dx.numel() == 0) return;
  switch ((ActOp)op) {
#define EMBER_ACT_CASE(O) case ActOp::O: bwd<ActOp::O>(name, dx, g, s, p); return;
    EMBER_ACT_OPS(EMBER_ACT_CASE)
#undef EMBER_ACT_CASE
    default: EMBER_FAIL(name, "unknown activation op ", op);
  }
}

void prelu_forward_kernel(const Tensor& y, const Tensor& x, const Tensor& w) {
  act_check("prelu", y, {&x});
  EMBER_CHECK(w.dtype() == x.dtype() && w.device() == x.device(), "prelu",
              "internal error: weight must match the input's dtype and device");
  dispatch_float(y.dtype(), "prelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_map<T, T, 2>("prelu", y, {&x, &w}, PreluFwdOp<acc_t<T>>{});
  });
}

void prelu_backward_kernel(const Tensor& dx, const Tensor& dw, const Tensor& g, const Tensor& x, const Tensor& w) {
  act_check("prelu", dx, {&dw, &g, &x});
  EMBER_CHECK(w.dtype() == x.dtype() && w.device() == x.device(), "prelu",
              "internal error: weight must match the input's dtype and device");
  dispatch_float(dx.dtype(), "prelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_map<T, T, 3>("prelu", dx, {&g, &x, &w}, PreluDxOp<acc_t<T>>{});
    launch_map<T, T, 2>("prelu", dw, {&g, &x}, PreluDwOp<acc_t<T>>{});
  });
}

}  // namespace ember::cuda
