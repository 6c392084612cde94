// bind_unary.cpp — mirrors ops/unary/unary.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_unary(py::module_& m) { (void)m; }

}  // namespace ember::bind
