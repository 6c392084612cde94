// norm_cuda.cu — layer/rms/group/batch norm forward and backward on CUDA.
// - layer/rms norm: one warp per row (D <= 1024) or one block per row; two-pass statistics
//   (mean, then squared deviations; the row is re-read from L1/L2), then the normalize+affine
//   pass. Backward: the same row groups for dx; dweight/dbias are column sums over the rows:
//   (32 columns x 8 row lanes) blocks over chunks of rows write per-chunk partials, a second
//   kernel adds the chunks in order (deterministic, no atomics).
// - group norm: the layer-norm statistics kernel over the (N*G) contiguous group spans (few long
//   spans: split across blocks as Welford partials, combined in order), then an elementwise
//   kernel with per-(n, c) scale/shift. Backward: per-(n, c) sums, per-(n, g)
//   coefficients, an elementwise dx, and per-channel dweight/dbias summed over n in order.
// - batch norm: (channel, part) blocks for the statistics (Welford per thread, merged across the
//   block) or the gradient sums, the parts combined per channel in order (deterministic), a
//   per-channel coefficient step, and elementwise kernels
//   y = a[c] x + d[c] and dx = k1[c] g + k2[c] x + k3[c].
// 16-bit layer-norm inputs are read and written in their dtype (float math); group/batch norm get
// compute-dtype copies from norm.cpp, as on the CPU.
#include "ember/ops/norm/norm_cuda.h"
#include "ember/ops/softmax/row_reduce.cuh"

namespace ember::cuda {
namespace {

using namespace rowred;

constexpr int kWarpRows = 4;  // rows per block of the warp-per-row kernels (128 threads)

template <class T> const T* cptr(const Tensor& t) { return t.defined() ? static_cast<const T*>(t.raw_data_ptr()) : nullptr; }
template <class T> T* mptr(const Tensor& t) { return t.defined() ? static_cast<T*>(t.raw_data_ptr()) : nullptr; }

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

// Launch a row kernel: one warp per row for rows of <= 1024 elements, else one block per row.
template <class KWarp, class KBlock>
void launch_rows(int64_t M, int64_t D, cudaStream_t s, KWarp kw, KBlock kb) {
  if (D <= 1024) kw(blocks_for(M, kWarpRows), kWarpRows * 32, s);
  else kb(blocks_for(M, 1), row_block_threads(D), s);
}

// ---- layer / rms norm ----------------------------------------------------------------------------------
template <class T, bool kWarp>
__global__ void ln_fwd_kernel(const T* __restrict__ x, int64_t M, int64_t D, const acc_t<T>* __restrict__ w,
                              const acc_t<T>* __restrict__ b, acc_t<T> eps, bool rms, T* __restrict__ y,
                              acc_t<T>* __restrict__ mean, acc_t<T>* __restrict__ rstd) {
  using A = acc_t<T>;
  using R = Rows<kWarp>;
  __shared__ A scratch[32];
  const int lane = R::lane(), width = R::width();
  for (int64_t r = R::first(); r < M; r += R::step()) {  // uniform over the row group
    const T* xr = x + r * D;
    A mu = 0, q = 0;
    if (!rms) {
      A s = 0;
      for (int64_t c = lane; c < D; c += width) s += load<T>(xr + c);
      mu = group_sum<kWarp>(s, scratch) / (A)D;
      for (int64_t c = lane; c < D; c += width) {
        const A d = load<T>(xr + c) - mu;
        q += d * d;
      }
    } else {
      for (int64_t c = lane; c < D; c += width) {
        const A v = load<T>(xr + c);
        q += v * v;
      }
    }
    const A var = group_sum<kWarp>(q, scratch) / (A)D;
    const A rs = A(1) / dsqrt(var + eps);
    if (lane == 0) {
      if (mean) mean[r] = mu;
      rstd[r] = rs;
    }
    if (!y) continue;
    T* yr = y + r * D;
    for (int64_t c = lane; c < D; c += width) {
      A v = (load<T>(xr + c) - mu) * rs;
      if (w) v *= w[c];
      if (b) v += b[c];
      yr[c] = from_acc<T>(v);
    }
  }
}

// dx = rs (g w - bsum - (x - m) rs a), a = mean(g w (x - m)) rs, bsum = mean(g w) (0 for rms).
template <class T, bool kWarp>
__global__ void ln_bwd_dx_kernel(const T* __restrict__ g, const T* __restrict__ x, int64_t M, int64_t D,
                                 const acc_t<T>* __restrict__ mean, const acc_t<T>* __restrict__ rstd,
                                 const acc_t<T>* __restrict__ w, T* __restrict__ dx) {
  using A = acc_t<T>;
  using R = Rows<kWarp>;
  __shared__ A scratch[32];
  const int lane = R::lane(), width = R::width();
  for (int64_t r = R::first(); r < M; r += R::step()) {  // uniform over the row group
    const T* gr = g + r * D;
    const T* xr = x + r * D;
    const A m = mean ? mean[r] : A(0), rs = rstd[r];
    A a = 0, bs = 0;
    for (int64_t c = lane; c < D; c += width) {
      const A u = load<T>(gr + c) * (w ? w[c] : A(1));
      a += u * (load<T>(xr + c) - m);
      bs += u;
    }
    a = group_sum<kWarp>(a, scratch) * rs / (A)D;
    bs = mean ? group_sum<kWarp>(bs, scratch) / (A)D : A(0);  // `mean` is uniform: all or none call it
    const A k = rs * a;
    T* dr = dx + r * D;
    for (int64_t c = lane; c < D; c += width) {
      const A u = load<T>(gr + c) * (w ? w[c] : A(1));
      dr[c] = from_acc<T>(rs * (u - bs - (load<T>(xr + c) - m) * k));
    }
  }
}

constexpr int kColX = 32, kColY = 8;  // column-sum blocks: 32 columns x 8 row lanes

// Partial column sums over rows [chunk * rows_per, ...): pw[chunk][c] = sum g (x - m) rs, pb = sum g.
template <class T>
__global__ void __launch_bounds__(kColX * kColY)
    ln_bwd_cols_kernel(const T* __restrict__ g, const T* __restrict__ x, int64_t M, int64_t D,
                       const acc_t<T>* __restrict__ mean, const acc_t<T>* __restrict__ rstd, int64_t rows_per,
                       acc_t<T>* __restrict__ pw, acc_t<T>* __restrict__ pb) {
  using A = acc_t<T>;
  __shared__ A sw[kColY][kColX + 1], sb[kColY][kColX + 1];
  const int64_t c = (int64_t)blockIdx.x * kColX + threadIdx.x;
  const int64_t r0 = (int64_t)blockIdx.y * rows_per;
  const int64_t r1 = r0 + rows_per < M ? r0 + rows_per : M;
  A aw = 0, ab = 0;
  if (c < D) {
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kColY) {
      const A gv = load<T>(g + r * D + c);
      const A m = mean ? mean[r] : A(0);
      aw += gv * ((load<T>(x + r * D + c) - m) * rstd[r]);
      ab += gv;
    }
  }
  sw[threadIdx.y][threadIdx.x] = aw;
  sb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y == 0 && c < D) {
    A tw = 0, tb = 0;
#pragma unroll
    for (int k = 0; k < kColY; ++k) {
      tw += sw[k][threadIdx.x];
      tb += sb[k][threadIdx.x];
    }
    if (pw) pw[(int64_t)blockIdx.y * D + c] = tw;
    if (pb) pb[(int64_t)blockIdx.y * D + c] = tb;
  }
}

