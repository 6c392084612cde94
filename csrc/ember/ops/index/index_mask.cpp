// index_mask.cpp — nonzero, masked_select, masked_scatter_ (row-major compaction: per-chunk counts,
// prefix sums, then every chunk writes its own slice of the output in parallel) and masked_fill_.
#include "ember/core/fill.h"
#include "ember/ops/index/index.h"
#include "ember/ops/index/index_common.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/index/index_cuda.h"
#endif

namespace ember {
using namespace idx;

Tensor nonzero(const Tensor& self) {
  check_ndim(self, "nonzero");
  Shape shape = self.sizes();
  int64_t nd = self.dim(), n = self.numel();
  Tensor flags = nonzero_flags(self, shape);
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {  // scan of the flags, the count read back (one sync), then the writes
    int64_t total = 0;
    Tensor scan = cuda::index_flag_scan(flags, &total, "nonzero");
    Tensor out = Tensor::empty({total, nd}, DType::Int64, self.device());
    if (total && nd) cuda::index_nonzero_write(out, flags, scan, shape, "nonzero");
    return out;
  }
#endif
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
  check_same_device(op, self, mask);
  Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), op);
  EMBER_CHECK((int64_t)shape.size() <= kMaxIterDims, op, "tensors with more than ", kMaxIterDims,
              " dimensions are not supported");
  Tensor src = expand(self, shape);
  Tensor flags = nonzero_flags(mask, shape);
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {
    int64_t total = 0;
    Tensor scan = cuda::index_flag_scan(flags, &total, op);
    Tensor out = Tensor::empty({total}, self.dtype(), self.device());
    cuda::index_masked_select_write(out, src, flags, scan, op);
    return out;
  }
#endif
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
  check_same_device(op, self, mask);
  check_same_device(op, self, source);
  EMBER_CHECK(broadcast_shapes(self.sizes(), mask.sizes(), op) == self.sizes(), op, "mask of shape ",
              shape_str(mask.sizes()), " cannot be broadcast to self of shape ", shape_str(self.sizes()));
  check_ndim(self, op);
  const Shape& shape = self.sizes();
  Tensor flags = nonzero_flags(mask, shape);
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {
    int64_t total = 0;
    Tensor scan = cuda::index_flag_scan(flags, &total, op);  // the count is needed for the check below (a sync)
    EMBER_CHECK(source.numel() >= total, op, "Number of elements of source < number of ones in mask (",
                source.numel(), " < ", total, ")");
    if (total == 0) return;
    Tensor src = contiguous(source);
    if (may_overlap(src, self)) src = clone(src);
    cuda::index_masked_scatter_write(self, flags, scan, src, op);
    self.bump_version();
    return;
  }
#endif
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
  check_same_device(op, self, mask);
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {  // the value (a CPU or device 0-d tensor) copied to a device 0-d of self's dtype
    EMBER_CHECK(value.device() == self.device() || value.device().is_cpu(), op, "Expected all tensors to be on the "
                "same device, but found at least two devices, ", self.device().str(), " and ", value.device().str(), "!");
    Tensor v = Tensor::empty({}, self.dtype(), self.device());
    if (value.device().is_cpu()) fill_(v, host_scalar_of(value));  // no host-device copy (and no sync)
    else copy_(v, value);
    if (self.numel()) cuda::index_masked_fill(self, mask, v, op);
    self.bump_version();
    return;
  }
#endif
  EMBER_CHECK(value.device().is_cpu(), op, "masked_fill_ only supports a 0-dimensional value tensor on the cpu for a "
              "cpu tensor, but got a value on ", value.device().str());
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
  check_same_device("masked_fill_", self, mask);  // before the value is made on self's device
  masked_fill_tensor_(self, mask, scalar_tensor(value, self.dtype(), self.device()));
}

}  // namespace ember
