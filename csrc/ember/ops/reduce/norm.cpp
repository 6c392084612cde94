// norm.cpp — vector norms (one accumulation pass + finish), matrix norms (composed from the
// reductions, or from singular values), and svdvals by one-sided Jacobi rotations in float64.
#include <algorithm>
#include <cmath>
#include "ember/core/view.h"
#include "ember/ops/reduce/reduce_util.h"

namespace ember {

Tensor vector_norm(const Tensor& a, double ord, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  const char* op = "linalg.vector_norm";
  EMBER_CHECK(is_floating(a.dtype()), op, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
              dtype_name(a.dtype()));
  if (dtype)
    EMBER_CHECK(is_floating(*dtype), op, "linalg.vector_norm: dtype should be floating point or complex. Got ",
                dtype_name(*dtype));
  Tensor in = dtype ? to_dtype(a, *dtype) : a;
  DimPlan p = plan_dims(op, in, dims);
  EMBER_CHECK(!(p.nred == 0 && (ord < 0 || std::isinf(ord))), op, "linalg.vector_norm cannot compute the ", ord,
              " norm on an empty tensor because the operation does not have an identity");
  Tensor acc;
  if (ord == 0) acc = reduce_acc(RK::NonZero, in, p);
  else if (ord == 1) acc = reduce_acc(RK::AbsSum, in, p);
  else if (ord == 2) { acc = reduce_acc(RK::SqSum, in, p); sqrt_acc(acc); }
  else if (std::isinf(ord)) acc = reduce_acc(ord > 0 ? RK::AbsMax : RK::AbsMin, in, p);
  else {
    acc = reduce_acc(RK::PowSum, in, p, Tensor(), ord);
    const double inv = 1.0 / ord;
    acc_map(AccMap::Pow, acc, Tensor(), inv);
  }
  return finish_shape(to_dtype(acc, in.dtype()), p, keepdim);
}

namespace {
// Singular values of the k columns (length len, contiguous each) of `c`, written to `sv` descending.
void jacobi_svals(double* c, int64_t k, int64_t len, double* sv) {
  auto dot = [len](const double* x, const double* y) { double s = 0; for (int64_t i = 0; i < len; ++i) s += x[i] * y[i]; return s; };
  for (int sweep = 0; sweep < 80; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < k; ++p)
      for (int64_t q = p + 1; q < k; ++q) {
        double* cp = c + p * len;
        double* cq = c + q * len;
        double alpha = dot(cp, cp), beta = dot(cq, cq), gamma = dot(cp, cq);
        if (gamma == 0 || alpha == 0 || beta == 0) continue;
        double rel = std::abs(gamma) / std::sqrt(alpha * beta);
        if (!(rel > 1e-15)) continue;
        off = std::max(off, rel);
        double zeta = (beta - alpha) / (2 * gamma);
        double t = (zeta >= 0 ? 1.0 : -1.0) / (std::abs(zeta) + std::sqrt(1 + zeta * zeta));
        double cs = 1 / std::sqrt(1 + t * t), sn = cs * t;
        for (int64_t i = 0; i < len; ++i) {
          double x = cp[i], y = cq[i];
          cp[i] = cs * x - sn * y;
          cq[i] = sn * x + cs * y;
        }
      }
    if (!(off > 1e-15)) break;
  }
  for (int64_t p = 0; p < k; ++p) sv[p] = std::sqrt(dot(c + p * len, c + p * len));
  std::sort(sv, sv + k, [](double x, double y) { return x > y || (std::isnan(x) && !std::isnan(y)); });
}
}  // namespace

Tensor svdvals(const Tensor& a) {
  EMBER_CHECK(a.dim() >= 2, "linalg.svdvals", "The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(is_floating(a.dtype()), "linalg.svdvals", "Expected a floating point tensor as input. Got ",
              dtype_name(a.dtype()));
  const int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1], k = std::min(m, n), len = std::max(m, n);
  Shape os(a.sizes().begin(), a.sizes().end() - 2);
  const int64_t batch = shape_numel(os);
  os.push_back(k);
  Tensor x = contiguous(to_dtype(a, DType::Float64));
  Tensor out = Tensor::empty(os, DType::Float64);
  if (out.numel() == 0) return to_dtype(out, a.dtype());
  const double* src = x.data<double>();
  double* dst = out.data<double>();
  parallel_for(0, batch, 1, [&](int64_t b, int64_t e) {
    std::vector<double> c(k * len);
    for (int64_t bi = b; bi < e; ++bi) {
      const double* A = src + bi * m * n;
      // columns of the tall orientation: A's columns when m >= n, else A's rows
      for (int64_t p = 0; p < k; ++p)
        for (int64_t i = 0; i < len; ++i) c[p * len + i] = m >= n ? A[i * n + p] : A[p * n + i];
      jacobi_svals(c.data(), k, len, dst + bi * k);
    }
  });
  return to_dtype(out, a.dtype());
}

Tensor matrix_norm(const Tensor& a, const std::string& ord_str, double ord, const std::vector<int64_t>& dims,
                   bool keepdim, std::optional<DType> dtype) {
  const char* op = "linalg.matrix_norm";
  EMBER_CHECK(a.dim() >= 2, op, "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(dims.size() == 2, op, "linalg.matrix_norm: dim must be a 2-tuple. Got ", shape_str(dims));
  int64_t d0 = wrap_dim(dims[0], a.dim(), op), d1 = wrap_dim(dims[1], a.dim(), op);
  EMBER_CHECK(d0 != d1, op, "linalg.matrix_norm: dims must be different. Got (", d0, ", ", d1, ")");
  EMBER_CHECK(is_floating(a.dtype()), op, "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got ",
              dtype_name(a.dtype()));
  Tensor in = dtype ? to_dtype(a, *dtype) : a;
  if (ord_str == "fro") return vector_norm(in, 2, std::vector<int64_t>{d0, d1}, keepdim, std::nullopt);
  auto restore = [&](Tensor r) {  // reduced over the last dim after moving d0, d1 to the end
    if (!keepdim) return r;
    r = unsqueeze(r, std::min(d0, d1));
    return unsqueeze(r, std::max(d0, d1));
  };
  if (ord_str == "nuc" || (ord_str.empty() && std::abs(ord) == 2)) {
    Tensor sv = svdvals(movedim(in, {d0, d1}, {-2, -1}));
    std::vector<int64_t> last{-1};
    if (ord_str == "nuc") return restore(sum(sv, last, false, std::nullopt));
    return restore(ord > 0 ? amax(sv, last, false) : amin(sv, last, false));
  }
  EMBER_CHECK(ord_str.empty() && (std::abs(ord) == 1 || std::isinf(ord)), op, "linalg.matrix_norm: Order ",
              ord_str.empty() ? std::to_string(ord) : ord_str, " not supported.");
  // 1: max over columns of the column sums |x| (sum over d0); inf: max over rows (sum over d1).
  int64_t sum_dim = std::abs(ord) == 1 ? d0 : d1, other = std::abs(ord) == 1 ? d1 : d0;
  Tensor s = vector_norm(in, 1, std::vector<int64_t>{sum_dim}, true, std::nullopt);
  Tensor r = ord > 0 ? amax(s, std::vector<int64_t>{other}, true) : amin(s, std::vector<int64_t>{other}, true);
  return keepdim ? r : squeeze(r, {d0, d1});
}

}  // namespace ember
