// norm.cpp — validation and dispatch of batch/layer/rms/group norm (forward, backward).
// Inputs are made contiguous in the compute dtype (float32 for 16/32-bit, float64); outputs are
// cast back to the input dtype. Per-channel coefficients are folded on the host (C values) so
// the kernels stream x with one multiply-add per element.
#include "ember/ops/norm/norm.h"
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "ember/core/view.h"
#include "ember/ops/norm/norm_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/norm/norm_cuda.h"
#endif

namespace ember {

const NormKernel* norm_kernels() {
  if (use_reference_kernels()) return &ref::norm_kernel;
  return pick_isa(cpu_isa(), base::norm_kernel, avx2::norm_kernel, avx512::norm_kernel);
}

// Half the L3 slice (l3_slice_bytes). Streaming pays once the output cannot stay in that cache for its
// consumer (bench/results/2026-11-22-norm-2.md: from 16 MiB on a 32 MiB L3, ~30% slower at 8 MiB there;
// bench/results/2026-11-22-group-norm-pipelined.md: faster at 8 MiB on an 8 MiB L3, add -> group_norm ->
// relu chain included).
int64_t norm_stream_bytes() {
  static const int64_t bytes = [] {
    if (const char* e = std::getenv("EMBER_NORM_STREAM_BYTES")) return (int64_t)std::atoll(e);
    return l3_slice_bytes() / 2;
  }();
  return bytes;
}

namespace {

DType compute_dtype(DType t) { return t == DType::Float64 ? DType::Float64 : DType::Float32; }

void check_input(const Tensor& x, const char* op) {
  EMBER_CHECK(x.device().is_cpu(), op, "only CPU tensors are supported, got a tensor on ", x.device().str());
  EMBER_CHECK(is_floating(x.dtype()), op, "expected a floating input, got ", dtype_name(x.dtype()));
}

Tensor prep(const Tensor& t, DType cdt) { return t.defined() ? contiguous(to_dtype(t, cdt)) : Tensor(); }

void check_param(const Tensor& p, int64_t n, const char* what, const char* op) {
  if (p.defined())
    EMBER_CHECK(p.numel() == n, op, what, " should contain ", n, " elements, got shape ", shape_str(p.sizes()));
}

template <class T> T* ptr(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

template <class T>
const NormKernelT<T>& kern() {
  if constexpr (std::is_same_v<T, float>) return norm_kernels()->f32;
  else return norm_kernels()->f64;
}

template <class F>
void dispatch_cd(DType dt, const F& f) {
  if (dt == DType::Float64) f(double{});
  else f(float{});
}

// A (n) tensor of compute dtype from doubles.
Tensor from_doubles(const std::vector<double>& v, DType cdt, const Shape& shape) {
  Tensor t = Tensor::empty(shape, cdt);
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = (T)v[i];
  });
  return t;
}

// batch_norm's argument checks, shared by the CPU and CUDA forwards: (N, C, ...) input, per-channel
// parameters, running statistics required in evaluation mode.
void check_batch_norm_args(const Tensor& x_in, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, bool training, const char* op) {
  EMBER_CHECK(x_in.dim() >= 2, op, "expected an input with at least 2 dims (N, C, ...), got ", shape_str(x_in.sizes()));
  const int64_t C = x_in.size(1);
  check_param(weight, C, "weight", op);
  check_param(bias, C, "bias", op);
  check_param(running_mean, C, "running_mean", op);
  check_param(running_var, C, "running_var", op);
  EMBER_CHECK(training || (running_mean.defined() && running_var.defined()), op,
              "running_mean and running_var must be defined in evaluation mode");
}

std::vector<double> to_doubles(const Tensor& t) {
  Tensor d = contiguous(to_dtype(t, DType::Float64));
  return std::vector<double>(d.data<double>(), d.data<double>() + d.numel());
}

#ifdef EMBER_WITH_CUDA
// ---- the CUDA paths: the CPU's validation, kernels in norm_cuda.cu, no host reads of tensor data.

bool any_cuda(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->defined() && t->device().is_cuda()) return true;
  return false;
}

