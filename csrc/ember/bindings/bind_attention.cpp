// bind_attention.cpp — mirrors ops/attention/attention.h (mask: a Tensor or None).
#include "ember/bindings/common.h"
#include "ember/ops/attention/attention.h"

namespace ember::bind {

void init_attention(py::module_& m) {
  m.def("attention_forward", [](const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& mask,
                                bool is_causal, double scale) {
    return attention_forward(q, k, v, mask ? *mask : Tensor(), is_causal, scale);
  }, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"), py::arg("is_causal"), py::arg("scale"));
  m.def("attention_backward", [](const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                 const Tensor& out, const Tensor& lse, const std::optional<Tensor>& mask,
                                 bool is_causal, double scale) {
    return attention_backward(dout, q, k, v, out, lse, mask ? *mask : Tensor(), is_causal, scale);
  }, py::arg("dout"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("lse"), py::arg("mask"),
        py::arg("is_causal"), py::arg("scale"));
}

}  // namespace ember::bind
