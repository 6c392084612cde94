// bench_gemm_blas.cpp — ember::gemm against an OpenBLAS-style cblas_sgemm loaded at run time (numpy's
// bundled scipy-openblas by default), float32, row-major, interleaved in one process: each round times
// ember then BLAS on the same operands by this thread's CPU time; prints medians and ember / BLAS.
// Without Python in the way this separates the kernels from per-call overhead (mlp-sized calls) and,
// being interleaved, holds up on a loaded machine better than two separate runs.
// Usage: bench_gemm_blas [--rounds N] [--blas PATH] MxNxK[op] ...   (op = NN | TN | NT | TT)
//   PATH (or $BLAS_SO): a shared library exporting scipy_cblas_sgemm64_ (64-bit ints) or cblas_sgemm
//   (32-bit ints). Set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / EMBER_NUM_THREADS for the thread count.
// e.g. OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 EMBER_NUM_THREADS=1 \
//      BLAS_SO=$(ls .../site-packages/numpy.libs/libscipy_openblas64_*.so) \
//      build/cpu/bench_gemm_blas 100x100x40 384x128x1024TN
#include <dlfcn.h>
#include <time.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>
#include "ember/ops/gemm/gemm.h"

namespace {
using Sgemm64 = void (*)(int, int, int, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                         float, float*, int64_t);
using Sgemm32 = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
Sgemm64 g_sgemm64 = nullptr;
Sgemm32 g_sgemm32 = nullptr;

double thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B, int64_t ldb,
          float* C, int64_t ldc) {
  const int RowMajor = 101, NoTrans = 111, Trans = 112;
  if (g_sgemm64)
    g_sgemm64(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1.f, A, lda, B, ldb, 0.f, C, ldc);
  else
    g_sgemm32(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, (int)m, (int)n, (int)k, 1.f, A, (int)lda, B,
              (int)ldb, 0.f, C, (int)ldc);
}
}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  const char* path = std::getenv("BLAS_SO");
  std::vector<const char*> shapes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--blas") && i + 1 < argc) path = argv[++i];
    else shapes.push_back(argv[i]);
  }
  void* h = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
  if (h) {
    g_sgemm64 = (Sgemm64)dlsym(h, "scipy_cblas_sgemm64_");
    if (!g_sgemm64) g_sgemm32 = (Sgemm32)dlsym(h, "cblas_sgemm");
  }
  if (!g_sgemm64 && !g_sgemm32) {
    std::fprintf(stderr, "bench_gemm_blas: no cblas_sgemm: pass --blas PATH or set BLAS_SO (%s)\n",
                 path ? dlerror() : "no library given");
    return 2;
  }
  std::printf("%-18s %10s %10s %8s   (GFLOP/s of thread CPU time, medians of %d interleaved rounds)\n", "shape",
              "ember", "blas", "e/blas", rounds);
  for (const char* arg : shapes) {
    long m = 0, n = 0, k = 0;
    char op[3] = "NN";
    if (std::sscanf(arg, "%ldx%ldx%ld%2[NT]", &m, &n, &k, op) < 3 || m <= 0 || n <= 0 || k <= 0) {
      std::fprintf(stderr, "bench_gemm_blas: bad shape '%s' (want MxNxK[op])\n", arg);
      return 2;
    }
    const bool ta = op[0] == 'T', tb = op[1] == 'T';
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> A(m * k), B(k * n), C(m * n), R(m * n);
    for (auto& x : A) x = u(rng);
    for (auto& x : B) x = u(rng);
    const int64_t lda = ta ? m : k, ldb = tb ? k : n;
    auto mine = [&] { ember::gemm(ta, tb, m, n, k, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), n); };
    auto theirs = [&] { blas(ta, tb, m, n, k, A.data(), lda, B.data(), ldb, R.data(), n); };
    mine();
    theirs();
    double err = 0, mag = 0;
    for (size_t i = 0; i < C.size(); ++i) {
      err = std::max(err, (double)std::fabs(C[i] - R[i]));
      mag = std::max(mag, (double)std::fabs(R[i]));
    }
    const double flops = 2.0 * m * n * k;
    const int inner = std::max(1, (int)(1e8 / flops));
    std::vector<double> te, tbl;
    for (int r = 0; r < rounds; ++r) {
      double t0 = thread_cpu();
      for (int q = 0; q < inner; ++q) mine();
      te.push_back((thread_cpu() - t0) / inner);
      t0 = thread_cpu();
      for (int q = 0; q < inner; ++q) theirs();
      tbl.push_back((thread_cpu() - t0) / inner);
    }
    std::sort(te.begin(), te.end());
    std::sort(tbl.begin(), tbl.end());
    const double ge = flops / te[te.size() / 2] / 1e9, gb = flops / tbl[tbl.size() / 2] / 1e9;
    std::printf("%-18s %10.1f %10.1f %8.2f   (max |ember - blas| / max |C| = %.1e)\n", arg, ge, gb, ge / gb,
                err / std::max(mag, 1e-30));
  }
  return 0;
}
