// loss_cuda.cu — the loss family on CUDA: fused cross-entropy rows (forward: online max/sum of
// exp, then the loss; backward: softmax minus target in one pass), nll_loss, the binary
// cross-entropies, huber/smooth_l1, and the deterministic sums behind the mean/sum reductions.
// Cross-entropy rows of <= 1024 classes take one warp per row, longer rows one block per row.
// Reductions sum in double: fixed per-block partials, then one block adds them in order.
#include <climits>
#include <cstring>
#include "ember/ops/loss/loss_cuda.h"
#include "ember/ops/softmax/row_reduce.cuh"

namespace ember::cuda {
namespace {

using namespace rowred;

constexpr int kWarpRows = 4;       // rows per block of the warp-per-row kernels (128 threads)
constexpr int kReduceThreads = 256;
constexpr int kMaxPartials = 1024;  // blocks of the first reduction pass

template <class T> const T* cptr(const Tensor& t) { return t.defined() ? static_cast<const T*>(t.raw_data_ptr()) : nullptr; }
template <class T> T* mptr(const Tensor& t) { return t.defined() ? static_cast<T*>(t.raw_data_ptr()) : nullptr; }

// ---- deterministic sums --------------------------------------------------------------------------------
// partials[blockIdx.x] = sum of f(i) over this block's grid-stride share (double).
template <class F>
__global__ void partial_sum_kernel(int64_t n, F f, double* __restrict__ partials) {
  __shared__ double scratch[32];
  double s = 0;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) s += (double)f(i);
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}
// One block: out[0] = (O)(sum(partials) / div).
template <class O>
__global__ void finish_sum_kernel(const double* __restrict__ partials, int nb, double div, O* __restrict__ out) {
  __shared__ double scratch[32];
  double s = 0;
  for (int i = threadIdx.x; i < nb; i += blockDim.x) s += partials[i];
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) out[0] = (O)(s / div);
}

template <class T> struct LoadAt {
  const T* p;
  __device__ __forceinline__ acc_t<T> operator()(int64_t i) const { return load<T>(p + i); }
};

