// resample.cpp — validation, PyTorch's source-index rules (tap tables) and the shape-only
// composites (pixel/channel shuffle) of the resample family. Kernels: resample_kernels.cpp.
// Tap tables are computed in the input's compute precision (float for 32/16-bit inputs) as
// PyTorch does, so float32 results round the same way.
#include <cmath>
#include <string>
#include "ember/core/cpu_features.h"
#include "ember/core/error.h"
#include "ember/core/view.h"
#include "ember/ops/resample/resample.h"
#include "ember/ops/resample/resample_kernels.h"

namespace ember {
using namespace resample_detail;
namespace {

template <class R>
R area_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? R(in - 1) / R(out - 1) : R(0);
  return scale > 0 ? R(1.0 / scale) : R(in) / R(out);
}

template <class R>
R source_index(R scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * R(dst);
  R s = scale * (R(dst) + R(0.5)) - R(0.5);
  return (!cubic && s < R(0)) ? R(0) : s;
}

template <class R>
R cubic1(R x, R A) { return ((A + R(2)) * x - (A + R(3))) * x * x + R(1); }
template <class R>
R cubic2(R x, R A) { return ((A * x - R(5) * A) * x + R(8) * A) * x - R(4) * A; }

template <class R>
Taps make_taps(InterpMode mode, int64_t in, int64_t out, bool align_corners, double scale) {
  Taps t;
  t.n_out = out;
  t.K = mode == InterpMode::Linear ? 2 : mode == InterpMode::Cubic ? 4 : 1;
  t.idx.resize(out * t.K);
  t.w.resize(out * t.K);
  if (mode == InterpMode::Nearest || mode == InterpMode::NearestExact) {
    const float fs = scale > 0 ? float(1.0 / scale) : float(in) / float(out);
    for (int64_t j = 0; j < out; ++j) {
      int64_t i;
      if (mode == InterpMode::Nearest) {
        if (out == in) i = j;
        else if (out == 2 * in) i = j >> 1;
        else i = std::min((int64_t)std::floor(float(j) * fs), in - 1);
      } else {
        i = std::min((int64_t)std::floor((float(j) + 0.5f) * fs), in - 1);
      }
      t.idx[j] = i;
      t.w[j] = 1.0;
    }
    return t;
  }
  const R sc = area_scale<R>(in, out, align_corners, scale);
  for (int64_t j = 0; j < out; ++j) {
    if (mode == InterpMode::Linear) {
      R src = source_index<R>(sc, j, align_corners, false);
      int64_t i0 = std::min((int64_t)std::floor(src), in - 1);
      R l1 = std::min(std::max(src - R(i0), R(0)), R(1));
      t.idx[2 * j] = i0;
      t.idx[2 * j + 1] = i0 + (i0 < in - 1 ? 1 : 0);
      t.w[2 * j] = double(R(1) - l1);
      t.w[2 * j + 1] = double(l1);
    } else {
      R src = source_index<R>(sc, j, align_corners, true);
      int64_t i0 = (int64_t)std::floor(src);
      R x = src - R(i0), A = R(-0.75);
      R c[4] = {cubic2<R>(x + R(1), A), cubic1<R>(x, A), cubic1<R>(R(1) - x, A), cubic2<R>(R(2) - x, A)};
      for (int k = 0; k < 4; ++k) {
        t.idx[4 * j + k] = std::min(std::max<int64_t>(i0 - 1 + k, 0), in - 1);
        t.w[4 * j + k] = double(c[k]);
      }
    }
  }
  return t;
}

Taps taps_for(DType dt, InterpMode mode, int64_t in, int64_t out, bool ac, double scale) {
  return dt == DType::Float64 ? make_taps<double>(mode, in, out, ac, scale)
                              : make_taps<float>(mode, in, out, ac, scale);
}

bool identity_dim(InterpMode mode, int64_t in, int64_t out) {
  return in == out && (mode == InterpMode::Nearest || mode == InterpMode::NearestExact);
}

void check_interp(const Tensor& x, int64_t nsp, const char* op) {
  EMBER_CHECK(nsp >= 1 && nsp <= 3 && x.dim() == nsp + 2, op, "expected a ", nsp + 2, "D input (N, C, ",
              nsp, " spatial dims), got ", shape_str(x.sizes()));
  EMBER_CHECK(is_floating(x.dtype()), op, "\"", op, "\" not implemented for '", dtype_name(x.dtype()), "'");
}

// Resample one dim (d) of contiguous x to n_out with tap table tp (forward) or back (backward).
Tensor resample_dim(const Tensor& x, int64_t d, int64_t n_new, const Taps& tp, bool backward) {
  Shape os = x.sizes();
  const int64_t n_old = os[d];
  os[d] = n_new;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= os[i];
  for (int64_t i = d + 1; i < (int64_t)os.size(); ++i) inner *= os[i];
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  // forward: src n_in = n_old; backward: src has n_out = n_old entries, dst n_in = n_new.
  apply_taps(backward, tp, outer, backward ? n_new : n_old, inner, x, out);
  return out;
}

}  // namespace

