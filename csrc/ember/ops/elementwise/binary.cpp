// binary.cpp — validation, promotion and kernel selection for add/sub/mul/div.
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#include "ember/core/promote.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/binary_kernels.h"
#include "ember/ops/elementwise/elementwise.h"

namespace ember {

bool can_cast(DType from, DType to) {
  if (is_floating(from) && is_integral(to, true)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

Tensor prepare_output(const char* op, const Shape& shape, DType result, const Tensor& out) {
  if (!out.defined()) return Tensor::empty(shape, result);
  EMBER_CHECK(can_cast(result, out.dtype()), op, "result type ", dtype_name(result),
              " can't be cast to the desired output type ", dtype_name(out.dtype()));
  EMBER_CHECK(out.sizes() == shape, op, "output with shape ", shape_str(out.sizes()),
              " doesn't match the broadcast shape ", shape_str(shape));
  return out;
}

static const char* op_name(BinaryOp op) {
  switch (op) { case BinaryOp::Add: return "add"; case BinaryOp::Sub: return "sub"; case BinaryOp::Mul: return "mul"; default: return "div"; }
}

static void run_binary(BinaryOp op, const Tensor& dst, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (dst.numel() == 0) return;
  StridedIter it(dst.sizes(), {&dst, &a, &b});
  const BinaryKernel* k = binary_kernels(use_reference_kernels() ? Isa::Baseline : cpu_isa());
  k->run(op, dst.dtype(), it, alpha);
}

// Computes in `ct` (the promoted type), then casts into `out` if its dtype differs.
static Tensor binary_impl(BinaryOp op, const Tensor& a, const Tensor& b, DType ct, const Scalar& alpha,
                          const Tensor& out, const char* name) {
  if (op == BinaryOp::Div && !is_floating(ct)) ct = default_float_dtype();  // true division
  EMBER_CHECK(!(op == BinaryOp::Sub && ct == DType::Bool), name,
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
              "operator instead.");
  EMBER_CHECK(is_floating(ct) || !alpha.is_float(), name, "For integral input tensors, argument alpha must not be a "
              "floating point number.");
  EMBER_CHECK(a.device() == b.device() || b.dim() == 0, name, "Expected all tensors to be on the same device, but found "
              "at least two devices, ", a.device().str(), " and ", b.device().str(), "!");
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor dst = prepare_output(name, shape, ct, out);
  Tensor ca = to_dtype(a, ct), cb = to_dtype(b, ct);
  if (dst.dtype() == ct && !(out.defined() && (may_overlap(dst, a) || may_overlap(dst, b)) &&
                             !(dst.data_ptr() == a.data_ptr() && dst.strides() == a.strides()))) {
    run_binary(op, dst, ca, cb, alpha);
  } else {
    Tensor tmp = Tensor::empty(shape, ct);
    run_binary(op, tmp, ca, cb, alpha);
    copy_(dst, tmp);
  }
  if (out.defined()) out.bump_version();
  return dst;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha, const Tensor& out, const char* name) {
  return binary_impl(op, a, b, result_type(a, b), alpha, out, name ? name : op_name(op));
}

Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha, const Tensor& out, const char* name) {
  DType ct = result_type(a, b);
  Tensor bt = Tensor::empty({}, ct);
  fill_scalar_into(bt, b);
  return binary_impl(op, a, bt, ct, alpha, out, name ? name : op_name(op));
}

}  // namespace ember
