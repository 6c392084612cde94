#include "ember/core/allocator.h"
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>
#include "ember/core/error.h"

namespace ember::cpu_allocator {
namespace {
struct State {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats st;
  int64_t cached = 0;
  int64_t cache_limit = int64_t(8) << 30;
};
State& state() { static State* s = new State(); return *s; }  // leaked: outlives static tensors
}  // namespace

size_t round_size(size_t n) {
  if (n == 0) n = 1;
  if (n <= 4096) return (n + 63) & ~size_t(63);
  size_t p = size_t(1) << (63 - __builtin_clzll(n));  // largest power of two <= n
  size_t step = p / 4;
  return (n + step - 1) / step * step;
}

void* allocate(size_t n) {
  State& s = state();
  {
    std::lock_guard<std::mutex> g(s.mu);
    s.st.num_allocs++;
    auto it = s.free_lists.find(n);
    if (it != s.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      s.cached -= n;
      s.st.num_cache_hits++;
      s.st.allocated += n;
      if (s.st.allocated > s.st.peak_allocated) s.st.peak_allocated = s.st.allocated;
      return p;
    }
  }
  void* p = std::aligned_alloc(64, n);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(64, n);
    EMBER_CHECK(p != nullptr, "allocator", "out of memory allocating ", n, " bytes on cpu");
  }
  std::lock_guard<std::mutex> g(s.mu);
  s.st.allocated += n;
  s.st.reserved += n;
  if (s.st.allocated > s.st.peak_allocated) s.st.peak_allocated = s.st.allocated;
  return p;
}

void deallocate(void* p, size_t n) {
  if (!p) return;
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  s.st.allocated -= n;
  if (s.cached + (int64_t)n > s.cache_limit) {
    s.st.reserved -= n;
    std::free(p);
    return;
  }
  s.free_lists[n].push_back(p);
  s.cached += n;
}

void empty_cache() {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  for (auto& kv : s.free_lists) {
    for (void* p : kv.second) std::free(p);
    s.st.reserved -= (int64_t)(kv.first * kv.second.size());
    kv.second.clear();
  }
  s.cached = 0;
}

AllocatorStats stats() {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  return s.st;
}

void set_cache_limit(int64_t bytes) {
  State& s = state();
  { std::lock_guard<std::mutex> g(s.mu); s.cache_limit = bytes; }
  if (bytes == 0) empty_cache();
}

}  // namespace ember::cpu_allocator
