// index_adv.cpp — advanced indexing (self[idx0, :, idx2] with integer tensors / bool masks),
// index_put_, take and put_. Each index is bounds-checked and folded into one int64 tensor of
// element offsets over the broadcast index shape B; the gather/put kernels then read
// src[pos] + offs[b] over the result shape R, where `src` is viewed at R with stride 0 on B's dims.
#include "ember/ops/index/index.h"
#include "ember/ops/index/index_common.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/index/index_cuda.h"
#endif

namespace ember {
using namespace idx;

namespace {

struct AdvPlan {
  Shape R;           // result shape
  Tensor base_r;     // self viewed at R (stride 0 on the index dims)
  Tensor offs_r;     // element offsets viewed at R (stride 0 on the other dims)
};

// Expand bool masks into integer index tensors (one per mask dim) and check dtypes / shapes.
std::vector<OptTensor> expand_masks(const Tensor& self, const std::vector<OptTensor>& indices, const char* op) {
  std::vector<OptTensor> out;
  int64_t d = 0;
  for (const auto& ix : indices) {
    if (!ix) { out.push_back(std::nullopt); ++d; continue; }
    const Tensor& t = *ix;
    if (t.dtype() == DType::Bool || t.dtype() == DType::UInt8) {
      EMBER_CHECK_INDEX(d + t.dim() <= self.dim(), op, "too many indices for tensor of dimension ", self.dim());
      for (int64_t k = 0; k < t.dim(); ++k)
        EMBER_CHECK_INDEX(t.sizes()[k] == self.sizes()[d + k], op, "The shape of the mask ", shape_str(t.sizes()),
                          " at index ", k, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                          " at index ", d + k);
      Tensor nz = nonzero(t);
      for (int64_t k = 0; k < t.dim(); ++k) out.push_back(select(nz, 1, k));
      d += t.dim();
    } else {
      EMBER_CHECK_INDEX(t.dtype() == DType::Int64 || t.dtype() == DType::Int32, op,
                        "tensors used as indices must be long, int, byte or bool tensors (got ", dtype_name(t.dtype()), ")");
      out.push_back(t);
      ++d;
    }
  }
  EMBER_CHECK_INDEX((int64_t)out.size() <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(),
                    " (got ", out.size(), ")");
  return out;
}

AdvPlan plan_advanced(const Tensor& self, const std::vector<OptTensor>& indices_, const char* op) {
  std::vector<OptTensor> indices = expand_masks(self, indices_, op);
  std::vector<int64_t> pos;
  Shape B;
  bool first = true;
  for (size_t d = 0; d < indices.size(); ++d) {
    if (!indices[d]) continue;
    pos.push_back((int64_t)d);
    if (first) { B = indices[d]->sizes(); first = false; continue; }
    // numpy broadcasting, with PyTorch's message
    const Shape& s = indices[d]->sizes();
    Shape nb(std::max(B.size(), s.size()));
    bool ok = true;
    for (size_t i = 0; i < nb.size(); ++i) {
      int64_t a = i < nb.size() - B.size() ? 1 : B[i - (nb.size() - B.size())];
      int64_t b = i < nb.size() - s.size() ? 1 : s[i - (nb.size() - s.size())];
      ok &= a == b || a == 1 || b == 1;
      nb[i] = a == 1 ? b : a;
    }
    if (!ok) {
      std::ostringstream os;
      for (size_t k = 0; k < indices.size(); ++k) if (indices[k]) os << (os.tellp() ? ", " : "") << shape_str(indices[k]->sizes());
      EMBER_FAIL_KIND(Index, op, "shape mismatch: indexing tensors could not be broadcast together with shapes ", os.str());
    }
    B = nb;
  }
  EMBER_CHECK(!pos.empty(), op, "no index tensors given");
  // Offsets: sum_k wrap(idx_k) * stride(dim_k), bounds-checked first.
  Tensor offs = Tensor::empty(B, DType::Int64, self.device());
  std::vector<Tensor> longs;
  for (int64_t d : pos) {
    Tensor ix = index_to_long(index_on_device_of(*indices[d], self, op), op, true);
    check_bounds(ix, self.sizes()[d], d, true, op, ErrorKind::Index);
    longs.push_back(ix);
  }
  for (size_t k = 0; k < pos.size(); ++k) {
    if (offs.numel() == 0) break;
    int64_t size = self.sizes()[pos[k]], stride = self.strides()[pos[k]];
    bool init = k == 0;
#ifdef EMBER_WITH_CUDA
    if (offs.device().is_cuda()) { cuda::index_accumulate_offsets(offs, longs[k], size, stride, init, op); continue; }
#endif
    StridedIter it(B, {&offs, &longs[k]});
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t v = *(const int64_t*)(p[1] + i * s[1]);
        if (v < 0) v += size;
        int64_t* o = (int64_t*)(p[0] + i * s[0]);
        *o = init ? v * stride : *o + v * stride;
      }
    }, reference() ? INT64_MAX : kGrainSize);
  }
  // Result layout: B in place of adjacent index dims, else B first.
  bool adjacent = pos.back() - pos.front() + 1 == (int64_t)pos.size();
  int64_t insert_at = adjacent ? pos.front() : 0;
  AdvPlan p;
  Shape bst(B.size(), 0), ost = contiguous_strides(B), R, base_st, offs_st;
  Shape rest_sizes, rest_strides;
  std::vector<bool> is_idx(self.dim(), false);
  for (int64_t d : pos) is_idx[d] = true;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d == insert_at && adjacent) {
      R.insert(R.end(), B.begin(), B.end());
      base_st.insert(base_st.end(), bst.begin(), bst.end());
      offs_st.insert(offs_st.end(), ost.begin(), ost.end());
    }
    if (is_idx[d]) continue;
    R.push_back(self.sizes()[d]);
    base_st.push_back(self.strides()[d]);
    offs_st.push_back(0);
  }
  if (!adjacent) {
    R.insert(R.begin(), B.begin(), B.end());
    base_st.insert(base_st.begin(), bst.begin(), bst.end());
    offs_st.insert(offs_st.begin(), ost.begin(), ost.end());
  }
  p.R = R;
  p.base_r = restride(self, R, base_st);
  p.offs_r = restride(offs, R, offs_st);
  return p;
}

