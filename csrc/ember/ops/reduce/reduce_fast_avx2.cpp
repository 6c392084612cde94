// reduce_fast_avx2.cpp — the avx2 build of reduce_fast.inc
#define EMBER_ISA_NS avx2
#include "ember/ops/reduce/reduce_fast.inc"
