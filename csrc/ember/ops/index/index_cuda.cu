// index_cuda.cu — CUDA kernels of the index family (declared in index_cuda.h):
//  - bounds checks: a grid-stride scan for out-of-range values (atomicMin of the row-major position
//    of the first bad one), read back once so the .cpp raises the CPU's error before anything is written;
//  - the dim loop behind gather / scatter / scatter_reduce / index_select / index_add_ / index_copy_ /
//    index_fill_ / embedding: one thread per (outer position, index entry); copies move bytes,
//    reductions are atomic (native atomicAdd for float/double/int32/int64 sums, a compare-and-swap
//    loop for everything else, 8/16-bit types on their aligned 32-bit word);
//  - advanced indexing / take / put_: element offsets computed on the device, then a gather or a
//    put (atomic add when accumulating) over the result shape;
//  - masked_fill; compaction (nonzero, masked_select, masked_scatter_) through cub::DeviceScan.
// Every index is int64, every loop is bounded by its element count, every index read from memory is
// range-checked again before it is used as an address (the .cpp validated them already).
#include <cub/device/device_scan.cuh>
#include <climits>
#include <cstring>
#include "ember/core/view.h"
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/index/index_cuda.h"

namespace ember::cuda {

namespace {

// ---- helpers --------------------------------------------------------------------------------------

// Row-major linear position -> element offset of a strided tensor.
struct RowMajor {
  int nd = 0;
  int64_t sizes[kMaxIterDims];
  int64_t strides[kMaxIterDims];
  __device__ __forceinline__ int64_t offset(int64_t lin) const {
    int64_t off = 0;
    for (int d = nd - 1; d >= 0; --d) {
      const int64_t q = lin / sizes[d];
      off += (lin - q * sizes[d]) * strides[d];
      lin = q;
    }
    return off;
  }
};

RowMajor make_row_major(const Shape& sizes, const Shape& strides, const char* op) {
  EMBER_CHECK(sizes.size() <= (size_t)kMaxIterDims && strides.size() == sizes.size(), op,
              "tensors with more than ", kMaxIterDims, " dimensions are not supported");
  RowMajor r;
  r.nd = (int)sizes.size();
  for (int d = 0; d < r.nd; ++d) {
    r.sizes[d] = sizes[d] > 0 ? sizes[d] : 1;  // numel 0 launches nothing; avoid a division by 0
    r.strides[d] = strides[d];
  }
  return r;
}

template <class T> T read_back(const void* dptr, cudaStream_t s, const char* op) {
  T v;
  EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(&v, dptr, sizeof(T), cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(s), op);
  return v;
}

template <class F> void dispatch_bytes(size_t width, const char* op, F&& f) {
  switch (width) {
    case 1: f(Tag<uint8_t>{}); break;
    case 2: f(Tag<uint16_t>{}); break;
    case 4: f(Tag<uint32_t>{}); break;
    case 8: f(Tag<uint64_t>{}); break;
    default: EMBER_FAIL(op, "unsupported element width ", width, " on cuda");
  }
}

inline int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t v : s) n *= v;
  return n;
}

// ---- atomics ---------------------------------------------------------------------------------------

// *p = f(*p) atomically, for any 1/2/4/8-byte T (8/16-bit types CAS their aligned 32-bit word; the
// caching allocator's blocks are 512-byte aligned and sized, so that word is inside the allocation).
template <class T, class F> __device__ __forceinline__ void atomic_update(T* p, const F& f) {
  if constexpr (sizeof(T) == 8) {
    auto* w = reinterpret_cast<unsigned long long*>(p);
    unsigned long long old = *w, assumed;
    do {
      assumed = old;
      T cur;
      memcpy(&cur, &assumed, 8);
      const T nv = f(cur);
      unsigned long long nb;
      memcpy(&nb, &nv, 8);
      old = atomicCAS(w, assumed, nb);
    } while (assumed != old);
  } else if constexpr (sizeof(T) == 4) {
    auto* w = reinterpret_cast<unsigned int*>(p);
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      T cur;
      memcpy(&cur, &assumed, 4);
      const T nv = f(cur);
      unsigned int nb;
      memcpy(&nb, &nv, 4);
      old = atomicCAS(w, assumed, nb);
    } while (assumed != old);
  } else {
    static_assert(sizeof(T) == 1 || sizeof(T) == 2, "atomic_update: unsupported width");
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    auto* w = reinterpret_cast<unsigned int*>(a & ~uintptr_t(3));
    const unsigned int shift = (unsigned int)(a & 3) * 8u;
    const unsigned int mask = (sizeof(T) == 2 ? 0xffffu : 0xffu) << shift;
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      const unsigned int bits = (assumed & mask) >> shift;
      T cur;
      if constexpr (sizeof(T) == 2) { const unsigned short b = (unsigned short)bits; memcpy(&cur, &b, 2); }
      else { const unsigned char b = (unsigned char)bits; memcpy(&cur, &b, 1); }
      const T nv = f(cur);
      unsigned int nb;
      if constexpr (sizeof(T) == 2) { unsigned short b; memcpy(&b, &nv, 2); nb = b; }
      else { unsigned char b; memcpy(&b, &nv, 1); nb = b; }
      old = atomicCAS(w, assumed, (assumed & ~mask) | ((nb << shift) & mask));
    } while (assumed != old);
  }
}

