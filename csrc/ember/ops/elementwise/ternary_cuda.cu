// ternary_cuda.cu — CUDA kernels of where, clamp (scalar or tensor bounds), lerp, addcmul,
// addcdiv and isclose. ternary.cpp validates, promotes and broadcasts (shared with the CPU);
// operands arrive in the compute dtype, Python-number operands as 0-d CPU tensors (passed by
// value). Semantics as the CPU: clamp propagates nan from x and from either bound; lerp uses
// the two-sided form so weight 0 / 1 give start / end exactly.
#include <cstring>
#include <initializer_list>
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/elementwise/elementwise_cuda.h"
#include "ember/ops/elementwise/map_cuda.cuh"

namespace ember::cuda {

namespace {

// ---- where: a byte-pattern select (any dtype of the same width moves the same bits) ----------
// Operands: 0 out, 1 cond (bool), 2 a, 3 b. A null a/b pointer means the host value av/bv.
template <class U>
__global__ void where_contig_kernel(U* __restrict__ out, const bool* __restrict__ c, const U* a, const U* b, int a_step,
                                    int b_step, int c_step, U av, U bv, int64_t n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const bool m = c[i * c_step];
    out[i] = m ? (a ? a[i * a_step] : av) : (b ? b[i * b_step] : bv);
  }
}

template <class U>
__global__ void where_strided_kernel(char* out, const char* c, const char* a, const char* b, U av, U bv, int64_t n,
                                     OffsetCalc<4> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[4];
    oc.get(i, off);
    const bool m = *reinterpret_cast<const bool*>(c + off[1]);
    U v;
    if (m) v = a ? *reinterpret_cast<const U*>(a + off[2]) : av;
    else v = b ? *reinterpret_cast<const U*>(b + off[3]) : bv;
    *reinterpret_cast<U*>(out + off[0]) = v;
  }
}

template <class U> void where_typed(const Tensor& dst, const Tensor& cond, const Tensor& a, const Tensor& b) {
  const char* name = "where";
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard g(dst.device().index);
  cudaStream_t s = stream_of(dst);
  EMBER_CHECK(cond.device() == dst.device(), name, "Expected all tensors to be on the same device, but found at least "
              "two devices, ", dst.device().str(), " and ", cond.device().str(), "!");
  const Tensor* ab[2] = {&a, &b};
  U hv[2] = {U(0), U(0)};
  Tensor lay[2];
  const U* ptr[2] = {nullptr, nullptr};
  for (int k = 0; k < 2; ++k) {
    const Tensor& t = *ab[k];
    if (t.device().is_cpu()) {
      EMBER_CHECK(t.numel() == 1, name, "Expected all tensors to be on the same device, but found at least two "
                  "devices, ", dst.device().str(), " and cpu!");
      std::memcpy(&hv[k], t.data_ptr(), sizeof(U));
      lay[k] = Tensor(dst.storage(), dst.offset(), dst.sizes(), Shape(dst.dim(), 0), dst.dtype());
    } else {
      EMBER_CHECK(t.device() == dst.device(), name, "Expected all tensors to be on the same device, but found at least "
                  "two devices, ", dst.device().str(), " and ", t.device().str(), "!");
      ptr[k] = static_cast<const U*>(t.raw_data_ptr());
      lay[k] = t;
    }
  }
  StridedIter it(dst.sizes(), {&dst, &cond, &lay[0], &lay[1]}, AnyDeviceTag{});
  U* o = static_cast<U*>(dst.raw_data_ptr());
  const bool* c = static_cast<const bool*>(cond.raw_data_ptr());
  const int so = dense_step(it, 0, sizeof(U)), sc = dense_step(it, 1, 1);
  const int sa = ptr[0] ? dense_step(it, 2, sizeof(U)) : 0, sb = ptr[1] ? dense_step(it, 3, sizeof(U)) : 0;
  if (so == 1 && sc >= 0 && sa >= 0 && sb >= 0) {
    where_contig_kernel<U><<<grid_for(n), kThreads, 0, s>>>(o, c, ptr[0], ptr[1], sa, sb, sc, hv[0], hv[1], n);
  } else {
    where_strided_kernel<U><<<grid_for(n), kThreads, 0, s>>>(reinterpret_cast<char*>(o), reinterpret_cast<const char*>(c),
                                                             reinterpret_cast<const char*>(ptr[0]),
                                                             reinterpret_cast<const char*>(ptr[1]), hv[0], hv[1], n,
                                                             make_offset_calc<4>(it));
  }
  EMBER_CUDA_LAUNCH_CHECK(name);
}

// ---- clamp --------------------------------------------------------------------------------------
template <class A> __device__ __forceinline__ A max_nan(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) { if (a != a) return a; if (b != b) return b; }
  return a < b ? b : a;
}
template <class A> __device__ __forceinline__ A min_nan(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) { if (a != a) return a; if (b != b) return b; }
  return a > b ? b : a;
}
template <class A> struct ClampOp {
  bool use_lo, use_hi;
  __device__ __forceinline__ A operator()(A v, A l, A h) const {
    if (use_lo) v = max_nan(v, l);
    if (use_hi) v = min_nan(v, h);
    return v;
  }
};

