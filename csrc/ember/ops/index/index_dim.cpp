// index_dim.cpp — ops along one dim: gather, scatter_ (assign / add / multiply), scatter_reduce_,
// index_select, index_add_, index_copy_, index_fill_. All run through idx::run_dim_loop: copies
// dispatch on byte width only; arithmetic reductions dispatch on dtype and compute 16-bit floats in float.
#include <cmath>
#include "ember/core/fill.h"
#include "ember/ops/index/index.h"
#include "ember/ops/index/index_common.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/index/index_cuda.h"
#endif

namespace ember {
using namespace idx;

namespace {

Shape with_dim(Shape s, int64_t dim, int64_t v) { s[dim] = v; return s; }

// ---- typed reductions (dst op= src) ----
enum class Red { Assign, Add, Mul, Max, Min };

template <class T> inline T red_apply(Red r, T a, T b, compute_t<T> alpha) {
  using C = compute_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    if (r == Red::Add) return a || (b && alpha);
    if (r == Red::Mul || r == Red::Min) return a && b;
    return a || b;
  } else {
    C x = static_cast<C>(a), y = static_cast<C>(b);
    switch (r) {
      case Red::Add: return T(x + alpha * y);
      case Red::Mul: return T(x * y);
      case Red::Max:
        if constexpr (std::is_floating_point_v<C>) { if (std::isnan(x) || std::isnan(y)) return T(std::isnan(x) ? x : y); }
        return T(x > y ? x : y);
      case Red::Min:
        if constexpr (std::is_floating_point_v<C>) { if (std::isnan(x) || std::isnan(y)) return T(std::isnan(x) ? x : y); }
        return T(x < y ? x : y);
      default: return b;
    }
  }
}

// Mean: floats divide; integers floor-divide, as PyTorch.
template <class T> inline T div_count(T x, int64_t c) {
  using C = compute_t<T>;
  if constexpr (std::is_floating_point_v<C>) return T(static_cast<C>(x) / static_cast<C>(c));
  else {
    C q = x / (C)c;
    if ((x % (C)c != 0) && (x < 0)) --q;
    return q;
  }
}

#ifdef EMBER_WITH_CUDA
// The device switch of the dim loop: red is the Red code (0 assign/copy, 1 add, 2 mul, 3 max, 4 min).
bool cuda_dim_loop(const DimLoop& d, Red r, bool indexed_is_dst, const Scalar& alpha, const char* op) {
  if (!d.indexed.device().is_cuda()) return false;
  cuda::index_dim_loop((int)r, indexed_is_dst, d.outer, d.indexed, d.other, d.idx, d.L, d.indexed_dstride,
                       d.other_dstride, d.idx_dstride, d.size, alpha, op);
  return true;
}
#endif

void run_copy(const DimLoop& d, bool indexed_is_dst) {
#ifdef EMBER_WITH_CUDA
  if (cuda_dim_loop(d, Red::Assign, indexed_is_dst, Scalar((int64_t)1), "index")) return;
#endif
  EMBER_DISPATCH_BYTES(d.indexed.dtype(), "index", [&] {
    if (indexed_is_dst) run_dim_loop(d, [](char* x, char* o) { *(scalar_t*)x = *(const scalar_t*)o; });
    else run_dim_loop(d, [](char* x, char* o) { *(scalar_t*)o = *(const scalar_t*)x; });
  });
}

void run_reduce(const DimLoop& d, Red r, const Scalar& alpha, const char* op) {
  if (r == Red::Assign) return run_copy(d, true);
#ifdef EMBER_WITH_CUDA
  if (cuda_dim_loop(d, r, true, alpha, op)) return;
#endif
  EMBER_DISPATCH_ALL(d.indexed.dtype(), op, [&] {
    compute_t<scalar_t> a = alpha.to<compute_t<scalar_t>>();
    if constexpr (!std::is_same_v<scalar_t, bool>) {
      if (r == Red::Add) {  // the common case (index_add_, scatter_add_) without the per-element switch
        using C = compute_t<scalar_t>;
        run_dim_loop(d, [&](char* x, char* o) {
          *(scalar_t*)x = scalar_t(static_cast<C>(*(const scalar_t*)x) + a * static_cast<C>(*(const scalar_t*)o));
        });
        return;
      }
    }
    run_dim_loop(d, [&](char* x, char* o) {
      *(scalar_t*)x = red_apply<scalar_t>(r, *(const scalar_t*)x, *(const scalar_t*)o, a);
    });
  });
}

// Writes the identity of `r` at every position the loop touches (scatter_reduce include_self=False).
void run_init_identity(const DimLoop& d, Red r) {
#ifdef EMBER_WITH_CUDA
  if (d.indexed.device().is_cuda()) {  // a 0-d identity on the device, broadcast over the loop
    DType dt = d.indexed.dtype();
    Scalar v((int64_t)0);
    if (dt == DType::Bool) v = Scalar((int64_t)(r == Red::Mul || r == Red::Min));
    else if (r == Red::Add) v = Scalar((int64_t)0);
    else if (r == Red::Mul) v = Scalar((int64_t)1);
    else if (is_floating(dt)) v = Scalar(r == Red::Max ? -std::numeric_limits<double>::infinity()
                                                       : std::numeric_limits<double>::infinity());
    else {
      EMBER_DISPATCH_INT(dt, "scatter_reduce", [&] {
        v = Scalar((int64_t)(r == Red::Max ? std::numeric_limits<scalar_t>::lowest() : std::numeric_limits<scalar_t>::max()));
      });
    }
    DimLoop di = d;
    di.other = restride(scalar_tensor(v, dt, d.indexed.device()), d.outer, Shape(d.outer.size(), 0));
    di.other_dstride = 0;
    cuda_dim_loop(di, Red::Assign, true, Scalar((int64_t)1), "scatter_reduce");
    return;
  }
#endif
  EMBER_DISPATCH_ALL(d.indexed.dtype(), "scatter_reduce", [&] {
    using C = compute_t<scalar_t>;
    scalar_t v;
    if constexpr (std::is_same_v<scalar_t, bool>) v = (r == Red::Mul || r == Red::Min);
    else if (r == Red::Add) v = scalar_t(C(0));
    else if (r == Red::Mul) v = scalar_t(C(1));
    else if constexpr (std::is_floating_point_v<C>)
      v = scalar_t(r == Red::Max ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity());
    else v = r == Red::Max ? std::numeric_limits<scalar_t>::lowest() : std::numeric_limits<scalar_t>::max();
    run_dim_loop(d, [&](char* x, char*) { *(scalar_t*)x = v; });
  });
}

// ---- gather / scatter validation ----
// self, index and src made at least 1-D; index must have self's rank and fit inside self (except
// along dim) and inside src.
struct ScatterArgs {
  Tensor self, index, src;
  int64_t dim;
};

ScatterArgs prep_scatter(const char* op, const Tensor& self_, int64_t dim, const Tensor& index_, const Tensor* src_,
                         bool gather, bool allow_negative = false) {
  ScatterArgs a;
  a.self = as_1d(self_);
  check_same_device(op, self_, index_);
  if (src_) check_same_device(op, self_, *src_);
  a.index = as_1d(index_to_long(index_, op, true));
  dim = wrap_dim(dim, std::max<int64_t>(self_.dim(), 1), op);
  a.dim = dim;
  EMBER_CHECK(a.index.dim() == a.self.dim(), op, "Index tensor must have the same number of dimensions as ",
              gather ? "input" : "self", " tensor (got index ", shape_str(index_.sizes()), " and ",
              gather ? "input " : "self ", shape_str(self_.sizes()), ")");
  if (src_) {
    a.src = as_1d(*src_);
    EMBER_CHECK(a.src.dtype() == a.self.dtype(), op, "Expected self.dtype to be equal to src.dtype (got ",
                dtype_name(a.self.dtype()), " and ", dtype_name(a.src.dtype()), ")");
    EMBER_CHECK(a.src.dim() == a.self.dim(), op, "Index tensor must have the same number of dimensions as src tensor");
  }
  for (int64_t d = 0; d < a.self.dim(); ++d) {
    int64_t is = a.index.sizes()[d];
    bool ok = (d == dim || is <= a.self.sizes()[d]) && (!src_ || is <= a.src.sizes()[d]);
    EMBER_CHECK(ok, op, "Expected index ", shape_str(index_.sizes()), " to be no larger than self ",
                shape_str(self_.sizes()), " apart from dimension ", dim,
                src_ ? std::string(" and to be no larger than src ") + shape_str(src_->sizes()) : std::string());
  }
  check_bounds(a.index, a.self.sizes()[dim], dim, allow_negative, op, ErrorKind::Runtime);
  return a;
}

DimLoop scatter_loop(const ScatterArgs& a, const Tensor& other) {
  DimLoop d;
  d.outer = with_dim(a.index.sizes(), a.dim, 1);
  d.indexed = at_shape(a.self, d.outer);
  d.other = at_shape(other, d.outer);
  d.idx = at_shape(a.index, d.outer);
  d.L = a.index.sizes()[a.dim];
  d.size = a.self.sizes()[a.dim];
  d.indexed_dstride = a.self.strides()[a.dim] * (int64_t)a.self.itemsize();
  d.other_dstride = other.dim() ? other.strides()[a.dim] * (int64_t)other.itemsize() : 0;
  d.idx_dstride = a.index.strides()[a.dim] * 8;
  return d;
}

Red parse_scatter_reduce(const std::string& r, const char* op) {
  if (r.empty()) return Red::Assign;
  if (r == "add") return Red::Add;
  if (r == "multiply") return Red::Mul;
  EMBER_FAIL(op, "reduce argument must be either add or multiply, got ", r);
}

}  // namespace