// out (float or double, one element) = sum_{i<n} f(i) / div. `like` names the device.
template <class F>
void launch_sum(const char* op, int64_t n, F f, double div, const Tensor& out, cudaStream_t s) {
  const int nb = (int)std::min<int64_t>(kMaxPartials, std::max<int64_t>(1, (n + kReduceThreads - 1) / kReduceThreads));
  Tensor part = Tensor::empty({nb}, DType::Float64, out.device());
  double* pp = mptr<double>(part);
  partial_sum_kernel<<<nb, kReduceThreads, 0, s>>>(n, f, pp);
  EMBER_CUDA_LAUNCH_CHECK(op);
  if (out.dtype() == DType::Float64) finish_sum_kernel<double><<<1, kReduceThreads, 0, s>>>(pp, nb, div, mptr<double>(out));
  else finish_sum_kernel<float><<<1, kReduceThreads, 0, s>>>(pp, nb, div, mptr<float>(out));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// ---- cross-entropy -----------------------------------------------------------------------------------------
template <class T> struct CeParams {
  const T* x;
  const int64_t* target;  // class indices, or null
  const T* ptarget;       // probabilities, or null
  const acc_t<T>* weight; // (C) or null
  int64_t M, C, ignore;
  acc_t<T> ls;            // label smoothing
};

// Row scheduling shared by the warp-per-row (kWarp) and block-per-row kernels.
template <bool kWarp> struct Rows {
  __device__ __forceinline__ static int lane() { return kWarp ? (int)(threadIdx.x & 31) : (int)threadIdx.x; }
  __device__ __forceinline__ static int width() { return kWarp ? 32 : (int)blockDim.x; }
  __device__ __forceinline__ static int64_t first() {
    return kWarp ? (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5) : (int64_t)blockIdx.x;
  }
  __device__ __forceinline__ static int64_t step() {
    return kWarp ? (int64_t)gridDim.x * (blockDim.x >> 5) : (int64_t)gridDim.x;
  }
};

template <class T, bool kWarp>
__global__ void ce_fwd_kernel(CeParams<T> p, acc_t<T>* __restrict__ loss, acc_t<T>* __restrict__ lse) {
  using A = acc_t<T>;
  using R = Rows<kWarp>;
  __shared__ MaxSum<A> ms_scratch[32];
  __shared__ A scratch[32];
  const int lane = R::lane(), width = R::width();
  const A* w = p.weight;
  for (int64_t r = R::first(); r < p.M; r += R::step()) {  // uniform over the row group
    const T* xr = p.x + r * p.C;
    MaxSum<A> st = ms_identity<A>();
    for (int64_t c = lane; c < p.C; c += width) ms_push(st, load<T>(xr + c));
    st = group_ms<kWarp>(st, ms_scratch);
    const A m = st.m, lsum = dlog(st.s);
    if (p.target) {
      const int64_t t = p.target[r];
      // out-of-range targets were rejected on the host; never index with one here
      const bool ignored = t == p.ignore || t < 0 || t >= p.C;
      A v = 0;
      if (!ignored && p.ls != A(0)) {  // uniform: t is the row's
        for (int64_t c = lane; c < p.C; c += width) v += (w ? w[c] : A(1)) * ((m - load<T>(xr + c)) + lsum);
        v = group_sum<kWarp>(v, scratch);
      }
      if (lane == 0) {
        A out = 0;
        if (!ignored) {
          const A wt = w ? w[t] : A(1);
          out = (A(1) - p.ls) * wt * ((m - load<T>(xr + t)) + lsum);
          if (p.ls != A(0)) out += p.ls / (A)p.C * v;
        }
        loss[r] = out;
      }
    } else {
      const T* pr = p.ptarget + r * p.C;
      A v = 0;
      for (int64_t c = lane; c < p.C; c += width) {
        A tt = load<T>(pr + c) * (A(1) - p.ls) + p.ls / (A)p.C;
        if (w) tt *= w[c];
        v += tt * ((m - load<T>(xr + c)) + lsum);
      }
      v = group_sum<kWarp>(v, scratch);
      if (lane == 0) loss[r] = v;
    }
    if (lane == 0) {
      lse[2 * r] = m;
      lse[2 * r + 1] = lsum;
    }
  }
}

template <class T, bool kWarp>
__global__ void ce_bwd_kernel(CeParams<T> p, const acc_t<T>* __restrict__ lse, const acc_t<T>* __restrict__ g,
                              int64_t g_stride, const acc_t<T>* __restrict__ wsum, T* __restrict__ dx) {
  using A = acc_t<T>;
  using R = Rows<kWarp>;
  __shared__ A scratch[32];
  const int lane = R::lane(), width = R::width();
  const A* w = p.weight;
  for (int64_t r = R::first(); r < p.M; r += R::step()) {  // uniform over the row group
    const T* xr = p.x + r * p.C;
    T* dr = dx + r * p.C;
    const A gi = g[r * g_stride], m = lse[2 * r], lsum = lse[2 * r + 1];
    if (p.target) {
      const int64_t t = p.target[r];
      if (t == p.ignore || t < 0 || t >= p.C) {
        for (int64_t c = lane; c < p.C; c += width) dr[c] = from_acc<T>(A(0));
        continue;  // uniform: t is the row's
      }
      const A wt = w ? w[t] : A(1);
      const A sw = (w && wsum) ? wsum[0] : (A)p.C;  // wsum is only computed when label smoothing uses it
      const A ca = gi * (A(1) - p.ls) * wt, cb = gi * p.ls / (A)p.C, coef = ca + cb * sw;
      const bool wc = w && cb != A(0);
      for (int64_t c = lane; c < p.C; c += width) {
        A v = coef * dexp((load<T>(xr + c) - m) - lsum) - (wc ? cb * w[c] : cb);
        if (c == t) v -= ca;
        dr[c] = from_acc<T>(v);
      }
    } else {
      const T* pr = p.ptarget + r * p.C;
      A S = 0;
      for (int64_t c = lane; c < p.C; c += width) {
        const A tt = load<T>(pr + c) * (A(1) - p.ls) + p.ls / (A)p.C;
        S += w ? tt * w[c] : tt;
      }
      S = group_sum<kWarp>(S, scratch);
      for (int64_t c = lane; c < p.C; c += width) {
        A tt = load<T>(pr + c) * (A(1) - p.ls) + p.ls / (A)p.C;
        if (w) tt *= w[c];
        dr[c] = from_acc<T>(gi * (S * dexp((load<T>(xr + c) - m) - lsum) - tt));
      }
    }
  }
}

template <class T>
CeParams<T> ce_params(const Tensor& x, const Tensor& target, const Tensor& ptarget, const Tensor& weight,
                      int64_t ignore, double ls) {
  CeParams<T> p;
  p.x = cptr<T>(x);
  p.target = cptr<int64_t>(target);
  p.ptarget = cptr<T>(ptarget);
  p.weight = cptr<acc_t<T>>(weight);
  p.M = x.size(0);
  p.C = x.size(1);
  p.ignore = ignore;
  p.ls = (acc_t<T>)ls;
  return p;
}

// Row kernels: one warp per row for C <= 1024, else one block per row.
template <class KWarp, class KBlock>
void launch_rows(int64_t M, int64_t C, cudaStream_t s, KWarp kw, KBlock kb) {
  if (C <= 1024) kw(blocks_for(M, kWarpRows), kWarpRows * 32, s);
  else kb(blocks_for(M, 1), row_block_threads(C), s);
}

// ---- target statistics (one block) ------------------------------------------------------------------------
template <class A>
__global__ void target_stats_kernel(const int64_t* __restrict__ t, int64_t M, const A* __restrict__ w, int64_t C,
                                    int64_t ignore, double* __restrict__ out) {
  __shared__ double scratch[32];
  __shared__ long long iscratch[32];
  double s = 0;
  long long bad = LLONG_MAX;
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) {
    const int64_t ti = t[i];
    if (ti == ignore) continue;
    if (ti < 0 || ti >= C) {
      if ((long long)i < bad) bad = (long long)i;
      continue;
    }
    s += w ? (double)w[ti] : 1.0;
  }
  s = block_sum(s, scratch);
  bad = block_reduce(bad, MinOp{}, (long long)LLONG_MAX, iscratch);
  if (threadIdx.x == 0) {
    out[0] = s;
    long long* o = reinterpret_cast<long long*>(out);
    o[1] = bad == LLONG_MAX ? -1 : bad;
    o[2] = bad == LLONG_MAX ? 0 : (long long)t[bad];
  }
}

