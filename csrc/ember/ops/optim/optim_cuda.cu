// optim_cuda.cu — fused multi-tensor optimizer steps on CUDA (see optim.h for the math).
//
// Multi-tensor apply: the parameters of a group (one dtype at a time) are cut into chunks of
// kChunk elements. A table in device memory holds, per tensor, its pointers (param, grad, up to
// three state tensors), its element count, up to four per-tensor coefficients and a flag, plus the
// prefix sums of the chunk counts. ONE launch covers the whole list: block b walks the chunks
// b, b + gridDim.x, ...; it finds the chunk's tensor by binary search over the prefix sums and its
// threads walk the chunk's elements (coalesced). The table is written into a pinned host buffer
// and copied with cudaMemcpyAsync on the tensors' stream (the pinned pool recycles the buffer only
// after the stream passes the copy), so a step never synchronizes with the host.
//
// Element math: op for op the CPU loop of optim.cpp, in the same compute type (float for 16-bit
// floats), with explicitly rounded intrinsics (__fadd_rn, __fmul_rn, ...) so nvcc cannot contract
// a*b+c into an FMA: results equal the CPU's bit for bit (baseline x86-64 has no FMA; IEEE
// division and square root are correctly rounded on both).
#include <algorithm>
#include <cstring>
#include <vector>

#include "ember/cuda/cuda.h"
#include "ember/cuda/internal.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/optim/optim_cuda.h"

