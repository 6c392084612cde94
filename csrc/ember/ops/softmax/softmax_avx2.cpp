// softmax_avx2.cpp — the avx2 build of softmax_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/softmax/softmax_kernels.inc"
