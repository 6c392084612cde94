// activation_avx2.cpp — the avx2 build of activation_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/activation/activation_kernels.inc"
