#include "ember/core/cpu_features.h"
#include <algorithm>
#include <atomic>
#include <cstdio>
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

int64_t l3_slice_bytes() {
  static const int64_t bytes = [] {
    int64_t l3 = 0;
    int level = 0;
    if (FILE* f = std::fopen("/sys/devices/system/cpu/cpu0/cache/index3/level", "r")) {
      if (std::fscanf(f, "%d", &level) != 1) level = 0;
      std::fclose(f);
    }
    if (level == 3)
      if (FILE* f = std::fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r")) {
        long long v = 0;
        char unit = 0;
        if (std::fscanf(f, "%lld%c", &v, &unit) >= 1) l3 = v << (unit == 'K' ? 10 : unit == 'M' ? 20 : 0);
        std::fclose(f);
      }
    if (l3 <= 0) l3 = int64_t(32) << 20;
    return std::clamp<int64_t>(l3, int64_t(2) << 20, int64_t(256) << 20);
  }();
  return bytes;
}

}  // namespace ember
