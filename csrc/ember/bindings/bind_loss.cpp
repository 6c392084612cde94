// bind_loss.cpp — mirrors ops/loss/loss.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_loss(py::module_& m) { (void)m; }

}  // namespace ember::bind