namespace ember::cuda {
namespace {

constexpr int64_t kChunk = 16 * 1024;  // elements per block-chunk
constexpr int kOptThreads = 256;
constexpr int kMaxBlocks = 8192;       // chunks beyond this are walked by the same blocks

// One tensor of the list (plain data, copied to the device as is).
struct OptTensor {
  void* t[5];     // param, grad, state0, state1, state2 (null when unused)
  int64_t n;      // elements
  double c[4];    // per-tensor coefficients (cast to the compute type in the kernel)
  int64_t flag;   // per-tensor flag (sgd: fresh momentum buffer; radam: rectified)
};
static_assert(sizeof(OptTensor) % 8 == 0, "OptTensor keeps the int64 prefix array aligned");

// ---- rounded arithmetic (never contracted into an FMA) -------------------------------------------
__device__ __forceinline__ float add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float div_(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double div_(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float sqrt_(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double sqrt_(double a) { return __dsqrt_rn(a); }
// std::max / std::min as the CPU calls them: max(a, b) = a < b ? b : a.
template <class C> __device__ __forceinline__ C smax(C a, C b) { return a < b ? b : a; }

// (C)(S)x: rounds the compute value to the storage type and back (a no-op for float/double).
template <class S> __device__ __forceinline__ acc_t<S> rnd(acc_t<S> x) {
  if constexpr (is_half_v<S>) {
    const S h = from_acc<S>(x);
    return load<S>(&h);
  } else {
    return x;
  }
}

template <class S> __device__ __forceinline__ acc_t<S> ld(const void* base, int64_t k) {
  return load<S>(static_cast<const S*>(base) + k);
}
template <class S> __device__ __forceinline__ void st(void* base, int64_t k, acc_t<S> v) {
  static_cast<S*>(base)[k] = from_acc<S>(v);
}

// ---- the multi-tensor kernel ------------------------------------------------------------------------
// Largest t with prefix[t] <= c (c < prefix[ntensors]): tensors with no chunks are skipped.
__device__ __forceinline__ int find_tensor(const int64_t* prefix, int ntensors, int64_t c) {
  int lo = 0, hi = ntensors - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) >> 1;
    if (prefix[mid] <= c) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

template <class S, class Op>
__global__ void __launch_bounds__(kOptThreads)
multi_tensor_kernel(const OptTensor* __restrict__ meta, const int64_t* __restrict__ prefix, int ntensors,
                    int64_t total_chunks, Op op) {
  for (int64_t c = blockIdx.x; c < total_chunks; c += gridDim.x) {
    const int t = find_tensor(prefix, ntensors, c);
    const OptTensor m = meta[t];
    const int64_t begin = (c - prefix[t]) * kChunk;
    const int64_t end = begin + kChunk < m.n ? begin + kChunk : m.n;
    for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x) op.template apply<S>(m, k);
  }
}

// Runs `op` over the list. coef(i, c) fills the per-tensor coefficients, flag(i) the flag.
template <class Op, class Coef, class Flag>
void multi_tensor_apply(const char* name, const TensorList& params, const TensorList& grads,
                        const TensorList* s0, const TensorList* s1, const TensorList* s2, const Coef& coef,
                        const Flag& flag, const Op& op) {
  if (params.empty()) return;
  const Device dev = params[0].device();
  DeviceGuard guard(dev.index);
  cudaStream_t stream = stream_of(params[0]);
  // one launch per dtype present in the list (usually one)
  std::vector<DType> dtypes;
  for (const Tensor& p : params)
    if (std::find(dtypes.begin(), dtypes.end(), p.dtype()) == dtypes.end()) dtypes.push_back(p.dtype());
  for (DType dt : dtypes) {
    std::vector<OptTensor> metas;
    std::vector<int64_t> prefix{0};
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].dtype() != dt) continue;
      OptTensor m{};
      m.t[0] = params[i].raw_data_ptr();
      m.t[1] = grads[i].raw_data_ptr();
      m.t[2] = (s0 && !s0->empty()) ? (*s0)[i].raw_data_ptr() : nullptr;
      m.t[3] = (s1 && !s1->empty()) ? (*s1)[i].raw_data_ptr() : nullptr;
      m.t[4] = (s2 && !s2->empty()) ? (*s2)[i].raw_data_ptr() : nullptr;
      m.n = params[i].numel();
      coef(i, m.c);
      m.flag = flag(i) ? 1 : 0;
      metas.push_back(m);
      prefix.push_back(prefix.back() + (m.n + kChunk - 1) / kChunk);
    }
    const int64_t total_chunks = prefix.back();
    if (total_chunks == 0) continue;  // every tensor empty
    EMBER_CHECK(metas.size() < (size_t)(1u << 30), name, "too many tensors in one parameter group");
    const int ntensors = (int)metas.size();
    const size_t prefix_bytes = prefix.size() * sizeof(int64_t);
    const size_t meta_off = (prefix_bytes + 15) / 16 * 16;
    const size_t bytes = meta_off + metas.size() * sizeof(OptTensor);
    // table: host (pinned) -> device, ordered on the stream before the kernel
    size_t rounded = 0;
    char* host = static_cast<char*>(pinned_alloc(bytes, &rounded));
    std::memcpy(host, prefix.data(), prefix_bytes);
    std::memcpy(host + meta_off, metas.data(), metas.size() * sizeof(OptTensor));
    Tensor table = Tensor::empty({(int64_t)bytes}, DType::UInt8, dev);
    char* dtab = static_cast<char*>(table.raw_data_ptr());
    cudaError_t err = cudaMemcpyAsync(dtab, host, bytes, cudaMemcpyHostToDevice, stream);
    pinned_free(host, rounded);  // reused only once the stream has passed the copy
    EMBER_CUDA_CHECK_OP(err, name);
    const unsigned grid = (unsigned)std::min<int64_t>(total_chunks, kMaxBlocks);
    const auto* dmeta = reinterpret_cast<const OptTensor*>(dtab + meta_off);
    const auto* dprefix = reinterpret_cast<const int64_t*>(dtab);
    dispatch_float(dt, name, [&](auto tag) {
      using S = typename decltype(tag)::type;
      multi_tensor_kernel<S, Op><<<grid, kOptThreads, 0, stream>>>(dmeta, dprefix, ntensors, total_chunks, op);
      EMBER_CUDA_LAUNCH_CHECK(name);
    });
  }
}

// ---- element math of each optimizer (optim.cpp, op for op) --------------------------------------
// Slots: t[0] param, t[1] grad, t[2..4] state tensors in the order of the optim.h arguments.

template <class S, class C>
__device__ __forceinline__ C load_grad(const OptTensor& m, int64_t k, bool maximize) {
  const C g = ld<S>(m.t[1], k);
  return maximize ? -g : g;
}

struct SgdOp {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C wd = (C)weight_decay, mom = (C)momentum, damp = (C)(1 - dampening), neg_lr = (C)(-lr);
    C d = load_grad<S, C>(m, k, maximize);
    if (weight_decay != 0) d = add(d, mul(wd, ld<S>(m.t[0], k)));
    if (momentum != 0) {
      C b = m.flag ? d : add(mul(ld<S>(m.t[2], k), mom), mul(damp, d));
      st<S>(m.t[2], k, b);
      b = ld<S>(m.t[2], k);
      d = nesterov ? add(d, mul(mom, b)) : b;
    }
    st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_lr, d)));
  }
};

