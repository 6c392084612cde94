// bind_gemm.cpp — mirrors ops/gemm/gemm.h.
#include "ember/bindings/common.h"

namespace ember::bind {

void init_gemm(py::module_& m) { (void)m; }

}  // namespace ember::bind
