// loss.cpp — validation and dispatch of the fused losses; nll_loss and the binary cross-entropies
// are simple elementwise/gather loops written here. Inputs with spatial dims (N, C, d...) are
// moved to (N*d, C) rows for the cross-entropy kernel (a layout change only for k > 0).
#include "ember/ops/loss/loss.h"
#include <cmath>
#include <string>
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/loss/loss_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#include "ember/ops/loss/loss_cuda.h"
#endif

namespace ember {

const LossKernel* loss_kernels() {
  if (use_reference_kernels()) return &ref::loss_kernel;
  return pick_isa(cpu_isa(), base::loss_kernel, avx2::loss_kernel, avx512::loss_kernel);
}

namespace {

DType compute_dtype(DType t) { return t == DType::Float64 ? DType::Float64 : DType::Float32; }

// Run f(scalar) with float64 or float32 (the compute dtypes).
template <class F>
void dispatch_cd(DType dt, const F& f) {
  if (dt == DType::Float64) f(double{});
  else f(float{});
}

void check_dtype(const Tensor& x, const char* op) {
  EMBER_CHECK(is_floating(x.dtype()), op, "expected a floating input, got ", dtype_name(x.dtype()));
}

void check_input(const Tensor& x, const char* op) {
  EMBER_CHECK(x.device().is_cpu(), op, "only CPU tensors are supported, got a tensor on ", x.device().str());
  check_dtype(x, op);
}

// Class-index target shape checks shared by cross_entropy and nll_loss; returns the per-sample shape.
Shape check_class_target_shape(const Tensor& x, const Tensor& target, const Tensor& weight, const char* op) {
  EMBER_CHECK(x.dim() >= 1, op, "input must have at least 1 dim, got ", shape_str(x.sizes()));
  EMBER_CHECK(target.dtype() == DType::Int64, op, "expected scalar type Long but found ", dtype_name(target.dtype()),
              " (class-index targets must be int64)");
  Shape per_sample;
  if (x.dim() == 1) {
    EMBER_CHECK(target.dim() == 0, op, "input of shape ", shape_str(x.sizes()), " expects a 0-d target, got ",
                shape_str(target.sizes()));
  } else {
    EMBER_CHECK_VALUE(target.dim() >= 1 && target.size(0) == x.size(0), op, "Expected input batch_size (", x.size(0),
                      ") to match target batch_size (", target.dim() ? target.size(0) : 0, ").");
    per_sample = {x.size(0)};
    for (int64_t d = 2; d < x.dim(); ++d) per_sample.push_back(x.size(d));
    EMBER_CHECK(target.sizes() == per_sample, op, "expected target of shape ", shape_str(per_sample),
                " for input of shape ", shape_str(x.sizes()), ", got ", shape_str(target.sizes()));
  }
  int64_t C = x.dim() == 1 ? x.size(0) : x.size(1);
  if (weight.defined())
    EMBER_CHECK(weight.dim() == 1 && weight.size(0) == C, op, "weight tensor should be defined either for all ", C,
                " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  return per_sample;
}

// The shape checks, then every target in [0, C) or ignore_index (reads the targets on the host).
Shape check_class_target(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                         const char* op) {
  Shape per_sample = check_class_target_shape(x, target, weight, op);
  int64_t C = x.dim() == 1 ? x.size(0) : x.size(1);
  Tensor t = contiguous(target);
  const int64_t* tp = t.data<int64_t>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (tp[i] != ignore_index) EMBER_CHECK_INDEX(tp[i] >= 0 && tp[i] < C, op, "Target ", tp[i], " is out of bounds.");
  return per_sample;
}

// (N, C, d...) -> (N * prod(d), C) contiguous rows; (C) -> (1, C).
Tensor to_rows(const Tensor& x) {
  if (x.dim() == 1) return reshape(contiguous(x), {1, x.size(0)});
  if (x.dim() == 2) return contiguous(x);
  Tensor m = movedim(x, {1}, {x.dim() - 1});
  return reshape(contiguous(m), {-1, x.size(1)});
}
// Inverse of to_rows for a (M, C) result.
Tensor from_rows(const Tensor& rows, const Shape& shape) {
  if ((int64_t)shape.size() <= 2) return reshape(rows, shape);
  Shape moved = {shape[0]};
  for (size_t d = 2; d < shape.size(); ++d) moved.push_back(shape[d]);
  moved.push_back(shape[1]);
  return contiguous(movedim(reshape(rows, moved), {(int64_t)shape.size() - 1}, {1}));
}

template <class T>
double sum_of(const T* p, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += (double)p[i];
  return s;
}

// Apply the reduction to a per-sample loss buffer (compute dtype) of `shape`; result in `out_dt`.
Tensor reduce_loss(const Tensor& per, const Shape& shape, Reduction r, double denom, DType out_dt) {
  if (r == Reduction::None) return to_dtype(reshape(per, shape), out_dt);
  double s = 0;
  dispatch_cd(per.dtype(), [&](auto tag_) { using scalar_t = decltype(tag_); s = sum_of(per.data<scalar_t>(), per.numel()); });
  if (r == Reduction::Mean) s = s / denom;
  Tensor out = Tensor::empty({}, per.dtype(), per.device());
  dispatch_cd(per.dtype(), [&](auto tag_) { using scalar_t = decltype(tag_); *out.data<scalar_t>() = (scalar_t)s; });
  return to_dtype(out, out_dt);
}

// The upstream gradient as a contiguous compute-dtype buffer, pre-scaled for mean; stride 0 or 1.
std::pair<Tensor, int64_t> grad_scale(const Tensor& grad, Reduction r, double denom, DType cdt, int64_t n,
                                      const char* op) {
  if (r == Reduction::None) {
    EMBER_CHECK(grad.numel() == n, op, "grad of shape ", shape_str(grad.sizes()), " does not match ", n, " samples");
    return {contiguous(to_dtype(grad, cdt)), 1};
  }
  EMBER_CHECK(grad.numel() == 1, op, "expected a one-element grad for a reduced loss, got ", shape_str(grad.sizes()));
  Tensor g = contiguous(to_dtype(grad, DType::Float64, true));
  double v = *g.data<double>();
  if (r == Reduction::Mean) v = v / denom;
  Tensor out = Tensor::empty({1}, cdt, grad.device());
  dispatch_cd(cdt, [&](auto tag_) { using scalar_t = decltype(tag_); *out.data<scalar_t>() = (scalar_t)v; });
  return {out, 0};
}

template <class T>
CeArgs<T> ce_args(int64_t M, int64_t C, const Tensor& tgt, const Tensor& ptgt, const Tensor& w, int64_t ignore,
                  double ls) {
  return CeArgs<T>{M, C, tgt.defined() ? tgt.data<int64_t>() : nullptr, ptgt.defined() ? ptgt.data<T>() : nullptr,
                   w.defined() ? w.data<T>() : nullptr, ignore, (T)ls};
}

struct CePrep {
  Tensor rows, tgt, ptgt, w;  // compute dtype / int64, contiguous
  Shape per_sample;
  bool prob = false;
};

// cuda: no host reads of the targets (the forward checks them on the device) and the logits and
// probability targets keep their dtype (the kernels compute in float32 for 16-bit inputs).
CePrep ce_prepare(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                  double label_smoothing, const char* op, bool cuda = false) {
  if (cuda) check_dtype(input, op);
  else check_input(input, op);
  EMBER_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op,
              "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  CePrep p;
  DType cdt = compute_dtype(input.dtype());
  p.prob = is_floating(target.dtype());
  if (p.prob) {
    EMBER_CHECK(target.sizes() == input.sizes(), op, "expected probability target of the input's shape ",
                shape_str(input.sizes()), ", got ", shape_str(target.sizes()));
    EMBER_CHECK(target.dtype() == input.dtype(), op, "expected a probability target of dtype ",
                dtype_name(input.dtype()), ", got ", dtype_name(target.dtype()));
    int64_t C = input.dim() == 1 ? input.size(0) : input.size(1);
    if (weight.defined())
      EMBER_CHECK(weight.dim() == 1 && weight.size(0) == C, op, "weight tensor should be defined either for all ", C,
                  " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
    if (input.dim() >= 2) { p.per_sample = {input.size(0)}; for (int64_t d = 2; d < input.dim(); ++d) p.per_sample.push_back(input.size(d)); }
    p.ptgt = to_rows(cuda ? target : to_dtype(target, cdt));
  } else {
    p.per_sample = cuda ? check_class_target_shape(input, target, weight, op)
                        : check_class_target(input, target, weight, ignore_index, op);
    p.tgt = reshape(contiguous(target), {-1});
  }
  p.rows = to_rows(cuda ? input : to_dtype(input, cdt));
  if (weight.defined()) p.w = contiguous(to_dtype(weight, cdt));
  return p;
}

#ifdef EMBER_WITH_CUDA
// ---- the CUDA paths: same validation and layout, kernels in loss_cuda.cu, no host reads of tensor
// data except the one synchronizing read of the class-target statistics in the forwards.

bool any_cuda(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->defined() && t->device().is_cuda()) return true;
  return false;
}

// Every defined operand on x's device (PyTorch's message otherwise).
void same_device(const char* op, const Tensor& x, std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others)
    if (t->defined() && t->device() != x.device()) device_mismatch_fail(op, x.device(), t->device());
}

// Range check of the class targets and the mean's denominator: computed on the device and read
// back with one synchronization (`stats` from cuda::class_target_stats_launch).
double cuda_target_total(const Tensor& stats, const char* op) {
  cuda::TargetStats st = cuda::class_target_stats_read(stats, op);
  EMBER_CHECK_INDEX(st.bad_index < 0, op, "Target ", st.bad_value, " is out of bounds.");
  return st.total_weight;
}

Tensor cuda_reduce_loss(const Tensor& per, const Shape& shape, Reduction r, double denom, DType out_dt, const char* op) {
  if (r == Reduction::None) return to_dtype(reshape(per, shape), out_dt);
  Tensor out = Tensor::empty({}, per.dtype(), per.device());
  cuda::loss_sum(per, r == Reduction::Mean ? denom : 1.0, out, op);
  return to_dtype(out, out_dt);
}

// The upstream gradient on x's device in the compute dtype: per sample (stride 1) for none, else
// one value already divided by the mean's denominator (stride 0).
std::pair<Tensor, int64_t> cuda_grad_scale(const Tensor& grad, Reduction r, double denom, DType cdt, int64_t n,
                                           const Tensor& x, const char* op) {
  if (r == Reduction::None) {
    EMBER_CHECK(grad.numel() == n, op, "grad of shape ", shape_str(grad.sizes()), " does not match ", n, " samples");
    if (grad.device() != x.device()) device_mismatch_fail(op, x.device(), grad.device());
    return {contiguous(to_dtype(grad, cdt)), 1};
  }
  EMBER_CHECK(grad.numel() == 1, op, "expected a one-element grad for a reduced loss, got ", shape_str(grad.sizes()));
  const double div = r == Reduction::Mean ? denom : 1.0;
  Tensor out = Tensor::empty({1}, cdt, x.device());
  if (grad.device().is_cpu()) {  // a host scalar
    double v = *contiguous(to_dtype(grad, DType::Float64, true)).data<double>();
    cuda::fill_(out, Scalar(v / div));
  } else {
    if (grad.device() != x.device()) device_mismatch_fail(op, x.device(), grad.device());
    cuda::scale_scalar(contiguous(to_dtype(grad, DType::Float64)), div, out, op);
  }
  return {out, 0};
}

CrossEntropyResult cross_entropy_forward_cuda(const Tensor& input, const Tensor& target, const Tensor& weight,
                                              Reduction reduction, int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
  same_device(op, input, {&target, &weight});
  CePrep p = ce_prepare(input, target, weight, ignore_index, label_smoothing, op, true);
  const DType cdt = compute_dtype(input.dtype());
  const int64_t M = p.rows.size(0), C = p.rows.size(1);
  Tensor stats = p.prob ? Tensor() : cuda::class_target_stats_launch(p.tgt, p.w, C, ignore_index, op);
  Tensor per = Tensor::empty({M}, cdt, input.device()), lse = Tensor::empty({M, 2}, cdt, input.device());
  // queued before the synchronizing read: the kernel skips out-of-range targets (never reads with them)
  if (M > 0) cuda::cross_entropy_forward(p.rows, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing, per, lse);
  const double total = p.prob ? (double)M : cuda_target_total(stats, op);
  return {cuda_reduce_loss(per, p.per_sample, reduction, total, input.dtype(), op), lse, total};
}

Tensor cross_entropy_backward_cuda(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                                   const Tensor& lse, double total_weight, Reduction reduction, int64_t ignore_index,
                                   double label_smoothing) {
  const char* op = "cross_entropy_backward";
  same_device(op, input, {&target, &weight, &lse});
  // targets were range-checked by the forward; the kernel never indexes with an out-of-range one
  CePrep p = ce_prepare(input, target, weight, ignore_index, label_smoothing, op, true);
  const DType cdt = compute_dtype(input.dtype());
  const int64_t M = p.rows.size(0), C = p.rows.size(1);
  EMBER_CHECK(lse.numel() == 2 * M && lse.dtype() == cdt, op, "saved log-sum-exp does not match the input");
  auto [g, gs] = cuda_grad_scale(grad, reduction, total_weight, cdt, M, input, op);
  Tensor dx = Tensor::empty({M, C}, input.dtype(), input.device());
  if (M > 0) cuda::cross_entropy_backward(p.rows, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing, contiguous(lse), g, gs, dx);
  return from_rows(dx, input.sizes());
}
#endif

}  // namespace

CrossEntropyResult cross_entropy_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                         Reduction reduction, int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&input, &target, &weight}))
    return cross_entropy_forward_cuda(input, target, weight, reduction, ignore_index, label_smoothing);
