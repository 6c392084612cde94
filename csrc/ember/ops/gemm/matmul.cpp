// matmul.cpp — Tensor-level matrix products with PyTorch semantics: matmul (1-D promotion and
// batch broadcasting), mm, bmm, mv, dot, vdot, inner and the add* forms. Everything lowers to
// gemm_tensors(), which hands operand strides (transposed, stepped, broadcast stride 0) straight to
// the GEMM kernel; batch dims that line up are merged, and a batch that only strides through A's
// rows is folded into M (one big GEMM instead of many small ones). Outputs and temporaries are
// allocated on the operands' device (all operands must share it); on CUDA the same GemmProblem goes
// to cuda::gemm (gemm_cuda.h / gemm_cuda.cu) instead of gemm_run.
#include "ember/ops/gemm/matmul_util.h"

#include "ember/core/view.h"
#include "ember/ops/reduce/reduce.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/gemm/gemm_cuda.h"
#endif

namespace ember {
namespace gemm_detail {

void check_numeric(const char* op, DType dt) {
  EMBER_CHECK_KIND(dt != DType::Bool, NotImplemented, op, "\"", op, "\" not implemented for 'Bool'");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* na, const char* nb) {
  EMBER_CHECK(a.dtype() == b.dtype(), op, "expected ", na, " and ", nb, " to have the same dtype, but got: ",
              dtype_name(a.dtype()), " != ", dtype_name(b.dtype()));
}

Device common_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (!first) { first = t; continue; }
    if (t->device() != first->device()) {  // name the CUDA device first, as PyTorch does
      if (first->device().is_cuda()) device_mismatch_fail(op, first->device(), t->device());
      device_mismatch_fail(op, t->device(), first->device());
    }
  }
  return first ? first->device() : Device();
}

void* gemm_data(const Tensor& t) {
#ifdef EMBER_WITH_CUDA
  if (t.device().is_cuda()) return t.raw_data_ptr();
#endif
  return t.data_ptr();
}

Tensor prepare_out(const char* op, const Shape& shape, DType dt, const Tensor& out, const Device& dev) {
  if (!out.defined()) return Tensor::empty(shape, dt, dev);
  if (out.device() != dev) {
    if (dev.is_cuda()) device_mismatch_fail(op, dev, out.device());
    device_mismatch_fail(op, out.device(), dev);
  }
  EMBER_CHECK(out.dtype() == dt, op, "Expected out tensor to have dtype ", dtype_name(dt), ", but got ",
              dtype_name(out.dtype()), " instead");
  EMBER_CHECK(out.sizes() == shape, op, "out tensor has shape ", shape_str(out.sizes()), " but the result has shape ",
              shape_str(shape));
  return out;
}

bool writable_directly(const Tensor& dst, std::initializer_list<const Tensor*> inputs) {
  if (!dst.is_contiguous()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && may_overlap(dst, *t)) return false;
  return true;
}

void gemm_tensors(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                  const char* op, const GemmEpilogue& epi, void* rowsum) {
  const int64_t nd = c.dim();
  GemmProblem p;
  p.dtype = c.dtype();
  p.M = c.size(-2); p.N = c.size(-1); p.K = a.size(-1);
  [[maybe_unused]] const Device dev = common_device(op, {&a, &b, &c});  // used by the CUDA branch
  p.A = gemm_data(a); p.rsA = a.stride(-2); p.csA = a.stride(-1);
  p.B = gemm_data(b); p.rsB = b.stride(-2); p.csB = b.stride(-1);
  p.C = gemm_data(c); p.rsC = c.stride(-2); p.csC = c.stride(-1);
  p.alpha = alpha; p.beta = beta;
  p.epi = epi;
  p.rowsum = rowsum;
  // Batch dims (outer to inner), size-1 dims dropped, broadcast dims at stride 0, mergeable dims merged.
  std::vector<int64_t> sz, sa, sb, sc;
  for (int64_t d = 0; d < nd - 2; ++d) {
    const int64_t n = c.size(d);
    if (n == 1) continue;
    const int64_t ta = a.size(d) == 1 ? 0 : a.stride(d), tb = b.size(d) == 1 ? 0 : b.stride(d), tc = c.stride(d);
    if (!sz.empty() && sa.back() == ta * n && sb.back() == tb * n && sc.back() == tc * n) {
      sz.back() *= n; sa.back() = ta; sb.back() = tb; sc.back() = tc;
    } else {
      sz.push_back(n); sa.push_back(ta); sb.push_back(tb); sc.push_back(tc);
    }
  }
  if (p.M == 1 && sz.size() == 1) { p.rsA = sa[0]; p.rsC = sc[0]; }  // rows are free when M == 1
  if (sz.size() == 1 && sb[0] == 0 && epi.bias_kind != GemmBias::PerRow && sa[0] == p.M * p.rsA && sc[0] == p.M * p.rsC) {
    p.M *= sz[0];  // the batch only walks down A's and C's rows: one GEMM
    sz.clear();
  }
  EMBER_CHECK((int)sz.size() <= kGemmMaxBatchDims, op, "at most ", kGemmMaxBatchDims,
              " non-mergeable batch dimensions are supported, got ", sz.size());
  p.nbatch = (int)sz.size();
  for (int d = 0; d < p.nbatch; ++d) { p.bshape[d] = sz[d]; p.bsA[d] = sa[d]; p.bsB[d] = sb[d]; p.bsC[d] = sc[d]; }
#ifdef EMBER_WITH_CUDA
  if (dev.is_cuda()) {
    EMBER_CHECK(!rowsum, op, "row sums of A are not implemented on CUDA");
    EMBER_CHECK(p.epi.bias_kind == GemmBias::None || p.epi.bias, op, "bias kind set but no bias pointer");
    cuda::gemm(p, dev.index, float32_matmul_precision() > 0, op);
    return;
  }
#endif
  gemm_run(p);
}

