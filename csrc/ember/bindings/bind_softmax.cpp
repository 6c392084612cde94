// bind_softmax.cpp — mirrors ops/softmax/softmax.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_softmax(py::module_& m) { (void)m; }

}  // namespace ember::bind