// out[c] = sum over chunks of part[k][c], in chunk order (double).
template <class A>
__global__ void sum_chunks_kernel(const A* __restrict__ part, int64_t chunks, int64_t D, A* __restrict__ out) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < D; c += step) {
    double s = 0;
    for (int64_t k = 0; k < chunks; ++k) s += (double)part[k * D + c];
    out[c] = (A)s;
  }
}

// ---- group norm ------------------------------------------------------------------------------------------
// Statistics of a few long rows (group norm with small N*G): each row is split into P parts of `per`
// consecutive elements, one block per (row, part) computes a Welford partial, and a per-row kernel
// combines the parts in order (deterministic).
template <class A>
__global__ void rows_partial_stats_kernel(const A* __restrict__ x, int64_t rows, int64_t D, int64_t P, int64_t per,
                                          A* __restrict__ pmean, A* __restrict__ pm2, A* __restrict__ pn) {
  __shared__ Welford<A> scratch[32];
  const int64_t items = rows * P;
  for (int64_t item = blockIdx.x; item < items; item += gridDim.x) {  // block-uniform
    const int64_t r = item / P, p = item - r * P;
    const int64_t j0 = p * per, j1 = j0 + per < D ? j0 + per : D;
    Welford<A> st;
    for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) st.push(x[r * D + j]);
    st = block_welford(st, scratch);
    if (threadIdx.x == 0) {
      pmean[item] = st.mean;
      pm2[item] = st.m2;
      pn[item] = st.n;
    }
  }
}

