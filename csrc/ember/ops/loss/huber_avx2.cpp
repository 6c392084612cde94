// huber_avx2.cpp — the avx2 build of huber_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/loss/huber_kernels.inc"
