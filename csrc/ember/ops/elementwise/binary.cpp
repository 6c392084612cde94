// binary.cpp — validation, promotion and kernel selection for the binary ops. Each op has a
// kind that fixes its dtype rule (see OpKind); inputs are converted to the compute dtype once,
// the kernel writes straight into the output when it can (else into a temporary that is cast
// and copied), so in-place and out= calls never see a half-written aliasing input.
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/fill.h"
#include "ember/core/iter.h"
#include "ember/core/promote.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/binary_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#include "ember/ops/elementwise/elementwise_cuda.h"
#endif
#include "ember/ops/elementwise/elementwise.h"

namespace ember {

namespace {
enum class OpKind {
  Arith,      // result_type; bool allowed (add/mul/max/min ...)
  IntArith,   // result_type; bool not implemented; integer division by zero raises
  TrueDiv,    // integers promote to the default float
  ToFloat,    // integers promote to the default float (atan2, copysign, xlogy)
  FloatOnly,  // floating dtypes only
  Compare,    // compute in result_type, bool result
  Logical,    // inputs as bool, bool result
  Bitwise,    // integer or bool
  Shift,      // integer only
};
struct OpTraits { const char* name; OpKind kind; };
constexpr OpTraits kTraits[] = {
    {"add", OpKind::Arith}, {"sub", OpKind::Arith}, {"mul", OpKind::Arith}, {"div", OpKind::TrueDiv},
    {"maximum", OpKind::Arith}, {"minimum", OpKind::Arith},
    {"div", OpKind::IntArith}, {"floor_divide", OpKind::IntArith}, {"remainder", OpKind::IntArith},
    {"fmod", OpKind::IntArith}, {"pow", OpKind::IntArith},
    {"atan2", OpKind::ToFloat}, {"copysign", OpKind::ToFloat}, {"xlogy", OpKind::ToFloat},
    {"hypot", OpKind::FloatOnly}, {"logaddexp", OpKind::FloatOnly}, {"logaddexp2", OpKind::FloatOnly},
    {"nextafter", OpKind::FloatOnly},
    {"fmax", OpKind::Arith}, {"fmin", OpKind::Arith},
    {"eq", OpKind::Compare}, {"ne", OpKind::Compare}, {"lt", OpKind::Compare}, {"le", OpKind::Compare},
    {"gt", OpKind::Compare}, {"ge", OpKind::Compare},
    {"logical_and", OpKind::Logical}, {"logical_or", OpKind::Logical}, {"logical_xor", OpKind::Logical},
    {"bitwise_and", OpKind::Bitwise}, {"bitwise_or", OpKind::Bitwise}, {"bitwise_xor", OpKind::Bitwise},
    {"bitwise_left_shift", OpKind::Shift}, {"bitwise_right_shift", OpKind::Shift},
};
static_assert(sizeof(kTraits) / sizeof(kTraits[0]) == (size_t)BinaryOp::kCount, "trait table out of sync");

const OpTraits& traits(BinaryOp op) {
  EMBER_CHECK_VALUE((int)op >= 0 && op < BinaryOp::kCount, "binary", "invalid op code ", (int)op);
  return kTraits[(int)op];
}

[[noreturn]] void not_implemented(const char* name, DType dt) {
  EMBER_NOT_IMPLEMENTED(name, "not implemented for '", dtype_name(dt), "'");
}

// The compute dtype for an op whose operands promote to `rt`; raises for unsupported dtypes.
DType compute_dtype(BinaryOp op, DType rt, const char* name) {
  switch (traits(op).kind) {
    case OpKind::IntArith: if (rt == DType::Bool) not_implemented(name, rt); return rt;
    case OpKind::TrueDiv: case OpKind::ToFloat: return is_floating(rt) ? rt : default_float_dtype();
    case OpKind::FloatOnly: if (!is_floating(rt)) not_implemented(name, rt); return rt;
    case OpKind::Logical: return DType::Bool;
    case OpKind::Bitwise: if (is_floating(rt)) not_implemented(name, rt); return rt;
    case OpKind::Shift: if (!is_integral(rt)) not_implemented(name, rt); return rt;
    default: return rt;
  }
}

bool same_view(const Tensor& a, const Tensor& b) {
  return a.raw_data_ptr() == b.raw_data_ptr() && a.strides() == b.strides() && a.sizes() == b.sizes();
}

void check_sub_bool(BinaryOp op, bool a_bool, bool b_bool, const char* name) {
  if (op != BinaryOp::Sub) return;
  EMBER_CHECK(!(a_bool && b_bool), name, "Subtraction, the `-` operator, with two bool tensors is not supported. "
              "Use the `^` or `logical_xor()` operator instead.");
  EMBER_CHECK(!(a_bool || b_bool), name, "Subtraction, the `-` operator, with a bool tensor is not supported. "
              "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

void run_kernel(BinaryOp op, const Tensor& dst, const Tensor& a, const Tensor& b, DType ct, const Scalar& alpha) {
  if (dst.numel() == 0) return;
  if (ct == DType::Bool && op == BinaryOp::Fmax) op = BinaryOp::Maximum;  // no nan among bools
  if (ct == DType::Bool && op == BinaryOp::Fmin) op = BinaryOp::Minimum;
#ifdef EMBER_WITH_CUDA
  if (dst.device().is_cuda()) {
    if (op <= BinaryOp::Minimum) cuda::binary_kernel((int)op, ct, dst, a, b, alpha, binary_op_name(op));
    else if (op <= BinaryOp::Fmin) cuda::binary_math_kernel((int)op, ct, dst, a, b, binary_op_name(op));
    else cuda::binary_compare_kernel((int)op, ct, dst, a, b, binary_op_name(op));
    return;
  }
#endif
  StridedIter it(dst.sizes(), {&dst, &a, &b});
  if (op <= BinaryOp::Minimum) {
    binary_kernels(use_reference_kernels() ? Isa::Baseline : cpu_isa())->run(op, ct, it, alpha);
  } else if (op <= BinaryOp::Fmin) {
    binary_math_kernel(op, ct, it);
  } else {
    binary_compare_kernel(op, ct, it);
  }
}

// a and b already have the compute dtype `ct`.
Tensor binary_impl(BinaryOp op, const Tensor& a, const Tensor& b, DType ct, const Scalar& alpha, const Tensor& out,
                   const char* name) {
  // A 0-d CPU tensor (a wrapped number) may join a tensor on another device, as in PyTorch.
  EMBER_CHECK(a.device() == b.device() || (b.dim() == 0 && b.device().is_cpu()) || (a.dim() == 0 && a.device().is_cpu()),
              name, "Expected all tensors to be on the same device, but found at least two devices, ", a.device().str(),
              " and ", b.device().str(), "!");
  const Device dev = (b.dim() == 0 && b.device().is_cpu()) ? a.device() : b.device();
  EMBER_CHECK(!out.defined() || out.device() == dev, name, "Expected all tensors to be on the same device, but found at "
              "least two devices, ", dev.str(), " and ", out.device().str(), "!");
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  OpKind kind = traits(op).kind;
  // Integer division by zero raises on the CPU; on CUDA it gives 0 (checking would need a device
  // sync; see ops/elementwise/scalar_math.h), as PyTorch's CUDA kernels do not raise either.
  if ((kind == OpKind::IntArith && op != BinaryOp::Pow) && !is_floating(ct) && dev.is_cpu() && any_zero(b))
    EMBER_FAIL(name, "ZeroDivisionError");
  DType rd = (kind == OpKind::Compare || kind == OpKind::Logical) ? DType::Bool : ct;
  Tensor dst = out.defined() ? prepare_output(name, shape, rd, out, dev) : Tensor::empty(shape, rd, dev);
  bool direct = dst.dtype() == rd;
  if (direct && out.defined()) {
    for (const Tensor* in : {&a, &b})
      if (may_overlap(dst, *in) && !same_view(dst, *in)) direct = false;
  }
  if (direct) {
    run_kernel(op, dst, a, b, ct, alpha);
  } else {
    Tensor tmp = Tensor::empty(shape, rd, dev);
    run_kernel(op, tmp, a, b, ct, alpha);
    copy_(dst, tmp);
  }
  if (out.defined()) out.bump_version();
  return dst;
}

void check_alpha(BinaryOp op, DType ct, const Scalar& alpha, const char* name) {
  if (op != BinaryOp::Add && op != BinaryOp::Sub) return;
  if (alpha.is_int() && alpha.v.i == 1) return;
  EMBER_CHECK(is_floating(ct) || !alpha.is_float(), name,
              "For integral input tensors, argument alpha must not be a floating point number.");
  EMBER_CHECK(ct != DType::Bool || alpha.is_bool(), name, "Boolean alpha only supported for Boolean results.");
}

Tensor scalar_tensor(const Scalar& s, DType dt) {
  Tensor t = Tensor::empty({}, dt);
  fill_scalar_into(t, s);
  return t;
}
}  // namespace

const char* binary_op_name(BinaryOp op) { return traits(op).name; }

bool can_cast(DType from, DType to) {
  if (is_floating(from) && is_integral(to, true)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

Tensor prepare_output(const char* op, const Shape& shape, DType result, const Tensor& out, Device device) {
  if (!out.defined()) return Tensor::empty(shape, result, device);
  EMBER_CHECK(out.device() == device, op, "Expected all tensors to be on the same device, but found at least two "
              "devices, ", device.str(), " and ", out.device().str(), "!");
  EMBER_CHECK(can_cast(result, out.dtype()), op, "result type ", dtype_name(result),
              " can't be cast to the desired output type ", dtype_name(out.dtype()));
  EMBER_CHECK(out.sizes() == shape, op, "output with shape ", shape_str(out.sizes()),
              " doesn't match the broadcast shape ", shape_str(shape));
  for (int64_t d = 0; d < out.dim(); ++d)
    EMBER_CHECK(out.strides()[d] != 0 || out.sizes()[d] <= 1, op, "unsupported operation: some elements of the "
                "input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor "
                "before performing the operation.");
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha, const Tensor& out, const char* name) {
  name = name ? name : binary_op_name(op);
  check_sub_bool(op, a.dtype() == DType::Bool, b.dtype() == DType::Bool, name);
  DType ct = compute_dtype(op, result_type(a, b), name);
  check_alpha(op, ct, alpha, name);
  return binary_impl(op, to_dtype(a, ct), to_dtype(b, ct), ct, alpha, out, name);
}

Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b, const Scalar& alpha, const Tensor& out, const char* name) {
  name = name ? name : binary_op_name(op);
  check_sub_bool(op, a.dtype() == DType::Bool, b.is_bool(), name);
  DType ct = compute_dtype(op, result_type(a, b), name);
  check_alpha(op, ct, alpha, name);
  return binary_impl(op, to_dtype(a, ct), scalar_tensor(b, ct), ct, alpha, out, name);
}

Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b, const Scalar& alpha, const Tensor& out, const char* name) {
  name = name ? name : binary_op_name(op);
  check_sub_bool(op, a.is_bool(), b.dtype() == DType::Bool, name);
  DType ct = compute_dtype(op, result_type(b, a), name);
  check_alpha(op, ct, alpha, name);
  return binary_impl(op, scalar_tensor(a, ct), to_dtype(b, ct), ct, alpha, out, name);
}

Tensor pow_scalar(const Tensor& x, const Scalar& e, const Tensor& out) {
  DType rt = result_type(x, e);
  if (rt == DType::Bool && (e.to_int() == 0 || e.to_int() == 1)) {  // x ** False is all true, x ** True is x
    Tensor dst = prepare_output("pow", x.sizes(), rt, out, x.device());
    Tensor r = e.to_int() == 0 ? full(x.sizes(), Scalar(true), DType::Bool, x.device()) : x;
    if (!same_view(dst, r)) copy_(dst, r);
    if (out.defined()) out.bump_version();
    return dst;
  }
  DType ct = compute_dtype(BinaryOp::Pow, rt, "pow");
  EMBER_CHECK(is_floating(ct) || e.to_int() >= 0, "pow", "Integers to negative integer powers are not allowed.");
  Tensor dst = prepare_output("pow", x.sizes(), ct, out, x.device());
  Tensor cx = to_dtype(x, ct);
  auto kernel = [&](const Tensor& d) {
#ifdef EMBER_WITH_CUDA
    if (d.device().is_cuda()) { cuda::pow_scalar_kernel(d, cx, e); return; }
#endif
    pow_scalar_kernel(d, cx, e);
  };
  if (dst.dtype() == ct && (!out.defined() || !may_overlap(dst, cx) || same_view(dst, cx))) {
    kernel(dst);
  } else {
    Tensor tmp = Tensor::empty(x.sizes(), ct, x.device());
    kernel(tmp);
    copy_(dst, tmp);
  }
  if (out.defined()) out.bump_version();
  return dst;
}

}  // namespace ember
