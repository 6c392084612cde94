// internal.cuh — helpers shared by the .cu files of the CUDA backend (not part of the C++ API).
#pragma once
#include <cuda_runtime.h>
#include "ember/cuda/check.cuh"
#include "ember/cuda/cuda.h"

namespace ember::cuda {

// Makes `index` the current device for the scope (no-op when it already is).
class DeviceGuard {
 public:
  explicit DeviceGuard(int index) {
    EMBER_CUDA_CHECK(cudaGetDevice(&prev_));
    if (index >= 0 && index != prev_) {
      EMBER_CUDA_CHECK(cudaSetDevice(index));
      switched_ = true;
    }
  }
  ~DeviceGuard() {
    if (switched_) (void)cudaSetDevice(prev_);  // never throw from a destructor
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_ = 0;
  bool switched_ = false;
};

inline cudaStream_t as_stream(intptr_t s) { return reinterpret_cast<cudaStream_t>(s); }
inline cudaEvent_t as_event(intptr_t e) { return reinterpret_cast<cudaEvent_t>(e); }
// The current stream of the device a tensor lives on.
inline cudaStream_t stream_of(const Tensor& t) { return as_stream(current_stream(t.device().index)); }

// Launch shape for a grid-stride loop over n items.
constexpr int kThreads = 256;
inline unsigned int grid_for(int64_t n, int per_thread = 1) {
  int64_t blocks = (n + (int64_t)kThreads * per_thread - 1) / ((int64_t)kThreads * per_thread);
  if (blocks < 1) blocks = 1;
  if (blocks > 65535LL * 8) blocks = 65535LL * 8;  // grid-stride loops cover the rest
  return (unsigned int)blocks;
}

}  // namespace ember::cuda
