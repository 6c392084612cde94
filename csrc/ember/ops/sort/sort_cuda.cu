// sort_cuda.cu — the sort family on the GPU (see sort_cuda.h).
// - sort_rows: order-preserving unsigned keys (sort_rows.cpp's mapping: NaN -> all ones, -0.0 ->
//   +0.0; descending sorts ~key), paired with the element's position in its row. Rows of at most
//   kBitonicMax elements: one block per row sorts (key, position) in shared memory with a bitonic
//   network; (key, position) pairs are all distinct, so the result is the stable order. Longer
//   rows: CUB's (segmented) radix sort, which is stable. A gather then writes values and int64
//   indices.
// - selections (kthvalue, median, nanmedian, mode) read the sorted rows, one thread per row.
// - unique: run flags, an inclusive scan (CUB), one host sync for the number of runs, a scatter.
// - searchsorted: one thread per value, the CPU's comparisons.
// - histc / bincount: the data range (one host sync, as PyTorch), then integer atomics (exact,
//   order-independent); weighted bincount adds floats atomically (order may vary in the last bits).
#include <cub/cub.cuh>
#include <climits>
#include <vector>
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/sort/sort_cuda.h"

namespace ember::cuda {

namespace {

constexpr int kBitonicMax = 2048;  // longest row of the shared-memory path (24 KiB for 8-byte keys)

// ---- keys ----------------------------------------------------------------------------------------
template <class T> struct KeyOf { using type = std::make_unsigned_t<T>; };
template <> struct KeyOf<bool> { using type = uint8_t; };
template <> struct KeyOf<__half> { using type = uint16_t; };
template <> struct KeyOf<__nv_bfloat16> { using type = uint16_t; };
template <> struct KeyOf<float> { using type = uint32_t; };
template <> struct KeyOf<double> { using type = uint64_t; };
template <class T> using key_t = typename KeyOf<T>::type;

template <class K> __device__ __forceinline__ K flip_float(K b) {
  constexpr K sign = K(K(1) << (sizeof(K) * 8 - 1));
  return (b & sign) ? K(~b) : K(b | sign);
}

template <class T> __device__ __forceinline__ key_t<T> to_key(T v) {
  using K = key_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return (K)(v ? 1 : 0);
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) return K((K)v ^ K(K(1) << (sizeof(K) * 8 - 1)));
    else return (K)v;
  } else if constexpr (is_half_v<T>) {
    constexpr uint16_t inf = std::is_same_v<T, __half> ? 0x7c00 : 0x7f80;
    uint16_t x;
    if constexpr (std::is_same_v<T, __half>) x = __half_as_ushort(v);
    else x = __bfloat16_as_ushort(v);
    if ((x & 0x7fff) > inf) return K(~K(0));
    if ((x & 0x7fff) == 0) x = 0;
    return flip_float<K>(x);
  } else {
    if (v != v) return K(~K(0));
    K b;
    if constexpr (std::is_same_v<T, float>) b = __float_as_uint(v);
    else b = (K)__double_as_longlong(v);
    if (v == T(0)) b = 0;
    return flip_float<K>(b);
  }
}

// Equality of unique/mode: same key, and not NaN (NaN != NaN).
template <class T> __device__ __forceinline__ bool same_value(T a, T b) {
  using K = key_t<T>;
  const K ka = to_key(a), kb = to_key(b);
  if constexpr (is_float_v<T>) return ka == kb && ka != K(~K(0));
  else return ka == kb;
}