enum : int { kCopy = 0, kAdd = 1, kMul = 2, kMax = 3, kMin = 4 };

// cur (op) v in the compute type, with the CPU's rules (index_dim.cpp red_apply).
template <class T> struct Combine {
  int red;
  acc_t<T> alpha;
  T v;
  __device__ __forceinline__ T operator()(T cur) const {
    if constexpr (std::is_same_v<T, bool>) {
      if (red == kAdd) return cur || (v && alpha);
      if (red == kMul || red == kMin) return cur && v;
      if (red == kMax) return cur || v;
      return v;
    } else {
      using A = acc_t<T>;
      const A x = load<T>(&cur), y = load<T>(&v);
      switch (red) {
        case kAdd:  // the product rounded first, as the CPU (no fused multiply-add)
          if constexpr (std::is_same_v<A, float>) return from_acc<T>(__fadd_rn(x, __fmul_rn(alpha, y)));
          else if constexpr (std::is_same_v<A, double>) return from_acc<T>(__dadd_rn(x, __dmul_rn(alpha, y)));
          else return from_acc<T>(static_cast<A>(x + alpha * y));
        case kMul: return from_acc<T>(static_cast<A>(x * y));
        case kMax:
          if constexpr (is_float_v<T>) { if (x != x) return cur; if (y != y) return v; }
          return x > y ? cur : v;
        case kMin:
          if constexpr (is_float_v<T>) { if (x != x) return cur; if (y != y) return v; }
          return x < y ? cur : v;
        default: return v;
      }
    }
  }
};

template <class T> __device__ __forceinline__ void atomic_reduce(T* p, T v, int red, acc_t<T> alpha) {
  if (red == kAdd) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      atomicAdd(p, alpha * v);  // alpha * y rounded, then the sum rounded: the CPU's result for one contributor
      return;
    } else if constexpr (std::is_same_v<T, int32_t>) {
      atomicAdd(reinterpret_cast<unsigned int*>(p), (unsigned int)alpha * (unsigned int)v);  // wraps as the CPU
      return;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      atomicAdd(reinterpret_cast<unsigned long long*>(p), (unsigned long long)alpha * (unsigned long long)v);
      return;
    }
    // 16-bit floats: a CAS loop computing in float and rounding once (as the CPU), not atomicAdd(__half)
  }
  atomic_update(p, Combine<T>{red, alpha, v});
}

// ---- bounds / min-max --------------------------------------------------------------------------------

__global__ void oob_kernel(const int64_t* __restrict__ v, int64_t n, int64_t lo, int64_t hi,
                           unsigned long long* __restrict__ first) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t x = v[i];
    if (x < lo || x >= hi) atomicMin(first, (unsigned long long)i);
  }
}

__global__ void minmax_init_kernel(long long* mm) {
  if (blockIdx.x == 0 && threadIdx.x == 0) { mm[0] = LLONG_MAX; mm[1] = LLONG_MIN; }
}

