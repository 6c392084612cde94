// gemm.cpp — the raw GEMM entry points (BLAS-style, row-major) and gemm_run, which picks the
// reference or the per-ISA blocked kernel. Tensor-level ops live in matmul.cpp / einsum.cpp.
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include "ember/core/dispatch.h"
#include "ember/ops/gemm/gemm_kernels.h"

namespace ember {

namespace gemm_detail {
namespace {
// "48K" / "1024K" / "32M" from /sys/devices/system/cpu/cpu0/cache/index*/size.
int64_t sys_cache(int level, bool data) {
  for (int idx = 0; idx < 8; ++idx) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/";
    auto read = [&](const char* f) {
      std::string v;
      if (FILE* fp = std::fopen((dir + f).c_str(), "r")) {
        char buf[64] = {};
        if (std::fgets(buf, sizeof buf, fp)) v = buf;
        std::fclose(fp);
      }
      return v;
    };
    const std::string lv = read("level"), ty = read("type"), sz = read("size");
    if (lv.empty() || std::atoi(lv.c_str()) != level) continue;
    if (data && ty.rfind("Instruction", 0) == 0) continue;
    int64_t n = std::atoll(sz.c_str());
    if (sz.find('K') != std::string::npos) n <<= 10;
    if (sz.find('M') != std::string::npos) n <<= 20;
    if (n > 0) return n;
  }
  return 0;
}
int64_t cache_size(int sc_name, int level, int64_t dflt) {
  long v = 0;
#ifdef _SC_LEVEL1_DCACHE_SIZE
  v = sysconf(sc_name);
#endif
  int64_t n = v > 0 ? (int64_t)v : sys_cache(level, true);
  return n > 0 ? n : dflt;
}
}  // namespace

const CacheSizes& cache_sizes() {
  static const CacheSizes cs = [] {
    CacheSizes c;
#ifdef _SC_LEVEL1_DCACHE_SIZE
    c.l1 = cache_size(_SC_LEVEL1_DCACHE_SIZE, 1, c.l1);
    c.l2 = cache_size(_SC_LEVEL2_CACHE_SIZE, 2, c.l2);
    c.l3 = cache_size(_SC_LEVEL3_CACHE_SIZE, 3, c.l3);
#else
    c.l1 = cache_size(0, 1, c.l1); c.l2 = cache_size(0, 2, c.l2); c.l3 = cache_size(0, 3, c.l3);
#endif
    c.l1 = std::clamp<int64_t>(c.l1, 16 << 10, 256 << 10);  // guard against odd reports
    c.l2 = std::clamp<int64_t>(c.l2, 128 << 10, 8 << 20);
    c.l3 = std::clamp<int64_t>(c.l3, 1 << 20, 256 << 20);
    return c;
  }();
  return cs;
}

int64_t env_block(const char* name, int64_t dflt) {
  const char* e = std::getenv(name);
  const long long v = e ? std::atoll(e) : 0;
  return v > 0 ? (int64_t)v : dflt;
}
}  // namespace gemm_detail

const GemmKernel* gemm_kernels(Isa isa) {
  return pick_isa(isa, base::gemm_kernel, avx2::gemm_kernel, avx512::gemm_kernel);
}

namespace {
// C = beta * C over every batch item (the K == 0 product); beta == 0 writes zeros.
template <class T>
void scale_c(const GemmProblem& p) {
  using Acc = acc_t<T>;
  const Acc beta = p.beta.to<Acc>();
  T* C = static_cast<T*>(p.C);
  const T* bias = static_cast<const T*>(p.epi.bias);
  for (int64_t b = 0, nb = p.batch_count(); b < nb; ++b) {
    int64_t oa, ob, oc;
    gemm_detail::batch_offsets(p, b, oa, ob, oc);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) {
        T& dst = C[oc + i * p.rsC + j * p.csC];
        Acc v = beta == Acc(0) ? Acc(0) : Acc(beta * Acc(dst));
        if (p.epi.bias_kind == GemmBias::PerRow) v += Acc(bias[i * p.epi.bias_stride]);
        if (p.epi.bias_kind == GemmBias::PerCol) v += Acc(bias[j * p.epi.bias_stride]);
        dst = T(gemm_detail::activate<Acc>(v, p.epi.act));
      }
  }
}
}  // namespace