template <class T> __device__ __forceinline__ bool nan_of(T v) {
  if constexpr (is_half_v<T>) { const float f = load<T>(&v); return f != f; }
  else if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// ---- small rows: bitonic sort in shared memory ------------------------------------------------------
// Bytes of the key area of the shared buffer (rounded up so the int positions after it are aligned).
template <class K> __host__ __device__ __forceinline__ size_t bitonic_key_bytes(int npad) {
  return ((size_t)npad * sizeof(K) + 15) / 16 * 16;
}
template <class T>
__global__ void bitonic_rows_kernel(const T* __restrict__ x, T* __restrict__ vals, int64_t* __restrict__ idxs,
                                    int64_t rows, int n, int npad, bool desc) {
  using K = key_t<T>;
  extern __shared__ __align__(16) unsigned char smem[];
  K* sk = reinterpret_cast<K*>(smem);
  // positions start at a 16-byte boundary: npad * sizeof(K) alone is not 4-byte aligned for
  // 1-byte keys with npad < 4 or 2-byte keys with npad == 1 (a misaligned int access faults)
  int* sp = reinterpret_cast<int*>(smem + bitonic_key_bytes<K>(npad));
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {  // uniform per block: every thread syncs
    const T* xr = x + r * n;
    for (int j = threadIdx.x; j < npad; j += blockDim.x) {
      if (j < n) {
        const K k = to_key(xr[j]);
        sk[j] = desc ? K(~k) : k;
      } else {
        sk[j] = K(~K(0));  // padding sorts after every element (its position is larger)
      }
      sp[j] = j;
    }
    __syncthreads();
    for (int size = 2; size <= npad; size <<= 1) {
      for (int stride = size >> 1; stride > 0; stride >>= 1) {
        for (int t = threadIdx.x; t < (npad >> 1); t += blockDim.x) {
          const int i = (t / stride) * 2 * stride + (t % stride);  // bit `stride` of i is clear
          const int p = i + stride;
          const bool up = (i & size) == 0;
          const K ki = sk[i], kp = sk[p];
          const int pi = sp[i], pp = sp[p];
          const bool gt = ki > kp || (ki == kp && pi > pp);
          if (gt == up) {
            sk[i] = kp; sk[p] = ki;
            sp[i] = pp; sp[p] = pi;
          }
        }
        __syncthreads();
      }
    }
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      const int src = sp[j];
      idxs[r * n + j] = src;
      vals[r * n + j] = xr[src];
    }
    __syncthreads();  // the next row reuses shared memory
  }
}

// ---- long rows: CUB radix sort of (key, position) ---------------------------------------------------
// Keys of 1, 2 and 4 bytes are stored zero-extended in 32 bits (CUB sorts only their low bits),
// so CUB is instantiated for two key types instead of four.
template <class K> using cub_key_t = std::conditional_t<sizeof(K) <= 4, uint32_t, uint64_t>;

template <class T>
__global__ void make_keys_kernel(const T* __restrict__ x, cub_key_t<key_t<T>>* __restrict__ keys,
                                 int* __restrict__ pos, int64_t total, int n, bool desc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    const key_t<T> k = to_key(x[i]);
    keys[i] = desc ? key_t<T>(~k) : k;  // ~ in the key's own width, then zero-extended
    pos[i] = (int)(i % n);
  }
}

template <class T>
__global__ void gather_sorted_kernel(const T* __restrict__ x, const int* __restrict__ pos, T* __restrict__ vals,
                                     int64_t* __restrict__ idxs, int64_t total, int n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t row = i / n;
    int p = pos[i];
    p = p < 0 ? 0 : (p >= n ? n - 1 : p);  // always in range; the clamp only guards the read
    idxs[i] = p;
    vals[i] = x[row * n + p];
  }
}

__global__ void segment_offsets_kernel(int* off, int64_t count, int n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) off[i] = (int)(i * n);
}

