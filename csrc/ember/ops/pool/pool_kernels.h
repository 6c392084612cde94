// pool_kernels.h — internal: the 3-D window geometry every pooling kernel works on, and the
// kernel entry points (reference and fast CPU). 1-D and 2-D pools are 3-D pools whose leading
// spatial dims have size 1 (kernel 1, stride 1, no padding), so one set of kernels serves all.
// Inputs are contiguous (B, I0, I1, I2); outputs are written with `=` (never accumulated into).
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::pool_detail {

struct Geo {
  int64_t B = 1;                       // planes (N * C)
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0}, d[3] = {1, 1, 1};
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
  int64_t kvol() const { return k[0] * k[1] * k[2]; }
};

struct AvgOpts { bool count_include_pad = true; int64_t divisor = 0; };

// x, out, idx contiguous; dtype float family (dispatched inside).
void max_pool_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference);
void avg_pool_fwd(const Geo& g, AvgOpts o, const Tensor& x, const Tensor& out, bool reference);
void avg_pool_bwd(const Geo& g, AvgOpts o, const Tensor& grad, const Tensor& gin, bool reference);
void adaptive_avg_fwd(const Geo& g, const Tensor& x, const Tensor& out, bool reference);
void adaptive_avg_bwd(const Geo& g, const Tensor& grad, const Tensor& gin, bool reference);
void adaptive_max_fwd(const Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx, bool reference);
// src/idx (B, n_src), out (B, n_out) zero-filled by the kernel first.
void scatter_planes(int64_t B, int64_t n_src, int64_t n_out, const Tensor& src, const Tensor& idx,
                    const Tensor& out, bool accumulate, const char* op);
void gather_planes(int64_t B, int64_t n_out, int64_t n_src, const Tensor& src, const Tensor& idx, const Tensor& out);

inline int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

}  // namespace ember::pool_detail
