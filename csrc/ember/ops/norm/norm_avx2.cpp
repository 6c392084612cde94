// norm_avx2.cpp — the avx2 build of norm_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/norm/norm_kernels.inc"