// Sorts `rb` rows of n (key, position) pairs in place (DoubleBuffer: the result is Current()) on
// the low `bits` bits of the keys.
template <class K>
void cub_sort_pairs(cub::DoubleBuffer<K>& kb, cub::DoubleBuffer<int>& vb, int64_t rb, int n, const int* off,
                    int bits, cudaStream_t s, const Device& dev, const char* op) {
  const int num = (int)(rb * n);
  size_t bytes = 0;
  cub::DoubleBuffer<K> qk(kb.Current(), kb.Alternate());  // the size query gets copies: kb/vb stay as given
  cub::DoubleBuffer<int> qv(vb.Current(), vb.Alternate());
  if (rb == 1) {
    EMBER_CUDA_CHECK_OP(cub::DeviceRadixSort::SortPairs(nullptr, bytes, qk, qv, num, 0, bits, s), op);
  } else {
    EMBER_CUDA_CHECK_OP(
        cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, qk, qv, num, (int)rb, off, off + 1, 0, bits, s), op);
  }
  Tensor tmp = Tensor::empty({(int64_t)std::max<size_t>(bytes, 1)}, DType::UInt8, dev);
  void* tp = tmp.raw_data_ptr();
  if (rb == 1) {
    EMBER_CUDA_CHECK_OP(cub::DeviceRadixSort::SortPairs(tp, bytes, kb, vb, num, 0, bits, s), op);
  } else {
    EMBER_CUDA_CHECK_OP(
        cub::DeviceSegmentedRadixSort::SortPairs(tp, bytes, kb, vb, num, (int)rb, off, off + 1, 0, bits, s), op);
  }
}

// A dtype of the key's width, for allocating key buffers (only the bytes matter).
template <class K> DType key_dtype() {
  if constexpr (sizeof(K) == 1) return DType::UInt8;
  else if constexpr (sizeof(K) == 2) return DType::Int16;
  else if constexpr (sizeof(K) == 4) return DType::Int32;
  else return DType::Int64;
}

template <class T>
void sort_rows_t(const Tensor& x, int64_t rows, int64_t n, bool desc, const Tensor& values, const Tensor& indices,
                 const char* op) {
  using K = key_t<T>;
  using SK = cub_key_t<K>;
  const Device dev = x.device();
  cudaStream_t s = stream_of(x);
  const T* xp = static_cast<const T*>(x.raw_data_ptr());
  T* vp = static_cast<T*>(values.raw_data_ptr());
  int64_t* ip = static_cast<int64_t*>(indices.raw_data_ptr());
  if (n <= kBitonicMax) {
    int npad = 1;
    while (npad < n) npad <<= 1;
    const int threads = std::min(1024, std::max(32, npad / 2));
    const size_t shm = bitonic_key_bytes<K>(npad) + (size_t)npad * sizeof(int);
    const unsigned grid = (unsigned)std::min<int64_t>(rows, int64_t(1) << 30);
    bitonic_rows_kernel<T><<<grid, threads, shm, s>>>(xp, vp, ip, rows, (int)n, npad, desc);
    EMBER_CUDA_LAUNCH_CHECK(op);
    return;
  }
  EMBER_CHECK(n <= INT_MAX, op, "rows longer than 2^31 - 1 elements are not supported on cuda (got ", n, ")");
  // Rows per CUB call: the element count of one call must fit in int.
  const int64_t per_batch = std::max<int64_t>(1, std::min<int64_t>(rows, (int64_t)INT_MAX / n));
  const int64_t total = rows * n;
  Tensor keys = Tensor::empty({total}, key_dtype<SK>(), dev), keys_alt = Tensor::empty({total}, key_dtype<SK>(), dev);
  Tensor pos = Tensor::empty({total}, DType::Int32, dev), pos_alt = Tensor::empty({total}, DType::Int32, dev);
  SK* kp = static_cast<SK*>(keys.raw_data_ptr());
  SK* kap = static_cast<SK*>(keys_alt.raw_data_ptr());
  int* pp = static_cast<int*>(pos.raw_data_ptr());
  int* pap = static_cast<int*>(pos_alt.raw_data_ptr());
  make_keys_kernel<T><<<grid_for(total), kThreads, 0, s>>>(xp, kp, pp, total, (int)n, desc);
  EMBER_CUDA_LAUNCH_CHECK(op);
  Tensor offs;
  int* op_ = nullptr;
  if (per_batch > 1) {
    offs = Tensor::empty({per_batch + 1}, DType::Int32, dev);
    op_ = static_cast<int*>(offs.raw_data_ptr());
    segment_offsets_kernel<<<grid_for(per_batch + 1), kThreads, 0, s>>>(op_, per_batch + 1, (int)n);
    EMBER_CUDA_LAUNCH_CHECK(op);
  }
  for (int64_t r0 = 0; r0 < rows; r0 += per_batch) {
    const int64_t rb = std::min(per_batch, rows - r0), e0 = r0 * n;
    cub::DoubleBuffer<SK> kb(kp + e0, kap + e0);
    cub::DoubleBuffer<int> vb(pp + e0, pap + e0);
    cub_sort_pairs<SK>(kb, vb, rb, (int)n, op_, (int)sizeof(K) * 8, s, dev, op);
    gather_sorted_kernel<T><<<grid_for(rb * n), kThreads, 0, s>>>(xp + e0, vb.Current(), vp + e0, ip + e0, rb * n,
                                                                   (int)n);
    EMBER_CUDA_LAUNCH_CHECK(op);
  }
}

