// softmax_base.cpp — the base build of softmax_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/softmax/softmax_kernels.inc"