// ---- nll_loss ------------------------------------------------------------------------------------------------
template <class T>
__global__ void nll_fwd_kernel(const T* __restrict__ x, const int64_t* __restrict__ t, const acc_t<T>* __restrict__ w,
                               int64_t N, int64_t C, int64_t inner, int64_t ignore, acc_t<T>* __restrict__ loss) {
  using A = acc_t<T>;
  const int64_t n_items = N * inner, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < n_items; k += step) {
    const int64_t n = k / inner, i = k - n * inner, c = t[k];
    if (c == ignore || c < 0 || c >= C) {
      loss[k] = A(0);
      continue;
    }
    loss[k] = -(w ? w[c] : A(1)) * load<T>(x + (n * C + c) * inner + i);
  }
}

template <class T>
__global__ void nll_bwd_kernel(const int64_t* __restrict__ t, const acc_t<T>* __restrict__ w,
                               const acc_t<T>* __restrict__ g, int64_t g_stride, int64_t N, int64_t C, int64_t inner,
                               int64_t ignore, T* __restrict__ dx) {
  using A = acc_t<T>;
  const int64_t total = N * C * inner, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += step) {
    const int64_t q = e / inner, i = e - q * inner, n = q / C, c = q - n * C, k = n * inner + i;
    const int64_t tk = t[k];
    A v = 0;
    if (tk == c && tk != ignore) v = -(w ? w[c] : A(1)) * g[k * g_stride];
    dx[e] = from_acc<T>(v);
  }
}

// ---- binary cross-entropies (compute type A) -------------------------------------------------------------
template <class A> __device__ __forceinline__ A clamp_log(A v) { return MaxOp{}(dlog(v), A(-100)); }
__device__ __forceinline__ float dlog1p(float v) { return log1pf(v); }
__device__ __forceinline__ double dlog1p(double v) { return log1p(v); }
template <class A> __device__ __forceinline__ A softplus_neg(A x) {  // log(1 + exp(-x)), stable
  const A ax = x < A(0) ? -x : x;
  return dlog1p(dexp(-ax)) + (x < A(0) ? -x : A(0));
}

template <class A>
__global__ void bce_fwd_kernel(const A* __restrict__ x, const A* __restrict__ t, const A* __restrict__ w, int64_t n,
                               A* __restrict__ loss, int* __restrict__ bad) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    const A xi = x[i], ti = t[i];
    if (!(xi >= A(0) && xi <= A(1))) *bad = 1;  // benign race: every writer stores 1
    const A v = -(ti * clamp_log(xi) + (A(1) - ti) * clamp_log(A(1) - xi));
    loss[i] = w ? v * w[i] : v;
  }
}