// ---- selections on sorted rows ---------------------------------------------------------------------
template <class T>
__global__ void select_sorted_kernel(int kind, const T* __restrict__ sv, const int64_t* __restrict__ si, int64_t rows,
                                     int64_t n, int64_t k, T* __restrict__ ov, int64_t* __restrict__ oi) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += stride) {
    const T* row = sv + r * n;
    int64_t pos = 0;
    if (kind == kSelectKth) {
      pos = k - 1;
    } else if (kind == kSelectMode) {
      int64_t best = 0;
      for (int64_t j = 0; j < n;) {  // runs of equal values, ascending: the first longest wins
        int64_t e = j + 1;
        while (e < n && same_value(row[j], row[e])) ++e;
        if (e - j > best) { best = e - j; pos = e - 1; }
        j = e;
      }
    } else {
      int64_t lo = 0, hi = n;  // NaNs sort last: lo = first NaN position
      while (lo < hi) {
        const int64_t mid = lo + ((hi - lo) >> 1);
        if (nan_of(row[mid])) hi = mid;
        else lo = mid + 1;
      }
      const int64_t nans = n - lo;
      if (kind == kSelectMedian) pos = nans > 0 ? lo : (n - 1) / 2;
      else pos = nans == n ? 0 : (n - nans - 1) / 2;
    }
    pos = pos < 0 ? 0 : (pos >= n ? n - 1 : pos);
    ov[r] = row[pos];
    oi[r] = si[r * n + pos];
  }
}

// ---- unique: runs of equal neighbours ---------------------------------------------------------------
template <class T>
__global__ void run_flags_kernel(const T* __restrict__ sv, int64_t n, int64_t* __restrict__ flags) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    flags[i] = (i == 0 || !same_value(sv[i - 1], sv[i])) ? 1 : 0;
}

template <class T>
__global__ void run_scatter_kernel(const T* __restrict__ sv, const int64_t* __restrict__ si,
                                   const int64_t* __restrict__ flags, const int64_t* __restrict__ scan, int64_t n,
                                   int64_t u, T* __restrict__ values, int64_t* __restrict__ starts,
                                   int64_t* __restrict__ inverse) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t run = scan[i] - 1;  // in [0, u)
    if (run < 0 || run >= u) continue;
    if (flags[i]) {
      values[run] = sv[i];
      starts[run] = i;
    }
    const int64_t at = si ? si[i] : i;
    if (at >= 0 && at < n) inverse[at] = run;
  }
}

__global__ void run_counts_kernel(const int64_t* __restrict__ starts, int64_t u, int64_t n, int64_t* __restrict__ counts) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < u; k += stride)
    counts[k] = (k + 1 < u ? starts[k + 1] : n) - starts[k];
}

