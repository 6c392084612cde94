// bind_conv.cpp — mirrors ops/conv/conv.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_conv(py::module_& m) { (void)m; }

}  // namespace ember::bind
