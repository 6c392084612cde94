// bind_reduce.cpp — mirrors ops/reduce/reduce.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_reduce(py::module_& m) { (void)m; }

}  // namespace ember::bind