void same_device(const char* op, const Tensor& x, std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others)
    if (t->defined() && t->device() != x.device()) device_mismatch_fail(op, x.device(), t->device());
}

void check_dtype(const Tensor& x, const char* op) {
  EMBER_CHECK(is_floating(x.dtype()), op, "expected a floating input, got ", dtype_name(x.dtype()));
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_cuda(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                                           const Tensor& running_mean, const Tensor& running_var,
                                                           bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  same_device(op, x_in, {&weight, &bias, &running_mean, &running_var});
  check_dtype(x_in, op);
  check_batch_norm_args(x_in, weight, bias, running_mean, running_var, training, op);
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0;
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), w = prep(weight, cdt), b = prep(bias, cdt);
  Tensor rm = prep(running_mean, cdt), rv = prep(running_var, cdt);
  const bool update = training && running_mean.defined() && running_var.defined();
  Tensor y = Tensor::empty(x.sizes(), cdt, x.device());
  Tensor save_mean = Tensor::empty({C}, cdt, x.device()), save_invstd = Tensor::empty({C}, cdt, x.device());
  Tensor new_rm = update ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  Tensor new_rv = update ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  cuda::batch_norm_forward(x, N, C, S, w, b, rm, rv, training, momentum, eps, y, save_mean, save_invstd, new_rm, new_rv);
  if (update) {
    copy_(running_mean, reshape(new_rm, running_mean.sizes()));
    copy_(running_var, reshape(new_rv, running_var.sizes()));
    running_mean.bump_version();
    running_var.bump_version();
  }
  return {to_dtype(y, x_in.dtype()), save_mean, save_invstd};
}

