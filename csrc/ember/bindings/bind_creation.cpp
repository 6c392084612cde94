// bind_creation.cpp — mirrors ops/creation/creation.h.
#include "ember/bindings/common.h"
#include "ember/ops/creation/creation.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#endif

namespace ember::bind {

namespace {
// The factories' device argument ("cpu", "cuda", "cuda:1"); "cuda" becomes the current device.
Device factory_device(const std::string& dev) {
  Device d = parse_device(dev);
#ifdef EMBER_WITH_CUDA
  if (d.is_cuda()) d.index = cuda::resolve_index(d.index);
#endif
  return d;
}
}  // namespace

void init_creation(py::module_& m) {
  m.def("arange", [](Scalar a, Scalar b, Scalar s, int dt, const std::string& dev) {
    return arange(a, b, s, to_dtype(dt), factory_device(dev));
  }, py::arg("start"), py::arg("end"), py::arg("step"), py::arg("dtype"), py::arg("device") = "cpu");
  m.def("range", [](Scalar a, Scalar b, Scalar s, int dt, const std::string& dev) {
    return range(a, b, s, to_dtype(dt), factory_device(dev));
  }, py::arg("start"), py::arg("end"), py::arg("step"), py::arg("dtype"), py::arg("device") = "cpu");
  m.def("linspace", [](Scalar a, Scalar b, int64_t n, int dt, const std::string& dev) {
    return linspace(a, b, n, to_dtype(dt), factory_device(dev));
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("dtype"), py::arg("device") = "cpu");
  m.def("logspace", [](Scalar a, Scalar b, int64_t n, double base, int dt, const std::string& dev) {
    return logspace(a, b, n, base, to_dtype(dt), factory_device(dev));
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base"), py::arg("dtype"), py::arg("device") = "cpu");
  m.def("eye", [](int64_t n, int64_t mm, int dt, const std::string& dev) {
    return eye(n, mm, to_dtype(dt), factory_device(dev));
  }, py::arg("n"), py::arg("m"), py::arg("dtype"), py::arg("device") = "cpu");
  m.def("empty_strided", [](std::vector<int64_t> s, std::vector<int64_t> st, int dt) {
    return empty_strided(Shape(s.begin(), s.end()), Shape(st.begin(), st.end()), to_dtype(dt));
  });
}

}  // namespace ember::bind
