// unary_avx512.cpp — the avx512 build of unary_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/unary/unary_kernels.inc"
