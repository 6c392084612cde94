// map_cuda.cuh — an N-input elementwise launcher for the CUDA kernels of the elementwise,
// unary and activation families, where cuda/loops.cuh's launch_unary / launch_binary (one dtype
// for every operand) do not fit: bool results of comparisons and predicates, three- and
// four-operand ops (where, clamp, lerp, addcmul, activation double backward).
//
//   launch_map<To, Ti, NI>(op, dst, {&a, &b, ...}, f)
//
// dst has device type To; every input has device type Ti (the caller converts inputs to one
// compute dtype in the .cpp). f is a functor with a __device__ operator() taking NI values of
// acc_t<Ti> (float for 16-bit floats) and returning a value convertible to acc_t<To>. An input
// that lives on the CPU must have one element (a wrapped Python number): it is read on the host
// and passed by value. Paths:
//   - every device operand dense (or a broadcast single element) over one coalesced dim:
//     a grid-stride loop, V elements per thread with vector loads/stores when every dense pointer
//     is aligned to V elements (V = 16 bytes / the wider element size, at most 4), else one per thread;
//   - anything else: one element per thread through an OffsetCalc built from StridedIter.
// All index math is int64 and every loop is bounded by n.
#pragma once
#include <array>
#include "ember/cuda/loops.cuh"

namespace ember::cuda {

template <class Ti, int NI> struct MapIn {
  const Ti* p[NI];   // null: the operand is the host value v[k]
  acc_t<Ti> v[NI];
  int step[NI];      // contiguous paths: 1 dense, 0 one broadcast element
};

template <class F, class A, int NI>
__device__ __forceinline__ auto map_call(const F& f, const A (&x)[NI]) {
  static_assert(NI >= 1 && NI <= 4, "1 to 4 inputs");
  if constexpr (NI == 1) return f(x[0]);
  else if constexpr (NI == 2) return f(x[0], x[1]);
  else if constexpr (NI == 3) return f(x[0], x[1], x[2]);
  else return f(x[0], x[1], x[2], x[3]);
}

template <class To, class Ti, int NI, class F>
__device__ __forceinline__ void map_one(To* out, const MapIn<Ti, NI>& in, int64_t i, const F& f) {
  acc_t<Ti> x[NI];
#pragma unroll
  for (int k = 0; k < NI; ++k) x[k] = in.p[k] ? load<Ti>(in.p[k] + i * in.step[k]) : in.v[k];
  out[i] = from_acc<To>(static_cast<acc_t<To>>(map_call<F, acc_t<Ti>, NI>(f, x)));
}

template <class To, class Ti, int NI, class F>
__global__ void map_contig_kernel(To* __restrict__ out, MapIn<Ti, NI> in, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) map_one<To, Ti, NI, F>(out, in, i, f);
}

// V consecutive elements per thread; dense operands (step 1) are read as one aligned vector.
template <class To, class Ti, int NI, int V, class F>
__global__ void map_vec_kernel(To* __restrict__ out, MapIn<Ti, NI> in, int64_t n, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t nv = n / V;
  for (int64_t i = tid; i < nv; i += stride) {
    Vec<Ti, V> xv[NI];
#pragma unroll
    for (int k = 0; k < NI; ++k)
      if (in.p[k] && in.step[k]) xv[k] = reinterpret_cast<const Vec<Ti, V>*>(in.p[k])[i];
    Vec<To, V> r;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      acc_t<Ti> x[NI];
#pragma unroll
      for (int k = 0; k < NI; ++k)
        x[k] = !in.p[k] ? in.v[k] : (in.step[k] ? load<Ti>(&xv[k].v[j]) : load<Ti>(in.p[k]));
      r.v[j] = from_acc<To>(static_cast<acc_t<To>>(map_call<F, acc_t<Ti>, NI>(f, x)));
    }
    reinterpret_cast<Vec<To, V>*>(out)[i] = r;
  }
  for (int64_t i = nv * V + tid; i < n; i += stride) map_one<To, Ti, NI, F>(out, in, i, f);
}

template <class To, class Ti, int NI, class F>
__global__ void map_strided_kernel(char* out, MapIn<Ti, NI> in, int64_t n, OffsetCalc<NI + 1> oc, F f) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[NI + 1];
    oc.get(i, off);
    acc_t<Ti> x[NI];
#pragma unroll
    for (int k = 0; k < NI; ++k)
      x[k] = in.p[k] ? load<Ti>(reinterpret_cast<const Ti*>(reinterpret_cast<const char*>(in.p[k]) + off[k + 1])) : in.v[k];
    *reinterpret_cast<To*>(out + off[0]) = from_acc<To>(static_cast<acc_t<To>>(map_call<F, acc_t<Ti>, NI>(f, x)));
  }
}