NormGrads batch_norm_backward_cuda(const Tensor& grad, const Tensor& x_in, const Tensor& weight,
                                   const Tensor& save_mean, const Tensor& save_invstd, bool training,
                                   std::array<bool, 3> mask) {
  const char* op = "batch_norm_backward";
  same_device(op, x_in, {&grad, &weight, &save_mean, &save_invstd});
  check_dtype(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  EMBER_CHECK(x_in.dim() >= 2, op, "expected an input with at least 2 dims (N, C, ...), got ", shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0;
  check_param(save_mean, C, "save_mean", op);
  check_param(save_invstd, C, "save_invstd", op);
  check_param(weight, C, "weight", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), g = prep(grad, cdt), w = prep(weight, cdt);
  Tensor mean = prep(save_mean, cdt), invstd = prep(save_invstd, cdt);
  Tensor dx = mask[0] ? Tensor::empty(x.sizes(), cdt, x.device()) : Tensor();
  Tensor dw = mask[1] ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  Tensor db = mask[2] ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  cuda::batch_norm_backward(g, x, N, C, S, w, mean, invstd, training, dx, dw, db);
  const DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
  return {mask[0] ? to_dtype(dx, x_in.dtype()) : Tensor(), mask[1] ? to_dtype(dw, pdt) : Tensor(),
          mask[2] ? to_dtype(db, pdt) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_forward_cuda(const Tensor& x_in, int64_t norm_ndim, const Tensor& weight,
                                                           const Tensor& bias, double eps, bool rms) {
  const char* op = rms ? "rms_norm" : "layer_norm";
  same_device(op, x_in, {&weight, &bias});
  check_dtype(x_in, op);
  EMBER_CHECK(norm_ndim >= 0 && norm_ndim <= x_in.dim(), op, "normalized shape has ", norm_ndim,
              " dims but the input has shape ", shape_str(x_in.sizes()));
  int64_t D = 1;
  for (int64_t d = x_in.dim() - norm_ndim; d < x_in.dim(); ++d) D *= x_in.size(d);
  const int64_t M = D ? x_in.numel() / D : 0;
  check_param(weight, D, "weight", op);
  check_param(bias, D, "bias", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = contiguous(x_in), w = prep(weight, cdt), b = prep(bias, cdt);  // x keeps its dtype
  Tensor y = Tensor::empty(x.sizes(), x.dtype(), x.device());
  Tensor mean = rms ? Tensor() : Tensor::empty({M}, cdt, x.device()), rstd = Tensor::empty({M}, cdt, x.device());
  cuda::layer_norm_forward(x, M, D, w, b, eps, rms, y, mean, rstd);
  return {y, mean, rstd};
}

NormGrads layer_norm_backward_cuda(const Tensor& grad, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, int64_t norm_ndim, bool rms, std::array<bool, 3> mask) {
  const char* op = rms ? "rms_norm_backward" : "layer_norm_backward";
  same_device(op, x_in, {&grad, &mean, &rstd, &weight});
  check_dtype(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  EMBER_CHECK(norm_ndim >= 0 && norm_ndim <= x_in.dim(), op, "normalized shape has ", norm_ndim,
              " dims but the input has shape ", shape_str(x_in.sizes()));
  EMBER_CHECK(rms || mean.defined(), op, "the saved mean is required");
  int64_t D = 1;
  for (int64_t d = x_in.dim() - norm_ndim; d < x_in.dim(); ++d) D *= x_in.size(d);
  const int64_t M = D ? x_in.numel() / D : 0;
  check_param(rstd, M, "rstd", op);
  if (!rms) check_param(mean, M, "mean", op);
  check_param(weight, D, "weight", op);
  const DType cdt = compute_dtype(x_in.dtype());
  // same dtypes: the kernel reads them as they are; mixed: both in the compute dtype (as the CPU)
  const DType kdt = grad.dtype() == x_in.dtype() ? x_in.dtype() : cdt;
  Tensor x = contiguous(to_dtype(x_in, kdt)), g = contiguous(to_dtype(grad, kdt));
  Tensor mu = rms ? Tensor() : prep(mean, cdt), rs = prep(rstd, cdt), w = prep(weight, cdt);
  Tensor dx = mask[0] ? Tensor::empty(x.sizes(), kdt, x.device()) : Tensor();
  Tensor dw = mask[1] ? Tensor::empty({D}, cdt, x.device()) : Tensor();
  Tensor db = mask[2] ? Tensor::empty({D}, cdt, x.device()) : Tensor();
  cuda::layer_norm_backward(g, x, M, D, mu, rs, w, dx, dw, db);
  Shape pshape(x_in.sizes().end() - norm_ndim, x_in.sizes().end());
  const DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
  return {mask[0] ? to_dtype(dx, x_in.dtype()) : Tensor(), mask[1] ? to_dtype(reshape(dw, pshape), pdt) : Tensor(),
          mask[2] ? to_dtype(reshape(db, pshape), pdt) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> group_norm_forward_cuda(const Tensor& x_in, int64_t groups, const Tensor& weight,
                                                           const Tensor& bias, double eps) {
  const char* op = "group_norm";
  same_device(op, x_in, {&weight, &bias});
  check_dtype(x_in, op);
  EMBER_CHECK(x_in.dim() >= 2, op, "expected an input with at least 2 dims (N, C, ...), got ", shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0;
  EMBER_CHECK(groups > 0 && C % groups == 0, op, "Expected number of channels in input to be divisible by num_groups, "
              "but got input of shape ", shape_str(x_in.sizes()), " and num_groups=", groups);
  check_param(weight, C, "weight", op);
  check_param(bias, C, "bias", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), w = prep(weight, cdt), b = prep(bias, cdt);
  Tensor y = Tensor::empty(x.sizes(), cdt, x.device());
  Tensor mean = Tensor::empty({N, groups}, cdt, x.device()), rstd = Tensor::empty({N, groups}, cdt, x.device());
  cuda::group_norm_forward(x, N, C, S, groups, w, b, eps, y, mean, rstd);
  return {to_dtype(y, x_in.dtype()), mean, rstd};
}

NormGrads group_norm_backward_cuda(const Tensor& grad, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, int64_t groups, std::array<bool, 3> mask) {
  const char* op = "group_norm_backward";
  same_device(op, x_in, {&grad, &mean, &rstd, &weight});
  check_dtype(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  EMBER_CHECK(x_in.dim() >= 2, op, "expected an input with at least 2 dims (N, C, ...), got ", shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0, G = groups;
  EMBER_CHECK(G > 0 && C % G == 0, op, "Expected number of channels in input to be divisible by num_groups, "
              "but got input of shape ", shape_str(x_in.sizes()), " and num_groups=", G);
  check_param(mean, N * G, "mean", op);
  check_param(rstd, N * G, "rstd", op);
  check_param(weight, C, "weight", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), g = prep(grad, cdt), w = prep(weight, cdt), mu = prep(mean, cdt), rs = prep(rstd, cdt);
  Tensor dx = mask[0] ? Tensor::empty(x.sizes(), cdt, x.device()) : Tensor();
  Tensor dw = mask[1] ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  Tensor db = mask[2] ? Tensor::empty({C}, cdt, x.device()) : Tensor();
  cuda::group_norm_backward(g, x, N, C, S, G, mu, rs, w, dx, dw, db);
  const DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
  return {mask[0] ? to_dtype(dx, x_in.dtype()) : Tensor(), mask[1] ? to_dtype(dw, pdt) : Tensor(),
          mask[2] ? to_dtype(db, pdt) : Tensor()};
}
#endif

}  // namespace

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                                      const Tensor& running_mean, const Tensor& running_var,
                                                      bool training, double momentum, double eps) {
  const char* op = "batch_norm";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&x_in, &weight, &bias, &running_mean, &running_var}))
    return batch_norm_forward_cuda(x_in, weight, bias, running_mean, running_var, training, momentum, eps);
#endif
  check_input(x_in, op);
  check_batch_norm_args(x_in, weight, bias, running_mean, running_var, training, op);
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0;
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), w = prep(weight, cdt), b = prep(bias, cdt);
  const int64_t M = N * S;
  std::vector<double> mean(C), invstd(C);
  Tensor y_fused;  // training: statistics and normalize in one per-channel kernel
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (training) {
      std::vector<double> m2(C);
      if (M > 0) {
        y_fused = Tensor::empty(x.sizes(), cdt);
        kern<T>().channel_train_fwd(x.data<T>(), y_fused.data<T>(), N, C, S, ptr<T>(w), ptr<T>(b), eps, mean.data(),
                                    m2.data());
      }
      for (int64_t c = 0; c < C; ++c) invstd[c] = 1.0 / std::sqrt(m2[c] / M + eps);
      if (M == 0) std::fill(mean.begin(), mean.end(), std::nan(""));
      if (running_mean.defined()) {
        std::vector<double> rm = to_doubles(running_mean), rv = to_doubles(running_var);
        for (int64_t c = 0; c < C; ++c) {
          rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
          rv[c] = (1 - momentum) * rv[c] + momentum * (M > 1 ? m2[c] / (M - 1) : std::nan(""));
        }
        copy_(running_mean, reshape(from_doubles(rm, DType::Float64, {C}), running_mean.sizes()));
        copy_(running_var, reshape(from_doubles(rv, DType::Float64, {C}), running_var.sizes()));
        running_mean.bump_version();
        running_var.bump_version();
      }
    } else {
      mean = to_doubles(running_mean);
      std::vector<double> rv = to_doubles(running_var);
      for (int64_t c = 0; c < C; ++c) invstd[c] = 1.0 / std::sqrt(rv[c] + eps);
    }
  });
  if (y_fused.defined())
    return {to_dtype(y_fused, x_in.dtype()), from_doubles(mean, cdt, {C}), from_doubles(invstd, cdt, {C})};
  std::vector<double> scale(C), shift(C);
  {
    std::vector<double> wd = w.defined() ? to_doubles(w) : std::vector<double>(C, 1.0);
    std::vector<double> bd = b.defined() ? to_doubles(b) : std::vector<double>(C, 0.0);
    for (int64_t c = 0; c < C; ++c) { scale[c] = wd[c] * invstd[c]; shift[c] = bd[c] - mean[c] * scale[c]; }
  }
  Tensor y = Tensor::empty(x.sizes(), cdt);
  Tensor sc = from_doubles(scale, cdt, {C}), sh = from_doubles(shift, cdt, {C});
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (x.numel()) kern<T>().channel_affine(x.data<T>(), y.data<T>(), N, C, S, sc.data<T>(), sh.data<T>());
  });
  return {to_dtype(y, x_in.dtype()), from_doubles(mean, cdt, {C}), from_doubles(invstd, cdt, {C})};
}

NormGrads batch_norm_backward(const Tensor& grad, const Tensor& x_in, const Tensor& weight, const Tensor& save_mean,
                              const Tensor& save_invstd, bool training, std::array<bool, 3> mask) {
  const char* op = "batch_norm_backward";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&grad, &x_in, &weight, &save_mean, &save_invstd}))
    return batch_norm_backward_cuda(grad, x_in, weight, save_mean, save_invstd, training, mask);