template <class A>
__global__ void rows_finish_stats_kernel(int64_t rows, int64_t P, int64_t D, A eps, const A* __restrict__ pmean,
                                         const A* __restrict__ pm2, const A* __restrict__ pn, A* __restrict__ mean,
                                         A* __restrict__ rstd) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += step) {
    Welford<A> st;
    for (int64_t p = 0; p < P; ++p) {
      Welford<A> o;
      o.mean = pmean[r * P + p];
      o.m2 = pm2[r * P + p];
      o.n = pn[r * P + p];
      st = Welford<A>::combine(st, o);
    }
    mean[r] = st.mean;
    rstd[r] = A(1) / dsqrt(st.m2 / (A)D + eps);
  }
}

// Per (n, c) row of S: a = rstd w, d = b - mean a (the forward's y = a x + d).
template <class A>
__global__ void gn_fwd_coef_kernel(int64_t N, int64_t C, int64_t G, const A* __restrict__ w, const A* __restrict__ b,
                                   const A* __restrict__ mean, const A* __restrict__ rstd, A* __restrict__ a,
                                   A* __restrict__ d) {
  const int64_t rows = N * C, Cg = C / G, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += step) {
    const int64_t n = r / C, c = r - n * C, q = n * G + c / Cg;
    const A sc = rstd[q] * (w ? w[c] : A(1));
    a[r] = sc;
    d[r] = (b ? b[c] : A(0)) - mean[q] * sc;
  }
}

// out[i] = a[k] u[i] + (v ? b[k] v[i] : 0) + d[k], k = (i / S) % P.
template <class A>
__global__ void chan_map_kernel(const A* __restrict__ u, const A* __restrict__ v, int64_t n, int64_t S, int64_t P,
                                const A* __restrict__ a, const A* __restrict__ b, const A* __restrict__ d,
                                A* __restrict__ out) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t k = (i / S) % P;
    A r = a[k] * u[i] + d[k];
    if (v) r += b[k] * v[i];
    out[i] = r;
  }
}

// Per row of S: ds = sum g x, db = sum g.
template <class A, bool kWarp>
__global__ void row_gsums_kernel(const A* __restrict__ g, const A* __restrict__ x, int64_t rows, int64_t S,
                                 A* __restrict__ ds, A* __restrict__ db) {
  using R = Rows<kWarp>;
  __shared__ A scratch[32];
  const int lane = R::lane(), width = R::width();
  for (int64_t r = R::first(); r < rows; r += R::step()) {
    A s1 = 0, s2 = 0;
    for (int64_t j = lane; j < S; j += width) {
      const A gv = g[r * S + j];
      s1 += gv * x[r * S + j];
      s2 += gv;
    }
    s1 = group_sum<kWarp>(s1, scratch);
    s2 = group_sum<kWarp>(s2, scratch);
    if (lane == 0) {
      ds[r] = s1;
      db[r] = s2;
    }
  }
}

// Per (n, g): bc = (s2 mu - s1) rr^3 / D, cc = -bc mu - s2 rr / D with s1 = sum w ds, s2 = sum w db.
template <class A>
__global__ void gn_bwd_group_kernel(int64_t N, int64_t C, int64_t S, int64_t G, const A* __restrict__ w,
                                    const A* __restrict__ mean, const A* __restrict__ rstd, const A* __restrict__ ds,
                                    const A* __restrict__ db, A* __restrict__ bc, A* __restrict__ cc) {
  const int64_t NG = N * G, Cg = C / G, step = (int64_t)gridDim.x * blockDim.x;
  const A D = (A)(Cg * S);
  for (int64_t q = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; q < NG; q += step) {
    const int64_t n = q / G, c0 = (q - n * G) * Cg;
    A s1 = 0, s2 = 0;
    for (int64_t k = 0; k < Cg; ++k) {
      const A wc = w ? w[c0 + k] : A(1);
      s1 += wc * ds[n * C + c0 + k];
      s2 += wc * db[n * C + c0 + k];
    }
    const A mu = mean[q], rr = rstd[q];
    const A b_ = (s2 * mu - s1) * rr * rr * rr / D;
    bc[q] = b_;
    cc[q] = -b_ * mu - s2 * rr / D;
  }
}

