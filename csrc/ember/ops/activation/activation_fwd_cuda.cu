// activation_fwd_cuda.cu — CUDA forward kernels of every activation (ActOp): the formulas of
// activation_math.h with the CUDA math library, 16-bit floats computed in float. The backward
// and double-backward kernels are in activation_bwd_cuda.cu / activation_dbwd_cuda.cu (three
// files so ninja compiles them in parallel).
#include "ember/ops/activation/activation_cuda.cuh"

namespace ember::cuda {

namespace {
template <ActOp OP> void fwd(const char* name, const Tensor& dst, const Tensor& x, const ActParams& p) {
  dispatch_float(dst.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    launch_map<T, T, 1>(name, dst, {&x}, ActFwd<OP, A>{act::Coef<A>(p)});
  });
}
}  // namespace

void activation_forward_kernel(int op, const Tensor& dst, const Tensor& x, const ActParams& p, const char* name) {
  act_check(name, dst, {&x});
  if (dst.numel() == 0) return;
  switch ((ActOp)op) {
#define EMBER_ACT_CASE(O) case ActOp::O: fwd<ActOp::O>(name, dst, x, p); return;
    EMBER_ACT_OPS(EMBER_ACT_CASE)
#undef EMBER_ACT_CASE
    default: EMBER_FAIL(name, "unknown activation op ", op);
  }
}

// The first slice's entry point (cuda/cuda.h): the parameterless activations.
void activation_kernel(int op, const Tensor& dst, const Tensor& src, const char* name) {
  activation_forward_kernel(op, dst, src, ActParams(), name);
}

}  // namespace ember::cuda