#endif
  check_input(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0, M = N * S;
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), g = prep(grad, cdt), mean_t = prep(save_mean, cdt);
  std::vector<double> mean = to_doubles(save_mean), invstd = to_doubles(save_invstd);
  std::vector<double> wd = weight.defined() ? to_doubles(weight) : std::vector<double>(C, 1.0);
  std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);
  if (training && mask[0] && M > 0) {  // one per-channel kernel: sums, then dx while cached
    Tensor w = prep(weight, cdt), is = prep(save_invstd, cdt);
    Tensor dx = Tensor::empty(x.sizes(), cdt), dw, db;
    dispatch_cd(cdt, [&](auto tag) {
      using T = decltype(tag);
      kern<T>().channel_train_bwd(g.data<T>(), x.data<T>(), dx.data<T>(), N, C, S, ptr<T>(w), mean_t.data<T>(),
                                  is.data<T>(), sdy.data(), sdyx.data());
    });
    DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
    if (mask[1]) {
      std::vector<double> v(C);
      for (int64_t c = 0; c < C; ++c) v[c] = sdyx[c] * invstd[c];
      dw = to_dtype(from_doubles(v, DType::Float64, {C}), pdt);
    }
    if (mask[2]) db = to_dtype(from_doubles(sdy, DType::Float64, {C}), pdt);
    return {to_dtype(dx, x_in.dtype()), dw, db};
  }
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (M > 0 && (training || mask[1] || mask[2]))
      kern<T>().channel_grad_sums(g.data<T>(), x.data<T>(), N, C, S, mean_t.data<T>(), sdy.data(), sdyx.data());
  });
  Tensor dx, dw, db;
  if (mask[0]) {
    std::vector<double> k1(C), k2(C, 0.0), k3(C, 0.0);
    for (int64_t c = 0; c < C; ++c) {
      k1[c] = wd[c] * invstd[c];
      if (training) {
        k2[c] = -wd[c] * invstd[c] * invstd[c] * invstd[c] * sdyx[c] / M;
        k3[c] = -k1[c] * sdy[c] / M - k2[c] * mean[c];
      }
    }
    Tensor t1 = from_doubles(k1, cdt, {C}), t2 = from_doubles(k2, cdt, {C}), t3 = from_doubles(k3, cdt, {C});
    dx = Tensor::empty(x.sizes(), cdt);
    dispatch_cd(cdt, [&](auto tag) {
      using T = decltype(tag);
      if (x.numel())
        kern<T>().channel_dx(g.data<T>(), x.data<T>(), dx.data<T>(), N, C, S, t1.data<T>(), t2.data<T>(), t3.data<T>());
    });
    dx = to_dtype(dx, x_in.dtype());
  }
  if (mask[1]) {
    std::vector<double> v(C);
    for (int64_t c = 0; c < C; ++c) v[c] = sdyx[c] * invstd[c];
    dw = to_dtype(from_doubles(v, DType::Float64, {C}), weight.defined() ? weight.dtype() : x_in.dtype());
  }
  if (mask[2]) db = to_dtype(from_doubles(sdy, DType::Float64, {C}), weight.defined() ? weight.dtype() : x_in.dtype());
  return {dx, dw, db};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x_in, int64_t norm_ndim, const Tensor& weight,
                                                      const Tensor& bias, double eps, bool rms) {
  const char* op = rms ? "rms_norm" : "layer_norm";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&x_in, &weight, &bias})) return layer_norm_forward_cuda(x_in, norm_ndim, weight, bias, eps, rms);
