// norm_avx512.cpp — the avx512 build of norm_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/norm/norm_kernels.inc"
