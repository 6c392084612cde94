// alias.h — 4K aliasing between a loop's loads and its stores.
// Loops that load an input at the index they store (streaming stores above all) stall when the input
// lies a little below the output modulo 4 KiB: each load matches, in its low 12 address bits, a store a
// few iterations earlier and waits for it. numpy's large buffers start 16 bytes past a page and ember's
// 64, so x from numpy against a fresh ember output hits it (log_softmax's streaming loop: 20.1 ms
// instead of 11.2; layer_norm forward 5.96 ms instead of 2.94-3.06; a 4096^2 add 10.0 instead of 5.7).
#pragma once
#include <cstdint>

namespace ember {

// True when `src` lies within 512 bytes below `dst` modulo 4 KiB: such a loop then runs backwards (its
// earlier stores lie above its loads).
inline bool alias_below(const void* src, const void* dst) {
  return src && ((reinterpret_cast<uintptr_t>(src) - reinterpret_cast<uintptr_t>(dst)) & 4095) >= 4096 - 512;
}

// f(i) for the 8-float vectors at i = h, h + 8, ... below h + (n - h) / 8 * 8, backwards when `back`;
// returns where the scalar tail starts.
template <class F>
inline int64_t vec_range8(int64_t h, int64_t n, bool back, F f) {
  const int64_t end = h + (n - h) / 8 * 8;
  if (back) for (int64_t i = end - 8; i >= h; i -= 8) f(i);
  else for (int64_t i = h; i < end; i += 8) f(i);
  return end;
}

}  // namespace ember
