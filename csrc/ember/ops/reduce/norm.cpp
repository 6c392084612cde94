// norm.cpp — vector norms (one accumulation pass + finish), matrix norms (composed from the
// reductions, or from singular values), and svdvals by one-sided Jacobi rotations in float64:
// cyclic on the CPU (jacobi_svals), parallel round-robin as a composition of device-generic ops
// on CUDA (jacobi_svals_composed).
#include <algorithm>
#include <cmath>
#include "ember/core/fill.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/index/index.h"
#include "ember/ops/reduce/reduce_util.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/sort/sort.h"
#include "ember/ops/unary/unary.h"

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
        double rel = std::abs(gamma) / (std::sqrt(alpha) * std::sqrt(beta));  // alpha * beta may overflow
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

namespace {
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
Tensor dot_rows(const Tensor& x, const Tensor& y) { return sum(mul(x, y), std::vector<int64_t>{-1}, false, std::nullopt); }

// Round-robin pairing of k2 (even) columns (the circle method: column k2 - 1 fixed, the others
// rotate): row r of the (k2 - 1, k2) result lists round r's pairs (p_0..p_h-1, q_0..q_h-1); over
// the k2 - 1 rounds every pair of columns meets exactly once.
Tensor round_robin(int64_t k2) {
  const int64_t h = k2 / 2, r = k2 - 1;
  Tensor s = Tensor::empty({r, k2}, DType::Int64);
  int64_t* o = s.data<int64_t>();
  for (int64_t t = 0; t < r; ++t) {
    o[t * k2] = t;
    o[t * k2 + h] = k2 - 1;
    for (int64_t i = 1; i < h; ++i) {
      o[t * k2 + i] = (t + i) % r;
      o[t * k2 + h + i] = (t - i + r) % r;
    }
  }
  return s;
}

// svdvals as a composition of device-generic ops (the path of CUDA tensors; on the CPU a
// cross-check of the kernel above): parallel one-sided Jacobi in float64 on the columns of the
// tall orientation, c: (batch, k, len). Each round rotates h = k2 / 2 disjoint pairs of every
// matrix at once with jacobi_svals' rotation; a sweep is k2 - 1 rounds (every pair once). The
// stopping test is jacobi_svals' (largest |gamma| / sqrt(alpha beta) of the sweep's rotations
// <= 1e-15, at most 80 sweeps), read back once per sweep.
Tensor jacobi_svals_composed(Tensor c) {
  const Device dev = c.device();
  const int64_t batch = c.size(0), k = c.size(1), len = c.size(2), k2 = k + (k & 1), h = k2 / 2;
  if (k2 != k) c = cat({c, full({batch, 1, len}, Scalar(0.0), DType::Float64, dev)}, 1);
  Tensor sched = round_robin(k2), sched_inv = Tensor::empty({k2 - 1, k2}, DType::Int64);
  for (int64_t t = 0; t < k2 - 1; ++t)
    for (int64_t i = 0; i < k2; ++i) sched_inv.data<int64_t>()[t * k2 + sched.data<int64_t>()[t * k2 + i]] = i;
  if (!dev.is_cpu()) {
    Tensor ds = Tensor::empty(sched.sizes(), DType::Int64, dev), di = Tensor::empty(sched.sizes(), DType::Int64, dev);
    copy_(ds, sched);
    copy_(di, sched_inv);
    sched = ds;
    sched_inv = di;
  }
  Tensor off_host = Tensor::empty({}, DType::Float64);
  for (int sweep = 0; sweep < 80 && k2 > 1; ++sweep) {
    Tensor off = full({}, Scalar(0.0), DType::Float64, dev);
    for (int64_t t = 0; t < k2 - 1; ++t) {
      Tensor y = index_select(c, 1, select(sched, 0, t));
      Tensor xp = narrow(y, 1, 0, h), xq = narrow(y, 1, h, h);
      Tensor alpha = dot_rows(xp, xp), beta = dot_rows(xq, xq), gamma = dot_rows(xp, xq);  // (batch, h)
      Tensor rel = binary(BinaryOp::Div, unary(UnaryOp::Abs, gamma),
                          mul(unary(UnaryOp::Sqrt, alpha), unary(UnaryOp::Sqrt, beta)));
      Tensor active = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Gt, rel, Scalar(1e-15)),
                             binary(BinaryOp::LogicalAnd, binary(BinaryOp::Ne, gamma, Scalar(0.0)),
                                    binary(BinaryOp::LogicalAnd, binary(BinaryOp::Ne, alpha, Scalar(0.0)),
                                           binary(BinaryOp::Ne, beta, Scalar(0.0)))));
      off = binary(BinaryOp::Maximum, off, amax(where(active, rel, Scalar(0.0)), std::nullopt, false));
      Tensor zeta = binary(BinaryOp::Div, sub(beta, alpha), binary(BinaryOp::Mul, where(active, gamma, Scalar(1.0)),
                                                                   Scalar(2.0)));
      Tensor hyp = unary(UnaryOp::Sqrt, binary(BinaryOp::Add, mul(zeta, zeta), Scalar(1.0)));
      Tensor tn = binary(BinaryOp::Div, where(binary(BinaryOp::Ge, zeta, Scalar(0.0)), Scalar(1.0), Scalar(-1.0)),
                         binary(BinaryOp::Add, unary(UnaryOp::Abs, zeta), hyp));
      Tensor cs = binary(BinaryOp::Div, Scalar(1.0), unary(UnaryOp::Sqrt, binary(BinaryOp::Add, mul(tn, tn), Scalar(1.0))));
      Tensor sn = unsqueeze(mul(cs, tn), 2), act = unsqueeze(active, 2);
      cs = unsqueeze(cs, 2);
      // pairs left alone keep their columns exactly (a NaN column must not reach its partner)
      Tensor np = where(act, sub(mul(cs, xp), mul(sn, xq)), xp);
      Tensor nq = where(act, binary(BinaryOp::Add, mul(sn, xp), mul(cs, xq)), xq);
      c = index_select(cat({np, nq}, 1), 1, select(sched_inv, 0, t));
    }
    copy_(off_host, off);  // the sweep's one host sync
    if (!(*off_host.data<double>() > 1e-15)) break;
  }
  Tensor sv = unary(UnaryOp::Sqrt, dot_rows(narrow(c, 1, 0, k), narrow(c, 1, 0, k)));
  return sort(sv, -1, true).values;  // descending, NaN first (as jacobi_svals)
}

