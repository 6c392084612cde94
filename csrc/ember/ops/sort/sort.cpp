// sort.cpp — sort, topk, kthvalue, median, nanmedian and mode: validation, output allocation,
// and a parallel loop over independent rows (RowSorter does the per-row work, see sort_rows.h).
// Outputs are contiguous; rows are addressed by element offsets so any input strides work.
#include <cmath>
#include <limits>
#include "ember/core/dispatch.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/sort/sort.h"
#include "ember/ops/sort/sort_rows.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/sort/sort_cuda.h"
#endif

namespace ember {

using sortk::Rows;
using sortk::RowSorter;

namespace {

// fn(sorter, row_ptr, row_index, order_scratch) for every row of `x`, rows split across threads.
template <class F>
void for_rows(const Tensor& x, const Rows& rows, bool desc, const F& fn) {
  const char* base = static_cast<const char*>(x.data_ptr());
  int64_t isz = (int64_t)x.itemsize();
  parallel_for(0, rows.count, sortk::row_grain(rows.n), [&](int64_t b, int64_t e) {
    RowSorter s(x.dtype(), desc);
    Tensor ord = Tensor::empty({std::max<int64_t>(rows.n, 1)}, DType::Int64);  // cached, no page faults
    for (int64_t r = b; r < e; ++r) fn(s, base + rows.off[r] * isz, r, ord.data<int64_t>());
  });
}

int64_t dim_size(const Tensor& t, int64_t d) { return t.dim() ? t.size(d) : 1; }

// Output shapes for a reduction over `d` with keepdim: allocate with size 1 at d, then drop it.
Tensor drop_dim(const Tensor& t, int64_t d, bool keepdim) {
  if (keepdim || t.dim() == 0) return t;
  Shape s = t.sizes();
  s.erase(s.begin() + d);
  return view(t, s);
}

void check_not_bool(const Tensor& t, const char* op, const char* kernel) {
  EMBER_CHECK_KIND(t.dtype() != DType::Bool, NotImplemented, op, "\"", kernel, "\" not implemented for 'Bool'");
}

void check_nonempty_dim(const Tensor& t, int64_t d, const char* op) {
  EMBER_CHECK_INDEX(dim_size(t, d) > 0, op, "Expected reduction dim ", d, " to have non-zero size.");
}

#ifdef EMBER_WITH_CUDA
// ---- CUDA: rows along `d` are made the contiguous last dim, sorted by sort_cuda, moved back ----
struct LastDim {
  Tensor x;           // self with d moved last, contiguous (0-d: shape {1})
  int64_t rows, n;
};

LastDim last_dim(const Tensor& self, int64_t d) {
  Tensor x = self.dim() == 0 ? reshape(self, {1}) : movedim(self, {d}, {self.dim() - 1});
  x = contiguous(x);
  const int64_t n = x.size(x.dim() - 1);
  return {x, n ? x.numel() / n : 0, n};
}

// t laid out like last_dim's x (any size of the last dim) back to self's layout, contiguous.
Tensor restore_dim(const Tensor& t, const Tensor& self, int64_t d) {
  if (self.dim() == 0) return reshape(t, {});
  return contiguous(movedim(t, {t.dim() - 1}, {d}));
}

ValuesIndices cuda_sorted(const LastDim& l, bool desc, const char* op) {
  Tensor v = Tensor::empty(l.x.sizes(), l.x.dtype(), l.x.device());
  Tensor i = Tensor::empty(l.x.sizes(), DType::Int64, l.x.device());
  if (l.x.numel() > 0) cuda::sort_rows(l.x, l.rows, l.n, desc, v, i, op);
  return {v, i};
}

// kthvalue / median / nanmedian / mode on the GPU: sort ascending, pick one element per row.
ValuesIndices cuda_select(const Tensor& self, int64_t d, bool keepdim, int kind, int64_t k, const char* op) {
  LastDim l = last_dim(self, d);
  Shape os = l.x.sizes();
  os.back() = 1;
  Tensor ov = Tensor::empty(os, self.dtype(), self.device()), oi = Tensor::empty(os, DType::Int64, self.device());
  if (l.rows > 0 && l.n > 0) {
    ValuesIndices r = cuda_sorted(l, false, op);
    cuda::select_sorted(kind, r.values, r.indices, l.rows, l.n, k, ov, oi, op);
  }
  return {drop_dim(restore_dim(ov, self, d), d, keepdim), drop_dim(restore_dim(oi, self, d), d, keepdim)};
}
#endif

}  // namespace

ValuesIndices sort(const Tensor& self, int64_t dim, bool descending) {
  sortk::check_cpu(self, "sort");
  int64_t d = wrap_dim(dim, self.dim(), "sort");
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {
    ValuesIndices r = cuda_sorted(last_dim(self, d), descending, "sort");
    return {restore_dim(r.values, self, d), restore_dim(r.indices, self, d)};
  }
#endif
  Tensor values = Tensor::empty(self.sizes(), self.dtype()), indices = Tensor::empty(self.sizes(), DType::Int64);
  if (self.numel() == 0) return {values, indices};
  Rows in = sortk::rows_of(self, d), out = sortk::rows_of(values, d);
  char* vb = static_cast<char*>(values.data_ptr());
  int64_t* ib = indices.data<int64_t>();
  int64_t isz = (int64_t)self.itemsize(), n = in.n;
  for_rows(self, in, descending, [&](RowSorter& s, const char* p, int64_t r, int64_t* ord) {
    s.order(p, in.stride, n, n, false, ord);
    sortk::gather_row(self.dtype(), p, in.stride, ord, n, vb + out.off[r] * isz, out.stride);
    for (int64_t j = 0; j < n; ++j) ib[out.off[r] + j * out.stride] = ord[j];
  });
  return {values, indices};
}

ValuesIndices topk(const Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  (void)sorted;  // results are always sorted (a valid order for sorted=False too)
  sortk::check_cpu(self, "topk");
  int64_t d = wrap_dim(dim, self.dim(), "topk");
  int64_t n = dim_size(self, d);
  EMBER_CHECK(k >= 0 && k <= n, "topk", "selected index k out of range (k = ", k, ", size of dim ", d, " is ", n, ")");
  EMBER_CHECK(self.dtype() != DType::Bool, "topk", "topk does not support bool dtypes on CPU");
  Shape os = self.sizes();
  if (self.dim()) os[d] = k;
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {  // the first k of the stable order: the CPU's result exactly
    LastDim l = last_dim(self, d);
    if (l.x.numel() == 0 || (self.dim() && k == 0))
      return {Tensor::empty(os, self.dtype(), self.device()), Tensor::empty(os, DType::Int64, self.device())};
    ValuesIndices r = cuda_sorted(l, largest, "topk");
    const int64_t m = self.dim() ? k : 1, last = l.x.dim() - 1;
    return {restore_dim(narrow(r.values, last, 0, m), self, d), restore_dim(narrow(r.indices, last, 0, m), self, d)};
  }
#endif
  Tensor values = Tensor::empty(os, self.dtype()), indices = Tensor::empty(os, DType::Int64);
  if (values.numel() == 0) return {values, indices};
  int64_t m = self.dim() ? k : 1;
  Rows in = sortk::rows_of(self, d), out = sortk::rows_of(values, d);
  char* vb = static_cast<char*>(values.data_ptr());
  int64_t* ib = indices.data<int64_t>();
  int64_t isz = (int64_t)self.itemsize();
  for_rows(self, in, largest, [&](RowSorter& s, const char* p, int64_t r, int64_t* ord) {
    s.order(p, in.stride, n, m, false, ord);
    sortk::gather_row(self.dtype(), p, in.stride, ord, m, vb + out.off[r] * isz, out.stride);
    for (int64_t j = 0; j < m; ++j) ib[out.off[r] + j * out.stride] = ord[j];
  });
  return {values, indices};
}

// Shared driver of kthvalue / median / nanmedian: pick(sorter, row, order) -> index in row.
template <class Pick>
static ValuesIndices select_rows(const Tensor& self, int64_t d, bool keepdim, const Pick& pick) {
  Shape os = self.sizes();
  if (self.dim()) os[d] = 1;
  Tensor values = Tensor::empty(os, self.dtype()), indices = Tensor::empty(os, DType::Int64);
  if (values.numel() > 0) {
    Rows in = sortk::rows_of(self, d), out = sortk::rows_of(values, d);
    char* vb = static_cast<char*>(values.data_ptr());
    int64_t* ib = indices.data<int64_t>();
    int64_t isz = (int64_t)self.itemsize();
    for_rows(self, in, false, [&](RowSorter& s, const char* p, int64_t r, int64_t* ord) {
      int64_t i = pick(s, p, in, ord);
      sortk::gather_row(self.dtype(), p, in.stride, &i, 1, vb + out.off[r] * isz, 0);
      ib[out.off[r]] = i;
    });
  }
  return {drop_dim(values, d, keepdim), drop_dim(indices, d, keepdim)};
}

ValuesIndices kthvalue(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  sortk::check_cpu(self, "kthvalue");
  int64_t d = wrap_dim(dim, self.dim(), "kthvalue");
  check_not_bool(self, "kthvalue", "kthvalue_cpu");
  check_nonempty_dim(self, d, "kthvalue");
  int64_t n = dim_size(self, d);
  EMBER_CHECK(k >= 1 && k <= n, "kthvalue", "selected number k out of range for dimension ", d, " (k = ", k,
              ", size ", n, ")");
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) return cuda_select(self, d, keepdim, cuda::kSelectKth, k, "kthvalue");
#endif
  return select_rows(self, d, keepdim, [&](RowSorter& s, const char* p, const Rows& in, int64_t* ord) {
    s.order(p, in.stride, in.n, k, true, ord);
    return ord[k - 1];
  });
}

