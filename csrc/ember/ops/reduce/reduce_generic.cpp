// reduce_generic.cpp — every reduction kernel (all ops x dtypes) built once at baseline ISA,
// plus the plain reference loops. The float32/float64 hot kernels also have per-ISA builds
// (reduce_fast.inc) that reduce.cpp prefers when not in reference mode.
#define EMBER_ISA_NS generic
#include "ember/core/dispatch.h"
#include "ember/ops/reduce/reduce_engine.inc"

namespace ember {

DType reduce_acc_dtype(RK kind, DType in) {
  auto fl = [&] { return in == DType::Float64 ? DType::Float64 : DType::Float32; };
  switch (kind) {
    case RK::Sum: case RK::NanSum: case RK::Prod: return is_floating(in) ? fl() : DType::Int64;
    case RK::Max: case RK::Min: return (in == DType::Float16 || in == DType::BFloat16) ? DType::Float32 : in;
    case RK::All: case RK::Any: return DType::Bool;
    case RK::Count: case RK::CountNotNan: return DType::Int64;
    default: return fl();
  }
}

namespace generic {

template <template <class, class> class P>
static void float_policy(DType dt, const ReduceArgs& a, bool ref, const char* op) {
  EMBER_DISPATCH_FLOAT(dt, op, [&] {
    using A = acc_t<scalar_t>;
    P<scalar_t, A> p{};
    run_policy(p, a, ref);
  });
}

template <template <class, class> class P>
static void sum_like(DType dt, const ReduceArgs& a, bool ref, const char* op) {
  if (dt == DType::Int64) { run_policy(P<int64_t, int64_t>{}, a, ref); return; }
  float_policy<P>(dt, a, ref, op);
}

void run_reduce(RK kind, DType dt, const ReduceArgs& a, bool ref) {
  switch (kind) {
    case RK::Sum: sum_like<SumP>(dt, a, ref, "sum"); break;
    case RK::NanSum: sum_like<NanSumP>(dt, a, ref, "nansum"); break;
    case RK::Prod: sum_like<ProdP>(dt, a, ref, "prod"); break;
    case RK::SqDev: float_policy<SqDevP>(dt, a, ref, "var"); break;
    case RK::AbsSum: float_policy<AbsSumP>(dt, a, ref, "norm"); break;
    case RK::SqSum: float_policy<SqSumP>(dt, a, ref, "norm"); break;
    case RK::NonZero: float_policy<NonZeroP>(dt, a, ref, "norm"); break;
    case RK::ExpShift: float_policy<ExpShiftP>(dt, a, ref, "logsumexp"); break;
    case RK::AbsMax: float_policy<AbsMaxP>(dt, a, ref, "norm"); break;
    case RK::AbsMin: float_policy<AbsMinP>(dt, a, ref, "norm"); break;
    case RK::PowSum:
      EMBER_DISPATCH_FLOAT(dt, "norm", [&] {
        using A = acc_t<scalar_t>;
        PowSumP<scalar_t, A> p{};
        p.p = A(a.param);
        run_policy(p, a, ref);
      });
      break;
    case RK::CountNotNan:
      EMBER_DISPATCH_FLOAT(dt, "nanmean", [&] { run_policy(CountNotNanP<scalar_t, int64_t>{}, a, ref); });
      break;
    case RK::Max:
      EMBER_DISPATCH_ALL(dt, "max", [&] { run_policy(MaxP<scalar_t, compute_t<scalar_t>>{}, a, ref); });
      break;
    case RK::Min:
      EMBER_DISPATCH_ALL(dt, "min", [&] { run_policy(MinP<scalar_t, compute_t<scalar_t>>{}, a, ref); });
      break;
    case RK::All: run_policy(AllP<bool>{}, a, ref); break;
    case RK::Any: run_policy(AnyP<bool>{}, a, ref); break;
    case RK::Count: run_policy(CountP<bool>{}, a, ref); break;
  }
}

void run_arg(bool is_max, DType dt, const ArgArgs& a, bool ref) {
  EMBER_DISPATCH_NUMERIC(dt, is_max ? "argmax" : "argmin", [&] {
    if (is_max) run_arg_t<scalar_t, true>(a, ref);
    else run_arg_t<scalar_t, false>(a, ref);
  });
}

}  // namespace generic
}  // namespace ember
