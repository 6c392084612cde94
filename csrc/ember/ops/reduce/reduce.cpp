// reduce.cpp — validation, dtype rules and kernel selection for the reductions and scans.
// Each op: parse dims -> cast the input to the kernel dtype -> accumulate into an acc tensor
// (keepdim shape) -> finish (divide, sqrt, log, ...) -> cast to the result dtype -> drop dims.
#include "ember/ops/reduce/reduce.h"
#include <cmath>
#include <limits>
#include "ember/core/cpu_features.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/reduce/reduce_kernels.h"
#include "ember/ops/reduce/reduce_util.h"
#include "ember/ops/softmax/softmax_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/reduce/reduce_cuda.h"
#endif

namespace ember {

const FastReduceKernels* fast_reduce_kernels(Isa isa) {
  return pick_isa(isa, base::fast_reduce, avx2::fast_reduce, avx512::fast_reduce);
}

DimPlan plan_dims(const char* op, const Tensor& a, const DimList& dims) {
  DimPlan p;
  const int64_t n = a.dim();
  p.mask.assign(n, false);
  if (!dims || dims->empty()) {
    std::fill(p.mask.begin(), p.mask.end(), true);
    p.all = true;
  } else {
    std::vector<bool> seen(std::max<int64_t>(n, 1), false);
    for (int64_t d : *dims) {
      int64_t w = wrap_dim(d, n, op);
      EMBER_CHECK(!seen[w], op, "dim ", w, " appears multiple times in the list of dims");
      seen[w] = true;
      if (n) p.mask[w] = true;
    }
  }
  for (int64_t d = 0; d < n; ++d) {
    int64_t s = a.sizes()[d];
    p.keep_shape.push_back(p.mask[d] ? 1 : s);
    if (p.mask[d]) p.nred *= s; else p.out_shape.push_back(s);
  }
  return p;
}

Tensor finish_shape(const Tensor& acc, const DimPlan& p, bool keepdim) {
  return keepdim ? acc : reshape(acc, p.out_shape);
}

Tensor reduce_acc(RK kind, const Tensor& in, const DimPlan& p, const Tensor& aux, double param) {
  Tensor out = Tensor::empty(p.keep_shape, reduce_acc_dtype(kind, in.dtype()), in.device());
  if (out.numel() == 0) return out;
  ReduceLayout L = make_reduce_layout(in, p.mask, out, true);
#ifdef EMBER_WITH_CUDA
  if (in.device().is_cuda()) { cuda::reduce_kernel(kind, L, in, out, aux, param); return out; }
#endif
  ReduceArgs args{&L, (const char*)in.data_ptr(), (char*)out.data_ptr(),
                  aux.defined() ? (const char*)aux.data_ptr() : nullptr, param};
  const bool ref = use_reference_kernels();
  if (!ref && fast_reduce_kernels(cpu_isa())->reduce(kind, in.dtype(), args)) return out;
  generic::run_reduce(kind, in.dtype(), args, ref);
  return out;
}

void acc_map(AccMap op, const Tensor& t, const Tensor& aux, double param) {
#ifdef EMBER_WITH_CUDA
  if (t.device().is_cuda()) { cuda::acc_map_kernel(op, t, aux, param); return; }
#endif
  switch (op) {
    case AccMap::Sqrt: map_acc(t, aux, [](auto v, auto) { return std::sqrt(v); }); break;
    case AccMap::FiniteOrZero: map_acc(t, aux, [](auto v, auto) { return std::isfinite(v) ? v : decltype(v)(0); }); break;
    case AccMap::LogAdd: map_acc(t, aux, [](auto v, auto sh) { return std::log(v) + sh; }); break;
    case AccMap::Pow: map_acc(t, aux, [param](auto v, auto) { return std::pow(v, decltype(v)(param)); }); break;
  }
}

void sqrt_acc(const Tensor& t) { acc_map(AccMap::Sqrt, t); }

static Tensor scale_acc(const Tensor& acc, double by) {  // acc / by, acc stays float
  return binary(BinaryOp::Div, acc, Scalar(by));
}

// ---- sums ----
static Tensor sum_like(RK kind, const char* op, const Tensor& a, const DimList& dims, bool keepdim,
                       std::optional<DType> dtype) {
  DimPlan p = plan_dims(op, a, dims);
  DType rd = dtype ? *dtype : (is_integral(a.dtype(), true) ? DType::Int64 : a.dtype());
  Tensor in = to_dtype(a, is_floating(rd) ? rd : DType::Int64);
  Tensor acc = reduce_acc(kind, in, p);
  return finish_shape(to_dtype(acc, rd), p, keepdim);
}

Tensor sum(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like(RK::Sum, "sum", a, dims, keepdim, dtype);
}
Tensor nansum(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like(RK::NanSum, "nansum", a, dims, keepdim, dtype);
}
Tensor prod(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like(RK::Prod, "prod", a, dims, keepdim, dtype);
}

static DType mean_dtype(const char* op, const Tensor& a, std::optional<DType> dtype) {
  if (dtype) {
    EMBER_CHECK(is_floating(*dtype), op, op, "(): could not infer output dtype. Optional dtype must be either a "
                "floating point or complex dtype. Got: ", dtype_name(*dtype));
    return *dtype;
  }
  EMBER_CHECK(is_floating(a.dtype()), op, op, "(): could not infer output dtype. Input dtype must be either a "
              "floating point or complex dtype. Got: ", dtype_name(a.dtype()));
  return a.dtype();
}

Tensor mean(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  DType rd = mean_dtype("mean", a, dtype);
  DimPlan p = plan_dims("mean", a, dims);
  Tensor acc = reduce_acc(RK::Sum, to_dtype(a, rd), p);
  return finish_shape(to_dtype(scale_acc(acc, (double)p.nred), rd), p, keepdim);
}

Tensor nanmean(const Tensor& a, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  DType rd = mean_dtype("nanmean", a, dtype);
  DimPlan p = plan_dims("nanmean", a, dims);
  Tensor in = to_dtype(a, rd);
  Tensor s = reduce_acc(RK::NanSum, in, p), n = reduce_acc(RK::CountNotNan, in, p);
  return finish_shape(to_dtype(binary(BinaryOp::Div, s, n), rd), p, keepdim);
}

// ---- variance ----
static void check_var(const char* op, const Tensor& a) {
  EMBER_CHECK(is_floating(a.dtype()), op, "std and var only support floating point and complex dtypes, got ",
              dtype_name(a.dtype()));
}

// Returns (var acc, mean acc) in the acc dtype, keepdim shape.
static std::pair<Tensor, Tensor> var_acc(const Tensor& a, const DimPlan& p, double correction) {
  Tensor m = scale_acc(reduce_acc(RK::Sum, a, p), (double)p.nred);
  Tensor sq = reduce_acc(RK::SqDev, a, p, m);
  double denom = std::max(0.0, (double)p.nred - correction);
  Tensor v = scale_acc(sq, denom);
  if (p.nred == 0 && v.numel()) fill_(v, Scalar(std::numeric_limits<double>::quiet_NaN()));
  return {v, m};
}

Tensor var(const Tensor& a, const DimList& dims, double correction, bool keepdim) {
  check_var("var", a);
  DimPlan p = plan_dims("var", a, dims);
  return finish_shape(to_dtype(var_acc(a, p, correction).first, a.dtype()), p, keepdim);
}

Tensor std_dev(const Tensor& a, const DimList& dims, double correction, bool keepdim) {
  check_var("std", a);
  DimPlan p = plan_dims("std", a, dims);
  Tensor v = var_acc(a, p, correction).first;
  sqrt_acc(v);
  return finish_shape(to_dtype(v, a.dtype()), p, keepdim);
}

std::pair<Tensor, Tensor> var_mean(const Tensor& a, const DimList& dims, double correction, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std_mean" : "var_mean";
  check_var(op, a);
  DimPlan p = plan_dims(op, a, dims);
  auto [v, m] = var_acc(a, p, correction);
  if (take_sqrt) sqrt_acc(v);
  return {finish_shape(to_dtype(v, a.dtype()), p, keepdim), finish_shape(to_dtype(m, a.dtype()), p, keepdim)};
}

// ---- extremes ----
static void check_nonempty(const char* op, const Tensor& a, const DimPlan& p, const DimList& dims) {
  if (a.numel() != 0) return;
  EMBER_CHECK(!p.all || (dims && !dims->empty()), op, op, "(): Expected reduction dim to be specified for "
              "input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  for (int64_t d = 0; d < a.dim(); ++d)
    EMBER_CHECK_INDEX(!(p.mask[d] && a.sizes()[d] == 0), op, op, "(): Expected reduction dim ", d,
                      " to have non-zero size.");
}

static Tensor extreme(RK kind, const char* op, const Tensor& a, const DimList& dims, bool keepdim) {
  DimPlan p = plan_dims(op, a, dims);
  check_nonempty(op, a, p, dims);
  return finish_shape(to_dtype(reduce_acc(kind, a, p), a.dtype()), p, keepdim);
}

Tensor amax(const Tensor& a, const DimList& dims, bool keepdim) { return extreme(RK::Max, "amax", a, dims, keepdim); }
Tensor amin(const Tensor& a, const DimList& dims, bool keepdim) { return extreme(RK::Min, "amin", a, dims, keepdim); }
Tensor max_all(const Tensor& a, bool is_max) {
  return extreme(is_max ? RK::Max : RK::Min, is_max ? "max" : "min", a, std::nullopt, false);
}

std::pair<Tensor, Tensor> aminmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  DimList dims;
  if (dim) dims = std::vector<int64_t>{*dim};
  DimPlan p = plan_dims("aminmax", a, dims);
  EMBER_CHECK(p.nred != 0, "aminmax",
              "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  return {finish_shape(to_dtype(reduce_acc(RK::Min, a, p), a.dtype()), p, keepdim),
          finish_shape(to_dtype(reduce_acc(RK::Max, a, p), a.dtype()), p, keepdim)};
}

// Values (compute dtype) and int64 indices along one dim of `a`, keepdim shape.
static std::pair<Tensor, Tensor> arg_reduce(const Tensor& a, const DimPlan& p, bool is_max, bool want_values) {
  DType vd = (a.dtype() == DType::Float16 || a.dtype() == DType::BFloat16) ? DType::Float32 : a.dtype();
  Tensor in = a.dtype() == DType::Bool ? to_dtype(a, DType::UInt8) : a;
  if (a.dtype() == DType::Bool) vd = DType::UInt8;
  Tensor vals = want_values ? Tensor::empty(p.keep_shape, vd, a.device()) : Tensor();
  Tensor idx = Tensor::empty(p.keep_shape, DType::Int64, a.device());
  if (idx.numel() == 0) return {vals, idx};
  ReduceLayout L = make_reduce_layout(in, p.mask, idx, true);
#ifdef EMBER_WITH_CUDA
  if (in.device().is_cuda()) { cuda::arg_reduce_kernel(is_max, L, in, vals, idx); return {vals, idx}; }
#endif
  ArgArgs args{&L, (const char*)in.data_ptr(), want_values ? (char*)vals.data_ptr() : nullptr, idx.data<int64_t>()};
  const bool ref = use_reference_kernels();
  if (ref || !fast_reduce_kernels(cpu_isa())->arg(is_max, in.dtype(), args)) generic::run_arg(is_max, in.dtype(), args, ref);
  return {vals, idx};
}

std::pair<Tensor, Tensor> max_dim(const Tensor& a, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  DimPlan p = plan_dims(op, a, std::vector<int64_t>{dim});
  check_nonempty(op, a, p, std::vector<int64_t>{dim});
  auto [v, i] = arg_reduce(a, p, is_max, true);
  return {finish_shape(to_dtype(v, a.dtype()), p, keepdim), finish_shape(i, p, keepdim)};
}

Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  EMBER_CHECK(a.dtype() != DType::Bool, op, op, "(): does not support bool input");
  if (!dim) {
    EMBER_CHECK_INDEX(a.numel() != 0, op, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat = reshape(contiguous(a), {a.numel()});
    DimPlan p = plan_dims(op, flat, std::vector<int64_t>{0});
    Tensor i = arg_reduce(flat, p, is_max, false).second;
    return keepdim ? reshape(i, Shape(a.dim(), 1)) : reshape(i, {});
  }
  DimPlan p = plan_dims(op, a, std::vector<int64_t>{*dim});
  check_nonempty(op, a, p, std::vector<int64_t>{*dim});
  return finish_shape(arg_reduce(a, p, is_max, false).second, p, keepdim);
}

Tensor logsumexp(const Tensor& a, const DimList& dims, bool keepdim) {
  DimPlan p = plan_dims("logsumexp", a, dims);
  // float32 on the CPU over the last dim only, contiguous: the softmax family's row kernel (one read
  // of each row; 4096 x 8192 in 13 ms instead of 110 at 2 threads)
  const SoftmaxKernel* sk = a.device().is_cpu() ? softmax_kernels() : nullptr;
  if (sk && sk->lse_rows_f32 && a.dtype() == DType::Float32 && a.dim() >= 1 && a.is_contiguous() && !p.all &&
      p.mask.back() && p.nred == a.sizes().back() && p.nred > 0) {
    Tensor out = Tensor::empty(p.keep_shape, DType::Float32, a.device());
    if (out.numel()) sk->lse_rows_f32(a.data<float>(), out.data<float>(), out.numel(), p.nred);
    return finish_shape(out, p, keepdim);
  }
  DType rd = is_floating(a.dtype()) ? a.dtype() : default_float_dtype();
  Tensor in = to_dtype(a, rd);
  Tensor m;
  if (p.nred == 0) {
    m = Tensor::empty(p.keep_shape, reduce_acc_dtype(RK::ExpShift, rd), a.device());
    if (m.numel()) fill_(m, Scalar(-std::numeric_limits<double>::infinity()));
  } else {
    m = reduce_acc(RK::Max, in, p);  // the shift: max, or 0 where it is not finite
    acc_map(AccMap::FiniteOrZero, m);
    Tensor s = reduce_acc(RK::ExpShift, in, p, m);
    acc_map(AccMap::LogAdd, s, m);
    m = s;
  }
  return finish_shape(to_dtype(m, rd), p, keepdim);
}

// ---- boolean ----
static Tensor bool_reduce(RK kind, const char* op, const Tensor& a, const DimList& dims, bool keepdim) {
  DimPlan p = plan_dims(op, a, dims);
  Tensor acc = reduce_acc(kind, to_dtype(a, DType::Bool), p);
  if (a.dtype() == DType::UInt8) acc = to_dtype(acc, DType::UInt8);
  return finish_shape(acc, p, keepdim);
}
Tensor all(const Tensor& a, const DimList& dims, bool keepdim) { return bool_reduce(RK::All, "all", a, dims, keepdim); }
Tensor any(const Tensor& a, const DimList& dims, bool keepdim) { return bool_reduce(RK::Any, "any", a, dims, keepdim); }
Tensor count_nonzero(const Tensor& a, const DimList& dims) {
  DimPlan p = plan_dims("count_nonzero", a, dims);
  return finish_shape(reduce_acc(RK::Count, to_dtype(a, DType::Bool), p), p, false);
}

// ---- scans ----
static Tensor scan(SK kind, const char* op, const Tensor& in, int64_t dim, Tensor* idx) {
  int64_t d = wrap_dim(dim, in.dim(), op);
  Tensor out = Tensor::empty(in.sizes(), in.dtype(), in.device());
  if (idx) *idx = Tensor::empty(in.sizes(), DType::Int64, in.device());
  if (in.numel() == 0) return out;
  std::vector<bool> mask(in.dim(), false);
  if (in.dim()) mask[d] = true;
  ReduceLayout L = make_reduce_layout(in, mask, out, true);
#ifdef EMBER_WITH_CUDA
  if (in.device().is_cuda()) {
    cuda::scan_kernel(kind, L, in.dim() ? out.strides()[d] : 0, in, out, idx ? *idx : Tensor());
    return out;
  }
#endif
  ScanArgs s{&L, in.dim() ? out.strides()[d] : 0, (const char*)in.data_ptr(), (char*)out.data_ptr(),
             idx ? idx->data<int64_t>() : nullptr};
  generic::run_scan(kind, in.dtype(), s, use_reference_kernels());
  return out;
}

static Tensor cum_arith(SK kind, const char* op, const Tensor& a, int64_t dim, std::optional<DType> dtype) {
  DType rd = dtype ? *dtype : (is_integral(a.dtype(), true) ? DType::Int64 : a.dtype());
  Tensor in = to_dtype(a, is_floating(rd) ? rd : DType::Int64);
  return to_dtype(scan(kind, op, in, dim, nullptr), rd);
}
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<DType> dtype) { return cum_arith(SK::Sum, "cumsum", a, dim, dtype); }
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<DType> dtype) { return cum_arith(SK::Prod, "cumprod", a, dim, dtype); }

