// bind_creation.cpp — mirrors ops/creation/creation.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_creation(py::module_& m) { (void)m; }

}  // namespace ember::bind