Tensor upsample_forward(const Tensor& x_, int64_t nsp, const Shape& out_size, InterpMode mode, bool align_corners,
                        const std::vector<double>& scales) {
  const char* op = "interpolate";
  check_interp(x_, nsp, op);
  EMBER_CHECK((int64_t)out_size.size() == nsp && (int64_t)scales.size() == nsp, op, "expected ", nsp,
              " output sizes and scales");
  for (int64_t i = 0; i < nsp; ++i) {
    EMBER_CHECK(out_size[i] > 0, op, "Input and output sizes should be greater than 0, but got input (",
                shape_str(Shape(x_.sizes().begin() + 2, x_.sizes().end())), ") and output (", shape_str(out_size), ")");
    EMBER_CHECK(x_.sizes()[2 + i] > 0, op, "Input and output sizes should be greater than 0, but got input (",
                shape_str(Shape(x_.sizes().begin() + 2, x_.sizes().end())), ") and output (", shape_str(out_size), ")");
  }
  Tensor x = contiguous(x_);
  if (use_reference_kernels() && x.device().is_cpu()) {
    std::vector<Taps> taps;
    for (int64_t i = 0; i < nsp; ++i)
      taps.push_back(taps_for(x.dtype(), mode, x.sizes()[2 + i], out_size[i], align_corners, scales[i]));
    Shape os = {x.sizes()[0], x.sizes()[1]};
    os.insert(os.end(), out_size.begin(), out_size.end());
    Tensor out = Tensor::empty(os, x.dtype());
    if (out.numel()) interp_reference(false, taps, x.sizes(), os, x, out);
    return out;
  }
  for (int64_t i = nsp - 1; i >= 0; --i) {
    const int64_t d = 2 + i, in = x.sizes()[d];
    if (identity_dim(mode, in, out_size[i])) continue;
    x = resample_dim(x, d, out_size[i], taps_for(x.dtype(), mode, in, out_size[i], align_corners, scales[i]), false);
  }
  return x.storage() == x_.storage() ? clone(x) : x;
}

Tensor upsample_backward(const Tensor& grad_, const Shape& input_shape, InterpMode mode, bool align_corners,
                         const std::vector<double>& scales) {
  const char* op = "interpolate_backward";
  const int64_t nsp = (int64_t)input_shape.size() - 2;
  check_interp(grad_, nsp, op);
  EMBER_CHECK((int64_t)scales.size() == nsp && grad_.sizes()[0] == input_shape[0] && grad_.sizes()[1] == input_shape[1],
              op, "grad_output ", shape_str(grad_.sizes()), " does not match input ", shape_str(input_shape));
  Tensor g = contiguous(grad_);
  if (use_reference_kernels() && g.device().is_cpu()) {
    std::vector<Taps> taps;
    for (int64_t i = 0; i < nsp; ++i)
      taps.push_back(taps_for(g.dtype(), mode, input_shape[2 + i], g.sizes()[2 + i], align_corners, scales[i]));
    Tensor gin = Tensor::empty(input_shape, g.dtype());
    if (gin.numel()) interp_reference(true, taps, input_shape, g.sizes(), g, gin);
    return gin;
  }
  for (int64_t i = 0; i < nsp; ++i) {  // adjoint: first spatial dim first
    const int64_t d = 2 + i, in = input_shape[d], out = g.sizes()[d];
    if (identity_dim(mode, in, out)) continue;
    g = resample_dim(g, d, in, taps_for(g.dtype(), mode, in, out, align_corners, scales[i]), true);
  }
  return g.storage() == grad_.storage() ? clone(g) : g;
}

