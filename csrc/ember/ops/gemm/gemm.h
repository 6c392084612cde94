// gemm.h — matrix products. Two layers:
//  * raw GEMM on pointers, BLAS-style but row-major:  C = alpha * op(A) @ op(B) + beta * C
//    with op(A) M x K, op(B) K x N, C M x N; lda/ldb/ldc are row strides of the stored matrices.
//    beta == 0 means C is write-only (nan/inf already in C are not propagated).
//  * Tensor ops with PyTorch semantics (matmul broadcasting, mm, bmm, mv, dot, addmm, einsum ...).
//    Validation happens once here; transposed/strided operands reach the kernel as strides
//    (never copied into a transposed layout first).
#pragma once
#include <string>
#include <vector>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

// ---- raw GEMM -----------------------------------------------------------------------------------
// transA: A is stored K x M (row stride lda) and used transposed; likewise transB (B stored N x K).
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc);
// `batch` independent products; matrix b of X starts at X + b * strideX.
void gemm_strided_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                          int64_t lda, int64_t strideA, const float* B, int64_t ldb, int64_t strideB, float beta,
                          float* C, int64_t ldc, int64_t strideC, int64_t batch);
void gemm_strided_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A,
                          int64_t lda, int64_t strideA, const double* B, int64_t ldb, int64_t strideB, double beta,
                          double* C, int64_t ldc, int64_t strideC, int64_t batch);

// ---- fused epilogue ------------------------------------------------------------------------------
// C = act(alpha * op(A) @ op(B) + beta * C + bias), applied while each C tile is still in cache, so
// a layer (nn.Linear + activation) writes its output once.
//   bias: PerCol = one value per column j (length N; nn.Linear's bias), PerRow = one per row i
//   (length M); element i/j at bias[idx * bias_stride]; same dtype as C; shared by every batch item.
//   act:  Relu = max(x, 0) (nan stays nan), Gelu = 0.5x(1+erf(x/sqrt2)) (PyTorch's default),
//         GeluTanh = 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) (approximate='tanh'); Gelu* need floats.
// 16-bit outputs: the epilogue runs in float on the float accumulator, rounded once at the end.
enum class GemmBias : int { None = 0, PerRow = 1, PerCol = 2 };
enum class GemmAct : int { None = 0, Relu = 1, Gelu = 2, GeluTanh = 3 };
struct GemmEpilogue {
  GemmBias bias_kind = GemmBias::None;
  const void* bias = nullptr;
  int64_t bias_stride = 1;
  GemmAct act = GemmAct::None;
  bool active() const { return bias_kind != GemmBias::None || act != GemmAct::None; }
};
// Raw float32/float64 GEMM with the epilogue (row-major, flags and leading dims as gemm()).
void gemm_ex(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
             const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const GemmEpilogue& epi);
void gemm_ex(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
             const double* B, int64_t ldb, double beta, double* C, int64_t ldc, const GemmEpilogue& epi);

// ---- general strided form (what the Tensor ops lower to) -----------------------------------------
constexpr int kGemmMaxBatchDims = 12;

// C[b] = alpha * A[b] @ B[b] + beta * C[b] for every index b of `batch` (a multi-dim batch whose
// per-operand strides may be 0 for broadcasting). Every stride is in elements and may be anything
// (row/column major, stepped, stride 0). All three operands share `dtype`; 16-bit floats
// accumulate in float, integers in int64. C must not overlap A or B.
struct GemmProblem {
  DType dtype = DType::Float32;
  int64_t M = 0, N = 0, K = 0;
  const void* A = nullptr; int64_t rsA = 0, csA = 0;
  const void* B = nullptr; int64_t rsB = 0, csB = 0;
  void* C = nullptr; int64_t rsC = 0, csC = 0;
  int nbatch = 0;
  int64_t bshape[kGemmMaxBatchDims] = {};
  int64_t bsA[kGemmMaxBatchDims] = {}, bsB[kGemmMaxBatchDims] = {}, bsC[kGemmMaxBatchDims] = {};
  Scalar alpha = Scalar((int64_t)1), beta = Scalar((int64_t)0);
  GemmEpilogue epi;
  // Optional (one matrix: batch_count() == 1; CPU only): rowsum[i] = sum_k A(i, k), M values in C's
  // dtype, unit stride. nn.Linear's bias gradient db = dY^T 1 comes from the weight gradient's
  // dW = dY^T X while it packs dY, instead of another pass over dY.
  void* rowsum = nullptr;
  int64_t batch_count() const { int64_t n = 1; for (int d = 0; d < nbatch; ++d) n *= bshape[d]; return n; }
};
// Runs the reference (use_reference_kernels()) or the blocked per-ISA kernel.
void gemm_run(const GemmProblem& p);