bool scalar_is_zero(const Scalar& s) { return s.to_double() == 0.0 && !(s.is_float() && std::isnan(s.v.d)); }

Tensor product_into(const char* op, const Shape& out_shape, const Tensor& a3, const Tensor& b3, const Shape& c_shape,
                    const Tensor& out, const Tensor& input, const Scalar& beta, const Scalar& alpha,
                    const GemmEpilogue& epi) {
  const Device dev = common_device(op, {&a3, &b3, &input});
  Tensor dst = prepare_out(op, out_shape, a3.dtype(), out, dev);
  const bool use_input = input.defined() && !scalar_is_zero(beta);
  const bool direct = writable_directly(dst, {&a3, &b3});
  Tensor work = direct ? dst : Tensor::empty(out_shape, a3.dtype(), dev);
  if (use_input && !(work.raw_data_ptr() == input.raw_data_ptr() && work.sizes() == input.sizes() &&
                     work.strides() == input.strides())) {
    copy_(work, input);
  }
  if (work.numel() > 0)
    gemm_tensors(a3, b3, work.sizes() == c_shape ? work : view(work, c_shape), alpha,
                 use_input ? beta : Scalar((int64_t)0), op, epi);
  if (!direct) copy_(dst, work);
  if (out.defined()) out.bump_version();
  return dst;
}

}  // namespace gemm_detail

using namespace gemm_detail;

static std::string dims_str(const Tensor& t) {  // "2x3" as PyTorch prints matrix shapes
  std::string s;
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? "x" : "") + std::to_string(t.size(d));
  return s;
}

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* op = "matmul";
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da >= 1 && db >= 1, op, "both arguments to matmul need to be at least 1D, but they are ", da, "D and ",
              db, "D");
  check_numeric(op, a.dtype());
  check_same_dtype(op, a, b);
  if (da == 2 && db == 2) {  // the common case (mlp-sized products: ~10 us calls) without the batch bookkeeping
    EMBER_CHECK(a.size(1) == b.size(0), op, "shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                " cannot be multiplied");
    const Shape s{a.size(0), b.size(1)};
    return product_into(op, s, a, b, s, out);
  }
  Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;   // (K,) -> (1, K)
  Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;   // (K,) -> (K, 1)
  EMBER_CHECK(a2.size(-1) == b2.size(-2), op, "shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
              " cannot be multiplied");
  const int64_t M = a2.size(-2), N = b2.size(-1);
  Shape ba(a2.sizes().begin(), a2.sizes().end() - 2), bb(b2.sizes().begin(), b2.sizes().end() - 2);
  Shape batch = broadcast_shapes(ba, bb, op);
  Shape out_shape = batch, c_shape = batch;
  if (da >= 2) out_shape.push_back(M);
  if (db >= 2) out_shape.push_back(N);
  c_shape.push_back(M); c_shape.push_back(N);
  while (a2.dim() < (int64_t)c_shape.size()) a2 = unsqueeze(a2, 0);
  while (b2.dim() < (int64_t)c_shape.size()) b2 = unsqueeze(b2, 0);
  return product_into(op, out_shape, a2, b2, c_shape, out);
}