// Per (n, c) row: dx = k1 g + k2 x + k3 with k1 = rstd w, k2 = bc, k3 = cc of the row's group.
template <class A>
__global__ void gn_bwd_rowcoef_kernel(int64_t N, int64_t C, int64_t G, const A* __restrict__ w,
                                      const A* __restrict__ rstd, const A* __restrict__ bc, const A* __restrict__ cc,
                                      A* __restrict__ k1, A* __restrict__ k2, A* __restrict__ k3) {
  const int64_t rows = N * C, Cg = C / G, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += step) {
    const int64_t n = r / C, c = r - n * C, q = n * G + c / Cg;
    k1[r] = rstd[q] * (w ? w[c] : A(1));
    k2[r] = bc[q];
    k3[r] = cc[q];
  }
}

// dw[c] = sum_n (ds - mu db) rstd, db[c] = sum_n db (n in order, double).
template <class A>
__global__ void gn_dwdb_kernel(int64_t N, int64_t C, int64_t G, const A* __restrict__ mean, const A* __restrict__ rstd,
                               const A* __restrict__ ds, const A* __restrict__ dbs, A* __restrict__ dw,
                               A* __restrict__ db) {
  const int64_t Cg = C / G, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += step) {
    double vw = 0, vb = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t q = n * G + c / Cg, r = n * C + c;
      vw += ((double)ds[r] - (double)mean[q] * (double)dbs[r]) * (double)rstd[q];
      vb += (double)dbs[r];
    }
    if (dw) dw[c] = (A)vw;
    if (db) db[c] = (A)vb;
  }
}

// ---- batch norm --------------------------------------------------------------------------------------------
// Batch-norm reductions run over (channel, part) items: the N*S values of channel c are split into
// P parts of `per` consecutive values (j = n*S + s order), one block per item, so small C still
// fills the GPU; a per-channel kernel then combines the P partials in order (deterministic).
struct BnSplit {
  int64_t P = 1, per = 1;
};
inline BnSplit bn_split(int64_t C, int64_t M) {
  BnSplit b;
  const int64_t want = std::max<int64_t>(1, (1024 + C - 1) / std::max<int64_t>(C, 1));  // ~1024 blocks in all
  const int64_t most = std::max<int64_t>(1, (M + 4095) / 4096);                          // >= 4096 values per part
  b.P = std::min(want, most);
  b.per = M > 0 ? (M + b.P - 1) / b.P : 1;
  return b;
}

// Welford partial of item (c, p): pmean/pm2/pn[c * P + p].
template <class A>
__global__ void bn_partial_stats_kernel(const A* __restrict__ x, int64_t N, int64_t C, int64_t S, int64_t P,
                                        int64_t per, A* __restrict__ pmean, A* __restrict__ pm2, A* __restrict__ pn) {
  __shared__ Welford<A> scratch[32];
  const int64_t M = N * S, items = C * P;
  for (int64_t item = blockIdx.x; item < items; item += gridDim.x) {  // block-uniform
    const int64_t c = item / P, p = item - c * P;
    const int64_t j0 = p * per, j1 = j0 + per < M ? j0 + per : M;
    Welford<A> st;
    for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
      const int64_t n = j / S, sp = j - n * S;
      st.push(x[(n * C + c) * S + sp]);
    }
    st = block_welford(st, scratch);
    if (threadIdx.x == 0) {
      pmean[item] = st.mean;
      pm2[item] = st.m2;
      pn[item] = st.n;
    }
  }
}

// Per channel: combine the P partials in order, then the statistics, the affine coefficients and
// the running-statistics update.
template <class A>
__global__ void bn_finish_stats_kernel(int64_t C, int64_t P, int64_t M, const A* __restrict__ pmean,
                                       const A* __restrict__ pm2, const A* __restrict__ pn, const A* __restrict__ w,
                                       const A* __restrict__ b, const A* __restrict__ rm, const A* __restrict__ rv,
                                       A momentum, A eps, A* __restrict__ save_mean, A* __restrict__ save_invstd,
                                       A* __restrict__ scale, A* __restrict__ shift, A* __restrict__ new_rm,
                                       A* __restrict__ new_rv) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += step) {
    Welford<A> st;
    for (int64_t p = 0; p < P; ++p) {
      Welford<A> o;
      o.mean = pmean[c * P + p];
      o.m2 = pm2[c * P + p];
      o.n = pn[c * P + p];
      st = Welford<A>::combine(st, o);
    }
    const A mean = M > 0 ? st.mean : A(NAN);
    const A invstd = A(1) / dsqrt(st.m2 / (A)M + eps);  // M == 0: nan, as the CPU
    save_mean[c] = mean;
    save_invstd[c] = invstd;
    const A sc = invstd * (w ? w[c] : A(1));
    scale[c] = sc;
    shift[c] = (b ? b[c] : A(0)) - mean * sc;
    if (new_rm) {
      new_rm[c] = (A(1) - momentum) * rm[c] + momentum * mean;
      new_rv[c] = (A(1) - momentum) * rv[c] + momentum * (M > 1 ? st.m2 / (A)(M - 1) : A(NAN));
    }
  }
}

