// shape_tri.cpp — triangles (tril/triu, their index lists), diagonals (diag, diag_embed,
// diagflat, trace) and small products built on them (outer, cross, kron).
//   tril/triu reference: per element; fast: per matrix row, a memcpy of the kept part and a
//   zero fill of the rest (both operands may be strided; in place only zeroes).
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/fill.h"
#include "ember/core/iter.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/shape/shape_util.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/shape/shape_cuda.h"
#endif

namespace ember {
using namespace shape_detail;
namespace {

// Columns [lo, hi) of row i are kept; the rest become zero.
inline void kept_range(bool lower, int64_t i, int64_t k, int64_t C, int64_t& lo, int64_t& hi) {
  if (lower) { lo = 0; hi = std::clamp<int64_t>(i + k + 1, 0, C); }
  else { lo = std::clamp<int64_t>(i + k, 0, C); hi = C; }
}

template <class T>
void tri_kernel(const Tensor& out, const Tensor& src, int64_t k, bool lower) {
  const int64_t nd = out.dim(), R = out.sizes()[nd - 2], C = out.sizes()[nd - 1];
  const int64_t rows = out.numel() / C;
  const Shape &os = out.strides(), &ss = src.strides();
  T* o = out.data<T>();
  const T* s = src.data<T>();
  const bool in_place = (const void*)o == (const void*)s && os == ss;
  const bool ref = use_reference_kernels();
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t rem = r, oo = 0, so = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {
        int64_t n = out.sizes()[d], i = rem % n;
        rem /= n;
        oo += i * os[d];
        so += i * ss[d];
      }
      int64_t i = r % R, lo, hi;
      kept_range(lower, i, k, C, lo, hi);
      T* orow = o + oo;
      const T* srow = s + so;
      const int64_t oc = os[nd - 1], sc = ss[nd - 1];
      if (ref) {
        for (int64_t j = 0; j < C; ++j) orow[j * oc] = (lower ? j - i <= k : j - i >= k) ? srow[j * sc] : T(0);
        continue;
      }
      if (oc == 1 && sc == 1) {
        if (lo > 0) std::memset(orow, 0, lo * sizeof(T));
        if (!in_place && hi > lo) std::memcpy(orow + lo, srow + lo, (hi - lo) * sizeof(T));
        if (C > hi) std::memset(orow + hi, 0, (C - hi) * sizeof(T));
      } else {
        for (int64_t j = 0; j < lo; ++j) orow[j * oc] = T(0);
        if (!in_place) for (int64_t j = lo; j < hi; ++j) orow[j * oc] = srow[j * sc];
        for (int64_t j = hi; j < C; ++j) orow[j * oc] = T(0);
      }
    }
  });
}

void tri_into(const Tensor& out, const Tensor& t, int64_t k, bool lower) {
  if (out.numel() == 0) return;
  for (int64_t d = 0; d < out.dim(); ++d)
    EMBER_CHECK(out.strides()[d] != 0 || out.sizes()[d] <= 1, lower ? "tril" : "triu", "unsupported operation: more "
                "than one element of the written-to tensor refers to a single memory location. Please clone() the "
                "tensor before performing the operation.");
#ifdef EMBER_WITH_CUDA
  if (out.device().is_cuda()) {
    if (t.device() != out.device()) device_mismatch_fail(lower ? "tril" : "triu", out.device(), t.device());
    cuda::shape_tri(out, t, k, lower, lower ? "tril" : "triu");
    return;
  }
#endif
  EMBER_DISPATCH_BYTES(t.dtype(), "tril", [&] { tri_kernel<scalar_t>(out, t, k, lower); });
}

Tensor tri(const Tensor& t, int64_t k, const Tensor& out, bool lower) {
  const char* op = lower ? "tril" : "triu";
  EMBER_CHECK(t.dim() >= 2, op, op, ": input tensor must have at least 2 dimensions");
  Tensor res = Tensor::empty(t.sizes(), t.dtype(), t.device());
  tri_into(res, t, k, lower);
  if (!out.defined()) return res;
  EMBER_CHECK(out.dtype() == t.dtype(), op, "Expected out tensor to have dtype ", dtype_name(t.dtype()), ", but got ",
              dtype_name(out.dtype()), " instead");
  if (out.sizes() != t.sizes()) return res;  // the caller rebinds `out` to the result
  if (out.device() != t.device()) device_mismatch_fail(op, t.device(), out.device());
  copy_(out, res);
  return out;
}

