// scan_cuda.cu — CUDA scans along one dim: cumsum, cumprod (float inputs accumulate in double,
// integers in int64, as the CPU), cummax/cummin (values + indices: ties and nan take the later
// index) and logcumsumexp. The layout is the CPU's (reduce_layout.h with the scanned dim as the
// single reduced dim).
//   rows — the scanned dim is contiguous in the input (stride 1): a block row of bx threads
//          (32..256) scans one line in tiles of bx * kItems elements: each thread scans its
//          kItems consecutive elements, a warp scan (__shfl_up_sync) and a scan of the warp
//          totals in shared memory give each thread its prefix, and the tile total carries into
//          the next tile. Few long lines: each line is cut into chunks over blockIdx.y; pass 1
//          computes every chunk's total, a small kernel scans the totals per line into carries,
//          pass 2 rescans each chunk starting from its carry (deterministic, no atomics).
//   cols — any other stride: one thread per line walks the dim sequentially (coalesced across
//          threads when the kept dims are contiguous), the CPU's exact order.
#include "ember/ops/reduce/reduce_cuda.cuh"
#include "ember/ops/reduce/reduce_cuda.h"

namespace ember::cuda {
namespace {
using namespace red;

template <class T, class S> __device__ __forceinline__ T to_t(S s) {
  if constexpr (is_half_v<T>) return from_acc<T>((float)s);
  else return static_cast<T>(s);
}

template <class T> __device__ __forceinline__ T shfl_idx(T v, int src) {
  if constexpr (is_arg_pair<T>::value) {
    T r;
    r.v = shfl_idx(v.v, src);
    r.i = shfl_idx(v.i, src);
    return r;
  } else if constexpr (std::is_same_v<T, bool>) {
    return __shfl_sync(kFullMask, (int)v, src) != 0;
  } else if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return (T)__shfl_sync(kFullMask, (int)v, src);
  } else {
    return __shfl_sync(kFullMask, v, src);
  }
}

// ---- scan operators: state S, identity, first(x, i), combine(earlier, later), store --------------------
template <class T_, class S_> struct ScanSum {
  using T = T_;
  using S = S_;
  __device__ S identity() const { return S(0); }
  __device__ S first(T x, int64_t) const { return S(cv(x)); }
  __device__ static S combine(S a, S b) { return a + b; }
  __device__ void store(T* out, int64_t*, int64_t off, S s) const { out[off] = to_t<T>(s); }
};
template <class T_, class S_> struct ScanProd {
  using T = T_;
  using S = S_;
  __device__ S identity() const { return S(1); }
  __device__ S first(T x, int64_t) const { return S(cv(x)); }
  __device__ static S combine(S a, S b) { return a * b; }
  __device__ void store(T* out, int64_t*, int64_t off, S s) const { out[off] = to_t<T>(s); }
};
// Running extreme with its index: the later state wins ties and nan (as the CPU's sequential
// `take = v != v || v >= a`); index -1 marks the identity.
template <class T_, bool IsMax> struct ScanExt {
  using T = T_;
  using C = acc_t<T_>;
  using S = ArgPair<C>;
  __device__ S identity() const { S s; s.v = C(0); s.i = -1; return s; }
  __device__ S first(T x, int64_t i) const { S s; s.v = cv(x); s.i = i; return s; }
  __device__ static S combine(S a, S b) {
    if (b.i < 0) return a;
    if (a.i < 0) return b;
    const bool take = isnan_(b.v) || (!isnan_(a.v) && (IsMax ? b.v >= a.v : b.v <= a.v));
    return take ? b : a;
  }
  __device__ void store(T* out, int64_t* idx, int64_t off, S s) const {
    out[off] = to_t<T>(s.v);
    idx[off] = s.i;
  }
};
// log(exp(a) + exp(b)) as the CPU's log_add_exp; -inf is the identity.
template <class T_> struct ScanLse {
  using T = T_;
  using S = acc_t<T_>;
  __device__ S identity() const { return -std::numeric_limits<S>::infinity(); }
  __device__ S first(T x, int64_t) const { return cv(x); }
  __device__ static S combine(S a, S b) {
    if (a == b) return a + S(0.69314718055994530942);  // also +-inf
    const S m = a > b ? a : b, d = a > b ? b - a : a - b;
    if (a != a || b != b) return a + b;
    return m + m_log1p(m_exp(d));
  }
  __device__ void store(T* out, int64_t*, int64_t off, S s) const { out[off] = to_t<T>(s); }
};

constexpr int kItems = 4;
constexpr int kScanThreads = 256;
constexpr int kMaxScanWarps = kScanThreads / 32;

// blockDim = (bx, by), bx in {32, ..., 256}, bx * by == 256. Line = blockIdx.x * by + ty, chunk q =
// blockIdx.y covers [q * chunk, min(n, (q + 1) * chunk)) of the line. carry_in (or null): one state
// per (line, chunk) to start from. totals (or null): write only the chunk's total there, no output.
template <class Op>
__global__ void __launch_bounds__(kScanThreads) scan_rows_kernel(const __grid_constant__ RGeom g, int64_t n, int64_t st,
                                                                 int64_t rout, const Op op,
                                                                 const typename Op::T* __restrict__ in,
                                                                 typename Op::T* __restrict__ out,
                                                                 int64_t* __restrict__ idx, int64_t chunk,
                                                                 const typename Op::S* __restrict__ carry_in,
                                                                 typename Op::S* __restrict__ totals) {
  using S = typename Op::S;
  __shared__ S wsum[kMaxScanWarps];
  const int tx = threadIdx.x, ty = threadIdx.y, bx = blockDim.x;
  const int lane = tx & 31, w = tx >> 5, nw = bx >> 5;
  const int64_t line = (int64_t)blockIdx.x * blockDim.y + ty;
  const int64_t q = blockIdx.y, nch = gridDim.y;
  const bool valid = line < g.nout;
  int64_t io = 0, oo = 0;
  if (valid) g.kept(line, io, oo);
  const int64_t start = q * chunk, end = start + chunk < n ? start + chunk : n;
  S carry = (valid && carry_in) ? carry_in[line * nch + q] : op.identity();
  // The loop bounds depend only on (q, n, chunk, bx): every thread of the block runs the same
  // number of iterations, so the barriers inside are uniform.
  for (int64_t t0 = start; t0 < end; t0 += (int64_t)bx * kItems) {
    const int64_t i0 = t0 + (int64_t)tx * kItems;
    S loc[kItems];
    S run = op.identity();
#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      const int64_t i = i0 + k;
      if (valid && i < end) run = Op::combine(run, op.first(in[io + i * st], i));
      loc[k] = run;
    }
    // inclusive scan of the thread totals across the warp
    S v = run;
#pragma unroll
    for (int d = 1; d < 32; d <<= 1) {
      const S u = shfl_up(v, d);
      if (lane >= d) v = Op::combine(u, v);
    }
    S excl = shfl_up(v, 1);
    if (lane == 0) excl = op.identity();
    const S warp_total = shfl_idx(v, 31);
    S wpre = op.identity(), tile_total = warp_total;
    if (nw > 1) {
      if (lane == 0) wsum[ty * nw + w] = warp_total;
      __syncthreads();
      tile_total = op.identity();
      for (int k = 0; k < nw; ++k) {
        if (k == w) wpre = tile_total;
        tile_total = Op::combine(tile_total, wsum[ty * nw + k]);
      }
      __syncthreads();  // wsum is rewritten by the next tile
    }
    if (valid && !totals) {
      const S prefix = Op::combine(carry, Op::combine(wpre, excl));
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        const int64_t i = i0 + k;
        if (i < end) op.store(out, idx, oo + i * rout, Op::combine(prefix, loc[k]));
      }
    }
    carry = Op::combine(carry, tile_total);
  }
  if (totals && valid && tx == 0) totals[line * nch + q] = carry;
}

