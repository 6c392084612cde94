// loss_avx512.cpp — the avx512 build of loss_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/loss/loss_kernels.inc"
