// reduce_kernels.h — type-erased entry points of the reduction and scan kernels.
// reduce_engine.inc holds the loops as templates; it is compiled in namespace `generic`
// (every op and dtype, plus the plain reference loops) and per ISA in `base`/`avx2`/`avx512`
// (only the hot float32/float64 sum/max/min/argmax kernels, see reduce_fast.inc).
#pragma once
#include "ember/core/cpu_features.h"
#include "ember/core/dtype.h"
#include "ember/ops/reduce/reduce_layout.h"

namespace ember {

// What a reduction accumulates. The accumulator dtype (acc tensor) is acc_dtype(kind, input).
enum class RK {
  Sum, NanSum, Prod, SqDev /* sum (x-aux)^2 */, Max, Min, AbsSum, SqSum, PowSum /* sum |x|^param */,
  AbsMax, AbsMin, NonZero /* float count of x != 0 */, ExpShift /* sum exp(x-aux) */, All, Any,
  Count /* int64 count of true */, CountNotNan /* int64 count of x == x */
};

struct ReduceArgs {
  const ReduceLayout* L;
  const char* in;        // input data (element 0 of the view)
  char* out;             // accumulator tensor, addressed with L->kout
  const char* aux;       // per-output values (acc dtype, addressed like out) or nullptr
  double param;          // PowSum exponent
};

// Single-dim arg reduction: out_val (may be null, compute dtype of the input) and out_idx (int64).
struct ArgArgs {
  const ReduceLayout* L;  // nr <= 1
  const char* in;
  char* out_val;
  int64_t* out_idx;
};

enum class SK { Sum, Prod, Max, Min, LogSumExp };
// Scan along one dim: L has nr <= 1 reduced (scanned) dim; `rout` is its output stride.
struct ScanArgs {
  const ReduceLayout* L;
  int64_t rout;
  const char* in;
  char* out;              // same dtype as the input (Sum/Prod inputs are pre-converted)
  int64_t* out_idx;       // Max/Min only
};

DType reduce_acc_dtype(RK kind, DType in);

// In-place finishing maps of an acc tensor (float32/float64, contiguous) after a reduction.
enum class AccMap { Sqrt, FiniteOrZero /* non-finite -> 0 */, LogAdd /* log(t) + aux */, Pow /* t ** param */ };

namespace generic {
void run_reduce(RK kind, DType dt, const ReduceArgs& a, bool reference);
void run_arg(bool is_max, DType dt, const ArgArgs& a, bool reference);
void run_scan(SK kind, DType dt, const ScanArgs& a, bool reference);
}  // namespace generic

struct FastReduceKernels {
  bool (*reduce)(RK kind, DType dt, const ReduceArgs& a);  // false: not handled here
  bool (*arg)(bool is_max, DType dt, const ArgArgs& a);
};
const FastReduceKernels* fast_reduce_kernels(Isa isa);
namespace base { extern const FastReduceKernels fast_reduce; }
namespace avx2 { extern const FastReduceKernels fast_reduce; }
namespace avx512 { extern const FastReduceKernels fast_reduce; }

}  // namespace ember
