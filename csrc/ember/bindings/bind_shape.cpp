// bind_shape.cpp — mirrors ops/shape/shape.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_shape(py::module_& m) { (void)m; }

}  // namespace ember::bind