template <class A>
__global__ void bn_eval_coef_kernel(int64_t C, const A* __restrict__ w, const A* __restrict__ b,
                                    const A* __restrict__ rm, const A* __restrict__ rv, A eps,
                                    A* __restrict__ save_mean, A* __restrict__ save_invstd, A* __restrict__ scale,
                                    A* __restrict__ shift) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += step) {
    const A mean = rm[c], invstd = A(1) / dsqrt(rv[c] + eps);
    save_mean[c] = mean;
    save_invstd[c] = invstd;
    const A sc = invstd * (w ? w[c] : A(1));
    scale[c] = sc;
    shift[c] = (b ? b[c] : A(0)) - mean * sc;
  }
}

// Partial gradient sums of item (c, p): psum[item] = sum g, psum[items + item] = sum g (x - mean[c]).
template <class A>
__global__ void bn_partial_sums_kernel(const A* __restrict__ g, const A* __restrict__ x, int64_t N, int64_t C,
                                       int64_t S, int64_t P, int64_t per, const A* __restrict__ mean,
                                       A* __restrict__ psum) {
  __shared__ A scratch[32];
  const int64_t M = N * S, items = C * P;
  for (int64_t item = blockIdx.x; item < items; item += gridDim.x) {  // block-uniform
    const int64_t c = item / P, p = item - c * P;
    const int64_t j0 = p * per, j1 = j0 + per < M ? j0 + per : M;
    const A m = mean[c];
    A s1 = 0, s2 = 0;
    for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
      const int64_t n = j / S, sp = j - n * S, k = (n * C + c) * S + sp;
      const A gv = g[k];
      s1 += gv;
      s2 += gv * (x[k] - m);
    }
    s1 = block_sum(s1, scratch);
    s2 = block_sum(s2, scratch);
    if (threadIdx.x == 0) {
      psum[item] = s1;
      psum[items + item] = s2;
    }
  }
}

// Per channel: sdy, sdyx = the P partials added in order.
template <class A>
__global__ void bn_finish_sums_kernel(int64_t C, int64_t P, const A* __restrict__ psum, A* __restrict__ sdy,
                                      A* __restrict__ sdyx) {
  const int64_t items = C * P, step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += step) {
    A s1 = 0, s2 = 0;
    for (int64_t p = 0; p < P; ++p) {
      s1 += psum[c * P + p];
      s2 += psum[items + c * P + p];
    }
    sdy[c] = s1;
    sdyx[c] = s2;
  }
}

template <class A>
__global__ void bn_bwd_coef_kernel(int64_t C, int64_t M, const A* __restrict__ w, const A* __restrict__ mean,
                                   const A* __restrict__ invstd, const A* __restrict__ sdy, const A* __restrict__ sdyx,
                                   bool training, A* __restrict__ k1, A* __restrict__ k2, A* __restrict__ k3,
                                   A* __restrict__ dw, A* __restrict__ db) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += step) {
    const A iv = invstd[c], wc = w ? w[c] : A(1);
    if (k1) {
      const A a = wc * iv;
      A b_ = 0, d = 0;
      if (training) {
        b_ = -wc * iv * iv * iv * sdyx[c] / (A)M;
        d = -a * sdy[c] / (A)M - b_ * mean[c];
      }
      k1[c] = a;
      k2[c] = b_;
      k3[c] = d;
    }
    if (dw) dw[c] = sdyx[c] * iv;
    if (db) db[c] = sdy[c];
  }
}

// Run f(Tag<float>) or f(Tag<double>) for a compute dtype.
template <class F> void dispatch_cdt(DType dt, const char* op, F&& f) {
  if (dt == DType::Float64) f(Tag<double>{});
  else if (dt == DType::Float32) f(Tag<float>{});
  else EMBER_FAIL(op, "internal error: compute dtype ", dtype_name(dt));
}

