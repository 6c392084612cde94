// einsum.cpp — einsum, tensordot, multi_dot and matrix_power, all lowered to permute/reshape views
// plus batched GEMM (gemm_tensors). einsum contracts operands pairwise, left to right: labels
// shared and still needed become GEMM batch dims, shared and no longer needed become K, the rest
// M (left) and N (right). A label found in one operand only and not needed later is summed first
// (a GEMV against a stride-0 vector of ones), so no broadcast product is ever materialized.
#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include "ember/core/fill.h"
#include "ember/core/view.h"
#include "ember/ops/gemm/matmul_util.h"

namespace ember {
using namespace gemm_detail;

namespace {

int64_t prod(const Tensor& t, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= t.size(d);
  return n;
}

// Sum t over `dims` (any order): permute them last, view as (P, S), multiply by a ones vector.
Tensor sum_dims(const Tensor& t, const std::vector<int64_t>& dims, const char* op) {
  if (dims.empty()) return t;
  std::vector<bool> summed(t.dim(), false);
  for (int64_t d : dims) summed[d] = true;
  Shape perm, keep_sizes;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!summed[d]) { perm.push_back(d); keep_sizes.push_back(t.size(d)); }
  for (int64_t d : dims) perm.push_back(d);
  const int64_t S = prod(t, dims), P = shape_numel(keep_sizes);
  Tensor a = reshape(permute(t, perm), {P, S});
  Tensor ones = expand(full({1, 1}, Scalar((int64_t)1), t.dtype(), t.device()), {S, 1});
  Tensor c = Tensor::empty({P, 1}, t.dtype(), t.device());
  if (P > 0) gemm_tensors(a, ones, c, Scalar((int64_t)1), Scalar((int64_t)0), op);
  return view(c, keep_sizes);
}

// An operand with one label per dim (labels are ints; ellipsis dims get ids >= 52).
struct Term {
  Tensor t;
  std::vector<int> labels;
};

int label_id(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
std::string label_name(int id) {
  if (id < 26) return std::string(1, char('A' + id));
  if (id < 52) return std::string(1, char('a' + id - 26));
  return "...(" + std::to_string(id - 52) + ")";
}
constexpr int kEllipsisBase = 52;

Tensor remove_dims(Term& x, const std::vector<int64_t>& dims, const char* op) {
  std::vector<int> labels;
  for (int64_t d = 0; d < (int64_t)x.labels.size(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) labels.push_back(x.labels[d]);
  x.t = sum_dims(x.t, dims, op);
  x.labels = labels;
  return x.t;
}

int64_t find_label(const Term& x, int l) {
  auto it = std::find(x.labels.begin(), x.labels.end(), l);
  return it == x.labels.end() ? -1 : it - x.labels.begin();
}

// Contract two terms; `needed(l)` says whether label l is used by later operands or the output.
template <class Needed>
Term contract(Term a, Term b, const Needed& needed, const char* op) {
  // A shared label of size 1 on one side only broadcasts: drop it from that side.
  for (int pass = 0; pass < 2; ++pass) {
    Term& x = pass ? b : a;
    const Term& y = pass ? a : b;
    for (int64_t d = (int64_t)x.labels.size() - 1; d >= 0; --d) {
      int64_t e = find_label(y, x.labels[d]);
      if (e >= 0 && x.t.size(d) == 1 && y.t.size(e) != 1) {
        x.t = squeeze(x.t, {d});
        x.labels.erase(x.labels.begin() + d);
      }
    }
  }
  // Sum labels found on one side only and not needed afterwards.
  for (int pass = 0; pass < 2; ++pass) {
    Term& x = pass ? b : a;
    const Term& y = pass ? a : b;
    std::vector<int64_t> lone;
    for (int64_t d = 0; d < (int64_t)x.labels.size(); ++d)
      if (find_label(y, x.labels[d]) < 0 && !needed(x.labels[d])) lone.push_back(d);
    if (!lone.empty()) remove_dims(x, lone, op);
  }
  std::vector<int64_t> a_batch, b_batch, a_left, a_con, b_con, b_right;
  for (int64_t d = 0; d < (int64_t)a.labels.size(); ++d) {
    int64_t e = find_label(b, a.labels[d]);
    if (e < 0) a_left.push_back(d);
    else if (needed(a.labels[d])) { a_batch.push_back(d); b_batch.push_back(e); }
    else { a_con.push_back(d); b_con.push_back(e); }
  }
  for (int64_t e = 0; e < (int64_t)b.labels.size(); ++e)
    if (find_label(a, b.labels[e]) < 0) b_right.push_back(e);
  Shape pa, pb, c_shape, res_shape;
  Term r;
  for (size_t i = 0; i < a_batch.size(); ++i) {
    pa.push_back(a_batch[i]); pb.push_back(b_batch[i]);
    c_shape.push_back(a.t.size(a_batch[i])); res_shape.push_back(a.t.size(a_batch[i]));
    r.labels.push_back(a.labels[a_batch[i]]);
  }
  for (int64_t d : a_left) { pa.push_back(d); res_shape.push_back(a.t.size(d)); r.labels.push_back(a.labels[d]); }
  for (int64_t d : a_con) pa.push_back(d);
  for (int64_t e : b_con) pb.push_back(e);
  for (int64_t e : b_right) { pb.push_back(e); res_shape.push_back(b.t.size(e)); r.labels.push_back(b.labels[e]); }
  const int64_t M = prod(a.t, a_left), K = prod(a.t, a_con), N = prod(b.t, b_right);
  Shape a_shape = c_shape, b_shape = c_shape;
  a_shape.push_back(M); a_shape.push_back(K);
  b_shape.push_back(K); b_shape.push_back(N);
  c_shape.push_back(M); c_shape.push_back(N);
  Tensor a3 = reshape(permute(a.t, pa), a_shape), b3 = reshape(permute(b.t, pb), b_shape);
  Tensor c = Tensor::empty(c_shape, a.t.dtype(), a.t.device());
  if (c.numel() > 0) gemm_tensors(a3, b3, c, Scalar((int64_t)1), Scalar((int64_t)0), op);
  r.t = view(c, res_shape);
  return r;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  const char* op = "einsum";
  EMBER_CHECK(!operands.empty(), op, "einsum(): must provide at least one operand");
  for (size_t i = 1; i < operands.size(); ++i)
    EMBER_CHECK(operands[i].dtype() == operands[0].dtype(), op, "expected all operands to have the same dtype, but "
                "operand 0 is ", dtype_name(operands[0].dtype()), " and operand ", i, " is ",
                dtype_name(operands[i].dtype()));
  check_numeric(op, operands[0].dtype());
  for (size_t i = 1; i < operands.size(); ++i) common_device(op, {&operands[0], &operands[i]});
  // ---- parse ----
  std::vector<std::vector<int>> terms(1);   // -1 marks the ellipsis
  std::vector<int> out_spec;
  bool has_arrow = false;
  std::vector<bool> term_has_ellipsis(1, false);
  bool out_has_ellipsis = false;
  for (size_t i = 0; i < equation.size(); ++i) {
    char ch = equation[i];
    if (ch == ' ') continue;
    if (ch == '-' ) {
      EMBER_CHECK(!has_arrow && i + 1 < equation.size() && equation[i + 1] == '>', op,
                  "einsum(): invalid '-' at index ", i, " in the equation string (expected '->' once)");
      has_arrow = true;
      ++i;
      continue;
    }
    if (ch == '.') {
      EMBER_CHECK(i + 2 < equation.size() && equation[i + 1] == '.' && equation[i + 2] == '.', op,
                  "einsum(): found '.' for operand ", terms.size() - 1, " that is not part of any ellipsis");
      if (has_arrow) {
        EMBER_CHECK(!out_has_ellipsis, op, "einsum(): found more than one ellipsis for the output");
        out_has_ellipsis = true;
        out_spec.push_back(-1);
      } else {
        EMBER_CHECK(!term_has_ellipsis.back(), op, "einsum(): found more than one ellipsis for operand ",
                    terms.size() - 1);
        term_has_ellipsis.back() = true;
        terms.back().push_back(-1);
      }
      i += 2;
      continue;
    }
    if (ch == ',') {
      EMBER_CHECK(!has_arrow, op, "einsum(): found ',' in the output subscripts at index ", i);
      terms.emplace_back();
      term_has_ellipsis.push_back(false);
      continue;
    }
    EMBER_CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'), op, "einsum(): invalid subscript given at index ",
                i, " in the equation string, subscripts must be in [a-zA-Z]");
    if (has_arrow) out_spec.push_back(label_id(ch));
    else terms.back().push_back(label_id(ch));
  }
  EMBER_CHECK(terms.size() <= operands.size(), op, "einsum(): fewer operands were provided than specified in the "
              "equation (", terms.size(), " subscript groups, ", operands.size(), " operands)");
  EMBER_CHECK(terms.size() >= operands.size(), op, "einsum(): more operands were provided than specified in the "
              "equation (", terms.size(), " subscript groups, ", operands.size(), " operands)");

  // ---- label each operand's dims; ellipsis dims align from the right ----
  int64_t n_ell = 0;
  const size_t nops = operands.size();
  for (size_t i = 0; i < nops; ++i) {
    int64_t named = (int64_t)terms[i].size() - (term_has_ellipsis[i] ? 1 : 0), nd = operands[i].dim();
    if (term_has_ellipsis[i]) {
      EMBER_CHECK(named <= nd, op, "einsum(): the number of subscripts in the equation (", named,
                  ") is more than the number of dimensions (", nd, ") for operand ", i);
      n_ell = std::max(n_ell, nd - named);
    } else {
      EMBER_CHECK(named == nd, op, "einsum(): the number of subscripts in the equation (", named,
                  ") does not match the number of dimensions (", nd, ") for operand ", i, " and no ellipsis was given");
    }
  }
  std::vector<Term> xs(nops);
  std::array<int64_t, 64> count{}, size;
  size.fill(-1);
  for (size_t i = 0; i < nops; ++i) {
    Term& x = xs[i];
    x.t = operands[i];
    int64_t named = (int64_t)terms[i].size() - (term_has_ellipsis[i] ? 1 : 0);
    for (int l : terms[i]) {
      if (l >= 0) { x.labels.push_back(l); count[l]++; continue; }
      int64_t ne = x.t.dim() - named;
      for (int64_t e = 0; e < ne; ++e) {
        x.labels.push_back(kEllipsisBase + (int)(n_ell - ne + e));
        count[x.labels.back()]++;
      }
    }
    // Repeated labels within an operand: take the diagonal.
    for (bool again = true; again;) {
      again = false;
      for (size_t d1 = 0; d1 < x.labels.size() && !again; ++d1)
        for (size_t d2 = d1 + 1; d2 < x.labels.size() && !again; ++d2) {
          if (x.labels[d1] != x.labels[d2]) continue;
          EMBER_CHECK(x.t.size(d1) == x.t.size(d2), op, "einsum(): subscript ", label_name(x.labels[d1]),
                      " is repeated for operand ", i, " but the sizes don't match, ", x.t.size(d2), " != ",
                      x.t.size(d1));
          int l = x.labels[d1];
          x.t = diagonal(x.t, 0, (int64_t)d1, (int64_t)d2);
          x.labels.erase(x.labels.begin() + d2);
          x.labels.erase(x.labels.begin() + d1);
          x.labels.push_back(l);
          again = true;
        }
    }
    for (size_t d = 0; d < x.labels.size(); ++d) {
      int l = x.labels[d];
      int64_t s = x.t.size((int64_t)d);
      if (size[l] == -1 || size[l] == 1) size[l] = s;
      else
        EMBER_CHECK(s == size[l] || s == 1, op, "einsum(): subscript ", label_name(l), " has size ", s,
                    " for operand ", i, " which does not broadcast with previously seen size ", size[l]);
    }
  }
  // ---- output labels ----
  std::vector<int> out;
  if (has_arrow) {
    std::array<bool, 64> seen{};
    for (int l : out_spec) {
      if (l < 0) { for (int64_t e = 0; e < n_ell; ++e) out.push_back(kEllipsisBase + (int)e); continue; }
      EMBER_CHECK(!seen[l], op, "einsum(): output subscript ", label_name(l), " appears more than once in the output");
      EMBER_CHECK(count[l] > 0, op, "einsum(): output subscript ", label_name(l),
                  " does not appear in the equation for any input operand");
      seen[l] = true;
      out.push_back(l);
    }
  } else {
    for (int64_t e = 0; e < n_ell; ++e) out.push_back(kEllipsisBase + (int)e);
    for (int l = 0; l < kEllipsisBase; ++l) if (count[l] == 1) out.push_back(l);
  }
  std::array<bool, 64> in_out{};
  for (int l : out) in_out[l] = true;

  // ---- contract left to right ----
  Term cur = xs[0];
  for (size_t i = 1; i < nops; ++i) {
    std::array<bool, 64> later = in_out;
    for (size_t j = i + 1; j < nops; ++j) for (int l : xs[j].labels) later[l] = true;
    cur = contract(cur, xs[i], [&](int l) { return (bool)later[l]; }, op);
  }
  // Sum what is left over (single operand, or labels only the last result carries), then order.
  std::vector<int64_t> rest;
  for (int64_t d = 0; d < (int64_t)cur.labels.size(); ++d) if (!in_out[cur.labels[d]]) rest.push_back(d);
  if (!rest.empty()) remove_dims(cur, rest, op);
  Shape perm;
  for (int l : out) {
    int64_t d = find_label(cur, l);
    if (d < 0) {  // every operand had it at size 1 and it was dropped: put it back
      cur.t = unsqueeze(cur.t, cur.t.dim());
      cur.labels.push_back(l);
      d = cur.t.dim() - 1;
    }
    perm.push_back(d);
  }
  return permute(cur.t, perm);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const Shape& dims_a, const Shape& dims_b, const Tensor& out) {
  const char* op = "tensordot";
  EMBER_CHECK(dims_a.size() == dims_b.size(), op, "both dimension lists should have same length, got ",
              dims_a.size(), " and ", dims_b.size());
  check_numeric(op, a.dtype());
  EMBER_CHECK(a.dtype() == b.dtype(), op, "expected both tensors to have the same dtype, but got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  common_device(op, {&a, &b});
  std::vector<bool> ca(a.dim(), false), cb(b.dim(), false);
  std::vector<int64_t> da, db;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    int64_t x = wrap_dim(dims_a[i], a.dim(), op), y = wrap_dim(dims_b[i], b.dim(), op);
    EMBER_CHECK(!ca[x], op, "dim ", dims_a[i], " appears multiple times in the list of dims");
    EMBER_CHECK(!cb[y], op, "dim ", dims_b[i], " appears multiple times in the list of dims");
    EMBER_CHECK(a.size(x) == b.size(y) || a.size(x) == 1 || b.size(y) == 1, op,
                "contracted dimensions need to match, but first has size ", a.size(x), " in dim ", dims_a[i],
                " and second has size ", b.size(y), " in dim ", dims_b[i]);
    ca[x] = cb[y] = true;
    da.push_back(x); db.push_back(y);
  }
  // A contracted pair where one side has size 1 broadcasts: sum the other side over it first.
  Tensor ta = a, tb = b;
  std::vector<int64_t> sum_a, sum_b;
  for (size_t i = 0; i < da.size(); ++i) {
    if (a.size(da[i]) != b.size(db[i])) (a.size(da[i]) == 1 ? sum_b : sum_a).push_back(i);
  }
  if (!sum_a.empty() || !sum_b.empty()) {  // rare: sum with keepdim (re-insert the size-1 dims)
    auto keep_sum = [&](const Tensor& t, const std::vector<int64_t>& which, const std::vector<int64_t>& dims) {
      std::vector<int64_t> ds;
      for (int64_t i : which) ds.push_back(dims[i]);
      std::sort(ds.begin(), ds.end());
      Tensor s = sum_dims(t, ds, op);
      for (int64_t d : ds) s = unsqueeze(s, d);
      return s;
    };
    if (!sum_a.empty()) ta = keep_sum(a, sum_a, da);
    if (!sum_b.empty()) tb = keep_sum(b, sum_b, db);
  }
  Shape pa, pb, res;
  for (int64_t d = 0; d < a.dim(); ++d) if (!ca[d]) { pa.push_back(d); res.push_back(a.size(d)); }
  for (int64_t d : da) pa.push_back(d);
  for (int64_t d : db) pb.push_back(d);
  for (int64_t d = 0; d < b.dim(); ++d) if (!cb[d]) { pb.push_back(d); res.push_back(b.size(d)); }
  int64_t M = 1, K = 1, N = 1;
  for (int64_t d = 0; d < a.dim(); ++d) (ca[d] ? K : M) *= ta.size(d);
  for (int64_t d = 0; d < b.dim(); ++d) if (!cb[d]) N *= tb.size(d);
  Tensor a2 = reshape(permute(ta, pa), {M, K}), b2 = reshape(permute(tb, pb), {K, N});
  return product_into(op, res, a2, b2, {M, N}, out);
}

Tensor multi_dot(const std::vector<Tensor>& ts, const Tensor& out, const char* op) {
  const size_t n = ts.size();
  EMBER_CHECK(n >= 2, op, "multi_dot(): expected at least 2 tensors but got ", n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t d = ts[i].dim();
    if (i == 0) EMBER_CHECK(d == 1 || d == 2, op, "multi_dot(): the first tensor must be 1D or 2D but got ", d, "D");
    else if (i == n - 1) EMBER_CHECK(d == 1 || d == 2, op, "multi_dot(): the last tensor must be 1D or 2D but got ", d, "D");
    else EMBER_CHECK(d == 2, op, "multi_dot(): tensor ", i, " must be 2D but got ", d, "D");
    EMBER_CHECK(ts[i].dtype() == ts[0].dtype(), op, "multi_dot(): all tensors must have be the same dtype but tensor 0 "
                "is ", dtype_name(ts[0].dtype()), " and tensor ", i, " is ", dtype_name(ts[i].dtype()));
  }
  check_numeric(op, ts[0].dtype());
  for (size_t i = 1; i < n; ++i) common_device(op, {&ts[0], &ts[i]});
  std::vector<Tensor> m(n);
  m[0] = ts[0].dim() == 1 ? unsqueeze(ts[0], 0) : ts[0];
  for (size_t i = 1; i < n; ++i) m[i] = (i == n - 1 && ts[i].dim() == 1) ? unsqueeze(ts[i], 1) : ts[i];
  for (size_t i = 0; i + 1 < n; ++i)
    EMBER_CHECK(m[i].size(1) == m[i + 1].size(0), op, "multi_dot(): tensors ", i, " and ", i + 1, " with shapes ",
                shape_str(ts[i].sizes()), " and ", shape_str(ts[i + 1].sizes()), " cannot be multiplied");
  Shape res;
  if (ts[0].dim() == 2) res.push_back(m[0].size(0));
  if (ts[n - 1].dim() == 2) res.push_back(m[n - 1].size(1));
  // Matrix-chain order: cost[i][j] = cheapest flops for m[i..j], split[i][j] its split point.
  std::vector<int64_t> p(n + 1);
  for (size_t i = 0; i < n; ++i) p[i] = m[i].size(0);
  p[n] = m[n - 1].size(1);
  std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0));
  std::vector<std::vector<size_t>> split(n, std::vector<size_t>(n, 0));
  for (size_t len = 1; len < n; ++len)
    for (size_t i = 0; i + len < n; ++i) {
      size_t j = i + len;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (size_t k = i; k < j; ++k) {
        double c = cost[i][k] + cost[k + 1][j] + (double)p[i] * p[k + 1] * p[j + 1];
        if (c < cost[i][j]) { cost[i][j] = c; split[i][j] = k; }
      }
    }
  std::function<Tensor(size_t, size_t)> chain = [&](size_t i, size_t j) -> Tensor {
    if (i == j) return m[i];
    size_t k = split[i][j];
    return mm(chain(i, k), chain(k + 1, j));
  };
  Tensor r = view(contiguous(chain(0, n - 1)), res);
  if (!out.defined()) return r;
  Tensor dst = prepare_out(op, res, r.dtype(), out, r.device());
  copy_(dst, r);
  dst.bump_version();
  return dst;
}

