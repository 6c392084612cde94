// loss_kernels.h — per-ISA kernel table of the fused cross-entropy (loss_kernels.inc compiled in
// loss_base.cpp / loss_avx2.cpp / loss_avx512.cpp; plain reference in loss_ref.cpp).
// Layout: logits x (M, C) contiguous, one row per sample. Exactly one of `target` (M class
// indices, already range-checked) and `ptarget` (M, C probabilities) is set; `weight` (C) may be
// null. Forward writes the per-sample loss and log-sum-exp (`=`); backward writes dx (`=`), with
// the upstream gradient g[i * g_stride] (g_stride 0: one scale for every sample).
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"

namespace ember {

template <class T>
struct CeArgs {
  int64_t M, C;
  const int64_t* target;
  const T* ptarget;
  const T* weight;
  int64_t ignore_index;
  T label_smoothing;
};

template <class T>
struct CeKernel {
  void (*fwd)(const T* x, const CeArgs<T>& a, T* loss, T* lse);
  void (*bwd)(const T* x, const CeArgs<T>& a, const T* lse, const T* g, int64_t g_stride, T* dx);
};

struct LossKernel {
  CeKernel<float> f32;
  CeKernel<double> f64;
};
const LossKernel* loss_kernels();  // reference table when use_reference_kernels()

namespace ref { extern const LossKernel loss_kernel; }
namespace base { extern const LossKernel loss_kernel; }
namespace avx2 { extern const LossKernel loss_kernel; }
namespace avx512 { extern const LossKernel loss_kernel; }

}  // namespace ember
