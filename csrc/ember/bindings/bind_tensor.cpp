// bind_tensor.cpp — _C.Tensor (metadata, numpy/buffer interop) and the view/copy ops of
// core/view.h and core/fill.h. Mirrors those headers one-to-one.
#include <cstring>
#include "ember/bindings/common.h"
#include "ember/core/allocator.h"
#include "ember/core/cpu_features.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/promote.h"
#include "ember/core/view.h"

namespace ember::bind {

void init_cuda(py::module_& m);  // bind_cuda.cpp: runtime, transfers, error translation

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device(DeviceType::CPU);
  if (s.rfind("cuda", 0) == 0) {
    if (s == "cuda") return Device(DeviceType::CUDA, -1);
    if (s.size() > 5 && s[4] == ':') {
      try { return Device(DeviceType::CUDA, std::stoi(s.substr(5))); } catch (...) {}
    }
  }
  throw Error(ErrorKind::Runtime, "Expected one of cpu, cuda device type at start of device string: " + s);
}

static const char* numpy_format(DType d) {
  switch (d) {
    case DType::Bool: return "?";
    case DType::UInt8: return "B";
    case DType::Int8: return "b";
    case DType::Int16: return "h";
    case DType::Int32: return "i";
    case DType::Int64: return "q";
    case DType::Float16: return "e";
    case DType::Float32: return "f";
    case DType::Float64: return "d";
    default: return nullptr;
  }
}

py::array to_numpy(const Tensor& t) {
  EMBER_CHECK_TYPE(t.device().is_cpu(), "numpy", "can't convert ", t.device().str(),
                   " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  const char* fmt = numpy_format(t.dtype());
  EMBER_CHECK_TYPE(fmt != nullptr, "numpy", "Got unsupported ScalarType ", dtype_name(t.dtype()));
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end()), strides(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) strides[d] = t.strides()[d] * (int64_t)t.itemsize();
  // The capsule owns a reference to the storage, so the array keeps the memory alive.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(py::dtype(fmt), shape, strides, t.data_ptr(), base);
}

Tensor from_numpy(py::array a) {
  py::dtype dt = a.dtype();
  char kind = dt.kind();
  int sz = (int)dt.itemsize();
  EMBER_CHECK_TYPE(dt.byteorder() != '>', "from_numpy", "given numpy array has byte order different from the native byte order");
  DType d;
  if (kind == 'b') d = DType::Bool;
  else if (kind == 'u' && sz == 1) d = DType::UInt8;
  else if (kind == 'i' && sz == 1) d = DType::Int8;
  else if (kind == 'i' && sz == 2) d = DType::Int16;
  else if (kind == 'i' && sz == 4) d = DType::Int32;
  else if (kind == 'i' && sz == 8) d = DType::Int64;
  else if (kind == 'f' && sz == 2) d = DType::Float16;
  else if (kind == 'f' && sz == 4) d = DType::Float32;
  else if (kind == 'f' && sz == 8) d = DType::Float64;
  else throw Error(ErrorKind::Type, std::string("[from_numpy] can't convert np.ndarray of type ") +
                                        py::str(dt).cast<std::string>() +
                                        ". The only supported types are: float64, float32, float16, int64, int32, "
                                        "int16, int8, uint8, and bool.");
  Shape sizes(a.ndim()), strides(a.ndim());
  char* lo = (char*)a.data();
  char* hi = lo + sz;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    sizes[i] = a.shape(i);
    py::ssize_t bs = a.strides(i);
    EMBER_CHECK_VALUE(bs % sz == 0, "from_numpy", "given numpy array strides not a multiple of the element byte size");
    EMBER_CHECK_VALUE(bs >= 0 || sizes[i] <= 1, "from_numpy",
                      "At least one stride in the given numpy array is negative, and tensors with negative strides are "
                      "not currently supported. (You can probably work around this by making a copy of your array "
                      "with array.copy().)");
    strides[i] = sizes[i] <= 1 ? 0 : bs / sz;
    if (sizes[i] == 0) hi = lo;
    else if (bs > 0) hi += bs * (sizes[i] - 1);
  }
  for (size_t i = 0; i < strides.size(); ++i) if (sizes[i] <= 1) strides[i] = contiguous_strides(sizes)[i];
  auto* owner = new py::object(a);
  std::shared_ptr<void> keep(owner, [](void* p) {
    py::gil_scoped_acquire g;
    delete static_cast<py::object*>(p);
  });
  auto st = Storage::borrow(lo, (size_t)std::max<int64_t>(hi - lo, 0), Device(), keep);
  return Tensor(st, 0, sizes, strides, d);
}

static Shape to_shape(const std::vector<int64_t>& v) { return Shape(v.begin(), v.end()); }

