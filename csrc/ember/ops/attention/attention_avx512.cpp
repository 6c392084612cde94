// attention_avx512.cpp — the avx512 build of attention_kernels.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/attention/attention_kernels.inc"
