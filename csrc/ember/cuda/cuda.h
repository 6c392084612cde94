// cuda.h — the CUDA backend as the rest of ember sees it: plain C++ declarations (no CUDA
// headers), so core/, ops/ and the bindings can call it from .cpp files. Everything here is
// defined in csrc/ember/cuda/*.cu and exists only in builds with EMBER_WITH_CUDA; callers guard
// their uses with `#ifdef EMBER_WITH_CUDA`, so a CPU-only build has no CUDA symbols at all.
//
// Streams and events cross this boundary as opaque integers (the cudaStream_t / cudaEvent_t
// handle values); stream 0 is the legacy default stream of the current device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/cuda/block_pool.h"  // MemoryStats (plain C++)

namespace ember::cuda {

// ---- device runtime -------------------------------------------------------------------------
int device_count();                 // 0 when there is no driver or GPU (never throws)
std::string unavailable_reason();   // empty when device_count() > 0
int current_device();               // raises when no GPU is available
void set_device(int index);
int resolve_index(int index);       // -1 -> current device; range-checked
struct DeviceProps {
  std::string name;
  int64_t total_memory = 0;
  int major = 0, minor = 0, multi_processor_count = 0;
};
DeviceProps device_properties(int index);
void synchronize(int index);        // -1: current device
void mem_get_info(int index, int64_t* free_bytes, int64_t* total_bytes);
void manual_seed(int index, uint64_t seed);  // seeds for the (future) CUDA RNG kernels
uint64_t initial_seed(int index);

// ---- streams and events ---------------------------------------------------------------------
intptr_t stream_create(int device, int priority);   // non-blocking stream on `device`
void stream_destroy(intptr_t stream);
bool stream_query(intptr_t stream);                  // true when all its work is done
void stream_synchronize(intptr_t stream);
void stream_wait_event(intptr_t stream, intptr_t event);
void stream_priority_range(int* least, int* greatest);
intptr_t current_stream(int device);                 // the thread's current stream on `device`
void set_current_stream(int device, intptr_t stream);
intptr_t event_create(bool enable_timing, bool blocking);
void event_destroy(intptr_t event);
void event_record(intptr_t event, intptr_t stream);
bool event_query(intptr_t event);
void event_synchronize(intptr_t event);
float event_elapsed_ms(intptr_t start, intptr_t end);

// ---- caching device allocator (allocator.cu) ---------------------------------------------------
void* device_alloc(size_t nbytes, int device);       // on the current stream; nbytes 0 gives nullptr
void device_free(void* ptr, int device);
void record_stream(void* ptr, int device, intptr_t stream);  // ptr is also used on `stream`
MemoryStats memory_stats(int device);
void reset_peak_memory_stats(int device);
void reset_accumulated_memory_stats(int device);
void empty_cache();                                   // release every unused cached segment
std::string memory_summary(int device);

// ---- pinned host memory (a caching pool of cudaHostAlloc blocks) -------------------------------
void* pinned_alloc(size_t nbytes, size_t* rounded);
void pinned_free(void* ptr, size_t rounded);          // reused once the current stream passes this point
bool is_pinned_ptr(const void* ptr);                  // cudaPointerGetAttributes says host-pinned
void pinned_empty_cache();

// ---- tensor ops (the CUDA side of the device switch) -------------------------------------------
// dst <- src for any pair of devices (cpu/cuda), dtype conversion and broadcasting of src to dst.
void copy_(const Tensor& dst, const Tensor& src, bool non_blocking);
void fill_(const Tensor& t, const Scalar& value);
// Elementwise kernels. Operands are validated, promoted and broadcastable to dst (done once in
// ops/*); a 0-d CPU operand is read on the host and passed by value.
void binary_kernel(int op, DType compute, const Tensor& dst, const Tensor& a, const Tensor& b, const Scalar& alpha,
                   const char* name);
void unary_kernel(int op, const Tensor& dst, const Tensor& src, const char* name);
// Activation forward (ops/activation ActOp codes): relu, gelu (erf and tanh forms), sigmoid,
// tanh, silu; other ActOps raise the device guard's error.
void activation_kernel(int op, const Tensor& dst, const Tensor& src, const char* name);
bool binary_supported(int op);
bool unary_supported(int op);

}  // namespace ember::cuda
