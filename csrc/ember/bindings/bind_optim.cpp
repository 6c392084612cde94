// bind_optim.cpp — mirrors ops/optim/optim.h.
#include "ember/bindings/common.h"
#include "ember/ops/optim/optim.h"

namespace ember::bind {

void init_optim(py::module_& m) {
  m.def("sgd_step", &sgd_step);
  m.def("adam_step", &adam_step);
  m.def("rmsprop_step", &rmsprop_step);
  m.def("adagrad_step", &adagrad_step);
  m.def("adadelta_step", &adadelta_step);
  m.def("adamax_step", &adamax_step);
  m.def("nadam_step", &nadam_step);
  m.def("radam_step", &radam_step);
}

}  // namespace ember::bind
