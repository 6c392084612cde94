// loss_avx2.cpp — the avx2 build of loss_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/loss/loss_kernels.inc"
