// bench_gemm.cpp — times ember::gemm (float32/float64, row-major) after checking it against the
// reference kernel, and prints GFLOP/s. Usage: bench_gemm [n ...] (default 256 512 1024);
// threads from OMP_NUM_THREADS / all cores.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/parallel.h"
#include "ember/ops/gemm/gemm.h"

template <class T>
static void run(int64_t n, const char* name, bool transA) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> A(n * n), B(n * n), C(n * n), R(n * n);
  for (auto& x : A) x = (T)u(rng);
  for (auto& x : B) x = (T)u(rng);
  ember::set_reference_kernels(true);
  const int64_t nchk = std::min<int64_t>(n, 256);  // reference check on a corner-sized problem
  ember::gemm(transA, false, nchk, nchk, n, T(1), A.data(), n, B.data(), n, T(0), R.data(), n);
  ember::set_reference_kernels(false);
  ember::gemm(transA, false, nchk, nchk, n, T(1), A.data(), n, B.data(), n, T(0), C.data(), n);
  double maxerr = 0;
  for (int64_t i = 0; i < nchk; ++i)
    for (int64_t j = 0; j < nchk; ++j) maxerr = std::max(maxerr, std::fabs((double)C[i * n + j] - (double)R[i * n + j]));
  const double tol = (sizeof(T) == 4 ? 1e-6 : 1e-14) * n * 4;
  if (maxerr > tol) { std::printf("%s n=%ld: MISMATCH vs reference (max err %g)\n", name, (long)n, maxerr); std::exit(1); }
  std::vector<double> times;
  for (int rep = 0; rep < 7; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    ember::gemm(transA, false, n, n, n, T(1), A.data(), n, B.data(), n, T(0), C.data(), n);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double flops = 2.0 * n * n * n;
  std::printf("%-8s %s n=%-5ld best %8.2f GFLOP/s  median %8.2f GFLOP/s  (max err vs ref %.2g)\n", name,
              transA ? "TN" : "NN", (long)n, flops / times[0] / 1e9, flops / times[times.size() / 2] / 1e9, maxerr);
}

// gemm_strided_batched with transposed B against per-matrix reference gemm calls.
static void check_batched() {
  const int64_t b = 5, m = 37, n = 29, k = 70;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> A(b * m * k), B(b * n * k), C(b * m * n), R(b * m * n);
  for (auto& x : A) x = u(rng);
  for (auto& x : B) x = u(rng);
  ember::gemm_strided_batched(false, true, m, n, k, 1.5f, A.data(), k, m * k, B.data(), k, n * k, 0.f, C.data(), n,
                              m * n, b);
  ember::set_reference_kernels(true);
  for (int64_t i = 0; i < b; ++i)
    ember::gemm(false, true, m, n, k, 1.5f, A.data() + i * m * k, k, B.data() + i * n * k, k, 0.f, R.data() + i * m * n, n);
  ember::set_reference_kernels(false);
  double maxerr = 0;
  for (size_t i = 0; i < C.size(); ++i) maxerr = std::max(maxerr, (double)std::fabs(C[i] - R[i]));
  std::printf("strided batched (NT) vs reference: max err %.2g %s\n", maxerr, maxerr < 1e-4 ? "ok" : "MISMATCH");
  if (maxerr >= 1e-4) std::exit(1);
}

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty()) sizes = {256, 512, 1024};
  std::printf("isa=%s threads=%d\n", ember::isa_name(ember::cpu_isa()), ember::get_num_threads());
  check_batched();
  for (int64_t n : sizes) {
    run<float>(n, "float32", false);
    run<float>(n, "float32", true);
    run<double>(n, "float64", false);
  }
  return 0;
}