// float32 matmul precision (PyTorch's set_float32_matmul_precision): 0 "highest" (full float32,
// the default), 1 "high", 2 "medium". Above 0, float32 products on CUDA may use TF32 tensor cores
// (ember.backends.cuda.matmul.allow_tf32). The CPU kernels always compute in full float32.
int float32_matmul_precision();
void set_float32_matmul_precision(int level);

// ---- Tensor ops (PyTorch names and semantics) ------------------------------------------------------
// `out` (if defined) must have the result's dtype and shape; results are new contiguous tensors.
Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());  // numpy/PyTorch broadcasting
Tensor mm(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());      // (n,k) @ (k,m)
Tensor bmm(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());     // (B,n,k) @ (B,k,m)
Tensor mv(const Tensor& a, const Tensor& v, const Tensor& out = Tensor());      // (n,k) @ (k,)
Tensor dot(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());     // (n,) . (n,) -> ()
Tensor vdot(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());    // dot (real dtypes: no conj)
Tensor inner(const Tensor& a, const Tensor& b, const Tensor& out = Tensor());   // contracts the last dims
// beta * input + alpha * (product); input broadcasts to the product's shape; beta == 0 ignores input.
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha,
             const Tensor& out = Tensor(), const char* op = "addmm");
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha,
             const Tensor& out = Tensor(), const char* op = "addmv");
Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha,
               const Tensor& out = Tensor(), const char* op = "baddbmm");
Tensor addbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha,
              const Tensor& out = Tensor(), const char* op = "addbmm");  // sums the batch products
// In-place forms: self = beta * self + alpha * product (self must have the product's shape).
Tensor& addmm_(Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha);
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha);
Tensor& baddbmm_(Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha);
Tensor& addbmm_(Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha);

// Fused product (Tensor form of gemm_ex): act(alpha * a @ b + beta * c + bias). a (..., M, K) and
// b (..., K, N) broadcast as in matmul (both at least 2-D); c (optional, broadcastable to the result)
// is read when beta != 0; bias is 1-D: length N for bias_dim = -1 (PerCol, as nn.Linear), length M
// for bias_dim = -2 (PerRow). act: "none" | "relu" | "gelu" | "gelu_tanh".
Tensor gemm_epilogue(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& c, const Scalar& alpha,
                     const Scalar& beta, int64_t bias_dim, const std::string& act, const Tensor& out = Tensor());

// nn.Linear's parameter gradients from one pass over g: {dW = g^T @ x (out, in), db = g.sum(0) (out,)
// or undefined when !bias}; g (rows, out) and x (rows, in) are 2-D of one dtype.
std::vector<Tensor> linear_weight_grad(const Tensor& g, const Tensor& x, bool bias);

// einsum: any equation (implicit/explicit output, '...', repeated subscripts = diagonals); operands
// are contracted pairwise left to right, each contraction lowered to permute/reshape + batched GEMM.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);
// Contract dims_a of a with dims_b of b (same lengths, matching sizes); result dims: a's rest, b's rest.
Tensor tensordot(const Tensor& a, const Tensor& b, const Shape& dims_a, const Shape& dims_b,
                 const Tensor& out = Tensor());
// Chain product with the cheapest parenthesization; first/last may be 1-D (as in linalg.multi_dot).
Tensor multi_dot(const std::vector<Tensor>& tensors, const Tensor& out = Tensor(), const char* op = "multi_dot");
// A^n for square (batches of) matrices, n >= 0 (n < 0 needs an inverse: NotImplementedError).
Tensor matrix_power(const Tensor& a, int64_t n, const char* op = "matrix_power");

}  // namespace ember
