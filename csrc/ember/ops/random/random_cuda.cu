// random_cuda.cu — Philox fills on the GPU (see random_cuda.h). One thread per Philox block: the
// thread computes the block's E lanes with the same formulas as random.cpp and writes the lanes
// that fall inside the tensor. Double-evaluated formulas are written with explicit _rn
// intrinsics so nvcc cannot contract a multiply and an add into an fma the CPU does not use.
#include <cmath>
#include "ember/cuda/loops.cuh"
#include "ember/ops/random/philox.h"
#include "ember/ops/random/random_cuda.h"

namespace ember::cuda {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kPi = 3.14159265358979323846;

// Uniform doubles of lane l: [0, 1) and (0, 1]; 24-bit for E = 4, 53-bit for E = 2 (random_common.h).
template <int E> __device__ __forceinline__ double unit_co(const uint32_t* r, int l) {
  if constexpr (E == 4) return (double)philox::u24(r[l]);
  else return philox::u53(r[2 * l], r[2 * l + 1]);
}
template <int E> __device__ __forceinline__ double unit_oc(const uint32_t* r, int l) {
  if constexpr (E == 4) return (double)philox::u24o(r[l]);
  else return philox::u53o(r[2 * l], r[2 * l + 1]);
}

// Box-Muller in double on lane pairs (random_common.h std_normals).
template <int E> __device__ __forceinline__ void std_normals(const uint32_t* r, double* z) {
#pragma unroll
  for (int k = 0; k < E; k += 2) {
    double a = unit_oc<E>(r, k), b = unit_co<E>(r, k + 1);
    double rad = sqrt(__dmul_rn(-2.0, log(a))), th = __dmul_rn(kTwoPi, b);
    z[k] = __dmul_rn(rad, cos(th));
    z[k + 1] = __dmul_rn(rad, sin(th));
  }
}

template <class T> __device__ __forceinline__ float unit_for(uint32_t w) {
  if constexpr (std::is_same_v<T, __half>) return philox::u11(w);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return philox::u8(w);
  else return philox::u24(w);
}

// Writes out[i0 + l] for the lanes l < E inside [0, n).
template <int E, class T, class F>
__global__ void fill_blocks_kernel(T* __restrict__ out, int64_t n, uint64_t seed, uint64_t offset, F f) {
  const int64_t nblocks = (n + E - 1) / E;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < nblocks; b += stride) {
    const philox::Block blk = philox::block_at(seed, offset, (uint64_t)b);
    const int64_t i0 = b * E;
    T v[E];
    f(blk.r, i0, v);
#pragma unroll
    for (int l = 0; l < E; ++l)
      if (i0 + l < n) out[i0 + l] = v[l];
  }
}

template <int E, class T, class F>
void launch_fill(const Tensor& out, const RandArgs& a, const char* op, F f) {
  const int64_t n = out.numel();
  if (n == 0) return;
  DeviceGuard g(out.device().index);
  const int64_t nblocks = (n + E - 1) / E;
  fill_blocks_kernel<E, T, F><<<grid_for(nblocks), kThreads, 0, stream_of(out)>>>(
      static_cast<T*>(out.raw_data_ptr()), n, a.seed, a.offset, f);
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// ---- functors: f(r, i0, v) fills v[0..E) -----------------------------------------------------
template <class T> struct UniformF {
  static constexpr int E = std::is_same_v<T, double> ? 2 : 4;
  using C = acc_t<T>;
  C lo, span, hi;  // hi = +inf: no clamp
  T under;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t, T* v) const {
#pragma unroll
    for (int l = 0; l < E; ++l) {
      C u;
      if constexpr (E == 2) u = philox::u53(r[2 * l], r[2 * l + 1]);
      else u = unit_for<T>(r[l]);
      C x;
      if constexpr (std::is_same_v<C, double>) x = __fma_rn(u, span, lo);
      else x = __fmaf_rn(u, span, lo);
      const T xt = from_acc<T>(x);
      v[l] = load<T>(&xt) >= hi ? under : xt;
    }
  }
};