// carries[line, q] = totals[line, 0] (+) ... (+) totals[line, q - 1] (identity for q == 0).
template <class Op>
__global__ void scan_carry_kernel(int64_t nlines, int64_t nch, const Op op, const typename Op::S* __restrict__ totals,
                                  typename Op::S* __restrict__ carries) {
  const int64_t line = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (line >= nlines) return;
  typename Op::S run = op.identity();
  for (int64_t q = 0; q < nch; ++q) {
    carries[line * nch + q] = run;
    run = Op::combine(run, totals[line * nch + q]);
  }
}

// One thread per line, sequential along the dim (the CPU's order).
template <class Op>
__global__ void scan_cols_kernel(const __grid_constant__ RGeom g, int64_t n, int64_t st, int64_t rout, const Op op,
                                 const typename Op::T* __restrict__ in, typename Op::T* __restrict__ out,
                                 int64_t* __restrict__ idx) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t line = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; line < g.nout; line += stride) {
    int64_t io, oo;
    g.kept(line, io, oo);
    typename Op::S acc = op.identity();
    for (int64_t i = 0; i < n; ++i) {
      const typename Op::S x = op.first(in[io + i * st], i);
      acc = i == 0 ? x : Op::combine(acc, x);
      op.store(out, idx, oo + i * rout, acc);
    }
  }
}