std::pair<Tensor, Tensor> cummax(const Tensor& a, int64_t dim, bool is_max) {
  Tensor idx;
  Tensor v = scan(is_max ? SK::Max : SK::Min, is_max ? "cummax" : "cummin", a, dim, &idx);
  return {v, idx};
}

Tensor logcumsumexp(const Tensor& a, int64_t dim) {
  if (!is_floating(a.dtype())) {
    wrap_dim(dim, a.dim(), "logcumsumexp");
    EMBER_NOT_IMPLEMENTED("logcumsumexp", "\"logcumsumexp_out_cpu\" not implemented for '", dtype_name(a.dtype()), "'");
  }
  return scan(SK::LogSumExp, "logcumsumexp", a, dim, nullptr);
}

void write_out(const char* op, Tensor& out, const Tensor& result) {
  EMBER_CHECK(can_cast(result.dtype(), out.dtype()), op, "result type ", dtype_name(result.dtype()),
              " can't be cast to the desired output type ", dtype_name(out.dtype()));
  EMBER_CHECK(out.device() == result.device(), op, "Expected out tensor to have device ", result.device().str(),
              ", but got ", out.device().str(), " instead");
  if (out.sizes() != result.sizes()) out.set_(Tensor::empty(result.sizes(), out.dtype(), out.device()));
  copy_(out, result);
}

}  // namespace ember
