// gemm_avx512.cpp — the avx512 build of gemm_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/gemm/gemm_kernels.inc"
