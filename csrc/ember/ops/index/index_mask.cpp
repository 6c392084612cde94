// index_mask.cpp — nonzero, masked_select, masked_scatter_ (row-major compaction: per-chunk counts,
// prefix sums, then every chunk writes its own slice of the output in parallel) and masked_fill_.
#include "ember/ops/index/index.h"
#include "ember/ops/index/index_common.h"

namespace ember {
using namespace idx;

Tensor nonzero(const Tensor& self) {
  check_ndim(self, "nonzero");
  Shape shape = self.sizes();
  int64_t nd = self.dim(), n = self.numel();
  Tensor flags = nonzero_flags(self, shape);
  int64_t chunk = compaction_chunk(n);
  std::vector<int64_t> off = chunk_offsets(flags, chunk);
  int64_t total = off.back();
  Tensor out = Tensor::empty({total, nd}, DType::Int64);
  if (total == 0 || nd == 0) return out;
  const bool* f = flags.data<bool>();
  int64_t* o = out.data<int64_t>();
  Shape unit(nd, 0);
  int64_t chunks = (int64_t)off.size() - 1;
  parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t lo = c * chunk, hi = std::min(n, lo + chunk), w = off[c] * nd;
      RowMajorWalker it(shape, unit, lo);
      if (reference()) {
        for (int64_t i = lo; i < hi; ++i, it.next())
          if (f[i]) { for (int64_t d = 0; d < nd; ++d) o[w + d] = it.coord[d]; w += nd; }
        continue;
      }
      // Branch-free: always write, advance on true; stop once this chunk's slice is full.
      // The last coordinate runs in a tight loop; the walker only carries into outer dims.
      const int64_t end = off[c + 1] * nd, last = shape[nd - 1];
      int64_t j = it.coord[nd - 1], i = lo;
      while (i < hi && w < end) {
        int64_t stop = std::min(hi, i + (last - j));
        for (; i < stop && w < end; ++i, ++j) {
          for (int64_t d = 0; d < nd - 1; ++d) o[w + d] = it.coord[d];
          o[w + nd - 1] = j;
          w += f[i] * nd;
        }
        if (j == last) { it.coord[nd - 1] = last - 1; it.next(); j = 0; }
      }
    }
  });
  return out;
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  const char* op = "masked_select";
  EMBER_CHECK(mask.dtype() == DType::Bool, op, "expected BoolTensor for mask, got ", dtype_name(mask.dtype()));
  Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), op);
  EMBER_CHECK((int64_t)shape.size() <= kMaxIterDims, op, "tensors with more than ", kMaxIterDims,
              " dimensions are not supported");
  Tensor src = expand(self, shape);
  Tensor flags = nonzero_flags(mask, shape);
  int64_t n = flags.numel(), chunk = compaction_chunk(n);
  std::vector<int64_t> off = chunk_offsets(flags, chunk);
  Tensor out = Tensor::empty({off.back()}, self.dtype());
  if (off.back() == 0) return out;
  const bool* f = flags.data<bool>();
  int64_t chunks = (int64_t)off.size() - 1;
  const bool ref = reference(), contig = src.is_contiguous();
  EMBER_DISPATCH_BYTES(self.dtype(), op, [&] {
    const scalar_t* s = src.data<scalar_t>();
    scalar_t* o = out.data<scalar_t>();
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t lo = c * chunk, hi = std::min(n, lo + chunk), w = off[c], end = off[c + 1];
        if (!ref && contig) {  // branch-free compaction inside this chunk's slice
          for (int64_t i = lo; i < hi && w < end; ++i) { o[w] = s[i]; w += f[i]; }
          continue;
        }
        RowMajorWalker it(shape, src.strides(), lo);
        for (int64_t i = lo; i < hi; ++i, it.next()) if (f[i]) o[w++] = s[it.off];
      }
    });
  });
  return out;
}

void masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source) {
  const char* op = "masked_scatter_";
  EMBER_CHECK(mask.dtype() == DType::Bool, op, "only supports boolean masks, but got mask with dtype ",
              dtype_name(mask.dtype()));
  EMBER_CHECK(source.dtype() == self.dtype(), op, "expected self and source to have same dtypes but got ",
              dtype_name(self.dtype()), " and ", dtype_name(source.dtype()));
  EMBER_CHECK(broadcast_shapes(self.sizes(), mask.sizes(), op) == self.sizes(), op, "mask of shape ",
              shape_str(mask.sizes()), " cannot be broadcast to self of shape ", shape_str(self.sizes()));
  check_ndim(self, op);
  const Shape& shape = self.sizes();
  Tensor flags = nonzero_flags(mask, shape);
  int64_t n = flags.numel(), chunk = compaction_chunk(n);
  std::vector<int64_t> off = chunk_offsets(flags, chunk);
  EMBER_CHECK(source.numel() >= off.back(), op, "Number of elements of source < number of ones in mask (",
              source.numel(), " < ", off.back(), ")");
  if (off.back() == 0) return;
  Tensor src = contiguous(source);
  if (may_overlap(src, self)) src = clone(src);
  const bool* f = flags.data<bool>();
  int64_t chunks = (int64_t)off.size() - 1;
  EMBER_DISPATCH_BYTES(self.dtype(), op, [&] {
    const scalar_t* s = src.data<scalar_t>();
    scalar_t* d = self.data<scalar_t>();
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t lo = c * chunk, hi = std::min(n, lo + chunk), r = off[c];
        RowMajorWalker it(shape, self.strides(), lo);
        for (int64_t i = lo; i < hi; ++i, it.next()) if (f[i]) d[it.off] = s[r++];
      }
    });
  });
  self.bump_version();
}

void masked_fill_tensor_(const Tensor& self, const Tensor& mask, const Tensor& value) {
  const char* op = "masked_fill_";
  EMBER_CHECK(mask.dtype() == DType::Bool, op, "only supports boolean masks, but got mask with dtype ",
              dtype_name(mask.dtype()));
  EMBER_CHECK(value.dim() == 0, op, "only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
  EMBER_CHECK(broadcast_shapes(self.sizes(), mask.sizes(), op) == self.sizes(), op, "mask of shape ",
              shape_str(mask.sizes()), " cannot be broadcast to self of shape ", shape_str(self.sizes()));
  Tensor v = to_dtype(value, self.dtype(), true);  // own copy: value may alias self
  if (self.numel() == 0) return;
  StridedIter it(self.sizes(), {&self, &mask});
  EMBER_DISPATCH_BYTES(self.dtype(), op, [&] {
    scalar_t x = *v.data<scalar_t>();
    const bool ref = reference();
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      if (!ref && s[0] == sizeof(scalar_t) && s[1] == 1) {  // contiguous: a branch-free select
        scalar_t* d = (scalar_t*)p[0];
        const bool* m = (const bool*)p[1];
        for (int64_t i = 0; i < n; ++i) {
          scalar_t sel = scalar_t(0) - scalar_t(m[i] != 0);  // all ones where the mask is set
          d[i] = scalar_t((d[i] & ~sel) | (x & sel));
        }
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        if (*(const bool*)(p[1] + i * s[1])) *(scalar_t*)(p[0] + i * s[0]) = x;
    }, reference() ? INT64_MAX : kGrainSize);
  });
  self.bump_version();
}

void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value) {
  masked_fill_tensor_(self, mask, scalar_tensor(value, self.dtype()));
}

}  // namespace ember
