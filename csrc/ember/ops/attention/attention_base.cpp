// attention_base.cpp — the base build of attention_kernels.inc
#define EMBER_ISA_NS base
#include "ember/ops/attention/attention_kernels.inc"
