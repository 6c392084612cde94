// ternary.cpp — where, clamp, lerp, addcmul, addcdiv, isclose/allclose/equal. Validation and
// promotion first (result_type over every tensor and Python-number argument), then one strided
// pass. Scalar arguments become 0-d tensors of the compute dtype (stride 0 in the iterator).
#include <cmath>
#include <type_traits>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#include "ember/core/parallel.h"
#include "ember/core/promote.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/binary_kernels.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/elementwise/loops.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/elementwise/elementwise_cuda.h"
#endif

namespace ember {
namespace {

void add_to(ResultTypeState& s, const TensorOrScalar& v) {
  if (auto* t = std::get_if<Tensor>(&v)) s.add(*t); else s.add(std::get<Scalar>(v));
}

Tensor as_tensor(const TensorOrScalar& v, DType dt) {
  if (auto* t = std::get_if<Tensor>(&v)) return to_dtype(*t, dt);
  Tensor r = Tensor::empty({}, dt);
  fill_scalar_into(r, std::get<Scalar>(v));
  return r;
}

const Shape& sizes_of(const TensorOrScalar& v) {
  static const Shape kScalar;
  if (auto* t = std::get_if<Tensor>(&v)) return t->sizes();
  return kScalar;
}

bool same_view(const Tensor& a, const Tensor& b) {
  return a.raw_data_ptr() == b.raw_data_ptr() && a.strides() == b.strides() && a.sizes() == b.sizes();
}

// The device an op runs on: that of its tensor operands, where a 0-d CPU tensor (a wrapped
// number) may join tensors on another device, as in PyTorch. Mixed devices otherwise raise.
Device op_device(const char* name, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts)
    if (t && t->defined() && !(t->dim() == 0 && t->device().is_cpu())) { first = t; break; }
  if (!first) return Device();
  for (const Tensor* t : ts) {
    if (!t || !t->defined() || (t->dim() == 0 && t->device().is_cpu())) continue;
    EMBER_CHECK(t->device() == first->device(), name, "Expected all tensors to be on the same device, but found at "
                "least two devices, ", first->device().str(), " and ", t->device().str(), "!");
  }
  return first->device();
}

const Tensor* tensor_of(const TensorOrScalar& v) { return std::get_if<Tensor>(&v); }
const Tensor* tensor_of(const std::optional<TensorOrScalar>& v) { return v ? std::get_if<Tensor>(&*v) : nullptr; }

// Runs `kernel(dst)` into the output, through a temporary when `out` has another dtype or
// partially overlaps an input.
template <class K>
Tensor finish(const char* name, const Shape& shape, DType rd, const Tensor& out, std::initializer_list<const Tensor*> ins,
              Device dev, const K& kernel) {
  Tensor dst = prepare_output(name, shape, rd, out, dev);
  bool direct = dst.dtype() == rd;
  if (direct && out.defined())
    for (const Tensor* in : ins)
      if (may_overlap(dst, *in) && !same_view(dst, *in)) direct = false;
  if (direct) {
    if (dst.numel()) kernel(dst);
  } else {
    Tensor tmp = Tensor::empty(shape, rd, dev);
    if (tmp.numel()) kernel(tmp);
    copy_(dst, tmp);
  }
  if (out.defined()) out.bump_version();
  return dst;
}
}  // namespace