template <class Op>
void launch_scan(const char* op_name, const ReduceLayout& L, int64_t rout, const Op& op, const Tensor& in,
                 const Tensor& out, const Tensor& idx) {
  using T = typename Op::T;
  using S = typename Op::S;
  const int64_t nout = L.nout;
  if (nout == 0 || out.numel() == 0) return;
  const int64_t n = L.nr ? L.rsize[0] : 1, st = L.nr ? L.rin[0] : 0;
  const RGeom g = make_geom(L);
  cudaStream_t s = stream_of(out);
  const T* x = static_cast<const T*>(in.raw_data_ptr());
  T* o = static_cast<T*>(out.raw_data_ptr());
  int64_t* ip = idx.defined() ? static_cast<int64_t*>(idx.raw_data_ptr()) : nullptr;
  if (st != 1 || n < 2) {
    const int64_t blocks = std::min<int64_t>(ceil_div(nout, kThreads), 65535LL * 8);
    scan_cols_kernel<Op><<<(unsigned)blocks, kThreads, 0, s>>>(g, n, st, rout, op, x, o, ip);
    EMBER_CUDA_LAUNCH_CHECK(op_name);
    return;
  }
  int bx = 32;
  while (bx < kScanThreads && (int64_t)bx * kItems < n) bx *= 2;
  const int by = kScanThreads / bx;
  const int64_t blocks = ceil_div(nout, by);
  const int64_t tile = (int64_t)bx * kItems;
  int64_t nch = 1, chunk = n;
  if (blocks < kTargetBlocks && n >= 8 * tile) {
    nch = std::min(ceil_div(kTargetBlocks, blocks), ceil_div(n, 4 * tile));
    chunk = ceil_div(n, nch);
    nch = ceil_div(n, chunk);
  }
  EMBER_CHECK(blocks <= 0x7fffffffLL && nch <= 65535, op_name, "scan too large for one CUDA launch");
  const dim3 block((unsigned)bx, (unsigned)by);
  if (nch == 1) {
    scan_rows_kernel<Op><<<dim3((unsigned)blocks, 1), block, 0, s>>>(g, n, st, rout, op, x, o, ip, chunk, nullptr,
                                                                    nullptr);
    EMBER_CUDA_LAUNCH_CHECK(op_name);
    return;
  }
  Tensor tmp = Tensor::empty({2 * nout * nch * (int64_t)sizeof(S)}, DType::UInt8, out.device());
  S* totals = static_cast<S*>(tmp.raw_data_ptr());
  S* carries = totals + nout * nch;
  const dim3 grid((unsigned)blocks, (unsigned)nch);
  scan_rows_kernel<Op><<<grid, block, 0, s>>>(g, n, st, rout, op, x, o, ip, chunk, nullptr, totals);
  EMBER_CUDA_LAUNCH_CHECK(op_name);
  scan_carry_kernel<Op><<<(unsigned)ceil_div(nout, kThreads), kThreads, 0, s>>>(nout, nch, op, totals, carries);
  EMBER_CUDA_LAUNCH_CHECK(op_name);
  scan_rows_kernel<Op><<<grid, block, 0, s>>>(g, n, st, rout, op, x, o, ip, chunk, carries, nullptr);
  EMBER_CUDA_LAUNCH_CHECK(op_name);
}
}  // namespace

void scan_kernel(SK kind, const ReduceLayout& L, int64_t rout, const Tensor& in, const Tensor& out, const Tensor& idx) {
  const char* name = kind == SK::Sum ? "cumsum" : kind == SK::Prod ? "cumprod" : kind == SK::Max ? "cummax"
                   : kind == SK::Min ? "cummin" : "logcumsumexp";
  if (out.numel() == 0) return;
  EMBER_CHECK(in.dtype() == out.dtype() && L.nr <= 1, name, "internal error: scan layout");
  DeviceGuard guard(out.device().index);
  switch (kind) {
    case SK::Sum:
    case SK::Prod:
      if (in.dtype() == DType::Int64) {
        if (kind == SK::Sum) launch_scan(name, L, rout, ScanSum<int64_t, int64_t>{}, in, out, idx);
        else launch_scan(name, L, rout, ScanProd<int64_t, int64_t>{}, in, out, idx);
        return;
      }
      dispatch_float(in.dtype(), name, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (kind == SK::Sum) launch_scan(name, L, rout, ScanSum<T, double>{}, in, out, idx);
        else launch_scan(name, L, rout, ScanProd<T, double>{}, in, out, idx);
      });
      return;
    case SK::Max:
    case SK::Min:
      EMBER_CHECK(idx.defined(), name, "internal error: missing indices");
      dispatch_all(in.dtype(), name, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (kind == SK::Max) launch_scan(name, L, rout, ScanExt<T, true>{}, in, out, idx);
        else launch_scan(name, L, rout, ScanExt<T, false>{}, in, out, idx);
      });
      return;
    case SK::LogSumExp:
      dispatch_float(in.dtype(), name, [&](auto tag) {
        using T = typename decltype(tag)::type;
        launch_scan(name, L, rout, ScanLse<T>{}, in, out, idx);
      });
      return;
  }
}

}  // namespace ember::cuda
