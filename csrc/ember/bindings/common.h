// common.h — shared binding glue: Python number <-> Scalar, dtype/device <-> ints/strings,
// and Shape from any Python sequence of ints. No op logic lives in the bindings.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace py = pybind11;

namespace pybind11::detail {
template <> struct type_caster<ember::Scalar> {
  PYBIND11_TYPE_CASTER(ember::Scalar, const_name("Number"));
  bool load(handle src, bool) {
    PyObject* o = src.ptr();
    if (PyBool_Check(o)) { value = ember::Scalar(o == Py_True); return true; }
    if (PyLong_Check(o)) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow) return false;
      value = ember::Scalar((int64_t)v);
      return true;
    }
    if (PyFloat_Check(o)) { value = ember::Scalar(PyFloat_AS_DOUBLE(o)); return true; }
    // numpy scalars and other numbers
    if (PyObject_HasAttrString(o, "dtype") && PyObject_HasAttrString(o, "item") && !PyObject_HasAttrString(o, "_t")) {
      object item = reinterpret_borrow<object>(src).attr("item")();
      return load(item, true);
    }
    if (PyIndex_Check(o)) { value = ember::Scalar((int64_t)PyNumber_AsSsize_t(o, nullptr)); return !PyErr_Occurred(); }
    if (PyNumber_Check(o) && !PyComplex_Check(o)) {
      double d = PyFloat_AsDouble(o);
      if (PyErr_Occurred()) { PyErr_Clear(); return false; }
      value = ember::Scalar(d);
      return true;
    }
    return false;
  }
  static handle cast(const ember::Scalar& s, return_value_policy, handle) {
    if (s.is_bool()) return PyBool_FromLong(s.v.b);
    if (s.is_int()) return PyLong_FromLongLong(s.v.i);
    return PyFloat_FromDouble(s.v.d);
  }
};
}  // namespace pybind11::detail

namespace ember::bind {
inline DType to_dtype(int d) {
  if (d < 0 || d >= kNumDTypes) throw Error(ErrorKind::Type, "invalid dtype code " + std::to_string(d));
  return (DType)d;
}
Device parse_device(const std::string& s);
py::array to_numpy(const Tensor& t);     // zero-copy view of a CPU tensor
Tensor from_numpy(py::array a);          // zero-copy; keeps the array alive
py::object to_dlpack(const Tensor& t);   // a 'dltensor' capsule sharing t's memory
Tensor from_dlpack_capsule(py::capsule cap);

void init_tensor(py::module_& m);
void init_elementwise(py::module_& m);
void init_unary(py::module_& m);
void init_sort(py::module_& m);
void init_reduce(py::module_& m);
void init_index(py::module_& m);
void init_shape(py::module_& m);
void init_gemm(py::module_& m);
void init_random(py::module_& m);
void init_creation(py::module_& m);
void init_activation(py::module_& m);
void init_softmax(py::module_& m);
void init_loss(py::module_& m);
void init_norm(py::module_& m);
void init_optim(py::module_& m);
void init_conv(py::module_& m);
void init_pool(py::module_& m);
void init_resample(py::module_& m);
void init_attention(py::module_& m);
}  // namespace ember::bind