// ---- lerp / addcmul / addcdiv / isclose --------------------------------------------------------
template <class A> struct LerpOp {
  __device__ __forceinline__ A operator()(A a, A b, A w) const {
    return fabs(w) < A(0.5) ? A(a + w * (b - a)) : A(b - (b - a) * (A(1) - w));
  }
};
template <class A> struct AddcmulOp {
  A v;
  __device__ __forceinline__ A operator()(A a, A b, A c) const { return A(a + v * b * c); }
};
template <class A> struct AddcdivOp {
  A v;
  __device__ __forceinline__ A operator()(A a, A b, A c) const { return A(a + v * (b / c)); }
};
template <class A> struct IsCloseOp {
  double rtol, atol;
  bool equal_nan;
  __device__ __forceinline__ bool operator()(A x, A y) const {
    if constexpr (std::is_same_v<A, bool>) {
      return x == y;
    } else {
      // integers compare in double; floats in their compute type except the tolerance
      using D = std::conditional_t<std::is_floating_point_v<A>, A, double>;
      const D u = D(x), v = D(y);
      if (u == v) return true;
      if (u != u || v != v) return equal_nan && u != u && v != v;
      const D diff = fabs(u - v);
      if (!isfinite(diff)) return false;
      return (double)diff <= atol + fabs(rtol * (double)v);
    }
  }
};

template <class T> acc_t<T> scalar_as(const Scalar& s) {
  using A = acc_t<T>;
  if constexpr (std::is_same_v<A, bool>) return s.to_bool();
  else if constexpr (std::is_integral_v<A>) return (A)s.to_int();
  else return (A)s.to_double();
}

void check_dtype(const char* name, const Tensor& t, DType dt) {
  EMBER_CHECK(t.dtype() == dt, name, "internal error: CUDA kernel expects dtype ", dtype_name(dt), ", got ",
              dtype_name(t.dtype()));
}

void check_dtypes(const char* name, DType dt, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts) check_dtype(name, *t, dt);
}

}  // namespace

void where_kernel(const Tensor& dst, const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_dtype("where", cond, DType::Bool);
  check_dtype("where", a, dst.dtype());
  check_dtype("where", b, dst.dtype());
  switch (dst.itemsize()) {
    case 1: where_typed<uint8_t>(dst, cond, a, b); break;
    case 2: where_typed<uint16_t>(dst, cond, a, b); break;
    case 4: where_typed<uint32_t>(dst, cond, a, b); break;
    case 8: where_typed<uint64_t>(dst, cond, a, b); break;
    default: EMBER_FAIL("where", "not implemented for dtype ", dtype_name(dst.dtype()), " on cuda");
  }
}

void clamp_kernel(const Tensor& dst, const Tensor& x, const Tensor& lo, const Tensor& hi, bool use_lo, bool use_hi,
                  const char* name) {
  const DType dt = dst.dtype();
  check_dtypes(name, dt, {&x, &lo, &hi});
  dispatch_all(dt, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
    else launch_map<T, T, 3>(name, dst, {&x, &lo, &hi}, ClampOp<acc_t<T>>{use_lo, use_hi});
  });
}

void lerp_kernel(const Tensor& dst, const Tensor& start, const Tensor& end, const Tensor& weight) {
  const DType dt = dst.dtype();
  check_dtypes("lerp", dt, {&start, &end, &weight});
  dispatch_float(dt, "lerp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_map<T, T, 3>("lerp", dst, {&start, &end, &weight}, LerpOp<acc_t<T>>{});
  });
}

void addc_kernel(bool is_div, const Tensor& dst, const Tensor& x, const Tensor& t1, const Tensor& t2,
                 const Scalar& value) {
  const char* name = is_div ? "addcdiv" : "addcmul";
  const DType dt = dst.dtype();
  check_dtypes(name, dt, {&x, &t1, &t2});
  dispatch_all(dt, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_NOT_IMPLEMENTED(name, "not implemented for 'bool'");
    } else if (is_div) {
      if constexpr (std::is_floating_point_v<A>) launch_map<T, T, 3>(name, dst, {&x, &t1, &t2}, AddcdivOp<A>{scalar_as<T>(value)});
      else EMBER_FAIL(name, "internal error: integer addcdiv");
    } else {
      launch_map<T, T, 3>(name, dst, {&x, &t1, &t2}, AddcmulOp<A>{scalar_as<T>(value)});
    }
  });
}

void isclose_kernel(const Tensor& dst, const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_dtype("isclose", dst, DType::Bool);
  check_dtype("isclose", b, a.dtype());
  dispatch_all(a.dtype(), "isclose", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_map<bool, T, 2>("isclose", dst, {&a, &b}, IsCloseOp<acc_t<T>>{rtol, atol, equal_nan});
  });
}

}  // namespace ember::cuda
