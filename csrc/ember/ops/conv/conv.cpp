// conv.cpp — validation, output shapes and the reference/fast switch for the conv family.
// Inputs of any layout (channels_last, sliced views) are made contiguous NC* once here.
#include "ember/ops/conv/conv.h"

#include <string>
#include "ember/core/cpu_features.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/core/fill.h"
#include "ember/ops/conv/conv_impl.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/conv/conv_cuda.h"
#endif

namespace ember {

using conv_detail::ConvGeom;

namespace {

std::string shape_s(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

void check_tensor(const Tensor& t, const char* op, const char* what) {
  EMBER_CHECK(t.defined(), op, what, " is undefined");
#ifndef EMBER_WITH_CUDA
  EMBER_CHECK(t.device().is_cpu(), op, what, " must be on the CPU, got ", t.device().str());
#endif
  EMBER_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op, "not implemented for dtype ",
              dtype_name(t.dtype()), " (", what, "); use float32 or float64");
}

// Every tensor operand on one device (PyTorch's message).
void check_devices(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (!first) first = t;
    else if (t->device() != first->device())  // name the CUDA device first, as PyTorch does
      device_mismatch_fail(op, t->device().is_cuda() ? t->device() : first->device(),
                           t->device().is_cuda() ? first->device() : t->device());
  }
}

// The per-dim parameter vectors: one entry per spatial dim, stride/dilation >= 1, padding >= 0.
void check_params(size_t nsp, const Shape& stride, const Shape& pad, const Shape& dil, int64_t groups,
                  const char* op) {
  EMBER_CHECK(nsp >= 1 && nsp <= 3, op, "supports 1, 2 or 3 spatial dims, got ", nsp);
  EMBER_CHECK(stride.size() == nsp && pad.size() == nsp && dil.size() == nsp, op,
              "stride, padding and dilation need ", nsp, " values each");
  for (size_t i = 0; i < nsp; ++i) {
    EMBER_CHECK(stride[i] > 0, op, "non-positive stride is not supported, got ", shape_s(stride));
    EMBER_CHECK(pad[i] >= 0, op, "negative padding is not supported, got ", shape_s(pad));
    EMBER_CHECK(dil[i] > 0, op, "dilation should be greater than zero, got ", shape_s(dil));
  }
  EMBER_CHECK(groups > 0, op, "non-positive groups is not supported, got ", groups);
}

// Geometry from contiguous-agnostic sizes; `in`/`out` filled by the caller's shapes.
ConvGeom make_geom(const Shape& in_shape, const Shape& w_shape, const Shape& out_sp, const Shape& stride,
                   const Shape& pad_lo, const Shape& dil, int64_t groups) {
  ConvGeom g;
  const size_t nsp = stride.size(), off = 3 - nsp;
  g.N = in_shape[0]; g.C = in_shape[1]; g.O = w_shape[0]; g.G = groups;
  for (size_t i = 0; i < nsp; ++i) {
    g.in[off + i] = in_shape[2 + i];
    g.out[off + i] = out_sp[i];
    g.k[off + i] = w_shape[2 + i];
    g.s[off + i] = stride[i];
    g.p[off + i] = pad_lo[i];
    g.d[off + i] = dil[i];
  }
  return g;
}

void check_weight(const Shape& in_shape, const Tensor& weight, size_t nsp, int64_t groups, bool transposed,
                  const char* op) {
  EMBER_CHECK((size_t)weight.dim() == nsp + 2, op, "expected weight to be ", nsp + 2, "-D, but got ", weight.dim(),
              "-D weight of size ", shape_s(weight.sizes()));
  EMBER_CHECK((size_t)in_shape.size() == nsp + 2, op, "expected ", nsp + 2, "-D (batched) input, but got input of size ",
              shape_s(in_shape));
  const int64_t C = in_shape[1];
  if (!transposed) {
    EMBER_CHECK(weight.size(0) >= groups && weight.size(0) % groups == 0, op,
                "expected weight to be divisible by groups=", groups, " in dim 0, but got weight of size ",
                shape_s(weight.sizes()));
    EMBER_CHECK(weight.size(1) * groups == C, op, "given groups=", groups, ", weight of size ",
                shape_s(weight.sizes()), ", expected input", shape_s(in_shape), " to have ", weight.size(1) * groups,
                " channels, but got ", C, " channels instead");
  } else {
    EMBER_CHECK(weight.size(0) == C && C % groups == 0, op, "given groups=", groups, ", weight of size ",
                shape_s(weight.sizes()), ", expected input", shape_s(in_shape), " to have ", weight.size(0),
                " channels (divisible by groups), but got ", C, " channels instead");
  }
}

template <class F>
void dispatch_float(DType dt, const char* op, const F& f) {
  if (dt == DType::Float32) f(float());
  else if (dt == DType::Float64) f(double());
  else EMBER_FAIL_KIND(Runtime, op, "not implemented for dtype ", dtype_name(dt));
}

void run_forward(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
#ifdef EMBER_WITH_CUDA
  if (y.device().is_cuda()) return cuda::conv_forward_cuda(g, x, w, b, y);
#endif
  dispatch_float(x.dtype(), "conv", [&](auto t) {
    using T = decltype(t);
    const T* bp = b.defined() ? b.data<T>() : nullptr;
    if (use_reference_kernels()) conv_detail::conv_fwd_ref<T>(g, x.data<T>(), w.data<T>(), bp, y.data<T>());
    else conv_detail::conv_fwd_cpu<T>(g, x.data<T>(), w.data<T>(), bp, y.data<T>());
  });
}

void run_backward_input(const ConvGeom& g, const Tensor& gy, const Tensor& w, Tensor& gx) {
#ifdef EMBER_WITH_CUDA
  if (gx.device().is_cuda()) return cuda::conv_backward_input_cuda(g, gy, w, gx);
#endif
  dispatch_float(gy.dtype(), "conv", [&](auto t) {
    using T = decltype(t);
    if (use_reference_kernels()) conv_detail::conv_bwd_input_ref<T>(g, gy.data<T>(), w.data<T>(), gx.data<T>());
    else conv_detail::conv_bwd_input_cpu<T>(g, gy.data<T>(), w.data<T>(), gx.data<T>());
  });
}

}  // namespace

