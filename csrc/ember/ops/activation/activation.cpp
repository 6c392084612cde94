// activation.cpp — validation and kernel selection for the activation family (see activation.h).
// Activations are defined on floating tensors only (integer input is NotImplemented, as in
// PyTorch); gradients and saved tensors must match the input's shape and dtype exactly.
#include "ember/core/view.h"
#include "ember/ops/activation/activation.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/activation/activation_cuda.h"
#endif
#include "ember/ops/activation/activation_kernels.h"

namespace ember {

const char* activation_name(ActOp op) {
  static const char* const names[] = {
      "relu", "leaky_relu", "hardtanh", "elu", "gelu", "gelu", "silu", "mish", "sigmoid", "tanh", "softplus",
      "softsign", "hardswish", "hardsigmoid", "logsigmoid", "threshold", "tanhshrink", "softshrink", "hardshrink"};
  static_assert(sizeof(names) / sizeof(names[0]) == (size_t)ActOp::kCount, "activation names");
  int i = (int)op;
  return i >= 0 && i < (int)ActOp::kCount ? names[i] : "activation";
}

bool activation_saves_output(ActOp op) {
  return op == ActOp::Relu || op == ActOp::Sigmoid || op == ActOp::Tanh;
}

namespace {

void check_op(ActOp op) {
  EMBER_CHECK((int)op >= 0 && op < ActOp::kCount, "activation", "unknown activation op ", (int)op);
}

void check_float(const char* name, const Tensor& t, const char* what) {
  EMBER_CHECK(t.defined(), name, "expected a defined tensor as ", what);
  EMBER_CHECK_KIND(is_floating(t.dtype()), NotImplemented, name, "not implemented for dtype ",
                   dtype_name(t.dtype()), " (", what, "); activations need a floating tensor");
}

void check_like(const char* name, const Tensor& ref, const Tensor& t, const char* what) {
  check_float(name, t, what);
  EMBER_CHECK(t.sizes() == ref.sizes(), name, what, " has shape ", shape_str(t.sizes()), " but expected ",
              shape_str(ref.sizes()));
  EMBER_CHECK(t.dtype() == ref.dtype(), name, what, " has dtype ", dtype_name(t.dtype()), " but expected ",
              dtype_name(ref.dtype()));
}

void check_writable(const char* name, const Tensor& out) {
  for (int64_t d = 0; d < out.dim(); ++d)
    EMBER_CHECK(!(out.size(d) > 1 && out.stride(d) == 0), name,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

}  // namespace

Tensor activation_forward(ActOp op, const Tensor& x, const ActParams& p, const Tensor& out) {
  check_op(op);
  const char* name = activation_name(op);
  check_float(name, x, "input");
  Tensor y = out.defined() ? out : Tensor::empty(x.sizes(), x.dtype(), x.device());
  if (out.defined()) {
    check_like(name, x, out, "out");
    check_writable(name, out);
  }
  if (x.numel() == 0) return y;
  // An output overlapping the input other than exactly (same elements) goes through a temporary.
  bool exact = y.raw_data_ptr() == x.raw_data_ptr() && y.strides() == x.strides();
  Tensor dst = (out.defined() && !exact && may_overlap(y, x)) ? Tensor::empty(x.sizes(), x.dtype(), x.device()) : y;
#ifdef EMBER_WITH_CUDA
  if (dst.device().is_cuda() || x.device().is_cuda()) {
    cuda::activation_forward_kernel((int)op, dst, x, p, name);
  } else
#endif
  {
    StridedIter it(x.sizes(), {&dst, &x});
    activation_kernels(cpu_isa())->forward(op, x.dtype(), it, p);
  }
  if (dst.raw_data_ptr() != y.raw_data_ptr()) copy_(y, dst);
  if (out.defined()) out.bump_version();
  return y;
}

Tensor activation_backward(ActOp op, const Tensor& grad, const Tensor& saved, const ActParams& p) {
  check_op(op);
  const char* name = activation_name(op);
  check_float(name, saved, activation_saves_output(op) ? "saved output" : "saved input");
  check_like(name, saved, grad, "grad_output");
  Tensor dx = Tensor::empty(saved.sizes(), saved.dtype(), saved.device());
  if (dx.numel() == 0) return dx;
#ifdef EMBER_WITH_CUDA
  if (saved.device().is_cuda() || grad.device().is_cuda()) {
    cuda::activation_backward_kernel((int)op, dx, grad, saved, p, name);
    return dx;
  }
#endif
  StridedIter it(saved.sizes(), {&dx, &grad, &saved});
  activation_kernels(cpu_isa())->backward(op, saved.dtype(), it, p);
  return dx;
}

Tensor activation_double_backward(ActOp op, const Tensor& ggrad, const Tensor& grad, const Tensor& saved,
                                  const ActParams& p) {
  check_op(op);
  const char* name = activation_name(op);
  check_float(name, saved, "saved tensor");
  check_like(name, saved, grad, "grad_output");
  check_like(name, saved, ggrad, "grad of grad_input");
  Tensor ds = Tensor::empty(saved.sizes(), saved.dtype(), saved.device());
  if (ds.numel() == 0) return ds;
#ifdef EMBER_WITH_CUDA
  if (saved.device().is_cuda() || grad.device().is_cuda() || ggrad.device().is_cuda()) {
    cuda::activation_double_backward_kernel((int)op, ds, ggrad, grad, saved, p, name);
    return ds;
  }
#endif
  StridedIter it(saved.sizes(), {&ds, &ggrad, &grad, &saved});
  activation_kernels(cpu_isa())->double_backward(op, saved.dtype(), it, p);
  return ds;
}

const ActKernel* activation_kernels(Isa isa) {
  if (use_reference_kernels()) return &ref::activation_kernel;
  return pick_isa(isa, base::activation_kernel, avx2::activation_kernel, avx512::activation_kernel);
}

}  // namespace ember
