// softmax_avx512.cpp — the avx512 build of softmax_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/softmax/softmax_kernels.inc"
