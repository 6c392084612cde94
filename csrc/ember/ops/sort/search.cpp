// search.cpp — searchsorted and bucketize: binary search of each value in a sorted row.
// Comparisons follow PyTorch exactly (left: advance while !(s[mid] >= v); right: advance while
// !(s[mid] > v)), so NaN values and NaN boundaries land where PyTorch puts them. Inputs are
// compared in their common dtype (16-bit floats as float).
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/core/promote.h"
#include "ember/core/view.h"
#include "ember/ops/sort/sort.h"
#include "ember/ops/sort/sort_rows.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/sort/sort_cuda.h"
#endif

namespace ember {

namespace {

template <class T, bool right, class O>
void search_kernel(const Tensor& s, const Tensor& v, const int64_t* sorter, bool one_row, int64_t n, O* out) {
  using C = compute_t<T>;
  const T* sp = s.data<T>();
  const T* vp = v.data<T>();
  int64_t nv = v.numel(), per_row = one_row ? std::max<int64_t>(nv, 1) : v.size(-1);
  parallel_for(0, nv, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t row = one_row ? 0 : i / per_row;
      const T* seq = sp + row * n;
      const int64_t* so = sorter ? sorter + row * n : nullptr;
      C val = (C)vp[i];
      int64_t lo = 0, hi = n;
      while (lo < hi) {
        int64_t mid = lo + ((hi - lo) >> 1);
        C x = (C)seq[so ? so[mid] : mid];
        bool go_right = right ? !(x > val) : !(x >= val);
        lo = go_right ? mid + 1 : lo;  // same steps as the branchy loop, written for cmov
        hi = go_right ? hi : mid;
      }
      out[i] = (O)lo;
    }
  });
}

}  // namespace

Tensor searchsorted(const Tensor& seq, const Tensor& values, bool right, bool out_int32, const Tensor& sorter) {
  const char* op = "searchsorted";
  for (const Tensor* t : {&seq, &values, &sorter}) sortk::check_cpu(*t, op);
  sortk::check_same_device(seq, values, op);
  sortk::check_same_device(seq, sorter, op);
  const bool on_cuda = seq.device().is_cuda();
  EMBER_CHECK(seq.dim() > 0, op, "boundaries tensor should have positive dimension, but got 0 dimension");
  if (seq.dim() > 1) {
    bool ok = values.dim() == seq.dim();
    for (int64_t d = 0; ok && d + 1 < seq.dim(); ++d) ok = seq.size(d) == values.size(d);
    EMBER_CHECK(ok, op, "boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor "
                "and input value tensor must match, but we got boundaries tensor ", shape_str(seq.sizes()),
                " and input value tensor ", shape_str(values.sizes()));
  }
  DType ct = result_type(seq, values);
  EMBER_CHECK_KIND(ct != DType::Bool, NotImplemented, op, "\"searchsorted_out_cpu\" not implemented for 'Bool'");
  int64_t n = seq.size(-1);
  Tensor srt;
  if (sorter.defined()) {
    EMBER_CHECK(sorter.dtype() == DType::Int64, op, "sorter must be a tensor of long dtype but got dtype ",
                dtype_name(sorter.dtype()));
    EMBER_CHECK(sorter.sizes() == seq.sizes(), op, "boundary and sorter must have the same size, but got boundary "
                "tensor ", shape_str(seq.sizes()), " and sorter tensor ", shape_str(sorter.sizes()));
    srt = contiguous(sorter);
    // (no range check on the GPU, which would need a host sync: the kernel clamps sorter entries)
    const int64_t* p = on_cuda ? nullptr : srt.data<int64_t>();
    for (int64_t i = 0; p && i < srt.numel(); ++i)
      EMBER_CHECK(p[i] >= 0 && p[i] < n, op, "sorter index out of range (", p[i], " for size ", n, ")");
  }
  Tensor out = Tensor::empty(values.sizes(), out_int32 ? DType::Int32 : DType::Int64, values.device());
  if (values.numel() == 0) return out;
  Tensor s = contiguous(to_dtype(seq, ct)), v = contiguous(to_dtype(values, ct));
#ifdef EMBER_WITH_CUDA
  if (on_cuda) {
    cuda::searchsorted(s, v, srt, right, seq.dim() == 1, n, values.dim() ? values.size(-1) : 1, out);
    return out;
  }
#endif
  const int64_t* sp = srt.defined() ? srt.data<int64_t>() : nullptr;
  bool one_row = seq.dim() == 1;
  EMBER_DISPATCH_NUMERIC(ct, op, [&] {
    int64_t* o64 = out_int32 ? nullptr : out.data<int64_t>();
    int32_t* o32 = out_int32 ? out.data<int32_t>() : nullptr;
    if (right) { if (o32) search_kernel<scalar_t, true>(s, v, sp, one_row, n, o32); else search_kernel<scalar_t, true>(s, v, sp, one_row, n, o64); }
    else { if (o32) search_kernel<scalar_t, false>(s, v, sp, one_row, n, o32); else search_kernel<scalar_t, false>(s, v, sp, one_row, n, o64); }
  });
  return out;
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool right, bool out_int32) {
  EMBER_CHECK(boundaries.dim() == 1, "bucketize", "boundaries tensor must be 1 dimension, but got dim(",
              boundaries.dim(), ")");
  return searchsorted(boundaries, input, right, out_int32, Tensor());
}

}  // namespace ember
