// pool.cpp — validation (PyTorch's rules and messages), output shapes and the reference/fast
// switch for the pooling family. Kernels live in pool_kernels.cpp.
#include <string>
#include "ember/core/cpu_features.h"
#include "ember/core/error.h"
#include "ember/core/view.h"
#include "ember/ops/pool/pool.h"
#include "ember/ops/pool/pool_kernels.h"

namespace ember {
using namespace pool_detail;
namespace {

std::string opname(const char* base, int64_t nsp) { return std::string(base) + std::to_string(nsp) + "d"; }

int64_t floor_div(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; }

// PyTorch's pooling_output_shape: the last ceil_mode window must start inside the input or left padding.
int64_t pool_out(int64_t in, int64_t k, int64_t p, int64_t s, int64_t d, bool ceil_mode) {
  int64_t o = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
  if (ceil_mode && (o - 1) * s >= in + p) --o;
  return o;
}

void check_input(const Tensor& x, int64_t nsp, const std::string& op) {
  EMBER_CHECK(nsp >= 1 && nsp <= 3, op.c_str(), "expected 1 to 3 spatial dims, got ", nsp);
  EMBER_CHECK(x.dim() == nsp + 1 || x.dim() == nsp + 2, op.c_str(), "Expected ", nsp + 1, "D or ", nsp + 2,
              "D (batch mode) tensor with optional 0 dim batch size for input, but got: ", shape_str(x.sizes()));
  for (int64_t d = x.dim() - nsp - (x.dim() == nsp + 2 ? 1 : 0); d < x.dim(); ++d)
    EMBER_CHECK(x.sizes()[d] != 0, op.c_str(), "Expected input to have non-zero size for non-batch dimensions, but "
                "got input of shape ", shape_str(x.sizes()));
  EMBER_CHECK(is_floating(x.dtype()), op.c_str(), "\"", op, "\" not implemented for '", dtype_name(x.dtype()), "'");
}

void check_list(const Shape& v, int64_t nsp, const std::string& op, const char* what) {
  EMBER_CHECK((int64_t)v.size() == nsp, op.c_str(), what, " must have ", nsp, " elements, got ", v.size());
}

// Geometry with the nsp spatial dims right-aligned into the 3 kernel dims.
Geo make_geo(const Tensor& x, int64_t nsp) {
  Geo g;
  const int64_t nd = x.dim();
  g.B = 1;
  for (int64_t d = 0; d < nd - nsp; ++d) g.B *= x.sizes()[d];
  for (int64_t i = 0; i < nsp; ++i) g.in[3 - nsp + i] = x.sizes()[nd - nsp + i];
  return g;
}

Shape out_shape(const Tensor& x, int64_t nsp, const Geo& g) {
  Shape s(x.sizes().begin(), x.sizes().end() - nsp);
  for (int64_t i = 0; i < nsp; ++i) s.push_back(g.out[3 - nsp + i]);
  return s;
}

std::string tuple_str(const int64_t* v, int64_t n) {
  std::string s;
  for (int64_t i = 0; i < n; ++i) s += (i ? "x" : "") + std::to_string(v[i]);
  return s;
}

// Fills kernel/stride/padding/dilation and output sizes; PyTorch's checks and messages.
Geo window_geo(const Tensor& x, int64_t nsp, const Shape& k, const Shape& s, const Shape& p, const Shape& d,
               bool ceil_mode, bool is_max, const std::string& op) {
  check_input(x, nsp, op);
  check_list(k, nsp, op, "kernel_size");
  check_list(s, nsp, op, "stride");
  check_list(p, nsp, op, "padding");
  check_list(d, nsp, op, "dilation");
  Geo g = make_geo(x, nsp);
  for (int64_t i = 0; i < nsp; ++i) {
    const int64_t j = 3 - nsp + i;
    EMBER_CHECK(k[i] > 0, op.c_str(), "kernel_size must be greater than zero, but got ", shape_str(k));
    EMBER_CHECK(s[i] > 0, op.c_str(), "stride should be greater than zero, but got ", shape_str(s));
    EMBER_CHECK(d[i] > 0, op.c_str(), "dilation should be greater than zero, but got ", shape_str(d));
    EMBER_CHECK(p[i] >= 0, op.c_str(), "pad must be non-negative, but got ", shape_str(p));
    if (is_max)
      EMBER_CHECK(p[i] <= ((k[i] - 1) * d[i] + 1) / 2, op.c_str(), "pad should be at most half of effective kernel "
                  "size, but got pad=", p[i], ", kernel_size=", k[i], " and dilation=", d[i]);
    else
      EMBER_CHECK(p[i] <= k[i] / 2, op.c_str(), "pad should be at most half of kernel size, but got pad=", p[i],
                  ", kernel_size=", k[i]);
    g.k[j] = k[i]; g.s[j] = s[i]; g.p[j] = p[i]; g.d[j] = d[i];
    g.out[j] = pool_out(g.in[j], k[i], p[i], s[i], d[i], ceil_mode);
  }
  bool ok = true;
  for (int j = 0; j < 3; ++j) ok = ok && g.out[j] >= 1;
  int64_t c = x.dim() == nsp + 2 ? x.sizes()[1] : x.sizes()[0];
  EMBER_CHECK(ok, op.c_str(), "Given input size: (", c, "x", tuple_str(g.in + 3 - nsp, nsp),
              "). Calculated output size: (", c, "x", tuple_str(g.out + 3 - nsp, nsp), "). Output size is too small");
  return g;
}

Geo adaptive_geo(const Tensor& x, int64_t nsp, const Shape& output_size, const std::string& op) {
  check_input(x, nsp, op);
  check_list(output_size, nsp, op, "output_size");
  Geo g = make_geo(x, nsp);
  for (int64_t i = 0; i < nsp; ++i) {
    EMBER_CHECK(output_size[i] >= 0, op.c_str(), "elements of output_size must be greater than or equal to 0 but "
                "received ", shape_str(output_size));
    g.out[3 - nsp + i] = output_size[i];
  }
  return g;
}

// A tensor of `shape` over grad's storage, used only for its sizes (never read).
Tensor shape_only(const Tensor& like, const Shape& shape) {
  return Tensor(like.storage(), like.offset(), shape, Shape(shape.size(), 0), like.dtype());
}

}  // namespace

std::vector<Tensor> max_pool_forward(const Tensor& x_, int64_t nsp, const Shape& kernel, const Shape& stride,
                                     const Shape& padding, const Shape& dilation, bool ceil_mode) {
  const std::string op = opname("max_pool", nsp);
  Geo g = window_geo(x_, nsp, kernel, stride, padding, dilation, ceil_mode, true, op);
  Tensor x = contiguous(x_);
  Shape os = out_shape(x, nsp, g);
  Tensor out = Tensor::empty(os, x.dtype(), x.device()), idx = Tensor::empty(os, DType::Int64, x.device());
  if (g.B && g.out_plane()) max_pool_fwd(g, x, out, idx, use_reference_kernels());
  return {out, idx};
}

Tensor avg_pool_forward(const Tensor& x_, int64_t nsp, const Shape& kernel, const Shape& stride, const Shape& padding,
                        bool ceil_mode, bool count_include_pad, int64_t divisor_override) {
  const std::string op = opname("avg_pool", nsp);
  Shape dil(nsp, 1);
  Geo g = window_geo(x_, nsp, kernel, stride, padding, dil, ceil_mode, false, op);
  EMBER_CHECK(divisor_override >= 0, op.c_str(), "divisor must be not zero");
  Tensor x = contiguous(x_);
  Tensor out = Tensor::empty(out_shape(x, nsp, g), x.dtype(), x.device());
  if (g.B && g.out_plane()) avg_pool_fwd(g, {count_include_pad, divisor_override}, x, out, use_reference_kernels());
  return out;
}

Tensor avg_pool_backward(const Tensor& grad_, const Shape& input_shape, int64_t nsp, const Shape& kernel,
                         const Shape& stride, const Shape& padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor_override) {
  const std::string op = opname("avg_pool", nsp) + "_backward";
  Tensor shape_probe = shape_only(grad_, input_shape);
  Shape dil(nsp, 1);
  Geo g = window_geo(shape_probe, nsp, kernel, stride, padding, dil, ceil_mode, false, op);
  EMBER_CHECK(grad_.sizes() == out_shape(shape_probe, nsp, g), op.c_str(), "grad_output has shape ",
              shape_str(grad_.sizes()), ", expected ", shape_str(out_shape(shape_probe, nsp, g)));
  Tensor grad = contiguous(grad_);
  Tensor gin = Tensor::empty(input_shape, grad.dtype(), grad.device());
  if (g.B && g.in_plane()) avg_pool_bwd(g, {count_include_pad, divisor_override}, grad, gin, use_reference_kernels());
  return gin;
}

Tensor adaptive_avg_pool_forward(const Tensor& x_, int64_t nsp, const Shape& output_size) {
  const std::string op = opname("adaptive_avg_pool", nsp);
  Geo g = adaptive_geo(x_, nsp, output_size, op);
  Tensor x = contiguous(x_);
  Tensor out = Tensor::empty(out_shape(x, nsp, g), x.dtype(), x.device());
  if (g.B && g.out_plane()) adaptive_avg_fwd(g, x, out, use_reference_kernels());
  return out;
}

Tensor adaptive_avg_pool_backward(const Tensor& grad_, const Shape& input_shape, int64_t nsp) {
  const std::string op = opname("adaptive_avg_pool", nsp) + "_backward";
  EMBER_CHECK(grad_.dim() == (int64_t)input_shape.size(), op.c_str(), "grad_output rank mismatch");
  Tensor shape_probe = shape_only(grad_, input_shape);
  Shape os(grad_.sizes().end() - nsp, grad_.sizes().end());
  Geo g = adaptive_geo(shape_probe, nsp, os, op);
  Tensor grad = contiguous(grad_);
  Tensor gin = Tensor::empty(input_shape, grad.dtype(), grad.device());
  if (g.B && g.in_plane()) adaptive_avg_bwd(g, grad, gin, use_reference_kernels());
  return gin;
}

std::vector<Tensor> adaptive_max_pool_forward(const Tensor& x_, int64_t nsp, const Shape& output_size) {
  const std::string op = opname("adaptive_max_pool", nsp);
  Geo g = adaptive_geo(x_, nsp, output_size, op);
  Tensor x = contiguous(x_);
  Shape os = out_shape(x, nsp, g);
  Tensor out = Tensor::empty(os, x.dtype(), x.device()), idx = Tensor::empty(os, DType::Int64, x.device());
  if (g.B && g.out_plane()) adaptive_max_fwd(g, x, out, idx, use_reference_kernels());
  return {out, idx};
}

Tensor pool_scatter(const Tensor& src_, const Tensor& indices_, int64_t nsp, const Shape& plane_shape,
                    bool accumulate, const char* op) {
  EMBER_CHECK(src_.sizes() == indices_.sizes(), op, "Expected shape of indices to be same as that of the input "
              "tensor (", shape_str(src_.sizes()), ") but got indices tensor with shape: ",
              shape_str(indices_.sizes()));
  EMBER_CHECK(indices_.dtype() == DType::Int64, op, "elements in indices should be type int64 but got: ",
              dtype_name(indices_.dtype()));
  EMBER_CHECK(src_.dim() > nsp && (int64_t)plane_shape.size() == nsp, op, "bad ranks: input ",
              shape_str(src_.sizes()), ", output plane ", shape_str(plane_shape));
  EMBER_CHECK(is_floating(src_.dtype()), op, "not implemented for dtype ", dtype_name(src_.dtype()));
  if (src_.device() != indices_.device())  // the CUDA device first, as PyTorch
    device_mismatch_fail(op, src_.device().is_cuda() ? src_.device() : indices_.device(),
                         src_.device().is_cuda() ? indices_.device() : src_.device());
  Tensor src = contiguous(src_), idx = contiguous(indices_);
  Shape os(src.sizes().begin(), src.sizes().end() - nsp);
  int64_t B = 1, n_src = 1, n_out = 1;
  for (auto s : os) B *= s;
  for (auto s : plane_shape) { os.push_back(s); n_out *= s; }
  for (int64_t i = src.dim() - nsp; i < src.dim(); ++i) n_src *= src.sizes()[i];
  Tensor out = Tensor::empty(os, src.dtype(), src.device());
  if (B && n_out) scatter_planes(B, n_src, n_out, src, idx, out, accumulate, op);
  return out;
}

Tensor pool_gather(const Tensor& src_, const Tensor& indices_, int64_t nsp) {
  const char* op = "max_pool_gather";
  EMBER_CHECK(src_.dim() == indices_.dim() && src_.dim() > nsp, op, "rank mismatch ", shape_str(src_.sizes()),
              " vs ", shape_str(indices_.sizes()));
  EMBER_CHECK(indices_.dtype() == DType::Int64, op, "indices must be int64");
  if (src_.device() != indices_.device())  // the CUDA device first, as PyTorch
    device_mismatch_fail(op, src_.device().is_cuda() ? src_.device() : indices_.device(),
                         src_.device().is_cuda() ? indices_.device() : src_.device());
  Tensor src = contiguous(src_), idx = contiguous(indices_);
  int64_t B = 1, n_src = 1, n_out = 1;
  for (int64_t i = 0; i < src.dim() - nsp; ++i) {
    EMBER_CHECK(src.sizes()[i] == idx.sizes()[i], op, "batch dims differ");
    B *= src.sizes()[i];
  }
  for (int64_t i = src.dim() - nsp; i < src.dim(); ++i) { n_src *= src.sizes()[i]; n_out *= idx.sizes()[i]; }
  Tensor out = Tensor::empty(idx.sizes(), src.dtype(), src.device());
  if (B && n_out) gather_planes(B, n_out, n_src, src, idx, out);
  return out;
}

}  // namespace ember
