// conv_direct_kernels.h — the per-ISA table of direct convolution kernels (C/groups == 1).
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/ops/conv/conv_impl.h"

namespace ember {

struct ConvDirectKernels {
  using G = conv_detail::ConvGeom;
  void (*fwd_f)(const G&, const float* x, const float* w, const float* bias, float* y);
  void (*fwd_d)(const G&, const double* x, const double* w, const double* bias, double* y);
  void (*bwd_input_f)(const G&, const float* gy, const float* w, float* gx);
  void (*bwd_input_d)(const G&, const double* gy, const double* w, double* gx);
  void (*bwd_weight_f)(const G&, const float* gy, const float* x, float* gw);
  void (*bwd_weight_d)(const G&, const double* gy, const double* x, double* gw);
  // all three gradients in one pass over grad_output where the ISA has a kernel for the geometry
  // (false: nothing written); gb may be null
  bool (*bwd_fused_f)(const G&, const float* gy, const float* x, const float* w, float* gx, float* gw, float* gb);
};

namespace base { extern const ConvDirectKernels conv_direct_kernel; }
namespace avx2 { extern const ConvDirectKernels conv_direct_kernel; }
namespace avx512 { extern const ConvDirectKernels conv_direct_kernel; }

inline const ConvDirectKernels* conv_direct_kernels(Isa isa) {
  return pick_isa(isa, base::conv_direct_kernel, avx2::conv_direct_kernel, avx512::conv_direct_kernel);
}

}  // namespace ember
