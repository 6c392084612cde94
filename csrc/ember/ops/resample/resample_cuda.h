// resample_cuda.h — the CUDA side of the resample family's device switch (plain C++
// declarations, no CUDA headers; defined in resample_cuda.cu, only with EMBER_WITH_CUDA).
// Same contracts as resample_kernels.h: contiguous tensors on one CUDA device, results written
// with `=`; float16/bfloat16 compute in float.
//
// Interpolation: the CPU's tap tables (computed on the host, so source indices and weights are
// bit-identical) are uploaded through pinned memory (asynchronous, no sync) and applied one
// spatial dim at a time; the backward uses the transposed table (CSR: for each input position,
// the outputs and weights that read it, in the CPU's order): a gather, deterministic, no atomics.
// im2col (F.unfold) writes one column entry per thread; col2im (F.fold) gathers per image element.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/resample/resample_kernels.h"

namespace ember::cuda {

void apply_taps_cuda(bool backward, const resample_detail::Taps& tp, int64_t outer, int64_t n_in, int64_t inner,
                     const Tensor& src, const Tensor& dst);
void im2col_cuda(const resample_detail::ColGeo& g, const Tensor& img, const Tensor& cols, bool backward);

}  // namespace ember::cuda