// ---- where ----
Tensor where(const Tensor& cond, const TensorOrScalar& a, const TensorOrScalar& b, const Tensor& out) {
  EMBER_CHECK(cond.dtype() == DType::Bool || cond.dtype() == DType::UInt8, "where",
              "where expected condition to be a boolean tensor, but got a tensor with dtype ", dtype_name(cond.dtype()));
  ResultTypeState rs;
  add_to(rs, a);
  add_to(rs, b);
  DType ct = rs.result();
  Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), sizes_of(a), "where"), sizes_of(b), "where");
  const Device dev = op_device("where", {&cond, tensor_of(a), tensor_of(b)});
  Tensor c = cond.dtype() == DType::Bool ? cond : to_dtype(cond, DType::Bool);
  Tensor ta = as_tensor(a, ct), tb = as_tensor(b, ct);
  if (c.device() != dev) {  // a 0-d CPU condition with operands on the GPU: one element to move
    Tensor d = Tensor::empty(c.sizes(), DType::Bool, dev);
    copy_(d, c);
    c = d;
  }
  return finish("where", shape, ct, out, {&c, &ta, &tb}, dev, [&](const Tensor& dst) {
#ifdef EMBER_WITH_CUDA
    if (dst.device().is_cuda()) { cuda::where_kernel(dst, c, ta, tb); return; }
#endif
    StridedIter it(shape, {&dst, &c, &ta, &tb});
    EMBER_DISPATCH_BYTES(ct, "where", [&] {
      using T = scalar_t;
      it.for_each([](char** p, const int64_t* s, int64_t n) {
        if (s[0] == sizeof(T) && s[1] == 1 && s[2] == sizeof(T) && s[3] == sizeof(T)) {
          T* o = (T*)p[0];
          const bool* m = (const bool*)p[1];
          const T *x = (const T*)p[2], *y = (const T*)p[3];
          // branchless bit select (random masks would mispredict a branch); vectorizes
          for (int64_t i = 0; i < n; ++i) {
            T mask = T(T(0) - T(m[i]));
            o[i] = T((x[i] & mask) | (y[i] & T(~mask)));
          }
        } else {  // strided / broadcast operands: the same branchless select
          for (int64_t i = 0; i < n; ++i) {
            T mask = T(T(0) - T(*(const bool*)(p[1] + i * s[1])));
            T xv = *(const T*)(p[2] + i * s[2]), yv = *(const T*)(p[3] + i * s[3]);
            *(T*)(p[0] + i * s[0]) = T((xv & mask) | (yv & T(~mask)));
          }
        }
      });
    });
  });
}

// ---- clamp ----
namespace {
// nan-propagating max/min (nan in either operand wins).
template <class C> inline C max_nan(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) { if (a != a) return a; if (b != b) return b; }
  return a < b ? b : a;
}
template <class C> inline C min_nan(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) { if (a != a) return a; if (b != b) return b; }
  return a > b ? b : a;
}
}  // namespace

Tensor clamp(const Tensor& x, const std::optional<TensorOrScalar>& lo, const std::optional<TensorOrScalar>& hi,
             const Tensor& out, const char* name) {
  EMBER_CHECK(lo || hi, name, "At least one of 'min' or 'max' must not be None");
  ResultTypeState rs;
  rs.add(x);
  if (lo) add_to(rs, *lo);
  if (hi) add_to(rs, *hi);
  DType ct = rs.result();
  if (ct == DType::Bool) EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
  Shape shape = x.sizes();
  if (lo) shape = broadcast_shapes(shape, sizes_of(*lo), name);
  if (hi) shape = broadcast_shapes(shape, sizes_of(*hi), name);
  const Device dev = op_device(name, {&x, tensor_of(lo), tensor_of(hi)});
  Tensor cx = to_dtype(x, ct);
  // A missing bound is a 0-d copy of the other one; the kernel flags say which to apply.
  Tensor tl = lo ? as_tensor(*lo, ct) : as_tensor(*hi, ct);
  Tensor th = hi ? as_tensor(*hi, ct) : tl;
  const bool use_lo = (bool)lo, use_hi = (bool)hi;
  return finish(name, shape, ct, out, {&cx, &tl, &th}, dev, [&](const Tensor& dst) {
#ifdef EMBER_WITH_CUDA
    if (dst.device().is_cuda()) { cuda::clamp_kernel(dst, cx, tl, th, use_lo, use_hi, name); return; }
#endif
    // Number (0-d) bounds on a dense input: hoist the bounds out of the loop and keep the body
    // branch-free so it vectorizes (v < l ? l : v keeps a nan v; a nan bound gives nan).
    if (tl.numel() == 1 && th.numel() == 1 && cx.is_contiguous() && dst.is_contiguous() && cx.sizes() == shape &&
        !use_reference_kernels() && (ct == DType::Float32 || ct == DType::Float64)) {
      EMBER_DISPATCH_FLOAT(ct, name, [&] {
        using T = scalar_t;
        if constexpr (std::is_floating_point_v<T>) {
          const T l = *tl.data<T>(), h = *th.data<T>();
          const T* xp = cx.data<T>();
          T* o = dst.data<T>();
          const bool lo_nan = use_lo && l != l, hi_nan = use_hi && h != h;
          parallel_for(0, dst.numel(), kGrainSize, [&](int64_t b, int64_t e) {
            if (lo_nan || hi_nan) {
              for (int64_t i = b; i < e; ++i) o[i] = lo_nan ? l : h;
            } else if (use_lo && use_hi) {
              for (int64_t i = b; i < e; ++i) { T v = xp[i]; v = v < l ? l : v; o[i] = v > h ? h : v; }
            } else if (use_lo) {
              for (int64_t i = b; i < e; ++i) { T v = xp[i]; o[i] = v < l ? l : v; }
            } else {
              for (int64_t i = b; i < e; ++i) { T v = xp[i]; o[i] = v > h ? h : v; }
            }
          });
        }
      });
      return;
    }
    StridedIter it(shape, {&dst, &cx, &tl, &th});
    EMBER_DISPATCH_NUMERIC(ct, name, [&] {
      using T = scalar_t;
      using C = compute_t<T>;
      auto body = [use_lo, use_hi](char** p, const int64_t* s, int64_t n) {
        if (use_lo && use_hi) ternary_loop<T, T>(p, s, n, [](C v, C l, C h) { return min_nan(max_nan(v, l), h); });
        else if (use_lo) ternary_loop<T, T>(p, s, n, [](C v, C l, C) { return max_nan(v, l); });
        else ternary_loop<T, T>(p, s, n, [](C v, C, C h) { return min_nan(v, h); });
      };
      it.for_each(body);
    });
  });
}

