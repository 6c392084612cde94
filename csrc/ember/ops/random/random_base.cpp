// random_base.cpp — the base build of random_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/random/random_kernels.inc"