Tensor gemm_epilogue(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& c, const Scalar& alpha,
                     const Scalar& beta, int64_t bias_dim, const std::string& act, const Tensor& out) {
  const char* op = "gemm_epilogue";
  EMBER_CHECK(a.dim() >= 2 && b.dim() >= 2, op, "expected a and b of at least 2 dims, got shapes ",
              shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check_numeric(op, a.dtype());
  check_same_dtype(op, a, b, "a", "b");
  EMBER_CHECK(a.size(-1) == b.size(-2), op, "shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
              " cannot be multiplied");
  GemmEpilogue e;
  if (act == "relu") e.act = GemmAct::Relu;
  else if (act == "gelu") e.act = GemmAct::Gelu;
  else if (act == "gelu_tanh" || act == "tanh") e.act = GemmAct::GeluTanh;
  else EMBER_CHECK_VALUE(act == "none", op, "unknown activation '", act, "' (expected none, relu, gelu, gelu_tanh)");
  EMBER_CHECK(e.act == GemmAct::None || e.act == GemmAct::Relu || is_floating(a.dtype()), op,
              "GELU epilogue needs a floating dtype, got ", dtype_name(a.dtype()));
  const int64_t M = a.size(-2), N = b.size(-1);
  if (bias.defined()) {
    EMBER_CHECK_VALUE(bias_dim == -1 || bias_dim == -2, op, "bias_dim must be -1 (per column) or -2 (per row), got ",
                      bias_dim);
    const int64_t want = bias_dim == -1 ? N : M;
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == want, op, "expected a 1-D bias of length ", want, ", got shape ",
                shape_str(bias.sizes()));
    EMBER_CHECK(bias.dtype() == a.dtype(), op, "bias has dtype ", dtype_name(bias.dtype()), " but the product has ",
                dtype_name(a.dtype()));
    e.bias_kind = bias_dim == -1 ? GemmBias::PerCol : GemmBias::PerRow;
    common_device(op, {&a, &b, &bias});
    e.bias = gemm_data(bias);
    e.bias_stride = bias.stride(0);
  }
  Shape ba(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
  Shape shape = broadcast_shapes(ba, bb, op);
  shape.push_back(M); shape.push_back(N);
  Tensor a2 = a, b2 = b;
  while (a2.dim() < (int64_t)shape.size()) a2 = unsqueeze(a2, 0);
  while (b2.dim() < (int64_t)shape.size()) b2 = unsqueeze(b2, 0);
  Tensor input;
  if (c.defined()) {
    EMBER_CHECK(c.dtype() == a.dtype(), op, "c has dtype ", dtype_name(c.dtype()), " but the product has ",
                dtype_name(a.dtype()));
    bool ok = c.dim() <= (int64_t)shape.size();
    for (int64_t i = 1; ok && i <= c.dim(); ++i) ok = c.size(-i) == shape[shape.size() - i] || c.size(-i) == 1;
    EMBER_CHECK(ok, op, "c of shape ", shape_str(c.sizes()), " cannot be broadcast to the product's shape ",
                shape_str(shape));
    input = c;
  }
  return product_into(op, shape, a2, b2, shape, out, input, beta, alpha, e);
}

Tensor mm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* op = "mm";
  EMBER_CHECK(a.dim() == 2, op, "self must be a matrix, but got a ", a.dim(), "D tensor of shape ", shape_str(a.sizes()));
  EMBER_CHECK(b.dim() == 2, op, "mat2 must be a matrix, but got a ", b.dim(), "D tensor of shape ", shape_str(b.sizes()));
  check_numeric(op, a.dtype());
  check_same_dtype(op, a, b);
  EMBER_CHECK(a.size(1) == b.size(0), op, "mat1 and mat2 shapes cannot be multiplied (", dims_str(a), " and ",
              dims_str(b), ")");
  Shape s{a.size(0), b.size(1)};
  return product_into(op, s, a, b, s, out);
}

