// pool_cuda.h — the CUDA side of the pooling family's device switch (plain C++ declarations, no
// CUDA headers; defined in pool_cuda.cu, only in builds with EMBER_WITH_CUDA). Same contracts as
// the CPU kernels of pool_kernels.h: contiguous (B, I0, I1, I2) inputs on one CUDA device,
// outputs written with `=`; float16/bfloat16 compute in float.
//
// Algorithms: one thread per output element for the forwards (windows clipped per dim, NaN wins
// as on the CPU); the avg / adaptive-avg backwards are gathers (each input element sums the
// outputs whose window holds it: deterministic, no atomics); global average pooling (output
// 1x1x1) reduces one plane per warp (planes < 2048 elements) or per block. The index scatter of
// max-pool backward uses atomicAdd (a max-pool window grid may send several outputs to one
// input); max_unpool's assignment is a plain store. Out-of-range indices are skipped on the GPU
// (checking them would need a sync).
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/pool/pool_kernels.h"

namespace ember::cuda {

void max_pool_fwd_cuda(const pool_detail::Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx);
void avg_pool_fwd_cuda(const pool_detail::Geo& g, pool_detail::AvgOpts o, const Tensor& x, const Tensor& out);
void avg_pool_bwd_cuda(const pool_detail::Geo& g, pool_detail::AvgOpts o, const Tensor& grad, const Tensor& gin);
void adaptive_avg_fwd_cuda(const pool_detail::Geo& g, const Tensor& x, const Tensor& out);
void adaptive_avg_bwd_cuda(const pool_detail::Geo& g, const Tensor& grad, const Tensor& gin);
void adaptive_max_fwd_cuda(const pool_detail::Geo& g, const Tensor& x, const Tensor& out, const Tensor& idx);
void scatter_planes_cuda(int64_t B, int64_t n_src, int64_t n_out, const Tensor& src, const Tensor& idx,
                         const Tensor& out, bool accumulate, const char* op);
void gather_planes_cuda(int64_t B, int64_t n_out, int64_t n_src, const Tensor& src, const Tensor& idx,
                        const Tensor& out);

}  // namespace ember::cuda