template <class T> struct NormalF {  // float32 and the 16-bit types: Box-Muller in float
  static constexpr int E = 4;
  float mean, std;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t, T* v) const {
    float z[4];
    philox::box_muller_f(r[0], r[1], z[0], z[1]);
    philox::box_muller_f(r[2], r[3], z[2], z[3]);
#pragma unroll
    for (int l = 0; l < 4; ++l) v[l] = from_acc<T>(philox::fmaf_(std, z[l], mean));
  }
};

struct NormalD {
  static constexpr int E = 2;
  double mean, std;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t, double* v) const {
    double z[2];
    std_normals<2>(r, z);
    v[0] = __fma_rn(std, z[0], mean);
    v[1] = __fma_rn(std, z[1], mean);
  }
};

// kind: 0 log-normal, 1 exponential, 2 cauchy, 3 geometric. T: float or double buffer.
template <class T, int Kind> struct UnitMapF {
  static constexpr int E = std::is_same_v<T, double> ? 2 : 4;
  double a, b;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t, T* v) const {
    if constexpr (Kind == 0) {
      double z[E];
      std_normals<E>(r, z);
#pragma unroll
      for (int l = 0; l < E; ++l) v[l] = (T)exp(__dadd_rn(a, __dmul_rn(b, z[l])));
    } else {
#pragma unroll
      for (int l = 0; l < E; ++l) {
        double x;
        if constexpr (Kind == 1) x = -log(unit_oc<E>(r, l)) / a;
        else if constexpr (Kind == 2) x = __dadd_rn(a, __dmul_rn(b, tan(__dmul_rn(kPi, unit_co<E>(r, l) - 0.5))));
        else x = fmin(fmax(ceil(log(unit_oc<E>(r, l)) / a), 1.0), b);
        v[l] = (T)x;
      }
    }
  }
};

struct RandIntF {
  static constexpr int E = 2;
  uint64_t lo, range;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t, int64_t* v) const {
#pragma unroll
    for (int l = 0; l < 2; ++l) {
      const uint64_t x = philox::u64(r[2 * l], r[2 * l + 1]);
      v[l] = (int64_t)(lo + (range ? philox::mulhi64(x, range) : x));
    }
  }
};

template <class T> struct BernoulliF {
  static constexpr int E = 4;
  double p;
  const double* prob;  // null: the scalar p
  int64_t n;
  __device__ __forceinline__ void operator()(const uint32_t* r, int64_t i0, T* v) const {
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const double pl = prob ? (i0 + l < n ? prob[i0 + l] : 0.0) : p;
      v[l] = (T)((double)r[l] * 0x1p-32 < pl ? 1 : 0);
    }
  }
};

template <class T, class C> __device__ __forceinline__ C mul_rn(C a, C b) {
  if constexpr (std::is_same_v<C, double>) return __dmul_rn(a, b);
  else return __fmul_rn(a, b);
}
template <class T, class C> __device__ __forceinline__ C add_rn(C a, C b) {
  if constexpr (std::is_same_v<C, double>) return __dadd_rn(a, b);
  else return __fadd_rn(a, b);
}

template <class T>
__global__ void normal_affine_kernel(T* __restrict__ out, const T* mean, const T* std, acc_t<T> ms, acc_t<T> ss,
                                     int64_t n) {
  using C = acc_t<T>;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const C z = load<T>(out + i);
    const C m = mean ? load<T>(mean + i) : ms;
    const C s = std ? load<T>(std + i) : ss;
    out[i] = from_acc<T>(add_rn<T, C>(mul_rn<T, C>(z, s), m));
  }
}

// A value exactly representable in T, converted on the host.
template <class T> T host_from_double(double v) {
  if constexpr (std::is_same_v<T, __half>) return __float2half_rn((float)v);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __float2bfloat16_rn((float)v);
  else return (T)v;
}

void check_out(const Tensor& out, const char* op) {
  EMBER_CHECK(out.device().is_cuda() && out.is_contiguous(), op, "internal error: random_fill needs a contiguous CUDA "
              "tensor");
}

}  // namespace

