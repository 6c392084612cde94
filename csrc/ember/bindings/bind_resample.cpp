// bind_resample.cpp — mirrors ops/resample/resample.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_resample(py::module_& m) { (void)m; }

}  // namespace ember::bind
