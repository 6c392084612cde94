// bind_sort.cpp — mirrors ops/sort/sort.h.
#include "ember/bindings/common.h"
#include "ember/ops/sort/sort.h"

namespace ember::bind {

static py::tuple vi(const ValuesIndices& r) { return py::make_tuple(r.values, r.indices); }
static Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

void init_sort(py::module_& m) {
  m.def("sort", [](const Tensor& t, int64_t dim, bool desc) { return vi(sort(t, dim, desc)); });
  m.def("topk", [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    return vi(topk(t, k, dim, largest, sorted));
  });
  m.def("kthvalue", [](const Tensor& t, int64_t k, int64_t dim, bool keepdim) { return vi(kthvalue(t, k, dim, keepdim)); });
  m.def("median_dim", [](const Tensor& t, int64_t dim, bool keepdim, bool ignore_nan) {
    return vi(median_dim(t, dim, keepdim, ignore_nan));
  });
  m.def("median_all", &median_all);
  m.def("mode", [](const Tensor& t, int64_t dim, bool keepdim) { return vi(mode(t, dim, keepdim)); });
  m.def("unique", &unique);
  m.def("unique_consecutive", &unique_consecutive);
  m.def("_unique_dim_composed", &unique_dim_composed);
  m.def("bincount", [](const Tensor& t, std::optional<Tensor> w, int64_t minlength) { return bincount(t, opt(w), minlength); });
  m.def("histc", &histc);
  m.def("searchsorted", [](const Tensor& s, const Tensor& v, bool right, bool out_int32, std::optional<Tensor> sorter) {
    return searchsorted(s, v, right, out_int32, opt(sorter));
  });
  m.def("bucketize", &bucketize);
}

}  // namespace ember::bind
