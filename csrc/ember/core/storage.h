// storage.h — a ref-counted buffer. Either owned (from the caching allocator) or borrowed
// from another framework (numpy, DLPack), in which case `owner` keeps the lender alive.
// The version counter lives here so every view of a buffer sees in-place writes (autograd).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include "ember/core/device.h"

namespace ember {

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  std::shared_ptr<void> owner;  // set for borrowed memory; empty when allocated by ember
  std::atomic<uint64_t> version{0};
  bool pinned = false;  // CPU memory from the CUDA pinned-host pool (pin_memory())

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  // Page-locked host memory for fast / asynchronous transfers (CUDA builds only).
  static std::shared_ptr<Storage> allocate_pinned(size_t nbytes);
  static std::shared_ptr<Storage> borrow(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner);
};

}  // namespace ember
