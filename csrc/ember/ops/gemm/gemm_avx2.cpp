// gemm_avx2.cpp — the avx2 build of gemm_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/gemm/gemm_kernels.inc"
