// runtime.cu — device enumeration, properties, synchronization, streams and events.
#include <mutex>
#include <unordered_map>
#include <vector>
#include "ember/cuda/internal.cuh"

namespace ember::cuda {

namespace {
std::once_flag g_count_once;
int g_count = 0;
std::string g_reason;

void init_count() {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    g_count = 0;
    g_reason = std::string("CUDA driver/runtime reported: ") + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) +
               ")";
  } else if (n == 0) {
    g_reason = "no CUDA GPU was found";
  }
  g_count = err == cudaSuccess ? n : 0;
}

// Thread-local current stream per device (0 = the legacy default stream).
thread_local std::unordered_map<int, intptr_t> t_current_stream;

std::mutex g_seed_mu;
std::unordered_map<int, uint64_t> g_seeds;
}  // namespace

int device_count() {
  std::call_once(g_count_once, init_count);
  return g_count;
}

std::string unavailable_reason() {
  device_count();
  return g_reason;
}

static void require_gpu(const char* op) {
  if (device_count() == 0) EMBER_FAIL(op, "CUDA is not available: ", unavailable_reason());
}

int resolve_index(int index) {
  require_gpu("cuda");
  if (index < 0) return current_device();
  EMBER_CHECK(index < device_count(), "cuda", "invalid device ordinal ", index, " (", device_count(),
              " CUDA device(s) visible)");
  return index;
}

int current_device() {
  require_gpu("current_device");
  int d = 0;
  EMBER_CUDA_CHECK_OP(cudaGetDevice(&d), "current_device");
  return d;
}

void set_device(int index) {
  require_gpu("set_device");
  EMBER_CHECK(index >= 0 && index < device_count(), "set_device", "invalid device ordinal ", index, " (",
              device_count(), " CUDA device(s) visible)");
  EMBER_CUDA_CHECK_OP(cudaSetDevice(index), "set_device");
}

DeviceProps device_properties(int index) {
  index = resolve_index(index);
  cudaDeviceProp p;
  EMBER_CUDA_CHECK_OP(cudaGetDeviceProperties(&p, index), "get_device_properties");
  DeviceProps out;
  out.name = p.name;
  out.total_memory = (int64_t)p.totalGlobalMem;
  out.major = p.major;
  out.minor = p.minor;
  out.multi_processor_count = p.multiProcessorCount;
  return out;
}

void synchronize(int index) {
  index = resolve_index(index);
  DeviceGuard g(index);
  EMBER_CUDA_CHECK_OP(cudaDeviceSynchronize(), "synchronize");
}

void mem_get_info(int index, int64_t* free_bytes, int64_t* total_bytes) {
  index = resolve_index(index);
  DeviceGuard g(index);
  size_t f = 0, t = 0;
  EMBER_CUDA_CHECK_OP(cudaMemGetInfo(&f, &t), "mem_get_info");
  *free_bytes = (int64_t)f;
  *total_bytes = (int64_t)t;
}

void manual_seed(int index, uint64_t seed) {
  std::lock_guard<std::mutex> lock(g_seed_mu);
  g_seeds[index] = seed;
}

uint64_t initial_seed(int index) {
  std::lock_guard<std::mutex> lock(g_seed_mu);
  auto it = g_seeds.find(index);
  return it == g_seeds.end() ? 0 : it->second;
}

// ---- streams --------------------------------------------------------------------------------
intptr_t stream_create(int device, int priority) {
  device = resolve_index(device);
  DeviceGuard g(device);
  cudaStream_t s = nullptr;
  EMBER_CUDA_CHECK_OP(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, priority), "Stream");
  return reinterpret_cast<intptr_t>(s);
}

void stream_destroy(intptr_t stream) {
  if (stream == 0) return;
  (void)cudaStreamDestroy(as_stream(stream));  // called from __del__: report nothing, never throw
}

bool stream_query(intptr_t stream) {
  cudaError_t err = cudaStreamQuery(as_stream(stream));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK_OP(err, "Stream.query");
  return true;
}

void stream_synchronize(intptr_t stream) { EMBER_CUDA_CHECK_OP(cudaStreamSynchronize(as_stream(stream)), "Stream.synchronize"); }

void stream_wait_event(intptr_t stream, intptr_t event) {
  EMBER_CUDA_CHECK_OP(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0), "Stream.wait_event");
}

void stream_priority_range(int* least, int* greatest) {
  require_gpu("Stream");
  EMBER_CUDA_CHECK_OP(cudaDeviceGetStreamPriorityRange(least, greatest), "Stream");
}

intptr_t current_stream(int device) {
  auto it = t_current_stream.find(device);
  return it == t_current_stream.end() ? 0 : it->second;
}

void set_current_stream(int device, intptr_t stream) { t_current_stream[device] = stream; }

// ---- events ---------------------------------------------------------------------------------
intptr_t event_create(bool enable_timing, bool blocking) {
  require_gpu("Event");
  unsigned flags = (enable_timing ? cudaEventDefault : cudaEventDisableTiming) | (blocking ? cudaEventBlockingSync : 0);
  cudaEvent_t e = nullptr;
  EMBER_CUDA_CHECK_OP(cudaEventCreateWithFlags(&e, flags), "Event");
  return reinterpret_cast<intptr_t>(e);
}

void event_destroy(intptr_t event) {
  if (event) (void)cudaEventDestroy(as_event(event));
}

void event_record(intptr_t event, intptr_t stream) {
  EMBER_CUDA_CHECK_OP(cudaEventRecord(as_event(event), as_stream(stream)), "Event.record");
}

bool event_query(intptr_t event) {
  cudaError_t err = cudaEventQuery(as_event(event));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK_OP(err, "Event.query");
  return true;
}

void event_synchronize(intptr_t event) { EMBER_CUDA_CHECK_OP(cudaEventSynchronize(as_event(event)), "Event.synchronize"); }

float event_elapsed_ms(intptr_t start, intptr_t end) {
  float ms = 0.f;
  EMBER_CUDA_CHECK_OP(cudaEventElapsedTime(&ms, as_event(start), as_event(end)), "Event.elapsed_time");
  return ms;
}

}  // namespace ember::cuda