// blockDim.x == kThreads (a multiple of 32): every thread of the block reaches the block reductions.
__global__ void minmax_kernel(const int64_t* __restrict__ v, int64_t n, long long* __restrict__ mm) {
  __shared__ long long scratch[32];
  long long lo = LLONG_MAX, hi = LLONG_MIN;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const long long x = (long long)v[i];
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  lo = block_reduce(lo, MinOp{}, (long long)LLONG_MAX, scratch);
  hi = block_reduce(hi, MaxOp{}, (long long)LLONG_MIN, scratch);
  if (threadIdx.x == 0) {
    atomicMin(&mm[0], lo);
    atomicMax(&mm[1], hi);
  }
}

// ---- the dim loop ------------------------------------------------------------------------------------

struct DimParams {
  OffsetCalc<3> oc;  // outer positions: indexed, other, idx
  int64_t nouter, L, xds, ods, ids, size;
  bool j_inner;      // consecutive threads walk j (else the outer positions)
};

template <class Op>
__global__ void dim_loop_kernel(char* indexed, char* other, const char* idx, DimParams p, Op op) {
  const int64_t n = p.nouter * p.L;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t o, j;
    if (p.j_inner) { o = i / p.L; j = i - o * p.L; }
    else { j = i / p.nouter; o = i - j * p.nouter; }
    int64_t off[3];
    p.oc.get(o, off);
    int64_t k = *reinterpret_cast<const int64_t*>(idx + off[2] + j * p.ids);
    if (k < 0) k += p.size;
    if (k < 0 || k >= p.size) continue;  // validated on the host side already; never address outside
    op(indexed + off[0] + k * p.xds, other + off[1] + j * p.ods);
  }
}

template <class T> struct CopyToIndexed {
  __device__ __forceinline__ void operator()(char* x, char* y) const { *reinterpret_cast<T*>(x) = *reinterpret_cast<const T*>(y); }
};
template <class T> struct CopyFromIndexed {
  __device__ __forceinline__ void operator()(char* x, char* y) const { *reinterpret_cast<T*>(y) = *reinterpret_cast<const T*>(x); }
};
template <class T> struct ReduceIntoIndexed {
  int red;
  acc_t<T> alpha;
  __device__ __forceinline__ void operator()(char* x, char* y) const {
    atomic_reduce<T>(reinterpret_cast<T*>(x), *reinterpret_cast<const T*>(y), red, alpha);
  }
};

template <class T> acc_t<T> alpha_as(const Scalar& a) {
  if constexpr (std::is_same_v<T, bool>) return a.to_double() != 0;
  else if constexpr (is_float_v<T>) return static_cast<acc_t<T>>(a.to_double());
  else return static_cast<T>(a.to<int64_t>());
}

// ---- mean divide / offsets / gather / put / masked_fill -------------------------------------------------

template <class T> __global__ void mean_divide_kernel(char* self, const char* cnt, int64_t n, OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    const int64_t c = *reinterpret_cast<const int64_t*>(cnt + off[1]);
    if (c <= 1) continue;
    T* x = reinterpret_cast<T*>(self + off[0]);
    if constexpr (is_float_v<T>) {
      *x = from_acc<T>(load<T>(x) / static_cast<acc_t<T>>(c));
    } else {
      const int64_t v = (int64_t)*x;
      int64_t q = v / c;
      if ((v % c != 0) && v < 0) --q;
      *x = static_cast<T>(q);
    }
  }
}

__global__ void accumulate_offsets_kernel(char* offs, const char* ix, int64_t n, int64_t size, int64_t stride_el,
                                          bool init, OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    int64_t v = *reinterpret_cast<const int64_t*>(ix + off[1]);
    if (v < 0) v += size;
    if (v < 0 || v >= size) v = 0;  // validated before; keep the address inside the tensor regardless
    int64_t* o = reinterpret_cast<int64_t*>(offs + off[0]);
    *o = init ? v * stride_el : *o + v * stride_el;
  }
}

__global__ void flat_offsets_kernel(char* offs, const char* ix, int64_t m, int64_t n, bool contig, RowMajor rm,
                                    OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    int64_t v = *reinterpret_cast<const int64_t*>(ix + off[1]);
    if (v < 0) v += n;
    if (v < 0 || v >= n) v = 0;  // validated before
    *reinterpret_cast<int64_t*>(offs + off[0]) = contig ? v : rm.offset(v);
  }
}