Tensor conv_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                    const Shape& pad_lo, const Shape& pad_hi, const Shape& dilation, int64_t groups, const char* op) {
  check_tensor(input, op, "input");
  check_tensor(weight, op, "weight");
  const size_t nsp = stride.size();
  check_params(nsp, stride, pad_lo, dilation, groups, op);
  EMBER_CHECK(pad_hi.size() == nsp, op, "padding needs ", nsp, " values");
  EMBER_CHECK(input.dtype() == weight.dtype(), op, "input type (", dtype_name(input.dtype()), ") and weight type (",
              dtype_name(weight.dtype()), ") should be the same");
  check_weight(input.sizes(), weight, nsp, groups, false, op);
  const int64_t O = weight.size(0);
  check_devices(op, {&input, &weight, &bias});
  if (bias.defined()) {
    check_tensor(bias, op, "bias");
    EMBER_CHECK(bias.dtype() == input.dtype(), op, "bias type (", dtype_name(bias.dtype()),
                ") should be the same as the input type (", dtype_name(input.dtype()), ")");
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == O, op, "expected bias of shape [", O, "], got ",
                shape_s(bias.sizes()));
  }
  Shape out_sp(nsp), padded(nsp), eff(nsp);
  bool bad = false;
  for (size_t i = 0; i < nsp; ++i) {
    padded[i] = input.size(2 + i) + pad_lo[i] + pad_hi[i];
    eff[i] = dilation[i] * (weight.size(2 + i) - 1) + 1;
    if (eff[i] > padded[i]) bad = true;
    out_sp[i] = bad ? 0 : (padded[i] - eff[i]) / stride[i] + 1;
  }
  EMBER_CHECK(!bad, op, "calculated padded input size per channel: ", shape_s(padded), ". Kernel size: ",
              shape_s(eff), ". Kernel size can't be greater than actual input size");
  Shape out_shape = {input.size(0), O};
  out_shape.insert(out_shape.end(), out_sp.begin(), out_sp.end());
  Tensor y = Tensor::empty(out_shape, input.dtype(), input.device());
  if (y.numel() == 0) return y;
  ConvGeom g = make_geom(input.sizes(), weight.sizes(), out_sp, stride, pad_lo, dilation, groups);
  Tensor x = contiguous(input), w = contiguous(weight), b = bias.defined() ? contiguous(bias) : Tensor();
  run_forward(g, x, w, b, y);
  return y;
}

