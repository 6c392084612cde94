// activation_base.cpp — the base build of activation_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/activation/activation_kernels.inc"