// The Adam family's moments (optim.cpp adam_moments): state slots t[2] = m, t[3] = v.
struct AdamMoments {
  double beta1, beta2, weight_decay, lr;
  bool decoupled;
  template <class S, class C>
  __device__ __forceinline__ void run(const OptTensor& m, int64_t k, C& gk, C& pk, C& mk, C& vk) const {
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, w2 = (C)(1 - beta2), wd = (C)weight_decay;
    const C decay = (C)(1 - lr * weight_decay);
    if (weight_decay != 0) {
      if (decoupled) pk = rnd<S>(mul(pk, decay));
      else gk = add(gk, mul(wd, pk));
    }
    mk = ld<S>(m.t[2], k);
    mk = rnd<S>(add(mk, mul(w1, sub(gk, mk))));
    vk = rnd<S>(add(rnd<S>(mul(ld<S>(m.t[3], k), b2)), mul(mul(w2, gk), gk)));
    st<S>(m.t[2], k, mk);
    st<S>(m.t[3], k, vk);
  }
};

struct AdamOp {  // c[0] = step_size, c[1] = sqrt(bias correction 2); t[4] = max_exp_avg_sq
  AdamMoments mo;
  double eps;
  bool amsgrad, maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C bc2s = (C)m.c[1], ceps = (C)eps, neg_step = (C)(-m.c[0]);
    C gk = load_grad<S, C>(m, k, maximize);
    C pk = ld<S>(m.t[0], k);
    C mk, vk;
    mo.run<S, C>(m, k, gk, pk, mk, vk);
    C use = vk;
    if (amsgrad) {
      const C mx = smax<C>(ld<S>(m.t[4], k), vk);
      st<S>(m.t[4], k, mx);
      use = mx;
    }
    const C denom = rnd<S>(add(rnd<S>(div_(sqrt_(use), bc2s)), ceps));
    st<S>(m.t[0], k, add(pk, mul(neg_step, rnd<S>(div_(mk, denom)))));
  }
};

struct RmspropOp {  // t[2] = square_avg, t[3] = grad_avg, t[4] = momentum buffer
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C a = (C)alpha, wa = (C)(1 - alpha), wd = (C)weight_decay, ceps = (C)eps, mom = (C)momentum,
            neg_lr = (C)(-lr);
    C gk = load_grad<S, C>(m, k, maximize);
    if (weight_decay != 0) gk = add(gk, mul(wd, ld<S>(m.t[0], k)));
    const C s = rnd<S>(add(rnd<S>(mul(ld<S>(m.t[2], k), a)), mul(mul(wa, gk), gk)));
    st<S>(m.t[2], k, s);
    C avg;
    if (centered) {
      C gav = ld<S>(m.t[3], k);
      gav = rnd<S>(add(gav, mul(wa, sub(gk, gav))));
      st<S>(m.t[3], k, gav);
      avg = rnd<S>(sqrt_(rnd<S>(sub(s, mul(gav, gav)))));
    } else {
      avg = rnd<S>(sqrt_(s));
    }
    avg = rnd<S>(add(avg, ceps));
    if (momentum > 0) {
      const C bk = rnd<S>(add(rnd<S>(mul(ld<S>(m.t[4], k), mom)), rnd<S>(div_(gk, avg))));
      st<S>(m.t[4], k, bk);
      st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_lr, bk)));
    } else {
      st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_lr, rnd<S>(div_(gk, avg)))));
    }
  }
};