// ---- lerp ----
Tensor lerp(const Tensor& start, const Tensor& end, const TensorOrScalar& weight, const Tensor& out) {
  DType dt = start.dtype();
  EMBER_CHECK(end.dtype() == dt, "lerp", "expected dtype ", dtype_name(dt), " for `end` but got dtype ",
              dtype_name(end.dtype()));
  if (auto* w = std::get_if<Tensor>(&weight))
    EMBER_CHECK(w->dtype() == dt, "lerp", "expected dtype ", dtype_name(dt), " for `weight` but got dtype ",
                dtype_name(w->dtype()));
  if (!is_floating(dt)) EMBER_NOT_IMPLEMENTED("lerp", "not implemented for '", dtype_name(dt), "'");
  Shape shape = broadcast_shapes(broadcast_shapes(start.sizes(), end.sizes(), "lerp"), sizes_of(weight), "lerp");
  const Device dev = op_device("lerp", {&start, &end, tensor_of(weight)});
  Tensor tw = as_tensor(weight, dt);
  return finish("lerp", shape, dt, out, {&start, &end, &tw}, dev, [&](const Tensor& dst) {
#ifdef EMBER_WITH_CUDA
    if (dst.device().is_cuda()) { cuda::lerp_kernel(dst, start, end, tw); return; }
#endif
    StridedIter it(shape, {&dst, &start, &end, &tw});
    EMBER_DISPATCH_FLOAT(dt, "lerp", [&] {
      using T = scalar_t;
      using C = compute_t<T>;
      // Two forms so that weight 0 gives start and weight 1 gives end exactly.
      it.for_each([](char** p, const int64_t* s, int64_t n) {
        ternary_loop<T, T>(p, s, n, [](C a, C b, C w) {
          return std::abs(w) < C(0.5) ? C(a + w * (b - a)) : C(b - (b - a) * (C(1) - w));
        });
      });
    });
  });
}