Tensor conv_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                           const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                           const char* op) {
  check_tensor(grad_output, op, "grad_output");
  check_tensor(weight, op, "weight");
  const size_t nsp = stride.size();
  check_params(nsp, stride, pad_lo, dilation, groups, op);
  EMBER_CHECK(grad_output.dtype() == weight.dtype(), op, "grad_output and weight dtypes differ");
  check_weight(input_shape, weight, nsp, groups, false, op);
  EMBER_CHECK((size_t)grad_output.dim() == nsp + 2 && grad_output.size(0) == input_shape[0] &&
                  grad_output.size(1) == weight.size(0),
              op, "grad_output of size ", shape_s(grad_output.sizes()), " does not match input ", shape_s(input_shape),
              " and weight ", shape_s(weight.sizes()));
  check_devices(op, {&grad_output, &weight});
  Shape out_sp(grad_output.sizes().begin() + 2, grad_output.sizes().end());
  Tensor gx = Tensor::empty(input_shape, grad_output.dtype(), grad_output.device());
  if (gx.numel() == 0) return gx;
  ConvGeom g = make_geom(input_shape, weight.sizes(), out_sp, stride, pad_lo, dilation, groups);
  if (grad_output.numel() == 0) {  // no outputs: nothing flows back
    fill_(gx, Scalar(0.0));
    return gx;
  }
  Tensor gyc = contiguous(grad_output), w = contiguous(weight);
  run_backward_input(g, gyc, w, gx);
  return gx;
}

Tensor conv_backward_weight(const Tensor& grad_output, const Tensor& input, const Shape& weight_shape,
                            const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                            const char* op) {
  check_tensor(grad_output, op, "grad_output");
  check_tensor(input, op, "input");
  const size_t nsp = stride.size();
  check_params(nsp, stride, pad_lo, dilation, groups, op);
  EMBER_CHECK(grad_output.dtype() == input.dtype(), op, "grad_output and input dtypes differ");
  EMBER_CHECK(weight_shape.size() == nsp + 2 && (size_t)input.dim() == nsp + 2 && (size_t)grad_output.dim() == nsp + 2 &&
                  weight_shape[1] * groups == input.size(1) && weight_shape[0] == grad_output.size(1) &&
                  weight_shape[0] % groups == 0 && grad_output.size(0) == input.size(0),
              op, "inconsistent shapes: grad_output ", shape_s(grad_output.sizes()), ", input ",
              shape_s(input.sizes()), ", weight ", shape_s(weight_shape));
  check_devices(op, {&grad_output, &input});
  Tensor gw = Tensor::empty(weight_shape, input.dtype(), input.device());
  if (gw.numel() == 0) return gw;
  if (grad_output.numel() == 0 || input.numel() == 0) {
    fill_(gw, Scalar(0.0));
    return gw;
  }
  Shape out_sp(grad_output.sizes().begin() + 2, grad_output.sizes().end());
  ConvGeom g = make_geom(input.sizes(), weight_shape, out_sp, stride, pad_lo, dilation, groups);
  Tensor gyc = contiguous(grad_output), x = contiguous(input);
#ifdef EMBER_WITH_CUDA
  if (gw.device().is_cuda()) {
    cuda::conv_backward_weight_cuda(g, gyc, x, gw);
    return gw;
  }
#endif
  dispatch_float(gw.dtype(), op, [&](auto t) {
    using T = decltype(t);
    if (use_reference_kernels()) conv_detail::conv_bwd_weight_ref<T>(g, gyc.data<T>(), x.data<T>(), gw.data<T>());
    else conv_detail::conv_bwd_weight_cpu<T>(g, gyc.data<T>(), x.data<T>(), gw.data<T>());
  });
  return gw;
}