void idx::dim_loop_put(const DimLoop& d, bool accumulate, const char* op) {
  if (accumulate) run_reduce(d, Red::Add, Scalar((int64_t)1), op);
  else run_copy(d, true);
}

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool wrap_negative, const char* op) {
  ScatterArgs a = prep_scatter(op, self, dim, index, nullptr, true, wrap_negative);
  Tensor out = Tensor::empty(index.sizes(), self.dtype(), self.device());
  run_copy(scatter_loop(a, as_1d(out)), false);
  return out;
}

void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  Red r = parse_scatter_reduce(reduce, "scatter");
  ScatterArgs a = prep_scatter("scatter", self, dim, index, &src, false);
  Tensor s = may_overlap(a.src, a.self) ? clone(a.src) : a.src;
  run_reduce(scatter_loop(a, s), r, Scalar((int64_t)1), "scatter");
  self.bump_version();
}

void scatter_value_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::string& reduce) {
  Red r = parse_scatter_reduce(reduce, "scatter");
  ScatterArgs a = prep_scatter("scatter", self, dim, index, nullptr, false);
  Tensor v = scalar_tensor(value, self.dtype(), self.device());
  Tensor vb = restride(v, a.index.sizes(), Shape(a.index.dim(), 0));
  run_reduce(scatter_loop(a, vb), r, Scalar((int64_t)1), "scatter");
  self.bump_version();
}

