// bind_gemm.cpp — mirrors ops/gemm/gemm.h (the Tensor-level matrix products).
#include "ember/bindings/common.h"
#include "ember/ops/gemm/gemm.h"
#include "ember/ops/gemm/gemm_kernels.h"

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
  m.def("linear_weight_grad", [](const Tensor& g, const Tensor& x, bool bias) {
    auto r = linear_weight_grad(g, x, bias);
    return py::make_tuple(r[0], bias ? py::cast(r[1]) : py::none());
  }, py::arg("grad_output"), py::arg("input"), py::arg("bias"));
  m.def("gemm_epilogue",
        [](const Tensor& a, const Tensor& b, OT bias, OT c, Scalar alpha, Scalar beta, int64_t bias_dim,
           const std::string& act, OT out) {
          return gemm_epilogue(a, b, opt(bias), opt(c), alpha, beta, bias_dim, act, opt(out));
        },
        py::arg("a"), py::arg("b"), py::arg("bias") = py::none(), py::arg("c") = py::none(),
        py::arg("alpha") = Scalar((int64_t)1), py::arg("beta") = Scalar((int64_t)0), py::arg("bias_dim") = -1,
        py::arg("act") = "none", py::arg("out") = py::none(),
        "act(alpha * a @ b + beta * c + bias) in one pass (see gemm.h); bias_dim -1: per column, -2: per row");
  // float32 matmul precision: 0 highest, 1 high, 2 medium (ember.set_float32_matmul_precision,
  // ember.backends.cuda.matmul.allow_tf32).
  m.def("_set_float32_matmul_precision", [](int level) { set_float32_matmul_precision(level); });
  m.def("_get_float32_matmul_precision", []() { return float32_matmul_precision(); });
  // Blocking and micro-kernel of the build the current ISA selects (benchmarks, docs).
  m.def("gemm_info", [](const std::string& dtype) {
    const GemmKernel* k = gemm_kernels(cpu_isa());
    const GemmBlocking b = k->blocking(dtype == "float64" ? DType::Float64 : DType::Float32);
    const auto& cs = gemm_detail::cache_sizes();
    py::dict d;
    d["isa"] = isa_name(cpu_isa()); d["micro_kernel"] = k->micro_kernel;
    d["MR"] = b.MR; d["NR"] = b.NR; d["MC"] = b.MC; d["KC"] = b.KC; d["NC"] = b.NC;
    d["l1"] = cs.l1; d["l2"] = cs.l2; d["l3"] = cs.l3;
    return d;
  }, py::arg("dtype") = "float32");
  m.def("einsum", &einsum);
  m.def("tensordot", [](const Tensor& a, const Tensor& b, std::vector<int64_t> da, std::vector<int64_t> db, OT out) {
    return tensordot(a, b, Shape(da.begin(), da.end()), Shape(db.begin(), db.end()), opt(out));
  });
  m.def("multi_dot", [](const std::vector<Tensor>& ts, OT out) { return multi_dot(ts, opt(out)); });
  m.def("matrix_power", [](const Tensor& a, int64_t n) { return matrix_power(a, n); });
}

}  // namespace ember::bind