#endif
  CePrep p = ce_prepare(input, target, weight, ignore_index, label_smoothing, op);
  DType cdt = p.rows.dtype();
  int64_t M = p.rows.size(0), C = p.rows.size(1);
  Tensor per = Tensor::empty({M}, cdt, input.device()), lse = Tensor::empty({M, 2}, cdt, input.device());
  if (M > 0) {
    if (cdt == DType::Float32)
      loss_kernels()->f32.fwd(p.rows.data<float>(), ce_args<float>(M, C, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing),
                              per.data<float>(), lse.data<float>());
    else
      loss_kernels()->f64.fwd(p.rows.data<double>(), ce_args<double>(M, C, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing),
                              per.data<double>(), lse.data<double>());
  }
  double total = (double)M;
  if (!p.prob) {
    total = 0;
    Tensor wd = p.w.defined() ? to_dtype(p.w, DType::Float64) : Tensor();
    const int64_t* tp = p.tgt.data<int64_t>();
    for (int64_t i = 0; i < M; ++i)
      if (tp[i] != ignore_index) total += wd.defined() ? wd.data<double>()[tp[i]] : 1.0;
  }
  return {reduce_loss(per, p.per_sample, reduction, total, input.dtype()), lse, total};
}

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              const Tensor& lse, double total_weight, Reduction reduction, int64_t ignore_index,
                              double label_smoothing) {
  const char* op = "cross_entropy_backward";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&grad, &input, &target, &weight, &lse}))
    return cross_entropy_backward_cuda(grad, input, target, weight, lse, total_weight, reduction, ignore_index,
                                       label_smoothing);
