// conv_direct_base.cpp — the base build of conv_direct_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/conv/conv_direct_kernels.inc"