void scatter_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                     bool include_self) {
  const char* op = "scatter_reduce";
  Red r;
  bool mean = reduce == "mean";
  if (reduce == "sum" || mean) r = Red::Add;
  else if (reduce == "prod") r = Red::Mul;
  else if (reduce == "amax") r = Red::Max;
  else if (reduce == "amin") r = Red::Min;
  else EMBER_FAIL(op, "reduce argument must be either sum, prod, mean, amax or amin, got ", reduce);
  ScatterArgs a = prep_scatter(op, self, dim, index, &src, false);
  Tensor s = may_overlap(a.src, a.self) ? clone(a.src) : a.src;
  DimLoop d = scatter_loop(a, s);
  if (!include_self) run_init_identity(d, r);
  run_reduce(d, r, Scalar((int64_t)1), op);
  if (mean) {
    // counts per destination (1 for self when included), then divide where touched
    Tensor cnt = Tensor::empty(a.self.sizes(), DType::Int64, self.device());
    fill_(cnt, Scalar((int64_t)(include_self ? 1 : 0)));
    DimLoop dc = d;
    dc.indexed = at_shape(cnt, d.outer);
    dc.indexed_dstride = cnt.strides()[a.dim] * 8;
#ifdef EMBER_WITH_CUDA
    if (self.device().is_cuda()) {  // counts: += 1 (a broadcast int64 one) per touch, then the divide
      EMBER_CHECK(self.dtype() != DType::Bool, op, "not implemented for dtype bool");
      dc.other = restride(scalar_tensor(Scalar((int64_t)1), DType::Int64, self.device()), d.outer,
                          Shape(d.outer.size(), 0));
      dc.other_dstride = 0;
      cuda_dim_loop(dc, Red::Add, true, Scalar((int64_t)1), op);
      cuda::index_mean_divide(a.self, cnt, op);
      self.bump_version();
      return;
    }
#endif
    run_dim_loop(dc, [](char* x, char*) { ++*(int64_t*)x; });
    StridedIter it(a.self.sizes(), {&a.self, &cnt});
    EMBER_DISPATCH_NUMERIC(a.self.dtype(), op, [&] {
      it.for_each([&](char** p, const int64_t* st, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
          int64_t c = *(const int64_t*)(p[1] + i * st[1]);
          if (c <= 1) continue;
          scalar_t* x = (scalar_t*)(p[0] + i * st[0]);
          *x = div_count<scalar_t>(*x, c);
        }
      });
    });
  }
  self.bump_version();
}