// ---- addcmul / addcdiv ----
namespace {
Tensor addc(bool is_div, const Tensor& x, const Tensor& t1, const Tensor& t2, const Scalar& value, const Tensor& out) {
  const char* name = is_div ? "addcdiv" : "addcmul";
  ResultTypeState rs;
  rs.add(x); rs.add(t1); rs.add(t2);
  DType ct = rs.result();
  if (is_div)
    EMBER_CHECK(is_floating(t1.dtype()) || is_floating(t2.dtype()), name, "Integer division with addcdiv is no longer "
                "supported, and in a future release addcdiv will perform a true division of tensor1 and tensor2. The "
                "historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to("
                "input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.");
  if (ct == DType::Bool) EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
  Shape shape = broadcast_shapes(broadcast_shapes(x.sizes(), t1.sizes(), name), t2.sizes(), name);
  const Device dev = op_device(name, {&x, &t1, &t2});
  Tensor cx = to_dtype(x, ct), c1 = to_dtype(t1, ct), c2 = to_dtype(t2, ct);
  return finish(name, shape, ct, out, {&cx, &c1, &c2}, dev, [&](const Tensor& dst) {
#ifdef EMBER_WITH_CUDA
    if (dst.device().is_cuda()) { cuda::addc_kernel(is_div, dst, cx, c1, c2, value); return; }
#endif
    StridedIter it(shape, {&dst, &cx, &c1, &c2});
    EMBER_DISPATCH_NUMERIC(ct, name, [&] {
      using T = scalar_t;
      using C = compute_t<T>;
      const C v = value.to<C>();
      if (is_div) {
        if constexpr (std::is_floating_point_v<C>)
          it.for_each([v](char** p, const int64_t* s, int64_t n) {
            ternary_loop<T, T>(p, s, n, [v](C a, C b, C c) { return C(a + v * (b / c)); });
          });
      } else {
        it.for_each([v](char** p, const int64_t* s, int64_t n) {
          ternary_loop<T, T>(p, s, n, [v](C a, C b, C c) { return C(a + v * b * c); });
        });
      }
    });
  });
}
}  // namespace

Tensor addcmul(const Tensor& x, const Tensor& t1, const Tensor& t2, const Scalar& value, const Tensor& out) {
  return addc(false, x, t1, t2, value, out);
}
Tensor addcdiv(const Tensor& x, const Tensor& t1, const Tensor& t2, const Scalar& value, const Tensor& out) {
  return addc(true, x, t1, t2, value, out);
}

// ---- isclose / allclose / equal ----
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.dtype() == b.dtype(), "isclose", dtype_name(a.dtype()), " did not match ", dtype_name(b.dtype()));
  EMBER_CHECK(rtol >= 0, "isclose", "rtol must be greater than or equal to zero, but got ", rtol);
  EMBER_CHECK(atol >= 0, "isclose", "atol must be greater than or equal to zero, but got ", atol);
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "isclose");
  const Device dev = op_device("isclose", {&a, &b});
  Tensor dst = Tensor::empty(shape, DType::Bool, dev);
  if (dst.numel() == 0) return dst;
#ifdef EMBER_WITH_CUDA
  if (dev.is_cuda()) {
    cuda::isclose_kernel(dst, a, b, rtol, atol, equal_nan);
    return dst;
  }
#endif
  StridedIter it(shape, {&dst, &a, &b});
  EMBER_DISPATCH_ALL(a.dtype(), "isclose", [&] {
    using T = scalar_t;
    it.for_each([=](char** p, const int64_t* s, int64_t n) {
      binary_loop<bool, T>(p, s, n, [=](compute_t<T> x, compute_t<T> y) {
        if constexpr (std::is_same_v<T, bool>) return x == y;
        else {
          // integers compare in double; floats in their compute type except the tolerance
          using D = std::conditional_t<std::is_floating_point_v<compute_t<T>>, compute_t<T>, double>;
          D u = D(x), v = D(y);
          if (u == v) return true;
          if (u != u || v != v) return equal_nan && u != u && v != v;
          D diff = std::abs(u - v);
          if (!std::isfinite(diff)) return false;
          return (double)diff <= atol + std::abs(rtol * (double)v);
        }
      });
    });
  });
  return dst;
}

namespace {
bool all_true(const Tensor& t_in) {
  bool ok = true;
  if (t_in.numel() == 0) return true;
  Tensor t = t_in;
  if (!t.device().is_cpu()) {
    // The answer is a host bool, so the device result comes back (a synchronizing copy).
    t = Tensor::empty(t_in.sizes(), DType::Bool);
    copy_(t, t_in);
  }
  StridedIter it(t.sizes(), {&t});
  it.for_each([&ok](char** p, const int64_t* s, int64_t n) {
    bool all = true;
    for (int64_t i = 0; i < n; ++i) all &= *(const bool*)(p[0] + i * s[0]);
    if (!all) ok = false;  // benign race: every writer stores false
  });
  return ok;
}
}  // namespace

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all_true(isclose(a, b, rtol, atol, equal_nan));
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  return all_true(binary(BinaryOp::Eq, a, b, Scalar((int64_t)1), Tensor(), "equal"));
}

}  // namespace ember