void init_tensor(py::module_& m) {
  py::class_<Tensor>(m, "Tensor", py::buffer_protocol())
      .def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.sizes())); })
      .def_property_readonly("sizes", &Tensor::sizes)
      .def_property_readonly("strides", &Tensor::strides)
      .def_property_readonly("dtype", [](const Tensor& t) { return (int)t.dtype(); })
      .def_property_readonly("device", [](const Tensor& t) { return t.device().str(); })
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("offset", &Tensor::offset)
      .def_property_readonly("itemsize", &Tensor::itemsize)
      .def_property_readonly("version", &Tensor::version)
      .def_property_readonly("storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes; })
      .def_property_readonly("storage_ptr", [](const Tensor& t) { return (uintptr_t)t.storage()->data; })
      .def("numel", &Tensor::numel)
      .def("data_ptr", [](const Tensor& t) { return (uintptr_t)t.raw_data_ptr(); })
      .def_property_readonly("is_pinned_storage", [](const Tensor& t) { return t.storage()->pinned; })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("bump_version", &Tensor::bump_version)
      .def("set_", &Tensor::set_)
      .def("set_view", [](Tensor& t, int64_t off, std::vector<int64_t> s, std::vector<int64_t> st) {
        t.set_view(off, to_shape(s), to_shape(st));
      })
      .def("numpy", &to_numpy)
      .def("same_storage", [](const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); });

  m.def("from_numpy", &from_numpy);
  m.def("to_dlpack", &to_dlpack);
  m.def("from_dlpack_capsule", &from_dlpack_capsule);
  m.def("empty", [](std::vector<int64_t> s, int dt, const std::string& dev) {
    return Tensor::empty(to_shape(s), to_dtype(dt), parse_device(dev));
  });
  m.def("full", [](std::vector<int64_t> s, Scalar v, int dt, const std::string& dev) {
    return full(to_shape(s), v, to_dtype(dt), parse_device(dev));
  });
  m.def("fill_", [](const Tensor& t, Scalar v) { fill_(t, v); });
  m.def("fill_tensor_", [](const Tensor& t, const Tensor& v) {
    EMBER_CHECK(v.dim() == 0, "fill_", "fill_ only supports 0-dimension value tensor but got tensor with ", v.dim(),
                " dimensions.");
    copy_(t, v);
  });

  // views
  m.def("as_strided", [](const Tensor& t, std::vector<int64_t> s, std::vector<int64_t> st, std::optional<int64_t> off) {
    return as_strided(t, to_shape(s), to_shape(st), off);
  }, py::arg("t"), py::arg("size"), py::arg("stride"), py::arg("offset") = py::none());
  m.def("view", [](const Tensor& t, std::vector<int64_t> s) { return view(t, to_shape(s)); });
  m.def("reshape", [](const Tensor& t, std::vector<int64_t> s) { return reshape(t, to_shape(s)); });
  m.def("view_dtype", [](const Tensor& t, int d) { return view_dtype(t, to_dtype(d)); });
  m.def("permute", [](const Tensor& t, std::vector<int64_t> d) { return permute(t, to_shape(d)); });
  m.def("transpose", &transpose);
  m.def("t", &t_2d);
  m.def("expand", [](const Tensor& t, std::vector<int64_t> s) { return expand(t, to_shape(s)); });
  m.def("squeeze", [](const Tensor& t) { return squeeze(t); });
  m.def("squeeze_dims", [](const Tensor& t, std::vector<int64_t> d) { return squeeze(t, to_shape(d)); });
  m.def("unsqueeze", &unsqueeze);
  m.def("flatten", &flatten);
  m.def("unflatten", [](const Tensor& t, int64_t d, std::vector<int64_t> s) { return unflatten(t, d, to_shape(s)); });
  m.def("select", &select);
  m.def("slice", &slice);
  m.def("narrow", &narrow);
  m.def("unfold", &unfold);
  m.def("diagonal", &diagonal);
  m.def("movedim", [](const Tensor& t, std::vector<int64_t> s, std::vector<int64_t> d) {
    return movedim(t, to_shape(s), to_shape(d));
  });
  m.def("contiguous", &contiguous);
  m.def("clone", &clone);
  m.def("copy_", [](const Tensor& dst, const Tensor& src) { copy_(dst, src); });
  m.def("to_dtype", [](const Tensor& t, int d, bool copy) { return to_dtype(t, to_dtype(d), copy); });
  m.def("may_overlap", &may_overlap);

  // type promotion
  m.def("promote_types", [](int a, int b) { return (int)promote_types(to_dtype(a), to_dtype(b)); });
  m.def("result_type", [](const std::vector<py::object>& args) {
    ResultTypeState s;
    for (auto& o : args) {
      if (py::isinstance<Tensor>(o)) s.add(o.cast<const Tensor&>());
      else s.add(o.cast<Scalar>());
    }
    return (int)s.result();
  });
  m.def("get_default_dtype", []() { return (int)default_float_dtype(); });
  m.def("set_default_dtype", [](int d) { set_default_float_dtype(to_dtype(d)); });

  // runtime
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", &set_num_threads);
  m.def("cpu_isa", []() { return std::string(isa_name(cpu_isa())); });
  m.def("set_isa_cap", [](const std::string& s) {
    set_isa_cap(s == "baseline" ? Isa::Baseline : s == "avx2" ? Isa::Avx2 : Isa::Avx512);
  });
  m.def("use_reference_kernels", &use_reference_kernels);
  m.def("set_reference_kernels", &set_reference_kernels);
  m.def("allocator_stats", []() {
    auto s = cpu_allocator::stats();
    py::dict d;
    d["allocated"] = s.allocated; d["reserved"] = s.reserved; d["peak_allocated"] = s.peak_allocated;
    d["num_allocs"] = s.num_allocs; d["num_cache_hits"] = s.num_cache_hits;
    return d;
  });
  m.def("empty_cache", &cpu_allocator::empty_cache);
  m.def("set_cache_limit", &cpu_allocator::set_cache_limit);
#ifdef EMBER_WITH_CUDA
  m.attr("has_cuda") = true;
#else
  m.attr("has_cuda") = false;
#endif
  init_cuda(m);
}

}  // namespace ember::bind
