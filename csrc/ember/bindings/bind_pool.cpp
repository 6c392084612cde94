// bind_pool.cpp — mirrors ops/pool/pool.h.
#include "ember/bindings/common.h"
#include "ember/ops/pool/pool.h"

namespace ember::bind {

namespace {
Shape S(const std::vector<int64_t>& v) { return Shape(v.begin(), v.end()); }
}  // namespace

void init_pool(py::module_& m) {
  m.def("max_pool_forward", [](const Tensor& x, int64_t nsp, std::vector<int64_t> k, std::vector<int64_t> s,
                               std::vector<int64_t> p, std::vector<int64_t> d, bool ceil_mode) {
    return max_pool_forward(x, nsp, S(k), S(s), S(p), S(d), ceil_mode);
  });
  m.def("avg_pool_forward", [](const Tensor& x, int64_t nsp, std::vector<int64_t> k, std::vector<int64_t> s,
                               std::vector<int64_t> p, bool ceil_mode, bool cip, int64_t div) {
    return avg_pool_forward(x, nsp, S(k), S(s), S(p), ceil_mode, cip, div);
  });
  m.def("avg_pool_backward", [](const Tensor& g, std::vector<int64_t> in_shape, int64_t nsp, std::vector<int64_t> k,
                                std::vector<int64_t> s, std::vector<int64_t> p, bool ceil_mode, bool cip, int64_t div) {
    return avg_pool_backward(g, S(in_shape), nsp, S(k), S(s), S(p), ceil_mode, cip, div);
  });
  m.def("adaptive_avg_pool_forward", [](const Tensor& x, int64_t nsp, std::vector<int64_t> o) {
    return adaptive_avg_pool_forward(x, nsp, S(o));
  });
  m.def("adaptive_avg_pool_backward", [](const Tensor& g, std::vector<int64_t> in_shape, int64_t nsp) {
    return adaptive_avg_pool_backward(g, S(in_shape), nsp);
  });
  m.def("adaptive_max_pool_forward", [](const Tensor& x, int64_t nsp, std::vector<int64_t> o) {
    return adaptive_max_pool_forward(x, nsp, S(o));
  });
  m.def("pool_scatter", [](const Tensor& src, const Tensor& idx, int64_t nsp, std::vector<int64_t> plane,
                           bool accumulate, const std::string& op) {
    return pool_scatter(src, idx, nsp, S(plane), accumulate, op.c_str());
  });
  m.def("pool_gather", &pool_gather);
}

}  // namespace ember::bind