#endif
  check_input(x_in, op);
  EMBER_CHECK(norm_ndim >= 0 && norm_ndim <= x_in.dim(), op, "normalized shape has ", norm_ndim,
              " dims but the input has shape ", shape_str(x_in.sizes()));
  int64_t D = 1;
  for (int64_t d = x_in.dim() - norm_ndim; d < x_in.dim(); ++d) D *= x_in.size(d);
  const int64_t M = D ? x_in.numel() / D : 0;
  check_param(weight, D, "weight", op);
  check_param(bias, D, "bias", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), w = prep(weight, cdt), b = prep(bias, cdt);
  Tensor y = Tensor::empty(x.sizes(), cdt), mean = rms ? Tensor() : Tensor::empty({M}, cdt), rstd = Tensor::empty({M}, cdt);
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (M && D) kern<T>().rows_fwd(x.data<T>(), y.data<T>(), M, D, ptr<T>(w), ptr<T>(b), eps, ptr<T>(mean), rstd.data<T>());
  });
  return {to_dtype(y, x_in.dtype()), mean, rstd};
}

NormGrads layer_norm_backward(const Tensor& grad, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, int64_t norm_ndim, bool rms, std::array<bool, 3> mask) {
  const char* op = rms ? "rms_norm_backward" : "layer_norm_backward";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&grad, &x_in, &mean, &rstd, &weight}))
    return layer_norm_backward_cuda(grad, x_in, mean, rstd, weight, norm_ndim, rms, mask);
