// bind_gemm.cpp — mirrors ops/gemm/gemm.h (the Tensor-level matrix products).
#include "ember/bindings/common.h"
#include "ember/ops/gemm/gemm.h"

namespace ember::bind {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

void init_gemm(py::module_& m) {
  using OT = std::optional<Tensor>;
  m.def("matmul", [](const Tensor& a, const Tensor& b, OT out) { return matmul(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("mm", [](const Tensor& a, const Tensor& b, OT out) { return mm(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("bmm", [](const Tensor& a, const Tensor& b, OT out) { return bmm(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("mv", [](const Tensor& a, const Tensor& v, OT out) { return mv(a, v, opt(out)); },
        py::arg("a"), py::arg("v"), py::arg("out") = py::none());
  m.def("dot", [](const Tensor& a, const Tensor& b, OT out) { return dot(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("vdot", [](const Tensor& a, const Tensor& b, OT out) { return vdot(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("inner", [](const Tensor& a, const Tensor& b, OT out) { return inner(a, b, opt(out)); },
        py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("addmm", [](const Tensor& i, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha, OT out) {
    return addmm(i, a, b, beta, alpha, opt(out));
  });
  m.def("addmv", [](const Tensor& i, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha, OT out) {
    return addmv(i, a, b, beta, alpha, opt(out));
  });
  m.def("baddbmm", [](const Tensor& i, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha, OT out) {
    return baddbmm(i, a, b, beta, alpha, opt(out));
  });
  m.def("addbmm", [](const Tensor& i, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha, OT out) {
    return addbmm(i, a, b, beta, alpha, opt(out));
  });
  m.def("addmm_", [](Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
    addmm_(s, a, b, beta, alpha);
  });
  m.def("addmv_", [](Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
    addmv_(s, a, b, beta, alpha);
  });
  m.def("baddbmm_", [](Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
    baddbmm_(s, a, b, beta, alpha);
  });
  m.def("addbmm_", [](Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
    addbmm_(s, a, b, beta, alpha);
  });
  m.def("einsum", &einsum);
  m.def("tensordot", [](const Tensor& a, const Tensor& b, std::vector<int64_t> da, std::vector<int64_t> db, OT out) {
    return tensordot(a, b, Shape(da.begin(), da.end()), Shape(db.begin(), db.end()), opt(out));
  });
  m.def("multi_dot", [](const std::vector<Tensor>& ts, OT out) { return multi_dot(ts, opt(out)); });
  m.def("matrix_power", [](const Tensor& a, int64_t n) { return matrix_power(a, n); });
}

}  // namespace ember::bind
