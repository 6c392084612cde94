// bind_conv.cpp — mirrors ops/conv/conv.h.
#include "ember/bindings/common.h"
#include "ember/ops/conv/conv.h"

namespace ember::bind {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

void init_conv(py::module_& m) {
  using OT = std::optional<Tensor>;
  m.def("conv_forward", [](const Tensor& x, const Tensor& w, OT b, const Shape& stride, const Shape& pad_lo,
                           const Shape& pad_hi, const Shape& dilation, int64_t groups, const std::string& op) {
    return conv_forward(x, w, opt(b), stride, pad_lo, pad_hi, dilation, groups, op.c_str());
  });
  m.def("conv_backward_input", [](const Tensor& gy, const Tensor& w, const Shape& input_shape, const Shape& stride,
                                  const Shape& pad_lo, const Shape& dilation, int64_t groups, const std::string& op) {
    return conv_backward_input(gy, w, input_shape, stride, pad_lo, dilation, groups, op.c_str());
  });
  m.def("conv_backward_weight", [](const Tensor& gy, const Tensor& x, const Shape& weight_shape, const Shape& stride,
                                   const Shape& pad_lo, const Shape& dilation, int64_t groups, const std::string& op) {
    return conv_backward_weight(gy, x, weight_shape, stride, pad_lo, dilation, groups, op.c_str());
  });
  m.def("conv_backward", [](const Tensor& gy, const Tensor& x, const Tensor& w, const Shape& stride, const Shape& pad_lo,
                            const Shape& dilation, int64_t groups, bool nx, bool nw, bool nb, const std::string& op) {
    std::vector<Tensor> r = conv_backward(gy, x, w, stride, pad_lo, dilation, groups, {nx, nw, nb}, op.c_str());
    auto o = [](const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); };
    return py::make_tuple(o(r[0]), o(r[1]), o(r[2]));
  });
  m.def("conv_backward_bias", [](const Tensor& gy, const std::string& op) { return conv_backward_bias(gy, op.c_str()); });
  m.def("conv_transpose_forward", [](const Tensor& x, const Tensor& w, OT b, const Shape& stride, const Shape& padding,
                                     const Shape& output_padding, const Shape& dilation, int64_t groups,
                                     const std::string& op) {
    return conv_transpose_forward(x, w, opt(b), stride, padding, output_padding, dilation, groups, op.c_str());
  });
}

}  // namespace ember::bind
