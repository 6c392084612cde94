// gemm_base.cpp — the base build of gemm_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/gemm/gemm_kernels.inc"