template <class T> constexpr int map_vec_width(size_t other) {
  const size_t w = sizeof(T) > other ? sizeof(T) : other;
  return w >= 16 ? 1 : (16 / (int)w > 4 ? 4 : 16 / (int)w);
}

inline StridedIter map_iter(const Tensor& dst, const Tensor* l, int ni) {
  switch (ni) {
    case 1: return StridedIter(dst.sizes(), {&dst, &l[0]}, AnyDeviceTag{});
    case 2: return StridedIter(dst.sizes(), {&dst, &l[0], &l[1]}, AnyDeviceTag{});
    case 3: return StridedIter(dst.sizes(), {&dst, &l[0], &l[1], &l[2]}, AnyDeviceTag{});
    default: return StridedIter(dst.sizes(), {&dst, &l[0], &l[1], &l[2], &l[3]}, AnyDeviceTag{});
  }
}

template <class To, class Ti, int NI, class F>
void launch_map(const char* op, const Tensor& dst, std::array<const Tensor*, NI> ins, F f) {
  static_assert(NI >= 1 && NI <= 4, "1 to 4 inputs");
  const int64_t n = dst.numel();
  if (n == 0) return;
  EMBER_CHECK(dst.device().is_cuda(), op, "internal error: CUDA kernel with an output on ", dst.device().str());
  EMBER_CHECK(dst.itemsize() == sizeof(To), op, "internal error: output dtype ", dtype_name(dst.dtype()),
              " does not match the kernel's element size");
  DeviceGuard g(dst.device().index);
  cudaStream_t s = stream_of(dst);
  MapIn<Ti, NI> in;
  Tensor lay[NI];
  for (int k = 0; k < NI; ++k) {
    const Tensor& t = *ins[k];
    EMBER_CHECK(t.itemsize() == sizeof(Ti), op, "internal error: input dtype ", dtype_name(t.dtype()),
                " does not match the kernel's element size");
    in.step[k] = 1;
    in.v[k] = acc_t<Ti>{};
    if (t.device().is_cpu()) {
      EMBER_CHECK(t.numel() == 1, op, "Expected all tensors to be on the same device, but found at least two devices, ",
                  dst.device().str(), " and cpu!");
      in.v[k] = host_scalar<Ti>(t);
      in.p[k] = nullptr;
      // a host value takes part in the layout as a broadcast view of dst (stride 0 everywhere)
      lay[k] = Tensor(dst.storage(), dst.offset(), dst.sizes(), Shape(dst.dim(), 0), dst.dtype());
    } else {
      EMBER_CHECK(t.device() == dst.device(), op, "Expected all tensors to be on the same device, but found at least "
                  "two devices, ", dst.device().str(), " and ", t.device().str(), "!");
      in.p[k] = static_cast<const Ti*>(t.raw_data_ptr());
      lay[k] = t;
    }
  }
  StridedIter it = map_iter(dst, lay, NI);
  To* o = static_cast<To*>(dst.raw_data_ptr());
  bool contig = dense_step(it, 0, sizeof(To)) == 1;
  for (int k = 0; k < NI && contig; ++k) {
    if (!in.p[k]) continue;
    const int st = dense_step(it, k + 1, sizeof(Ti));
    if (st < 0) contig = false;
    else in.step[k] = st;
  }
  if (contig) {
    constexpr int V = map_vec_width<To>(sizeof(Ti));
    bool vec_ok = V > 1 && n >= V && (reinterpret_cast<uintptr_t>(o) % (sizeof(To) * V)) == 0;
    for (int k = 0; k < NI && vec_ok; ++k)
      if (in.p[k] && in.step[k] && (reinterpret_cast<uintptr_t>(in.p[k]) % (sizeof(Ti) * V)) != 0) vec_ok = false;
    if constexpr (V > 1) {
      if (vec_ok) {
        map_vec_kernel<To, Ti, NI, V, F><<<grid_for(n, V), kThreads, 0, s>>>(o, in, n, f);
        EMBER_CUDA_LAUNCH_CHECK(op);
        return;
      }
    }
    map_contig_kernel<To, Ti, NI, F><<<grid_for(n), kThreads, 0, s>>>(o, in, n, f);
    EMBER_CUDA_LAUNCH_CHECK(op);
  } else {
    for (int k = 0; k < NI; ++k) in.step[k] = 1;  // unused on the strided path
    map_strided_kernel<To, Ti, NI, F><<<grid_for(n), kThreads, 0, s>>>(reinterpret_cast<char*>(o), in, n,
                                                                        make_offset_calc<NI + 1>(it), f);
    EMBER_CUDA_LAUNCH_CHECK(op);
  }
}

}  // namespace ember::cuda
