// bind_attention.cpp — mirrors ops/attention/attention.h (mask, probs: a Tensor or None).
#include "ember/bindings/common.h"
#include "ember/ops/attention/attention.h"

namespace ember::bind {

void init_attention(py::module_& m) {
  m.def("attention_forward", [](const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& mask,
                                bool is_causal, double scale, int64_t save_probs_max_bytes) {
    return attention_forward(q, k, v, mask ? *mask : Tensor(), is_causal, scale, save_probs_max_bytes);
  }, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"), py::arg("is_causal"), py::arg("scale"),
        py::arg("save_probs_max_bytes") = 0);
  m.def("attention_backward", [](const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                 const Tensor& out, const Tensor& lse, const std::optional<Tensor>& mask,
                                 bool is_causal, double scale, const std::optional<Tensor>& probs) {
    return attention_backward(dout, q, k, v, out, lse, mask ? *mask : Tensor(), is_causal, scale,
                              probs ? *probs : Tensor());
  }, py::arg("dout"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("lse"), py::arg("mask"),
        py::arg("is_causal"), py::arg("scale"), py::arg("probs") = py::none());
}

}  // namespace ember::bind
