// generator.h — a random Generator is the pair (seed, offset) of the Philox stream (philox.h).
// Every random op reserves `n` units of offset for an n-element request under the lock, then
// generates lock-free from the reserved (seed, offset). get_state/set_state exchange 16 bytes:
// seed then offset, each a little-endian uint64 (the layout PyTorch uses for its Philox state).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ember {

constexpr uint64_t kDefaultSeed = 67280421310721ull;  // PyTorch's default seed

class Generator {
 public:
  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed), initial_seed_(seed) {}

  struct Draw { uint64_t seed, offset; };
  // The (seed, offset) for a request of n elements; advances the offset by n.
  Draw reserve(uint64_t n);

  void manual_seed(uint64_t seed);  // resets the offset to 0
  uint64_t seed_nondeterministic(); // seeds from the OS entropy source; returns the seed
  uint64_t initial_seed() const;
  uint64_t offset() const;
  void set_offset(uint64_t off);
  std::vector<uint8_t> get_state() const;
  void set_state(const std::vector<uint8_t>& s);  // RuntimeError unless 16 bytes

 private:
  mutable std::mutex mu_;
  uint64_t seed_, initial_seed_, offset_ = 0;
};

// The process-wide CPU generator (ember.default_generator).
const std::shared_ptr<Generator>& default_generator();

// `g` or the default generator when null.
inline Generator& generator_or_default(Generator* g) { return g ? *g : *default_generator(); }

// The default generator of CUDA device `index` (ember.cuda.manual_seed & co.): plain C++ state,
// present in every build; only CUDA builds draw from it. Index range [0, kMaxCudaGenerators).
constexpr int kMaxCudaGenerators = 64;
const std::shared_ptr<Generator>& cuda_default_generator(int index);
// Seeds the CPU default generator's CUDA siblings (torch.manual_seed seeds every device).
void cuda_manual_seed_all(uint64_t seed);

// The generator a random op on `device_is_cuda`/`device_index` draws from: `g` when given, except
// that the CPU default generator (what the Python layer passes for generator=None) stands for
// "the default generator of the tensor's device".
inline Generator& generator_for(bool device_is_cuda, int device_index, Generator* g) {
  if (device_is_cuda && (g == nullptr || g == default_generator().get()))
    return *cuda_default_generator(device_index < 0 ? 0 : device_index);
  return generator_or_default(g);
}

}  // namespace ember
