// bind_norm.cpp — mirrors ops/norm/norm.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_norm(py::module_& m) { (void)m; }

}  // namespace ember::bind
