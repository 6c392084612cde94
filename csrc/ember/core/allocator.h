// allocator.h — the CPU caching allocator. Blocks are 64-byte aligned and rounded to size
// classes (multiples of 64 B below 4 KiB, then four classes per power of two); a freed block
// goes to its class's free list and is handed out again, so a large op output reuses
// already-faulted pages instead of paying a page fault per 4 KiB on every op.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ember {

struct AllocatorStats {
  int64_t allocated = 0;   // bytes handed out and not yet freed
  int64_t reserved = 0;    // allocated + cached
  int64_t peak_allocated = 0;
  int64_t num_allocs = 0, num_cache_hits = 0;
};

namespace cpu_allocator {
size_t round_size(size_t nbytes);       // the class size a request is served with
void* allocate(size_t nbytes);          // nbytes must be a class size (round_size)
void deallocate(void* p, size_t nbytes);
void empty_cache();                     // return every cached block to the system
AllocatorStats stats();
void set_cache_limit(int64_t bytes);    // cached bytes beyond this are released (default 8 GiB)
}  // namespace cpu_allocator

}  // namespace ember
