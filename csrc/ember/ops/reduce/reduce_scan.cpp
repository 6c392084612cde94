// reduce_scan.cpp — cumulative ops along one dim: cumsum, cumprod (accumulating in double for
// floats, int64 for integers), cummax/cummin (values + indices; ties and nan take the later
// index, like PyTorch) and logcumsumexp (stable pairwise log-add-exp).
// Fast: when the innermost kept dim is contiguous, whole rows are carried forward together
// (vectorizable); otherwise one sequential loop per line, lines in parallel. Reference: the
// per-line loop on one thread. Both visit each line in the same order, so results agree exactly.
#include <cmath>
#include <limits>
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/ops/reduce/reduce_kernels.h"

namespace ember::generic {
namespace {

template <class T> using scan_acc_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, int64_t>;

template <class A> inline A log_add_exp(A a, A b) {
  if (a == b) return a + A(std::log(2.0));  // also +-inf
  A m = a > b ? a : b, d = a > b ? b - a : a - b;
  if (std::isnan(a) || std::isnan(b)) return a + b;
  return m + std::log1p(std::exp(d));
}

template <class T, class Op>
void scan_lines(const ScanArgs& s, bool ref, const Op& op) {
  const ReduceLayout& L = *s.L;
  const int64_t n = L.nr ? L.rsize[0] : 1, st = L.nr ? L.rin[0] : 0, so = s.rout;
  const T* x = (const T*)s.in;
  T* out = (T*)s.out;
  const bool cols = !ref && L.nk >= 1 && L.kin[L.nk - 1] == 1 && L.kout[L.nk - 1] == 1 && L.ksize[L.nk - 1] >= 8 &&
                    st != 1;
  if (cols) {
    constexpr int64_t CB = 1024;
    const int64_t m = L.ksize[L.nk - 1], nouter = L.nout / m, ncb = (m + CB - 1) / CB;
    parallel_for(0, nouter * ncb, 1, [&](int64_t b, int64_t e) {
      typename Op::Acc acc[CB];
      int64_t idx[CB] = {};
      for (int64_t t = b; t < e; ++t) {
        int64_t cb = t % ncb, o2 = t / ncb, io, oo;
        L.kept_offsets(o2 * m, io, oo);
        int64_t c0 = cb * CB, cw = std::min(CB, m - c0);
        for (int64_t i = 0; i < n; ++i) {
          const T* row = x + io + c0 + i * st;
          T* orow = out + oo + c0 + i * so;
          int64_t* irow = s.out_idx ? s.out_idx + oo + c0 + i * so : nullptr;
          for (int64_t j = 0; j < cw; ++j) {
            if (i == 0) op.first(acc[j], idx[j], row[j]);
            else op.step(acc[j], idx[j], row[j], i);
            orow[j] = T(acc[j]);
            if (irow) irow[j] = idx[j];
          }
        }
      }
    });
    return;
  }
  auto line = [&](int64_t o) {
    int64_t io, oo;
    L.kept_offsets(o, io, oo);
    typename Op::Acc acc;
    int64_t idx = 0;
    for (int64_t i = 0; i < n; ++i) {
      T v = x[io + i * st];
      if (i == 0) op.first(acc, idx, v); else op.step(acc, idx, v, i);
      out[oo + i * so] = T(acc);
      if (s.out_idx) s.out_idx[oo + i * so] = idx;
    }
  };
  if (ref) { for (int64_t o = 0; o < L.nout; ++o) line(o); return; }
  parallel_for(0, L.nout, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) { for (int64_t o = b; o < e; ++o) line(o); });
}

template <class T> struct SumS {
  using Acc = scan_acc_t<T>;
  void first(Acc& a, int64_t&, T x) const { a = Acc(compute_t<T>(x)); }
  void step(Acc& a, int64_t&, T x, int64_t) const { a += Acc(compute_t<T>(x)); }
};
template <class T> struct ProdS {
  using Acc = scan_acc_t<T>;
  void first(Acc& a, int64_t&, T x) const { a = Acc(compute_t<T>(x)); }
  void step(Acc& a, int64_t&, T x, int64_t) const { a *= Acc(compute_t<T>(x)); }
};
template <class T, bool IsMax> struct ExtS {
  using Acc = compute_t<T>;
  void first(Acc& a, int64_t& i, T x) const { a = Acc(x); i = 0; }
  void step(Acc& a, int64_t& i, T x, int64_t k) const {
    Acc v = Acc(x);
    bool take;
    if constexpr (std::is_floating_point_v<Acc>) take = v != v || (IsMax ? v >= a : v <= a);
    else take = IsMax ? v >= a : v <= a;
    if (take) { a = v; i = k; }
  }
};
template <class T> struct LseS {
  using Acc = compute_t<T>;
  void first(Acc& a, int64_t&, T x) const { a = Acc(x); }
  void step(Acc& a, int64_t&, T x, int64_t) const { a = log_add_exp(a, Acc(x)); }
};

}  // namespace

void run_scan(SK kind, DType dt, const ScanArgs& s, bool ref) {
  switch (kind) {
    case SK::Sum:
      if (dt == DType::Int64) scan_lines<int64_t>(s, ref, SumS<int64_t>{});
      else EMBER_DISPATCH_FLOAT(dt, "cumsum", [&] { scan_lines<scalar_t>(s, ref, SumS<scalar_t>{}); });
      break;
    case SK::Prod:
      if (dt == DType::Int64) scan_lines<int64_t>(s, ref, ProdS<int64_t>{});
      else EMBER_DISPATCH_FLOAT(dt, "cumprod", [&] { scan_lines<scalar_t>(s, ref, ProdS<scalar_t>{}); });
      break;
    case SK::Max:
      EMBER_DISPATCH_ALL(dt, "cummax", [&] { scan_lines<scalar_t>(s, ref, ExtS<scalar_t, true>{}); });
      break;
    case SK::Min:
      EMBER_DISPATCH_ALL(dt, "cummin", [&] { scan_lines<scalar_t>(s, ref, ExtS<scalar_t, false>{}); });
      break;
    case SK::LogSumExp:
      EMBER_DISPATCH_FLOAT(dt, "logcumsumexp", [&] { scan_lines<scalar_t>(s, ref, LseS<scalar_t>{}); });
      break;
  }
}

}  // namespace ember::generic
