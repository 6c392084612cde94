// huber_avx512.cpp — the avx512 build of huber_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/loss/huber_kernels.inc"
