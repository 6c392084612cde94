// promote.h — PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which outrank
// Python numbers, within a category (bool < integer < float); a higher category from a
// lower-priority operand lifts the result to that category's default (int64 / default float).
#pragma once
#include <initializer_list>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

struct ResultTypeState {
  DType dim = DType::Bool, zero = DType::Bool, wrapped = DType::Bool;
  bool has_dim = false, has_zero = false, has_wrapped = false;
  void add(const Tensor& t);
  void add(const Scalar& s);
  DType result() const;
};

DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);

}  // namespace ember
