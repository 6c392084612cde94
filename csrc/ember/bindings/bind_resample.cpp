// bind_resample.cpp — mirrors ops/resample/resample.h.
#include "ember/bindings/common.h"
#include "ember/ops/resample/resample.h"

namespace ember::bind {

namespace {
Shape S(const std::vector<int64_t>& v) { return Shape(v.begin(), v.end()); }
}  // namespace

void init_resample(py::module_& m) {
  // mode: 0 nearest, 1 nearest-exact, 2 linear family, 3 bicubic (InterpMode).
  m.def("upsample_forward", [](const Tensor& x, int64_t nsp, std::vector<int64_t> out, int64_t mode, bool ac,
                               std::vector<double> scales) {
    return upsample_forward(x, nsp, S(out), static_cast<InterpMode>(mode), ac, scales);
  });
  m.def("upsample_backward", [](const Tensor& g, std::vector<int64_t> in_shape, int64_t mode, bool ac,
                                std::vector<double> scales) {
    return upsample_backward(g, S(in_shape), static_cast<InterpMode>(mode), ac, scales);
  });
  m.def("im2col", [](const Tensor& x, std::vector<int64_t> k, std::vector<int64_t> d, std::vector<int64_t> p,
                     std::vector<int64_t> s) { return im2col(x, S(k), S(d), S(p), S(s)); });
  m.def("col2im", [](const Tensor& x, std::vector<int64_t> o, std::vector<int64_t> k, std::vector<int64_t> d,
                     std::vector<int64_t> p, std::vector<int64_t> s) {
    return col2im(x, S(o), S(k), S(d), S(p), S(s));
  });
  m.def("pixel_shuffle", &pixel_shuffle);
  m.def("pixel_unshuffle", &pixel_unshuffle);
  m.def("channel_shuffle", &channel_shuffle);
}

}  // namespace ember::bind
