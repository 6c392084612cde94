// bind_loss.cpp — mirrors ops/loss/loss.h. Optional tensors cross as None; reduction as an int
// (0 none, 1 mean, 2 sum).
#include "ember/bindings/common.h"
#include "ember/ops/loss/huber.h"
#include "ember/ops/loss/loss.h"

namespace ember::bind {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
py::object maybe(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }
}  // namespace

void init_loss(py::module_& m) {
  using OT = std::optional<Tensor>;
  m.def("cross_entropy_forward", [](const Tensor& x, const Tensor& t, OT w, int red, int64_t ignore, double ls) {
    auto r = cross_entropy_forward(x, t, opt(w), (Reduction)red, ignore, ls);
    return py::make_tuple(r.loss, r.lse, r.total_weight);
  });
  m.def("cross_entropy_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, OT w, const Tensor& lse,
                                     double total, int red, int64_t ignore, double ls) {
    return cross_entropy_backward(g, x, t, opt(w), lse, total, (Reduction)red, ignore, ls);
  });
  m.def("nll_loss_forward", [](const Tensor& x, const Tensor& t, OT w, int red, int64_t ignore) {
    auto r = nll_loss_forward(x, t, opt(w), (Reduction)red, ignore);
    return py::make_tuple(r.first, r.second);
  });
  m.def("nll_loss_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, OT w, double total, int red,
                                int64_t ignore) {
    return nll_loss_backward(g, x, t, opt(w), total, (Reduction)red, ignore);
  });
  m.def("binary_cross_entropy_forward", [](const Tensor& x, const Tensor& t, OT w, int red) {
    return binary_cross_entropy_forward(x, t, opt(w), (Reduction)red);
  });
  m.def("binary_cross_entropy_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, OT w, int red, bool tg) {
    auto r = binary_cross_entropy_backward(g, x, t, opt(w), (Reduction)red, tg);
    return py::make_tuple(r.first, maybe(r.second));
  });
  m.def("bce_with_logits_forward", [](const Tensor& x, const Tensor& t, OT w, OT pw, int red) {
    return bce_with_logits_forward(x, t, opt(w), opt(pw), (Reduction)red);
  });
  m.def("bce_with_logits_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, OT w, OT pw, int red, bool tg) {
    auto r = bce_with_logits_backward(g, x, t, opt(w), opt(pw), (Reduction)red, tg);
    return py::make_tuple(r.first, maybe(r.second));
  });
  m.def("huber_loss_forward", [](const Tensor& x, const Tensor& t, int red, double delta) {
    return huber_loss_forward(x, t, red, delta);
  });
  m.def("huber_loss_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, int red, double delta, bool ig,
                                  bool tg) {
    auto r = huber_loss_backward(g, x, t, red, delta, ig, tg);
    return py::make_tuple(maybe(r.first), maybe(r.second));
  });
  m.def("smooth_l1_loss_forward", [](const Tensor& x, const Tensor& t, int red, double beta) {
    return smooth_l1_loss_forward(x, t, red, beta);
  });
  m.def("smooth_l1_loss_backward", [](const Tensor& g, const Tensor& x, const Tensor& t, int red, double beta, bool ig,
                                      bool tg) {
    auto r = smooth_l1_loss_backward(g, x, t, red, beta, ig, tg);
    return py::make_tuple(maybe(r.first), maybe(r.second));
  });
}

}  // namespace ember::bind
