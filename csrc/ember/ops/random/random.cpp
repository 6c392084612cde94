// random.cpp — in-place distribution fills (uniform_, normal_, random_, bernoulli_, exponential_,
// geometric_, cauchy_, log_normal_) and normal/bernoulli with tensor parameters. Each op
// validates, reserves numel() units of generator offset, fills a contiguous buffer with the
// block driver of random_common.h and, for a strided `self`, copies it in.
#include "ember/ops/random/random.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#include "ember/core/view.h"
#include "ember/ops/random/random_common.h"
#include "ember/ops/random/random_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/random/random_cuda.h"
#endif

namespace ember {

const RandomKernel* random_kernels(Isa isa) {
  return pick_isa(isa, base::random_kernel, avx2::random_kernel, avx512::random_kernel);
}

using namespace rng;

namespace {

constexpr int64_t kMinTiled = 1024;  // below this the 64-block tiles of the fast kernels don't pay off

void check_writable(const Tensor& self, const char* op) {
  for (int64_t d = 0; d < self.dim(); ++d)
    EMBER_CHECK(!(self.strides()[d] == 0 && self.sizes()[d] > 1), op,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

// Reserves the generator range and runs fn(contiguous tensor of dtype `as`, draw); a strided
// `self` or one of another dtype gets the values through copy_ (exact conversions only: the
// callers generate integers or 0/1 in a type that holds them). Generating in a few dtypes and
// converting keeps the number of kernel instantiations (and compile time) down.
template <class Fn>
void fill_into_as(const Tensor& self, DType as, Generator* gen, const char* op, const Fn& fn) {
  check_writable(self, op);
  int64_t n = self.numel();
  Generator::Draw d = generator_for(self.device().is_cuda(), self.device().index, gen).reserve((uint64_t)n);
  if (n == 0) return;
  if (self.is_contiguous() && self.dtype() == as) {
    fn(self, d);
  } else {
    Tensor tmp = Tensor::empty(self.sizes(), as, self.device());
    fn(tmp, d);
    copy_(self, tmp);
  }
  self.bump_version();
}

// random_cuda.h's kinds as plain ints, so a CPU-only build compiles the same calls.
constexpr int kCudaNormal = 1, kCudaLogNormal = 2, kCudaExponential = 3, kCudaCauchy = 4, kCudaGeometric = 5,
              kCudaBernoulli = 7;
#ifdef EMBER_WITH_CUDA
static_assert(kCudaNormal == cuda::kRandNormal && kCudaLogNormal == cuda::kRandLogNormal &&
              kCudaExponential == cuda::kRandExponential && kCudaCauchy == cuda::kRandCauchy &&
              kCudaGeometric == cuda::kRandGeometric && kCudaBernoulli == cuda::kRandBernoulli);
#endif

// The CUDA fill of `kind` (random_cuda.h) for the reserved draw; true when `t` is a CUDA tensor
// (then the caller's CPU loop must not run). Always false in a CPU-only build.
#ifdef EMBER_WITH_CUDA
bool cuda_fill(int kind, const Tensor& t, Generator::Draw d, const char* op, double a = 0, double b = 0,
               const Tensor& prob = Tensor()) {
  if (!t.device().is_cuda()) return false;
  cuda::RandArgs args;
  args.seed = d.seed;
  args.offset = d.offset;
  args.a = a;
  args.b = b;
  cuda::random_fill(kind, t, args, prob, op);
  return true;
}
#define EMBER_RAND_CUDA(...) \
  if (cuda_fill(__VA_ARGS__)) return
#else
#define EMBER_RAND_CUDA(...) \
  do {                        \
  } while (0)
#endif

template <class Fn>
void fill_into(const Tensor& self, Generator* gen, const char* op, const Fn& fn) {
  fill_into_as(self, self.dtype(), gen, op, fn);
}

// 0/1 outputs are written as float32 or as bytes (bool, uint8 and int8 share the bit patterns).
DType bernoulli_gen_dtype(DType t) {
  return t == DType::Float32 || itemsize(t) == 1 ? t : DType::UInt8;
}

template <class F>
void bernoulli_fill(const Tensor& t, Generator::Draw d, const F& prob) {
  (void)d;
  auto run = [&](auto* out) {
    using T = std::remove_pointer_t<decltype(out)>;
    fill_blocks<4, T>(out, t.numel(), d, [&](const uint32_t* r, int64_t i0, int m, T* v) {
      for (int l = 0; l < m; ++l) v[l] = (T)((double)r[l] * 0x1p-32 < prob(i0 + l) ? 1 : 0);
    });
  };
  if (t.dtype() == DType::Float32) run(t.data<float>());
  else run((uint8_t*)t.data_ptr());
}

void check_floating(const Tensor& self, const char* op) {
  if (!is_floating(self.dtype()))
    EMBER_NOT_IMPLEMENTED(op, op, " is only implemented for floating point tensors, got ", dtype_name(self.dtype()));
}

// float16/bfloat16 results of the double-evaluated distributions go through a float32 buffer:
// the same double -> float -> 16-bit rounding as converting directly, with half the kernels.
DType wide_float(DType t) { return t == DType::Float64 ? DType::Float64 : DType::Float32; }

// Calls body with the float* or double* data of a buffer allocated as wide_float(dtype).
template <class F>
void float_or_double(const Tensor& t, const F& body) {
  if (t.dtype() == DType::Float64) body(t.data<double>());
  else body(t.data<float>());
}

// Fill a floating tensor with g(u) for u uniform in (0, 1] (open_low) or [0, 1).
// cuda_kind/ca/cb: the same map on the GPU (random_cuda.h).
template <bool OpenLow, class G>
void fill_unit_map(const Tensor& self, Generator* gen, const char* op, const G& g, int cuda_kind, double ca,
                   double cb) {
  check_floating(self, op);
  (void)cuda_kind; (void)ca; (void)cb;
  fill_into_as(self, wide_float(self.dtype()), gen, op, [&](const Tensor& t, Generator::Draw d) {
    EMBER_RAND_CUDA(cuda_kind, t, d, op, ca, cb);
    float_or_double(t, [&](auto* out) {
      constexpr int E = elems_per_block<std::remove_pointer_t<decltype(out)>>();
      fill_blocks<E, double>(out, t.numel(), d, [&](const uint32_t* r, int64_t, int m, double* v) {
        for (int l = 0; l < m; ++l) v[l] = g(OpenLow ? unit_oc<E>(r, l) : unit_co<E>(r, l));
      });
    });
  });
}

template <class T> float unit_for(uint32_t w) {
  if constexpr (std::is_same_v<T, Half>) return philox::u11(w);
  else if constexpr (std::is_same_v<T, BFloat16>) return philox::u8(w);
  else return philox::u24(w);
}

}  // namespace

void uniform_(const Tensor& self, double from, double to, Generator* gen) {
  check_floating(self, "uniform_");
  EMBER_CHECK(from <= to, "uniform_", "uniform_ expects to return a [from, to) range, but found from=", from,
              " > to=", to);
  EMBER_CHECK(std::isfinite(to - from), "uniform_", "uniform_ expects to-from to be finite, but found to=", to,
              " and from=", from);
  fill_into(self, gen, "uniform_", [&](const Tensor& t, Generator::Draw d) {
    EMBER_DISPATCH_FLOAT(t.dtype(), "uniform_", [&] {
      constexpr int E = elems_per_block<scalar_t>();
      using C = compute_t<scalar_t>;
      const C lo = (C)from, hi = (C)to, span = (C)(to - from);
      const scalar_t top = scalar_t(hi);
      // Results must stay below `to`: a value rounding up to it becomes the largest one under it.
      const bool clamp = (C)top >= hi && lo < hi;
      scalar_t under = clamp ? below(top) : top;
      if (clamp && (C)under < lo) under = scalar_t(lo);
#ifdef EMBER_WITH_CUDA
      if (t.device().is_cuda()) {
        cuda::RandArgs args;
        args.seed = d.seed;
        args.offset = d.offset;
        args.a = (double)lo;
        args.b = (double)span;
        args.hi = clamp ? (double)hi : std::numeric_limits<double>::infinity();
        args.under = (double)(C)under;
        cuda::random_fill(cuda::kRandUniform, t, args, Tensor(), "uniform_");
        return;
      }
#endif
      if constexpr (std::is_same_v<scalar_t, float>) {
        if (!use_reference_kernels() && t.numel() >= kMinTiled) {
          random_kernels(cpu_isa())->uniform_f32(t.data<float>(), t.numel(), d, lo, span,
                                                 clamp ? hi : std::numeric_limits<float>::infinity(), under);
          return;
        }
      }
      fill_blocks<E, scalar_t>(t.data<scalar_t>(), t.numel(), d, [&](const uint32_t* r, int64_t, int m, scalar_t* v) {
        for (int l = 0; l < m; ++l) {
          C u;
          if constexpr (E == 2) u = (C)philox::u53(r[2 * l], r[2 * l + 1]);
          else u = (C)unit_for<scalar_t>(r[l]);
          scalar_t x = scalar_t(std::fma(u, span, lo));
          v[l] = clamp && (C)x >= hi ? under : x;
        }
      });
    });
  });
}

void normal_(const Tensor& self, double mean, double std, Generator* gen) {
  check_floating(self, "normal_");
  EMBER_CHECK(std >= 0.0, "normal_", "normal expects std >= 0.0, but found std ", std);
  fill_into(self, gen, "normal_", [&](const Tensor& t, Generator::Draw d) {
    EMBER_RAND_CUDA(kCudaNormal, t, d, "normal_", mean, std);
    EMBER_DISPATCH_FLOAT(t.dtype(), "normal_", [&] {
      if constexpr (std::is_same_v<scalar_t, double>) {
        fill_blocks<2, double>(t.data<double>(), t.numel(), d, [&](const uint32_t* r, int64_t, int m, double* v) {
          double z[2];
          std_normals<2>(r, z);
          for (int l = 0; l < m; ++l) v[l] = std::fma(std, z[l], mean);
        });
      } else {
        // float32 and the 16-bit types: Box-Muller in float (philox.h), rounded to the dtype.
        const float mf = (float)mean, sf = (float)std;
        if (std::is_same_v<scalar_t, float> && !use_reference_kernels() && t.numel() >= kMinTiled) {
          random_kernels(cpu_isa())->normal_f32((float*)t.data_ptr(), t.numel(), d, mf, sf);
          return;
        }
        fill_blocks<4, float>(t.data<scalar_t>(), t.numel(), d, [&](const uint32_t* r, int64_t, int m, float* v) {
          float z[4];
          philox::box_muller_f(r[0], r[1], z[0], z[1]);
          philox::box_muller_f(r[2], r[3], z[2], z[3]);
          for (int l = 0; l < m; ++l) v[l] = philox::fmaf_(sf, z[l], mf);
        });
      }
    });
  });
}

void log_normal_(const Tensor& self, double mean, double std, Generator* gen) {
  check_floating(self, "log_normal_");
  EMBER_CHECK(std > 0.0, "log_normal_", "log_normal_ expects std > 0.0, but found std=", std);
  fill_into_as(self, wide_float(self.dtype()), gen, "log_normal_", [&](const Tensor& t, Generator::Draw d) {
    EMBER_RAND_CUDA(kCudaLogNormal, t, d, "log_normal_", mean, std);
    float_or_double(t, [&](auto* out) {
      constexpr int E = elems_per_block<std::remove_pointer_t<decltype(out)>>();
      fill_blocks<E, double>(out, t.numel(), d, [&](const uint32_t* r, int64_t, int m, double* v) {
        double z[E];
        std_normals<E>(r, z);
        for (int l = 0; l < m; ++l) v[l] = std::exp(mean + std * z[l]);
      });
    });
  });
}

void exponential_(const Tensor& self, double lambd, Generator* gen) {
  EMBER_CHECK(lambd > 0.0 && std::isfinite(lambd), "exponential_", "exponential_ expects lambda > 0.0, but found lambda=",
              lambd);
  EMBER_CHECK(is_floating(self.dtype()), "exponential_", "Exponential distribution is a continuous probability "
              "distribution. dtype must be a floating point but you specified ", dtype_name(self.dtype()));
  fill_unit_map<true>(self, gen, "exponential_", [=](double u) { return -std::log(u) / lambd; }, kCudaExponential,
                      lambd, 0.0);
}

void cauchy_(const Tensor& self, double median, double sigma, Generator* gen) {
  EMBER_CHECK(sigma > 0.0, "cauchy_", "cauchy_ expects sigma > 0.0, but found sigma=", sigma);
  constexpr double kPi = 3.14159265358979323846;
  fill_unit_map<false>(self, gen, "cauchy_", [=](double u) { return median + sigma * std::tan(kPi * (u - 0.5)); },
                       kCudaCauchy, median, sigma);
}

void geometric_(const Tensor& self, double p, Generator* gen) {
  EMBER_CHECK(p > 0.0 && p < 1.0, "geometric_", "geometric_ expects p to be in (0, 1), but got p=", p);
  EMBER_CHECK(self.dtype() != DType::Bool, "geometric_", "geometric_ is not implemented for bool tensors");
  const double denom = std::log1p(-p);
  double top = std::numeric_limits<double>::infinity();  // integer outputs saturate at the dtype's max
  EMBER_DISPATCH_NUMERIC(self.dtype(), "geometric_", [&] {
    if constexpr (std::is_integral_v<scalar_t>) top = (double)std::numeric_limits<scalar_t>::max();
  });
  // Generated in float64 (53-bit uniforms) and converted: the values are integers.
  fill_into_as(self, DType::Float64, gen, "geometric_", [&](const Tensor& t, Generator::Draw d) {
    EMBER_RAND_CUDA(kCudaGeometric, t, d, "geometric_", denom, top);
    fill_blocks<2, double>(t.data<double>(), t.numel(), d, [&](const uint32_t* r, int64_t, int m, double* v) {
      for (int l = 0; l < m; ++l) v[l] = std::min(std::max(std::ceil(std::log(unit_oc<2>(r, l)) / denom), 1.0), top);
    });
  });
}

// ---- random_ ------------------------------------------------------------------------------------
namespace {
// Largest integer random_ may produce for T ([0, this] for random_() and the upper end of
// random_(from)), and the smallest allowed `from`.
template <class T> int64_t int_max() {
  if constexpr (std::is_same_v<T, bool>) return 1;
  else if constexpr (std::is_integral_v<T>) return (int64_t)std::numeric_limits<T>::max();
  else return float_int_limit<T>();
}
template <class T> int64_t int_min() {
  if constexpr (std::is_same_v<T, bool>) return 0;
  else if constexpr (std::is_integral_v<T>) return (int64_t)std::numeric_limits<T>::min();
  else return -float_int_limit<T>();
}
}  // namespace

void random_(const Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to, Generator* gen) {
  int64_t lo = 0;
  uint64_t range = 0;  // 0 means 2^64
  EMBER_DISPATCH_ALL(self.dtype(), "random_", [&] {
    const char* dn = dtype_name(self.dtype());
    if (!from && !to) {
      lo = 0;
      range = (uint64_t)int_max<scalar_t>() + 1;
      return;
    }
    lo = *from;
    EMBER_CHECK(lo >= int_min<scalar_t>() && lo <= int_max<scalar_t>(), "random_", "from is out of bounds for ", dn);
    if (to) {
      EMBER_CHECK(lo < *to, "random_", "random_ expects 'from' to be less than 'to', but got from=", lo, " >= to=", *to);
      EMBER_CHECK(*to - 1 <= int_max<scalar_t>(), "random_", "to - 1 is out of bounds for ", dn);
      range = (uint64_t)*to - (uint64_t)lo;
    } else {
      range = (uint64_t)int_max<scalar_t>() - (uint64_t)lo + 1;  // wraps to 0 for the full int64 range
    }
  });
  // Generated as int64 (every value fits the target dtype exactly) and converted by copy_.
  fill_into_as(self, DType::Int64, gen, "random_", [&](const Tensor& t, Generator::Draw d) {
#ifdef EMBER_WITH_CUDA
    if (t.device().is_cuda()) {
      cuda::RandArgs args;
      args.seed = d.seed;
      args.offset = d.offset;
      args.lo = lo;
      args.range = range;
      cuda::random_fill(cuda::kRandInt, t, args, Tensor(), "random_");
      return;
    }
#endif
    fill_blocks<2, int64_t>(t.data<int64_t>(), t.numel(), d, [&](const uint32_t* r, int64_t, int, int64_t* v) {
      for (int l = 0; l < 2; ++l) {  // both lanes (the driver keeps only the first m)
        uint64_t x = philox::u64(r[2 * l], r[2 * l + 1]);
        v[l] = (int64_t)((uint64_t)lo + (range ? philox::mulhi64(x, range) : x));
      }
    });
  });
}

// ---- bernoulli ----------------------------------------------------------------------------------
void bernoulli_(const Tensor& self, double p, Generator* gen) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "bernoulli_", "bernoulli_ expects p to be in [0, 1], but got p=", p);
  fill_into_as(self, bernoulli_gen_dtype(self.dtype()), gen, "bernoulli_", [&](const Tensor& t, Generator::Draw d) {
    EMBER_RAND_CUDA(kCudaBernoulli, t, d, "bernoulli_", p);
    bernoulli_fill(t, d, [=](int64_t) { return p; });
  });
}

void bernoulli_(const Tensor& self, const Tensor& p, Generator* gen) {
  const char* op = "bernoulli_";
  if (!is_floating(p.dtype()))
    EMBER_NOT_IMPLEMENTED(op, "bernoulli_ expects a floating point probability tensor, got ", dtype_name(p.dtype()));
  Shape bs = broadcast_shapes(self.sizes(), p.sizes(), op);
  EMBER_CHECK(bs == self.sizes(), op, "probability tensor of shape ", shape_str(p.sizes()),
              " can't be broadcast to the shape ", shape_str(self.sizes()));
  if (p.device() != self.device()) device_mismatch_fail(op, self.device(), p.device());
  Tensor pd = contiguous(to_dtype(expand(p, self.sizes()), DType::Float64));
#ifdef EMBER_WITH_CUDA
  if (self.device().is_cuda()) {
    // No range check on the GPU (it would need a host sync): p < 0 or NaN gives 0, p > 1 gives 1.
    fill_into_as(self, bernoulli_gen_dtype(self.dtype()), gen, op, [&](const Tensor& t, Generator::Draw d) {
      EMBER_RAND_CUDA(kCudaBernoulli, t, d, op, 0.0, 0.0, pd);
      EMBER_FAIL(op, "internal error: bernoulli_ buffer not on ", self.device().str());
    });
    return;
  }
#endif
  const double* pp = pd.data<double>();
  for (int64_t i = 0, n = pd.numel(); i < n; ++i)
    EMBER_CHECK(pp[i] >= 0.0 && pp[i] <= 1.0, "bernoulli", "Expected p_in >= 0 && p_in <= 1 to be true, but got false "
                "(probability ", pp[i], " at flat index ", i, ")");
  fill_into_as(self, bernoulli_gen_dtype(self.dtype()), gen, op, [&](const Tensor& t, Generator::Draw d) {
    bernoulli_fill(t, d, [=](int64_t i) { return pp[i]; });
  });
}

Tensor bernoulli(const Tensor& probs, Generator* gen) {
  if (!is_floating(probs.dtype()))
    EMBER_NOT_IMPLEMENTED("bernoulli", "bernoulli expects a floating point probability tensor, got ",
                          dtype_name(probs.dtype()));
  Tensor out = Tensor::empty(probs.sizes(), probs.dtype(), probs.device());
  bernoulli_(out, probs, gen);
  return out;
}

// ---- normal with tensor parameters --------------------------------------------------------------
Tensor normal(const Tensor& mean, const Tensor& std, double mean_s, double std_s, Generator* gen, const Tensor& out) {
  const char* op = "normal";
  EMBER_CHECK(mean.defined() || std.defined(), op, "expected a tensor mean or std");
  DType dt = mean.defined() && std.defined() ? promote_types(mean.dtype(), std.dtype())
             : mean.defined()                ? mean.dtype() : std.dtype();
  if (!is_floating(dt))
    EMBER_NOT_IMPLEMENTED(op, "normal expects floating point mean and std, got ", dtype_name(dt));
  Shape shape = mean.defined() && std.defined() ? broadcast_shapes(mean.sizes(), std.sizes(), op)
                : mean.defined()                ? mean.sizes() : std.sizes();
  if (mean.defined() && std.defined() && mean.device() != std.device())
    device_mismatch_fail(op, mean.device(), std.device());
  const Device dev = mean.defined() ? mean.device() : std.device();
  if (std.defined() && dev.is_cuda()) {
    // no std >= 0 check on the GPU (it would need a host sync): a negative std scales by it
  } else if (std.defined()) {
    Tensor sd = contiguous(to_dtype(std, DType::Float64));
    const double* sp = sd.data<double>();
    for (int64_t i = 0, n = sd.numel(); i < n; ++i)
      EMBER_CHECK(sp[i] >= 0.0, op, "normal expects all elements of std >= 0.0");
  } else {
    EMBER_CHECK(std_s >= 0.0, op, "normal expects std >= 0.0, but found std ", std_s);
  }
  Tensor res = out.defined() ? out : Tensor::empty(shape, dt, dev);
  if (out.defined()) {
    if (out.device() != dev) device_mismatch_fail(op, dev, out.device());
    EMBER_CHECK(out.sizes() == shape, op, "output with shape ", shape_str(out.sizes()),
                " doesn't match the broadcast shape ", shape_str(shape));
    EMBER_CHECK(is_floating(out.dtype()), op, "output dtype ", dtype_name(out.dtype()), " must be floating");
  }
  DType rt = res.dtype();
  normal_(res, 0.0, 1.0, gen);
  Tensor m = mean.defined() ? to_dtype(mean, rt) : Tensor();
  Tensor s = std.defined() ? to_dtype(std, rt) : Tensor();
  if (res.numel() == 0) return res;
#ifdef EMBER_WITH_CUDA
  if (res.device().is_cuda()) {
    Tensor r = res.is_contiguous() ? res : contiguous(res);
    Tensor mc = m.defined() ? contiguous(expand(m, shape)) : Tensor();
    Tensor sc = s.defined() ? contiguous(expand(s, shape)) : Tensor();
    cuda::normal_affine(r, mc, sc, mean_s, std_s);
    if (!res.is_contiguous()) copy_(res, r);
    return res;
  }
#endif
  EMBER_DISPATCH_FLOAT(rt, op, [&] {
    using C = compute_t<scalar_t>;
    const C ms = (C)mean_s, ss = (C)std_s;
    Tensor ops[3] = {res, m.defined() ? m : res, s.defined() ? s : res};
    const Tensor* ptrs[3] = {&ops[0], &ops[1], &ops[2]};
    StridedIter it(shape, ptrs, 3);
    const bool hm = m.defined(), hs = s.defined();
    it.for_each([&](char** p, const int64_t* st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        scalar_t* o = (scalar_t*)(p[0] + i * st[0]);
        C z = (C)*o;
        C mv = hm ? (C) * (const scalar_t*)(p[1] + i * st[1]) : ms;
        C sv = hs ? (C) * (const scalar_t*)(p[2] + i * st[2]) : ss;
        *o = scalar_t(z * sv + mv);
      }
    });
  });
  return res;
}

}  // namespace ember
