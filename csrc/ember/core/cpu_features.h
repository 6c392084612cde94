// cpu_features.h — run-time ISA detection and the kernel-selection switch.
// EMBER_KERNELS=reference (or ember.set_kernels("reference")) routes every op to its plain-loop
// reference so any fast path can be cross-checked; EMBER_ISA=avx2|baseline caps the ISA used.
#pragma once

namespace ember {

enum class Isa { Baseline, Avx2, Avx512 };
Isa cpu_isa();               // best ISA this CPU supports, capped by EMBER_ISA / set_isa
void set_isa_cap(Isa cap);
const char* isa_name(Isa);

// Each family compiles its `*_kernels.inc` once per ISA into namespaces base/avx2/avx512;
// this picks the build for `isa`.
template <class K>
const K* pick_isa(Isa isa, const K& base, const K& avx2, const K& avx512) {
  return isa == Isa::Avx512 ? &avx512 : isa == Isa::Avx2 ? &avx2 : &base;
}

bool use_reference_kernels();
void set_reference_kernels(bool on);

}  // namespace ember
