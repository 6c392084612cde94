// bind_random.cpp — mirrors ops/random/random.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_random(py::module_& m) { (void)m; }

}  // namespace ember::bind
