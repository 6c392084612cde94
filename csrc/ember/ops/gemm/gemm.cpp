// gemm.cpp — the raw GEMM entry points (BLAS-style, row-major) and gemm_run, which picks the
// reference or the per-ISA blocked kernel. Tensor-level ops live in matmul.cpp / einsum.cpp.
#include "ember/core/dispatch.h"
#include "ember/ops/gemm/gemm_kernels.h"

namespace ember {

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
  for (int64_t b = 0, nb = p.batch_count(); b < nb; ++b) {
    int64_t oa, ob, oc;
    gemm_detail::batch_offsets(p, b, oa, ob, oc);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) {
        T& dst = C[oc + i * p.rsC + j * p.csC];
        dst = beta == Acc(0) ? T(Acc(0)) : T(beta * Acc(dst));
      }
  }
}
}  // namespace

void gemm_run(const GemmProblem& p) {
  EMBER_CHECK(p.dtype != DType::Bool, "matmul", "not implemented for 'Bool'");
  if (p.M <= 0 || p.N <= 0 || p.batch_count() <= 0) return;
  if (p.K <= 0) {
    EMBER_DISPATCH_NUMERIC(p.dtype, "matmul", [&] { scale_c<scalar_t>(p); });
    return;
  }
  if (use_reference_kernels()) gemm_reference(p);
  else gemm_kernels(cpu_isa())->run(p);
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
  }
EMBER_GEMM_RAW(float)
EMBER_GEMM_RAW(double)
#undef EMBER_GEMM_RAW

}  // namespace ember
