// unary_cuda.h — the CUDA entry point of the whole unary family (the first slice's
// cuda::unary_kernel in cuda/cuda.h covers the common float ops without parameters). Plain C++
// declarations; defined in ops/unary/*_cuda.cu, present only with EMBER_WITH_CUDA.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/unary/unary.h"

namespace ember::cuda {

// dst = op(src). unary.cpp picks the compute dtype: src and dst share it, except for the
// predicates (isnan .. logical_not), where dst is bool. Parameterized ops (round with decimals,
// logit, nan_to_num) read `p`.
void unary_kernel_ex(int op, const Tensor& dst, const Tensor& src, const UnaryParams& p, const char* name);

}  // namespace ember::cuda
