// bind_sort.cpp — mirrors ops/sort/sort.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_sort(py::module_& m) { (void)m; }

}  // namespace ember::bind
