// bind_activation.cpp — mirrors ops/activation/activation.h.
#include "ember/bindings/common.h"
#include "ember/ops/activation/activation.h"

namespace ember::bind {

void init_activation(py::module_& m) {
  auto e = py::enum_<ActOp>(m, "ActOp");
  static const char* const names[] = {"relu", "leaky_relu", "hardtanh", "elu", "gelu", "gelu_tanh", "silu", "mish",
                                      "sigmoid", "tanh", "softplus", "softsign", "hardswish", "hardsigmoid",
                                      "logsigmoid", "threshold", "tanhshrink", "softshrink", "hardshrink"};
  static_assert(sizeof(names) / sizeof(names[0]) == (size_t)ActOp::kCount, "ActOp names");
  for (int i = 0; i < (int)ActOp::kCount; ++i) e.value(names[i], (ActOp)i);
  auto params = [](double a, double b, double c) { ActParams p; p.a = a; p.b = b; p.c = c; return p; };
  m.def("activation_saves_output", &activation_saves_output);
  m.def("activation_forward", [params](ActOp op, const Tensor& x, double a, double b, double c, std::optional<Tensor> out) {
    return activation_forward(op, x, params(a, b, c), out ? *out : Tensor());
  }, py::arg("op"), py::arg("x"), py::arg("a") = 0.0, py::arg("b") = 0.0, py::arg("c") = 0.0, py::arg("out") = py::none());
  m.def("activation_backward", [params](ActOp op, const Tensor& g, const Tensor& s, double a, double b, double c) {
    return activation_backward(op, g, s, params(a, b, c));
  }, py::arg("op"), py::arg("grad"), py::arg("saved"), py::arg("a") = 0.0, py::arg("b") = 0.0, py::arg("c") = 0.0);
  m.def("activation_double_backward", [params](ActOp op, const Tensor& gg, const Tensor& g, const Tensor& s, double a,
                                               double b, double c) {
    return activation_double_backward(op, gg, g, s, params(a, b, c));
  }, py::arg("op"), py::arg("ggrad"), py::arg("grad"), py::arg("saved"), py::arg("a") = 0.0, py::arg("b") = 0.0,
     py::arg("c") = 0.0);
  m.def("prelu_forward", &prelu_forward);
  m.def("prelu_backward", &prelu_backward);
}

}  // namespace ember::bind