void gather_offsets(const Tensor& out, const Tensor& base_r, const Tensor& offs_r) {
  if (out.numel() == 0) return;
#ifdef EMBER_WITH_CUDA
  if (out.device().is_cuda()) { cuda::index_gather_offsets(out, base_r, offs_r, "index"); return; }
#endif
  StridedIter it(out.sizes(), {&out, &base_r, &offs_r});
  bool ref = reference();
  EMBER_DISPATCH_BYTES(out.dtype(), "index", [&] {
    constexpr int64_t W = sizeof(scalar_t);
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      if (!ref && s[2] == 0) {  // one offset for the whole run: a strided (or memcpy) copy
        const char* src = p[1] + *(const int64_t*)p[2] * W;
        if (s[0] == W && s[1] == W) { std::memcpy(p[0], src, n * W); return; }
        for (int64_t i = 0; i < n; ++i) *(scalar_t*)(p[0] + i * s[0]) = *(const scalar_t*)(src + i * s[1]);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        *(scalar_t*)(p[0] + i * s[0]) = *(const scalar_t*)(p[1] + i * s[1] + *(const int64_t*)(p[2] + i * s[2]) * W);
    }, ref ? INT64_MAX : kGrainSize);
  });
}

// Sequential in iteration order: duplicates resolve as "last write wins" / are summed in a fixed order.
void put_offsets(const Tensor& base_r, const Tensor& vals_r, const Tensor& offs_r, bool accumulate, const char* op) {
  if (shape_numel(base_r.sizes()) == 0) return;
#ifdef EMBER_WITH_CUDA
  if (base_r.device().is_cuda()) { cuda::index_put_offsets(base_r, vals_r, offs_r, accumulate, op); return; }
#endif
  StridedIter it(base_r.sizes(), {&base_r, &vals_r, &offs_r});
  if (!accumulate) {
    EMBER_DISPATCH_BYTES(base_r.dtype(), op, [&] {
      constexpr int64_t W = sizeof(scalar_t);
      it.for_each([&](char** p, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
          *(scalar_t*)(p[0] + i * s[0] + *(const int64_t*)(p[2] + i * s[2]) * W) = *(const scalar_t*)(p[1] + i * s[1]);
      }, INT64_MAX);
    });
    return;
  }
  EMBER_DISPATCH_ALL(base_r.dtype(), op, [&] {
    constexpr int64_t W = sizeof(scalar_t);
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        scalar_t* d = (scalar_t*)(p[0] + i * s[0] + *(const int64_t*)(p[2] + i * s[2]) * W);
        scalar_t v = *(const scalar_t*)(p[1] + i * s[1]);
        if constexpr (std::is_same_v<scalar_t, bool>) *d = *d || v;
        else *d = scalar_t(static_cast<compute_t<scalar_t>>(*d) + static_cast<compute_t<scalar_t>>(v));
      }
    }, INT64_MAX);
  });
}

