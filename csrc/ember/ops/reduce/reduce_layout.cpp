// reduce_layout.cpp — split a tensor's dims into kept / reduced groups and coalesce each.
#include "ember/ops/reduce/reduce_layout.h"
#include <algorithm>

namespace ember {

namespace {
struct Dim { int64_t size, in, out; };

// Merge neighbours (outer a, inner b) when a steps exactly over b in every operand.
int coalesce(std::vector<Dim>& v, bool with_out) {
  if (v.empty()) return 0;
  size_t w = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    Dim& a = v[w];
    const Dim& b = v[i];
    if (a.in == b.in * b.size && (!with_out || a.out == b.out * b.size)) {
      a.size *= b.size; a.in = b.in; a.out = b.out;
    } else {
      v[++w] = b;
    }
  }
  v.resize(w + 1);
  return (int)v.size();
}
}  // namespace

ReduceLayout make_reduce_layout(const Tensor& in, const std::vector<bool>& mask, const Tensor& out, bool reorder) {
  ReduceLayout L;
  std::vector<Dim> kept, red;
  const bool same_rank = out.dim() == in.dim();
  for (int64_t d = 0; d < in.dim(); ++d) {
    int64_t s = in.sizes()[d];
    if (mask[d]) {
      L.nred *= s;
      if (s != 1) red.push_back({s, in.strides()[d], same_rank ? out.strides()[d] : 0});
    } else {
      L.nout *= s;
      if (s != 1) kept.push_back({s, in.strides()[d], out.strides()[d]});
    }
  }
  if (reorder) {
    auto by_stride = [](const Dim& a, const Dim& b) { return a.in > b.in; };
    std::stable_sort(kept.begin(), kept.end(), by_stride);
    std::stable_sort(red.begin(), red.end(), by_stride);
  }
  L.nk = coalesce(kept, true);
  L.nr = reorder ? coalesce(red, false) : (int)red.size();
  EMBER_CHECK(L.nk <= kMaxIterDims && L.nr <= kMaxIterDims, "reduce", "too many dimensions");
  for (int i = 0; i < L.nk; ++i) { L.ksize[i] = kept[i].size; L.kin[i] = kept[i].in; L.kout[i] = kept[i].out; }
  for (int i = 0; i < L.nr; ++i) { L.rsize[i] = red[i].size; L.rin[i] = red[i].in; }
  return L;
}

}  // namespace ember
