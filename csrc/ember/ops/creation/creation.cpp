// creation.cpp — arange/range/linspace/logspace/eye/empty_strided. Accumulation follows PyTorch's
// CPU kernels: integer dtypes in int64, float/double in double, float16/bfloat16 in float for
// arange; linspace in the dtype itself (double steps for integers); logspace in double.
#include "ember/ops/creation/creation.h"
#include <cmath>
#include <limits>
#include "ember/core/dispatch.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/creation/creation_cuda.h"
#endif

namespace ember {

namespace {
template <class T> struct range_acc { using type = double; };
template <> struct range_acc<Half> { using type = float; };
template <> struct range_acc<BFloat16> { using type = float; };
template <> struct range_acc<uint8_t> { using type = int64_t; };
template <> struct range_acc<int8_t> { using type = int64_t; };
template <> struct range_acc<int16_t> { using type = int64_t; };
template <> struct range_acc<int32_t> { using type = int64_t; };
template <> struct range_acc<int64_t> { using type = int64_t; };

template <class T> T from_acc(typename range_acc<T>::type v) {
  if constexpr (std::is_integral_v<T>) return (T)v;
  else return T((compute_t<T>)v);
}

// Shared checks of arange/range on the accumulated values.
template <class A>
void check_range(const char* op, A xstart, A xend, A xstep) {
  EMBER_CHECK(xstep > 0 || xstep < 0, op, "step must be nonzero");
  EMBER_CHECK(std::isfinite((double)xstart) && std::isfinite((double)xend), op, "unsupported range: ", xstart, " -> ",
              xend);
  EMBER_CHECK((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart), op,
              "upper bound and lower bound inconsistent with step sign");
}

template <class T, class A>
Tensor fill_range(int64_t n, A xstart, A xstep, DType dtype, Device device, const char* op) {
#ifdef EMBER_WITH_CUDA
  if (device.is_cuda()) {
    Tensor out = Tensor::empty({n}, dtype, device);
    cuda::creation_range(out, Scalar(xstart), Scalar(xstep), op);  // A is int64_t or double/float: exact
    return out;
  }
#endif
  (void)op;
  Tensor out = Tensor::empty({n}, dtype, device);
  T* o = out.data<T>();
  parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = from_acc<T>(xstart + (A)i * xstep);
  });
  return out;
}
}  // namespace

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype, Device device) {
  Tensor out;
  EMBER_DISPATCH_NUMERIC(dtype, "arange", [&] {
    using A = typename range_acc<scalar_t>::type;
    A xstart = start.to<A>(), xend = end.to<A>(), xstep = step.to<A>();
    double size_d;
    if constexpr (std::is_same_v<scalar_t, int64_t>) {
      int64_t sgn = (xstep > 0) - (xstep < 0);
      size_d = xstep != 0 ? std::ceil((double)((xend - xstart + xstep - sgn) / xstep)) : 0;
    } else {
      size_d = std::ceil((end.to_double() - start.to_double()) / step.to_double());
    }
    check_range("arange", xstart, xend, xstep);
    EMBER_CHECK(size_d >= 0 && size_d <= (double)std::numeric_limits<int64_t>::max(), "arange",
                "invalid size, possible overflow?");
    out = fill_range<scalar_t, A>((int64_t)size_d, xstart, xstep, dtype, device, "arange");
  });
  return out;
}

Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype, Device device) {
  Tensor out;
  EMBER_DISPATCH_NUMERIC(dtype, "range", [&] {
    using A = typename range_acc<scalar_t>::type;
    A xstart = start.to<A>(), xend = end.to<A>(), xstep = step.to<A>();
    check_range("range", xstart, xend, xstep);
    int64_t n = (int64_t)(((xend - xstart) / xstep) + 1);
    out = fill_range<scalar_t, A>(n, xstart, xstep, dtype, device, "range");
  });
  return out;
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, DType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got ", steps);
  Tensor out = Tensor::empty({steps}, dtype, device);
  if (steps == 0) return out;
  if (steps == 1) { fill_(out, start); return out; }
#ifdef EMBER_WITH_CUDA
  if (device.is_cuda()) { cuda::creation_linspace(out, start, end, "linspace"); return out; }
#endif
  EMBER_DISPATCH_NUMERIC(dtype, "linspace", [&] {
    // Integers step in double; floats in their compute type (PyTorch's step_t).
    using S = std::conditional_t<std::is_integral_v<scalar_t>, double, compute_t<scalar_t>>;
    using V = std::conditional_t<std::is_integral_v<scalar_t>, scalar_t, S>;
    const V a = start.to<V>(), b = end.to<V>();
    const S step = ((S)b - (S)a) / (S)(steps - 1);
    const int64_t half = steps / 2;
    scalar_t* o = out.data<scalar_t>();
    parallel_for(0, steps, kGrainSize, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        S v = i < half ? (S)a + step * (S)i : (S)b - step * (S)(steps - i - 1);
        if constexpr (std::is_integral_v<scalar_t>) o[i] = (scalar_t)v;
        else o[i] = scalar_t(v);
      }
    });
  });
  return out;
}

Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, DType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "logspace", "number of steps must be non-negative, got ", steps);
  Tensor out = Tensor::empty({steps}, dtype, device);
  if (steps == 0) return out;