std::vector<Tensor> conv_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                  const Shape& stride, const Shape& pad_lo, const Shape& dilation, int64_t groups,
                                  const std::vector<bool>& need, const char* op) {
  EMBER_CHECK(need.size() == 3, op, "conv_backward needs 3 output flags (input, weight, bias), got ", need.size());
  // The fused path takes only fully consistent float32 CPU problems; anything else (bad input
  // included) goes through the three checked functions.
  const bool fused = need[0] && need[1] && !use_reference_kernels() && grad_output.defined() && input.defined() &&
                     weight.defined() && grad_output.device().is_cpu() && input.device().is_cpu() &&
                     weight.device().is_cpu() && grad_output.dtype() == DType::Float32 &&
                     input.dtype() == DType::Float32 && weight.dtype() == DType::Float32 && input.dim() == 4 &&
                     weight.dim() == 4 && grad_output.dim() == 4 && stride.size() == 2 && pad_lo.size() == 2 &&
                     dilation.size() == 2 && groups == input.size(1) && weight.size(0) == groups &&
                     weight.size(1) == 1 && grad_output.size(0) == input.size(0) && grad_output.size(1) == groups &&
                     input.numel() > 0 && grad_output.numel() > 0 && pad_lo[0] >= 0 && pad_lo[1] >= 0;
  if (fused) {
    Shape out_sp(grad_output.sizes().begin() + 2, grad_output.sizes().end());
    bool fits = true;  // grad_output's size must be one the forward can produce (high padding >= -stride + 1)
    for (size_t i = 0; i < 2; ++i) {
      const int64_t hi = (out_sp[i] - 1) * stride[i] + dilation[i] * (weight.size(2 + i) - 1) + 1 - input.size(2 + i) - pad_lo[i];
      if (stride[i] < 1 || dilation[i] < 1 || hi < 0 || out_sp[i] < 1) fits = false;
    }
    if (fits) {
      ConvGeom g = make_geom(input.sizes(), weight.sizes(), out_sp, stride, pad_lo, dilation, groups);
      Tensor gyc = contiguous(grad_output), x = contiguous(input), w = contiguous(weight);
      Tensor gx = Tensor::empty(input.sizes(), DType::Float32, input.device());
      Tensor gw = Tensor::empty(weight.sizes(), DType::Float32, input.device());
      Tensor gb = need[2] ? Tensor::empty({groups}, DType::Float32, input.device()) : Tensor();
      if (conv_detail::conv_bwd_fused_cpu(g, gyc.data<float>(), x.data<float>(), w.data<float>(), gx.data<float>(),
                                          gw.data<float>(), need[2] ? gb.data<float>() : nullptr))
        return {gx, gw, gb};
    }
  }
  return {need[0] ? conv_backward_input(grad_output, weight, input.sizes(), stride, pad_lo, dilation, groups, op) : Tensor(),
          need[1] ? conv_backward_weight(grad_output, input, weight.sizes(), stride, pad_lo, dilation, groups, op) : Tensor(),
          need[2] ? conv_backward_bias(grad_output, op) : Tensor()};
}

Tensor conv_backward_bias(const Tensor& grad_output, const char* op) {
  check_tensor(grad_output, op, "grad_output");
  EMBER_CHECK(grad_output.dim() >= 2, op, "grad_output must have a channel dim, got ",
              shape_s(grad_output.sizes()));
  const int64_t N = grad_output.size(0), O = grad_output.size(1), P = grad_output.numel() / std::max<int64_t>(1, N * O);
  Tensor gb = Tensor::empty({O}, grad_output.dtype(), grad_output.device());
  Tensor gy = contiguous(grad_output);
#ifdef EMBER_WITH_CUDA
  if (gb.device().is_cuda()) {
    cuda::conv_backward_bias_cuda(gy, N, O, P, gb);
    return gb;
  }
#endif
  dispatch_float(gy.dtype(), op, [&](auto t) {
    using T = decltype(t);
    const T* p = gy.data<T>();
    T* out = gb.data<T>();
    // One output channel per task (parallel over O); each plane is summed in 16 fixed lanes (a
    // vectorizable multiply-free reduction: a scalar running sum is latency-bound) and the planes
    // are accumulated in double in image order. The order never depends on the thread count.
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, N * P));
    parallel_for(0, O, grain, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        double acc = 0;  // sum in a fixed order, in double: bias grads are sums of many terms
        for (int64_t n = 0; n < N; ++n) {
          const T* q = p + (n * O + o) * P;
          T lane[16] = {};
          int64_t i = 0;
          for (; i + 16 <= P; i += 16)
            for (int l = 0; l < 16; ++l) lane[l] += q[i + l];
          for (int l = 0; i < P; ++i, ++l) lane[l] += q[i];
          T part = 0;
          for (int l = 0; l < 16; ++l) part += lane[l];
          acc += (double)part;
        }
        out[o] = (T)acc;
      }
    });
  });
  return gb;
}

