#include "ember/core/iter.h"

namespace ember {

StridedIter::StridedIter(const Shape& shape, std::initializer_list<const Tensor*> ops) {
  init(shape, ops.begin(), (int)ops.size());
}
StridedIter::StridedIter(const Shape& shape, const Tensor* const* ops, int n) { init(shape, ops, n); }

void StridedIter::init(const Shape& out_shape, const Tensor* const* ops, int n) {
  EMBER_CHECK(n <= kMaxIterOps, "iter", "too many operands");
  EMBER_CHECK((int64_t)out_shape.size() <= kMaxIterDims, "iter", "tensors with more than ", kMaxIterDims,
              " dimensions are not supported");
  nops = n;
  int nd = (int)out_shape.size();
  numel = shape_numel(out_shape);
  for (int k = 0; k < n; ++k) base[k] = static_cast<char*>(ops[k]->data_ptr());
  // Fill innermost-first, with broadcast dims at stride 0; drop size-1 dims.
  ndim = 0;
  for (int d = nd - 1; d >= 0; --d) {
    if (out_shape[d] == 1) continue;
    shape[ndim] = out_shape[d];
    for (int k = 0; k < n; ++k) {
      const Tensor& t = *ops[k];
      int td = d - (nd - (int)t.dim());
      int64_t s = (td < 0 || t.sizes()[td] == 1) ? 0 : t.strides()[td];
      strides[ndim][k] = s * (int64_t)t.itemsize();
    }
    ++ndim;
  }
  // Coalesce dim d+1 into d when every operand steps contiguously across them.
  int w = 0;
  for (int d = 1; d < ndim; ++d) {
    bool ok = true;
    for (int k = 0; k < n && ok; ++k) ok = strides[d][k] == strides[w][k] * shape[w];
    if (ok) {
      shape[w] *= shape[d];
    } else {
      ++w;
      shape[w] = shape[d];
      for (int k = 0; k < n; ++k) strides[w][k] = strides[d][k];
    }
  }
  if (ndim > 0) ndim = w + 1;
}

bool StridedIter::is_contiguous_1d() const { return ndim <= 1; }

}  // namespace ember