void gemm_run(const GemmProblem& p) {
  EMBER_CHECK(p.dtype != DType::Bool, "matmul", "not implemented for 'Bool'");
  EMBER_CHECK(p.epi.bias_kind == GemmBias::None || p.epi.bias, "gemm", "bias kind set but no bias pointer");
  EMBER_CHECK(p.epi.act == GemmAct::None || p.epi.act == GemmAct::Relu || is_floating(p.dtype), "gemm",
              "GELU epilogue needs a floating dtype, got ", dtype_name(p.dtype));
  EMBER_CHECK(!p.rowsum || p.batch_count() == 1, "gemm", "row sums of A need a single matrix, got a batch of ",
              p.batch_count());
  if (p.M <= 0 || p.batch_count() <= 0) return;
  if (p.N <= 0 || p.K <= 0) {  // row sums still wanted (zeros for K == 0)
    rowsum_reference(p);
    if (p.N > 0) EMBER_DISPATCH_NUMERIC(p.dtype, "matmul", [&] { scale_c<scalar_t>(p); });
    return;
  }
  if (use_reference_kernels()) gemm_reference(p);
  else gemm_kernels(cpu_isa())->run(p);
}

namespace {
std::atomic<int> g_fp32_precision{0};
}  // namespace
int float32_matmul_precision() { return g_fp32_precision.load(std::memory_order_relaxed); }
void set_float32_matmul_precision(int level) {
  EMBER_CHECK_VALUE(level >= 0 && level <= 2, "set_float32_matmul_precision", "level must be 0 (highest), 1 (high) "
                    "or 2 (medium), got ", level);
  g_fp32_precision.store(level, std::memory_order_relaxed);
}

namespace {
template <class T>
GemmProblem raw_problem(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                        const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  EMBER_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm", "negative size M=", M, " N=", N, " K=", K);
  EMBER_CHECK(lda >= std::max<int64_t>(1, transA ? M : K) && ldb >= std::max<int64_t>(1, transB ? K : N) &&
                  ldc >= std::max<int64_t>(1, N),
              "gemm", "leading dimension too small: lda=", lda, " ldb=", ldb, " ldc=", ldc);
  GemmProblem p;
  p.dtype = dtype_of<T>::value;
  p.M = M; p.N = N; p.K = K;
  p.A = A; p.rsA = transA ? 1 : lda; p.csA = transA ? lda : 1;
  p.B = B; p.rsB = transB ? 1 : ldb; p.csB = transB ? ldb : 1;
  p.C = C; p.rsC = ldc; p.csC = 1;
  p.alpha = Scalar((double)alpha); p.beta = Scalar((double)beta);
  return p;
}
}  // namespace

#define EMBER_GEMM_RAW(T)                                                                                        \
  void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,         \
            const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {                                                \
    gemm_run(raw_problem<T>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));                     \
  }                                                                                                              \
  void gemm_strided_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,     \
                            int64_t lda, int64_t strideA, const T* B, int64_t ldb, int64_t strideB, T beta, T* C, \
                            int64_t ldc, int64_t strideC, int64_t batch) {                                       \
    EMBER_CHECK(batch >= 0, "gemm", "negative batch count ", batch);                                           \
    GemmProblem p = raw_problem<T>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);               \
    p.nbatch = 1; p.bshape[0] = batch; p.bsA[0] = strideA; p.bsB[0] = strideB; p.bsC[0] = strideC;             \
    gemm_run(p);                                                                                                 \
  }                                                                                                              \
  void gemm_ex(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,        \
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc, const GemmEpilogue& epi) {                    \
    GemmProblem p = raw_problem<T>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);               \
    p.epi = epi;                                                                                                 \
    gemm_run(p);                                                                                                 \
  }
EMBER_GEMM_RAW(float)
EMBER_GEMM_RAW(double)
#undef EMBER_GEMM_RAW

}  // namespace ember
