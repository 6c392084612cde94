// cpu_features.h — run-time ISA detection and the kernel-selection switch.
// EMBER_KERNELS=reference (or ember.set_kernels("reference")) routes every op to its plain-loop
// reference so any fast path can be cross-checked; EMBER_ISA=avx2|baseline caps the ISA used.
#pragma once
#include <cstdint>

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

// The L3 one core shares with its neighbours, in bytes: cpu0's level-3 cache from /sys (glibc's
// sysconf reports the whole package's L3 on some AMD parts: 64 MiB for 8 MiB slices), clamped to
// [2, 256] MiB, 32 MiB when unknown. The memory-bound kernels size their streaming-store thresholds
// from it (norm: half of it; softmax: all of it).
int64_t l3_slice_bytes();

}  // namespace ember
