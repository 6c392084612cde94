// bind_index.cpp — mirrors ops/index/index.h.
#include "ember/bindings/common.h"
#include "ember/ops/index/index.h"

namespace ember::bind {

void init_index(py::module_& m) {
  m.def("index", &index);
  m.def("index_put_", [](const Tensor& self, const std::vector<OptTensor>& indices, const Tensor& values, bool accumulate) {
    index_put_(self, indices, values, accumulate);
  });
  m.def("gather", [](const Tensor& self, int64_t dim, const Tensor& index) { return gather(self, dim, index); });
  m.def("take_along_dim", [](const Tensor& self, int64_t dim, const Tensor& index) {
    return gather(self, dim, index, true, "take_along_dim");
  });
  m.def("scatter_", &scatter_);
  m.def("scatter_value_", &scatter_value_);
  m.def("scatter_reduce_", &scatter_reduce_);
  m.def("index_select", &index_select);
  m.def("index_add_", &index_add_);
  m.def("index_copy_", &index_copy_);
  m.def("index_fill_", &index_fill_);
  m.def("take", &take);
  m.def("put_", &put_);
  m.def("masked_fill_", &masked_fill_);
  m.def("masked_fill_tensor_", &masked_fill_tensor_);
  m.def("masked_select", &masked_select);
  m.def("masked_scatter_", &masked_scatter_);
  m.def("nonzero", &nonzero);
}

}  // namespace ember::bind