#endif
  CePrep p = ce_prepare(input, target, weight, ignore_index, label_smoothing, op);
  DType cdt = p.rows.dtype();
  int64_t M = p.rows.size(0), C = p.rows.size(1);
  EMBER_CHECK(lse.numel() == 2 * M && lse.dtype() == cdt, op, "saved log-sum-exp does not match the input");
  auto [g, gs] = grad_scale(grad, reduction, total_weight, cdt, M, op);
  Tensor dx = Tensor::empty({M, C}, cdt, input.device());
  Tensor lc = contiguous(lse);
  if (M > 0) {
    if (cdt == DType::Float32)
      loss_kernels()->f32.bwd(p.rows.data<float>(), ce_args<float>(M, C, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing),
                              lc.data<float>(), g.data<float>(), gs, dx.data<float>());
    else
      loss_kernels()->f64.bwd(p.rows.data<double>(), ce_args<double>(M, C, p.tgt, p.ptgt, p.w, ignore_index, label_smoothing),
                              lc.data<double>(), g.data<double>(), gs, dx.data<double>());
  }
  return to_dtype(from_rows(dx, input.sizes()), input.dtype());
}

// ---- nll_loss: input (N, C, inner) log-probabilities; loss_i = -w[t_i] x[i, t_i] ----------------

