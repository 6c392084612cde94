// iter.h — the strided N-operand loop behind every elementwise kernel (PyTorch's
// TensorIterator, in small). Operands are viewed at a common shape (broadcast dims get stride
// 0), dims are coalesced where all operands allow it, and the body is called on 1-D runs:
//   body(char** ptrs, const int64_t* byte_strides, int64_t n)
// Operand 0 is by convention the output. Work is split across threads above a grain size.
#pragma once
#include <array>
#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember {

constexpr int kMaxIterDims = 16;
constexpr int kMaxIterOps = 5;

// Tag for the CUDA backend: build the iterator over device tensors (the CPU constructors
// refuse them, see the device guard in tensor.h).
struct AnyDeviceTag {};

struct StridedIter {
  int ndim = 0, nops = 0;
  int64_t shape[kMaxIterDims];                  // innermost dim first
  int64_t strides[kMaxIterDims][kMaxIterOps];   // bytes, [dim][operand]
  char* base[kMaxIterOps];
  int64_t numel = 1;

  // `ops` are viewed at `shape` (each must be broadcastable to it).
  StridedIter(const Shape& shape, std::initializer_list<const Tensor*> ops);
  StridedIter(const Shape& shape, const Tensor* const* ops, int nops);
  // Same layout computation for tensors on any (one) device; base pointers are device addresses.
  StridedIter(const Shape& shape, std::initializer_list<const Tensor*> ops, AnyDeviceTag);

  bool is_contiguous_1d() const;  // one coalesced dim where every operand is dense or stride-0

  template <class F>
  void for_each(const F& body, int64_t grain = kGrainSize) const {
    if (numel == 0) return;
    if (ndim <= 1) {
      int64_t st[kMaxIterOps];
      for (int k = 0; k < nops; ++k) st[k] = ndim ? strides[0][k] : 0;
      int64_t n = ndim ? shape[0] : 1;
      parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
        char* p[kMaxIterOps];
        for (int k = 0; k < nops; ++k) p[k] = base[k] + b * st[k];
        body(p, st, e - b);
      });
      return;
    }
    parallel_for(0, numel, grain, [&](int64_t b, int64_t e) { run_range(body, b, e); });
  }

 private:
  void init(const Shape& shape, const Tensor* const* ops, int nops);
  template <class F>
  void run_range(const F& body, int64_t b, int64_t e) const {
    int64_t idx[kMaxIterDims];
    int64_t rem = b;
    for (int d = 0; d < ndim; ++d) { idx[d] = rem % shape[d]; rem /= shape[d]; }
    int64_t st0[kMaxIterOps];
    for (int k = 0; k < nops; ++k) st0[k] = strides[0][k];
    char* p[kMaxIterOps];
    while (b < e) {
      for (int k = 0; k < nops; ++k) {
        int64_t off = 0;
        for (int d = 0; d < ndim; ++d) off += idx[d] * strides[d][k];
        p[k] = base[k] + off;
      }
      int64_t n = std::min(shape[0] - idx[0], e - b);
      body(p, st0, n);
      b += n;
      idx[0] += n;
      for (int d = 0; d < ndim - 1 && idx[d] == shape[d]; ++d) { idx[d] = 0; idx[d + 1]++; }
    }
  }
};

}  // namespace ember
