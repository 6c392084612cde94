// attention.cpp — validation and dispatch of the fused attention forward/backward.
// Inputs are read through their strides (no contiguous copies). CPU: float16/bfloat16 are converted
// to float32 once and results converted back; CUDA (attention_cuda.cu): the kernels read and write
// 16-bit tensors directly, with float32 arithmetic. The bool/additive mask arrives as an
// (N, Hq, L, S) view whose broadcast dims have stride 0.
#include "ember/ops/attention/attention.h"
#include <limits>
#include "ember/core/fill.h"
#include "ember/core/view.h"
#include "ember/ops/attention/attention_kernels.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/attention/attention_cuda.h"
#endif

namespace ember {

const AttentionKernel* attention_kernels() {
  if (use_reference_kernels()) return &ref::attention_kernel;
  return pick_isa(cpu_isa(), base::attention_kernel, avx2::attention_kernel, avx512::attention_kernel);
}

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

// Row stride of saved P: S rounded up to a whole vector of every ISA build's block products.
int64_t probs_ld(int64_t S) { return (S + 7) / 8 * 8; }

DType compute_dtype(DType t) { return t == DType::Float64 ? DType::Float64 : DType::Float32; }

void strides4(const Tensor& t, int64_t* s) {
  for (int d = 0; d < 4; ++d) s[d] = t.size(d) == 1 ? 0 : t.stride(d);
}

void check_same_device(const Tensor& q, std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others)
    EMBER_CHECK(!t->defined() || t->device() == q.device(), kOp, "Expected all tensors to be on the same device, "
                "but found at least two devices, ", q.device().str(), " and ", t->device().str(), "!");
}

// Validates shapes/dtypes and fills the geometry, inputs and mask of `p` (tensors already in the
// compute dtype; they must outlive p).
void fill_inputs(AttnParams& p, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                 bool is_causal, double scale) {
  check_same_device(q, {&k, &v, &mask});
#ifndef EMBER_WITH_CUDA
  EMBER_CHECK(q.device().is_cpu(), kOp, "only CPU tensors are supported, got a tensor on ", q.device().str());
#endif
  for (const Tensor* t : {&q, &k, &v}) {
    EMBER_CHECK(t->dim() == 4, kOp, "expected 4-D (N, H, L, E) query/key/value, got ", shape_str(t->sizes()));
  }
  EMBER_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype() && is_floating(q.dtype()), kOp,
              "expected query, key and value of one floating dtype, got ", dtype_name(q.dtype()), ", ",
              dtype_name(k.dtype()), " and ", dtype_name(v.dtype()));
  p.N = q.size(0); p.Hq = q.size(1); p.L = q.size(2); p.E = q.size(3);
  p.Hk = k.size(1); p.S = k.size(2); p.Ev = v.size(3);
  EMBER_CHECK(k.size(0) == p.N && v.size(0) == p.N && v.size(1) == p.Hk && v.size(2) == p.S && k.size(3) == p.E,
              kOp, "incompatible shapes: query ", shape_str(q.sizes()), ", key ", shape_str(k.sizes()), ", value ",
              shape_str(v.sizes()));
  EMBER_CHECK(p.Hk > 0 && p.Hq % p.Hk == 0, kOp, "number of heads in key and value (", p.Hk,
              ") must divide the number of heads in query (", p.Hq, ")");
  p.q = q.raw_data_ptr(); strides4(q, p.sq);  // devices checked above
  p.k = k.raw_data_ptr(); strides4(k, p.sk);
  p.v = v.raw_data_ptr(); strides4(v, p.sv);
  p.causal = is_causal;
  p.scale = scale;
  if (mask.defined()) {
    EMBER_CHECK(mask.dim() == 4 && mask.size(0) == p.N && mask.size(1) == p.Hq && mask.size(2) == p.L &&
                mask.size(3) == p.S, kOp, "attn_mask of shape ", shape_str(mask.sizes()), " does not match (",
                p.N, ", ", p.Hq, ", ", p.L, ", ", p.S, ")");
    EMBER_CHECK(mask.dtype() == DType::Bool || mask.dtype() == q.dtype(), kOp,
                "Expected attn_mask dtype to be bool or ", dtype_name(q.dtype()), ", got ", dtype_name(mask.dtype()));
    p.mask_kind = mask.dtype() == DType::Bool ? AttnMask::Bool : AttnMask::Additive;
    p.mask = mask.raw_data_ptr();
    strides4(mask, p.sm);
  }
}

Tensor in_compute(const Tensor& t) {
  if (!t.defined()) return t;
  return t.dtype() == DType::Bool ? t : to_dtype(t, compute_dtype(t.dtype()));
}

