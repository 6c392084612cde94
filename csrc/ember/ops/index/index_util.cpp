// index_util.cpp — index validation and the helpers shared by the index family (index_common.h).
#include <mutex>
#include "ember/core/fill.h"
#include "ember/ops/index/index_common.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/index/index_cuda.h"
#endif

namespace ember::idx {

Tensor index_to_long(const Tensor& index, const char* op, bool allow_int32, ErrorKind kind) {
  if (index.dtype() == DType::Int64) return index;
  if (allow_int32 && index.dtype() == DType::Int32) return to_dtype(index, DType::Int64);
  if (kind == ErrorKind::Index)
    EMBER_FAIL_KIND(Index, op, "Expected dtype int64", allow_int32 ? " or int32" : "", " for index, but got ",
                    dtype_name(index.dtype()));
  EMBER_FAIL(op, "Expected dtype int64", allow_int32 ? " or int32" : "", " for index, but got ", dtype_name(index.dtype()));
}

void check_bounds(const Tensor& index, int64_t size, int64_t dim, bool allow_negative, const char* op, ErrorKind kind) {
  if (index.numel() == 0) return;
  check_ndim(index, op);
  const int64_t lo = allow_negative ? -size : 0;
#ifdef EMBER_WITH_CUDA
  if (index.device().is_cuda()) {  // checked on the device, the first bad value read back (one sync)
    int64_t v = 0;
    if (cuda::index_find_out_of_bounds(index, lo, size, &v, op))
      detail::fail(kind, op, "index ", v, " is out of bounds for dimension ", dim, " with size ", size);
    return;
  }
#endif
  std::atomic<bool> bad{false};
  StridedIter it(index.sizes(), {&index});
  it.for_each([&](char** p, const int64_t* s, int64_t n) {
    bool b = false;
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = *(const int64_t*)(p[0] + i * s[0]);
      b |= (v < lo) | (v >= size);
    }
    if (b) bad.store(true, std::memory_order_relaxed);
  }, reference() ? INT64_MAX : kGrainSize);
  if (!bad.load()) return;
  // Report the first offending value in row-major order (deterministic message).
  RowMajorWalker w(index.sizes(), index.strides(), 0);
  const int64_t* base = index.data<int64_t>();
  for (int64_t i = 0, n = index.numel(); i < n; ++i, w.next()) {
    int64_t v = base[w.off];
    if (v < lo || v >= size)
      detail::fail(kind, op, "index ", v, " is out of bounds for dimension ", dim, " with size ", size);
  }
}

Tensor nonzero_flags(const Tensor& t, const Shape& shape) {
  if (t.dtype() == DType::Bool && t.sizes() == shape && t.is_contiguous()) return t;  // already 0/1 flags
  if (!t.device().is_cpu()) {  // the device's cast (to bool is != 0) with broadcasting
    Tensor flags = Tensor::empty(shape, DType::Bool, t.device());
    if (flags.numel()) copy_(flags, t);
    return flags;
  }
  Tensor flags = Tensor::empty(shape, DType::Bool);
  if (flags.numel() == 0) return flags;
  StridedIter it(shape, {&flags, &t});
  EMBER_DISPATCH_ALL(t.dtype(), "nonzero", [&] {
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        auto v = static_cast<compute_t<scalar_t>>(*(const scalar_t*)(p[1] + i * s[1]));
        *(bool*)(p[0] + i * s[0]) = v != compute_t<scalar_t>(0);
      }
    }, reference() ? INT64_MAX : kGrainSize);
  });
  return flags;
}

std::vector<int64_t> chunk_offsets(const Tensor& flags, int64_t chunk) {
  int64_t n = flags.numel(), chunks = (n + chunk - 1) / chunk;
  std::vector<int64_t> off(chunks + 1, 0);
  const bool* f = flags.data<bool>();
  parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t cnt = 0, hi = std::min(n, (c + 1) * chunk);
      for (int64_t i = c * chunk; i < hi; ++i) cnt += f[i];
      off[c + 1] = cnt;
    }
  });
  for (int64_t c = 0; c < chunks; ++c) off[c + 1] += off[c];
  return off;
}

Tensor scalar_tensor(const Scalar& v, DType dt, Device dev) {
  Tensor t = Tensor::empty({}, dt, dev);
  fill_(t, v);
  return t;
}

Scalar host_scalar_of(const Tensor& t) {
  Scalar s;
  EMBER_DISPATCH_ALL(t.dtype(), "index", [&] {
    scalar_t v = *t.data<scalar_t>();
    if constexpr (std::is_same_v<scalar_t, bool>) s = Scalar(v);
    else if constexpr (std::is_integral_v<scalar_t>) s = Scalar((int64_t)v);
    else s = Scalar((double)(compute_t<scalar_t>)v);
  });
  return s;
}

Tensor on_device(const Tensor& t, Device dev) {
  if (t.device() == dev) return t;
  Tensor r = Tensor::empty(t.sizes(), t.dtype(), dev);
  if (r.numel() == 1 && t.device().is_cpu()) fill_(r, host_scalar_of(t));  // one host value: a fill, no copy/sync
  else if (r.numel()) copy_(r, t);
  return r;
}

Tensor index_on_device_of(const Tensor& ix, const Tensor& self, const char* op) {
  if (ix.device() == self.device()) return ix;
  EMBER_CHECK(ix.device().is_cpu(), op, "indices should be either on cpu or on the same device as the indexed tensor (",
              self.device().str(), ")");
  return on_device(ix, self.device());
}

}  // namespace ember::idx
