// shape_cuda.cu — CUDA kernels of the shape family (declared in shape_cuda.h):
//  - the index-map copy behind flip, roll, repeat, tile, repeat_interleave and every pad mode: one
//    thread per output element (contiguous, so writes coalesce); the per-dim source maps live in one
//    small device array;
//  - tril/triu: one thread per element of the (strided) output.
// Pure data movement: dispatched on the element width only. Every index is int64 and every loop is
// bounded by the element count; map entries are range-checked before use as addresses.
#include <cstring>
#include "ember/core/view.h"
#include "ember/cuda/block_reduce.cuh"
#include "ember/cuda/loops.cuh"
#include "ember/ops/shape/shape_cuda.h"

namespace ember::cuda {

namespace {

struct MapParams {
  int nd = 0;
  int64_t out_sizes[kMaxIterDims];
  int64_t src_sizes[kMaxIterDims];
  int64_t src_strides[kMaxIterDims];  // elements
  int64_t map_start[kMaxIterDims];    // into `maps`; -1: identity
};

template <class T>
__global__ void index_map_kernel(T* __restrict__ out, const T* __restrict__ src, const int64_t* __restrict__ maps,
                                 int64_t n, uint64_t fill_bits, MapParams p) {
  T fill;
  memcpy(&fill, &fill_bits, sizeof(T));  // the low bytes (little-endian), as the CPU's fill_bits
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t lin = i, off = 0;
    bool is_fill = false;
    for (int d = p.nd - 1; d >= 0; --d) {
      const int64_t q = lin / p.out_sizes[d];
      const int64_t j = lin - q * p.out_sizes[d];
      lin = q;
      const int64_t m = p.map_start[d] < 0 ? j : maps[p.map_start[d] + j];
      if (m < 0 || m >= p.src_sizes[d]) { is_fill = true; continue; }  // -1 = fill (never out of range)
      off += m * p.src_strides[d];
    }
    out[i] = is_fill ? fill : src[off];
  }
}

struct TriParams {
  int nd = 0;
  int64_t sizes[kMaxIterDims];
  int64_t out_strides[kMaxIterDims];  // elements
  int64_t src_strides[kMaxIterDims];
};

template <class T>
__global__ void tri_kernel(T* out, const T* src, int64_t n, int64_t k, bool lower, bool in_place, TriParams p) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t lin = i, oo = 0, so = 0, row = 0, col = 0;
    for (int d = p.nd - 1; d >= 0; --d) {
      const int64_t q = lin / p.sizes[d];
      const int64_t j = lin - q * p.sizes[d];
      lin = q;
      if (d == p.nd - 1) col = j;
      if (d == p.nd - 2) row = j;
      oo += j * p.out_strides[d];
      so += j * p.src_strides[d];
    }
    const bool keep = lower ? (col - row <= k) : (col - row >= k);
    if (!keep) out[oo] = T(0);
    else if (!in_place) out[oo] = src[so];
  }
}

// One block; blockDim.x == kThreads (a multiple of 32), every thread reaches block_sum.
template <class T, class Acc, class Out>
__global__ void trace_kernel(Out* out, const T* d, int64_t n, int64_t st) {
  __shared__ Acc scratch[32];
  Acc s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += (Acc)load<T>(d + i * st);
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) {
    if constexpr (is_float_v<T>) *out = from_acc<T>((acc_t<T>)s);
    else *out = (Out)s;
  }
}

// a*b - c*d with each product rounded (no fused multiply-add), as the CPU computes it.
template <class A> __device__ __forceinline__ A det2(A a, A b, A c, A d) {
  if constexpr (std::is_same_v<A, double>) return __dsub_rn(__dmul_rn(a, b), __dmul_rn(c, d));
  else if constexpr (std::is_same_v<A, float>) return __fsub_rn(__fmul_rn(a, b), __fmul_rn(c, d));
  else return static_cast<A>(a * b - c * d);
}

template <class T>
__global__ void cross_kernel(char* o, const char* a, const char* b, int64_t n, int64_t so, int64_t sa, int64_t sb,
                             OffsetCalc<3> oc) {
  using A = acc_t<T>;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    oc.get(i, off);
    const char* pa = a + off[1];
    const char* pb = b + off[2];
    char* po = o + off[0];
    const A a0 = load<T>((const T*)pa), a1 = load<T>((const T*)(pa + sa)), a2 = load<T>((const T*)(pa + 2 * sa));
    const A b0 = load<T>((const T*)pb), b1 = load<T>((const T*)(pb + sb)), b2 = load<T>((const T*)(pb + 2 * sb));
    *(T*)po = from_acc<T>(det2(a1, b2, a2, b1));
    *(T*)(po + so) = from_acc<T>(det2(a2, b0, a0, b2));
    *(T*)(po + 2 * so) = from_acc<T>(det2(a0, b1, a1, b0));
  }
}

}  // namespace