template <class A>
__global__ void bce_bwd_kernel(const A* __restrict__ x, const A* __restrict__ t, const A* __restrict__ w,
                               const A* __restrict__ g, int64_t g_stride, int64_t n, A* __restrict__ dx,
                               A* __restrict__ dt) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    const A xi = x[i], ti = t[i];
    const A gi = g[i * g_stride] * (w ? w[i] : A(1));
    const A den = MaxOp{}((A(1) - xi) * xi, A(1e-12));
    dx[i] = gi * (xi - ti) / den;
    if (dt) dt[i] = gi * (clamp_log(A(1) - xi) - clamp_log(xi));
  }
}

template <class A>
__global__ void bcel_fwd_kernel(const A* __restrict__ x, const A* __restrict__ t, const A* __restrict__ w,
                                const A* __restrict__ pw, int64_t n, A* __restrict__ loss) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    const A xi = x[i], ti = t[i];
    const A lw = pw ? A(1) + (pw[i] - A(1)) * ti : A(1);
    const A v = (A(1) - ti) * xi + lw * softplus_neg(xi);
    loss[i] = w ? v * w[i] : v;
  }
}

template <class A>
__global__ void bcel_bwd_kernel(const A* __restrict__ x, const A* __restrict__ t, const A* __restrict__ w,
                                const A* __restrict__ pw, const A* __restrict__ g, int64_t g_stride, int64_t n,
                                A* __restrict__ dx, A* __restrict__ dt) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    const A xi = x[i], ti = t[i];
    const A gi = g[i * g_stride] * (w ? w[i] : A(1));
    const A pwi = pw ? pw[i] : A(1), lw = A(1) + (pwi - A(1)) * ti;
    const A sig_neg = A(1) / (A(1) + dexp(xi));
    if (dx) dx[i] = gi * ((A(1) - ti) - lw * sig_neg);
    if (dt) dt[i] = gi * ((pwi - A(1)) * softplus_neg(xi) - xi);
  }
}

// ---- huber / smooth_l1 ----------------------------------------------------------------------------------------
template <class A> struct HuberAt {
  const A *x, *t;
  A p, s;  // threshold, scale (1/p for smooth_l1)
  __device__ __forceinline__ A operator()(int64_t i) const {
    A a = x[i] - t[i];
    a = a < A(0) ? -a : a;
    const A m = p < a ? p : a;  // nan a stays nan
    return m * (a - A(0.5) * m) * s;
  }
};

template <class A>
__global__ void huber_map_kernel(HuberAt<A> f, int64_t n, A* __restrict__ loss) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) loss[i] = f(i);
}

template <class A>
__global__ void huber_bwd_kernel(const A* __restrict__ x, const A* __restrict__ t, A p, A s, const A* __restrict__ g,
                                 int64_t g_stride, int64_t n, A* __restrict__ dx, A* __restrict__ dt) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    A d = x[i] - t[i];
    d = d < -p ? -p : d;
    d = p < d ? p : d;
    const A v = g[i * g_stride] * s * d;
    if (dx) dx[i] = v;
    if (dt) dt[i] = -v;
  }
}

template <class A>
__global__ void scale_scalar_kernel(const double* __restrict__ in, double div, A* __restrict__ out) {
  if (blockIdx.x == 0 && threadIdx.x == 0) out[0] = (A)(in[0] / div);
}

// Run f(Tag<float>) or f(Tag<double>) for a compute dtype.
template <class F> void dispatch_cdt(DType dt, const char* op, F&& f) {
  if (dt == DType::Float64) f(Tag<double>{});
  else if (dt == DType::Float32) f(Tag<float>{});
  else EMBER_FAIL(op, "internal error: compute dtype ", dtype_name(dt));
}

}  // namespace

