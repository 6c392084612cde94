// norm_kernels.h — per-ISA kernel table of the norm family (norm_kernels.inc compiled in
// norm_base.cpp / norm_avx2.cpp / norm_avx512.cpp; norm_ref.cpp builds the same loops without
// lane splitting or threads as the reference). Buffers are contiguous; outputs use `=`.
//   channels: x (N, C, S); stats per channel (batch norm) -> mean, m2 (sum of squared deviations)
//   rows:     x (M, D); per-row stats (layer/rms norm)
//   groups:   x (N, C, S) with G groups -> per (n, g) stats
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"

namespace ember {

template <class T>
struct NormKernelT {
  // batch norm
  void (*channel_stats)(const T* x, int64_t N, int64_t C, int64_t S, double* mean, double* m2);
  // y = x * scale[c] + shift[c]
  void (*channel_affine)(const T* x, T* y, int64_t N, int64_t C, int64_t S, const T* scale, const T* shift);
  // sum_dy[c] = sum dy, sum_dyx[c] = sum dy * (x - center[c])
  void (*channel_grad_sums)(const T* dy, const T* x, int64_t N, int64_t C, int64_t S, const T* center,
                            double* sum_dy, double* sum_dyx);
  // dx = k1[c] dy + k2[c] x + k3[c]
  void (*channel_dx)(const T* dy, const T* x, T* dx, int64_t N, int64_t C, int64_t S, const T* k1, const T* k2,
                     const T* k3);
  // training batch norm, one channel at a time so its N*S values stay in cache between the
  // statistics pass and the normalize pass: mean/m2 out, y = (x - mean) invstd w + b
  void (*channel_train_fwd)(const T* x, T* y, int64_t N, int64_t C, int64_t S, const T* w, const T* b, double eps,
                            double* mean, double* m2);
  // training batch norm backward per channel (sums pass, then dx pass while cached):
  // sum_dy/sum_dyx out, dx = w invstd (dy - sum_dy/M - (x - mean) invstd^2 sum_dyx/M)
  void (*channel_train_bwd)(const T* dy, const T* x, T* dx, int64_t N, int64_t C, int64_t S, const T* w,
                            const T* mean, const T* invstd, double* sum_dy, double* sum_dyx);
  // layer/rms norm over rows of D: y, mean (null for rms), rstd
  void (*rows_fwd)(const T* x, T* y, int64_t M, int64_t D, const T* w, const T* b, double eps, T* mean, T* rstd);
  // dx (may be null), dw/db partial sums over rows (may be null)
  void (*rows_bwd)(const T* dy, const T* x, int64_t M, int64_t D, const T* mean, const T* rstd, const T* w, T* dx,
                   double* dw, double* db);
  // group norm forward: mean/rstd (N*G), y
  void (*group_fwd)(const T* x, T* y, int64_t N, int64_t C, int64_t S, int64_t G, const T* w, const T* b, double eps,
                    T* mean, T* rstd);
  // ds[n*C+c] = sum_s dy x, db[n*C+c] = sum_s dy
  void (*group_grad_sums)(const T* dy, const T* x, int64_t N, int64_t C, int64_t S, double* ds, double* db);
  // fused per (n, g) block: ds/db sums of its channels, then dx while the block is cached
  void (*group_bwd_fused)(const T* dy, const T* x, T* dx, int64_t N, int64_t C, int64_t S, int64_t G, const T* w,
                          const T* mean, const T* rstd, double* ds, double* db);
  // dx = w_c rstd dy + b_ng x + c_ng
  void (*group_dx)(const T* dy, const T* x, T* dx, int64_t N, int64_t C, int64_t S, int64_t G, const T* w,
                   const T* rstd, const double* bcoef, const double* ccoef);
};

struct NormKernel {
  NormKernelT<float> f32;
  NormKernelT<double> f64;
};
const NormKernel* norm_kernels();

// Float outputs of at least this many bytes are written with streaming (non-temporal) stores:
// half the L3 one core sees (/sys), 16 MiB when unknown; EMBER_NORM_STREAM_BYTES overrides it.
int64_t norm_stream_bytes();

namespace ref { extern const NormKernel norm_kernel; }
namespace base { extern const NormKernel norm_kernel; }
namespace avx2 { extern const NormKernel norm_kernel; }
namespace avx512 { extern const NormKernel norm_kernel; }

}  // namespace ember