// ---- searchsorted -----------------------------------------------------------------------------------
template <class T, class O>
__global__ void searchsorted_kernel(const T* __restrict__ seq, const T* __restrict__ v, const int64_t* __restrict__ sorter,
                                    int64_t nv, int64_t n, int64_t per_row, bool one_row, bool right, O* __restrict__ out) {
  using C = acc_t<T>;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nv; i += stride) {
    const int64_t row = one_row ? 0 : i / per_row;
    const T* s = seq + row * n;
    const int64_t* so = sorter ? sorter + row * n : nullptr;
    const C val = load<T>(v + i);
    int64_t lo = 0, hi = n;
    while (lo < hi) {
      const int64_t mid = lo + ((hi - lo) >> 1);
      int64_t m = mid;
      if (so) {
        m = so[mid];
        m = m < 0 ? 0 : (m >= n ? n - 1 : m);
      }
      const C x = load<T>(s + m);
      const bool go_right = right ? !(x > val) : !(x >= val);
      if (go_right) lo = mid + 1;
      else hi = mid;
    }
    out[i] = (O)lo;
  }
}

// ---- histc / bincount -------------------------------------------------------------------------------
constexpr int kMaxPartials = 512;  // blocks of the range reductions (partials finished on the host)

template <class T>
__global__ void minmax_float_kernel(const T* __restrict__ x, int64_t n, double* __restrict__ part) {
  __shared__ double scratch[32];
  double mn = INFINITY, mx = -INFINITY, nan = 0;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const double v = (double)load<T>(x + i);
    if (v != v) {
      nan = 1;
    } else {
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
    }
  }
  mn = block_reduce(mn, MinOp{}, (double)INFINITY, scratch);
  mx = block_reduce(mx, MaxOp{}, (double)-INFINITY, scratch);
  nan = block_reduce(nan, MaxOp{}, 0.0, scratch);
  if (threadIdx.x == 0) {
    part[3 * blockIdx.x] = mn;
    part[3 * blockIdx.x + 1] = mx;
    part[3 * blockIdx.x + 2] = nan;
  }
}

__global__ void minmax_int64_kernel(const int64_t* __restrict__ x, int64_t n, int64_t* __restrict__ part) {
  __shared__ int64_t scratch[32];
  int64_t mn = LLONG_MAX, mx = LLONG_MIN;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t v = x[i];
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  mn = block_reduce(mn, MinOp{}, (int64_t)LLONG_MAX, scratch);
  mx = block_reduce(mx, MaxOp{}, (int64_t)LLONG_MIN, scratch);
  if (threadIdx.x == 0) {
    part[2 * blockIdx.x] = mn;
    part[2 * blockIdx.x + 1] = mx;
  }
}

// Rounds a compute-type value to T and back (identity for float and double).
template <class T> __device__ __forceinline__ acc_t<T> rd(acc_t<T> v) {
  if constexpr (is_half_v<T>) {
    const T t = from_acc<T>(v);
    return load<T>(&t);
  } else {
    return v;
  }
}

template <class T>
__global__ void histc_kernel(const T* __restrict__ x, int64_t n, int64_t bins, acc_t<T> left, acc_t<T> right,
                             acc_t<T> width, acc_t<T> nb, unsigned long long* __restrict__ hist) {
  using C = acc_t<T>;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const C v = load<T>(x + i);
    if (!(v >= left && v <= right)) continue;  // also drops NaN
    int64_t pos = (int64_t)rd<T>(rd<T>(rd<T>(v - left) * nb) / width);
    pos = pos < 0 ? 0 : (pos >= bins ? bins - 1 : pos);
    atomicAdd(hist + pos, 1ULL);
  }
}

__global__ void bincount_kernel(const int64_t* __restrict__ x, int64_t n, int64_t len, unsigned long long* __restrict__ out) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t v = x[i];
    if (v >= 0 && v < len) atomicAdd(out + v, 1ULL);
  }
}

template <class W>
__global__ void bincount_weighted_kernel(const int64_t* __restrict__ x, const W* __restrict__ w, int64_t n, int64_t len,
                                         W* __restrict__ out) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t v = x[i];
    if (v >= 0 && v < len) atomicAdd(out + v, w[i]);
  }
}

void require(bool ok, const char* op, const char* what) {
  EMBER_CHECK(ok, op, "internal error: ", what);
}

