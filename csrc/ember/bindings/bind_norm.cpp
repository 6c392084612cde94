// bind_norm.cpp — mirrors ops/norm/norm.h. Optional tensors cross as None (and come back as None).
#include "ember/bindings/common.h"
#include "ember/ops/norm/norm.h"

namespace ember::bind {

namespace {
using OT = std::optional<Tensor>;
Tensor opt(const OT& t) { return t ? *t : Tensor(); }
py::object maybe(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }
py::tuple grads(const NormGrads& g) {
  return py::make_tuple(maybe(std::get<0>(g)), maybe(std::get<1>(g)), maybe(std::get<2>(g)));
}
py::tuple triple(const std::tuple<Tensor, Tensor, Tensor>& t) {
  return py::make_tuple(maybe(std::get<0>(t)), maybe(std::get<1>(t)), maybe(std::get<2>(t)));
}
}  // namespace

void init_norm(py::module_& m) {
  m.def("batch_norm_forward", [](const Tensor& x, OT w, OT b, OT rm, OT rv, bool training, double momentum, double eps) {
    return triple(batch_norm_forward(x, opt(w), opt(b), opt(rm), opt(rv), training, momentum, eps));
  });
  m.def("batch_norm_backward", [](const Tensor& g, const Tensor& x, OT w, const Tensor& mean, const Tensor& invstd,
                                  bool training, std::array<bool, 3> mask) {
    return grads(batch_norm_backward(g, x, opt(w), mean, invstd, training, mask));
  });
  m.def("layer_norm_forward", [](const Tensor& x, int64_t nd, OT w, OT b, double eps, bool rms) {
    return triple(layer_norm_forward(x, nd, opt(w), opt(b), eps, rms));
  });
  m.def("layer_norm_backward", [](const Tensor& g, const Tensor& x, OT mean, const Tensor& rstd, OT w, int64_t nd,
                                  bool rms, std::array<bool, 3> mask) {
    return grads(layer_norm_backward(g, x, opt(mean), rstd, opt(w), nd, rms, mask));
  });
  m.def("group_norm_forward", [](const Tensor& x, int64_t G, OT w, OT b, double eps) {
    return triple(group_norm_forward(x, G, opt(w), opt(b), eps));
  });
  m.def("group_norm_backward", [](const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd, OT w,
                                  int64_t G, std::array<bool, 3> mask) {
    return grads(group_norm_backward(g, x, mean, rstd, opt(w), G, mask));
  });
}

}  // namespace ember::bind