// q, k, v that are the three slices of one tensor along some dim (the heads split of a fused qkv
// projection: one storage, equal sizes and strides, offsets o, o + st, o + 2 st) whose stacked layout
// is non-overlapping and dense get gradients that are the same slices of one new buffer laid out
// the same way: the qkv gradient is then a view of it (unbind's backward recognizes the slices, see
// autograd/grad_fns/shape.py) instead of a stack and a copy. False (nothing allocated) otherwise.
bool alloc_packed_grads(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& dq, Tensor& dk, Tensor& dv) {
  if (q.storage() != k.storage() || q.storage() != v.storage() || q.sizes() != k.sizes() ||
      q.sizes() != v.sizes() || q.strides() != k.strides() || q.strides() != v.strides())
    return false;
  const int64_t st = k.offset() - q.offset();
  if (st <= 0 || v.offset() - k.offset() != st || q.numel() == 0) return false;
  Shape sizes{3}, strides{st};
  for (int64_t d = 0; d < q.dim(); ++d) { sizes.push_back(q.size(d)); strides.push_back(q.stride(d)); }
  if (!as_strided(q, sizes, strides, q.offset()).is_non_overlapping_and_dense()) return false;
  // dense: the three slices cover exactly [q.offset, q.offset + 3 numel) of the source
  Tensor buf = Tensor::empty({3 * q.numel()}, q.dtype(), q.device());
  dq = as_strided(buf, q.sizes(), q.strides(), 0);
  dk = as_strided(buf, q.sizes(), q.strides(), st);
  dv = as_strided(buf, q.sizes(), q.strides(), 2 * st);
  return true;
}

void check_backward_shapes(const AttnParams& p, const Tensor& dout, const Tensor& out, const Tensor& lse) {
  const Shape oshape{p.N, p.Hq, p.L, p.Ev};
  EMBER_CHECK(dout.sizes() == oshape && out.sizes() == oshape, kOp, "backward: grad ", shape_str(dout.sizes()),
              " and output ", shape_str(out.sizes()), " must have shape ", shape_str(oshape));
  EMBER_CHECK(lse.sizes() == Shape({p.N, p.Hq, p.L}), kOp, "backward: lse of shape ", shape_str(lse.sizes()),
              " does not match the query");
}

#ifdef EMBER_WITH_CUDA
// CUDA: the kernels read q, k, v, dout (and an additive mask of q's dtype) in their own dtype,
// 16-bit included, and write out/dq/dk/dv in it; lse is float32 (float64 for float64).
std::vector<Tensor> cuda_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                 bool is_causal, double scale) {
  const DType dt = q.dtype(), cdt = compute_dtype(dt);
  AttnParams p;
  fill_inputs(p, q, k, v, mask, is_causal, scale);
  Tensor out = Tensor::empty({p.N, p.Hq, p.L, p.Ev}, dt, q.device());
  Tensor lse = Tensor::empty({p.N, p.Hq, p.L}, cdt, q.device());
  p.out = out.raw_data_ptr();
  p.lse = lse.raw_data_ptr();
  if (lse.numel() > 0) {
    if (p.S == 0) {  // no keys: every row is fully masked
      if (out.numel() > 0) fill_(out, Scalar(0.0));
      fill_(lse, Scalar(-std::numeric_limits<double>::infinity()));
    } else {
      cuda::attention_forward(p, dt, q);
    }
  }
  return {out, lse};
}

std::vector<Tensor> cuda_backward(const Tensor& dout_in, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& out_in, const Tensor& lse_in, const Tensor& mask, bool is_causal,
                                  double scale) {
  const DType dt = q.dtype(), cdt = compute_dtype(dt);
  AttnParams p;
  fill_inputs(p, q, k, v, mask, is_causal, scale);
  check_backward_shapes(p, dout_in, out_in, lse_in);
  check_same_device(q, {&dout_in, &out_in, &lse_in});
  Tensor dout = dout_in.dtype() == dt ? dout_in : to_dtype(dout_in, dt);
  Tensor out = contiguous(out_in.dtype() == dt ? out_in : to_dtype(out_in, dt));
  Tensor lse = contiguous(lse_in.dtype() == cdt ? lse_in : to_dtype(lse_in, cdt));
  p.dout = dout.raw_data_ptr(); strides4(dout, p.sdo);
  p.out = out.raw_data_ptr();
  p.lse = lse.raw_data_ptr();
  Tensor dq = Tensor::empty(q.sizes(), dt, q.device());
  Tensor dk = Tensor::empty(k.sizes(), dt, q.device());
  Tensor dv = Tensor::empty(v.sizes(), dt, q.device());
  p.dq = dq.raw_data_ptr(); p.dk = dk.raw_data_ptr(); p.dv = dv.raw_data_ptr();
  if (p.S == 0 || p.L == 0 || p.N == 0 || p.Hq == 0) {  // nothing attends: zero gradients
    for (Tensor* t : {&dq, &dk, &dv})
      if (t->numel() > 0) fill_(*t, Scalar(0.0));
  } else {
    cuda::attention_backward(p, dt, q);
  }
  return {dq, dk, dv};
}
#endif

}  // namespace