bool contig_cuda(const Tensor& t) { return t.defined() && t.device().is_cuda() && t.is_contiguous(); }

// Copies `count` elements of device memory to a host vector after the stream's work (a sync).
template <class V> std::vector<V> to_host(const void* p, int64_t count, cudaStream_t s, const char* op) {
  std::vector<V> h((size_t)count);
  if (count > 0) {
    EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(h.data(), p, (size_t)count * sizeof(V), cudaMemcpyDeviceToHost, s), op);
    EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(s), op);
  }
  return h;
}

unsigned partial_grid(int64_t n) { return std::min<unsigned>(grid_for(n), (unsigned)kMaxPartials); }

}  // namespace

// ---- entry points ---------------------------------------------------------------------------------------
void sort_rows(const Tensor& x, int64_t rows, int64_t n, bool descending, const Tensor& values, const Tensor& indices,
               const char* op) {
  require(contig_cuda(x) && contig_cuda(values) && contig_cuda(indices) && indices.dtype() == DType::Int64 &&
              values.dtype() == x.dtype() && x.numel() == rows * n && values.numel() == rows * n &&
              indices.numel() == rows * n,
          op, "sort_rows operands");
  if (rows * n == 0) return;
  DeviceGuard g(x.device().index);
  dispatch_all(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    sort_rows_t<T>(x, rows, n, descending, values, indices, op);
  });
}