namespace {
template <class T>
void nll_fwd(const T* x, const int64_t* t, const T* w, int64_t N, int64_t C, int64_t inner, int64_t ignore, T* loss,
             double& total) {
  total = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t k = n * inner + i, c = t[k];
      if (c == ignore) { loss[k] = 0; continue; }
      T wt = w ? w[c] : T(1);
      loss[k] = -wt * x[(n * C + c) * inner + i];
      total += (double)wt;
    }
}
}  // namespace

std::pair<Tensor, double> nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                           Reduction reduction, int64_t ignore_index) {
  const char* op = "nll_loss";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&input, &target, &weight})) {
    same_device(op, input, {&target, &weight});
    check_dtype(input, op);
    Shape per = check_class_target_shape(input, target, weight, op);
    const DType cdt = compute_dtype(input.dtype());
    Tensor x = contiguous(input), t = contiguous(target);
    Tensor w = weight.defined() ? contiguous(to_dtype(weight, cdt)) : Tensor();
    const int64_t N = input.dim() == 1 ? 1 : input.size(0), C = input.dim() == 1 ? input.size(0) : input.size(1);
    const int64_t inner = (N * C) != 0 ? input.numel() / (N * C) : 0;
    Tensor stats = cuda::class_target_stats_launch(reshape(t, {-1}), w, C, ignore_index, op);
    Tensor loss = Tensor::empty({N * inner}, cdt, input.device());
    cuda::nll_loss_forward(x, t, w, N, C, inner, ignore_index, loss);  // skips out-of-range targets
    const double total = cuda_target_total(stats, op);
    return {cuda_reduce_loss(loss, per, reduction, total, input.dtype(), op), total};
  }