std::vector<Tensor> attention_forward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                      const Tensor& mask_in, bool is_causal, double scale,
                                      int64_t save_probs_max_bytes) {
#ifdef EMBER_WITH_CUDA
  if (q_in.device().is_cuda()) return cuda_forward(q_in, k_in, v_in, mask_in, is_causal, scale);
#endif
  const DType dt = q_in.dtype(), cdt = compute_dtype(dt);
  Tensor q = in_compute(q_in), k = in_compute(k_in), v = in_compute(v_in), mask = in_compute(mask_in);
  AttnParams p;
  fill_inputs(p, q, k, v, mask, is_causal, scale);
  Tensor out = Tensor::empty({p.N, p.Hq, p.L, p.Ev}, cdt, q.device());
  Tensor lse = Tensor::empty({p.N, p.Hq, p.L}, cdt, q.device());
  p.out = out.raw_data_ptr();
  p.lse = lse.raw_data_ptr();
  Tensor probs;
  if (save_probs_max_bytes > 0 && !is_causal && !use_reference_kernels() && p.S > 0 && lse.numel() > 0 &&
      lse.numel() * probs_ld(p.S) * (int64_t)itemsize(cdt) <= save_probs_max_bytes) {
    probs = Tensor::empty({p.N, p.Hq, p.L, probs_ld(p.S)}, cdt, q.device());
    p.probs = probs.raw_data_ptr();
    p.ldp = probs_ld(p.S);
  }
  if (lse.numel() > 0) {
    if (p.S == 0) {  // no keys: every row is fully masked
      fill_(out, Scalar(0.0));
      fill_(lse, Scalar(-std::numeric_limits<double>::infinity()));
    } else {
      const AttentionKernel* kern = attention_kernels();
      (cdt == DType::Float32 ? kern->fwd_f32 : kern->fwd_f64)(p);
    }
  }
  if (probs.defined()) return {dt == cdt ? out : to_dtype(out, dt), lse, probs};
  return {dt == cdt ? out : to_dtype(out, dt), lse};
}

std::vector<Tensor> attention_backward(const Tensor& dout_in, const Tensor& q_in, const Tensor& k_in,
                                       const Tensor& v_in, const Tensor& out_in, const Tensor& lse_in,
                                       const Tensor& mask_in, bool is_causal, double scale, const Tensor& probs) {
#ifdef EMBER_WITH_CUDA
  if (q_in.device().is_cuda())
    return cuda_backward(dout_in, q_in, k_in, v_in, out_in, lse_in, mask_in, is_causal, scale);
#endif
  const DType dt = q_in.dtype(), cdt = compute_dtype(dt);
  Tensor q = in_compute(q_in), k = in_compute(k_in), v = in_compute(v_in), mask = in_compute(mask_in);
  AttnParams p;
  fill_inputs(p, q, k, v, mask, is_causal, scale);
  check_backward_shapes(p, dout_in, out_in, lse_in);
  Tensor dout = to_dtype(dout_in, cdt);
  Tensor out = contiguous(to_dtype(out_in, cdt)), lse = contiguous(to_dtype(lse_in, cdt));
  check_same_device(q, {&dout, &out, &lse});
  p.dout = dout.raw_data_ptr(); strides4(dout, p.sdo);
  p.out = out.raw_data_ptr();
  p.lse = lse.raw_data_ptr();
  if (probs.defined()) {
    EMBER_CHECK(!is_causal && probs.dtype() == cdt && probs.device() == q.device() && probs.is_contiguous() &&
                probs.sizes() == Shape({p.N, p.Hq, p.L, probs_ld(p.S)}), kOp, "backward: saved probs of shape ",
                shape_str(probs.sizes()), " and dtype ", dtype_name(probs.dtype()),
                " do not come from attention_forward for these inputs");
    p.probs = probs.raw_data_ptr();
    p.ldp = probs_ld(p.S);
  }
  Tensor dq, dk, dv;
  if (!alloc_packed_grads(q, k, v, dq, dk, dv)) {
    dq = Tensor::empty(q.sizes(), cdt, q.device());
    dk = Tensor::empty(k.sizes(), cdt, q.device());
    dv = Tensor::empty(v.sizes(), cdt, q.device());
  }
  p.dq = dq.raw_data_ptr(); strides4(dq, p.sdq);
  p.dk = dk.raw_data_ptr(); strides4(dk, p.sdk);
  p.dv = dv.raw_data_ptr(); strides4(dv, p.sdv);
  if (p.S == 0 || p.L == 0 || p.N == 0 || p.Hq == 0) {  // nothing attends: zero gradients
    if (dq.numel() > 0) fill_(dq, Scalar(0.0));
    if (dk.numel() > 0) fill_(dk, Scalar(0.0));
    if (dv.numel() > 0) fill_(dv, Scalar(0.0));
  } else {
    const AttentionKernel* kern = attention_kernels();
    (cdt == DType::Float32 ? kern->bwd_f32 : kern->bwd_f64)(p);
  }
  if (dt == cdt) return {dq, dk, dv};
  return {to_dtype(dq, dt), to_dtype(dk, dt), to_dtype(dv, dt)};
}

}  // namespace ember