struct AdagradOp {  // c[0] = clr; t[2] = sum
  double weight_decay, eps;
  bool maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C wd = (C)weight_decay, ceps = (C)eps, neg_clr = (C)(-m.c[0]);
    C gk = load_grad<S, C>(m, k, maximize);
    if (weight_decay != 0) gk = add(gk, mul(wd, ld<S>(m.t[0], k)));
    const C s = rnd<S>(add(ld<S>(m.t[2], k), mul(gk, gk)));
    st<S>(m.t[2], k, s);
    const C stdv = rnd<S>(add(rnd<S>(sqrt_(s)), ceps));
    st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_clr, rnd<S>(div_(gk, stdv)))));
  }
};

struct AdadeltaOp {  // t[2] = square_avg, t[3] = acc_delta
  double lr, rho, eps, weight_decay;
  bool maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C r = (C)rho, wr = (C)(1 - rho), wd = (C)weight_decay, ceps = (C)eps, neg_lr = (C)(-lr);
    C gk = load_grad<S, C>(m, k, maximize);
    if (weight_decay != 0) gk = add(gk, mul(wd, ld<S>(m.t[0], k)));
    const C s = rnd<S>(add(rnd<S>(mul(ld<S>(m.t[2], k), r)), mul(mul(wr, gk), gk)));
    st<S>(m.t[2], k, s);
    const C stdv = rnd<S>(sqrt_(rnd<S>(add(s, ceps))));
    const C acc = ld<S>(m.t[3], k);
    C delta = rnd<S>(sqrt_(rnd<S>(add(acc, ceps))));
    delta = rnd<S>(mul(rnd<S>(div_(delta, stdv)), gk));
    st<S>(m.t[3], k, add(rnd<S>(mul(acc, r)), mul(mul(wr, delta), delta)));
    st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_lr, delta)));
  }
};

struct AdamaxOp {  // c[0] = clr; t[2] = exp_avg, t[3] = exp_inf
  double beta1, beta2, eps, weight_decay;
  bool maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, wd = (C)weight_decay, ceps = (C)eps, neg_clr = (C)(-m.c[0]);
    C gk = load_grad<S, C>(m, k, maximize);
    if (weight_decay != 0) gk = add(gk, mul(wd, ld<S>(m.t[0], k)));
    C mk = ld<S>(m.t[2], k);
    mk = rnd<S>(add(mk, mul(w1, sub(gk, mk))));
    st<S>(m.t[2], k, mk);
    const C uk = smax<C>(rnd<S>(mul(ld<S>(m.t[3], k), b2)), rnd<S>(add(fabs(gk), ceps)));
    st<S>(m.t[3], k, uk);
    st<S>(m.t[0], k, add(ld<S>(m.t[0], k), mul(neg_clr, rnd<S>(div_(mk, uk)))));
  }
};

struct NadamOp {  // c[0] = bc2, c[1] = c_grad, c[2] = c_avg
  AdamMoments mo;
  double eps;
  bool maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C ceps = (C)eps, cb2 = (C)m.c[0], cg = (C)m.c[1], ca = (C)m.c[2];
    C gk = load_grad<S, C>(m, k, maximize);
    C pk = ld<S>(m.t[0], k);
    C mk, vk;
    mo.run<S, C>(m, k, gk, pk, mk, vk);
    const C denom = rnd<S>(add(rnd<S>(sqrt_(rnd<S>(div_(vk, cb2)))), ceps));
    pk = rnd<S>(add(pk, mul(cg, rnd<S>(div_(gk, denom)))));
    st<S>(m.t[0], k, add(pk, mul(ca, rnd<S>(div_(mk, denom)))));
  }
};

struct RadamOp {  // c[0] = bc1, c[1] = sqrt(bc2), c[2] = rect; flag = rectified
  AdamMoments mo;
  double eps, lr;
  bool maximize;
  template <class S> __device__ __forceinline__ void apply(const OptTensor& m, int64_t k) const {
    using C = acc_t<S>;
    const C ceps = (C)eps, cbc1 = (C)m.c[0], cbc2s = (C)m.c[1], clr = (C)lr, crect = (C)m.c[2];
    C gk = load_grad<S, C>(m, k, maximize);
    C pk = ld<S>(m.t[0], k);
    C mk, vk;
    mo.run<S, C>(m, k, gk, pk, mk, vk);
    C upd = rnd<S>(mul(rnd<S>(div_(mk, cbc1)), clr));
    if (m.flag) {
      const C adaptive = rnd<S>(div_(cbc2s, rnd<S>(add(rnd<S>(sqrt_(vk)), ceps))));
      upd = rnd<S>(mul(rnd<S>(mul(upd, adaptive)), crect));
    }
    st<S>(m.t[0], k, sub(pk, upd));
  }
};

