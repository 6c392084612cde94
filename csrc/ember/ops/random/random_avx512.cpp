// random_avx512.cpp — the avx512 build of random_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/random/random_kernels.inc"
