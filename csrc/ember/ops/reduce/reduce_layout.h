// reduce_layout.h — how a reduction walks its input. The input's dims are split into kept
// (output) dims and reduced dims; each group drops size-1 dims, may be reordered by stride
// (innermost = smallest stride, LAST) and is coalesced. Strides are in elements. The output
// (and any per-output auxiliary tensor, e.g. the mean for var) is addressed with `kout`.
#pragma once
#include <vector>
#include "ember/core/iter.h"
#include "ember/core/tensor.h"

namespace ember {

struct ReduceLayout {
  int nk = 0, nr = 0;                       // kept / reduced dims after coalescing
  int64_t ksize[kMaxIterDims], kin[kMaxIterDims], kout[kMaxIterDims];
  int64_t rsize[kMaxIterDims], rin[kMaxIterDims];
  int64_t nout = 1, nred = 1;

  // Offsets (elements) of kept position `o` (row-major over kept dims) in the input and output.
  inline void kept_offsets(int64_t o, int64_t& in_off, int64_t& out_off) const {
    in_off = 0; out_off = 0;
    for (int d = nk - 1; d >= 0; --d) {
      int64_t i = o % ksize[d]; o /= ksize[d];
      in_off += i * kin[d]; out_off += i * kout[d];
    }
  }
  // Input offset of reduced line `line` (row-major over all reduced dims but the innermost).
  inline int64_t line_offset(int64_t line) const {
    int64_t off = 0;
    for (int d = nr - 2; d >= 0; --d) { int64_t i = line % rsize[d]; line /= rsize[d]; off += i * rin[d]; }
    return off;
  }
};

// `mask[d]` marks reduced dims of `in`; `out` has the keepdim shape. With `reorder` false the
// reduced dims keep their logical order (needed when an index into the reduced space is returned).
ReduceLayout make_reduce_layout(const Tensor& in, const std::vector<bool>& mask, const Tensor& out, bool reorder);

}  // namespace ember
