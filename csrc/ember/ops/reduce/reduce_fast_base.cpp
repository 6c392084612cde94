// reduce_fast_base.cpp — the base build of reduce_fast.inc
#define EMBER_ISA_NS base
#include "ember/ops/reduce/reduce_fast.inc"
