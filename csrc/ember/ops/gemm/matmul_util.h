// matmul_util.h — helpers shared by the Tensor-level matrix ops (matmul.cpp, einsum.cpp).
#pragma once
#include <cmath>
#include <initializer_list>
#include "ember/ops/gemm/gemm.h"

namespace ember::gemm_detail {

// NotImplementedError for bool (as PyTorch's CPU kernels).
void check_numeric(const char* op, DType dt);
// "[op] expected m1 and m2 to have the same dtype, but got: float32 != float64"
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* na = "m1", const char* nb = "m2");
// `out` checked for dtype, shape and device, or a new contiguous tensor on `dev`.
Tensor prepare_out(const char* op, const Shape& shape, DType dt, const Tensor& out, const Device& dev = Device());
// Every defined tensor on one device (PyTorch's "Expected all tensors to be on the same device"
// RuntimeError otherwise); returns that device (the CPU when none is defined).
Device common_device(const char* op, std::initializer_list<const Tensor*> ts);
// The address of a GEMM operand: data_ptr() on the CPU (the device guard), the device address on CUDA.
void* gemm_data(const Tensor& t);
// dst is contiguous and shares no memory with the inputs (else compute into a temporary).
bool writable_directly(const Tensor& dst, std::initializer_list<const Tensor*> inputs);
// c = alpha * a @ b + beta * c over [batch..., M, K] x [batch..., K, N] -> [batch..., M, N]: all three
// have c's rank; a/b batch dims are c's or 1 (broadcast). Strides pass through to the kernel.
// `epi` (bias pointer/stride, activation) is applied to every batch item.
// rowsum (CPU, c 2-D): also rowsum[i] = sum_k a(i, k) (GemmProblem::rowsum).
void gemm_tensors(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                  const char* op, const GemmEpilogue& epi = GemmEpilogue(), void* rowsum = nullptr);
// The common tail of every product op: result (or `out`) of out_shape, viewed as c_shape for the
// GEMM of a3 and b3; with `input` defined and beta != 0 the result starts as input (broadcast).
Tensor product_into(const char* op, const Shape& out_shape, const Tensor& a3, const Tensor& b3, const Shape& c_shape,
                    const Tensor& out, const Tensor& input = Tensor(), const Scalar& beta = Scalar((int64_t)0),
                    const Scalar& alpha = Scalar((int64_t)1), const GemmEpilogue& epi = GemmEpilogue());
bool scalar_is_zero(const Scalar& s);

}  // namespace ember::gemm_detail