#endif
  check_input(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  int64_t D = 1;
  for (int64_t d = x_in.dim() - norm_ndim; d < x_in.dim(); ++d) D *= x_in.size(d);
  const int64_t M = D ? x_in.numel() / D : 0;
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), g = prep(grad, cdt), w = prep(weight, cdt), mu = prep(mean, cdt), rs = prep(rstd, cdt);
  Tensor dx = mask[0] ? Tensor::empty(x.sizes(), cdt) : Tensor();
  std::vector<double> dw(mask[1] ? D : 0, 0.0), db(mask[2] ? D : 0, 0.0);
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (M && D)
      kern<T>().rows_bwd(g.data<T>(), x.data<T>(), M, D, ptr<T>(mu), rs.data<T>(), ptr<T>(w), ptr<T>(dx),
                         mask[1] ? dw.data() : nullptr, mask[2] ? db.data() : nullptr);
  });
  Shape pshape(x_in.sizes().end() - norm_ndim, x_in.sizes().end());
  DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
  return {mask[0] ? to_dtype(dx, x_in.dtype()) : Tensor(),
          mask[1] ? to_dtype(from_doubles(dw, DType::Float64, pshape), pdt) : Tensor(),
          mask[2] ? to_dtype(from_doubles(db, DType::Float64, pshape), pdt) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> group_norm_forward(const Tensor& x_in, int64_t groups, const Tensor& weight,
                                                      const Tensor& bias, double eps) {
  const char* op = "group_norm";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&x_in, &weight, &bias})) return group_norm_forward_cuda(x_in, groups, weight, bias, eps);
#endif
  check_input(x_in, op);
  EMBER_CHECK(x_in.dim() >= 2, op, "expected an input with at least 2 dims (N, C, ...), got ", shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0;
  EMBER_CHECK(groups > 0 && C % groups == 0, op, "Expected number of channels in input to be divisible by num_groups, "
              "but got input of shape ", shape_str(x_in.sizes()), " and num_groups=", groups);
  check_param(weight, C, "weight", op);
  check_param(bias, C, "bias", op);
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), w = prep(weight, cdt), b = prep(bias, cdt);
  Tensor y = Tensor::empty(x.sizes(), cdt), mean = Tensor::empty({N, groups}, cdt), rstd = Tensor::empty({N, groups}, cdt);
  dispatch_cd(cdt, [&](auto tag) {
    using T = decltype(tag);
    if (x.numel())
      kern<T>().group_fwd(x.data<T>(), y.data<T>(), N, C, S, groups, ptr<T>(w), ptr<T>(b), eps, mean.data<T>(),
                          rstd.data<T>());
  });
  return {to_dtype(y, x_in.dtype()), mean, rstd};
}