// Validation shared by both paths; the float64 columns of the tall orientation, (batch, k, len).
Tensor svd_columns(const Tensor& a, Shape* out_shape) {
  EMBER_CHECK(a.dim() >= 2, "linalg.svdvals", "The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(is_floating(a.dtype()), "linalg.svdvals", "Expected a floating point tensor as input. Got ",
              dtype_name(a.dtype()));
  const int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1], k = std::min(m, n), len = std::max(m, n);
  Shape os(a.sizes().begin(), a.sizes().end() - 2);
  const int64_t batch = shape_numel(os);
  os.push_back(k);
  *out_shape = os;
  // columns of the tall orientation: A's columns when m >= n, else A's rows
  Tensor x = to_dtype(a, DType::Float64);
  if (m >= n) x = transpose(x, -1, -2);
  return contiguous(reshape(x, {batch, k, len}));
}

Tensor svdvals_impl(const Tensor& a, bool composed) {
  Shape os;
  Tensor c = svd_columns(a, &os);
  const int64_t batch = c.size(0), k = c.size(1), len = c.size(2);
  if (batch * k == 0) return Tensor::empty(os, a.dtype(), a.device());
  if (composed || !a.device().is_cpu()) return to_dtype(reshape(jacobi_svals_composed(c), os), a.dtype());
  Tensor out = Tensor::empty(os, DType::Float64);
  const double* src = c.data<double>();
  double* dst = out.data<double>();
  parallel_for(0, batch, 1, [&](int64_t b, int64_t e) {
    std::vector<double> buf(k * len);
    for (int64_t bi = b; bi < e; ++bi) {
      std::copy(src + bi * k * len, src + (bi + 1) * k * len, buf.begin());
      jacobi_svals(buf.data(), k, len, dst + bi * k);
    }
  });
  return to_dtype(out, a.dtype());
}
}  // namespace

Tensor svdvals(const Tensor& a) { return svdvals_impl(a, false); }
Tensor svdvals_composed(const Tensor& a) { return svdvals_impl(a, true); }

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
