// unary_base.cpp — the base build of unary_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/unary/unary_kernels.inc"
