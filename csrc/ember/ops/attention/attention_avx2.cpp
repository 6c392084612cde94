// attention_avx2.cpp — the avx2 build of attention_kernels.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/attention/attention_kernels.inc"
