// binary_avx512.cpp — the avx512 build of binary_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/elementwise/binary_kernels.inc"