const auto kNoCoef = [](size_t, double*) {};
const auto kNoFlag = [](size_t) { return false; };

}  // namespace

void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& bufs,
              const std::vector<bool>& first, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize) {
  SgdOp op{lr, momentum, dampening, weight_decay, nesterov, maximize};
  multi_tensor_apply("sgd", params, grads, momentum != 0 ? &bufs : nullptr, nullptr, nullptr, kNoCoef,
                     [&](size_t i) { return momentum != 0 && first[i]; }, op);
}

void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_sqs, const std::vector<double>& step_size,
               const std::vector<double>& bc2_sqrt, double lr, double beta1, double beta2, double eps,
               double weight_decay, bool decoupled, bool amsgrad, bool maximize) {
  AdamOp op{AdamMoments{beta1, beta2, weight_decay, lr, decoupled}, eps, amsgrad, maximize};
  multi_tensor_apply("adam", params, grads, &exp_avgs, &exp_avg_sqs, amsgrad ? &max_sqs : nullptr,
                     [&](size_t i, double* c) { c[0] = step_size[i]; c[1] = bc2_sqrt[i]; }, kNoFlag, op);
}

void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& bufs, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bool centered, bool maximize) {
  RmspropOp op{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  multi_tensor_apply("rmsprop", params, grads, &square_avgs, centered ? &grad_avgs : nullptr,
                     momentum > 0 ? &bufs : nullptr, kNoCoef, kNoFlag, op);
}

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& sums,
                  const std::vector<double>& clr, double weight_decay, double eps, bool maximize) {
  AdagradOp op{weight_decay, eps, maximize};
  multi_tensor_apply("adagrad", params, grads, &sums, nullptr, nullptr,
                     [&](size_t i, double* c) { c[0] = clr[i]; }, kNoFlag, op);
}

void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                   bool maximize) {
  AdadeltaOp op{lr, rho, eps, weight_decay, maximize};
  multi_tensor_apply("adadelta", params, grads, &square_avgs, &acc_deltas, nullptr, kNoCoef, kNoFlag, op);
}

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const std::vector<double>& clr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize) {
  AdamaxOp op{beta1, beta2, eps, weight_decay, maximize};
  multi_tensor_apply("adamax", params, grads, &exp_avgs, &exp_infs, nullptr,
                     [&](size_t i, double* c) { c[0] = clr[i]; }, kNoFlag, op);
}

void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc2, const std::vector<double>& c_grad,
                const std::vector<double>& c_avg, double lr, double beta1, double beta2, double eps,
                double weight_decay, bool decoupled, bool maximize) {
  NadamOp op{AdamMoments{beta1, beta2, weight_decay, lr, decoupled}, eps, maximize};
  multi_tensor_apply("nadam", params, grads, &exp_avgs, &exp_avg_sqs, nullptr,
                     [&](size_t i, double* c) { c[0] = bc2[i]; c[1] = c_grad[i]; c[2] = c_avg[i]; }, kNoFlag,
                     op);
}

void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc1, const std::vector<double>& bc2_sqrt,
                const std::vector<double>& rect, const std::vector<bool>& rectified, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, bool maximize) {
  RadamOp op{AdamMoments{beta1, beta2, weight_decay, lr, decoupled}, eps, lr, maximize};
  multi_tensor_apply("radam", params, grads, &exp_avgs, &exp_avg_sqs, nullptr,
                     [&](size_t i, double* c) { c[0] = bc1[i]; c[1] = bc2_sqrt[i]; c[2] = rect[i]; },
                     [&](size_t i) { return (bool)rectified[i]; }, op);
}

}  // namespace ember::cuda
