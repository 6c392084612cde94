// conv_direct_avx512.cpp — the avx512 build of conv_direct_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/conv/conv_direct_kernels.inc"
