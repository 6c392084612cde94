// bench_gemm.cpp — times ember::gemm / gemm_strided_batched (row-major, float32/float64) after
// checking every shape against the reference kernel, and prints GFLOP/s and % of the machine's FMA
// peak, which it measures first with a register-only FMA throughput loop on every thread.
// Usage: bench_gemm [--quick] [--cpu-time] [--only] [n | MxNxK[op] ...]   (threads from OMP_NUM_THREADS)
//   n: an extra square size; MxNxK[op]: an extra float32 product, op = NN (default) | TN | NT | TT,
//   e.g. 384x128x1024TN; --only: run just the extra shapes (no default list).
// --cpu-time times each shape by the process's CPU time instead of wall time: with one thread that
// ignores time spent descheduled on a loaded machine. The FMA peak is always per-thread CPU time.
// ISA: EMBER_ISA / EMBER_CPU_ISA = baseline | avx2 | avx512 caps the kernels (and the peak loop).
#include <immintrin.h>
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/parallel.h"
#include "ember/ops/gemm/gemm.h"
#include "ember/ops/gemm/gemm_kernels.h"

using Clock = std::chrono::steady_clock;
#include <time.h>

static double thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
static bool g_cpu_time = false;  // --cpu-time: time shapes by process CPU time
static double now_s() {
  if (g_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// ---- FMA peak: 10 independent accumulator chains (covers 2 FMA ports x 4-5 cycles latency) -------
__attribute__((target("avx2,fma"))) static double fma_loop_avx2(int64_t iters) {
  __m256 acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 10; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  float s = 0, o[8];
  for (int i = 0; i < 10; ++i) { _mm256_storeu_ps(o, acc[i]); s += o[0]; }
  return s + iters * 10.0 * 8 * 2 * 0;  // flops counted by the caller
}
__attribute__((target("avx512f"))) static double fma_loop_avx512(int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  float s = 0, o[16];
  for (int i = 0; i < 12; ++i) { _mm512_storeu_ps(o, acc[i]); s += o[0]; }
  return s;
}

// float32 FMA peak in GFLOP/s with all threads running the loop at once (best of 5).
static double measure_peak(ember::Isa isa, int nt) {
  if (isa == ember::Isa::Baseline) return 0;
  const bool z = isa == ember::Isa::Avx512;
  const int64_t iters = 20'000'000;
  const double flops_per_thread = (double)iters * (z ? 12 * 16 : 10 * 8) * 2;
  double best = 0, sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double rate = 0;  // sum over threads of flops / that thread's CPU time (robust to other load)
#pragma omp parallel num_threads(nt) reduction(+ : sink, rate)
    {
      const double t0 = thread_cpu();
      sink += z ? fma_loop_avx512(iters) : fma_loop_avx2(iters);
      rate += flops_per_thread / (thread_cpu() - t0);
    }
    best = std::max(best, rate / 1e9);
  }
  if (sink == 12345.678) std::printf(" ");
  return best;
}

struct Shape { int64_t m, n, k; bool ta, tb; int64_t batch; const char* tag; };

template <class T>
static bool check_shape(const Shape& s, const std::vector<T>& A, const std::vector<T>& B, double* err) {
  // reference on a corner (<= 192 x 192 of C, full K) of batch item 0 vs the fast kernel on it
  const int64_t mc = std::min<int64_t>(s.m, 192), nc = std::min<int64_t>(s.n, 192);
  const int64_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  std::vector<T> R(mc * nc), C(mc * nc);
  ember::set_reference_kernels(true);
  ember::gemm(s.ta, s.tb, mc, nc, s.k, T(1), A.data(), lda, B.data(), ldb, T(0), R.data(), nc);
  ember::set_reference_kernels(false);
  ember::gemm(s.ta, s.tb, mc, nc, s.k, T(1), A.data(), lda, B.data(), ldb, T(0), C.data(), nc);
  double e = 0, mag = 0;
  for (size_t i = 0; i < R.size(); ++i) {
    e = std::max(e, std::fabs((double)C[i] - (double)R[i]));
    mag = std::max(mag, std::fabs((double)R[i]));
  }
  *err = e / std::max(mag, 1e-30);
  return *err <= (sizeof(T) == 4 ? 1e-7 : 1e-16) * 8 * std::sqrt((double)s.k) + (sizeof(T) == 4 ? 1e-6 : 1e-14);
}

template <class T>
static void run(const Shape& s, double peak, int reps) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> A(s.batch * s.m * s.k), B(s.batch * s.k * s.n), C(s.batch * s.m * s.n);
  for (auto& x : A) x = (T)u(rng);
  for (auto& x : B) x = (T)u(rng);
  double err;
  const bool ok = check_shape<T>(s, A, B, &err);
  const int64_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  auto once = [&] {
    if (s.batch == 1)
      ember::gemm(s.ta, s.tb, s.m, s.n, s.k, T(1), A.data(), lda, B.data(), ldb, T(0), C.data(), s.n);
    else
      ember::gemm_strided_batched(s.ta, s.tb, s.m, s.n, s.k, T(1), A.data(), lda, s.m * s.k, B.data(), ldb,
                                  s.k * s.n, T(0), C.data(), s.n, s.m * s.n, s.batch);
  };
  const double flops = 2.0 * s.batch * s.m * s.n * s.k;
  const int inner = std::max<int>(1, (int)(2e8 / flops));  // >= ~0.2 GFLOP per timed sample
  once();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_s();
    for (int i = 0; i < inner; ++i) once();
    t.push_back((now_s() - t0) / inner);
  }
  std::sort(t.begin(), t.end());
  const double med = flops / t[t.size() / 2] / 1e9, best = flops / t[0] / 1e9;
  char name[64];
  std::snprintf(name, sizeof name, "%s%ldx%ldx%ld %s%s", s.batch > 1 ? (std::to_string(s.batch) + "x ").c_str() : "",
                (long)s.m, (long)s.n, (long)s.k, s.ta ? "T" : "N", s.tb ? "T" : "N");
  std::printf("%-8s %-14s %-26s %9.1f %9.1f %7.1f%%  %s (rel err %.1e)\n", sizeof(T) == 4 ? "float32" : "float64",
              s.tag, name, med, best, peak > 0 ? 100 * med / (sizeof(T) == 4 ? peak : peak / 2) : 0.0,
              ok ? "ok" : "MISMATCH", err);
  if (!ok) std::exit(1);
}

