// histogram.cpp — bincount and histc. Counting runs over fixed chunks with one partial
// histogram per chunk, summed in chunk order (integer counts: exact, thread-independent);
// weighted bincount accumulates sequentially in the output type, like PyTorch.
#include <cmath>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/sort/sort.h"
#include "ember/ops/sort/sort_rows.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/sort/sort_cuda.h"
#endif

namespace ember {

namespace {

constexpr int64_t kCountChunk = 1 << 16;

// hist[0..len) += counts of fn over [0, n): fn(b, e, int64_t* h) counts elements b..e into h.
template <class F>
void chunked_count(int64_t n, int64_t len, int64_t* hist, const F& fn) {
  int64_t chunks = std::min<int64_t>(get_num_threads(), n / kCountChunk);
  if (use_reference_kernels() || chunks <= 1 || len > (1 << 20)) { fn(0, n, hist); return; }
  std::vector<int64_t> part(chunks * len, 0);
  int64_t per = (n + chunks - 1) / chunks;
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) fn(c * per, std::min(n, (c + 1) * per), &part[c * len]);
  });
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t i = 0; i < len; ++i) hist[i] += part[c * len + i];
}

template <class W>
Tensor weighted_bincount(const int64_t* x, int64_t n, const Tensor& weights, int64_t len, DType out_dtype) {
  Tensor w = contiguous(to_dtype(weights, out_dtype));
  Tensor out = Tensor::empty({len}, out_dtype);
  W* o = out.data<W>();
  const W* wp = w.data<W>();
  std::fill(o, o + len, W(0));
  for (int64_t i = 0; i < n; ++i) o[x[i]] += wp[i];
  return out;
}

}  // namespace

