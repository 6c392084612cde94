// copy_cuda.cu — copies that involve a CUDA tensor (device<->device with dtype casts and any
// strides, host<->device, peer) and fill_ on the GPU.
#include "ember/core/view.h"
#include "ember/cuda/loops.cuh"

namespace ember::cuda {

namespace {

template <class To, class Ti>
__global__ void cast_contig_kernel(To* __restrict__ out, const Ti* __restrict__ in, int64_t n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = cast_to<To>(in[i]);
}

template <class To, class Ti>
__global__ void cast_strided_kernel(char* out, const char* in, int64_t n, OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    *reinterpret_cast<To*>(out + off[0]) = cast_to<To>(*reinterpret_cast<const Ti*>(in + off[1]));
  }
}

// Same-width element moves (no conversion) for the strided same-dtype case.
template <class W>
__global__ void move_strided_kernel(char* out, const char* in, int64_t n, OffsetCalc<2> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[2];
    oc.get(i, off);
    *reinterpret_cast<W*>(out + off[0]) = *reinterpret_cast<const W*>(in + off[1]);
  }
}

template <class W> void launch_move(const Tensor& dst, const Tensor& src, const StridedIter& it, cudaStream_t s) {
  const int64_t n = dst.numel();
  move_strided_kernel<W><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(dst.raw_data_ptr()),
                                                            static_cast<const char*>(src.raw_data_ptr()), n,
                                                            make_offset_calc<2>(it));
  EMBER_CUDA_LAUNCH_CHECK("copy_");
}

bool dense_same_layout(const Tensor& dst, const Tensor& src) {
  return dst.sizes() == src.sizes() && dst.is_contiguous() && src.is_contiguous();
}

// dst <- src, both on the same CUDA device; src broadcastable to dst; no overlap.
void device_copy_kernel(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard g(dst.device().index);
  cudaStream_t s = stream_of(dst);
  if (dst.dtype() == src.dtype() && dense_same_layout(dst, src)) {
    EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(dst.raw_data_ptr(), src.raw_data_ptr(), (size_t)n * dst.itemsize(),
                                        cudaMemcpyDeviceToDevice, s), "copy_");
    return;
  }
  StridedIter it(dst.sizes(), {&dst, &src}, AnyDeviceTag{});
  if (dst.dtype() == src.dtype()) {
    switch (dst.itemsize()) {
      case 1: launch_move<uint8_t>(dst, src, it, s); break;
      case 2: launch_move<uint16_t>(dst, src, it, s); break;
      case 4: launch_move<uint32_t>(dst, src, it, s); break;
      default: launch_move<uint64_t>(dst, src, it, s); break;
    }
    return;
  }
  const bool contig = dense_step(it, 0, dst.itemsize()) == 1 && dense_step(it, 1, src.itemsize()) == 1;
  dispatch_all(dst.dtype(), "copy_", [&](auto to_tag) {
    using To = typename decltype(to_tag)::type;
    dispatch_all(src.dtype(), "copy_", [&](auto ti_tag) {
      using Ti = typename decltype(ti_tag)::type;
      if (contig) {
        cast_contig_kernel<To, Ti><<<grid_for(n), kThreads, 0, s>>>(static_cast<To*>(dst.raw_data_ptr()),
                                                                     static_cast<const Ti*>(src.raw_data_ptr()), n);
      } else {
        cast_strided_kernel<To, Ti><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(dst.raw_data_ptr()),
                                                                      static_cast<const char*>(src.raw_data_ptr()), n,
                                                                      make_offset_calc<2>(it));
      }
      EMBER_CUDA_LAUNCH_CHECK("copy_");
    });
  });
}

void same_device_copy(const Tensor& dst, const Tensor& src) {
  if (may_overlap(dst, src) && !(dst.raw_data_ptr() == src.raw_data_ptr() && dst.strides() == src.strides() &&
                                 dst.sizes() == src.sizes())) {
    Tensor tmp = Tensor::empty(src.sizes(), src.dtype(), src.device());
    device_copy_kernel(tmp, src);
    device_copy_kernel(dst, tmp);
    return;
  }
  if (dst.raw_data_ptr() == src.raw_data_ptr() && dst.dtype() == src.dtype() && dst.strides() == src.strides() &&
      dst.sizes() == src.sizes())
    return;  // copying a view onto itself
  device_copy_kernel(dst, src);
}

// src broadcast to `sizes`, converted to `dtype`, contiguous, on src's own device.
Tensor dense_on_own_device(const Tensor& src, const Shape& sizes, DType dtype) {
  Tensor t = src.sizes() == sizes ? src : expand(src, sizes);
  t = to_dtype(t, dtype, false);
  return contiguous(t);
}

}  // namespace

