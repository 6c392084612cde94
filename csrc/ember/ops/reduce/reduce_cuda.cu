// reduce_cuda.cu — CUDA reductions, part 1: the entry point (reduce_kernel) and the sums, products,
// counts and boolean reductions; the finishing maps of the acc tensors (acc_map_kernel).
// The engine (rows / cols kernels, split + second pass) is in reduce_cuda.cuh.
#include "ember/ops/reduce/reduce_cuda.cuh"
#include "ember/ops/reduce/reduce_cuda.h"

namespace ember::cuda {
namespace {
using namespace red;

const char* rk_name(RK kind) {
  switch (kind) {
    case RK::Sum: return "sum";
    case RK::NanSum: return "nansum";
    case RK::Prod: return "prod";
    case RK::SqDev: return "var";
    case RK::Max: return "max";
    case RK::Min: return "min";
    case RK::ExpShift: return "logsumexp";
    case RK::All: return "all";
    case RK::Any: return "any";
    case RK::Count: return "count_nonzero";
    case RK::CountNotNan: return "nanmean";
    default: return "norm";
  }
}

// Runs policy P<T, A> with T the device type of `in` and A the accumulator (the acc tensor's type).
template <class P> void run(const char* op, const ReduceLayout& L, const Tensor& in, const Tensor& out,
                            const Tensor& aux, const P& p) {
  using T = typename P::T;
  using A = typename P::A;
  launch_reduce(op, L, p, static_cast<const T*>(in.raw_data_ptr()),
                aux.defined() ? static_cast<const A*>(aux.raw_data_ptr()) : nullptr,
                StoreOut<A>{static_cast<A*>(out.raw_data_ptr())}, out.device(), stream_of(out));
}

// Sum-like kinds: int64 input (bool/int inputs were converted to int64) or a float dtype.
template <template <class, class> class P>
void sum_like(const char* op, const ReduceLayout& L, const Tensor& in, const Tensor& out) {
  if (in.dtype() == DType::Int64) { run(op, L, in, out, Tensor(), P<int64_t, int64_t>{}); return; }
  dispatch_float(in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(op, L, in, out, Tensor(), P<T, acc_t<T>>{});
  });
}

// ---- acc finishing maps -------------------------------------------------------------------------------
template <class A>
__global__ void acc_map_kernel_impl(A* __restrict__ t, const A* __restrict__ aux, int64_t n, int op, A param) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const A v = t[i];
    A r;
    switch (op) {
      case (int)AccMap::Sqrt: r = m_sqrt(v); break;
      case (int)AccMap::FiniteOrZero: r = isfinite(v) ? v : A(0); break;
      case (int)AccMap::LogAdd: r = m_log(v) + aux[i]; break;
      default: r = m_pow(v, param); break;
    }
    t[i] = r;
  }
}
}  // namespace

void reduce_kernel(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out, const Tensor& aux,
                   double param) {
  const char* op = rk_name(kind);
  if (out.numel() == 0) return;
  DeviceGuard guard(out.device().index);
  switch (kind) {
    case RK::Sum: sum_like<SumP>(op, L, in, out); return;
    case RK::NanSum: sum_like<NanSumP>(op, L, in, out); return;
    case RK::Prod: sum_like<ProdP>(op, L, in, out); return;
    case RK::CountNotNan:
      dispatch_float(in.dtype(), op, [&](auto tag) {
        using T = typename decltype(tag)::type;
        run(op, L, in, out, Tensor(), CountNotNanP<T, int64_t>{});
      });
      return;
    case RK::Count:
      EMBER_CHECK(in.dtype() == DType::Bool, op, "internal error: expected a bool input");
      run(op, L, in, out, Tensor(), CountP<bool, int64_t>{});
      return;
    case RK::All:
      EMBER_CHECK(in.dtype() == DType::Bool, op, "internal error: expected a bool input");
      run(op, L, in, out, Tensor(), AllP<bool, bool>{});
      return;
    case RK::Any:
      EMBER_CHECK(in.dtype() == DType::Bool, op, "internal error: expected a bool input");
      run(op, L, in, out, Tensor(), AnyP<bool, bool>{});
      return;
    default: break;
  }
  if (detail::reduce_float_kinds(kind, L, in, out, aux, param)) return;
  if (detail::reduce_minmax_kinds(kind, L, in, out)) return;
  EMBER_NOT_IMPLEMENTED(op, "reduction kind ", (int)kind, " not implemented for 'cuda'");
}

void acc_map_kernel(AccMap op, const Tensor& t, const Tensor& aux, double param) {
  const char* name = op == AccMap::Sqrt ? "sqrt" : op == AccMap::Pow ? "norm" : "logsumexp";
  const int64_t n = t.numel();
  if (n == 0) return;
  EMBER_CHECK(t.is_contiguous() && (!aux.defined() || (aux.is_contiguous() && aux.dtype() == t.dtype() &&
              aux.numel() == n)), name, "internal error: acc_map needs contiguous acc tensors");
  EMBER_CHECK(op != AccMap::LogAdd || aux.defined(), name, "internal error: LogAdd needs aux");
  DeviceGuard guard(t.device().index);
  cudaStream_t s = stream_of(t);
  auto go = [&](auto* p) {
    using A = std::remove_pointer_t<decltype(p)>;
    const A* q = aux.defined() ? static_cast<const A*>(aux.raw_data_ptr()) : nullptr;
    acc_map_kernel_impl<A><<<grid_for(n), kThreads, 0, s>>>(p, q, n, (int)op, (A)param);
    EMBER_CUDA_LAUNCH_CHECK(name);
  };
  if (t.dtype() == DType::Float64) go(static_cast<double*>(t.raw_data_ptr()));
  else if (t.dtype() == DType::Float32) go(static_cast<float*>(t.raw_data_ptr()));
  else EMBER_FAIL(name, "internal error: acc_map on dtype ", dtype_name(t.dtype()));
}

}  // namespace ember::cuda