void shape_trace(const Tensor& out, const Tensor& d, const char* op) {
  const int64_t n = d.dim() == 1 ? d.sizes()[0] : 0, st = d.dim() == 1 ? d.strides()[0] : 0;
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  dispatch_all(d.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL(op, "not implemented for dtype bool");
    } else if constexpr (is_float_v<T>) {
      trace_kernel<T, double, T><<<1, kThreads, 0, s>>>(static_cast<T*>(out.raw_data_ptr()),
                                                        static_cast<const T*>(d.raw_data_ptr()), n, st);
    } else {
      trace_kernel<T, long long, int64_t><<<1, kThreads, 0, s>>>(static_cast<int64_t*>(out.raw_data_ptr()),
                                                                 static_cast<const T*>(d.raw_data_ptr()), n, st);
    }
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void shape_cross(const Tensor& o1, const Tensor& a1, const Tensor& b1, int64_t so, int64_t sa, int64_t sb,
                 const char* op) {
  const int64_t n = o1.numel();
  if (n == 0) return;
  DeviceGuard g(o1.device().index);
  cudaStream_t s = stream_of(o1);
  StridedIter it(o1.sizes(), {&o1, &a1, &b1}, AnyDeviceTag{});
  OffsetCalc<3> oc = make_offset_calc<3>(it);
  dispatch_all(o1.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL(op, "not implemented for dtype bool");
    } else {
      cross_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(o1.raw_data_ptr()),
                                                       static_cast<const char*>(a1.raw_data_ptr()),
                                                       static_cast<const char*>(b1.raw_data_ptr()), n, so, sa, sb, oc);
    }
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void shape_index_map_copy(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps,
                          uint64_t fill_bits, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const int nd = (int)out.dim();
  EMBER_CHECK(nd <= kMaxIterDims, op, "tensors with more than ", kMaxIterDims, " dimensions are not supported");
  EMBER_CHECK(out.is_contiguous() && (int)maps.size() == nd && src.dim() == nd && out.dtype() == src.dtype(), op,
              "internal error: bad index_map_copy operands");
  MapParams p;
  p.nd = nd;
  std::vector<int64_t> all;
  for (int d = 0; d < nd; ++d) {
    p.out_sizes[d] = out.sizes()[d];
    p.src_sizes[d] = src.sizes()[d];
    p.src_strides[d] = src.strides()[d];
    if (maps[d].empty()) {
      p.map_start[d] = -1;
      EMBER_CHECK(src.sizes()[d] == out.sizes()[d], op, "internal error: identity map with different sizes");
    } else {
      EMBER_CHECK((int64_t)maps[d].size() == out.sizes()[d], op, "internal error: map length != output size");
      p.map_start[d] = (int64_t)all.size();
      all.insert(all.end(), maps[d].begin(), maps[d].end());
    }
  }
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  Tensor dmaps;  // freed at the end of the call: the caching allocator reuses it only after this stream's work
  const int64_t* mp = nullptr;
  if (!all.empty()) {
    // Upload through a pinned staging block (asynchronous, no host sync): the pinned pool hands the
    // block out again only once the current stream has passed this copy.
    const size_t bytes = all.size() * sizeof(int64_t);
    dmaps = Tensor::empty({(int64_t)all.size()}, DType::Int64, out.device());
    size_t rounded = 0;
    void* staging = pinned_alloc(bytes, &rounded);
    std::memcpy(staging, all.data(), bytes);
    const cudaError_t err = cudaMemcpyAsync(dmaps.raw_data_ptr(), staging, bytes, cudaMemcpyHostToDevice, s);
    pinned_free(staging, rounded);
    EMBER_CUDA_CHECK_OP(err, op);
    mp = static_cast<const int64_t*>(dmaps.raw_data_ptr());
  }
  switch (out.itemsize()) {
    case 1: index_map_kernel<uint8_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint8_t*>(out.raw_data_ptr()), static_cast<const uint8_t*>(src.raw_data_ptr()), mp, n, fill_bits, p); break;
    case 2: index_map_kernel<uint16_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint16_t*>(out.raw_data_ptr()), static_cast<const uint16_t*>(src.raw_data_ptr()), mp, n, fill_bits, p); break;
    case 4: index_map_kernel<uint32_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint32_t*>(out.raw_data_ptr()), static_cast<const uint32_t*>(src.raw_data_ptr()), mp, n, fill_bits, p); break;
    case 8: index_map_kernel<uint64_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint64_t*>(out.raw_data_ptr()), static_cast<const uint64_t*>(src.raw_data_ptr()), mp, n, fill_bits, p); break;
    default: EMBER_FAIL(op, "unsupported element width ", out.itemsize(), " on cuda");
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void shape_tri(const Tensor& out, const Tensor& src, int64_t k, bool lower, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const int nd = (int)out.dim();
  EMBER_CHECK(nd >= 2 && nd <= kMaxIterDims && src.sizes() == out.sizes(), op, "internal error: bad tril/triu operands");
  TriParams p;
  p.nd = nd;
  for (int d = 0; d < nd; ++d) {
    p.sizes[d] = out.sizes()[d];
    p.out_strides[d] = out.strides()[d];
    p.src_strides[d] = src.strides()[d];
  }
  const bool in_place = out.raw_data_ptr() == src.raw_data_ptr() && out.strides() == src.strides();
  DeviceGuard g(out.device().index);
  cudaStream_t s = stream_of(out);
  switch (out.itemsize()) {
    case 1: tri_kernel<uint8_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint8_t*>(out.raw_data_ptr()), static_cast<const uint8_t*>(src.raw_data_ptr()), n, k, lower, in_place, p); break;
    case 2: tri_kernel<uint16_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint16_t*>(out.raw_data_ptr()), static_cast<const uint16_t*>(src.raw_data_ptr()), n, k, lower, in_place, p); break;
    case 4: tri_kernel<uint32_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint32_t*>(out.raw_data_ptr()), static_cast<const uint32_t*>(src.raw_data_ptr()), n, k, lower, in_place, p); break;
    case 8: tri_kernel<uint64_t><<<grid_for(n), kThreads, 0, s>>>(static_cast<uint64_t*>(out.raw_data_ptr()), static_cast<const uint64_t*>(src.raw_data_ptr()), n, k, lower, in_place, p); break;
    default: EMBER_FAIL(op, "unsupported element width ", out.itemsize(), " on cuda");
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace ember::cuda