#ifdef EMBER_WITH_CUDA
  if (device.is_cuda()) {
    EMBER_DISPATCH_NUMERIC(dtype, "logspace", [&] {  // start/end rounded to the dtype on the host, as below
      cuda::creation_logspace(out, (double)(compute_t<scalar_t>)start.to<scalar_t>(),
                              (double)(compute_t<scalar_t>)end.to<scalar_t>(), base, "logspace");
    });
    return out;
  }
#endif
  EMBER_DISPATCH_NUMERIC(dtype, "logspace", [&] {
    // start/end are first rounded to the dtype, then everything runs in double.
    const double a = (double)(compute_t<scalar_t>)start.to<scalar_t>();
    const double b = (double)(compute_t<scalar_t>)end.to<scalar_t>();
    scalar_t* o = out.data<scalar_t>();
    if (steps == 1) { o[0] = scalar_t((compute_t<scalar_t>)std::pow(base, a)); return; }
    const double step = (b - a) / (double)(steps - 1);
    const int64_t half = steps / 2;
    parallel_for(0, steps, kGrainSize, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        double v = i < half ? std::pow(base, a + step * (double)i) : std::pow(base, b - step * (double)(steps - i - 1));
        if constexpr (std::is_integral_v<scalar_t>) o[i] = (scalar_t)(int64_t)v;
        else o[i] = scalar_t((compute_t<scalar_t>)v);
      }
    });
  });
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype, Device device) {
  EMBER_CHECK(n >= 0, "eye", "n must be greater or equal to 0, got ", n);
  if (m < 0) m = n;
  Tensor out = full({n, m}, Scalar((int64_t)0), dtype, device);
  if (n > 0 && m > 0) fill_(diagonal(out, 0, 0, 1), Scalar((int64_t)1));
  return out;
}

Tensor empty_strided(const Shape& sizes, const Shape& strides, DType dtype) {
  EMBER_CHECK(sizes.size() == strides.size(), "empty_strided", "dimensionality of sizes (", sizes.size(),
              ") must match dimensionality of strides (", strides.size(), ")");
  int64_t extent = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    EMBER_CHECK(sizes[d] >= 0, "empty_strided", "Trying to create tensor with negative dimension ", sizes[d], ": ",
                shape_str(sizes));
    EMBER_CHECK(strides[d] >= 0, "empty_strided", "Negative strides are not supported at the moment, got strides: ",
                shape_str(strides));
  }
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) { extent = 0; break; }
    extent += (sizes[d] - 1) * strides[d];
  }
  Tensor base = Tensor::empty({extent}, dtype);
  return as_strided(base, sizes, strides, 0);
}

}  // namespace ember
