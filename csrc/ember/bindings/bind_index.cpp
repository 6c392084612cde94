// bind_index.cpp — mirrors ops/index/index.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_index(py::module_& m) { (void)m; }

}  // namespace ember::bind