// ---- entry points -------------------------------------------------------------------------------------------
void cross_entropy_forward(const Tensor& x, const Tensor& target, const Tensor& ptarget, const Tensor& weight,
                           int64_t ignore_index, double label_smoothing, const Tensor& loss, const Tensor& lse) {
  const char* op = "cross_entropy";
  const int64_t M = x.size(0), C = x.size(1);
  if (M == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    CeParams<T> p = ce_params<T>(x, target, ptarget, weight, ignore_index, label_smoothing);
    A* lp = mptr<A>(loss);
    A* sp = mptr<A>(lse);
    launch_rows(M, C, s, [&](unsigned b, int t, cudaStream_t st) { ce_fwd_kernel<T, true><<<b, t, 0, st>>>(p, lp, sp); },
                [&](unsigned b, int t, cudaStream_t st) { ce_fwd_kernel<T, false><<<b, t, 0, st>>>(p, lp, sp); });
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void cross_entropy_backward(const Tensor& x, const Tensor& target, const Tensor& ptarget, const Tensor& weight,
                            int64_t ignore_index, double label_smoothing, const Tensor& lse, const Tensor& g,
                            int64_t g_stride, const Tensor& dx) {
  const char* op = "cross_entropy_backward";
  const int64_t M = x.size(0), C = x.size(1);
  if (M == 0 || C == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    CeParams<T> p = ce_params<T>(x, target, ptarget, weight, ignore_index, label_smoothing);
    // sum of the class weights (class targets with label smoothing), computed on the device
    Tensor wsum;
    if (weight.defined() && target.defined() && label_smoothing != 0) {
      wsum = Tensor::empty({1}, weight.dtype(), weight.device());
      launch_sum(op, C, LoadAt<A>{cptr<A>(weight)}, 1.0, wsum, s);
    }
    const A* lp = cptr<A>(lse);
    const A* gp = cptr<A>(g);
    const A* wp = cptr<A>(wsum);
    T* dp = mptr<T>(dx);
    launch_rows(M, C, s,
                [&](unsigned b, int t, cudaStream_t st) { ce_bwd_kernel<T, true><<<b, t, 0, st>>>(p, lp, gp, g_stride, wp, dp); },
                [&](unsigned b, int t, cudaStream_t st) { ce_bwd_kernel<T, false><<<b, t, 0, st>>>(p, lp, gp, g_stride, wp, dp); });
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

Tensor class_target_stats_launch(const Tensor& target, const Tensor& weight, int64_t C, int64_t ignore_index,
                                 const char* op) {
  const int64_t M = target.numel();
  if (M == 0) return Tensor();
  DeviceGuard guard(target.device().index);
  cudaStream_t s = stream_of(target);
  Tensor out = Tensor::empty({3}, DType::Float64, target.device());
  const int64_t* tp = cptr<int64_t>(target);
  double* op_ = mptr<double>(out);
  if (weight.defined() && weight.dtype() == DType::Float64)
    target_stats_kernel<double><<<1, 1024, 0, s>>>(tp, M, cptr<double>(weight), C, ignore_index, op_);
  else
    target_stats_kernel<float><<<1, 1024, 0, s>>>(tp, M, weight.defined() ? cptr<float>(weight) : nullptr, C,
                                                  ignore_index, op_);
  EMBER_CUDA_LAUNCH_CHECK(op);
  return out;
}

TargetStats class_target_stats_read(const Tensor& stats, const char* op) {
  TargetStats r;
  if (!stats.defined()) return r;  // no targets
  DeviceGuard guard(stats.device().index);
  cudaStream_t s = stream_of(stats);
  double host[3];
  EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(host, stats.raw_data_ptr(), sizeof(host), cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(s), op);  // the result is needed on the host (see loss_cuda.h)
  long long bits[3];
  static_assert(sizeof(bits) == sizeof(host), "layout");
  memcpy(bits, host, sizeof(host));
  r.total_weight = host[0];
  r.bad_index = bits[1];
  r.bad_value = bits[2];
  return r;
}

void nll_loss_forward(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t N, int64_t C, int64_t inner,
                      int64_t ignore_index, const Tensor& loss) {
  const char* op = "nll_loss";
  const int64_t n = N * inner;
  if (n == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    nll_fwd_kernel<T><<<grid_for(n), kThreads, 0, s>>>(cptr<T>(x), cptr<int64_t>(target), cptr<A>(weight), N, C, inner,
                                                      ignore_index, mptr<A>(loss));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void nll_loss_backward(const Tensor& target, const Tensor& weight, const Tensor& g, int64_t g_stride, int64_t N,
                       int64_t C, int64_t inner, int64_t ignore_index, const Tensor& dx) {
  const char* op = "nll_loss_backward";
  const int64_t n = dx.numel();
  if (n == 0) return;
  DeviceGuard guard(dx.device().index);
  cudaStream_t s = stream_of(dx);
  dispatch_float(dx.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    nll_bwd_kernel<T><<<grid_for(n), kThreads, 0, s>>>(cptr<int64_t>(target), cptr<A>(weight), cptr<A>(g), g_stride, N,
                                                      C, inner, ignore_index, mptr<T>(dx));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void loss_sum(const Tensor& per, double div, const Tensor& out, const char* op) {
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  dispatch_cdt(per.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    launch_sum(op, per.numel(), LoadAt<A>{cptr<A>(per)}, div, out, s);
  });
}

void scale_scalar(const Tensor& grad, double div, const Tensor& out, const char* op) {
  DeviceGuard guard(out.device().index);
  cudaStream_t s = stream_of(out);
  Tensor g64 = grad;  // caller passes a float64 one-element tensor
  EMBER_CHECK(g64.dtype() == DType::Float64 && g64.numel() == 1, op, "internal error: scale_scalar expects float64");
  dispatch_cdt(out.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    scale_scalar_kernel<A><<<1, 32, 0, s>>>(cptr<double>(g64), div, mptr<A>(out));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

bool bce_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& loss) {
  const char* op = "binary_cross_entropy";
  const int64_t n = x.numel();
  if (n == 0) return true;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  Tensor flag = Tensor::empty({1}, DType::Int32, x.device());
  int* fp = mptr<int>(flag);
  EMBER_CUDA_CHECK_OP(cudaMemsetAsync(fp, 0, sizeof(int), s), op);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    bce_fwd_kernel<A><<<grid_for(n), kThreads, 0, s>>>(cptr<A>(x), cptr<A>(t), cptr<A>(w), n, mptr<A>(loss), fp);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
  int host = 0;
  EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(&host, fp, sizeof(int), cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(s), op);  // the range check must raise on the host
  return host == 0;
}

void bce_backward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& g, int64_t g_stride,
                  const Tensor& dx, const Tensor& dt) {
  const char* op = "binary_cross_entropy_backward";
  const int64_t n = x.numel();
  if (n == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    bce_bwd_kernel<A><<<grid_for(n), kThreads, 0, s>>>(cptr<A>(x), cptr<A>(t), cptr<A>(w), cptr<A>(g), g_stride, n,
                                                      mptr<A>(dx), mptr<A>(dt));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void bce_logits_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& loss) {
  const char* op = "binary_cross_entropy_with_logits";
  const int64_t n = x.numel();
  if (n == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    bcel_fwd_kernel<A><<<grid_for(n), kThreads, 0, s>>>(cptr<A>(x), cptr<A>(t), cptr<A>(w), cptr<A>(pw), n,
                                                       mptr<A>(loss));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void bce_logits_backward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& g,
                         int64_t g_stride, const Tensor& dx, const Tensor& dt) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  const int64_t n = x.numel();
  if (n == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    bcel_bwd_kernel<A><<<grid_for(n), kThreads, 0, s>>>(cptr<A>(x), cptr<A>(t), cptr<A>(w), cptr<A>(pw), cptr<A>(g),
                                                       g_stride, n, mptr<A>(dx), mptr<A>(dt));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void huber_forward(const Tensor& x, const Tensor& t, double p, bool smooth_l1, const Tensor& loss, const Tensor& out,
                   double div) {
  const char* op = smooth_l1 ? "smooth_l1_loss" : "huber_loss";
  const int64_t n = x.numel();
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    HuberAt<A> f{cptr<A>(x), cptr<A>(t), (A)p, smooth_l1 ? A(1) / (A)p : A(1)};
    if (loss.defined()) {
      if (n == 0) return;
      huber_map_kernel<A><<<grid_for(n), kThreads, 0, s>>>(f, n, mptr<A>(loss));
      EMBER_CUDA_LAUNCH_CHECK(op);
    } else {
      launch_sum(op, n, f, div, out, s);
    }
  });
}

void huber_backward(const Tensor& x, const Tensor& t, double p, bool smooth_l1, const Tensor& g, int64_t g_stride,
                    const Tensor& dx, const Tensor& dt) {
  const char* op = smooth_l1 ? "smooth_l1_loss_backward" : "huber_loss_backward";
  const int64_t n = x.numel();
  if (n == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    huber_bwd_kernel<A><<<grid_for(n), kThreads, 0, s>>>(cptr<A>(x), cptr<A>(t), (A)p,
                                                        smooth_l1 ? A(1) / (A)p : A(1), cptr<A>(g), g_stride, n,
                                                        mptr<A>(dx), mptr<A>(dt));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace ember::cuda
