// shape_kernels.cpp — the index-map copy behind flip, roll, repeat, tile, repeat_interleave
// and every pad mode: out[i_0..i_n] = src[map_0[i_0], ..., map_n[i_n]] (or a fill value where a
// map entry is -1). Pure data movement, so it dispatches on the element width only.
//   reference: one element at a time from its multi-index.
//   fast:      rows of the last dim, split into runs (fill / ascending / descending / repeated
//              source index) so contiguous runs become memcpy; rows run in parallel.
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/ops/shape/shape.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/shape/shape_cuda.h"
#endif

namespace ember {
namespace {

// The fill value as the raw bytes of `dt`.
uint64_t fill_bits(DType dt, const Scalar& v) {
  uint64_t bits = 0;
  EMBER_DISPATCH_ALL(dt, "pad", [&] {
    scalar_t x = scalar_t(v.to<compute_t<scalar_t>>());
    std::memcpy(&bits, &x, sizeof(scalar_t));
  });
  return bits;
}

template <class T>
void reference_kernel(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps, T fill) {
  const int64_t nd = out.dim(), n = out.numel();
  const Shape& os = out.sizes();
  const Shape& st = src.strides();
  T* o = out.data<T>();
  const T* s = src.data<T>();
  std::vector<int64_t> idx(nd, 0);
  for (int64_t lin = 0; lin < n; ++lin) {
    int64_t rem = lin, off = 0;
    bool is_fill = false;
    for (int64_t d = nd - 1; d >= 0; --d) { idx[d] = rem % os[d]; rem /= os[d]; }
    for (int64_t d = 0; d < nd; ++d) {
      int64_t m = maps[d].empty() ? idx[d] : maps[d][idx[d]];
      if (m < 0) { is_fill = true; break; }
      off += m * st[d];
    }
    o[lin] = is_fill ? fill : s[off];
  }
}

struct Run { int64_t out_start, len, src_start, step; bool fill; };

// op[j] = sp[-j]: a unit-stride backward read the compiler turns into vector loads + shuffles.
template <class T>
inline void reverse_copy(T* __restrict op, const T* __restrict sp, int64_t n) {
  const T* s = sp - (n - 1);
  for (int64_t j = 0; j < n; ++j) op[j] = s[n - 1 - j];
}

// Split the last dim's map into maximal runs with a constant source step of +1, -1 or 0.
std::vector<Run> make_runs(const std::vector<int64_t>& map, int64_t n) {
  std::vector<Run> runs;
  int64_t j = 0;
  while (j < n) {
    int64_t m = map.empty() ? j : map[j];
    Run r{j, 1, m, 0, m < 0};
    if (!r.fill && j + 1 < n) {
      int64_t m1 = map.empty() ? j + 1 : map[j + 1];
      int64_t step = m1 - m;
      if (m1 >= 0 && step >= -1 && step <= 1) {
        r.step = step;
        int64_t k = j + 1;
        while (k < n && (map.empty() ? k : map[k]) == m + (k - j) * step) ++k;
        r.len = k - j;
      }
    } else if (r.fill) {
      int64_t k = j + 1;
      while (k < n && map[k] < 0) ++k;
      r.len = k - j;
    }
    runs.push_back(r);
    j += r.len;
  }
  return runs;
}

template <class T>
void fast_kernel(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps, T fill) {
  const int64_t nd = out.dim();
  const Shape& os = out.sizes();
  const Shape& st = src.strides();
  const int64_t last = os[nd - 1], rows = out.numel() / last, ls = st[nd - 1];
  const std::vector<Run> runs = make_runs(maps[nd - 1], last);
  T* o = out.data<T>();
  const T* s = src.data<T>();
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(last, 1));
  parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(nd, 0);
    int64_t rem = b;
    for (int64_t d = nd - 2; d >= 0; --d) { idx[d] = rem % os[d]; rem /= os[d]; }
    for (int64_t r = b; r < e; ++r) {
      T* orow = o + r * last;
      int64_t off = 0;
      bool row_fill = false;
      for (int64_t d = 0; d < nd - 1; ++d) {
        int64_t m = maps[d].empty() ? idx[d] : maps[d][idx[d]];
        if (m < 0) { row_fill = true; break; }
        off += m * st[d];
      }
      if (row_fill) {
        for (int64_t j = 0; j < last; ++j) orow[j] = fill;
      } else {
        const T* srow = s + off;
        for (const Run& run : runs) {
          T* op = orow + run.out_start;
          if (run.fill) { for (int64_t j = 0; j < run.len; ++j) op[j] = fill; continue; }
          const T* sp = srow + run.src_start * ls;
          int64_t step = run.step * ls;
          if (step == 1) std::memcpy(op, sp, run.len * sizeof(T));
          else if (step == -1) reverse_copy(op, sp, run.len);
          else for (int64_t j = 0; j < run.len; ++j) op[j] = sp[j * step];
        }
      }
      for (int64_t d = nd - 2; d >= 0; --d) { if (++idx[d] < os[d]) break; idx[d] = 0; }
    }
  });
}

}  // namespace

void index_map_copy(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps,
                    const Scalar& fill) {
  if (out.numel() == 0) return;
  EMBER_CHECK(out.is_contiguous() && out.dtype() == src.dtype() && (int64_t)maps.size() == out.dim() &&
                  out.dim() == src.dim(), "index_map_copy", "internal: bad operands");
  uint64_t bits = fill_bits(out.dtype(), fill);
#ifdef EMBER_WITH_CUDA
  if (out.device().is_cuda()) {
    if (src.device() != out.device()) device_mismatch_fail("index_map_copy", out.device(), src.device());
    cuda::shape_index_map_copy(out, src, maps, bits, "index_map_copy");
    return;
  }
#endif
  if (out.dim() == 0) {  // one element
    std::memcpy(out.data_ptr(), src.data_ptr(), out.itemsize());
    return;
  }
  EMBER_DISPATCH_BYTES(out.dtype(), "index_map_copy", [&] {
    scalar_t f;
    std::memcpy(&f, &bits, sizeof(scalar_t));
    if (use_reference_kernels()) reference_kernel<scalar_t>(out, src, maps, f);
    else fast_kernel<scalar_t>(out, src, maps, f);
  });
}

}  // namespace ember
