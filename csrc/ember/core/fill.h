#pragma once
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {
void fill_(const Tensor& t, const Scalar& value);
Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device = Device());
}  // namespace ember
