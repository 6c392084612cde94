// attention_kernels.h — the per-ISA kernel table of the attention family. attention_kernels.inc is
// compiled once per ISA (attention_base.cpp, attention_avx2.cpp, attention_avx512.cpp);
// attention_ref.cpp holds the plain-loop reference that materializes one score row at a time.
// Every pointer has the compute type T (float or double) except the bool mask; strides are in
// elements, ordered (n, h, row, col). Outputs are written with `=`; out/lse are contiguous, dq/dk/dv
// are written through their strides (sdq/sdk/sdv; CPU kernels only, CUDA writes them contiguous).
#pragma once
#include <cstdint>
#include "ember/core/cpu_features.h"

namespace ember {

enum class AttnMask : int { None = 0, Bool = 1, Additive = 2 };

struct AttnParams {
  int64_t N = 0, Hq = 0, Hk = 0, L = 0, S = 0, E = 0, Ev = 0;
  const void* q = nullptr; int64_t sq[4] = {};   // (N, Hq, L, E)
  const void* k = nullptr; int64_t sk[4] = {};   // (N, Hk, S, E)
  const void* v = nullptr; int64_t sv[4] = {};   // (N, Hk, S, Ev)
  AttnMask mask_kind = AttnMask::None;
  const void* mask = nullptr; int64_t sm[4] = {};  // (N, Hq, L, S), bool or T
  bool causal = false;
  double scale = 1.0;
  // forward outputs / backward inputs (contiguous)
  void* out = nullptr;  // (N, Hq, L, Ev)
  void* lse = nullptr;  // (N, Hq, L)
  // backward
  const void* dout = nullptr; int64_t sdo[4] = {};  // (N, Hq, L, Ev)
  void* dq = nullptr; int64_t sdq[4] = {};  // (N, Hq, L, E)
  void* dk = nullptr; int64_t sdk[4] = {};  // (N, Hk, S, E)
  void* dv = nullptr; int64_t sdv[4] = {};  // (N, Hk, S, Ev)
  // saved attention weights (CPU fast kernels, not causal; nullptr: none): P = softmax(scores),
  // (N, Hq, L, ldp) contiguous, columns >= S zero; the forward writes it, the backward reads it
  // instead of recomputing the scores
  void* probs = nullptr; int64_t ldp = 0;
};

struct AttentionKernel {
  void (*fwd_f32)(const AttnParams& p);
  void (*fwd_f64)(const AttnParams& p);
  void (*bwd_f32)(const AttnParams& p);
  void (*bwd_f64)(const AttnParams& p);
};
const AttentionKernel* attention_kernels();  // reference table when use_reference_kernels()

namespace ref { extern const AttentionKernel attention_kernel; }
namespace base { extern const AttentionKernel attention_kernel; }
namespace avx2 { extern const AttentionKernel attention_kernel; }
namespace avx512 { extern const AttentionKernel attention_kernel; }

}  // namespace ember