std::vector<Tensor> linear_weight_grad(const Tensor& g, const Tensor& x, bool bias) {
  const char* op = "linear_weight_grad";
  EMBER_CHECK(g.dim() == 2 && x.dim() == 2, op, "expected 2-D grad_output and input, got shapes ",
              shape_str(g.sizes()), " and ", shape_str(x.sizes()));
  check_numeric(op, g.dtype());
  check_same_dtype(op, g, x, "grad_output", "input");
  EMBER_CHECK(g.size(0) == x.size(0), op, "grad_output and input need the same number of rows, got shapes ",
              shape_str(g.sizes()), " and ", shape_str(x.sizes()));
  const Device dev = common_device(op, {&g, &x});
  Tensor dw = Tensor::empty({g.size(1), x.size(1)}, g.dtype(), dev), db;
  if (bias && dev.is_cpu()) db = Tensor::empty({g.size(1)}, g.dtype(), dev);  // rides on the CPU kernel's packing
  gemm_tensors(transpose(g, 0, 1), x, dw, Scalar((int64_t)1), Scalar((int64_t)0), op, GemmEpilogue(),
               db.defined() ? gemm_data(db) : nullptr);
  if (bias && !db.defined()) db = sum(g, std::vector<int64_t>{0}, false, g.dtype());  // CUDA: a separate pass
  return {dw, db};
}

static void check_bmm_shapes(const char* op, const Tensor& b1, const Tensor& b2) {
  EMBER_CHECK(b1.dim() == 3, op, "batch1 must be a 3D tensor, but got shape ", shape_str(b1.sizes()));
  EMBER_CHECK(b2.dim() == 3, op, "batch2 must be a 3D tensor, but got shape ", shape_str(b2.sizes()));
  EMBER_CHECK(b2.size(0) == b1.size(0) && b2.size(1) == b1.size(2), op,
              "Expected size for first two dimensions of batch2 tensor to be: [", b1.size(0), ", ", b1.size(2),
              "] but got: [", b2.size(0), ", ", b2.size(1), "] (shapes ", shape_str(b1.sizes()), " and ",
              shape_str(b2.sizes()), ")");
}

Tensor bmm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* op = "bmm";
  check_bmm_shapes(op, a, b);
  check_numeric(op, a.dtype());
  check_same_dtype(op, a, b);
  Shape s{a.size(0), a.size(1), b.size(2)};
  return product_into(op, s, a, b, s, out);
}

Tensor mv(const Tensor& a, const Tensor& v, const Tensor& out) {
  const char* op = "mv";
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1, op, "vector + matrix @ vector expected, got ", a.dim(), "D matrix and ",
              v.dim(), "D vector");
  check_numeric(op, a.dtype());
  check_same_dtype(op, a, v, "mat", "vec");
  EMBER_CHECK(a.size(1) == v.size(0), op, "size mismatch, got mat (", dims_str(a), "), vec (", v.size(0), ")");
  return product_into(op, {a.size(0)}, a, unsqueeze(v, 1), {a.size(0), 1}, out);
}

static Tensor dot_impl(const char* op, const Tensor& a, const Tensor& b, const Tensor& out) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, op, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
              "D tensors");
  check_numeric(op, a.dtype());
  EMBER_CHECK(a.dtype() == b.dtype(), op, "expected both vectors to have same dtype, but found ", dtype_name(a.dtype()),
              " and ", dtype_name(b.dtype()));
  EMBER_CHECK(a.size(0) == b.size(0), op, "inconsistent tensor size, expected tensors of shapes ", shape_str(a.sizes()),
              " and ", shape_str(b.sizes()), " to have the same number of elements");
  return product_into(op, {}, unsqueeze(a, 0), unsqueeze(b, 1), {1, 1}, out);
}

Tensor dot(const Tensor& a, const Tensor& b, const Tensor& out) { return dot_impl("dot", a, b, out); }
Tensor vdot(const Tensor& a, const Tensor& b, const Tensor& out) { return dot_impl("vdot", a, b, out); }

