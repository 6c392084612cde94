// creation_cuda.h — the CUDA side of the creation family (creation_cuda.cu): the range factories
// computed on the device with the CPU's arithmetic (creation.cpp), so no host buffer is copied.
// Plain C++ declarations only, included by creation.cpp behind `#ifdef EMBER_WITH_CUDA`.
#pragma once
#include <cstdint>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember::cuda {

// out (n,) = start + i * step in the accumulation type of arange (int64 / double / float for 16-bit floats).
void creation_range(const Tensor& out, const Scalar& start, const Scalar& step, const char* op);
// out (steps >= 2,) = linspace(start, end): the first half counts up from start, the rest down from end.
void creation_linspace(const Tensor& out, const Scalar& start, const Scalar& end, const char* op);
// out (steps,) = base ** linspace(a, b) in double (a, b already rounded to the dtype, as the CPU does).
void creation_logspace(const Tensor& out, double a, double b, double base, const char* op);

}  // namespace ember::cuda
