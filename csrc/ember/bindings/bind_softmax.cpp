// bind_softmax.cpp — mirrors ops/softmax/softmax.h.
#include "ember/bindings/common.h"
#include "ember/ops/softmax/softmax.h"

namespace ember::bind {

void init_softmax(py::module_& m) {
  m.def("softmax_forward", [](const Tensor& x, int64_t dim, bool log, std::optional<int> dtype) {
    return softmax_forward(x, dim, log, dtype ? std::optional<DType>(to_dtype(*dtype)) : std::nullopt);
  }, py::arg("x"), py::arg("dim"), py::arg("log"), py::arg("dtype") = py::none());
  m.def("softmax_backward", &softmax_backward);
}

}  // namespace ember::bind