Tensor bincount(const Tensor& self, const Tensor& weights, int64_t minlength) {
  sortk::check_cpu(self, "bincount");
  sortk::check_cpu(weights, "bincount");
  EMBER_CHECK_KIND(is_integral(self.dtype()), NotImplemented, "bincount", "\"bincount_cpu\" not implemented for '",
                   dtype_name(self.dtype()), "'");
  EMBER_CHECK(minlength >= 0, "bincount", "minlength should be >= 0, got ", minlength);
  EMBER_CHECK(self.dim() == 1, "bincount", "bincount only supports 1-d non-negative integral inputs, got shape ",
              shape_str(self.sizes()));
  int64_t n = self.size(0);
  if (weights.defined())
    EMBER_CHECK(weights.dim() == 1 && weights.size(0) == n, "bincount", "weights should be 1-d and have the same "
                "length as input (input ", shape_str(self.sizes()), ", weights ", shape_str(weights.sizes()), ")");
  sortk::check_same_device(self, weights, "bincount");
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {  // the output length depends on the data: one host sync for the range
    const Device dev = self.device();
    Tensor xi = contiguous(to_dtype(self, DType::Int64));
    int64_t mn = 0, mx = -1;
    if (n > 0) {
      int64_t lo = 0, hi = 0;
      cuda::minmax_int64(xi, &lo, &hi);
      mn = std::min<int64_t>(0, lo);
      mx = hi;
    }
    EMBER_CHECK(mn >= 0, "bincount", "bincount only supports 1-d non-negative integral inputs, got a negative value ", mn);
    const int64_t len = std::max(mx + 1, minlength);
    Tensor w;
    DType odt = DType::Int64;
    if (weights.defined()) {
      odt = weights.dtype() == DType::Float32 ? DType::Float32 : DType::Float64;
      w = contiguous(to_dtype(weights, odt));
    }
    Tensor out = Tensor::empty({len}, odt, dev);
    cuda::bincount(xi, w, out);
    return out;
  }
#endif
  Tensor xi = contiguous(to_dtype(self, DType::Int64));
  const int64_t* x = xi.data<int64_t>();
  int64_t mx = -1, mn = 0;
  for (int64_t i = 0; i < n; ++i) { mx = std::max(mx, x[i]); mn = std::min(mn, x[i]); }
  EMBER_CHECK(mn >= 0, "bincount", "bincount only supports 1-d non-negative integral inputs, got a negative value ", mn);
  int64_t len = std::max(mx + 1, minlength);
  if (weights.defined()) {
    if (weights.dtype() == DType::Float32) return weighted_bincount<float>(x, n, weights, len, DType::Float32);
    return weighted_bincount<double>(x, n, weights, len, DType::Float64);
  }
  Tensor out = Tensor::empty({len}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  std::fill(o, o + len, int64_t(0));
  chunked_count(n, len, o, [&](int64_t b, int64_t e, int64_t* h) { for (int64_t i = b; i < e; ++i) h[x[i]]++; });
  return out;
}

Tensor histc(const Tensor& self, int64_t bins, double min, double max) {
  sortk::check_cpu(self, "histc");
  EMBER_CHECK_KIND(is_floating(self.dtype()), NotImplemented, "histc", "\"histogram_cpu\" not implemented for '",
                   dtype_name(self.dtype()), "'");
  EMBER_CHECK(bins > 0, "histc", "bins must be > 0, but got ", bins);
  int64_t n = self.numel();
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {  // min == max: the data range (one host sync, as PyTorch)
    Tensor x = contiguous(reshape(self, {n}));
    double lo = min, hi = max;
    if (lo == hi && n > 0) {
      bool any_nan = false;
      cuda::minmax_float(x, &lo, &hi, &any_nan);
      if (any_nan) lo = hi = std::nan("");
    }
    if (lo == hi) { lo -= 1; hi += 1; }
    EMBER_CHECK(!(lo > hi), "histc", "max must be larger than min (min = ", lo, ", max = ", hi, ")");
    EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "histc", "range of [", lo, ", ", hi, "] is not finite");
    Tensor h = Tensor::empty({bins}, DType::Int64, self.device());
    EMBER_DISPATCH_FLOAT(self.dtype(), "histc", [&] {
      using T = scalar_t;
      using C = compute_t<T>;
      auto rd = [](C v) { return (C)(T)v; };
      const C left = rd((C)lo), right = rd((C)hi), width = rd(right - left), nb = rd((C)bins);
      cuda::histc(x, bins, (double)left, (double)right, (double)width, (double)nb, h);
    });
    return to_dtype(h, self.dtype());
  }
#endif
  Tensor xd = contiguous(to_dtype(reshape(self, {n}), DType::Float64));  // exact for every float dtype
  const double* x = xd.data<double>();
  double lo = min, hi = max;
  if (lo == hi && n > 0) {  // data range; a NaN anywhere makes it NaN (rejected below)
    lo = x[0]; hi = x[0];
    bool any_nan = false;
    for (int64_t i = 0; i < n; ++i) {  // branch-free so it vectorizes
      double v = x[i];
      any_nan |= v != v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    if (any_nan) lo = hi = std::nan("");
  }
  if (lo == hi) { lo -= 1; hi += 1; }
  EMBER_CHECK(!(lo > hi), "histc", "max must be larger than min (min = ", lo, ", max = ", hi, ")");
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "histc", "range of [", lo, ", ", hi, "] is not finite");
  // PyTorch's histc: the outer edges rounded to the input dtype, then plain linear
  // interpolation evaluated in the input dtype (16-bit floats round after every operation).
  std::vector<int64_t> h(bins, 0);
  EMBER_DISPATCH_FLOAT(self.dtype(), "histc", [&] {
    using T = scalar_t;
    using C = compute_t<T>;
    auto rd = [](C v) { return (C)(T)v; };
    const C left = rd((C)lo), right = rd((C)hi), width = rd(right - left), nb = rd((C)bins);
    chunked_count(n, bins, h.data(), [&](int64_t b, int64_t e, int64_t* hist) {
      for (int64_t i = b; i < e; ++i) {
        C v = (C)x[i];
        if (!(v >= left && v <= right)) continue;  // also drops NaN
        int64_t pos = (int64_t)rd(rd(rd(v - left) * nb) / width);
        hist[std::min(std::max<int64_t>(pos, 0), bins - 1)]++;
      }
    });
  });
  Tensor hd = Tensor::empty({bins}, DType::Float64);
  for (int64_t i = 0; i < bins; ++i) hd.data<double>()[i] = (double)h[i];
  return to_dtype(hd, self.dtype());
}

}  // namespace ember