// Launch y = a[k] u + b[k] v + d[k] over n elements.
template <class A>
void chan_map(const char* op, cudaStream_t s, const A* u, const A* v, int64_t n, int64_t S, int64_t P, const A* a,
              const A* b, const A* d, A* out) {
  if (n == 0) return;
  chan_map_kernel<A><<<grid_for(n), kThreads, 0, s>>>(u, v, n, S, P, a, b, d, out);
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace

// ---- entry points ---------------------------------------------------------------------------------------------
void layer_norm_forward(const Tensor& x, int64_t M, int64_t D, const Tensor& w, const Tensor& b, double eps, bool rms,
                        const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  const char* op = rms ? "rms_norm" : "layer_norm";
  if (M == 0 || D == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* xp = cptr<T>(x);
    const A *wp = cptr<A>(w), *bp = cptr<A>(b);
    T* yp = mptr<T>(y);
    A *mp = mptr<A>(mean), *rp = mptr<A>(rstd);
    launch_rows(M, D, s,
                [&](unsigned g, int t, cudaStream_t st) {
                  ln_fwd_kernel<T, true><<<g, t, 0, st>>>(xp, M, D, wp, bp, (A)eps, rms, yp, mp, rp);
                },
                [&](unsigned g, int t, cudaStream_t st) {
                  ln_fwd_kernel<T, false><<<g, t, 0, st>>>(xp, M, D, wp, bp, (A)eps, rms, yp, mp, rp);
                });
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void layer_norm_backward(const Tensor& g, const Tensor& x, int64_t M, int64_t D, const Tensor& mean, const Tensor& rstd,
                         const Tensor& w, const Tensor& dx, const Tensor& dw, const Tensor& db) {
  const char* op = mean.defined() ? "layer_norm_backward" : "rms_norm_backward";
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T *gp = cptr<T>(g), *xp = cptr<T>(x);
    const A *mp = cptr<A>(mean), *rp = cptr<A>(rstd), *wp = cptr<A>(w);
    if (dx.defined() && M > 0 && D > 0) {
      T* dp = mptr<T>(dx);
      launch_rows(M, D, s,
                  [&](unsigned gr, int t, cudaStream_t st) {
                    ln_bwd_dx_kernel<T, true><<<gr, t, 0, st>>>(gp, xp, M, D, mp, rp, wp, dp);
                  },
                  [&](unsigned gr, int t, cudaStream_t st) {
                    ln_bwd_dx_kernel<T, false><<<gr, t, 0, st>>>(gp, xp, M, D, mp, rp, wp, dp);
                  });
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
    if (!(dw.defined() || db.defined()) || D == 0) return;
    // row chunks: enough blocks to fill the GPU, partial buffers of at most ~4M elements each
    int64_t chunks = std::max<int64_t>(1, std::min<int64_t>((M + 63) / 64, 512));
    chunks = std::max<int64_t>(1, std::min<int64_t>(chunks, ((int64_t)4 << 20) / D));
    const int64_t rows_per = M > 0 ? (M + chunks - 1) / chunks : 1;
    if (M > 0) chunks = (M + rows_per - 1) / rows_per;
    Tensor pw = dw.defined() ? Tensor::empty({chunks, D}, dw.dtype(), x.device()) : Tensor();
    Tensor pb = db.defined() ? Tensor::empty({chunks, D}, db.dtype(), x.device()) : Tensor();
    if (M > 0) {
      dim3 grid((unsigned)((D + kColX - 1) / kColX), (unsigned)chunks), block(kColX, kColY);
      ln_bwd_cols_kernel<T><<<grid, block, 0, s>>>(gp, xp, M, D, mp, rp, rows_per, mptr<A>(pw), mptr<A>(pb));
      EMBER_CUDA_LAUNCH_CHECK(op);
    } else {  // no rows: the sums are zero
      if (pw.defined()) EMBER_CUDA_CHECK_OP(cudaMemsetAsync(pw.raw_data_ptr(), 0, (size_t)D * sizeof(A), s), op);
      if (pb.defined()) EMBER_CUDA_CHECK_OP(cudaMemsetAsync(pb.raw_data_ptr(), 0, (size_t)D * sizeof(A), s), op);
    }
    if (dw.defined()) {
      sum_chunks_kernel<A><<<grid_for(D), kThreads, 0, s>>>(cptr<A>(pw), chunks, D, mptr<A>(dw));
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
    if (db.defined()) {
      sum_chunks_kernel<A><<<grid_for(D), kThreads, 0, s>>>(cptr<A>(pb), chunks, D, mptr<A>(db));
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
  });
}

void group_norm_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G, const Tensor& w, const Tensor& b,
                        double eps, const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  const char* op = "group_norm";
  const int64_t NG = N * G, Dg = (C / G) * S;
  if (NG == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    const A* xp = cptr<A>(x);
    A *mp = mptr<A>(mean), *rp = mptr<A>(rstd);
    // statistics of each (n, g) span: few long spans are split across blocks (Welford partials),
    // otherwise the layer-norm row kernel without its output pass (two-pass statistics)
    const int64_t P = Dg >= 16384 && NG < 512 ? std::min<int64_t>((1024 + NG - 1) / NG, Dg / 8192) : 1;
    if (P > 1) {
      const int64_t per = (Dg + P - 1) / P;
      Tensor part = Tensor::empty({3, NG * P}, x.dtype(), x.device());
      A* pm = mptr<A>(part);
      A* pq = pm + NG * P;
      A* pn = pq + NG * P;
      rows_partial_stats_kernel<A><<<blocks_for(NG * P, 1), 512, 0, s>>>(xp, NG, Dg, P, per, pm, pq, pn);
      EMBER_CUDA_LAUNCH_CHECK(op);
      rows_finish_stats_kernel<A><<<grid_for(NG), kThreads, 0, s>>>(NG, P, Dg, (A)eps, pm, pq, pn, mp, rp);
    } else {
      launch_rows(NG, Dg, s,
                  [&](unsigned gr, int t, cudaStream_t st) {
                    ln_fwd_kernel<A, true><<<gr, t, 0, st>>>(xp, NG, Dg, nullptr, nullptr, (A)eps, false, nullptr, mp, rp);
                  },
                  [&](unsigned gr, int t, cudaStream_t st) {
                    ln_fwd_kernel<A, false><<<gr, t, 0, st>>>(xp, NG, Dg, nullptr, nullptr, (A)eps, false, nullptr, mp, rp);
                  });
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
    const int64_t n = x.numel();
    if (n == 0) return;
    Tensor coef = Tensor::empty({2, N * C}, x.dtype(), x.device());
    A* a = mptr<A>(coef);
    A* d = a + N * C;
    gn_fwd_coef_kernel<A><<<grid_for(N * C), kThreads, 0, s>>>(N, C, G, cptr<A>(w), cptr<A>(b), mp, rp, a, d);
    EMBER_CUDA_LAUNCH_CHECK(op);
    chan_map<A>(op, s, xp, nullptr, n, S, N * C, a, nullptr, d, mptr<A>(y));
  });
}

void group_norm_backward(const Tensor& g, const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G,
                         const Tensor& mean, const Tensor& rstd, const Tensor& w, const Tensor& dx, const Tensor& dw,
                         const Tensor& db) {
  const char* op = "group_norm_backward";
  const int64_t NC = N * C;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    const A *gp = cptr<A>(g), *xp = cptr<A>(x), *mp = cptr<A>(mean), *rp = cptr<A>(rstd), *wp = cptr<A>(w);
    // per (n, c): ds = sum g x, db = sum g (zero when S == 0)
    Tensor sums = Tensor::empty({2, std::max<int64_t>(NC, 1)}, x.dtype(), x.device());
    A* ds = mptr<A>(sums);
    A* dbs = ds + std::max<int64_t>(NC, 1);
    if (NC > 0) {
      launch_rows(NC, S, s,
                  [&](unsigned gr, int t, cudaStream_t st) { row_gsums_kernel<A, true><<<gr, t, 0, st>>>(gp, xp, NC, S, ds, dbs); },
                  [&](unsigned gr, int t, cudaStream_t st) { row_gsums_kernel<A, false><<<gr, t, 0, st>>>(gp, xp, NC, S, ds, dbs); });
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
    if (dx.defined() && x.numel() > 0) {
      const int64_t NG = N * G;
      Tensor gc = Tensor::empty({2, NG}, x.dtype(), x.device());
      A* bc = mptr<A>(gc);
      A* cc = bc + NG;
      gn_bwd_group_kernel<A><<<grid_for(NG), kThreads, 0, s>>>(N, C, S, G, wp, mp, rp, ds, dbs, bc, cc);
      EMBER_CUDA_LAUNCH_CHECK(op);
      Tensor rc = Tensor::empty({3, NC}, x.dtype(), x.device());
      A* k1 = mptr<A>(rc);
      A* k2 = k1 + NC;
      A* k3 = k2 + NC;
      gn_bwd_rowcoef_kernel<A><<<grid_for(NC), kThreads, 0, s>>>(N, C, G, wp, rp, bc, cc, k1, k2, k3);
      EMBER_CUDA_LAUNCH_CHECK(op);
      chan_map<A>(op, s, gp, xp, x.numel(), S, NC, k1, k2, k3, mptr<A>(dx));
    }
    if ((dw.defined() || db.defined()) && C > 0) {
      gn_dwdb_kernel<A><<<grid_for(C), kThreads, 0, s>>>(N, C, G, mp, rp, ds, dbs, mptr<A>(dw), mptr<A>(db));
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
  });
}

void batch_norm_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& w, const Tensor& b,
                        const Tensor& rm, const Tensor& rv, bool training, double momentum, double eps, const Tensor& y,
                        const Tensor& save_mean, const Tensor& save_invstd, const Tensor& new_rm,
                        const Tensor& new_rv) {
  const char* op = "batch_norm";
  if (C == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    Tensor coef = Tensor::empty({2, C}, x.dtype(), x.device());
    A* sc = mptr<A>(coef);
    A* sh = sc + C;
    if (training) {
      const int64_t M = N * S;
      const BnSplit sp = bn_split(C, M);
      Tensor part = Tensor::empty({3, C * sp.P}, x.dtype(), x.device());
      A* pmean = mptr<A>(part);
      A* pm2 = pmean + C * sp.P;
      A* pn = pm2 + C * sp.P;
      bn_partial_stats_kernel<A><<<blocks_for(C * sp.P, 1), 512, 0, s>>>(cptr<A>(x), N, C, S, sp.P, sp.per, pmean,
                                                                         pm2, pn);
      EMBER_CUDA_LAUNCH_CHECK(op);
      bn_finish_stats_kernel<A><<<grid_for(C), kThreads, 0, s>>>(C, sp.P, M, pmean, pm2, pn, cptr<A>(w), cptr<A>(b),
                                                                cptr<A>(rm), cptr<A>(rv), (A)momentum, (A)eps,
                                                                mptr<A>(save_mean), mptr<A>(save_invstd), sc, sh,
                                                                mptr<A>(new_rm), mptr<A>(new_rv));
    } else {
      bn_eval_coef_kernel<A><<<grid_for(C), kThreads, 0, s>>>(C, cptr<A>(w), cptr<A>(b), cptr<A>(rm), cptr<A>(rv),
                                                             (A)eps, mptr<A>(save_mean), mptr<A>(save_invstd), sc, sh);
    }
    EMBER_CUDA_LAUNCH_CHECK(op);
    chan_map<A>(op, s, cptr<A>(x), nullptr, x.numel(), std::max<int64_t>(S, 1), C, sc, nullptr, sh, mptr<A>(y));
  });
}

void batch_norm_backward(const Tensor& g, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& w,
                         const Tensor& save_mean, const Tensor& save_invstd, bool training, const Tensor& dx,
                         const Tensor& dw, const Tensor& db) {
  const char* op = "batch_norm_backward";
  if (C == 0) return;
  DeviceGuard guard(x.device().index);
  cudaStream_t s = stream_of(x);
  dispatch_cdt(x.dtype(), op, [&](auto tag) {
    using A = typename decltype(tag)::type;
    const int64_t M = N * S;
    Tensor buf = Tensor::empty({5, C}, x.dtype(), x.device());
    A* sdy = mptr<A>(buf);
    A* sdyx = sdy + C;
    A* k1 = sdyx + C;
    A* k2 = k1 + C;
    A* k3 = k2 + C;
    const bool need_sums = training || dw.defined() || db.defined();
    if (need_sums) {
      const BnSplit sp = bn_split(C, M);
      Tensor part = Tensor::empty({2, C * sp.P}, x.dtype(), x.device());
      bn_partial_sums_kernel<A><<<blocks_for(C * sp.P, 1), 512, 0, s>>>(cptr<A>(g), cptr<A>(x), N, C, S, sp.P, sp.per,
                                                                        cptr<A>(save_mean), mptr<A>(part));
      EMBER_CUDA_LAUNCH_CHECK(op);
      bn_finish_sums_kernel<A><<<grid_for(C), kThreads, 0, s>>>(C, sp.P, cptr<A>(part), sdy, sdyx);
      EMBER_CUDA_LAUNCH_CHECK(op);
    } else {
      EMBER_CUDA_CHECK_OP(cudaMemsetAsync(sdy, 0, 2 * (size_t)C * sizeof(A), s), op);
    }
    bn_bwd_coef_kernel<A><<<grid_for(C), kThreads, 0, s>>>(C, M, cptr<A>(w), cptr<A>(save_mean), cptr<A>(save_invstd),
                                                          sdy, sdyx, training, dx.defined() ? k1 : nullptr, k2, k3,
                                                          mptr<A>(dw), mptr<A>(db));
    EMBER_CUDA_LAUNCH_CHECK(op);
    if (dx.defined())
      chan_map<A>(op, s, cptr<A>(g), cptr<A>(x), x.numel(), std::max<int64_t>(S, 1), C, k1, k2, k3, mptr<A>(dx));
  });
}

}  // namespace ember::cuda
