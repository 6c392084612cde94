// loss_base.cpp — the base build of loss_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/loss/loss_kernels.inc"
