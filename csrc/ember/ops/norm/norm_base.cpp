// norm_base.cpp — the base build of norm_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/norm/norm_kernels.inc"