void select_sorted(int kind, const Tensor& sv, const Tensor& si, int64_t rows, int64_t n, int64_t k,
                   const Tensor& out_v, const Tensor& out_i, const char* op) {
  require(contig_cuda(sv) && contig_cuda(si) && contig_cuda(out_v) && contig_cuda(out_i) && n > 0 &&
              sv.numel() == rows * n && si.numel() == rows * n && out_v.numel() == rows && out_i.numel() == rows &&
              out_v.dtype() == sv.dtype() && si.dtype() == DType::Int64 && out_i.dtype() == DType::Int64,
          op, "select_sorted operands");
  require(kind != kSelectKth || (k >= 1 && k <= n), op, "select_sorted k out of range");
  if (rows == 0) return;
  DeviceGuard g(sv.device().index);
  cudaStream_t s = stream_of(sv);
  dispatch_all(sv.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    select_sorted_kernel<T><<<grid_for(rows), kThreads, 0, s>>>(
        kind, static_cast<const T*>(sv.raw_data_ptr()), static_cast<const int64_t*>(si.raw_data_ptr()), rows, n, k,
        static_cast<T*>(out_v.raw_data_ptr()), static_cast<int64_t*>(out_i.raw_data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void unique_runs(const Tensor& sv, const Tensor& si, Tensor* values, Tensor* inverse, Tensor* counts, const char* op) {
  const int64_t n = sv.numel();
  require(contig_cuda(sv) && (!si.defined() || (contig_cuda(si) && si.dtype() == DType::Int64 && si.numel() == n)),
          op, "unique_runs operands");
  const Device dev = sv.device();
  if (n == 0) {
    *values = Tensor::empty({0}, sv.dtype(), dev);
    *inverse = Tensor::empty({0}, DType::Int64, dev);
    *counts = Tensor::empty({0}, DType::Int64, dev);
    return;
  }
  EMBER_CHECK(n <= INT_MAX, op, "inputs of more than 2^31 - 1 elements are not supported on cuda (got ", n, ")");
  DeviceGuard g(dev.index);
  cudaStream_t s = stream_of(sv);
  Tensor flags = Tensor::empty({n}, DType::Int64, dev), scan = Tensor::empty({n}, DType::Int64, dev);
  int64_t* fp = static_cast<int64_t*>(flags.raw_data_ptr());
  int64_t* sp = static_cast<int64_t*>(scan.raw_data_ptr());
  dispatch_all(sv.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_flags_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<const T*>(sv.raw_data_ptr()), n, fp);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
  size_t bytes = 0;
  EMBER_CUDA_CHECK_OP(cub::DeviceScan::InclusiveSum(nullptr, bytes, fp, sp, (int)n, s), op);
  Tensor tmp = Tensor::empty({(int64_t)std::max<size_t>(bytes, 1)}, DType::UInt8, dev);
  EMBER_CUDA_CHECK_OP(cub::DeviceScan::InclusiveSum(tmp.raw_data_ptr(), bytes, fp, sp, (int)n, s), op);
  // The number of runs sizes the outputs: one sync (as torch.unique on CUDA).
  const int64_t u = to_host<int64_t>(sp + (n - 1), 1, s, op)[0];
  require(u >= 1 && u <= n, op, "unique run count out of range");
  *values = Tensor::empty({u}, sv.dtype(), dev);
  *inverse = Tensor::empty({n}, DType::Int64, dev);
  *counts = Tensor::empty({u}, DType::Int64, dev);
  Tensor starts = Tensor::empty({u}, DType::Int64, dev);
  int64_t* stp = static_cast<int64_t*>(starts.raw_data_ptr());
  dispatch_all(sv.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_scatter_kernel<T><<<grid_for(n), kThreads, 0, s>>>(
        static_cast<const T*>(sv.raw_data_ptr()), si.defined() ? static_cast<const int64_t*>(si.raw_data_ptr()) : nullptr,
        fp, sp, n, u, static_cast<T*>(values->raw_data_ptr()), stp, static_cast<int64_t*>(inverse->raw_data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
  run_counts_kernel<<<grid_for(u), kThreads, 0, s>>>(stp, u, n, static_cast<int64_t*>(counts->raw_data_ptr()));
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void searchsorted(const Tensor& seq, const Tensor& v, const Tensor& sorter, bool right, bool one_row, int64_t n,
                  int64_t v_last_dim, const Tensor& out) {
  const char* op = "searchsorted";
  require(contig_cuda(seq) && contig_cuda(v) && contig_cuda(out) && seq.dtype() == v.dtype() &&
              out.numel() == v.numel() && (out.dtype() == DType::Int64 || out.dtype() == DType::Int32) &&
              (!sorter.defined() || (contig_cuda(sorter) && sorter.dtype() == DType::Int64 &&
                                     sorter.numel() == seq.numel())),
          op, "searchsorted operands");
  const int64_t nv = v.numel();
  if (nv == 0) return;
  const int64_t per_row = one_row ? std::max<int64_t>(nv, 1) : v_last_dim;
  require(per_row > 0, op, "searchsorted row length");
  DeviceGuard g(v.device().index);
  cudaStream_t s = stream_of(v);
  const int64_t* so = sorter.defined() ? static_cast<const int64_t*>(sorter.raw_data_ptr()) : nullptr;
  dispatch_all(v.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* sp = static_cast<const T*>(seq.raw_data_ptr());
    const T* vp = static_cast<const T*>(v.raw_data_ptr());
    if (out.dtype() == DType::Int64)
      searchsorted_kernel<T, int64_t><<<grid_for(nv), kThreads, 0, s>>>(sp, vp, so, nv, n, per_row, one_row, right,
                                                                         static_cast<int64_t*>(out.raw_data_ptr()));
    else
      searchsorted_kernel<T, int32_t><<<grid_for(nv), kThreads, 0, s>>>(sp, vp, so, nv, n, per_row, one_row, right,
                                                                         static_cast<int32_t*>(out.raw_data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void minmax_float(const Tensor& x, double* lo, double* hi, bool* any_nan) {
  const char* op = "histc";
  require(contig_cuda(x), op, "minmax operand");
  const int64_t n = x.numel();
  *lo = INFINITY; *hi = -INFINITY; *any_nan = false;
  if (n == 0) return;
  DeviceGuard g(x.device().index);
  cudaStream_t s = stream_of(x);
  const unsigned grid = partial_grid(n);
  Tensor part = Tensor::empty({3 * (int64_t)grid}, DType::Float64, x.device());
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    minmax_float_kernel<T><<<grid, kThreads, 0, s>>>(static_cast<const T*>(x.raw_data_ptr()), n,
                                                     static_cast<double*>(part.raw_data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
  std::vector<double> h = to_host<double>(part.raw_data_ptr(), 3 * (int64_t)grid, s, op);
  for (unsigned b = 0; b < grid; ++b) {
    *lo = std::min(*lo, h[3 * b]);
    *hi = std::max(*hi, h[3 * b + 1]);
    *any_nan = *any_nan || h[3 * b + 2] != 0;
  }
}

void minmax_int64(const Tensor& x, int64_t* lo, int64_t* hi) {
  const char* op = "bincount";
  require(contig_cuda(x) && x.dtype() == DType::Int64 && x.numel() > 0, op, "minmax operand");
  const int64_t n = x.numel();
  DeviceGuard g(x.device().index);
  cudaStream_t s = stream_of(x);
  const unsigned grid = partial_grid(n);
  Tensor part = Tensor::empty({2 * (int64_t)grid}, DType::Int64, x.device());
  minmax_int64_kernel<<<grid, kThreads, 0, s>>>(static_cast<const int64_t*>(x.raw_data_ptr()), n,
                                                 static_cast<int64_t*>(part.raw_data_ptr()));
  EMBER_CUDA_LAUNCH_CHECK(op);
  std::vector<int64_t> h = to_host<int64_t>(part.raw_data_ptr(), 2 * (int64_t)grid, s, op);
  *lo = LLONG_MAX; *hi = LLONG_MIN;
  for (unsigned b = 0; b < grid; ++b) {
    *lo = std::min(*lo, h[2 * b]);
    *hi = std::max(*hi, h[2 * b + 1]);
  }
}

void histc(const Tensor& x, int64_t bins, double left, double right, double width, double nb, const Tensor& hist) {
  const char* op = "histc";
  require(contig_cuda(x) && contig_cuda(hist) && hist.dtype() == DType::Int64 && hist.numel() == bins && bins > 0, op,
          "histc operands");
  DeviceGuard g(x.device().index);
  cudaStream_t s = stream_of(x);
  EMBER_CUDA_CHECK_OP(cudaMemsetAsync(hist.raw_data_ptr(), 0, (size_t)bins * sizeof(int64_t), s), op);
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    histc_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<const T*>(x.raw_data_ptr()), n, bins, (C)left,
                                                     (C)right, (C)width, (C)nb,
                                                     static_cast<unsigned long long*>(hist.raw_data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

void bincount(const Tensor& x, const Tensor& w, const Tensor& out) {
  const char* op = "bincount";
  require(contig_cuda(x) && x.dtype() == DType::Int64 && contig_cuda(out), op, "bincount operands");
  const int64_t n = x.numel(), len = out.numel();
  DeviceGuard g(x.device().index);
  cudaStream_t s = stream_of(x);
  if (len > 0)
    EMBER_CUDA_CHECK_OP(cudaMemsetAsync(out.raw_data_ptr(), 0, (size_t)len * out.itemsize(), s), op);
  if (n == 0 || len == 0) return;
  const int64_t* xp = static_cast<const int64_t*>(x.raw_data_ptr());
  if (!w.defined()) {
    require(out.dtype() == DType::Int64, op, "bincount count dtype");
    bincount_kernel<<<grid_for(n), kThreads, 0, s>>>(xp, n, len, static_cast<unsigned long long*>(out.raw_data_ptr()));
  } else {
    require(contig_cuda(w) && w.dtype() == out.dtype() && w.numel() == n, op, "bincount weights");
    if (out.dtype() == DType::Float32)
      bincount_weighted_kernel<float><<<grid_for(n), kThreads, 0, s>>>(
          xp, static_cast<const float*>(w.raw_data_ptr()), n, len, static_cast<float*>(out.raw_data_ptr()));
    else
      bincount_weighted_kernel<double><<<grid_for(n), kThreads, 0, s>>>(
          xp, static_cast<const double*>(w.raw_data_ptr()), n, len, static_cast<double*>(out.raw_data_ptr()));
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace ember::cuda
