// unary_avx2.cpp — the avx2 build of unary_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/unary/unary_kernels.inc"