// Element offsets of flat (row-major) indices into a strided tensor; negatives wrap.
Tensor flat_offsets(const Tensor& self, const Tensor& index, const char* op) {
  check_same_device(op, self, index);
  Tensor ix = index_to_long(index, op, false);
  check_ndim(ix, op);
  int64_t n = self.numel();
  if (ix.numel() && n == 0) EMBER_FAIL_KIND(Index, op, "out of range: tried to access index ", 0, " on a tensor of 0 elements.");
#ifdef EMBER_WITH_CUDA
  if (ix.device().is_cuda()) {
    int64_t v = 0;
    if (cuda::index_find_out_of_bounds(ix, -n, n, &v, op))
      EMBER_FAIL_KIND(Index, op, "out of range: tried to access index ", v, " on a tensor of ", n, " elements.");
    Tensor offs = Tensor::empty(ix.sizes(), DType::Int64, ix.device());
    cuda::index_flat_offsets(offs, ix, self.sizes(), self.strides(), n, op);
    return offs;
  }
#endif
  {
    std::atomic<bool> bad{false};
    StridedIter it(ix.sizes(), {&ix});
    it.for_each([&](char** p, const int64_t* s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) { int64_t v = *(const int64_t*)(p[0] + i * s[0]); if (v < -n || v >= n) bad = true; }
    }, INT64_MAX);
    if (bad) {
      RowMajorWalker w(ix.sizes(), ix.strides(), 0);
      for (int64_t i = 0; i < ix.numel(); ++i, w.next()) {
        int64_t v = ix.data<int64_t>()[w.off];
        if (v < -n || v >= n) EMBER_FAIL_KIND(Index, op, "out of range: tried to access index ", v, " on a tensor of ", n, " elements.");
      }
    }
  }
  Tensor offs = Tensor::empty(ix.sizes(), DType::Int64);
  if (offs.numel() == 0) return offs;
  bool contig = self.is_contiguous();
  Shape sizes = self.sizes(), strides = self.strides();
  StridedIter it(ix.sizes(), {&offs, &ix});
  it.for_each([&](char** p, const int64_t* s, int64_t m) {
    for (int64_t i = 0; i < m; ++i) {
      int64_t v = *(const int64_t*)(p[1] + i * s[1]);
      if (v < 0) v += n;
      int64_t off = 0;
      if (contig) off = v;
      else for (int64_t d = (int64_t)sizes.size() - 1; d >= 0; --d) { off += (v % sizes[d]) * strides[d]; v /= sizes[d]; }
      *(int64_t*)(p[0] + i * s[0]) = off;
    }
  }, reference() ? INT64_MAX : kGrainSize);
  return offs;
}

// index_put_'s values: CPU values may be written into a CUDA tensor (moved first; setitem builds
// its values on the host); values on another device raise.
Tensor values_on_device(const Tensor& values, const Tensor& self, const char* op) {
  if (values.device() == self.device()) return values;
  if (!values.device().is_cpu()) device_mismatch_fail(op, self.device(), values.device());
  return on_device(values, self.device());
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<OptTensor>& indices) {
  AdvPlan p = plan_advanced(self, indices, "index");
  Tensor out = Tensor::empty(p.R, self.dtype(), self.device());
  gather_offsets(out, p.base_r, p.offs_r);
  return out;
}

