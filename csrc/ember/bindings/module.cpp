// module.cpp — the ember._C extension: registers each family's bindings and maps ember::Error
// kinds onto the Python exception types PyTorch raises.
#include "ember/bindings/common.h"

PYBIND11_MODULE(_C, m) {
  using namespace ember;
  m.doc() = "ember C++ core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* t = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::Index: t = PyExc_IndexError; break;
        case ErrorKind::Type: t = PyExc_TypeError; break;
        case ErrorKind::Value: t = PyExc_ValueError; break;
        case ErrorKind::NotImplemented: t = PyExc_NotImplementedError; break;
        default: break;
      }
      PyErr_SetString(t, e.what());
    }
  });
  bind::init_tensor(m);
  bind::init_elementwise(m);
  bind::init_unary(m);
  bind::init_sort(m);
  bind::init_reduce(m);
  bind::init_index(m);
  bind::init_shape(m);
  bind::init_gemm(m);
  bind::init_random(m);
  bind::init_creation(m);
  bind::init_activation(m);
  bind::init_softmax(m);
  bind::init_loss(m);
  bind::init_norm(m);
  bind::init_optim(m);
  bind::init_conv(m);
  bind::init_pool(m);
  bind::init_resample(m);
  bind::init_attention(m);
}
