// bind_elementwise.cpp — mirrors ops/elementwise/elementwise.h. Ops cross as BinaryOp enum
// values; `out` is None or a tensor; `name` is the op name used in error messages.
#include "ember/bindings/common.h"
#include "ember/ops/elementwise/elementwise.h"

namespace ember::bind {

static Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
static const char* opt_name(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

void init_elementwise(py::module_& m) {
  auto e = py::enum_<BinaryOp>(m, "BinaryOp");
  for (int i = 0; i < (int)BinaryOp::kCount; ++i) {
    static const char* names[] = {"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "DivTrunc", "DivFloor",
                                  "Remainder", "Fmod", "Pow", "Atan2", "Copysign", "Xlogy", "Hypot", "LogAddExp",
                                  "LogAddExp2", "NextAfter", "Fmax", "Fmin", "Eq", "Ne", "Lt", "Le", "Gt", "Ge",
                                  "LogicalAnd", "LogicalOr", "LogicalXor", "BitAnd", "BitOr", "BitXor", "Shl", "Shr"};
    static_assert(sizeof(names) / sizeof(names[0]) == (size_t)BinaryOp::kCount, "names out of sync");
    e.value(names[i], (BinaryOp)i);
  }
  // Fast, overload-free entry points for the Python operators.
  m.def("add", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); });
  m.def("add_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Add, a, b); });
  m.def("sub", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); });
  m.def("sub_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Sub, a, b); });
  m.def("mul", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); });
  m.def("mul_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Mul, a, b); });
  m.def("div", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); });
  m.def("div_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Div, a, b); });
  // General forms: tensor-tensor, tensor-number, number-tensor.
  m.def("binary", [](BinaryOp op, const Tensor& a, const Tensor& b, Scalar alpha, std::optional<Tensor> out,
                     std::optional<std::string> name) { return binary(op, a, b, alpha, opt(out), opt_name(name)); },
        py::arg("op"), py::arg("a"), py::arg("b"), py::arg("alpha") = Scalar((int64_t)1), py::arg("out") = py::none(),
        py::arg("name") = py::none());
  m.def("binary_scalar", [](BinaryOp op, const Tensor& a, Scalar b, Scalar alpha, std::optional<Tensor> out,
                            std::optional<std::string> name) { return binary(op, a, b, alpha, opt(out), opt_name(name)); },
        py::arg("op"), py::arg("a"), py::arg("b"), py::arg("alpha") = Scalar((int64_t)1), py::arg("out") = py::none(),
        py::arg("name") = py::none());
  m.def("binary_rscalar", [](BinaryOp op, Scalar a, const Tensor& b, Scalar alpha, std::optional<Tensor> out,
                             std::optional<std::string> name) { return binary(op, a, b, alpha, opt(out), opt_name(name)); },
        py::arg("op"), py::arg("a"), py::arg("b"), py::arg("alpha") = Scalar((int64_t)1), py::arg("out") = py::none(),
        py::arg("name") = py::none());
  m.def("pow_scalar", [](const Tensor& x, Scalar e, std::optional<Tensor> out) { return pow_scalar(x, e, opt(out)); },
        py::arg("x"), py::arg("exponent"), py::arg("out") = py::none());
  m.def("where", [](const Tensor& c, const TensorOrScalar& a, const TensorOrScalar& b, std::optional<Tensor> out) {
    return where(c, a, b, opt(out));
  }, py::arg("cond"), py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("clamp", [](const Tensor& x, std::optional<TensorOrScalar> lo, std::optional<TensorOrScalar> hi,
                    std::optional<Tensor> out, std::string name) { return clamp(x, lo, hi, opt(out), name.c_str()); },
        py::arg("x"), py::arg("min"), py::arg("max"), py::arg("out") = py::none(), py::arg("name") = "clamp");
  m.def("lerp", [](const Tensor& s, const Tensor& e, const TensorOrScalar& w, std::optional<Tensor> out) {
    return lerp(s, e, w, opt(out));
  }, py::arg("start"), py::arg("end"), py::arg("weight"), py::arg("out") = py::none());
  m.def("addcmul", [](const Tensor& x, const Tensor& a, const Tensor& b, Scalar v, std::optional<Tensor> out) {
    return addcmul(x, a, b, v, opt(out));
  }, py::arg("x"), py::arg("t1"), py::arg("t2"), py::arg("value"), py::arg("out") = py::none());
  m.def("addcdiv", [](const Tensor& x, const Tensor& a, const Tensor& b, Scalar v, std::optional<Tensor> out) {
    return addcdiv(x, a, b, v, opt(out));
  }, py::arg("x"), py::arg("t1"), py::arg("t2"), py::arg("value"), py::arg("out") = py::none());
  m.def("isclose", &isclose);
  m.def("allclose", &allclose);
  m.def("equal", &equal);
}

}  // namespace ember::bind