ValuesIndices median_dim(const Tensor& self, int64_t dim, bool keepdim, bool ignore_nan) {
  const char* op = ignore_nan ? "nanmedian" : "median";
  sortk::check_cpu(self, op);
  int64_t d = wrap_dim(dim, self.dim(), op);
  check_not_bool(self, op, ignore_nan ? "nanmedian_cpu" : "median_cpu");
  check_nonempty_dim(self, d, op);
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda())
    return cuda_select(self, d, keepdim, ignore_nan ? cuda::kSelectNanMedian : cuda::kSelectMedian, 0, op);
#endif
  DType dt = self.dtype();
  return select_rows(self, d, keepdim, [&](RowSorter& s, const char* p, const Rows& in, int64_t* ord) {
    int64_t nans = 0;
    int64_t first = sortk::first_nan(dt, p, in.stride, in.n, &nans);
    if (nans > 0 && (!ignore_nan || nans == in.n)) return first;  // NaN result at the first NaN
    int64_t m = in.n - nans;                                       // NaNs sort last: the lower
    int64_t k = (m - 1) / 2;                                       // median is among the first m
    s.order(p, in.stride, in.n, k + 1, true, ord);
    return ord[k];
  });
}

Tensor median_all(const Tensor& self, bool ignore_nan) {
  const char* op = ignore_nan ? "nanmedian" : "median";
  sortk::check_cpu(self, op);
  check_not_bool(self, op, ignore_nan ? "nanmedian_cpu" : "median_cpu");
  if (self.numel() == 0) {  // PyTorch: NaN for floats; the dtype's lowest value for integers
    Tensor out = Tensor::empty({}, self.dtype());
    EMBER_DISPATCH_NUMERIC(self.dtype(), op, [&] {
      if constexpr (std::is_integral_v<scalar_t>) *out.data<scalar_t>() = std::numeric_limits<scalar_t>::lowest();
      else *out.data<scalar_t>() = scalar_t(std::numeric_limits<float>::quiet_NaN());
    });
#ifdef EMBER_WITH_CUDA
    if (self.device().is_cuda()) {
      Tensor o = Tensor::empty({}, self.dtype(), self.device());
      copy_(o, out);
      return o;
    }
#endif
    return out;
  }
  Tensor flat = reshape(self, {self.numel()});
  return view(median_dim(flat, 0, false, ignore_nan).values, {});
}

ValuesIndices mode(const Tensor& self, int64_t dim, bool keepdim) {
  sortk::check_cpu(self, "mode");
  int64_t d = wrap_dim(dim, self.dim(), "mode");
  check_nonempty_dim(self, d, "mode");
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) return cuda_select(self, d, keepdim, cuda::kSelectMode, 0, "mode");
#endif
  DType dt = self.dtype();
  bool fl = is_floating(dt);
  return select_rows(self, d, keepdim, [&](RowSorter& s, const char* p, const Rows& in, int64_t* ord) {
    int64_t n = in.n;
    s.order(p, in.stride, n, n, false, ord);
    std::vector<uint64_t> key(n);
    sortk::equality_keys(dt, p, in.stride, n, key.data());
    // Runs of equal values in ascending order: the first longest run is the smallest mode;
    // its last element is the mode's last occurrence (stable order).
    int64_t best = 0, best_idx = ord[0];
    for (int64_t j = 0; j < n;) {
      int64_t e = j + 1;
      while (e < n && sortk::keys_equal(key[ord[j]], key[ord[e]], fl)) ++e;
      if (e - j > best) { best = e - j; best_idx = ord[e - 1]; }
      j = e;
    }
    return best_idx;
  });
}

}  // namespace ember