#endif
  check_input(input, op);
  Shape per = check_class_target(input, target, weight, ignore_index, op);
  DType cdt = compute_dtype(input.dtype());
  Tensor x = contiguous(to_dtype(input, cdt)), t = contiguous(target);
  Tensor w = weight.defined() ? contiguous(to_dtype(weight, cdt)) : Tensor();
  int64_t N = input.dim() == 1 ? 1 : input.size(0), C = input.dim() == 1 ? input.size(0) : input.size(1);
  int64_t inner = N * C ? input.numel() / (N * C) : 0;
  Tensor loss = Tensor::empty({N * inner}, cdt, input.device());
  double total = 0;
  dispatch_cd(cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    nll_fwd(x.data<scalar_t>(), t.data<int64_t>(), w.defined() ? w.data<scalar_t>() : nullptr, N, C, inner,
            ignore_index, loss.data<scalar_t>(), total);
  });
  return {reduce_loss(loss, per, reduction, total, input.dtype()), total};
}

Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                         double total_weight, Reduction reduction, int64_t ignore_index) {
  const char* op = "nll_loss_backward";
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&grad, &input, &target, &weight})) {
    same_device(op, input, {&target, &weight});
    check_dtype(input, op);
    check_class_target_shape(input, target, weight, op);  // the forward range-checked the targets
    const DType cdt = compute_dtype(input.dtype());
    const int64_t N = input.dim() == 1 ? 1 : input.size(0), C = input.dim() == 1 ? input.size(0) : input.size(1);
    const int64_t inner = (N * C) != 0 ? input.numel() / (N * C) : 0;
    auto [g, gs] = cuda_grad_scale(grad, reduction, total_weight, cdt, N * inner, input, op);
    Tensor t = contiguous(target), w = weight.defined() ? contiguous(to_dtype(weight, cdt)) : Tensor();
    Tensor dx = Tensor::empty(input.sizes(), input.dtype(), input.device());
    cuda::nll_loss_backward(t, w, g, gs, N, C, inner, ignore_index, dx);
    return dx;
  }
#endif
  check_input(input, op);
  check_class_target(input, target, weight, ignore_index, op);
  DType cdt = compute_dtype(input.dtype());
  int64_t N = input.dim() == 1 ? 1 : input.size(0), C = input.dim() == 1 ? input.size(0) : input.size(1);
  int64_t inner = N * C ? input.numel() / (N * C) : 0;
  auto [g, gs] = grad_scale(grad, reduction, total_weight, cdt, N * inner, op);
  Tensor t = contiguous(target), w = weight.defined() ? contiguous(to_dtype(weight, cdt)) : Tensor();
  Tensor dx = Tensor::empty(input.sizes(), cdt, input.device());
  dispatch_cd(cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    using T = scalar_t;
    T* d = dx.data<T>();
    std::fill(d, d + dx.numel(), T(0));
    const int64_t* tp = t.data<int64_t>();
    const T* gp = g.data<T>();
    const T* wp = w.defined() ? w.data<T>() : nullptr;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t k = n * inner + i, c = tp[k];
        if (c == ignore_index) continue;
        d[(n * C + c) * inner + i] = -(wp ? wp[c] : T(1)) * gp[k * gs];
      }
  });
  return to_dtype(dx, input.dtype());
}