int main(int argc, char** argv) {
  bool quick = false, only = false;
  std::vector<int64_t> extra;
  std::vector<Shape> custom;
  for (int i = 1; i < argc; ++i) {
    long m = 0, n = 0, kk = 0;
    char op[3] = "NN";
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--cpu-time")) g_cpu_time = true;
    else if (!std::strcmp(argv[i], "--only")) only = true;
    else if (std::sscanf(argv[i], "%ldx%ldx%ld%2[NT]", &m, &n, &kk, op) >= 3 && m > 0 && n > 0 && kk > 0)
      custom.push_back({m, n, kk, op[0] == 'T', op[1] == 'T', 1, "extra"});
    else extra.push_back(std::atoll(argv[i]));
  }
  const ember::Isa isa = ember::cpu_isa();
  const int nt = ember::get_num_threads();
  const ember::GemmKernel* k = ember::gemm_kernels(isa);
  const ember::GemmBlocking b32 = k->blocking(ember::DType::Float32), b64 = k->blocking(ember::DType::Float64);
  const auto& cs = ember::gemm_detail::cache_sizes();
  std::printf("isa=%s threads=%d micro-kernel: %s; timing: %s\n", ember::isa_name(isa), nt, k->micro_kernel,
              g_cpu_time ? "process CPU time" : "wall clock");
  std::printf("caches: L1d %ld KiB, L2 %ld KiB, L3 %ld KiB -> f32 MC=%ld KC=%ld NC=%ld, f64 MC=%ld KC=%ld NC=%ld\n",
              (long)cs.l1 >> 10, (long)cs.l2 >> 10, (long)cs.l3 >> 10, (long)b32.MC, (long)b32.KC, (long)b32.NC,
              (long)b64.MC, (long)b64.KC, (long)b64.NC);
  const double peak = measure_peak(isa, nt);
  std::printf("measured float32 FMA peak (%d threads): %.1f GFLOP/s (float64: half)\n", nt, peak);
  // The micro-kernel alone on L1-resident packed panels, this thread only (best of 5): the ceiling
  // the full products approach; the gap to it is packing, cache misses, edges and threading.
  const double peak1 = measure_peak(isa, 1);
  for (ember::DType dt : {ember::DType::Float32, ember::DType::Float64}) {
    const ember::GemmBlocking bl = k->blocking(dt);
    const int64_t kc = bl.KC, calls = std::max<int64_t>(1, (int64_t)(2e8 / (2.0 * bl.MR * bl.NR * kc)));
    double best = 1e30;
    for (int r = 0; r < 5; ++r) best = std::min(best, k->micro_kernel_seconds(dt, kc, calls));
    const double gf = 2.0 * bl.MR * bl.NR * kc * calls / best / 1e9;
    const double p1 = dt == ember::DType::Float32 ? peak1 : peak1 / 2;
    std::printf("micro-kernel alone (%s %dx%d, kc=%ld, 1 thread): %.1f GFLOP/s = %.0f%% of the 1-thread peak %.1f\n",
                dt == ember::DType::Float32 ? "f32" : "f64", bl.MR, bl.NR, (long)kc, gf, p1 > 0 ? 100 * gf / p1 : 0.0,
                p1);
  }
  std::printf("\n");
  std::printf("%-8s %-14s %-26s %9s %9s %8s\n", "dtype", "kind", "shape (MxNxK, op)", "med GF/s", "best GF/s",
              "% peak");
  std::vector<Shape> shapes;
  const std::vector<int64_t> sq = quick ? std::vector<int64_t>{128, 512, 1024}
                                        : std::vector<int64_t>{128, 256, 512, 1024, 2048, 4096};
  for (int64_t n : sq) shapes.push_back({n, n, n, false, false, 1, "square"});
  for (int64_t n : extra) shapes.push_back({n, n, n, false, false, 1, "square"});
  shapes.push_back({1024, 1024, 1024, true, false, 1, "square TN"});
  shapes.push_back({1024, 1024, 1024, false, true, 1, "square NT"});
  shapes.push_back({1024, 1024, 1024, true, true, 1, "square TT"});
  shapes.push_back({100, 100, 40, false, false, 1, "mlp"});
  shapes.push_back({100, 100, 100, false, false, 1, "mlp"});
  shapes.push_back({2048, 3072, 768, false, false, 1, "transformer"});
  shapes.push_back({2048, 768, 3072, false, false, 1, "transformer"});
  shapes.push_back({768, 3072, 2048, true, false, 1, "weight grad"});
  shapes.push_back({128, 128, 64, false, true, 64, "attention"});
  shapes.push_back({8192, 64, 1024, false, false, 1, "tall-skinny"});
  shapes.push_back({64, 8192, 1024, false, false, 1, "wide"});
  const int reps = quick ? 3 : 7;
  if (only) shapes.clear();
  shapes.insert(shapes.end(), custom.begin(), custom.end());
  for (const Shape& s : shapes) {
    if (quick && s.m * s.n * s.k > 2048LL * 2048 * 2048) continue;
    run<float>(s, peak, reps);
  }
  if (only) return 0;
  for (int64_t n : {256, 1024}) run<double>({n, n, n, false, false, 1, "square"}, peak, reps);
  run<double>({1024, 1024, 1024, true, true, 1, "square TT"}, peak, reps);
  return 0;
}
