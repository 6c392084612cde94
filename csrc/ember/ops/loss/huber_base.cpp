// huber_base.cpp — the base build of huber_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/loss/huber_kernels.inc"
