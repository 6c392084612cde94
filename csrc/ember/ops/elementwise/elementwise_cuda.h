// elementwise_cuda.h — the CUDA entry points of the elementwise family beyond the first slice
// in cuda/cuda.h (add/sub/mul/div/maximum/minimum). Plain C++ declarations; defined in
// ops/elementwise/*_cuda.cu and present only in builds with EMBER_WITH_CUDA (callers guard their
// includes and uses with #ifdef EMBER_WITH_CUDA). Validation, promotion, broadcasting and output
// allocation happen in binary.cpp / ternary.cpp: operands arrive with the compute dtype; a 0-d
// CPU operand (a wrapped number) is read on the host and passed by value.
#pragma once
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember::cuda {

// BinaryOp codes DivTrunc..Fmin (division variants, remainder, fmod, pow, atan2, copysign, xlogy,
// hypot, logaddexp(2), nextafter, fmax, fmin): dst, a, b of dtype `ct`. Integer division or
// remainder by zero gives 0 on CUDA (no ZeroDivisionError: that would need a device sync).
void binary_math_kernel(int op, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name);
// The float-only part of binary_math_kernel (Atan2..NextAfter; binary_float_cuda.cu).
void binary_float_kernel(int op, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name);
// BinaryOp codes Eq..Shr: comparisons (a, b of dtype ct, bool dst), logical ops (bool inputs and
// dst), bitwise ops and shifts (dst, a, b of dtype ct).
void binary_compare_kernel(int op, DType ct, const Tensor& dst, const Tensor& a, const Tensor& b, const char* name);
// dst = x ** e (dst and x of one dtype), with the CPU's fast paths (0, 1, 2, 3, 0.5, -0.5, -1, -2).
void pow_scalar_kernel(const Tensor& dst, const Tensor& x, const Scalar& e);

// Ternary ops (ternary.cpp): every operand has the compute dtype of dst except cond (bool).
void where_kernel(const Tensor& dst, const Tensor& cond, const Tensor& a, const Tensor& b);
// use_lo / use_hi: which bound applies (a missing bound is passed as a copy of the other).
void clamp_kernel(const Tensor& dst, const Tensor& x, const Tensor& lo, const Tensor& hi, bool use_lo, bool use_hi,
                  const char* name);
void lerp_kernel(const Tensor& dst, const Tensor& start, const Tensor& end, const Tensor& weight);
void addc_kernel(bool is_div, const Tensor& dst, const Tensor& x, const Tensor& t1, const Tensor& t2,
                 const Scalar& value);
// bool dst; a and b of one dtype.
void isclose_kernel(const Tensor& dst, const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);

}  // namespace ember::cuda