Tensor inner(const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* op = "inner";
  check_numeric(op, a.dtype());
  EMBER_CHECK(a.dtype() == b.dtype(), op, "both inputs should have same dtype, but got ", dtype_name(a.dtype()),
              " and ", dtype_name(b.dtype()));
  if (a.dim() == 0 || b.dim() == 0) {  // scalar times tensor, as a K = 1 product
    const Tensor& s = a.dim() == 0 ? a : b;
    const Tensor& t = a.dim() == 0 ? b : a;
    Tensor flat = reshape(t, {1, t.numel()});
    return product_into(op, t.sizes(), reshape(s, {1, 1}), flat, {1, t.numel()}, out);
  }
  EMBER_CHECK(a.size(-1) == b.size(-1), op, "inner() the last dimension must match on both input tensors but got "
              "shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return tensordot(a, b, {a.dim() - 1}, {b.dim() - 1}, out);
}

// ---- add* forms ----------------------------------------------------------------------------------
static void check_input(const char* op, const Tensor& input, const Shape& shape, DType dt) {
  EMBER_CHECK(input.dtype() == dt, op, "self and mat2 must have the same dtype, but got ", dtype_name(input.dtype()),
              " and ", dtype_name(dt));
  bool ok = input.dim() <= (int64_t)shape.size();
  for (int64_t i = 1; ok && i <= input.dim(); ++i) {
    int64_t s = input.size(-i), t = shape[shape.size() - i];
    ok = s == t || s == 1;
  }
  EMBER_CHECK(ok, op, "input of shape ", shape_str(input.sizes()), " cannot be broadcast to the product's shape ",
              shape_str(shape));
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha,
             const Tensor& out, const char* op) {
  EMBER_CHECK(m1.dim() == 2, op, "mat1 must be a matrix, got ", m1.dim(), "-D tensor");
  EMBER_CHECK(m2.dim() == 2, op, "mat2 must be a matrix, got ", m2.dim(), "-D tensor");
  check_numeric(op, m1.dtype());
  check_same_dtype(op, m1, m2);
  EMBER_CHECK(m1.size(1) == m2.size(0), op, "mat1 and mat2 shapes cannot be multiplied (", dims_str(m1), " and ",
              dims_str(m2), ")");
  Shape s{m1.size(0), m2.size(1)};
  check_input(op, input, s, m1.dtype());
  return product_into(op, s, m1, m2, s, out, input, beta, alpha);
}

Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha,
             const Tensor& out, const char* op) {
  EMBER_CHECK(mat.dim() == 2 && vec.dim() == 1 && input.dim() <= 1, op, "vector + matrix @ vector expected, got ",
              input.dim(), ", ", mat.dim(), ", ", vec.dim());
  check_numeric(op, mat.dtype());
  check_same_dtype(op, mat, vec, "mat", "vec");
  EMBER_CHECK(mat.size(1) == vec.size(0) && (input.dim() == 0 || input.size(0) == mat.size(0) || input.size(0) == 1),
              op, "size mismatch, got input (", input.dim() ? input.size(0) : 1, "), mat (", dims_str(mat), "), vec (",
              vec.size(0), ")");
  check_input(op, input, {mat.size(0)}, mat.dtype());
  return product_into(op, {mat.size(0)}, mat, unsqueeze(vec, 1), {mat.size(0), 1}, out, input, beta, alpha);
}

Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha,
               const Tensor& out, const char* op) {
  check_bmm_shapes(op, b1, b2);
  check_numeric(op, b1.dtype());
  check_same_dtype(op, b1, b2, "batch1", "batch2");
  Shape s{b1.size(0), b1.size(1), b2.size(2)};
  check_input(op, input, s, b1.dtype());
  return product_into(op, s, b1, b2, s, out, input, beta, alpha);
}

Tensor addbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha,
              const Tensor& out, const char* op) {
  check_bmm_shapes(op, b1, b2);
  check_numeric(op, b1.dtype());
  check_same_dtype(op, b1, b2, "batch1", "batch2");
  Shape s{b1.size(1), b2.size(2)};
  check_input(op, input, s, b1.dtype());
  // sum_b b1[b] @ b2[b] is one product with K = batch * k: (n, batch*k) @ (batch*k, p).
  const int64_t nb = b1.size(0), n = b1.size(1), k = b1.size(2), pcols = b2.size(2);
  Tensor a = reshape(permute(b1, {1, 0, 2}), {n, nb * k});
  Tensor b = reshape(b2, {nb * k, pcols});
  return product_into(op, s, a, b, s, out, input, beta, alpha);
}

Tensor& addmm_(Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  addmm(self, m1, m2, beta, alpha, self, "addmm_");
  return self;
}
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) {
  addmv(self, mat, vec, beta, alpha, self, "addmv_");
  return self;
}
Tensor& baddbmm_(Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  baddbmm(self, b1, b2, beta, alpha, self, "baddbmm_");
  return self;
}
Tensor& addbmm_(Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  addbmm(self, b1, b2, beta, alpha, self, "addbmm_");
  return self;
}

}  // namespace ember
