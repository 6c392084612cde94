// unary.cpp — validation, PyTorch's dtype rules and kernel selection for unary math.
// Three kinds of op: "keep" (result has the input dtype; `out` must match it exactly),
// "float" (integer/bool inputs compute in the default float dtype; `out` may be any dtype the
// result can be cast to) and predicates (bool results; `out` must be bool except logical_not).
#include <cmath>
#include <limits>
#include "ember/core/cpu_features.h"
#include "ember/core/iter.h"
#include "ember/core/view.h"
#include "ember/ops/unary/unary.h"
#include "ember/ops/unary/unary_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/unary/unary_cuda.h"
#endif

namespace ember {

namespace {

enum class Kind { Keep, Float, Pred };

Kind kind_of(UnaryOp op) {
  if (op >= UnaryOp::Isnan && op <= UnaryOp::LogicalNot) return Kind::Pred;
  if (op >= UnaryOp::Exp && op <= UnaryOp::Reciprocal) return Kind::Float;
  if (op == UnaryOp::Logit) return Kind::Float;
  return Kind::Keep;
}

// PyTorch's ScalarType names, used where we reproduce its messages verbatim.
const char* torch_type_name(DType t) {
  switch (t) {
    case DType::Bool: return "Bool"; case DType::UInt8: return "Byte"; case DType::Int8: return "Char";
    case DType::Int16: return "Short"; case DType::Int32: return "Int"; case DType::Int64: return "Long";
    case DType::Float16: return "Half"; case DType::BFloat16: return "BFloat16"; case DType::Float32: return "Float";
    default: return "Double";
  }
}

bool castable(DType from, DType to) {
  if (is_floating(from) && is_integral(to, true)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

// An output written elementwise must not have several elements on one memory location.
void check_no_internal_overlap(const char* name, const Tensor& out) {
  for (int64_t d = 0; d < out.dim(); ++d)
    EMBER_CHECK(!(out.size(d) > 1 && out.stride(d) == 0), name,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

void run_kernel(UnaryOp op, const Tensor& dst, const Tensor& src, const UnaryParams& p) {
  if (dst.numel() == 0) return;
#ifdef EMBER_WITH_CUDA
  if (dst.device().is_cuda() || src.device().is_cuda()) { cuda::unary_kernel_ex((int)op, dst, src, p, unary_name(op)); return; }
#endif
  StridedIter it(dst.sizes(), {&dst, &src});
  unary_kernels(cpu_isa())->run(op, src.dtype(), it, p);
}

// Checks `out` against the result dtype `rd` under `kind`'s rule (allocates when undefined).
Tensor prepare_out(const char* name, UnaryOp op, Kind kind, const Tensor& x, DType rd, const Tensor& out) {
  if (!out.defined()) return Tensor::empty(x.sizes(), rd, x.device());
  if (kind == Kind::Keep) {
    EMBER_CHECK(out.dtype() == rd, name, "Found dtype ", torch_type_name(out.dtype()), " but expected ",
                torch_type_name(rd), " (out dtype ", dtype_name(out.dtype()), ", result dtype ", dtype_name(rd), ")");
  } else if (kind == Kind::Pred && op != UnaryOp::LogicalNot) {
    EMBER_CHECK(out.dtype() == DType::Bool, name, name, " does not support non-boolean outputs (got out dtype ",
                dtype_name(out.dtype()), ")");
  } else {
    EMBER_CHECK(castable(rd, out.dtype()), name, "result type ", torch_type_name(rd),
                " can't be cast to the desired output type ", torch_type_name(out.dtype()));
  }
  EMBER_CHECK(out.sizes() == x.sizes(), name, "output with shape ", shape_str(out.sizes()),
              " doesn't match the input shape ", shape_str(x.sizes()));
  check_no_internal_overlap(name, out);
  return out;
}

// Runs `kop` on x converted to `ct`, producing dtype `rd` (ct, or bool for predicates), into `out`.
// `identity` copies x instead (floor of an integer, nan_to_num of an integer, ...).
Tensor apply(UnaryOp kop, Kind kind, const char* name, const Tensor& x, DType ct, DType rd, const Tensor& out,
             const UnaryParams& p, bool identity = false) {
  Tensor dst = prepare_out(name, kop, kind, x, rd, out);
  Tensor src = to_dtype(x, ct);
  bool aliased = out.defined() && may_overlap(dst, src);
  bool exact_alias = aliased && dst.raw_data_ptr() == src.raw_data_ptr() && dst.strides() == src.strides() &&
                     dst.dtype() == src.dtype();
  if (dst.dtype() == rd && (!aliased || exact_alias)) {
    if (identity) { if (!exact_alias) copy_(dst, src); }
    else run_kernel(kop, dst, src, p);
  } else {
    Tensor tmp = Tensor::empty(x.sizes(), rd, x.device());
    if (identity) copy_(tmp, src);
    else run_kernel(kop, tmp, src, p);
    copy_(dst, tmp);
  }
  if (out.defined()) out.bump_version();
  return dst;
}

}  // namespace

const char* unary_name(UnaryOp op) {
  static const char* const names[] = {
      "neg", "abs", "sign", "sgn", "square", "floor", "ceil", "round", "trunc", "frac", "bitwise_not",
      "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
      "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc", "erfinv", "lgamma",
      "digamma", "reciprocal", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "logical_not",
      "round", "logit", "nan_to_num"};
  static_assert(sizeof(names) / sizeof(names[0]) == (size_t)UnaryOp::kCount, "unary op names");
  int i = (int)op;
  return i >= 0 && i < (int)UnaryOp::kCount ? names[i] : "unary";
}

static Tensor unary_impl(UnaryOp op, const Tensor& x, const Tensor& out, const UnaryParams& p) {
  const char* name = unary_name(op);
  EMBER_CHECK(x.defined(), name, "expected a defined tensor");
  const DType dt = x.dtype();
  const Kind kind = kind_of(op);
  if (kind == Kind::Float) {
    DType ct = is_floating(dt) ? dt : default_float_dtype();
    return apply(op, kind, name, x, ct, ct, out, p);
  }
  if (kind == Kind::Pred) return apply(op, kind, name, x, dt, DType::Bool, out, p);
  // keep-dtype ops
  switch (op) {
    case UnaryOp::Neg:
      EMBER_CHECK(dt != DType::Bool, name, "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                  "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
      break;
    case UnaryOp::Abs: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      EMBER_CHECK_KIND(dt != DType::Bool, NotImplemented, name, "not implemented for dtype bool");
      break;
    case UnaryOp::Frac: case UnaryOp::RoundDecimals:
      EMBER_CHECK_KIND(is_floating(dt), NotImplemented, name, "not implemented for dtype ", dtype_name(dt));
      break;
    case UnaryOp::BitwiseNot:
      EMBER_CHECK_KIND(!is_floating(dt), NotImplemented, name, "not implemented for dtype ", dtype_name(dt),
                       " (only integer and bool tensors)");
      break;
    case UnaryOp::Square:
      if (dt == DType::Bool)  // square is pow(x, 2): bool promotes to int64
        return apply(op, Kind::Float, name, x, DType::Int64, DType::Int64, out, p);
      return apply(op, Kind::Float, name, x, dt, dt, out, p);
    default: break;
  }
  bool identity = !is_floating(dt) && (op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round ||
                                       op == UnaryOp::Trunc || op == UnaryOp::NanToNum ||
                                       (dt == DType::Bool && (op == UnaryOp::Sign || op == UnaryOp::Sgn)));
  return apply(op, kind, name, x, dt, dt, out, p, identity);
}

Tensor unary(UnaryOp op, const Tensor& x, const Tensor& out) {
  EMBER_CHECK(op != UnaryOp::RoundDecimals && op != UnaryOp::Logit && op != UnaryOp::NanToNum && op < UnaryOp::kCount,
              "unary", "parameterized op ", unary_name(op), " needs its own entry point");
  return unary_impl(op, x, out, UnaryParams());
}

Tensor unary_(UnaryOp op, const Tensor& self) {
  EMBER_CHECK(kind_of(op) != Kind::Pred || op == UnaryOp::LogicalNot, unary_name(op), "has no in-place form");
  return unary(op, self, self);
}

Tensor positive(const Tensor& x) {
  EMBER_CHECK(x.dtype() != DType::Bool, "positive", "The `+` operator, on a bool tensor is not supported.");
  return x;
}

Tensor round(const Tensor& x, int64_t decimals, const Tensor& out) {
  if (decimals == 0) return unary_impl(UnaryOp::Round, x, out, UnaryParams());
  UnaryParams p;
  p.decimals = decimals;
  return unary_impl(UnaryOp::RoundDecimals, x, out, p);
}

Tensor logit(const Tensor& x, std::optional<double> eps, const Tensor& out) {
  UnaryParams p;
  p.eps = eps ? *eps : -1.0;
  return unary_impl(UnaryOp::Logit, x, out, p);
}

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf, const Tensor& out) {
  UnaryParams p;
  double hi = std::numeric_limits<double>::max();
  switch (x.dtype()) {  // defaults: the dtype's largest / lowest finite values
    case DType::Float32: hi = std::numeric_limits<float>::max(); break;
    case DType::Float16: hi = 65504.0; break;
    case DType::BFloat16: hi = 3.38953138925153547590470800371487866880e38; break;
    default: break;
  }
  p.nan = nan ? *nan : 0.0;
  p.posinf = posinf ? *posinf : hi;
  p.neginf = neginf ? *neginf : -hi;
  return unary_impl(UnaryOp::NanToNum, x, out, p);
}

}  // namespace ember