void index_put_(const Tensor& self, const std::vector<OptTensor>& indices, const Tensor& values, bool accumulate,
                const char* op) {
  EMBER_CHECK(values.dtype() == self.dtype(), op, "Index put requires the source and destination dtypes match, got ",
              dtype_name(self.dtype()), " for the destination and ", dtype_name(values.dtype()), " for the source.");
  // Fast path: a single 1-D integer index -> a dim loop split by destination (parallel; per
  // destination the writes / additions keep index order, so results match the serial reference).
  int64_t n_idx = 0, pos = -1;
  for (size_t d = 0; d < indices.size(); ++d) if (indices[d]) { ++n_idx; pos = (int64_t)d; }
  if (!reference() && n_idx == 1 && pos < self.dim() && indices[pos]->dim() == 1 &&
      (indices[pos]->dtype() == DType::Int64 || indices[pos]->dtype() == DType::Int32)) {
    Tensor ix = index_to_long(index_on_device_of(*indices[pos], self, op), op, true);
    check_bounds(ix, self.sizes()[pos], pos, true, op, ErrorKind::Index);
    Shape R = self.sizes();
    R[pos] = ix.numel();
    Tensor v = values_on_device(values, self, op);
    while (v.dim() > (int64_t)R.size() && v.sizes()[0] == 1) v = select(v, 0, 0);
    bool ok = v.dim() <= (int64_t)R.size();
    for (int64_t i = 0; ok && i < v.dim(); ++i) {
      int64_t a = v.sizes()[v.dim() - 1 - i], b = R[R.size() - 1 - i];
      ok = a == b || a == 1;
    }
    EMBER_CHECK(ok, op, "shape mismatch: value tensor of shape ", shape_str(values.sizes()),
                " cannot be broadcast to indexing result of shape ", shape_str(R));
    if (may_overlap(v, self)) v = clone(v);
    Tensor vx = expand(v, R);
    DimLoop d;
    d.outer = self.sizes();
    d.outer[pos] = 1;
    d.indexed = at_shape(self, d.outer);
    d.other = at_shape(vx, d.outer);
    d.idx = restride(ix, d.outer, Shape(d.outer.size(), 0));
    d.L = ix.numel();
    d.size = self.sizes()[pos];
    d.indexed_dstride = self.strides()[pos] * (int64_t)self.itemsize();
    d.other_dstride = vx.strides()[pos] * (int64_t)vx.itemsize();
    d.idx_dstride = ix.strides()[0] * 8;
    dim_loop_put(d, accumulate, op);
    self.bump_version();
    return;
  }
  AdvPlan p = plan_advanced(self, indices, op);
  // values must broadcast to R (leading size-1 dims beyond R's rank are dropped, as PyTorch does)
  Tensor v = values_on_device(values, self, op);
  while (v.dim() > (int64_t)p.R.size() && v.sizes()[0] == 1) v = select(v, 0, 0);
  bool ok = v.dim() <= (int64_t)p.R.size();
  for (int64_t i = 0; ok && i < v.dim(); ++i) {
    int64_t a = v.sizes()[v.dim() - 1 - i], b = p.R[p.R.size() - 1 - i];
    ok = a == b || a == 1;
  }
  EMBER_CHECK(ok, op, "shape mismatch: value tensor of shape ", shape_str(values.sizes()),
              " cannot be broadcast to indexing result of shape ", shape_str(p.R));
  if (may_overlap(v, self)) v = clone(v);
  put_offsets(p.base_r, v, p.offs_r, accumulate, op);
  self.bump_version();
}

Tensor take(const Tensor& self, const Tensor& index) {
  Tensor offs = flat_offsets(self, index, "take");
  Tensor out = Tensor::empty(index.sizes(), self.dtype(), self.device());
  if (out.numel()) gather_offsets(out, restride(self, index.sizes(), Shape(index.dim(), 0)), offs);
  return out;
}

void put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  const char* op = "put_";
  EMBER_CHECK(source.dtype() == self.dtype(), op, "self (", dtype_name(self.dtype()), ") and source (",
              dtype_name(source.dtype()), ") must have the same scalar type");
  check_same_device(op, self, source);
  EMBER_CHECK_INDEX(source.numel() == index.numel(), op, "Expected source and index to have the same number of "
                    "elements, but got source.numel() = ", source.numel(), ", index.numel() = ", index.numel());
  Tensor offs = flat_offsets(self, index, op);
  if (offs.numel() == 0) return;
  Tensor src = reshape(may_overlap(source, self) ? clone(source) : source, index.sizes());
  put_offsets(restride(self, index.sizes(), Shape(index.dim(), 0)), src, offs, accumulate, op);
  self.bump_version();
}

}  // namespace ember
