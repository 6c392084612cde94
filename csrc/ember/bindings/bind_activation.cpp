// bind_activation.cpp — mirrors ops/activation/activation.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_activation(py::module_& m) { (void)m; }

}  // namespace ember::bind
