// block_pool.h — the bookkeeping of the stream-aware caching device allocator, written against
// an abstract Backend so that it is plain C++: allocator.cu instantiates it over cudaMalloc and
// CUDA events, and bind_cuda.cpp instantiates it over a fake backend so the logic is tested on
// machines without a GPU (tests/test_cuda_allocator_logic.py).
//
// The scheme (PyTorch's, in small):
// - Requests are rounded up to 512 B. Requests up to 1 MiB are "small" and are carved out of
//   2 MiB segments; larger ones come from segments of 20 MiB (requests < 10 MiB) or of the request
//   rounded up to 2 MiB. A segment is one raw allocation.
// - A free block is kept in the pool of the stream it was last used on, ordered by size, and is
//   handed out again (best fit, split when the remainder is worth keeping) to that stream at once:
//   work on one stream runs in order, so no synchronization is needed.
// - Another stream may take a cached block only after the owning stream has finished the work it
//   had queued when the block was freed: an event is recorded on the owning stream the first time
//   another stream looks at the block, and the block moves over once that event has completed.
// - record_stream(ptr, s): the block is also used on s; when freed, an event is recorded on each
//   such stream and the block returns to the pool only when all of them have completed.
// - Freed neighbours of the same segment and stream are merged back (coalescing).
// - Out of memory: release every cached whole segment and retry; then wait for the device and
//   retry once more; then fail with the requested size and the device's free/total memory.
//
// Backend interface:
//   void* raw_alloc(size_t bytes)            nullptr when the device is out of memory
//   void raw_free(void* p)
//   intptr_t event_record(intptr_t stream)   a new event recorded on `stream` now
//   bool event_done(intptr_t event)
//   void event_free(intptr_t event)
//   void synchronize()                       wait for all work on the device
//   void mem_info(int64_t* free, int64_t* total)
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>
#include "ember/core/error.h"

