// shape_cuda.cu — CUDA kernels of the shape family (declared in shape_cuda.h):
//  - the index-map copy behind flip, roll, repeat, tile, repeat_interleave and every pad mode: one
//    thread per output element (contiguous, so writes coalesce); the per-dim source maps live in one
//    small device array;
//  - tril/triu: one thread per element of the (strided) output.
// Pure data movement: dispatched on the element width only. Every index is int64 and every loop is
// bounded by the element count; map entries are range-checked before use as addresses.
#include <cstring>
#include "ember/core/view.h"
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

}  // namespace

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
