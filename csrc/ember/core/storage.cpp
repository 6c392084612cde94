#include "ember/core/storage.h"
#include "ember/core/allocator.h"
#include "ember/core/error.h"

namespace ember {

Storage::~Storage() {
  if (owner) return;  // borrowed: the lender frees it when `owner` drops
  if (device.is_cpu()) cpu_allocator::deallocate(data, nbytes);
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  EMBER_CHECK(device.is_cpu(), "empty", "device ", device.str(), " is not available in this build");
  auto s = std::make_shared<Storage>();
  s->nbytes = cpu_allocator::round_size(nbytes);
  s->data = cpu_allocator::allocate(s->nbytes);
  s->device = device;
  return s;
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