Tensor matrix_power(const Tensor& a, int64_t n, const char* op) {
  EMBER_CHECK(a.dim() >= 2, op, "A must have at least 2 dimensions, but got a ", a.dim(), "D tensor");
  EMBER_CHECK(a.size(-1) == a.size(-2), op, "A must be batches of square matrices, but they are ", a.size(-2), " by ",
              a.size(-1), " matrices");
  check_numeric(op, a.dtype());
  EMBER_CHECK_KIND(n >= 0, NotImplemented, op, "negative exponents need a matrix inverse, which is not implemented "
                   "(got n=", n, ")");
  if (n == 0) {
    Tensor r = full(a.sizes(), Scalar((int64_t)0), a.dtype(), a.device());
    if (r.numel() > 0) fill_(diagonal(r, 0, -2, -1), Scalar((int64_t)1));
    return r;
  }
  if (n == 1) return clone(a);
  // Binary exponentiation: result = prod of a^(2^i) over the set bits of n.
  Tensor result, base = a;
  for (int64_t e = n; e > 0; e >>= 1) {
    if (e & 1) result = result.defined() ? matmul(result, base) : base;
    if (e > 1) base = matmul(base, base);
  }
  return result.raw_data_ptr() == a.raw_data_ptr() ? clone(a) : result;
}

}  // namespace ember