// ---- binary cross-entropies (elementwise) ------------------------------------------------------

namespace {

struct BinaryPrep {
  Tensor x, t, w, pw;  // contiguous compute dtype, all of x's shape
  DType cdt;
};

BinaryPrep binary_prepare(const Tensor& input, const Tensor& target, const Tensor& weight, const Tensor& pos_weight,
                          const char* op) {
#ifdef EMBER_WITH_CUDA
  if (any_cuda({&input, &target, &weight, &pos_weight})) {
    same_device(op, input, {&target, &weight, &pos_weight});
    check_dtype(input, op);
  } else
#endif
  check_input(input, op);
  EMBER_CHECK_VALUE(target.sizes() == input.sizes(), op, "Using a target size (", shape_str(target.sizes()),
                    ") that is different to the input size (", shape_str(input.sizes()), ") is deprecated. "
                    "Please ensure they have the same size.");
  EMBER_CHECK(is_floating(target.dtype()), op, "expected a floating target, got ", dtype_name(target.dtype()));
  BinaryPrep p;
  p.cdt = compute_dtype(input.dtype());
  p.x = contiguous(to_dtype(input, p.cdt));
  p.t = contiguous(to_dtype(target, p.cdt));
  if (weight.defined()) p.w = contiguous(expand(to_dtype(weight, p.cdt), input.sizes()));
  if (pos_weight.defined()) p.pw = contiguous(expand(to_dtype(pos_weight, p.cdt), input.sizes()));
  return p;
}

template <class T> inline T clamp_log(T v) { return std::max(std::log(v), T(-100)); }
template <class T> inline T softplus_neg(T x) { return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T(0)); }

template <class F>
void for_range(int64_t n, const F& f) {
  parallel_for(0, n, kGrainSize / 4, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) f(i); });
}

}  // namespace

Tensor binary_cross_entropy_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                    Reduction reduction) {
  const char* op = "binary_cross_entropy";
  BinaryPrep p = binary_prepare(input, target, weight, Tensor(), op);
  Tensor loss = Tensor::empty(input.sizes(), p.cdt, input.device());
  int64_t n = input.numel();
#ifdef EMBER_WITH_CUDA
  if (input.device().is_cuda()) {
    EMBER_CHECK(cuda::bce_forward(p.x, p.t, p.w, loss), op, "all elements of input should be between 0 and 1");
    return cuda_reduce_loss(loss, input.sizes(), reduction, (double)n, input.dtype(), op);
  }
#endif
  dispatch_cd(p.cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    using T = scalar_t;
    const T *x = p.x.data<T>(), *t = p.t.data<T>(), *w = p.w.defined() ? p.w.data<T>() : nullptr;
    for (int64_t i = 0; i < n; ++i)
      EMBER_CHECK(x[i] >= 0 && x[i] <= 1, op, "all elements of input should be between 0 and 1");
    T* l = loss.data<T>();
    for_range(n, [&](int64_t i) {
      T v = -(t[i] * clamp_log(x[i]) + (1 - t[i]) * clamp_log(1 - x[i]));
      l[i] = w ? v * w[i] : v;
    });
  });
  return reduce_loss(loss, input.sizes(), reduction, (double)n, input.dtype());
}