template <class T> __global__ void gather_offsets_kernel(char* out, const char* base, const char* offs, int64_t n,
                                                         OffsetCalc<3> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    oc.get(i, off);
    const int64_t e = *reinterpret_cast<const int64_t*>(offs + off[2]);
    *reinterpret_cast<T*>(out + off[0]) = *reinterpret_cast<const T*>(base + off[1] + e * (int64_t)sizeof(T));
  }
}

template <class T> __global__ void put_offsets_kernel(char* base, const char* vals, const char* offs, int64_t n,
                                                      bool accumulate, OffsetCalc<3> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    oc.get(i, off);
    const int64_t e = *reinterpret_cast<const int64_t*>(offs + off[2]);
    T* d = reinterpret_cast<T*>(base + off[0] + e * (int64_t)sizeof(T));
    const T v = *reinterpret_cast<const T*>(vals + off[1]);
    if (accumulate) atomic_reduce<T>(d, v, kAdd, acc_t<T>(1));
    else *d = v;
  }
}

template <class T> __global__ void masked_fill_kernel(char* self, const char* mask, const T* __restrict__ value,
                                                      int64_t n, OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const T v = *value;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    if (*reinterpret_cast<const uint8_t*>(mask + off[1]) != 0) *reinterpret_cast<T*>(self + off[0]) = v;
  }
}

// ---- compaction ------------------------------------------------------------------------------------------

__global__ void flags_to_long_kernel(const uint8_t* __restrict__ f, int64_t* __restrict__ out, int64_t n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = f[i] != 0 ? 1 : 0;
}

__global__ void nonzero_write_kernel(int64_t* __restrict__ out, const uint8_t* __restrict__ f,
                                     const int64_t* __restrict__ scan, int64_t n, int64_t total, RowMajor shape) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    if (f[i] == 0) continue;
    const int64_t p = scan[i] - 1;
    if (p < 0 || p >= total) continue;
    int64_t lin = i;
    for (int d = shape.nd - 1; d >= 0; --d) {
      const int64_t q = lin / shape.sizes[d];
      out[p * shape.nd + d] = lin - q * shape.sizes[d];
      lin = q;
    }
  }
}

template <class T> __global__ void masked_select_kernel(T* __restrict__ out, const T* __restrict__ src,
                                                        const uint8_t* __restrict__ f, const int64_t* __restrict__ scan,
                                                        int64_t n, int64_t total, RowMajor rm) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    if (f[i] == 0) continue;
    const int64_t p = scan[i] - 1;
    if (p < 0 || p >= total) continue;
    out[p] = src[rm.offset(i)];
  }
}

template <class T> __global__ void masked_scatter_kernel(T* self, const T* __restrict__ src, const uint8_t* __restrict__ f,
                                                         const int64_t* __restrict__ scan, int64_t n, int64_t src_n,
                                                         RowMajor rm) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    if (f[i] == 0) continue;
    const int64_t p = scan[i] - 1;
    if (p < 0 || p >= src_n) continue;
    self[rm.offset(i)] = src[p];
  }
}

__global__ void one_hot_kernel(int64_t* __restrict__ out, const int64_t* __restrict__ v, int64_t n, int64_t C) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t c = v[i];
    if (c >= 0 && c < C) out[i * C + c] = 1;
  }
}

}  // namespace

// =========================================================================================================

bool index_find_out_of_bounds(const Tensor& index, int64_t lo, int64_t hi, int64_t* bad, const char* op) {
  const int64_t n = index.numel();
  if (n == 0) return false;
  EMBER_CHECK(index.dtype() == DType::Int64, op, "internal error: bounds check expects int64 indices");
  DeviceGuard g(index.device().index);
  cudaStream_t s = stream_of(index);
  Tensor ci = contiguous(index);  // row-major positions = linear positions
  Tensor first = Tensor::empty({1}, DType::Int64, index.device());
  EMBER_CUDA_CHECK_OP(cudaMemsetAsync(first.raw_data_ptr(), 0xff, sizeof(int64_t), s), op);  // UINT64_MAX
  oob_kernel<<<grid_for(n), kThreads, 0, s>>>(static_cast<const int64_t*>(ci.raw_data_ptr()), n, lo, hi,
                                               static_cast<unsigned long long*>(first.raw_data_ptr()));
  EMBER_CUDA_LAUNCH_CHECK(op);
  const unsigned long long pos = read_back<unsigned long long>(first.raw_data_ptr(), s, op);
  if (pos >= (unsigned long long)n) return false;
  *bad = read_back<int64_t>(static_cast<const int64_t*>(ci.raw_data_ptr()) + pos, s, op);
  return true;
}

