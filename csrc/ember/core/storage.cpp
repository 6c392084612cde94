#include "ember/core/storage.h"
#include "ember/core/allocator.h"
#include "ember/core/error.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#endif

namespace ember {

Storage::~Storage() {
  if (owner) return;  // borrowed: the lender frees it when `owner` drops
#ifdef EMBER_WITH_CUDA
  if (pinned) { cuda::pinned_free(data, nbytes); return; }
  if (device.is_cuda()) { if (data) cuda::device_free(data, device.index); return; }
#endif
  if (device.is_cpu()) cpu_allocator::deallocate(data, nbytes);
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  if (device.is_cuda()) {
#ifdef EMBER_WITH_CUDA
    auto s = std::make_shared<Storage>();
    device.index = cuda::resolve_index(device.index);
    s->data = cuda::device_alloc(nbytes, device.index);  // throws OutOfMemory after freeing the cache
    s->nbytes = nbytes;
    s->device = device;
    return s;
#else
    EMBER_FAIL("empty", "device ", device.str(), " is not available: this ember build has no CUDA support");
#endif
  }
  auto s = std::make_shared<Storage>();
  s->nbytes = cpu_allocator::round_size(nbytes);
  s->data = cpu_allocator::allocate(s->nbytes);
  s->device = device;
  return s;
}

std::shared_ptr<Storage> Storage::allocate_pinned(size_t nbytes) {
#ifdef EMBER_WITH_CUDA
  auto s = std::make_shared<Storage>();
  s->data = cuda::pinned_alloc(nbytes, &s->nbytes);
  s->pinned = true;
  return s;
#else
  (void)nbytes;
  EMBER_FAIL("pin_memory", "pinned memory needs CUDA: this ember build has no CUDA support");
#endif
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner) {
  auto s = std::make_shared<Storage>();
  s->data = data;
  s->nbytes = nbytes;
  s->device = device;
  s->owner = owner ? std::move(owner) : std::shared_ptr<void>(data, [](void*) {});
  return s;
}

}  // namespace ember
