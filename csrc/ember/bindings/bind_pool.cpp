// bind_pool.cpp — mirrors ops/pool/pool.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_pool(py::module_& m) { (void)m; }

}  // namespace ember::bind
