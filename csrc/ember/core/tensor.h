// tensor.h — a Tensor is a strided view (offset, sizes, strides in elements) onto a shared
// Storage, with a dtype. Copying a Tensor copies the view, never the data. Ops are free
// functions in namespace ember (see ops.h); views are in view.h.
#pragma once
#include <memory>
#include <vector>
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/storage.h"

namespace ember {

using Shape = std::vector<int64_t>;

// Raises the device guard's error (ErrorKind::DeviceUnsupported) for a tensor on `d`.
[[noreturn]] void device_guard_fail(const Device& d);
// Raises PyTorch's "Expected all tensors to be on the same device" RuntimeError.
[[noreturn]] void device_mismatch_fail(const char* op, const Device& a, const Device& b);

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<Storage> storage, int64_t offset, Shape sizes, Shape strides, DType dtype)
      : storage_(std::move(storage)), offset_(offset), sizes_(std::move(sizes)), strides_(std::move(strides)), dtype_(dtype) {}

  // A new contiguous tensor with uninitialized contents.
  static Tensor empty(const Shape& sizes, DType dtype, Device device = Device());

  bool defined() const { return (bool)storage_; }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return (int64_t)sizes_.size(); }
  int64_t size(int64_t d) const;    // negative d wraps
  int64_t stride(int64_t d) const;
  int64_t numel() const { int64_t n = 1; for (auto s : sizes_) n *= s; return n; }
  DType dtype() const { return dtype_; }
  size_t itemsize() const { return ember::itemsize(dtype_); }
  Device device() const { return storage_ ? storage_->device : Device(); }
  int64_t offset() const { return offset_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // THE DEVICE GUARD: data_ptr() is how every CPU kernel reaches memory, so it refuses any
  // non-CPU storage (one predictable branch) and raises "... not implemented for 'cuda'" instead
  // of letting a CPU loop dereference device memory. CUDA code and pure metadata queries use
  // raw_data_ptr(), which returns the address on any device.
  void* data_ptr() const {
    if (__builtin_expect(storage_->device.type != DeviceType::CPU, 0)) device_guard_fail(storage_->device);
    return raw_data_ptr();
  }
  void* raw_data_ptr() const { return static_cast<char*>(storage_->data) + offset_ * (int64_t)itemsize(); }
  template <class T> T* data() const { return static_cast<T*>(data_ptr()); }

  bool is_contiguous() const;
  bool is_non_overlapping_and_dense() const;
  uint64_t version() const { return storage_ ? storage_->version.load(std::memory_order_relaxed) : 0; }
  void bump_version() const { if (storage_) storage_->version.fetch_add(1, std::memory_order_relaxed); }

  // Metadata mutation for in-place view ops (squeeze_, t_, as_strided_ ...) and `.data =`.
  void set_view(int64_t offset, Shape sizes, Shape strides) { offset_ = offset; sizes_ = std::move(sizes); strides_ = std::move(strides); }
  void set_(const Tensor& other) { *this = other; }

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  Shape sizes_, strides_;
  DType dtype_ = DType::Float32;
};

// ---- shape helpers ----
Shape contiguous_strides(const Shape& sizes);
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);  // IndexError when out of range
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
int64_t shape_numel(const Shape& s);

}  // namespace ember