// ---- index_select / index_add_ / index_copy_ / index_fill_ ----
namespace {

struct IndexArgs {
  Tensor self, index;
  int64_t dim;
};

IndexArgs prep_index_dim(const char* op, const Tensor& self_, int64_t dim, const Tensor& index_, bool allow_int32,
                         bool allow_negative, ErrorKind dtype_kind) {
  IndexArgs a;
  a.dim = wrap_dim(dim, std::max<int64_t>(self_.dim(), 1), op);
  a.self = as_1d(self_);
  EMBER_CHECK_INDEX(index_.dim() <= 1, op, "Index is supposed to be a vector, got index of shape ",
                    shape_str(index_.sizes()));
  check_same_device(op, self_, index_);
  a.index = as_1d(index_to_long(index_, op, allow_int32, dtype_kind));
  check_bounds(a.index, a.self.sizes()[a.dim], a.dim, allow_negative, op, ErrorKind::Index);
  return a;
}

// Loop over self's positions (dim -> 1) and the index entries; `other` is at self's shape with
// dim length index.numel().
DimLoop index_loop(const IndexArgs& a, const Tensor& other) {
  DimLoop d;
  d.outer = with_dim(a.self.sizes(), a.dim, 1);
  d.indexed = at_shape(a.self, d.outer);
  d.other = at_shape(other, d.outer);
  d.idx = restride(a.index, d.outer, Shape(d.outer.size(), 0));
  d.L = a.index.numel();
  d.size = a.self.sizes()[a.dim];
  d.indexed_dstride = a.self.strides()[a.dim] * (int64_t)a.self.itemsize();
  d.other_dstride = other.strides()[a.dim] * (int64_t)other.itemsize();
  d.idx_dstride = a.index.strides()[0] * 8;
  return d;
}

void check_source(const char* op, const IndexArgs& a, const Tensor& self, const Tensor& source) {
  check_same_device(op, self, source);
  EMBER_CHECK(source.dtype() == self.dtype(), op, "self (", dtype_name(self.dtype()), ") and source (",
              dtype_name(source.dtype()), ") must have the same scalar type");
  Tensor s = as_1d(source);
  bool ok = s.dim() == a.self.dim();
  for (int64_t d = 0; ok && d < s.dim(); ++d) ok = d == a.dim || s.sizes()[d] == a.self.sizes()[d];
  EMBER_CHECK(ok, op, "source ", shape_str(source.sizes()), " must have the shape of self ", shape_str(self.sizes()),
              " except along dim ", a.dim);
  EMBER_CHECK(s.sizes()[a.dim] == a.index.numel(), op, "Number of indices (", a.index.numel(),
              ") should be equal to source.size(dim) (", s.sizes()[a.dim], "), for dim: ", a.dim);
}

}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  const char* op = "index_select";
  IndexArgs a = prep_index_dim(op, self, dim, index, true, false, ErrorKind::Index);
  EMBER_CHECK(self.dim() > 0 || a.index.numel() == 1, op, "Index to scalar can have only 1 value, got ",
              a.index.numel(), " value(s)");
  Shape os = self.dim() == 0 ? Shape{} : with_dim(self.sizes(), a.dim, a.index.numel());
  Tensor out = Tensor::empty(os, self.dtype(), self.device());
  Tensor o = self.dim() == 0 ? restride(out, {1}, {1}) : out;
  // Contiguous rows along dim 0: one memcpy per index (the embedding-lookup case).
  if (!reference() && a.dim == 0 && a.self.is_contiguous() && out.numel() > 0 && self.device().is_cpu()) {
    int64_t row = a.self.numel() / std::max<int64_t>(a.self.sizes()[0], 1) * (int64_t)self.itemsize();
    const char* src = (const char*)a.self.data_ptr();
    char* dst = (char*)o.data_ptr();
    const int64_t* ix = a.index.data<int64_t>();
    int64_t ist = a.index.strides()[0];
    parallel_for(0, a.index.numel(), std::max<int64_t>(1, kGrainSize * 4 / std::max<int64_t>(row, 1)), [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) std::memcpy(dst + j * row, src + ix[j * ist] * row, row);
    });
    return out;
  }
  run_copy(index_loop(a, o), false);
  return out;
}

