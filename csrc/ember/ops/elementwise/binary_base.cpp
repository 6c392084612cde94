// binary_base.cpp — the base build of binary_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/elementwise/binary_kernels.inc"
