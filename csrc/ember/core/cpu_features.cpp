#include "ember/core/cpu_features.h"
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace ember {
namespace {
Isa detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return Isa::Avx2;
  return Isa::Baseline;
}
Isa env_cap() {
  const char* e = std::getenv("EMBER_ISA");
  if (!e) e = std::getenv("EMBER_CPU_ISA");  // alias
  if (!e) return Isa::Avx512;
  if (!std::strcmp(e, "baseline")) return Isa::Baseline;
  if (!std::strcmp(e, "avx2")) return Isa::Avx2;
  return Isa::Avx512;
}
bool env_reference() {
  const char* e = std::getenv("EMBER_KERNELS");
  return e && !std::strcmp(e, "reference");
}
const Isa g_detected = detect();
std::atomic<Isa> g_cap{env_cap()};
std::atomic<bool> g_reference{env_reference()};
}  // namespace

Isa cpu_isa() { Isa c = g_cap.load(std::memory_order_relaxed); return g_detected < c ? g_detected : c; }
void set_isa_cap(Isa cap) { g_cap.store(cap); }
const char* isa_name(Isa i) { return i == Isa::Avx512 ? "avx512" : i == Isa::Avx2 ? "avx2" : "baseline"; }
bool use_reference_kernels() { return g_reference.load(std::memory_order_relaxed); }
void set_reference_kernels(bool on) { g_reference.store(on); }

}  // namespace ember