void index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  const char* op = "index_add_";
  IndexArgs a = prep_index_dim(op, self, dim, index, true, false, ErrorKind::Index);
  check_source(op, a, self, source);
  EMBER_CHECK(is_floating(self.dtype()) || !alpha.is_float(), op,
              "For integral input tensors, argument alpha must not be a floating point number.");
  Tensor s = may_overlap(source, self) ? clone(source) : source;
  run_reduce(index_loop(a, as_1d(s)), Red::Add, alpha, op);
  self.bump_version();
}

void index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  const char* op = "index_copy_";
  IndexArgs a = prep_index_dim(op, self, dim, index, false, false, ErrorKind::Runtime);
  EMBER_CHECK(source.dtype() == self.dtype(), op, "self and source expected to have the same dtype, but got (self) ",
              dtype_name(self.dtype()), " and (source) ", dtype_name(source.dtype()));
  check_source(op, a, self, source);
  Tensor s = may_overlap(source, self) ? clone(source) : source;
  run_copy(index_loop(a, as_1d(s)), true);
  self.bump_version();
}

void index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  const char* op = "index_fill_";
  IndexArgs a = prep_index_dim(op, self, dim, index, false, true, ErrorKind::Index);
  Tensor v = scalar_tensor(value, self.dtype(), self.device());
  Tensor vb = restride(v, a.self.sizes(), Shape(a.self.dim(), 0));
  run_copy(index_loop(a, vb), true);
  self.bump_version();
}

}  // namespace ember
