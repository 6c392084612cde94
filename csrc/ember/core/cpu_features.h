// cpu_features.h — run-time ISA detection and the kernel-selection switch.
// EMBER_KERNELS=reference (or ember.set_kernels("reference")) routes every op to its plain-loop
// reference so any fast path can be cross-checked; EMBER_ISA=avx2|baseline caps the ISA used.
#pragma once

namespace ember {

enum class Isa { Baseline, Avx2, Avx512 };
Isa cpu_isa();               // best ISA this CPU supports, capped by EMBER_ISA / set_isa
void set_isa_cap(Isa cap);
const char* isa_name(Isa);

bool use_reference_kernels();
void set_reference_kernels(bool on);

}  // namespace ember
