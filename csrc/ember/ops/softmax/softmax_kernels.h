// softmax_kernels.h — the per-ISA kernel table of the softmax family. softmax_kernels.inc is
// compiled once per ISA (softmax_base.cpp, softmax_avx2.cpp, softmax_avx512.cpp); softmax_ref.cpp
// holds the plain-loop reference. All buffers are contiguous (outer, C, inner); outputs are
// written with `=` (never accumulated).
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"

namespace ember {

struct SoftmaxKernel {
  void (*fwd_f32)(const float* x, float* y, int64_t outer, int64_t C, int64_t inner, bool log);
  void (*fwd_f64)(const double* x, double* y, int64_t outer, int64_t C, int64_t inner, bool log);
  void (*bwd_f32)(const float* g, const float* y, float* dx, int64_t outer, int64_t C, int64_t inner, bool log);
  void (*bwd_f64)(const double* g, const double* y, double* dx, int64_t outer, int64_t C, int64_t inner, bool log);
  // logsumexp of `outer` contiguous rows of C > 0 floats into out[outer]; nullptr in the reference
  // table (logsumexp then takes the generic reduction)
  void (*lse_rows_f32)(const float* x, float* out, int64_t outer, int64_t C) = nullptr;
};
const SoftmaxKernel* softmax_kernels();  // reference table when use_reference_kernels()

namespace ref { extern const SoftmaxKernel softmax_kernel; }
namespace base { extern const SoftmaxKernel softmax_kernel; }
namespace avx2 { extern const SoftmaxKernel softmax_kernel; }
namespace avx512 { extern const SoftmaxKernel softmax_kernel; }

}  // namespace ember
