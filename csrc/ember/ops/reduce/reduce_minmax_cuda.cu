// reduce_minmax_cuda.cu — CUDA reductions, part 3: amax/amin (every dtype, nan propagates) and the
// single-dim arg reductions max(dim)/min(dim)/argmax/argmin: (value, index) pairs combined so that
// the first extreme wins and nan counts as the extreme, which is order-independent, so the GPU
// returns exactly the CPU's indices.
#include "ember/ops/reduce/reduce_cuda.cuh"
#include "ember/ops/reduce/reduce_cuda.h"

namespace ember::cuda {
namespace {
using namespace red;

template <template <class, class> class P>
void extreme(const char* op, const ReduceLayout& L, const Tensor& in, const Tensor& out) {
  dispatch_all(in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;  // float for the 16-bit floats, else T itself (the CPU's acc dtype)
    launch_reduce(op, L, P<T, A>{}, static_cast<const T*>(in.raw_data_ptr()), nullptr,
                  StoreOut<A>{static_cast<A*>(out.raw_data_ptr())}, out.device(), stream_of(out));
  });
}
}  // namespace

namespace detail {
bool reduce_minmax_kinds(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out) {
  switch (kind) {
    case RK::Max: extreme<MaxP>("amax", L, in, out); return true;
    case RK::Min: extreme<MinP>("amin", L, in, out); return true;
    default: return false;
  }
}
}  // namespace detail

void arg_reduce_kernel(bool is_max, const ReduceLayout& L, const Tensor& in, const Tensor& vals, const Tensor& idx) {
  const char* op = is_max ? "argmax" : "argmin";
  if (idx.numel() == 0) return;
  EMBER_CHECK(L.nr <= 1 && in.dtype() != DType::Bool, op, "internal error: arg reduction layout");
  EMBER_CHECK(L.nred >= 1, op, "internal error: empty arg reduction");
  DeviceGuard guard(idx.device().index);
  dispatch_all(in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL(op, "internal error: bool input");  // bool inputs are converted to uint8 by the caller
    } else {
      ArgOut<C> out{vals.defined() ? static_cast<C*>(vals.raw_data_ptr()) : nullptr,
                    static_cast<int64_t*>(idx.raw_data_ptr())};
      const T* x = static_cast<const T*>(in.raw_data_ptr());
      if (is_max) launch_reduce(op, L, ArgP<T, C, true>{}, x, nullptr, out, idx.device(), stream_of(idx));
      else launch_reduce(op, L, ArgP<T, C, false>{}, x, nullptr, out, idx.device(), stream_of(idx));
    }
  });
}

}  // namespace ember::cuda
