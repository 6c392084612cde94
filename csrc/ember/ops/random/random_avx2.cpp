// random_avx2.cpp — the avx2 build of random_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/random/random_kernels.inc"
