// sort_rows.h — internal row engine of the sort family. A "row" is the 1-D run of elements
// along the op's dim for one index of the other dims (any strides, stride 0 included).
// RowSorter orders one row at a time: the fast path maps values to order-preserving unsigned
// keys (NaN largest, -0.0 == 0.0) and radix-sorts (key, index) pairs, or selects with a
// bounded heap (small k) / nth_element; the reference path is std::stable_sort with a
// NaN-aware comparator on the values (widened to double, int64 as itself).
// Both give the order of a stable sort, so selections pick identical elements.
#pragma once
#include <cstdint>
#include <vector>
#include "ember/core/tensor.h"

namespace ember::sortk {

struct Rows {
  int64_t count = 0;             // number of rows
  int64_t n = 0;                 // elements per row
  int64_t stride = 0;            // element stride within a row
  std::vector<int64_t> off;      // element offset (from data_ptr) of each row's first element
};
// Rows of `t` along `dim` (already wrapped); a 0-d tensor is one row of one element.
Rows rows_of(const Tensor& t, int64_t dim);

// Per-thread worker (holds scratch buffers; create one per parallel chunk).
class RowSorter {
 public:
  RowSorter(DType dtype, bool descending);
  // order[0..m) = indices of the first m elements of the row's stable (descending) order.
  // select_only: only order[m-1] is guaranteed (the element a full sort puts at m-1).
  void order(const char* p, int64_t stride, int64_t n, int64_t m, bool select_only, int64_t* order);

 private:
  DType dtype_;
  bool desc_, ref_;
  Tensor buf_;  // (key, index) pair scratch, from the caching allocator: no page faults per call
};

// Equality keys: order-preserving 64-bit keys where every NaN maps to kNanKey (and
// -0.0 to the key of 0.0). Two elements are "equal" (unique/mode) when keys match and
// the key is not a NaN key of a floating dtype: NaN != NaN, as in PyTorch.
constexpr uint64_t kNanKey = ~uint64_t(0);
void equality_keys(DType dtype, const char* p, int64_t stride, int64_t n, uint64_t* out);
inline bool keys_equal(uint64_t a, uint64_t b, bool floating) { return a == b && !(floating && a == kNanKey); }

// Index of the first NaN in a row (-1 if none, always -1 for non-floating dtypes); count of NaNs.
int64_t first_nan(DType dtype, const char* p, int64_t stride, int64_t n, int64_t* count);

// out[j * ostride] = in[idx[j] * istride] for j < m (pure data movement, any dtype).
void gather_row(DType dtype, const char* in, int64_t istride, const int64_t* idx, int64_t m, char* out,
                int64_t ostride);

// The sort family's device check: CPU tensors always; CUDA tensors in a CUDA build (sort_cuda.h).
inline void check_cpu(const Tensor& t, const char* op) {
#ifdef EMBER_WITH_CUDA
  (void)t;
  (void)op;
#else
  if (t.defined())
    EMBER_CHECK_KIND(t.device().is_cpu(), NotImplemented, op, "not implemented for '",
                     t.device().is_cuda() ? "cuda" : t.device().str(), "' (this ember build has no CUDA support)");
#endif
}

// PyTorch's error when two operands of one op live on different devices.
inline void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  if (a.defined() && b.defined() && a.device() != b.device()) device_mismatch_fail(op, a.device(), b.device());
}

// Rows per parallel task so that each task has about `work` elements.
inline int64_t row_grain(int64_t n, int64_t work = 16384) { return std::max<int64_t>(1, work / std::max<int64_t>(n, 1)); }

}  // namespace ember::sortk