void index_minmax(const Tensor& t, int64_t* mn, int64_t* mx, const char* op) {
  const int64_t n = t.numel();
  EMBER_CHECK(n > 0 && t.dtype() == DType::Int64, op, "internal error: minmax of an empty or non-int64 tensor");
  DeviceGuard g(t.device().index);
  cudaStream_t s = stream_of(t);
  Tensor ct = contiguous(t);
  Tensor mm = Tensor::empty({2}, DType::Int64, t.device());
  minmax_init_kernel<<<1, 32, 0, s>>>(static_cast<long long*>(mm.raw_data_ptr()));
  EMBER_CUDA_LAUNCH_CHECK(op);
  minmax_kernel<<<grid_for(n), kThreads, 0, s>>>(static_cast<const int64_t*>(ct.raw_data_ptr()), n,
                                                  static_cast<long long*>(mm.raw_data_ptr()));
  EMBER_CUDA_LAUNCH_CHECK(op);
  int64_t host[2];
  EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(host, mm.raw_data_ptr(), sizeof(host), cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(s), op);
  *mn = host[0];
  *mx = host[1];
}

void index_dim_loop(int red, bool indexed_is_dst, const Shape& outer, const Tensor& indexed, const Tensor& other,
                    const Tensor& idx, int64_t L, int64_t indexed_dstride, int64_t other_dstride, int64_t idx_dstride,
                    int64_t size, const Scalar& alpha, const char* op) {
  const int64_t nouter = numel_of(outer);
  if (L == 0 || nouter == 0 || size == 0) return;
  DeviceGuard g(indexed.device().index);
  cudaStream_t s = stream_of(indexed);
  StridedIter it(outer, {&indexed, &other, &idx}, AnyDeviceTag{});
  DimParams p;
  p.oc = make_offset_calc<3>(it);
  p.nouter = nouter;
  p.L = L;
  p.xds = indexed_dstride;
  p.ods = other_dstride;
  p.ids = idx_dstride;
  p.size = size;
  // Consecutive threads should write consecutive addresses of the destination: walk j innermost
  // when the destination's step along j is smaller than its innermost outer step.
  const bool dst_is_indexed = indexed_is_dst || red != kCopy;
  const int k = dst_is_indexed ? 0 : 1;
  const int64_t jstep = std::abs(dst_is_indexed ? indexed_dstride : other_dstride);
  p.j_inner = it.ndim == 0 || jstep < std::abs(it.strides[0][k]) || (jstep == 0 && it.strides[0][k] == 0);
  char* x = static_cast<char*>(indexed.raw_data_ptr());
  char* y = static_cast<char*>(other.raw_data_ptr());
  const char* ix = static_cast<const char*>(idx.raw_data_ptr());
  const unsigned int grid = grid_for(nouter * L);
  if (red == kCopy) {
    dispatch_bytes(indexed.itemsize(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (indexed_is_dst) dim_loop_kernel<<<grid, kThreads, 0, s>>>(x, y, ix, p, CopyToIndexed<T>{});
      else dim_loop_kernel<<<grid, kThreads, 0, s>>>(x, y, ix, p, CopyFromIndexed<T>{});
    });
  } else {
    EMBER_CHECK(other.dtype() == indexed.dtype(), op, "internal error: operand dtypes differ");
    dispatch_all(indexed.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      dim_loop_kernel<<<grid, kThreads, 0, s>>>(x, y, ix, p, ReduceIntoIndexed<T>{red, alpha_as<T>(alpha)});
    });
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_mean_divide(const Tensor& self, const Tensor& cnt, const char* op) {
  const int64_t n = self.numel();
  if (n == 0) return;
  DeviceGuard g(self.device().index);
  cudaStream_t s = stream_of(self);
  StridedIter it(self.sizes(), {&self, &cnt}, AnyDeviceTag{});
  dispatch_all(self.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL(op, "not implemented for dtype bool");
    } else {
      mean_divide_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(self.raw_data_ptr()),
                                                             static_cast<const char*>(cnt.raw_data_ptr()), n,
                                                             make_offset_calc<2>(it));
      EMBER_CUDA_LAUNCH_CHECK(op);
    }
  });
}