namespace {
// Shuffles are copies in PyTorch: never hand back a view of the input (identity factors).
Tensor fresh(const Tensor& out, const Tensor& x) { return out.storage() == x.storage() ? clone(out) : out; }

ColGeo col_geo(int64_t B, int64_t C, int64_t H, int64_t W, const Shape& k, const Shape& d, const Shape& p,
               const Shape& s, const char* op) {
  EMBER_CHECK(k.size() == 2 && d.size() == 2 && p.size() == 2 && s.size() == 2, op,
              "kernel_size, dilation, padding and stride must have 2 elements");
  EMBER_CHECK(k[0] > 0 && k[1] > 0, op, "kernel size should be greater than zero, but got kernel_height: ", k[0],
              " kernel_width: ", k[1]);
  EMBER_CHECK(s[0] > 0 && s[1] > 0, op, "stride should be greater than zero, but got stride_height: ", s[0],
              " stride_width: ", s[1]);
  EMBER_CHECK(d[0] > 0 && d[1] > 0, op, "dilation should be greater than zero, but got dilation_height: ", d[0],
              " dilation_width: ", d[1]);
  EMBER_CHECK(p[0] >= 0 && p[1] >= 0, op, "padding should be non-negative, but got pad_height: ", p[0],
              " pad_width: ", p[1]);
  ColGeo g{B, C, H, W, k[0], k[1], d[0], d[1], p[0], p[1], s[0], s[1], 0, 0};
  g.oh = (H + 2 * p[0] - (d[0] * (k[0] - 1) + 1)) / s[0] + 1;
  g.ow = (W + 2 * p[1] - (d[1] * (k[1] - 1) + 1)) / s[1] + 1;
  if (H + 2 * p[0] - (d[0] * (k[0] - 1) + 1) < 0) g.oh = 0;
  if (W + 2 * p[1] - (d[1] * (k[1] - 1) + 1) < 0) g.ow = 0;
  EMBER_CHECK(g.oh >= 1 && g.ow >= 1, op, "Given input with spatial size (", H, ", ", W, "), kernel_size=(", k[0],
              ", ", k[1], "), dilation=(", d[0], ", ", d[1], "), padding=(", p[0], ", ", p[1],
              "), calculated shape of the array of sliding blocks as (", g.oh, ", ", g.ow,
              "), but its components must be at least one.");
  return g;
}
}  // namespace

Tensor im2col(const Tensor& x_, const Shape& kernel, const Shape& dilation, const Shape& padding, const Shape& stride) {
  const char* op = "unfold";
  const int64_t nd = x_.dim();
  EMBER_CHECK((nd == 3 || nd == 4) && x_.sizes()[nd - 1] != 0 && x_.sizes()[nd - 2] != 0 && x_.sizes()[nd - 3] != 0,
              op, "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
              "for input, but got: ", shape_str(x_.sizes()));
  EMBER_CHECK(is_floating(x_.dtype()), op, "\"im2col\" not implemented for '", dtype_name(x_.dtype()), "'");
  const int64_t B = nd == 4 ? x_.sizes()[0] : 1, C = x_.sizes()[nd - 3];
  ColGeo g = col_geo(B, C, x_.sizes()[nd - 2], x_.sizes()[nd - 1], kernel, dilation, padding, stride, op);
  Tensor x = contiguous(x_);
  Shape os = {C * g.kh * g.kw, g.oh * g.ow};
  if (nd == 4) os.insert(os.begin(), B);
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  if (out.numel()) im2col_kernel(g, x, out, false);
  return out;
}

Tensor col2im(const Tensor& x_, const Shape& output_size, const Shape& kernel, const Shape& dilation,
              const Shape& padding, const Shape& stride) {
  const char* op = "fold";
  const int64_t nd = x_.dim();
  EMBER_CHECK((nd == 2 || nd == 3) && x_.sizes()[nd - 1] != 0 && x_.sizes()[nd - 2] != 0, op,
              "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and non-zero dimensions for input, "
              "but got: ", shape_str(x_.sizes()));
  EMBER_CHECK(is_floating(x_.dtype()), op, "\"col2im\" not implemented for '", dtype_name(x_.dtype()), "'");
  EMBER_CHECK(output_size.size() == 2 && output_size[0] > 0 && output_size[1] > 0, op,
              "output_size must have 2 positive elements, got ", shape_str(output_size));
  EMBER_CHECK(kernel.size() == 2 && kernel[0] > 0 && kernel[1] > 0, op,
              "kernel size should be greater than zero, but got ", shape_str(kernel));
  const int64_t kk = kernel[0] * kernel[1], ch = x_.sizes()[nd - 2];
  EMBER_CHECK(ch % kk == 0, op, "Expected size of input's dimension ", nd - 2, " to be divisible by the product of "
              "kernel_size, but got input.size(", nd - 2, ")=", ch, " and kernel_size=(", kernel[0], ", ", kernel[1],
              ")");
  const int64_t B = nd == 3 ? x_.sizes()[0] : 1, C = ch / kk;
  ColGeo g = col_geo(B, C, output_size[0], output_size[1], kernel, dilation, padding, stride, op);
  EMBER_CHECK(g.oh * g.ow == x_.sizes()[nd - 1], op, "Given output_size=(", output_size[0], ", ", output_size[1],
              "), kernel_size=(", kernel[0], ", ", kernel[1], "), dilation=(", dilation[0], ", ", dilation[1],
              "), padding=(", padding[0], ", ", padding[1], "), stride=(", stride[0], ", ", stride[1],
              "), expected size of input's dimension ", nd - 1, " to match the calculated number of sliding blocks ",
              g.oh, " * ", g.ow, " = ", g.oh * g.ow, ", but got input.size(", nd - 1, ")=", x_.sizes()[nd - 1], ".");
  Tensor x = contiguous(x_);
  Shape os = {C, output_size[0], output_size[1]};
  if (nd == 3) os.insert(os.begin(), B);
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  if (out.numel()) im2col_kernel(g, out, x, true);
  return out;
}

