// gemm_ref.cpp — the plain triple-loop GEMM: the oracle for every fast path
// (selected by use_reference_kernels()). Accumulates in acc_t<T> (float for 16-bit floats,
// int64 for integers), k ascending, then C = act(alpha*acc + beta*C + bias) (beta == 0: C not read).
// The optional row sums of A accumulate in double (floats) / int64 (integers).
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/ops/gemm/gemm_kernels.h"

namespace ember {
namespace {
template <class T>
void ref_typed(const GemmProblem& p) {
  using Acc = acc_t<T>;
  const Acc alpha = p.alpha.to<Acc>(), beta = p.beta.to<Acc>();
  const T* A = static_cast<const T*>(p.A);
  const T* B = static_cast<const T*>(p.B);
  T* C = static_cast<T*>(p.C);
  const T* bias = static_cast<const T*>(p.epi.bias);
  const int64_t rows = p.batch_count() * p.M;
  parallel_for(0, rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, p.N * std::max<int64_t>(p.K, 1))),
               [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / p.M, i = r % p.M, oa, ob, oc;
      gemm_detail::batch_offsets(p, b, oa, ob, oc);
      for (int64_t j = 0; j < p.N; ++j) {
        Acc s = Acc(0);
        for (int64_t k = 0; k < p.K; ++k)
          s += Acc(A[oa + i * p.rsA + k * p.csA]) * Acc(B[ob + k * p.rsB + j * p.csB]);
        T& dst = C[oc + i * p.rsC + j * p.csC];
        Acc v = beta == Acc(0) ? Acc(alpha * s) : Acc(alpha * s + beta * Acc(dst));
        if (p.epi.bias_kind == GemmBias::PerRow) v += Acc(bias[i * p.epi.bias_stride]);
        if (p.epi.bias_kind == GemmBias::PerCol) v += Acc(bias[j * p.epi.bias_stride]);
        dst = T(gemm_detail::activate<Acc>(v, p.epi.act));
      }
    }
  });
}

template <class T>
void rowsum_typed(const GemmProblem& p) {
  using Acc = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, acc_t<T>>;
  const T* A = static_cast<const T*>(p.A);
  T* out = static_cast<T*>(p.rowsum);
  for (int64_t i = 0; i < p.M; ++i) {
    Acc s = Acc(0);
    for (int64_t k = 0; k < p.K; ++k) s += Acc(acc_t<T>(A[i * p.rsA + k * p.csA]));
    out[i] = T(acc_t<T>(s));
  }
}
}  // namespace

void gemm_reference(const GemmProblem& p) {
  EMBER_DISPATCH_NUMERIC(p.dtype, "matmul", [&] { ref_typed<scalar_t>(p); });
  rowsum_reference(p);
}

void rowsum_reference(const GemmProblem& p) {
  if (p.rowsum) EMBER_DISPATCH_NUMERIC(p.dtype, "matmul", [&] { rowsum_typed<scalar_t>(p); });
}

}  // namespace ember
