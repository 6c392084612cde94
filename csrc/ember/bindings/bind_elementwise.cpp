// bind_elementwise.cpp — mirrors ops/elementwise/elementwise.h.
#include "ember/bindings/common.h"
#include "ember/ops/elementwise/elementwise.h"

namespace ember::bind {

void init_elementwise(py::module_& m) {
  py::enum_<BinaryOp>(m, "BinaryOp")
      .value("Add", BinaryOp::Add).value("Sub", BinaryOp::Sub).value("Mul", BinaryOp::Mul).value("Div", BinaryOp::Div);
  // Fast, overload-free entry points for the Python operators.
  m.def("add", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); });
  m.def("add_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Add, a, b); });
  m.def("sub", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); });
  m.def("sub_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Sub, a, b); });
  m.def("mul", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); });
  m.def("mul_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Mul, a, b); });
  m.def("div", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); });
  m.def("div_scalar", [](const Tensor& a, Scalar b) { return binary(BinaryOp::Div, a, b); });
  // General form: alpha, out (None or tensor), and the op name for messages.
  m.def("binary", [](BinaryOp op, const Tensor& a, const Tensor& b, Scalar alpha, std::optional<Tensor> out) {
    return binary(op, a, b, alpha, out ? *out : Tensor());
  });
  m.def("binary_scalar", [](BinaryOp op, const Tensor& a, Scalar b, Scalar alpha, std::optional<Tensor> out) {
    return binary(op, a, b, alpha, out ? *out : Tensor());
  });
}

}  // namespace ember::bind