Tensor pixel_shuffle(const Tensor& x, int64_t r) {
  const char* op = "pixel_shuffle";
  EMBER_CHECK(x.dim() >= 3, op, "pixel_shuffle expects input to have at least 3 dimensions, but got input with ",
              x.dim(), " dimension(s)");
  EMBER_CHECK(r > 0, op, "pixel_shuffle expects a positive upscale_factor, but got ", r);
  const int64_t nd = x.dim(), c = x.sizes()[nd - 3], h = x.sizes()[nd - 2], w = x.sizes()[nd - 1];
  EMBER_CHECK(c % (r * r) == 0, op, "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
              "square of upscale_factor, but input.size(-3)=", c, " is not divisible by ", r * r);
  Shape lead(x.sizes().begin(), x.sizes().end() - 3);
  const int64_t L = (int64_t)lead.size();
  Shape s6 = lead;
  for (int64_t v : {c / (r * r), r, r, h, w}) s6.push_back(v);
  Shape perm;
  for (int64_t i = 0; i < L; ++i) perm.push_back(i);
  for (int64_t v : {0, 3, 1, 4, 2}) perm.push_back(L + v);
  Shape os = lead;
  for (int64_t v : {c / (r * r), h * r, w * r}) os.push_back(v);
  return fresh(reshape(contiguous(permute(reshape(x, s6), perm)), os), x);
}

Tensor pixel_unshuffle(const Tensor& x, int64_t r) {
  const char* op = "pixel_unshuffle";
  EMBER_CHECK(x.dim() >= 3, op, "pixel_unshuffle expects input to have at least 3 dimensions, but got input with ",
              x.dim(), " dimension(s)");
  EMBER_CHECK(r > 0, op, "pixel_unshuffle expects a positive downscale_factor, but got ", r);
  const int64_t nd = x.dim(), c = x.sizes()[nd - 3], h = x.sizes()[nd - 2], w = x.sizes()[nd - 1];
  EMBER_CHECK(h % r == 0, op, "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=",
              h, " is not divisible by ", r);
  EMBER_CHECK(w % r == 0, op, "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=",
              w, " is not divisible by ", r);
  Shape lead(x.sizes().begin(), x.sizes().end() - 3);
  const int64_t L = (int64_t)lead.size();
  Shape s6 = lead;
  for (int64_t v : {c, h / r, r, w / r, r}) s6.push_back(v);
  Shape perm;
  for (int64_t i = 0; i < L; ++i) perm.push_back(i);
  for (int64_t v : {0, 2, 4, 1, 3}) perm.push_back(L + v);
  Shape os = lead;
  for (int64_t v : {c * r * r, h / r, w / r}) os.push_back(v);
  return fresh(reshape(contiguous(permute(reshape(x, s6), perm)), os), x);
}

Tensor channel_shuffle(const Tensor& x, int64_t groups) {
  const char* op = "channel_shuffle";
  EMBER_CHECK(x.dim() >= 3, op, "channel_shuffle expects input to have at least 3 dimensions, but got input with ",
              x.dim(), " dimension(s)");
  EMBER_CHECK(groups > 0, op, "Number of groups to divide channels in must be positive. Value of groups:", groups);
  const int64_t c = x.sizes()[1];
  EMBER_CHECK(c % groups == 0, op, "Number of channels must be divisible by groups. Got ", c, " channels and ", groups,
              " groups.");
  Shape s = {x.sizes()[0], groups, c / groups};
  s.insert(s.end(), x.sizes().begin() + 2, x.sizes().end());
  Tensor t = transpose(reshape(x, s), 1, 2);
  return fresh(reshape(contiguous(t), x.sizes()), x);
}

}  // namespace ember
