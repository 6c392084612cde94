// huber.cpp — validation, broadcasting and dispatch of huber_loss / smooth_l1_loss. Same-shape
// contiguous operands of the compute dtype go straight to the kernel; anything else is broadcast
// and converted once into contiguous buffers first.
#include "ember/ops/loss/huber.h"
#include <cmath>
#include "ember/core/promote.h"
#include "ember/core/view.h"
#include "ember/ops/loss/huber_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#include "ember/ops/loss/loss_cuda.h"
#endif

namespace ember {

const HuberKernels* huber_kernels() {
  if (use_reference_kernels()) return &ref::huber_kernel;
  return pick_isa(cpu_isa(), base::huber_kernel, avx2::huber_kernel, avx512::huber_kernel);
}

namespace {

struct Prep {
  Tensor x, t;  // contiguous, compute dtype, broadcast shape, on `dev`
  Shape shape;
  DType out_dt, cdt;
  Device dev;
};

Prep prepare(const Tensor& input, const Tensor& target, double p, bool smooth_l1, const char* op) {
#ifdef EMBER_WITH_CUDA
  if (input.device().is_cuda() || target.device().is_cuda()) {
    // a 0-d CPU operand may join a CUDA one (as in PyTorch's elementwise ops): it is copied over
    const bool host_scalar = (input.device().is_cpu() && input.dim() == 0) || (target.device().is_cpu() && target.dim() == 0);
    if (input.device() != target.device() && !host_scalar) device_mismatch_fail(op, input.device(), target.device());
  } else
#endif
  EMBER_CHECK(input.device().is_cpu() && target.device().is_cpu(), op, "only CPU tensors are supported, got ",
              input.device().str(), " and ", target.device().str());
  Prep r;
  DType common = result_type(input, target);
  // PyTorch: smooth_l1 returns the promoted dtype, huber the input's (computed in the promoted one)
  r.out_dt = smooth_l1 ? common : input.dtype();
  EMBER_CHECK(is_floating(common) && is_floating(r.out_dt), op, "\"", op, "\" not implemented for '",
              dtype_name(r.out_dt), "' (expected floating input and target)");
  if (smooth_l1) {
    EMBER_CHECK(p >= 0, op, "smooth_l1_loss does not support negative values for beta.");
    EMBER_CHECK(p > 0, op, "beta = 0 is l1_loss (the caller routes it there)");
  } else EMBER_CHECK(p > 0, op, "huber_loss does not support non-positive values for delta.");
  r.cdt = common == DType::Float64 ? DType::Float64 : DType::Float32;
  r.shape = input.sizes() == target.sizes() ? input.sizes() : broadcast_shapes(input.sizes(), target.sizes(), op);
  const Device dev = input.device().is_cuda() ? input.device() : target.device();
  r.dev = dev;
  auto fit = [&](const Tensor& a) {
    Tensor c = to_dtype(a, r.cdt);
    if (c.device() != dev) {  // the 0-d host operand of a CUDA loss
      Tensor d = Tensor::empty(c.sizes(), c.dtype(), dev);
      copy_(d, c);
      c = d;
    }
    if (c.sizes() != r.shape) c = broadcast_to(c, r.shape);
    return contiguous(c);
  };
  r.x = fit(input);
  r.t = fit(target);
  return r;
}

Tensor forward(const Tensor& input, const Tensor& target, int reduction, double p, bool smooth_l1, const char* op) {
  EMBER_CHECK(reduction >= 0 && reduction <= 2, op, "invalid reduction code ", reduction);
  Prep r = prepare(input, target, p, smooth_l1, op);
  int64_t n = shape_numel(r.shape);
#ifdef EMBER_WITH_CUDA
  if (r.dev.is_cuda()) {
    if (reduction == 0) {
      Tensor loss = Tensor::empty(r.shape, r.cdt, r.dev);
      cuda::huber_forward(r.x, r.t, p, smooth_l1, loss, Tensor(), 1.0);
      return to_dtype(loss, r.out_dt);
    }
    Tensor out = Tensor::empty({}, DType::Float64, r.dev);
    cuda::huber_forward(r.x, r.t, p, smooth_l1, Tensor(), out, reduction == 1 ? (double)n : 1.0);
    return to_dtype(out, r.out_dt);
  }
#endif
  if (reduction == 0) {
    Tensor loss = Tensor::empty(r.shape, r.cdt, input.device());
    if (r.cdt == DType::Float64)
      huber_kernels()->f64.fwd(r.x.data<double>(), r.t.data<double>(), n, p, smooth_l1, loss.data<double>());
    else
      huber_kernels()->f32.fwd(r.x.data<float>(), r.t.data<float>(), n, (float)p, smooth_l1, loss.data<float>());
    return to_dtype(loss, r.out_dt);
  }
  double s = 0;
  if (n > 0) {
    if (r.cdt == DType::Float64)
      s = huber_kernels()->f64.fwd(r.x.data<double>(), r.t.data<double>(), n, p, smooth_l1, nullptr);
    else
      s = huber_kernels()->f32.fwd(r.x.data<float>(), r.t.data<float>(), n, (float)p, smooth_l1, nullptr);
  }
  if (reduction == 1) s = n ? s / (double)n : std::nan("");
  Tensor out = Tensor::empty({}, DType::Float64, input.device());
  *out.data<double>() = s;
  return to_dtype(out, r.out_dt);
}

std::pair<Tensor, Tensor> backward(const Tensor& grad, const Tensor& input, const Tensor& target, int reduction,
                                   double p, bool smooth_l1, bool input_grad, bool target_grad, const char* op) {
  EMBER_CHECK(reduction >= 0 && reduction <= 2, op, "invalid reduction code ", reduction);
  Prep r = prepare(input, target, p, smooth_l1, op);
  int64_t n = shape_numel(r.shape);
  Tensor g;
  int64_t gs = 0;
#ifdef EMBER_WITH_CUDA
  if (r.dev.is_cuda()) {
    if (reduction == 0) {
      EMBER_CHECK(grad.sizes() == r.shape, op, "grad of shape ", shape_str(grad.sizes()),
                  " does not match the loss shape ", shape_str(r.shape));
      if (grad.device() != r.dev) device_mismatch_fail(op, r.dev, grad.device());
      g = contiguous(to_dtype(grad, r.cdt));
      gs = 1;
    } else {
      EMBER_CHECK(grad.numel() == 1, op, "expected a one-element grad for a reduced loss, got ",
                  shape_str(grad.sizes()));
      const double div = reduction == 1 ? (n ? (double)n : std::nan("")) : 1.0;
      g = Tensor::empty({1}, r.cdt, r.dev);
      if (grad.device().is_cpu()) {
        cuda::fill_(g, Scalar(*contiguous(to_dtype(grad, DType::Float64, true)).data<double>() / div));
      } else {
        if (grad.device() != r.dev) device_mismatch_fail(op, r.dev, grad.device());
        cuda::scale_scalar(contiguous(to_dtype(grad, DType::Float64)), div, g, op);
      }
    }
    Tensor dx = input_grad ? Tensor::empty(r.shape, r.cdt, r.dev) : Tensor();
    Tensor dt = target_grad ? Tensor::empty(r.shape, r.cdt, r.dev) : Tensor();
    if (n > 0 && (input_grad || target_grad)) cuda::huber_backward(r.x, r.t, p, smooth_l1, g, gs, dx, dt);
    return {input_grad ? to_dtype(dx, input.dtype()) : Tensor(), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
  }
#endif
  if (reduction == 0) {
    EMBER_CHECK(grad.sizes() == r.shape, op, "grad of shape ", shape_str(grad.sizes()), " does not match the loss shape ",
                shape_str(r.shape));
    g = contiguous(to_dtype(grad, r.cdt));
    gs = 1;
  } else {
    EMBER_CHECK(grad.numel() == 1, op, "expected a one-element grad for a reduced loss, got ", shape_str(grad.sizes()));
    double v = *contiguous(to_dtype(grad, DType::Float64, true)).data<double>();
    if (reduction == 1) v = n ? v / (double)n : std::nan("");
    g = Tensor::empty({1}, DType::Float64, grad.device());
    *g.data<double>() = v;
    g = to_dtype(g, r.cdt);
  }
  Tensor dx = input_grad ? Tensor::empty(r.shape, r.cdt, input.device()) : Tensor();
  Tensor dt = target_grad ? Tensor::empty(r.shape, r.cdt, input.device()) : Tensor();
  if (n > 0 && (input_grad || target_grad)) {
    if (r.cdt == DType::Float64)
      huber_kernels()->f64.bwd(r.x.data<double>(), r.t.data<double>(), n, p, smooth_l1, g.data<double>(), gs,
                               input_grad ? dx.data<double>() : nullptr, target_grad ? dt.data<double>() : nullptr);
    else
      huber_kernels()->f32.bwd(r.x.data<float>(), r.t.data<float>(), n, (float)p, smooth_l1, g.data<float>(), gs,
                               input_grad ? dx.data<float>() : nullptr, target_grad ? dt.data<float>() : nullptr);
  }
  return {input_grad ? to_dtype(dx, input.dtype()) : Tensor(), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
}

}  // namespace

Tensor huber_loss_forward(const Tensor& input, const Tensor& target, int reduction, double delta) {
  return forward(input, target, reduction, delta, false, "huber_loss");
}
std::pair<Tensor, Tensor> huber_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                              int reduction, double delta, bool input_grad, bool target_grad) {
  return backward(grad, input, target, reduction, delta, false, input_grad, target_grad, "huber_loss_backward");
}
Tensor smooth_l1_loss_forward(const Tensor& input, const Tensor& target, int reduction, double beta) {
  return forward(input, target, reduction, beta, true, "smooth_l1_loss");
}
std::pair<Tensor, Tensor> smooth_l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                  int reduction, double beta, bool input_grad, bool target_grad) {
  return backward(grad, input, target, reduction, beta, true, input_grad, target_grad, "smooth_l1_loss_backward");
}

}  // namespace ember
