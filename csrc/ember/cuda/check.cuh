// check.cuh — every CUDA runtime call goes through EMBER_CUDA_CHECK and every kernel launch is
// followed by EMBER_CUDA_LAUNCH_CHECK, so a failure becomes an ember::Error (RuntimeError in
// Python) naming the op, the call, the CUDA error string and the source location, instead of
// surfacing later at an unrelated call.
#pragma once
#include <cuda_runtime.h>
#include <string>
#include "ember/core/error.h"

namespace ember::cuda::detail {
[[noreturn]] inline void cuda_fail(cudaError_t err, const char* what, const char* op, const char* file, int line) {
  (void)cudaGetLastError();  // clear the sticky-free error state so the process stays usable
  std::string msg = std::string("[") + (op ? op : "cuda") + "] CUDA error: " + cudaGetErrorString(err) + " (" +
                    cudaGetErrorName(err) + ") in " + what + " at " + file + ":" + std::to_string(line);
  throw Error(ErrorKind::Runtime, msg);
}
}  // namespace ember::cuda::detail

// EMBER_CUDA_CHECK(expr) / EMBER_CUDA_CHECK_OP(expr, "opname")
#define EMBER_CUDA_CHECK_OP(expr, op)                                                           \
  do {                                                                                          \
    cudaError_t ember_err_ = (expr);                                                            \
    if (ember_err_ != cudaSuccess) ::ember::cuda::detail::cuda_fail(ember_err_, #expr, op, __FILE__, __LINE__); \
  } while (0)
#define EMBER_CUDA_CHECK(expr) EMBER_CUDA_CHECK_OP(expr, nullptr)

// After every <<<...>>>: catches bad launch configurations at once (asynchronous faults show
// up at the next synchronizing call, which is checked as well).
#define EMBER_CUDA_LAUNCH_CHECK(op)                                                             \
  do {                                                                                          \
    cudaError_t ember_err_ = cudaGetLastError();                                                \
    if (ember_err_ != cudaSuccess) ::ember::cuda::detail::cuda_fail(ember_err_, "kernel launch", op, __FILE__, __LINE__); \
  } while (0)