void random_fill(int kind, const Tensor& out, const RandArgs& a, const Tensor& prob, const char* op) {
  check_out(out, op);
  const DType dt = out.dtype();
  auto need = [&](bool ok) {
    EMBER_CHECK(ok, op, "internal error: random_fill kind ", kind, " got dtype ", dtype_name(dt));
  };
  switch (kind) {
    case kRandUniform:
      dispatch_float(dt, op, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using C = acc_t<T>;
        UniformF<T> f{(C)a.a, (C)a.b, (C)a.hi, host_from_double<T>(a.under)};
        launch_fill<UniformF<T>::E, T>(out, a, op, f);
      });
      break;
    case kRandNormal:
      if (dt == DType::Float64) {
        launch_fill<NormalD::E, double>(out, a, op, NormalD{a.a, a.b});
      } else {
        dispatch_float(dt, op, [&](auto tag) {
          using T = typename decltype(tag)::type;
          if constexpr (!std::is_same_v<T, double>) launch_fill<NormalF<T>::E, T>(out, a, op, NormalF<T>{(float)a.a, (float)a.b});
        });
      }
      break;
    case kRandLogNormal:
    case kRandExponential:
    case kRandCauchy:
    case kRandGeometric: {
      need(dt == DType::Float64 || (dt == DType::Float32 && kind != kRandGeometric));
      auto run = [&](auto kind_c) {
        constexpr int K = decltype(kind_c)::value;
        if (dt == DType::Float64) launch_fill<2, double>(out, a, op, UnitMapF<double, K>{a.a, a.b});
        else if constexpr (K != 3) launch_fill<4, float>(out, a, op, UnitMapF<float, K>{a.a, a.b});
      };
      if (kind == kRandLogNormal) run(std::integral_constant<int, 0>{});
      else if (kind == kRandExponential) run(std::integral_constant<int, 1>{});
      else if (kind == kRandCauchy) run(std::integral_constant<int, 2>{});
      else run(std::integral_constant<int, 3>{});
      break;
    }
    case kRandInt:
      need(dt == DType::Int64);
      launch_fill<RandIntF::E, int64_t>(out, a, op, RandIntF{(uint64_t)a.lo, a.range});
      break;
    case kRandBernoulli: {
      need(dt == DType::Float32 || itemsize(dt) == 1);
      const double* pp = nullptr;
      if (prob.defined()) {
        EMBER_CHECK(prob.dtype() == DType::Float64 && prob.is_contiguous() && prob.numel() == out.numel() &&
                        prob.device() == out.device(),
                    op, "internal error: bernoulli probabilities must be a contiguous float64 tensor on ",
                    out.device().str());
        pp = static_cast<const double*>(prob.raw_data_ptr());
      }
      if (dt == DType::Float32) launch_fill<BernoulliF<float>::E, float>(out, a, op, BernoulliF<float>{a.a, pp, out.numel()});
      else launch_fill<BernoulliF<uint8_t>::E, uint8_t>(out, a, op, BernoulliF<uint8_t>{a.a, pp, out.numel()});
      break;
    }
    default:
      EMBER_FAIL(op, "internal error: unknown random kind ", kind);
  }
}

void normal_affine(const Tensor& out, const Tensor& mean, const Tensor& std, double mean_s, double std_s) {
  const char* op = "normal";
  check_out(out, op);
  const int64_t n = out.numel();
  if (n == 0) return;
  for (const Tensor* t : {&mean, &std})
    if (t->defined())
      EMBER_CHECK(t->dtype() == out.dtype() && t->is_contiguous() && t->numel() == n && t->device() == out.device(),
                  op, "internal error: normal parameters must match the output");
  DeviceGuard g(out.device().index);
  dispatch_float(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    normal_affine_kernel<T><<<grid_for(n), kThreads, 0, stream_of(out)>>>(
        static_cast<T*>(out.raw_data_ptr()), mean.defined() ? static_cast<const T*>(mean.raw_data_ptr()) : nullptr,
        std.defined() ? static_cast<const T*>(std.raw_data_ptr()) : nullptr, (C)mean_s, (C)std_s, n);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
