// norm_ref.cpp — the reference build of norm_kernels.inc: the same math with one accumulator
// lane, double row sums and no threads (EMBER_KERNELS=reference).
#define EMBER_ISA_NS ref
#define EMBER_NORM_REFERENCE 1
#include "ember/ops/norm/norm_kernels.inc"
