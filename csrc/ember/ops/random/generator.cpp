// generator.cpp — Generator state bookkeeping (see generator.h).
#include "ember/ops/random/generator.h"
#include <chrono>
#include <cstring>
#include <random>
#include "ember/core/error.h"

namespace ember {

Generator::Draw Generator::reserve(uint64_t n) {
  std::lock_guard<std::mutex> g(mu_);
  Draw d{seed_, offset_};
  offset_ += n;
  return d;
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> g(mu_);
  seed_ = initial_seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::seed_nondeterministic() {
  std::random_device rd;
  uint64_t s = ((uint64_t)rd() << 32) ^ rd() ^ (uint64_t)std::chrono::high_resolution_clock::now().time_since_epoch().count();
  manual_seed(s);
  return s;
}

uint64_t Generator::initial_seed() const { std::lock_guard<std::mutex> g(mu_); return initial_seed_; }
uint64_t Generator::offset() const { std::lock_guard<std::mutex> g(mu_); return offset_; }
void Generator::set_offset(uint64_t off) { std::lock_guard<std::mutex> g(mu_); offset_ = off; }

std::vector<uint8_t> Generator::get_state() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<uint8_t> s(16);
  for (int i = 0; i < 8; ++i) { s[i] = (uint8_t)(seed_ >> (8 * i)); s[8 + i] = (uint8_t)(offset_ >> (8 * i)); }
  return s;
}

void Generator::set_state(const std::vector<uint8_t>& s) {
  EMBER_CHECK(s.size() == 16, "set_state", "RNG state must be 16 bytes (seed, offset as little-endian uint64), got ",
              s.size(), " bytes");
  uint64_t seed = 0, off = 0;
  for (int i = 0; i < 8; ++i) { seed |= (uint64_t)s[i] << (8 * i); off |= (uint64_t)s[8 + i] << (8 * i); }
  std::lock_guard<std::mutex> g(mu_);
  seed_ = initial_seed_ = seed;
  offset_ = off;
}

const std::shared_ptr<Generator>& default_generator() {
  static const std::shared_ptr<Generator> g = std::make_shared<Generator>();
  return g;
}

namespace {
std::vector<std::shared_ptr<Generator>>& cuda_generators() {
  static std::vector<std::shared_ptr<Generator>> gens = [] {
    std::vector<std::shared_ptr<Generator>> v;
    for (int i = 0; i < kMaxCudaGenerators; ++i) v.push_back(std::make_shared<Generator>());
    return v;
  }();
  return gens;
}
}  // namespace

const std::shared_ptr<Generator>& cuda_default_generator(int index) {
  EMBER_CHECK(index >= 0 && index < kMaxCudaGenerators, "cuda generator", "device index ", index,
              " out of range [0, ", kMaxCudaGenerators, ")");
  return cuda_generators()[index];
}

void cuda_manual_seed_all(uint64_t seed) {
  for (auto& g : cuda_generators()) g->manual_seed(seed);
}

}  // namespace ember