std::pair<Tensor, Tensor> binary_cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                        const Tensor& weight, Reduction reduction, bool target_grad) {
  const char* op = "binary_cross_entropy_backward";
  BinaryPrep p = binary_prepare(input, target, weight, Tensor(), op);
  int64_t n = input.numel();
#ifdef EMBER_WITH_CUDA
  if (input.device().is_cuda()) {
    auto [g, gs] = cuda_grad_scale(grad, reduction, (double)n, p.cdt, n, input, op);
    Tensor dx = Tensor::empty(input.sizes(), p.cdt, input.device());
    Tensor dt = target_grad ? Tensor::empty(input.sizes(), p.cdt, input.device()) : Tensor();
    cuda::bce_backward(p.x, p.t, p.w, g, gs, dx, dt);
    return {to_dtype(dx, input.dtype()), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
  }
#endif
  auto [g, gs] = grad_scale(grad, reduction, (double)n, p.cdt, n, op);
  Tensor dx = Tensor::empty(input.sizes(), p.cdt, input.device());
  Tensor dt = target_grad ? Tensor::empty(input.sizes(), p.cdt, input.device()) : Tensor();
  dispatch_cd(p.cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    using T = scalar_t;
    const T *x = p.x.data<T>(), *t = p.t.data<T>(), *w = p.w.defined() ? p.w.data<T>() : nullptr, *gp = g.data<T>();
    T *d = dx.data<T>(), *dtp = target_grad ? dt.data<T>() : nullptr;
    for_range(n, [&](int64_t i) {
      T gi = gp[i * gs] * (w ? w[i] : T(1));
      d[i] = gi * (x[i] - t[i]) / std::max((1 - x[i]) * x[i], T(1e-12));
      if (dtp) dtp[i] = gi * (clamp_log(1 - x[i]) - clamp_log(x[i]));
    });
  });
  return {to_dtype(dx, input.dtype()), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
}

Tensor bce_with_logits_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                               const Tensor& pos_weight, Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  BinaryPrep p = binary_prepare(input, target, weight, pos_weight, op);
  Tensor loss = Tensor::empty(input.sizes(), p.cdt, input.device());
  int64_t n = input.numel();
#ifdef EMBER_WITH_CUDA
  if (input.device().is_cuda()) {
    cuda::bce_logits_forward(p.x, p.t, p.w, p.pw, loss);
    return cuda_reduce_loss(loss, input.sizes(), reduction, (double)n, input.dtype(), op);
  }
#endif
  dispatch_cd(p.cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    using T = scalar_t;
    const T *x = p.x.data<T>(), *t = p.t.data<T>();
    const T *w = p.w.defined() ? p.w.data<T>() : nullptr, *pw = p.pw.defined() ? p.pw.data<T>() : nullptr;
    T* l = loss.data<T>();
    for_range(n, [&](int64_t i) {
      T lw = pw ? 1 + (pw[i] - 1) * t[i] : T(1);
      T v = (1 - t[i]) * x[i] + lw * softplus_neg(x[i]);
      l[i] = w ? v * w[i] : v;
    });
  });
  return reduce_loss(loss, input.sizes(), reduction, (double)n, input.dtype());
}

std::pair<Tensor, Tensor> bce_with_logits_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                   const Tensor& weight, const Tensor& pos_weight,
                                                   Reduction reduction, bool target_grad) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  BinaryPrep p = binary_prepare(input, target, weight, pos_weight, op);
  int64_t n = input.numel();
#ifdef EMBER_WITH_CUDA
  if (input.device().is_cuda()) {
    auto [g, gs] = cuda_grad_scale(grad, reduction, (double)n, p.cdt, n, input, op);
    Tensor dx = Tensor::empty(input.sizes(), p.cdt, input.device());
    Tensor dt = target_grad ? Tensor::empty(input.sizes(), p.cdt, input.device()) : Tensor();
    cuda::bce_logits_backward(p.x, p.t, p.w, p.pw, g, gs, dx, dt);
    return {to_dtype(dx, input.dtype()), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
  }
#endif
  auto [g, gs] = grad_scale(grad, reduction, (double)n, p.cdt, n, op);
  Tensor dx = Tensor::empty(input.sizes(), p.cdt, input.device());
  Tensor dt = target_grad ? Tensor::empty(input.sizes(), p.cdt, input.device()) : Tensor();
  dispatch_cd(p.cdt, [&](auto tag_) { using scalar_t = decltype(tag_);
    using T = scalar_t;
    const T *x = p.x.data<T>(), *t = p.t.data<T>(), *gp = g.data<T>();
    const T *w = p.w.defined() ? p.w.data<T>() : nullptr, *pw = p.pw.defined() ? p.pw.data<T>() : nullptr;
    T *d = dx.data<T>(), *dtp = target_grad ? dt.data<T>() : nullptr;
    for_range(n, [&](int64_t i) {
      T gi = gp[i * gs] * (w ? w[i] : T(1));
      T pwi = pw ? pw[i] : T(1), lw = 1 + (pwi - 1) * t[i];
      T sig_neg = 1 / (1 + std::exp(x[i]));  // sigmoid(-x)
      d[i] = gi * ((1 - t[i]) - lw * sig_neg);
      if (dtp) dtp[i] = gi * ((pwi - 1) * softplus_neg(x[i]) - x[i]);
    });
  });
  return {to_dtype(dx, input.dtype()), target_grad ? to_dtype(dt, target.dtype()) : Tensor()};
}

}  // namespace ember
