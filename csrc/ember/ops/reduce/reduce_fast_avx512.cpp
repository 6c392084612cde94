// reduce_fast_avx512.cpp — the avx512 build of reduce_fast.inc
#define EMBER_ISA_NS avx512
#include "ember/ops/reduce/reduce_fast.inc"
