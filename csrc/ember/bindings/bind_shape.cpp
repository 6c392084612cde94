// bind_shape.cpp — mirrors ops/shape/shape.h.
#include "ember/bindings/common.h"
#include "ember/ops/shape/shape.h"

namespace ember::bind {

namespace {
Shape S(const std::vector<int64_t>& v) { return Shape(v.begin(), v.end()); }
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

void init_shape(py::module_& m) {
  m.def("cat", [](const std::vector<Tensor>& ts, int64_t dim, std::optional<Tensor> out) { return cat(ts, dim, opt(out)); });
  m.def("stack", [](const std::vector<Tensor>& ts, int64_t dim, std::optional<Tensor> out) { return stack(ts, dim, opt(out)); });
  m.def("split", &split);
  m.def("split_with_sizes", [](const Tensor& t, std::vector<int64_t> s, int64_t d) { return split_with_sizes(t, S(s), d); });
  m.def("chunk", &chunk);
  m.def("tensor_split", &tensor_split);
  m.def("tensor_split_indices", [](const Tensor& t, std::vector<int64_t> i, int64_t d) { return tensor_split_indices(t, S(i), d); });
  m.def("unbind", &unbind);
  m.def("broadcast_tensors", &broadcast_tensors);
  m.def("broadcast_shapes", [](const std::vector<std::vector<int64_t>>& shapes) {
    std::vector<Shape> s;
    for (auto& v : shapes) s.push_back(S(v));
    return broadcast_shapes_n(s);
  });
  m.def("meshgrid", &meshgrid);

  m.def("flip", [](const Tensor& t, std::vector<int64_t> d) { return flip(t, S(d)); });
  m.def("roll", [](const Tensor& t, std::vector<int64_t> s, std::vector<int64_t> d) { return roll(t, S(s), S(d)); });
  m.def("rot90", [](const Tensor& t, int64_t k, std::vector<int64_t> d) { return rot90(t, k, S(d)); });
  m.def("repeat", [](const Tensor& t, std::vector<int64_t> r) { return repeat(t, S(r)); });
  m.def("tile", [](const Tensor& t, std::vector<int64_t> r) { return tile(t, S(r)); });
  m.def("repeat_interleave", [](const Tensor& t, int64_t r, std::optional<int64_t> d, std::optional<int64_t> n) {
    return repeat_interleave(t, r, d, n);
  });
  m.def("repeat_interleave_tensor", [](const Tensor& t, const Tensor& r, std::optional<int64_t> d,
                                       std::optional<int64_t> n) { return repeat_interleave(t, r, d, n); });
  m.def("repeat_interleave_indices", &repeat_interleave_indices);
  m.def("narrow_copy", &narrow_copy);

  m.def("tril", [](const Tensor& t, int64_t k, std::optional<Tensor> out) { return tril(t, k, opt(out)); });
  m.def("triu", [](const Tensor& t, int64_t k, std::optional<Tensor> out) { return triu(t, k, opt(out)); });
  m.def("tril_", &tril_);
  m.def("triu_", &triu_);
  m.def("tril_indices", [](int64_t r, int64_t c, int64_t o, int dt) { return tril_indices(r, c, o, to_dtype(dt)); });
  m.def("triu_indices", [](int64_t r, int64_t c, int64_t o, int dt) { return triu_indices(r, c, o, to_dtype(dt)); });
  m.def("diag", &diag);
  m.def("diag_embed", &diag_embed);
  m.def("diagflat", &diagflat);
  m.def("trace", &trace);

  m.def("outer", &outer);
  m.def("cross", &cross);
  m.def("kron", &kron);

  py::enum_<PadMode>(m, "PadMode")
      .value("constant", PadMode::Constant).value("reflect", PadMode::Reflect)
      .value("replicate", PadMode::Replicate).value("circular", PadMode::Circular);
  m.def("pad", [](const Tensor& t, std::vector<int64_t> p, PadMode mode, std::optional<Scalar> v) {
    return pad(t, S(p), mode, v);
  });
  m.def("one_hot", &one_hot);
}

}  // namespace ember::bind
