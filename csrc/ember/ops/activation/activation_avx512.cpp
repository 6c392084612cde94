// activation_avx512.cpp — the avx512 build of activation_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/activation/activation_kernels.inc"
