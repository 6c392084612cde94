// conv_direct_avx2.cpp — the avx2 build of conv_direct_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/conv/conv_direct_kernels.inc"
