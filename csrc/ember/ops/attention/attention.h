// attention.h — scaled dot-product attention, fused (flash-attention style) forward and backward.
// Layout: q (N, Hq, L, E), k (N, Hk, S, E), v (N, Hk, S, Ev) with Hq % Hk == 0 (grouped-query
// attention: query head h reads kv head h / (Hq / Hk)); any strides (read through them, never
// expanded). mask: undefined, or an (N, Hq, L, S) view whose strides may be 0 (broadcast), bool
// (true = may attend) or q's dtype (added to the scores). is_causal keeps key j <= query i
// (top-left aligned, as PyTorch; with a mask both apply). A row with every key masked gives output 0 and lse = -inf.
// float16/bfloat16 compute in float32.
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

// Returns {out (N, Hq, L, Ev) contiguous in q's dtype, lse (N, Hq, L) float32 (float64 for float64
// inputs)}: out = softmax(scale * q k^T + mask) v, lse = logsumexp of the masked, scaled scores.
// save_probs_max_bytes > 0: a third result, the attention weights P = softmax(...) for
// attention_backward ((N, Hq, L, S rounded up to 8) in lse's dtype, zero beyond S), when the fast CPU
// kernels run, the call is not causal and P takes at most that many bytes; else only {out, lse}.
std::vector<Tensor> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                      bool is_causal, double scale, int64_t save_probs_max_bytes = 0);

// dout: dL/dout (N, Hq, L, Ev); out, lse (and probs, if defined): attention_forward's results for the
// same inputs. Returns {dq, dk, dv} (contiguous, shapes and dtype of q, k, v); the scores are
// recomputed blockwise from q, k and lse, or read from probs. GQA: dk/dv are summed over the query
// heads of each group.
std::vector<Tensor> attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                       const Tensor& out, const Tensor& lse, const Tensor& mask, bool is_causal,
                                       double scale, const Tensor& probs = Tensor());

}  // namespace ember
