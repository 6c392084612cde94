// reduce_util.h — helpers shared by reduce.cpp and norm.cpp (internal to the reduce family).
#pragma once
#include "ember/core/parallel.h"
#include "ember/ops/reduce/reduce.h"
#include "ember/ops/reduce/reduce_kernels.h"

namespace ember {

struct DimPlan {
  std::vector<bool> mask;   // reduced dims of the input
  Shape keep_shape;         // keepdim result shape
  Shape out_shape;          // result shape without the reduced dims
  int64_t nred = 1;         // elements per output
  bool all = false;         // every dim reduced (dims none or empty)
};

// Wraps/validates dims (IndexError out of range, RuntimeError for repeats).
DimPlan plan_dims(const char* op, const Tensor& a, const DimList& dims);
// Accumulate `in` (kernel dtype) into a new acc tensor of keepdim shape (dtype reduce_acc_dtype).
Tensor reduce_acc(RK kind, const Tensor& in, const DimPlan& p, const Tensor& aux = Tensor(), double param = 0);
Tensor finish_shape(const Tensor& acc, const DimPlan& p, bool keepdim);
void sqrt_acc(const Tensor& t);  // in place, float32/float64 contiguous
// In place t[i] = op(t[i], aux[i]) on a contiguous float32/float64 acc tensor, on its device.
void acc_map(AccMap op, const Tensor& t, const Tensor& aux = Tensor(), double param = 0);

// In-place t[i] = f(t[i], aux[i] or 0) on a contiguous float32/float64 CPU acc tensor.
template <class F>
void map_acc(const Tensor& t, const Tensor& aux, F f) {
  auto run = [&](auto* p, const auto* q) {
    parallel_for(0, t.numel(), kGrainSize / 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = f(p[i], q ? q[i] : 0);
    });
  };
  if (t.dtype() == DType::Float64) run(t.data<double>(), aux.defined() ? aux.data<double>() : (const double*)nullptr);
  else run(t.data<float>(), aux.defined() ? aux.data<float>() : (const float*)nullptr);
}

}  // namespace ember
