// softmax.cpp — validation and dispatch of softmax/log_softmax (forward, backward).
// Non-contiguous inputs are made contiguous once; 16-bit floats compute in float32.
#include "ember/ops/softmax/softmax.h"
#include "ember/core/view.h"
#include "ember/ops/softmax/softmax_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/softmax/softmax_cuda.h"
#endif

namespace ember {

const SoftmaxKernel* softmax_kernels() {
  if (use_reference_kernels()) return &ref::softmax_kernel;
  return pick_isa(cpu_isa(), base::softmax_kernel, avx2::softmax_kernel, avx512::softmax_kernel);
}

namespace {

struct Geometry { int64_t outer = 1, C = 1, inner = 1; };

Geometry geometry(const Tensor& x, int64_t dim) {
  Geometry g;
  if (x.dim() == 0) return g;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < dim) g.outer *= x.size(d);
    else if (d == dim) g.C = x.size(d);
    else g.inner *= x.size(d);
  }
  return g;
}

DType compute_dtype(DType t) { return t == DType::Float64 ? DType::Float64 : DType::Float32; }

void check_device(const Tensor& t, const char* op) {
  EMBER_CHECK(t.device().is_cpu(), op, "only CPU tensors are supported, got a tensor on ", t.device().str());
}

#ifdef EMBER_WITH_CUDA
// The CUDA path: kernels read and write the tensor's own dtype (16-bit floats compute in float32
// inside the kernel and round once, as the CPU's float32 round trip does).
Tensor softmax_forward_cuda(const Tensor& x_in, int64_t dim, bool log, std::optional<DType> dtype, const char* op) {
  Tensor x = dtype ? to_dtype(x_in, *dtype) : x_in;
  EMBER_CHECK(is_floating(x.dtype()), op, "\"", op, "\" not implemented for '", dtype_name(x.dtype()), "'");
  dim = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
  Tensor xc = contiguous(x);
  Tensor y = Tensor::empty(x.sizes(), x.dtype(), x.device());
  Geometry g = geometry(x, dim);
  if (x.numel() > 0) cuda::softmax_forward(xc, y, g.outer, g.C, g.inner, log);
  return y;
}

Tensor softmax_backward_cuda(const Tensor& grad, const Tensor& y, int64_t dim, bool log, const char* op) {
  if (grad.device() != y.device()) device_mismatch_fail(op, y.device(), grad.device());
  dim = wrap_dim(dim, std::max<int64_t>(y.dim(), 1), op);
  // Mixed dtypes compute in the common compute dtype, as the CPU path does.
  const DType kdt = grad.dtype() == y.dtype() ? y.dtype() : compute_dtype(y.dtype());
  Tensor gc = contiguous(to_dtype(grad, kdt)), yc = contiguous(to_dtype(y, kdt));
  Tensor dx = Tensor::empty(y.sizes(), kdt, y.device());
  Geometry g = geometry(y, dim);
  if (y.numel() > 0) cuda::softmax_backward(gc, yc, dx, g.outer, g.C, g.inner, log);
  return kdt == y.dtype() ? dx : to_dtype(dx, y.dtype());
}
#endif

}  // namespace

Tensor softmax_forward(const Tensor& x_in, int64_t dim, bool log, std::optional<DType> dtype) {
  const char* op = log ? "log_softmax" : "softmax";
#ifdef EMBER_WITH_CUDA
  if (x_in.device().is_cuda()) return softmax_forward_cuda(x_in, dim, log, dtype, op);
#endif
  check_device(x_in, op);
  Tensor x = dtype ? to_dtype(x_in, *dtype) : x_in;
  EMBER_CHECK(is_floating(x.dtype()), op, "\"", op, "\" not implemented for '", dtype_name(x.dtype()), "'");
  dim = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
  DType out_dt = x.dtype(), cdt = compute_dtype(out_dt);
  Tensor xc = contiguous(to_dtype(x, cdt));
  Tensor y = Tensor::empty(x.sizes(), cdt, x.device());
  Geometry g = geometry(x, dim);
  if (x.numel() > 0) {
    const SoftmaxKernel* k = softmax_kernels();
    if (cdt == DType::Float32) k->fwd_f32(xc.data<float>(), y.data<float>(), g.outer, g.C, g.inner, log);
    else k->fwd_f64(xc.data<double>(), y.data<double>(), g.outer, g.C, g.inner, log);
  }
  return out_dt == cdt ? y : to_dtype(y, out_dt);
}

Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  EMBER_CHECK(grad.sizes() == y.sizes(), op, "grad shape ", shape_str(grad.sizes()), " does not match output shape ",
              shape_str(y.sizes()));
  EMBER_CHECK(is_floating(y.dtype()) && is_floating(grad.dtype()), op, "expected floating tensors, got ",
              dtype_name(grad.dtype()), " and ", dtype_name(y.dtype()));
#ifdef EMBER_WITH_CUDA
  if (grad.device().is_cuda() || y.device().is_cuda()) return softmax_backward_cuda(grad, y, dim, log, op);
#endif
  check_device(grad, op);
  check_device(y, op);
  dim = wrap_dim(dim, std::max<int64_t>(y.dim(), 1), op);
  DType out_dt = y.dtype(), cdt = compute_dtype(out_dt);
  Tensor gc = contiguous(to_dtype(grad, cdt)), yc = contiguous(to_dtype(y, cdt));
  Tensor dx = Tensor::empty(y.sizes(), cdt, y.device());
  Geometry g = geometry(y, dim);
  if (y.numel() > 0) {
    const SoftmaxKernel* k = softmax_kernels();
    if (cdt == DType::Float32)
      k->bwd_f32(gc.data<float>(), yc.data<float>(), dx.data<float>(), g.outer, g.C, g.inner, log);
    else
      k->bwd_f64(gc.data<double>(), yc.data<double>(), dx.data<double>(), g.outer, g.C, g.inner, log);
  }
  return out_dt == cdt ? dx : to_dtype(dx, out_dt);
}

}  // namespace ember