void index_accumulate_offsets(const Tensor& offs, const Tensor& ix, int64_t size, int64_t stride, bool init,
                              const char* op) {
  const int64_t n = offs.numel();
  if (n == 0) return;
  DeviceGuard g(offs.device().index);
  cudaStream_t s = stream_of(offs);
  StridedIter it(offs.sizes(), {&offs, &ix}, AnyDeviceTag{});
  accumulate_offsets_kernel<<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(offs.raw_data_ptr()),
                                                              static_cast<const char*>(ix.raw_data_ptr()), n, size,
                                                              stride, init, make_offset_calc<2>(it));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_flat_offsets(const Tensor& offs, const Tensor& ix, const Shape& sizes, const Shape& strides, int64_t n,
                        const char* op) {
  const int64_t m = offs.numel();
  if (m == 0) return;
  DeviceGuard g(offs.device().index);
  cudaStream_t s = stream_of(offs);
  StridedIter it(offs.sizes(), {&offs, &ix}, AnyDeviceTag{});
  bool contig = true;
  {
    int64_t expect = 1;
    for (int64_t d = (int64_t)sizes.size() - 1; d >= 0; --d) {
      if (sizes[d] != 1 && strides[d] != expect) contig = false;
      expect *= sizes[d];
    }
  }
  flat_offsets_kernel<<<grid_for(m), kThreads, 0, s>>>(static_cast<char*>(offs.raw_data_ptr()),
                                                        static_cast<const char*>(ix.raw_data_ptr()), m, n, contig,
                                                        make_row_major(sizes, strides, op), make_offset_calc<2>(it));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_gather_offsets(const Tensor& out, const Tensor& base_r, const Tensor& offs_r, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  StridedIter it(out.sizes(), {&out, &base_r, &offs_r}, AnyDeviceTag{});
  OffsetCalc<3> oc = make_offset_calc<3>(it);
  dispatch_bytes(out.itemsize(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_offsets_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(out.raw_data_ptr()),
                                                              static_cast<const char*>(base_r.raw_data_ptr()),
                                                              static_cast<const char*>(offs_r.raw_data_ptr()), n, oc);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_put_offsets(const Tensor& base_r, const Tensor& vals_r, const Tensor& offs_r, bool accumulate,
                       const char* op) {
  const int64_t n = numel_of(base_r.sizes());
  if (n == 0) return;
  DeviceGuard g(base_r.device().index);
  cudaStream_t s = stream_of(base_r);
  StridedIter it(base_r.sizes(), {&base_r, &vals_r, &offs_r}, AnyDeviceTag{});
  OffsetCalc<3> oc = make_offset_calc<3>(it);
  char* b = static_cast<char*>(base_r.raw_data_ptr());
  const char* v = static_cast<const char*>(vals_r.raw_data_ptr());
  const char* o = static_cast<const char*>(offs_r.raw_data_ptr());
  if (!accumulate) {
    dispatch_bytes(base_r.itemsize(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      put_offsets_kernel<T><<<grid_for(n), kThreads, 0, s>>>(b, v, o, n, false, oc);
    });
  } else {
    dispatch_all(base_r.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      put_offsets_kernel<T><<<grid_for(n), kThreads, 0, s>>>(b, v, o, n, true, oc);
    });
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value, const char* op) {
  const int64_t n = self.numel();
  if (n == 0) return;
  EMBER_CHECK(mask.dtype() == DType::Bool && value.dtype() == self.dtype() && value.device() == self.device(), op,
              "internal error: bad masked_fill operands");
  DeviceGuard g(self.device().index);
  cudaStream_t s = stream_of(self);
  StridedIter it(self.sizes(), {&self, &mask}, AnyDeviceTag{});
  OffsetCalc<2> oc = make_offset_calc<2>(it);
  dispatch_bytes(self.itemsize(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    masked_fill_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(self.raw_data_ptr()),
                                                           static_cast<const char*>(mask.raw_data_ptr()),
                                                           static_cast<const T*>(value.raw_data_ptr()), n, oc);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

Tensor index_flag_scan(const Tensor& flags, int64_t* total, const char* op) {
  const int64_t n = flags.numel();
  EMBER_CHECK(flags.dtype() == DType::Bool && flags.is_contiguous(), op, "internal error: flags must be contiguous bool");
  Tensor scan = Tensor::empty({n}, DType::Int64, flags.device());
  *total = 0;
  if (n == 0) return scan;
  DeviceGuard g(flags.device().index);
  cudaStream_t s = stream_of(flags);
  Tensor ones = Tensor::empty({n}, DType::Int64, flags.device());
  int64_t* in = static_cast<int64_t*>(ones.raw_data_ptr());
  int64_t* out = static_cast<int64_t*>(scan.raw_data_ptr());
  flags_to_long_kernel<<<grid_for(n), kThreads, 0, s>>>(static_cast<const uint8_t*>(flags.raw_data_ptr()), in, n);
  EMBER_CUDA_LAUNCH_CHECK(op);
  size_t temp_bytes = 0;
  EMBER_CUDA_CHECK_OP(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, in, out, n, s), op);
  Tensor temp = Tensor::empty({(int64_t)std::max<size_t>(temp_bytes, 1)}, DType::UInt8, flags.device());
  EMBER_CUDA_CHECK_OP(cub::DeviceScan::InclusiveSum(temp.raw_data_ptr(), temp_bytes, in, out, n, s), op);
  *total = read_back<int64_t>(out + (n - 1), s, op);  // the one sync: the result size depends on the data
  return scan;
}

void index_nonzero_write(const Tensor& out, const Tensor& flags, const Tensor& scan, const Shape& shape,
                         const char* op) {
  const int64_t n = flags.numel(), total = out.sizes()[0];
  if (n == 0 || total == 0 || shape.empty()) return;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  nonzero_write_kernel<<<grid_for(n), kThreads, 0, s>>>(
      static_cast<int64_t*>(out.raw_data_ptr()), static_cast<const uint8_t*>(flags.raw_data_ptr()),
      static_cast<const int64_t*>(scan.raw_data_ptr()), n, total, make_row_major(shape, Shape(shape.size(), 0), op));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_masked_select_write(const Tensor& out, const Tensor& src, const Tensor& flags, const Tensor& scan,
                               const char* op) {
  const int64_t n = flags.numel(), total = out.numel();
  if (n == 0 || total == 0) return;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  RowMajor rm = make_row_major(src.sizes(), src.strides(), op);
  dispatch_bytes(out.itemsize(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    masked_select_kernel<T><<<grid_for(n), kThreads, 0, s>>>(
        static_cast<T*>(out.raw_data_ptr()), static_cast<const T*>(src.raw_data_ptr()),
        static_cast<const uint8_t*>(flags.raw_data_ptr()), static_cast<const int64_t*>(scan.raw_data_ptr()), n, total,
        rm);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_masked_scatter_write(const Tensor& self, const Tensor& flags, const Tensor& scan, const Tensor& src,
                                const char* op) {
  const int64_t n = flags.numel();
  if (n == 0 || src.numel() == 0) return;
  EMBER_CHECK(src.is_contiguous(), op, "internal error: source must be contiguous");
  DeviceGuard g(self.device().index);
  cudaStream_t s = stream_of(self);
  RowMajor rm = make_row_major(self.sizes(), self.strides(), op);
  dispatch_bytes(self.itemsize(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    masked_scatter_kernel<T><<<grid_for(n), kThreads, 0, s>>>(
        static_cast<T*>(self.raw_data_ptr()), static_cast<const T*>(src.raw_data_ptr()),
        static_cast<const uint8_t*>(flags.raw_data_ptr()), static_cast<const int64_t*>(scan.raw_data_ptr()), n,
        src.numel(), rm);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void index_one_hot(const Tensor& out, const Tensor& v, int64_t num_classes, const char* op) {
  const int64_t n = v.numel();
  if (n == 0 || num_classes == 0) return;
  EMBER_CHECK(v.is_contiguous() && v.dtype() == DType::Int64 && out.is_contiguous(), op,
              "internal error: bad one_hot operands");
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  one_hot_kernel<<<grid_for(n), kThreads, 0, s>>>(static_cast<int64_t*>(out.raw_data_ptr()),
                                                   static_cast<const int64_t*>(v.raw_data_ptr()), n, num_classes);
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace ember::cuda