Tensor tri_indices(int64_t row, int64_t col, int64_t offset, DType dtype, bool lower) {
  const char* op = lower ? "tril_indices" : "triu_indices";
  EMBER_CHECK(row >= 0, op, "row must be non-negative, got", row);
  EMBER_CHECK(col >= 0, op, "col must be non-negative, got", col);
  EMBER_CHECK_KIND(is_integral(dtype), NotImplemented, op, "\"", op, "\" not implemented for '", dtype_name(dtype), "'");
  checked_mul(row, col, op);
  // Row i keeps columns [lo, hi); only rows with 0 < count < col need a look of their own.
  auto range = [&](int64_t i, int64_t& lo, int64_t& hi) {
    __int128 b = (__int128)i + offset;
    if (lower) { lo = 0; hi = (int64_t)std::clamp<__int128>(b + 1, 0, col); }
    else { lo = (int64_t)std::clamp<__int128>(b, 0, col); hi = col; }
  };
  // Rows outside [first, last) are all-or-nothing: before it lower rows are empty / upper full.
  int64_t first = (int64_t)std::clamp<__int128>(-(__int128)offset - 1, 0, row);
  int64_t last = (int64_t)std::clamp<__int128>((__int128)col - offset + 1, 0, row);
  last = std::max(last, first);
  int64_t n = 0, lo, hi;
  for (int64_t i = first; i < last; ++i) { range(i, lo, hi); n = checked_add(n, hi - lo, op); }
  n = checked_add(n, checked_mul(lower ? row - last : first, col, op), op);
  check_numel({2, n}, op);
  Tensor idx = Tensor::empty({2, n}, DType::Int64);
  int64_t *pr = idx.data<int64_t>(), *pc = pr + n;
  for (int64_t i = lower ? first : 0; i < (lower ? row : last); ++i) {
    range(i, lo, hi);
    for (int64_t j = lo; j < hi; ++j) { *pr++ = i; *pc++ = j; }
  }
  return to_dtype(idx, dtype);
}

}  // namespace

Tensor tril(const Tensor& t, int64_t k, const Tensor& out) { return tri(t, k, out, true); }
Tensor triu(const Tensor& t, int64_t k, const Tensor& out) { return tri(t, k, out, false); }
void tril_(const Tensor& t, int64_t k) {
  EMBER_CHECK(t.dim() >= 2, "tril_", "tril: input tensor must have at least 2 dimensions");
  tri_into(t, t, k, true);
  t.bump_version();
}
void triu_(const Tensor& t, int64_t k) {
  EMBER_CHECK(t.dim() >= 2, "triu_", "triu: input tensor must have at least 2 dimensions");
  tri_into(t, t, k, false);
  t.bump_version();
}
Tensor tril_indices(int64_t row, int64_t col, int64_t offset, DType dtype) { return tri_indices(row, col, offset, dtype, true); }
Tensor triu_indices(int64_t row, int64_t col, int64_t offset, DType dtype) { return tri_indices(row, col, offset, dtype, false); }

Tensor diag(const Tensor& t, int64_t k) {
  EMBER_CHECK(t.dim() == 1 || t.dim() == 2, "diag", "diag(): Supports 1D or 2D tensors. Got ", t.dim(), "D");
  if (t.dim() == 2) return clone(diagonal(t, k, 0, 1));
  int64_t m = checked_add(t.sizes()[0], k < 0 ? checked_mul(k, -1, "diag") : k, "diag");
  check_numel({m, m}, "diag");
  Tensor out = full({m, m}, Scalar((int64_t)0), t.dtype(), t.device());
  copy_(diagonal(out, k, 0, 1), t);
  return out;
}

Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t nd = t.dim() + 1;
  dim1 = wrap_dim(dim1, nd, "diag_embed");
  dim2 = wrap_dim(dim2, nd, "diag_embed");
  EMBER_CHECK(dim1 != dim2, "diag_embed", "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t m = checked_add(t.sizes().back(), offset < 0 ? checked_mul(offset, -1, "diag_embed") : offset, "diag_embed");
  Shape shape(t.sizes().begin(), t.sizes().end() - 1);
  int64_t lo = std::min(dim1, dim2), hi = std::max(dim1, dim2);
  shape.insert(shape.begin() + lo, m);
  shape.insert(shape.begin() + hi, m);
  check_numel(shape, "diag_embed");
  Tensor out = full(shape, Scalar((int64_t)0), t.dtype(), t.device());
  copy_(diagonal(out, offset, dim1, dim2), t);
  return out;
}

Tensor diagflat(const Tensor& t, int64_t offset) { return diag(reshape(t, {-1}), offset); }

