// binary_avx2.cpp — the avx2 build of binary_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/elementwise/binary_kernels.inc"