NormGrads group_norm_backward(const Tensor& grad, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, int64_t groups, std::array<bool, 3> mask) {
  const char* op = "group_norm_backward";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&grad, &x_in, &mean, &rstd, &weight}))
    return group_norm_backward_cuda(grad, x_in, mean, rstd, weight, groups, mask);
#endif
  check_input(x_in, op);
  EMBER_CHECK(grad.sizes() == x_in.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match input ",
              shape_str(x_in.sizes()));
  const int64_t N = x_in.size(0), C = x_in.size(1), S = C && N ? x_in.numel() / (N * C) : 0, G = groups;
  const int64_t Cg = C / G;
  const DType cdt = compute_dtype(x_in.dtype());
  Tensor x = prep(x_in, cdt), g = prep(grad, cdt), w = prep(weight, cdt), rs = prep(rstd, cdt);
  std::vector<double> ds(N * C, 0.0), db(N * C, 0.0);
  std::vector<double> mu = to_doubles(mean), r = to_doubles(rstd);
  std::vector<double> wd = weight.defined() ? to_doubles(weight) : std::vector<double>(C, 1.0);
  Tensor dx, dw, dbias;
  if (mask[0] && x.numel()) {  // sums and dx per (n, g) block while it is cached
    Tensor mc = prep(mean, cdt);
    dx = Tensor::empty(x.sizes(), cdt);
    dispatch_cd(cdt, [&](auto tag) {
      using T = decltype(tag);
      kern<T>().group_bwd_fused(g.data<T>(), x.data<T>(), dx.data<T>(), N, C, S, G, ptr<T>(w), mc.data<T>(),
                                rs.data<T>(), ds.data(), db.data());
    });
    dx = to_dtype(dx, x_in.dtype());
  } else {
    dispatch_cd(cdt, [&](auto tag) {
      using T = decltype(tag);
      if (x.numel()) kern<T>().group_grad_sums(g.data<T>(), x.data<T>(), N, C, S, ds.data(), db.data());
    });
  }
  if (mask[0] && !dx.defined()) {
    std::vector<double> bc(N * G), cc(N * G);
    const double D = (double)Cg * S;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t q = 0; q < G; ++q) {
        double s1 = 0, s2 = 0;
        for (int64_t k = 0; k < Cg; ++k) {
          int64_t c = q * Cg + k;
          s1 += wd[c] * ds[n * C + c];
          s2 += wd[c] * db[n * C + c];
        }
        int64_t i = n * G + q;
        double rr = r[i];
        bc[i] = (s2 * mu[i] - s1) * rr * rr * rr / D;
        cc[i] = -bc[i] * mu[i] - s2 * rr / D;
      }
    dx = Tensor::empty(x.sizes(), cdt);
    dispatch_cd(cdt, [&](auto tag) {
      using T = decltype(tag);
      if (x.numel())
        kern<T>().group_dx(g.data<T>(), x.data<T>(), dx.data<T>(), N, C, S, G, ptr<T>(w), rs.data<T>(), bc.data(),
                           cc.data());
    });
    dx = to_dtype(dx, x_in.dtype());
  }
  DType pdt = weight.defined() ? weight.dtype() : x_in.dtype();
  if (mask[1] || mask[2]) {
    std::vector<double> vw(C, 0.0), vb(C, 0.0);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        int64_t i = n * G + c / Cg;
        vw[c] += (ds[n * C + c] - mu[i] * db[n * C + c]) * r[i];
        vb[c] += db[n * C + c];
      }
    if (mask[1]) dw = to_dtype(from_doubles(vw, DType::Float64, {C}), pdt);
    if (mask[2]) dbias = to_dtype(from_doubles(vb, DType::Float64, {C}), pdt);
  }
  return {dx, dw, dbias};
}

}  // namespace ember
