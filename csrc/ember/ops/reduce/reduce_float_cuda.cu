// reduce_float_cuda.cu — CUDA reductions, part 2: the float-only kinds (variance's squared
// deviations, the norms' |x| sums / powers / extremes / nonzero counts, logsumexp's shifted exp
// sum). Accumulators: float for float16/bfloat16/float32, double for float64 (as the CPU).
#include "ember/ops/reduce/reduce_cuda.cuh"
#include "ember/ops/reduce/reduce_cuda.h"

namespace ember::cuda::detail {
namespace {
using namespace red;

template <template <class, class> class P>
void float_policy(const char* op, const ReduceLayout& L, const Tensor& in, const Tensor& out, const Tensor& aux,
                  double param) {
  dispatch_float(in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    P<T, A> p{};
    if constexpr (std::is_same_v<P<T, A>, PowSumP<T, A>>) p.p = (A)param;
    EMBER_CHECK(out.dtype() == (std::is_same_v<A, double> ? DType::Float64 : DType::Float32), op,
                "internal error: acc dtype");
    launch_reduce(op, L, p, static_cast<const T*>(in.raw_data_ptr()),
                  aux.defined() ? static_cast<const A*>(aux.raw_data_ptr()) : nullptr,
                  StoreOut<A>{static_cast<A*>(out.raw_data_ptr())}, out.device(), stream_of(out));
  });
}
}  // namespace

bool reduce_float_kinds(RK kind, const ReduceLayout& L, const Tensor& in, const Tensor& out, const Tensor& aux,
                        double param) {
  switch (kind) {
    case RK::SqDev: float_policy<SqDevP>("var", L, in, out, aux, param); return true;
    case RK::AbsSum: float_policy<AbsSumP>("norm", L, in, out, aux, param); return true;
    case RK::SqSum: float_policy<SqSumP>("norm", L, in, out, aux, param); return true;
    case RK::PowSum: float_policy<PowSumP>("norm", L, in, out, aux, param); return true;
    case RK::NonZero: float_policy<NonZeroP>("norm", L, in, out, aux, param); return true;
    case RK::ExpShift: float_policy<ExpShiftP>("logsumexp", L, in, out, aux, param); return true;
    case RK::AbsMax: float_policy<AbsMaxP>("norm", L, in, out, aux, param); return true;
    case RK::AbsMin: float_policy<AbsMinP>("norm", L, in, out, aux, param); return true;
    default: return false;
  }
}

}  // namespace ember::cuda::detail
