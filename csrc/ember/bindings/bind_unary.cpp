// bind_unary.cpp — mirrors ops/unary/unary.h.
#include "ember/bindings/common.h"
#include "ember/ops/unary/unary.h"

namespace ember::bind {

void init_unary(py::module_& m) {
  auto e = py::enum_<UnaryOp>(m, "UnaryOp");
  for (int i = 0; i < (int)UnaryOp::kCount; ++i) {
    UnaryOp op = (UnaryOp)i;
    // enum value names are the op's Python name, except the parameterized round variant
    std::string name = op == UnaryOp::RoundDecimals ? "round_decimals" : unary_name(op);
    e.value(name.c_str(), op);
  }
  m.def("unary", [](UnaryOp op, const Tensor& x, std::optional<Tensor> out) { return unary(op, x, out ? *out : Tensor()); },
        py::arg("op"), py::arg("x"), py::arg("out") = py::none());
  m.def("unary_", &unary_);
  m.def("positive", &positive);
  m.def("round", [](const Tensor& x, int64_t decimals, std::optional<Tensor> out) {
    return round(x, decimals, out ? *out : Tensor());
  });
  m.def("logit", [](const Tensor& x, std::optional<double> eps, std::optional<Tensor> out) {
    return logit(x, eps, out ? *out : Tensor());
  });
  m.def("nan_to_num", [](const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                         std::optional<double> neginf, std::optional<Tensor> out) {
    return nan_to_num(x, nan, posinf, neginf, out ? *out : Tensor());
  });
}

}  // namespace ember::bind
