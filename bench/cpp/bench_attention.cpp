// bench_attention — the fused attention kernels from C++ on the library the Python extension uses.
// Each case is first checked against the plain-loop reference (EMBER_KERNELS=reference path) on a
// smaller problem of the same kind, then timed: median ms and GFLOP/s of the forward
// (4*B*H*T*T*D) and of the backward (10*B*H*T*T*D, also when the forward saved P and the backward
// does 8 of those 10 units); causal counted as half. Non-causal runs twice: "no, P" saves P in the
// forward for the backward (the autograd path within its budget), "no" recomputes the scores.
//   build/dev/bench_attention [reps=5]      (threads: OMP_NUM_THREADS / ember's default)
// 1 thread is timed in process CPU time, more threads in wall time.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/parallel.h"
#include "ember/ops/attention/attention.h"

using namespace ember;

// 1 thread: process CPU time (robust on a loaded, shared machine); more threads: wall time.
static double now_ms() {
  if (get_num_threads() == 1) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double median_ms(const std::function<void()>& f, int reps) {
  f();
  std::vector<double> ts;
  for (int i = 0; i < reps; ++i) {
    double t0 = now_ms();
    f();
    ts.push_back(now_ms() - t0);
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

static Tensor filled(const Shape& s, uint32_t seed) {
  Tensor t = Tensor::empty(s, DType::Float32);
  uint32_t x = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    x = x * 1664525u + 1013904223u;
    t.data<float>()[i] = ((x >> 8) * (1.0f / 16777216.0f)) * 2.f - 1.f;
  }
  return t;
}

static double max_rel_diff(const Tensor& a, const Tensor& b) {
  double m = 0, scale = 1e-6;
  for (int64_t i = 0; i < a.numel(); ++i) scale = std::max(scale, (double)std::fabs(b.data<float>()[i]));
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, (double)std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  return m / scale;
}

static const int64_t kSaveAll = int64_t(1) << 40;  // saved-P budget that always fits

// fused vs reference forward and backward on (B, H, T, D); returns the worst relative difference.
// save_p: the fused run saves P in the forward and its backward reads it.
static double check(int64_t B, int64_t H, int64_t T, int64_t D, bool causal, bool save_p) {
  Tensor q = filled({B, H, T, D}, 1), k = filled({B, H, T, D}, 2), v = filled({B, H, T, D}, 3);
  Tensor g = filled({B, H, T, D}, 4);
  double scale = 1.0 / std::sqrt((double)D), worst = 0;
  std::vector<std::vector<Tensor>> res;
  for (bool ref : {true, false}) {
    set_reference_kernels(ref);
    auto f = attention_forward(q, k, v, Tensor(), causal, scale, save_p && !ref ? kSaveAll : 0);
    if (save_p && !ref && f.size() < 3) return 1e30;  // P was not saved
    auto b = attention_backward(g, q, k, v, f[0], f[1], Tensor(), causal, scale, f.size() > 2 ? f[2] : Tensor());
    res.push_back({f[0], b[0], b[1], b[2]});
  }
  set_reference_kernels(false);
  for (int i = 0; i < 4; ++i) worst = std::max(worst, max_rel_diff(res[1][i], res[0][i]));
  return worst;
}

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  std::printf("ember bench_attention: float32, ISA %s, %d threads, median of %d\n", isa_name(cpu_isa()),
              get_num_threads(), reps);
  std::printf("%-16s %-7s %10s %10s %10s %10s  %s\n", "BxHxTxD", "causal", "fwd ms", "fwd GF/s", "bwd ms", "bwd GF/s",
              "check (fused vs reference, small)");
  const int64_t shapes[][4] = {{8, 8, 256, 64}, {4, 8, 1024, 64}};
  int failures = 0;
  for (auto& s : shapes) {
    for (int mode = 0; mode < 3; ++mode) {  // non-causal with P saved, non-causal recomputing, causal
      const bool causal = mode == 2, save_p = mode == 0;
      const int64_t B = s[0], H = s[1], T = s[2], D = s[3];
      double err = check(2, 2, std::min<int64_t>(T, 200), D, causal, save_p);
      bool ok = err < 1e-4;
      failures += !ok;
      Tensor q = filled({B, H, T, D}, 1), k = filled({B, H, T, D}, 2), v = filled({B, H, T, D}, 3);
      Tensor g = filled({B, H, T, D}, 4);
      const double scale = 1.0 / std::sqrt((double)D);
      std::vector<Tensor> f;
      double tf = median_ms([&] { f = attention_forward(q, k, v, Tensor(), causal, scale, save_p ? kSaveAll : 0); },
                            reps);
      double tb = median_ms([&] {
        attention_backward(g, q, k, v, f[0], f[1], Tensor(), causal, scale, f.size() > 2 ? f[2] : Tensor());
      }, reps);
      const double base = (double)B * H * T * T * D * (causal ? 0.5 : 1.0);
      char name[64];
      std::snprintf(name, sizeof name, "%lldx%lldx%lldx%lld", (long long)B, (long long)H, (long long)T, (long long)D);
      std::printf("%-16s %-7s %10.2f %10.1f %10.2f %10.1f  %s (max rel diff %.1e)\n", name,
                  causal ? "yes" : save_p ? "no, P" : "no", tf,
                  4 * base / tf / 1e6, tb, 10 * base / tb / 1e6, ok ? "ok" : "MISMATCH", err);
    }
  }
  return failures ? 1 : 0;
}