Tensor trace(const Tensor& t) {
  EMBER_CHECK(t.dim() == 2, "trace", "trace: expected a matrix, but got tensor with dim ", t.dim());
  EMBER_CHECK_KIND(t.dtype() != DType::Bool, NotImplemented, "trace", "\"trace\" not implemented for 'bool'");
  DType rt = is_floating(t.dtype()) ? t.dtype() : DType::Int64;
  Tensor out = Tensor::empty({}, rt, t.device());
  Tensor d = diagonal(t, 0, 0, 1);
#ifdef EMBER_WITH_CUDA
  if (t.device().is_cuda()) { cuda::shape_trace(out, d, "trace"); return out; }
#endif
  const int64_t n = d.sizes()[0], st = d.strides()[0];
  EMBER_DISPATCH_NUMERIC(t.dtype(), "trace", [&] {
    using acc = std::conditional_t<std::is_floating_point_v<acc_t<scalar_t>>, double, int64_t>;
    acc sum = 0;
    const scalar_t* p = d.data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) sum += (acc)(compute_t<scalar_t>)p[i * st];
    if (is_floating(rt)) *out.data<scalar_t>() = scalar_t((compute_t<scalar_t>)sum);
    else *out.data<int64_t>() = (int64_t)sum;
  });
  return out;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1, "outer", "outer: Expected 1-D argument self, but got ", a.dim(), "-D");
  EMBER_CHECK(b.dim() == 1, "outer", "outer: Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return binary(BinaryOp::Mul, unsqueeze(a, 1), unsqueeze(b, 0), Scalar((int64_t)1), Tensor(), "outer");
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim_) {
  EMBER_CHECK(a.dim() == b.dim(), "cross", "linalg.cross: inputs must have the same number of dimensions.");
  EMBER_CHECK(a.dtype() == b.dtype(), "cross", "expected both inputs to have the same dtype, but got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  EMBER_CHECK_KIND(a.dtype() != DType::Bool, NotImplemented, "cross", "\"cross\" not implemented for 'bool'");
  int64_t dim = -1;
  if (dim_) {
    dim = wrap_dim(*dim_, a.dim(), "cross");
  } else {
    for (int64_t d = 0; d < a.dim() && dim < 0; ++d) if (a.sizes()[d] == 3) dim = d;
    EMBER_CHECK(dim >= 0, "cross", "no dimension of size 3 in input");
  }
  EMBER_CHECK(a.dim() > 0 && a.sizes()[dim] == 3 && b.sizes()[dim] == 3, "cross", "linalg.cross: inputs dimension ",
              dim, " must have length 3. Got ", a.dim() ? a.sizes()[dim] : 0, " and ", b.dim() ? b.sizes()[dim] : 0);
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "cross");
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  Shape it_shape = shape;
  it_shape[dim] = 1;
  Tensor o1 = narrow(out, dim, 0, 1), a1 = narrow(a, dim, 0, 1), b1 = narrow(b, dim, 0, 1);
  const int64_t isz = (int64_t)a.itemsize();
  const int64_t so = out.strides()[dim] * isz, sa = a.strides()[dim] * isz, sb = b.strides()[dim] * isz;
#ifdef EMBER_WITH_CUDA
  if (out.device().is_cuda()) {
    if (a.device() != out.device()) device_mismatch_fail("cross", out.device(), a.device());
    if (b.device() != out.device()) device_mismatch_fail("cross", out.device(), b.device());
    cuda::shape_cross(o1, a1, b1, so, sa, sb, "cross");
    return out;
  }
#endif
  StridedIter it(it_shape, {&o1, &a1, &b1});
  EMBER_DISPATCH_NUMERIC(a.dtype(), "cross", [&] {
    using T = scalar_t;
    using C = compute_t<T>;
    it.for_each([&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const char* pa = p[1] + i * s[1];
        const char* pb = p[2] + i * s[2];
        char* po = p[0] + i * s[0];
        C a0 = (C)*(const T*)pa, a1v = (C)*(const T*)(pa + sa), a2 = (C)*(const T*)(pa + 2 * sa);
        C b0 = (C)*(const T*)pb, b1v = (C)*(const T*)(pb + sb), b2 = (C)*(const T*)(pb + 2 * sb);
        *(T*)po = T(a1v * b2 - a2 * b1v);
        *(T*)(po + so) = T(a2 * b0 - a0 * b2);
        *(T*)(po + 2 * so) = T(a0 * b1v - a1v * b0);
      }
    }, kGrainSize / 8);
  });
  return out;
}

Tensor kron(const Tensor& a, const Tensor& b) {
  int64_t nd = std::max(a.dim(), b.dim());
  Shape as(nd - a.dim(), 1), bs(nd - b.dim(), 1);
  as.insert(as.end(), a.sizes().begin(), a.sizes().end());
  bs.insert(bs.end(), b.sizes().begin(), b.sizes().end());
  Shape av, bv, out_shape;
  for (int64_t d = 0; d < nd; ++d) {
    av.push_back(as[d]); av.push_back(1);
    bv.push_back(1); bv.push_back(bs[d]);
    out_shape.push_back(checked_mul(as[d], bs[d], "kron"));
  }
  check_numel(out_shape, "kron");
  Tensor prod = binary(BinaryOp::Mul, reshape(a, av), reshape(b, bv), Scalar((int64_t)1), Tensor(), "kron");
  return reshape(prod, out_shape);
}

}  // namespace ember
