// binary_math.cpp — division variants, remainder/fmod, pow, atan2/copysign/xlogy, hypot,
// logaddexp(2), nextafter, fmax/fmin. One (baseline) build: these are compute-bound on libm
// calls or rare, so per-ISA copies would only add compile time. Also the scalar-exponent pow
// with its fast paths, and the integer-division zero check.
#include "ember/core/dispatch.h"
#include "ember/ops/elementwise/binary_kernels.h"
#include "ember/ops/elementwise/loops.h"
#include "ember/ops/elementwise/scalar_math.h"

namespace ember {
namespace {
template <class T, class F>
inline void apply(const StridedIter& it, const F& f) {
  it.for_each([&f](char** p, const int64_t* s, int64_t n) { binary_loop<T, T>(p, s, n, f); });
}
// libm-heavy loops: smaller grain so two threads help on mid-sized tensors.
template <class T, class F>
inline void apply_heavy(const StridedIter& it, const F& f) {
  it.for_each([&f](char** p, const int64_t* s, int64_t n) { binary_loop<T, T>(p, s, n, f); }, kGrainSize / 8);
}

template <class T>
void math_typed(BinaryOp op, const StridedIter& it) {
  using C = compute_t<T>;
  constexpr bool fp = std::is_floating_point_v<C>;
  switch (op) {
    case BinaryOp::DivTrunc: apply<T>(it, [](C a, C b) { return math::div_trunc(a, b); }); break;
    case BinaryOp::DivFloor: apply<T>(it, [](C a, C b) { return math::div_floor(a, b); }); break;
    case BinaryOp::Remainder: apply<T>(it, [](C a, C b) { return math::remainder(a, b); }); break;
    case BinaryOp::Fmod: apply<T>(it, [](C a, C b) { return math::fmod(a, b); }); break;
    case BinaryOp::Pow: apply_heavy<T>(it, [](C a, C b) { return math::pow(a, b); }); break;
    case BinaryOp::Fmax: apply<T>(it, [](C a, C b) { return math::fmax(a, b); }); break;
    case BinaryOp::Fmin: apply<T>(it, [](C a, C b) { return math::fmin(a, b); }); break;
    default:
      if constexpr (fp) {
        switch (op) {
          case BinaryOp::Atan2: apply_heavy<T>(it, [](C a, C b) { return C(std::atan2(a, b)); }); break;
          case BinaryOp::Copysign: apply<T>(it, [](C a, C b) { return C(std::copysign(a, b)); }); break;
          case BinaryOp::Xlogy: apply_heavy<T>(it, [](C a, C b) { return math::xlogy(a, b); }); break;
          case BinaryOp::Hypot: apply_heavy<T>(it, [](C a, C b) { return C(std::hypot(a, b)); }); break;
          case BinaryOp::LogAddExp: apply_heavy<T>(it, [](C a, C b) { return math::logaddexp(a, b); }); break;
          case BinaryOp::LogAddExp2: apply_heavy<T>(it, [](C a, C b) { return math::logaddexp2(a, b); }); break;
          case BinaryOp::NextAfter:
            if constexpr (std::is_same_v<T, C>) apply<T>(it, [](C a, C b) { return C(std::nextafter(a, b)); });
            else it.for_each([](char** p, const int64_t* s, int64_t n) {
              for (int64_t i = 0; i < n; ++i)
                *(T*)(p[0] + i * s[0]) = math::nextafter16(*(const T*)(p[1] + i * s[1]), *(const T*)(p[2] + i * s[2]));
            });
            break;
          default: EMBER_FAIL(binary_op_name(op), "not a math op");
        }
      } else {
        EMBER_NOT_IMPLEMENTED(binary_op_name(op), "not implemented for '", dtype_name(dtype_of<T>::value), "'");
      }
  }
}

// x ** e; exponents with a cheaper exact form skip libm. The reference keeps only the
// semantic special cases (0.5 and -0.5 are square roots, as in PyTorch: pow(-0.0, 0.5) = -0.0).
template <class T>
void pow_scalar_typed(const Tensor& dst, const Tensor& x, const Scalar& es) {
  using C = compute_t<T>;
  StridedIter it(dst.sizes(), {&dst, &x});
  auto run = [&](auto f, int64_t grain = kGrainSize) {
    it.for_each([&f](char** p, const int64_t* s, int64_t n) { unary_loop<T, T>(p, s, n, f); }, grain);
  };
  const bool ref = use_reference_kernels();
  if constexpr (std::is_floating_point_v<C>) {
    const double e = es.to_double();
    if (e == 0.5) return run([](C a) { return C(std::sqrt(a)); });
    // PyTorch takes 1/sqrt here except for float16, where it calls pow (they differ at -0.0)
    if (e == -0.5 && !std::is_same_v<T, Half>) return run([](C a) { return C(C(1) / std::sqrt(a)); });
    if (!ref) {
      if (e == 0) return run([](C) { return C(1); });
      if (e == 1) return run([](C a) { return a; });
      if (e == 2) return run([](C a) { return C(a * a); });
      if (e == 3) return run([](C a) { return C(a * a * a); });
      if (e == -1) return run([](C a) { return C(C(1) / a); });
      if (e == -2) return run([](C a) { return C(C(1) / (a * a)); });
    }
    const C ec = C(e);
    run([ec](C a) { return C(std::pow(a, ec)); }, kGrainSize / 8);
  } else {
    const int64_t e = es.to_int();
    if (!ref) {
      if (e == 0) return run([](C) { return C(1); });
      if (e == 1) return run([](C a) { return a; });
      if (e == 2) return run([](C a) { return C(a * a); });
      if (e == 3) return run([](C a) { return C(a * a * a); });
    }
    run([e](C a) { return math::ipow<C>(a, e); });
  }
}
}  // namespace

void binary_math_kernel(BinaryOp op, DType dtype, const StridedIter& it) {
  EMBER_DISPATCH_NUMERIC(dtype, binary_op_name(op), [&] { math_typed<scalar_t>(op, it); });
}

void pow_scalar_kernel(const Tensor& dst, const Tensor& x, const Scalar& e) {
  if (dst.numel() == 0) return;
  EMBER_DISPATCH_NUMERIC(dst.dtype(), "pow", [&] { pow_scalar_typed<scalar_t>(dst, x, e); });
}

bool any_zero(const Tensor& t) {
  if (t.numel() == 0) return false;
  bool found = false;
  StridedIter it(t.sizes(), {&t});
  EMBER_DISPATCH_BYTES(t.dtype(), "any_zero", [&] {
    it.for_each([&found](char** p, const int64_t* s, int64_t n) {
      bool z = false;
      for (int64_t i = 0; i < n; ++i) z |= *(const scalar_t*)(p[0] + i * s[0]) == 0;
      if (z) found = true;  // benign race: every writer stores true
    });
  });
  return found;
}

}  // namespace ember