Tensor conv_transpose_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                              const Shape& padding, const Shape& output_padding, const Shape& dilation, int64_t groups,
                              const char* op) {
  check_tensor(input, op, "input");
  check_tensor(weight, op, "weight");
  const size_t nsp = stride.size();
  check_params(nsp, stride, padding, dilation, groups, op);
  EMBER_CHECK(output_padding.size() == nsp, op, "output_padding needs ", nsp, " values");
  EMBER_CHECK(input.dtype() == weight.dtype(), op, "input type (", dtype_name(input.dtype()), ") and weight type (",
              dtype_name(weight.dtype()), ") should be the same");
  check_weight(input.sizes(), weight, nsp, groups, true, op);
  check_devices(op, {&input, &weight, &bias});
  const int64_t Cout = weight.size(1) * groups;
  for (size_t i = 0; i < nsp; ++i)
    EMBER_CHECK(output_padding[i] >= 0 && (output_padding[i] < stride[i] || output_padding[i] < dilation[i]), op,
                "output padding must be smaller than either stride or dilation, but got output_padding=",
                shape_s(output_padding), ", stride=", shape_s(stride), ", dilation=", shape_s(dilation));
  if (bias.defined()) {
    check_tensor(bias, op, "bias");
    EMBER_CHECK(bias.dtype() == input.dtype(), op, "bias type should be the same as the input type");
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == Cout, op, "expected bias of shape [", Cout, "], got ",
                shape_s(bias.sizes()));
  }
  Shape out_shape = {input.size(0), Cout};
  for (size_t i = 0; i < nsp; ++i) {
    const int64_t o = (input.size(2 + i) - 1) * stride[i] - 2 * padding[i] + dilation[i] * (weight.size(2 + i) - 1) +
                      output_padding[i] + 1;
    EMBER_CHECK(o > 0, op, "given input size ", shape_s(input.sizes()), ", the calculated output size is not positive");
    out_shape.push_back(o);
  }
  // conv_transpose(x, w) is the input-gradient of conv(., w) whose output has x's shape.
  Tensor y = Tensor::empty(out_shape, input.dtype(), input.device());
  if (y.numel() == 0) return y;
  Shape in_sp(input.sizes().begin() + 2, input.sizes().end());
  ConvGeom g = make_geom(out_shape, weight.sizes(), in_sp, stride, padding, dilation, groups);
  g.O = input.size(1);
  Tensor x = contiguous(input), w = contiguous(weight);
  if (input.numel() == 0) {
    fill_(y, Scalar(0.0));
  } else {
    run_backward_input(g, x, w, y);
  }
  if (bias.defined()) {
    Tensor b = contiguous(bias);
    const int64_t P = y.numel() / std::max<int64_t>(1, out_shape[0] * Cout);
#ifdef EMBER_WITH_CUDA
    if (y.device().is_cuda()) {
      cuda::conv_add_bias_cuda(y, b, out_shape[0], Cout, P);
      return y;
    }
#endif
    dispatch_float(y.dtype(), op, [&](auto t) {
      using T = decltype(t);
      T* yp = y.data<T>();
      const T* bp = b.data<T>();
      for (int64_t n = 0; n < out_shape[0]; ++n)
        for (int64_t c = 0; c < Cout; ++c) {
          T* q = yp + (n * Cout + c) * P;
          for (int64_t i = 0; i < P; ++i) q[i] += bp[c];
        }
    });
  }
  return y;
}

}  // namespace ember
