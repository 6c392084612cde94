// huber_kernels.h — per-ISA kernel table of the fused threshold regression losses (huber_kernels.inc
// compiled in huber_base.cpp / huber_avx2.cpp / huber_avx512.cpp; plain reference in huber_ref.cpp).
// d = x - t over n contiguous elements (operands already broadcast and converted), m = min(|d|, p):
//   huber(d)     = m (|d| - m/2)          (0.5 d^2 inside |d| < p, p (|d| - p/2) outside)
//   smooth_l1(d) = m (|d| - m/2) / p      (0.5 d^2 / p inside,  |d| - p/2 outside)
// Forward writes the elementwise loss (`=`) when `loss` is set, else returns the sum in double
// (fixed blocks summed in order: the result does not depend on the thread count).
// Backward writes dx = g_i * s * clamp(d, -p, p) (s = 1/p for smooth_l1, 1 for huber) and dt = -dx
// (`=`; either pointer may be null); g_i = g[i * g_stride] (g_stride 0: one upstream scale).
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"

namespace ember {

template <class T>
struct HuberKernel {
  double (*fwd)(const T* x, const T* t, int64_t n, T p, bool smooth_l1, T* loss);
  void (*bwd)(const T* x, const T* t, int64_t n, T p, bool smooth_l1, const T* g, int64_t g_stride, T* dx, T* dt);
};

struct HuberKernels {
  HuberKernel<float> f32;
  HuberKernel<double> f64;
};
const HuberKernels* huber_kernels();  // reference table when use_reference_kernels()

namespace ref { extern const HuberKernels huber_kernel; }
namespace base { extern const HuberKernels huber_kernel; }
namespace avx2 { extern const HuberKernels huber_kernel; }
namespace avx512 { extern const HuberKernels huber_kernel; }

}  // namespace ember