void copy_(const Tensor& dst, const Tensor& src, bool non_blocking) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  const Device dd = dst.device(), sd = src.device();
  EMBER_CHECK(dd.is_cuda() || sd.is_cuda(), "copy_", "internal error: no CUDA operand");
  if (dd.is_cuda() && sd.is_cuda() && dd.index == sd.index) {
    same_device_copy(dst, src);
    return;
  }
  const size_t nbytes = (size_t)n * dst.itemsize();
  if (dd.is_cuda() && sd.is_cuda()) {  // peer copy
    Tensor s = dense_on_own_device(src, dst.sizes(), dst.dtype());
    {
      DeviceGuard g(sd.index);  // s is complete once src's stream has run
      EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(as_stream(current_stream(sd.index))), "copy_");
    }
    Tensor target = dst.is_contiguous() ? dst : Tensor::empty(dst.sizes(), dst.dtype(), dd);
    DeviceGuard g(dd.index);
    cudaStream_t st = stream_of(target);
    EMBER_CUDA_CHECK_OP(cudaMemcpyPeerAsync(target.raw_data_ptr(), dd.index, s.raw_data_ptr(), sd.index, nbytes, st),
                        "copy_");
    if (target.raw_data_ptr() != dst.raw_data_ptr()) same_device_copy(dst, target);
    // s is freed on src's stream; the peer read runs on dst's stream: wait before releasing it.
    EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(st), "copy_");
    return;
  }
  if (sd.is_cpu()) {  // host -> device
    Tensor s = dense_on_own_device(src, dst.sizes(), dst.dtype());
    Tensor target = dst.is_contiguous() ? dst : Tensor::empty(dst.sizes(), dst.dtype(), dd);
    DeviceGuard g(dd.index);
    cudaStream_t st = stream_of(target);
    EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(target.raw_data_ptr(), s.data_ptr(), nbytes, cudaMemcpyHostToDevice, st),
                        "copy_");
    if (target.raw_data_ptr() != dst.raw_data_ptr()) same_device_copy(dst, target);
    // Pageable memory (or a blocking copy) must not be released before the copy has read it.
    // A pinned source may go: its pool reuses the block only after the current stream passes.
    if (!(non_blocking && s.storage()->pinned)) EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(st), "copy_");
    return;
  }
  // device -> host
  Tensor s = dense_on_own_device(src, dst.sizes(), dst.dtype());
  const bool direct = dst.is_contiguous();
  Tensor target = direct ? dst : Tensor::empty(dst.sizes(), dst.dtype());
  DeviceGuard g(sd.index);
  cudaStream_t st = stream_of(s);
  EMBER_CUDA_CHECK_OP(cudaMemcpyAsync(target.data_ptr(), s.raw_data_ptr(), nbytes, cudaMemcpyDeviceToHost, st),
                      "copy_");
  const bool async = non_blocking && direct && dst.storage()->pinned;
  if (!async) EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(st), "copy_");
  if (!direct) ember::copy_(dst, target);
}

namespace {
template <class T>
__global__ void fill_contig_kernel(T* __restrict__ out, T v, int64_t n) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = v;
}
template <class T>
__global__ void fill_strided_kernel(char* out, T v, int64_t n, OffsetCalc<1> oc) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[1];
    oc.get(i, off);
    *reinterpret_cast<T*>(out + off[0]) = v;
  }
}
template <class T> T host_value(const Scalar& v) {
  if constexpr (std::is_same_v<T, __half>) return __float2half_rn(v.to<float>());
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __float2bfloat16_rn(v.to<float>());
  else return v.to<T>();
}
}  // namespace

void fill_(const Tensor& t, const Scalar& value) {
  const int64_t n = t.numel();
  if (n == 0) return;
  DeviceGuard g(t.device().index);
  cudaStream_t s = stream_of(t);
  StridedIter it(t.sizes(), {&t}, AnyDeviceTag{});
  dispatch_all(t.dtype(), "fill_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = host_value<T>(value);
    if (dense_step(it, 0, sizeof(T)) == 1) {
      fill_contig_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<T*>(t.raw_data_ptr()), v, n);
    } else {
      fill_strided_kernel<T><<<grid_for(n), kThreads, 0, s>>>(static_cast<char*>(t.raw_data_ptr()), v, n,
                                                              make_offset_calc<1>(it));
    }
    EMBER_CUDA_LAUNCH_CHECK("fill_");
  });
}

}  // namespace ember::cuda
