// dlpack.cpp — zero-copy exchange with other frameworks through DLPack capsules (the
// unversioned "dltensor" ABI that numpy and PyTorch both produce and accept). Structs are
// declared here from the DLPack spec so the build needs no extra header.
#include "ember/bindings/common.h"

namespace ember::bind {
namespace {
struct DLDevice { int32_t device_type; int32_t device_id; };
struct DLDataType { uint8_t code; uint8_t bits; uint16_t lanes; };
struct DLTensor {
  void* data; DLDevice device; int32_t ndim; DLDataType dtype; int64_t* shape; int64_t* strides; uint64_t byte_offset;
};
struct DLManagedTensor { DLTensor dl_tensor; void* manager_ctx; void (*deleter)(DLManagedTensor*); };
enum { kDLCPU = 1, kDLCUDA = 2, kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLBool = 6 };

// What an exported capsule owns: the storage reference plus shape/stride arrays.
struct ExportCtx {
  Tensor t;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed;
};

DLDataType to_dl(DType d) {
  uint8_t bits = (uint8_t)(itemsize(d) * 8);
  switch (d) {
    case DType::Bool: return {kDLBool, 8, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::Float16: case DType::Float32: case DType::Float64: return {kDLFloat, bits, 1};
    case DType::BFloat16: return {kDLBfloat, 16, 1};
    default: return {kDLInt, bits, 1};
  }
}

DType from_dl(DLDataType t) {
  EMBER_CHECK_TYPE(t.lanes == 1, "from_dlpack", "vector dtypes (lanes=", t.lanes, ") are not supported");
  switch (t.code) {
    case kDLBool: return DType::Bool;
    case kDLUInt: EMBER_CHECK_TYPE(t.bits == 8, "from_dlpack", "unsupported unsigned integer width ", (int)t.bits);
      return DType::UInt8;
    case kDLInt:
      switch (t.bits) { case 8: return DType::Int8; case 16: return DType::Int16; case 32: return DType::Int32;
                        case 64: return DType::Int64; }
      break;
    case kDLFloat:
      switch (t.bits) { case 16: return DType::Float16; case 32: return DType::Float32; case 64: return DType::Float64; }
      break;
    case kDLBfloat: if (t.bits == 16) return DType::BFloat16; break;
  }
  throw Error(ErrorKind::Type, "[from_dlpack] unsupported DLPack dtype (code " + std::to_string(t.code) + ", bits " +
                                   std::to_string(t.bits) + ")");
}

void capsule_destructor(PyObject* cap) {
  // Only called if nobody consumed the capsule (a consumer renames it to "used_dltensor").
  if (PyCapsule_IsValid(cap, "dltensor")) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
    if (m && m->deleter) m->deleter(m);
  }
}
}  // namespace

py::object to_dlpack(const Tensor& t) {
  auto* ctx = new ExportCtx{t, t.sizes(), t.strides(), {}};
  DLTensor& d = ctx->managed.dl_tensor;
  d.data = t.storage()->data;
  d.byte_offset = (uint64_t)(t.offset() * (int64_t)t.itemsize());
  d.device = t.device().is_cuda() ? DLDevice{kDLCUDA, t.device().index} : DLDevice{kDLCPU, 0};
  d.ndim = (int32_t)t.dim();
  d.dtype = to_dl(t.dtype());
  d.shape = ctx->shape.data();
  d.strides = ctx->strides.data();
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = [](DLManagedTensor* m) { delete static_cast<ExportCtx*>(m->manager_ctx); };
  PyObject* cap = PyCapsule_New(&ctx->managed, "dltensor", capsule_destructor);
  if (!cap) { delete ctx; throw py::error_already_set(); }
  return py::reinterpret_steal<py::object>(cap);
}

Tensor from_dlpack_capsule(py::capsule cap) {
  PyObject* c = cap.ptr();
  EMBER_CHECK_TYPE(PyCapsule_IsValid(c, "dltensor"), "from_dlpack",
                   "expected a DLPack capsule named 'dltensor' that has not been consumed yet");
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
  const DLTensor& d = m->dl_tensor;
#ifdef EMBER_WITH_CUDA
  const bool on_cuda = d.device.device_type == kDLCUDA;
  const char* supported = "CPU and CUDA";
#else
  const bool on_cuda = false;
  const char* supported = "CPU";
#endif
  EMBER_CHECK(d.device.device_type == kDLCPU || on_cuda, "from_dlpack", "only ", supported,
              " DLPack tensors can be imported in this build (device type ", d.device.device_type, ")");
  DType dt = from_dl(d.dtype);
  Shape sizes(d.shape, d.shape + d.ndim), strides;
  strides = d.strides ? Shape(d.strides, d.strides + d.ndim) : contiguous_strides(sizes);
  int64_t isz = (int64_t)itemsize(dt);
  EMBER_CHECK(d.byte_offset % isz == 0, "from_dlpack", "byte_offset is not a multiple of the element size");
  int64_t extent = 1;
  for (int i = 0; i < d.ndim; ++i) {
    EMBER_CHECK(strides[i] >= 0 || sizes[i] <= 1, "from_dlpack", "negative strides are not supported");
    if (sizes[i] == 0) { extent = 0; break; }
    extent += (sizes[i] - 1) * std::max<int64_t>(strides[i], 0);
  }
  std::shared_ptr<void> owner(m, [](void* p) {
    auto* mt = static_cast<DLManagedTensor*>(p);
    if (mt->deleter) mt->deleter(mt);
  });
  PyCapsule_SetName(c, "used_dltensor");
  size_t nbytes = (size_t)((int64_t)d.byte_offset + extent * isz);
  auto st = Storage::borrow(d.data, nbytes, on_cuda ? Device(DeviceType::CUDA, d.device.device_id) : Device(), owner);
  return Tensor(st, (int64_t)d.byte_offset / isz, sizes, strides, dt);
}

}  // namespace ember::bind
