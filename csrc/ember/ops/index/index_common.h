// index_common.h — shared pieces of the index family: index validation (bounds checked before any
// write), the dim loop behind gather/scatter/index_*, and row-major compaction helpers.
#pragma once
#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#include "ember/core/view.h"

namespace ember::idx {

// A view of `t` with the given sizes and t's own strides (caller guarantees it stays in bounds).
inline Tensor restride(const Tensor& t, const Shape& sizes, const Shape& strides) {
  return Tensor(t.storage(), t.offset(), sizes, strides, t.dtype());
}
inline Tensor at_shape(const Tensor& t, const Shape& sizes) { return restride(t, sizes, t.strides()); }

// 0-d tensors act as 1-element 1-D tensors for dim ops.
inline Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? restride(t, {1}, {1}) : t; }

inline bool reference() { return use_reference_kernels(); }

// Index dtype check + conversion to int64. allow_int32: ops where PyTorch accepts int32 indices.
Tensor index_to_long(const Tensor& index, const char* op, bool allow_int32, ErrorKind kind = ErrorKind::Runtime);

// Throws (kind) "[op] index v is out of bounds for dimension d with size n" unless every value of the
// int64 tensor lies in [-size, size) (negatives allowed) or [0, size).
void check_bounds(const Tensor& index, int64_t size, int64_t dim, bool allow_negative, const char* op, ErrorKind kind);

// The dim loop: for every position of `outer` (dim set to 1) and j < L along dim:
//   f(indexed + k * indexed_dstride, other + j * other_dstride), k = idx[j] (wrapped when negative).
// Each destination element is reached from one outer position only, so outer positions are split
// across threads without races, and per destination the j order is fixed (deterministic sums).
struct DimLoop {
  Shape outer;
  Tensor indexed, other, idx;  // viewed at `outer`
  int64_t L = 0, indexed_dstride = 0, other_dstride = 0, idx_dstride = 0;  // bytes
  int64_t size = 0;                                                       // indexed dim size
};

template <class F>
void run_dim_loop(const DimLoop& d, const F& f, bool parallel = true) {
  if (d.L == 0 || shape_numel(d.outer) == 0) return;
  StridedIter it(d.outer, {&d.indexed, &d.other, &d.idx});
  int64_t grain = (parallel && !reference()) ? std::max<int64_t>(1, kGrainSize / d.L) : INT64_MAX;
  const int64_t L = d.L, ids = d.idx_dstride, ods = d.other_dstride, xds = d.indexed_dstride, size = d.size;
  it.for_each([&](char** p, const int64_t* s, int64_t n) {
    auto one = [&](int64_t i, int64_t j) {
      int64_t k = *(const int64_t*)(p[2] + i * s[2] + j * ids);
      if (k < 0) k += size;
      f(p[0] + i * s[0] + k * xds, p[1] + i * s[1] + j * ods);
    };
    // Loop order follows memory: walk the smaller stride innermost.
    if (std::abs(ods) < std::abs(s[1]) || (ods == 0 && s[1] == 0 && std::abs(ids) < std::abs(s[2]))) {
      for (int64_t i = 0; i < n; ++i) {  // row pointers hoisted: the gather/scatter along the last dim
        char* x = p[0] + i * s[0];
        char* o = p[1] + i * s[1];
        const char* ip = p[2] + i * s[2];
        for (int64_t j = 0; j < L; ++j) {
          int64_t k = *(const int64_t*)(ip + j * ids);
          k += (k < 0) ? size : 0;
          f(x + k * xds, o + j * ods);
        }
      }
    } else if (s[2] == 0) {  // one index per j for the whole run (index_select / index_add_ pattern)
      for (int64_t j = 0; j < L; ++j) {
        int64_t k = *(const int64_t*)(p[2] + j * ids);
        if (k < 0) k += size;
        char* x = p[0] + k * xds;
        char* o = p[1] + j * ods;
        for (int64_t i = 0; i < n; ++i) f(x + i * s[0], o + i * s[1]);
      }
    } else {
      for (int64_t j = 0; j < L; ++j) for (int64_t i = 0; i < n; ++i) one(i, j);
    }
  }, grain);
}

inline void check_ndim(const Tensor& t, const char* op) {
  EMBER_CHECK(t.dim() <= kMaxIterDims, op, "tensors with more than ", kMaxIterDims, " dimensions are not supported (got ",
              t.dim(), ")");
}

// indexed[k] = other (accumulate: +=) over a dim loop; used by index_put_'s single-index fast path.
void dim_loop_put(const DimLoop& d, bool accumulate, const char* op);

// Walks positions of a shape in row-major order keeping the element offset of one strided tensor.
struct RowMajorWalker {
  int nd;
  int64_t coord[kMaxIterDims];
  const int64_t *sizes, *strides;
  int64_t off = 0;
  RowMajorWalker(const Shape& sz, const Shape& st, int64_t linear) : nd((int)sz.size()), sizes(sz.data()), strides(st.data()) {
    for (int d = nd - 1; d >= 0; --d) {
      coord[d] = sz[d] ? linear % sz[d] : 0;
      linear = sz[d] ? linear / sz[d] : 0;
      off += coord[d] * st[d];
    }
  }
  void next() {
    for (int d = nd - 1; d >= 0; --d) {
      off += strides[d];
      if (++coord[d] < sizes[d]) return;
      off -= coord[d] * strides[d];
      coord[d] = 0;
    }
  }
};

// Fixed chunking of [0, n) for the compaction ops (nonzero, masked_select, masked_scatter_).
inline int64_t compaction_chunk(int64_t n) { return reference() ? std::max<int64_t>(n, 1) : std::max<int64_t>(kGrainSize, 1); }

// Contiguous bool flags (v != 0) of `t` at shape `shape` (t broadcast to it).
Tensor nonzero_flags(const Tensor& t, const Shape& shape);
// Per-chunk counts of true flags and their exclusive prefix sums (size chunks + 1).
std::vector<int64_t> chunk_offsets(const Tensor& flags, int64_t chunk);

// Writes a Python number into a 0-d tensor of dtype `dt` on `dev` and returns it (for byte-level fills).
Tensor scalar_tensor(const Scalar& v, DType dt, Device dev = Device());

// PyTorch's "Expected all tensors to be on the same device" unless `t` is on `self`'s device.
inline void check_same_device(const char* op, const Tensor& self, const Tensor& t) {
  if (t.device() != self.device()) device_mismatch_fail(op, self.device(), t.device());
}
// The single element of a CPU tensor as a Scalar (bool, int64 or double).
Scalar host_scalar_of(const Tensor& t);
// `t` on `dev` (a copy when it lives elsewhere; a one-element CPU tensor becomes a device fill).
Tensor on_device(const Tensor& t, Device dev);
// Index tensors of advanced indexing: a CPU index may index a CUDA tensor (moved to its device), as in
// PyTorch; an index on another device raises.
Tensor index_on_device_of(const Tensor& ix, const Tensor& self, const char* op);

}  // namespace ember::idx