namespace ember::cuda {

struct MemoryStats {
  int64_t allocated = 0, peak_allocated = 0;   // bytes in blocks handed out (rounded sizes)
  int64_t reserved = 0, peak_reserved = 0;     // bytes in segments held from the backend
  int64_t requested = 0;                       // bytes asked for (before rounding) of live blocks
  int64_t num_allocs = 0, num_frees = 0, num_segments = 0, num_cache_hits = 0;
  int64_t num_alloc_retries = 0, num_ooms = 0, num_segment_frees = 0;
  int64_t active_blocks = 0, cached_blocks = 0, pending_blocks = 0;
};

inline std::string format_bytes(int64_t b) {
  char buf[64];
  if (b >= (int64_t(1) << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", b / double(int64_t(1) << 30));
  else if (b >= (int64_t(1) << 20)) std::snprintf(buf, sizeof buf, "%.2f MiB", b / double(1 << 20));
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.2f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%lld bytes", (long long)b);
  return buf;
}

constexpr size_t kMinBlockSize = 512;
constexpr size_t kSmallSize = size_t(1) << 20;        // requests <= 1 MiB are small
constexpr size_t kSmallSegment = size_t(2) << 20;     // small blocks come from 2 MiB segments
constexpr size_t kMinLargeAlloc = size_t(10) << 20;   // large requests below this share 20 MiB segments
constexpr size_t kLargeSegment = size_t(20) << 20;
constexpr size_t kRoundLarge = size_t(2) << 20;

inline size_t round_block_size(size_t n) {
  if (n < kMinBlockSize) return kMinBlockSize;
  return (n + kMinBlockSize - 1) / kMinBlockSize * kMinBlockSize;
}
inline size_t segment_size_for(size_t rounded) {
  if (rounded <= kSmallSize) return kSmallSegment;
  if (rounded < kMinLargeAlloc) return kLargeSegment;
  return (rounded + kRoundLarge - 1) / kRoundLarge * kRoundLarge;
}

template <class Backend>
class BlockPool {
 public:
  BlockPool(Backend backend, int device) : be_(std::move(backend)), device_(device) {}
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  ~BlockPool() = default;  // process teardown: the driver reclaims device memory

  void* malloc(size_t nbytes, intptr_t stream, const char* op = "empty") {
    std::lock_guard<std::mutex> lock(mu_);
    process_pending();
    const size_t size = round_block_size(nbytes);
    const bool small = size <= kSmallSize;
    Pool& pool = small ? small_ : large_;
    Block* b = take_own(pool, stream, size);
    if (!b) b = take_foreign(pool, stream, size);
    if (b) {
      ++st_.num_cache_hits;
    } else {
      b = new_segment(size, stream, small, nbytes, op);
    }
    split(b, size, pool);
    b->allocated = true;
    b->requested = nbytes;
    active_[b->ptr] = b;
    st_.allocated += (int64_t)b->size;
    st_.requested += (int64_t)nbytes;
    st_.peak_allocated = std::max(st_.peak_allocated, st_.allocated);
    ++st_.num_allocs;
    ++st_.active_blocks;
    return b->ptr;
  }

  // Returns false for a pointer this pool did not hand out.
  bool free(void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(p);
    if (it == active_.end()) return false;
    Block* b = it->second;
    active_.erase(it);
    st_.allocated -= (int64_t)b->size;
    st_.requested -= (int64_t)b->requested;
    ++st_.num_frees;
    --st_.active_blocks;
    if (!b->uses.empty()) {
      for (intptr_t s : b->uses) {
        pending_.push_back({be_.event_record(s), b});
        ++b->pending_events;
      }
      b->uses.clear();
      ++st_.pending_blocks;
      return true;
    }
    release_block(b);
    return true;
  }

  bool record_stream(void* p, intptr_t stream) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(p);
    if (it == active_.end()) return false;
    Block* b = it->second;
    if (stream != b->stream && std::find(b->uses.begin(), b->uses.end(), stream) == b->uses.end())
      b->uses.push_back(stream);
    return true;
  }

  // Release every cached segment that is entirely free.
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    process_pending();
    release_cached();
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    MemoryStats s = st_;
    s.cached_blocks = (int64_t)(small_.size() + large_.size());
    return s;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mu_);
    st_.peak_allocated = st_.allocated;
    st_.peak_reserved = st_.reserved;
  }
  void reset_accumulated() {
    std::lock_guard<std::mutex> lock(mu_);
    st_.num_allocs = st_.num_frees = st_.num_segments = st_.num_cache_hits = 0;
    st_.num_alloc_retries = st_.num_ooms = st_.num_segment_frees = 0;
  }
  // (stream, size, allocated) of every block, segment by segment: for tests and memory_summary.
  struct BlockInfo { intptr_t stream; size_t size; bool allocated; bool segment_start; };
  std::vector<BlockInfo> snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<BlockInfo> out;
    for (Block* seg : segments_)
      for (Block* b = seg; b; b = b->next) out.push_back({b->stream, b->size, b->allocated, b == seg});
    return out;
  }
  Backend& backend() { return be_; }

 private:
  struct Block {
    void* ptr = nullptr;
    size_t size = 0, requested = 0;
    intptr_t stream = 0;
    bool small = true, allocated = false;
    Block *prev = nullptr, *next = nullptr;  // neighbours inside one segment
    std::vector<intptr_t> uses;              // other streams that used it (record_stream)
    int pending_events = 0;
    intptr_t reuse_event = 0;                // recorded on `stream` when another stream wants it
  };
  struct Cmp {
    bool operator()(const Block* a, const Block* b) const {
      if (a->stream != b->stream) return a->stream < b->stream;
      if (a->size != b->size) return a->size < b->size;
      return (uintptr_t)a->ptr < (uintptr_t)b->ptr;
    }
  };
  using Pool = std::set<Block*, Cmp>;

  // Best-fit free block of `stream`.
  Block* take_own(Pool& pool, intptr_t stream, size_t size) {
    Block key;
    key.stream = stream;
    key.size = size;
    key.ptr = nullptr;
    auto it = pool.lower_bound(&key);
    if (it == pool.end() || (*it)->stream != stream) return nullptr;
    Block* b = *it;
    pool.erase(it);
    drop_reuse_event(b);
    return b;
  }

  // A free block of another stream whose queued work has completed.
  Block* take_foreign(Pool& pool, intptr_t stream, size_t size) {
    Block* best = nullptr;
    for (Block* b : pool) {
      if (b->stream == stream || b->size < size) continue;
      if (b->reuse_event == 0) b->reuse_event = be_.event_record(b->stream);
      if (!be_.event_done(b->reuse_event)) continue;
      if (!best || b->size < best->size) best = b;
    }
    if (!best) return nullptr;
    pool.erase(best);
    drop_reuse_event(best);
    best->stream = stream;
    return best;
  }

  void drop_reuse_event(Block* b) {
    if (b->reuse_event) be_.event_free(b->reuse_event);
    b->reuse_event = 0;
  }

  Block* new_segment(size_t size, intptr_t stream, bool small, size_t nbytes, const char* op) {
    const size_t seg = segment_size_for(size);
    void* p = be_.raw_alloc(seg);
    if (!p) {  // free the cache and retry
      ++st_.num_alloc_retries;
      release_cached();
      p = be_.raw_alloc(seg);
    }
    if (!p) {  // wait for in-flight frees (record_stream) to land, then retry once more
      be_.synchronize();
      process_pending();
      release_cached();
      p = be_.raw_alloc(seg);
    }
    if (!p) {
      ++st_.num_ooms;
      int64_t free_b = 0, total_b = 0;
      be_.mem_info(&free_b, &total_b);
      throw Error(ErrorKind::OutOfMemory,
                  std::string("[") + op + "] CUDA out of memory. Tried to allocate " + format_bytes((int64_t)nbytes) +
                      " (a segment of " + format_bytes((int64_t)seg) + "). GPU " + std::to_string(device_) +
                      " has a total capacity of " + format_bytes(total_b) + " of which " + format_bytes(free_b) +
                      " is free. ember has " + format_bytes(st_.allocated) + " allocated and " +
                      format_bytes(st_.reserved - st_.allocated) + " reserved but unallocated.");
    }
    Block* b = new Block();
    b->ptr = p;
    b->size = seg;
    b->stream = stream;
    b->small = small;
    segments_.push_back(b);
    st_.reserved += (int64_t)seg;
    st_.peak_reserved = std::max(st_.peak_reserved, st_.reserved);
    ++st_.num_segments;
    return b;
  }

  // Keep the first `size` bytes of b; the rest becomes a free block of the same segment.
  void split(Block* b, size_t size, Pool& pool) {
    const size_t rem = b->size - size;
    const bool worth = b->small ? rem >= kMinBlockSize : rem > kSmallSize;
    if (!worth) return;
    Block* r = new Block();
    r->ptr = static_cast<char*>(b->ptr) + size;
    r->size = rem;
    r->stream = b->stream;
    r->small = b->small;
    r->prev = b;
    r->next = b->next;
    if (b->next) b->next->prev = r;
    b->next = r;
    b->size = size;
    pool.insert(r);
  }

  bool mergeable(const Block* n, const Block* b) const {
    return n && !n->allocated && n->pending_events == 0 && n->stream == b->stream;
  }

  // b is no longer in use: merge with free neighbours and put it in its stream's pool.
  void release_block(Block* b) {
    Pool& pool = b->small ? small_ : large_;
    b->allocated = false;
    if (mergeable(b->prev, b)) {
      Block* p = b->prev;
      pool.erase(p);
      drop_reuse_event(p);
      b->ptr = p->ptr;
      b->size += p->size;
      b->prev = p->prev;
      if (b->prev) b->prev->next = b;
      replace_segment_head(p, b);
      delete p;
    }
    if (mergeable(b->next, b)) {
      Block* n = b->next;
      pool.erase(n);
      drop_reuse_event(n);
      b->size += n->size;
      b->next = n->next;
      if (b->next) b->next->prev = b;
      delete n;
    }
    drop_reuse_event(b);
    pool.insert(b);
  }

  void replace_segment_head(Block* old_head, Block* new_head) {
    for (auto& s : segments_)
      if (s == old_head) { s = new_head; return; }
  }

  void process_pending() {
    for (size_t i = 0; i < pending_.size();) {
      auto [ev, b] = pending_[i];
      if (!be_.event_done(ev)) { ++i; continue; }
      be_.event_free(ev);
      pending_[i] = pending_.back();
      pending_.pop_back();
      if (--b->pending_events == 0) {
        --st_.pending_blocks;
        release_block(b);
      }
    }
  }

  void release_cached() {
    for (Pool* pool : {&small_, &large_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev || b->next) { ++it; continue; }  // part of a segment still in use
        it = pool->erase(it);
        drop_reuse_event(b);
        be_.raw_free(b->ptr);
        st_.reserved -= (int64_t)b->size;
        ++st_.num_segment_frees;
        segments_.erase(std::find(segments_.begin(), segments_.end(), b));
        delete b;
      }
    }
  }

  Backend be_;
  int device_;
  std::mutex mu_;
  Pool small_, large_;
  std::unordered_map<void*, Block*> active_;
  std::vector<std::pair<intptr_t, Block*>> pending_;
  std::vector<Block*> segments_;  // the first block of each segment
  MemoryStats st_;
};

}  // namespace ember::cuda
