// bind_creation.cpp — mirrors ops/creation/creation.h.
#include "ember/bindings/common.h"
#include "ember/ops/creation/creation.h"

namespace ember::bind {

void init_creation(py::module_& m) {
  m.def("arange", [](Scalar a, Scalar b, Scalar s, int dt) { return arange(a, b, s, to_dtype(dt)); });
  m.def("range", [](Scalar a, Scalar b, Scalar s, int dt) { return range(a, b, s, to_dtype(dt)); });
  m.def("linspace", [](Scalar a, Scalar b, int64_t n, int dt) { return linspace(a, b, n, to_dtype(dt)); });
  m.def("logspace", [](Scalar a, Scalar b, int64_t n, double base, int dt) {
    return logspace(a, b, n, base, to_dtype(dt));
  });
  m.def("eye", [](int64_t n, int64_t mm, int dt) { return eye(n, mm, to_dtype(dt)); });
  m.def("empty_strided", [](std::vector<int64_t> s, std::vector<int64_t> st, int dt) {
    return empty_strided(Shape(s.begin(), s.end()), Shape(st.begin(), st.end()), to_dtype(dt));
  });
}

}  // namespace ember::bind
