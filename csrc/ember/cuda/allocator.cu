// allocator.cu — the caching device allocator (BlockPool over cudaMalloc, one pool per device)
// and the pinned host pool used by pin_memory() and non_blocking copies.
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>
#include "ember/cuda/internal.cuh"

namespace ember::cuda {

namespace {
struct CudaBackend {
  int device = 0;
  void* raw_alloc(size_t n) {
    DeviceGuard g(device);
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, n);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // OOM is not sticky: clear it and let the pool retry / report
      return nullptr;
    }
    EMBER_CUDA_CHECK_OP(err, "cudaMalloc");
    return p;
  }
  void raw_free(void* p) {
    DeviceGuard g(device);
    EMBER_CUDA_CHECK_OP(cudaFree(p), "cudaFree");
  }
  intptr_t event_record(intptr_t stream) {
    DeviceGuard g(device);
    cudaEvent_t e = nullptr;
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    EMBER_CUDA_CHECK(cudaEventRecord(e, as_stream(stream)));
    return reinterpret_cast<intptr_t>(e);
  }
  bool event_done(intptr_t e) {
    cudaError_t err = cudaEventQuery(as_event(e));
    if (err == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    EMBER_CUDA_CHECK(err);
    return true;
  }
  void event_free(intptr_t e) { (void)cudaEventDestroy(as_event(e)); }
  void synchronize() {
    DeviceGuard g(device);
    EMBER_CUDA_CHECK(cudaDeviceSynchronize());
  }
  void mem_info(int64_t* f, int64_t* t) {
    DeviceGuard g(device);
    size_t a = 0, b = 0;
    if (cudaMemGetInfo(&a, &b) != cudaSuccess) (void)cudaGetLastError();
    *f = (int64_t)a;
    *t = (int64_t)b;
  }
};

using DevicePool = BlockPool<CudaBackend>;

std::mutex g_pools_mu;
std::vector<std::unique_ptr<DevicePool>>& pools() {
  static auto* p = new std::vector<std::unique_ptr<DevicePool>>();  // leaked: outlives static tensors
  return *p;
}

DevicePool& pool(int device) {
  std::lock_guard<std::mutex> lock(g_pools_mu);
  auto& ps = pools();
  if (ps.empty()) ps.resize((size_t)std::max(device_count(), 1));
  EMBER_CHECK(device >= 0 && device < (int)ps.size(), "cuda", "invalid device ordinal ", device);
  if (!ps[device]) ps[device] = std::make_unique<DevicePool>(CudaBackend{device}, device);
  return *ps[device];
}
}  // namespace

void* device_alloc(size_t nbytes, int device) {
  if (nbytes == 0) return nullptr;
  return pool(device).malloc(nbytes, current_stream(device), "empty");
}

void device_free(void* ptr, int device) {
  if (!ptr) return;
  try {
    pool(device).free(ptr);  // plain bookkeeping unless the block was used on other streams
  } catch (const std::exception& e) {
    // Called from Storage's destructor: report, never throw.
    std::fprintf(stderr, "ember: error while freeing CUDA memory: %s\n", e.what());
  }
}

void record_stream(void* ptr, int device, intptr_t stream) {
  if (!ptr) return;
  pool(device).record_stream(ptr, stream);
}

MemoryStats memory_stats(int device) { return pool(resolve_index(device)).stats(); }
void reset_peak_memory_stats(int device) { pool(resolve_index(device)).reset_peak(); }
void reset_accumulated_memory_stats(int device) { pool(resolve_index(device)).reset_accumulated(); }

void empty_cache() {
  if (device_count() == 0) return;
  std::vector<DevicePool*> ps;
  {
    std::lock_guard<std::mutex> lock(g_pools_mu);
    for (auto& p : pools())
      if (p) ps.push_back(p.get());
  }
  for (auto* p : ps) p->empty_cache();
  pinned_empty_cache();
}

std::string memory_summary(int device) {
  device = resolve_index(device);
  DevicePool& p = pool(device);
  MemoryStats s = p.stats();
  auto blocks = p.snapshot();
  std::ostringstream os;
  os << "|===========================================================|\n"
     << "|                ember CUDA memory summary, device " << device << "        |\n"
     << "|-----------------------------------------------------------|\n"
     << "| allocated memory      : " << format_bytes(s.allocated) << " (peak " << format_bytes(s.peak_allocated) << ")\n"
     << "| requested memory      : " << format_bytes(s.requested) << "\n"
     << "| reserved memory       : " << format_bytes(s.reserved) << " (peak " << format_bytes(s.peak_reserved) << ")\n"
     << "| segments              : " << s.num_segments - s.num_segment_frees << " live, " << s.num_segments
     << " allocated, " << s.num_segment_frees << " released\n"
     << "| blocks                : " << s.active_blocks << " active, " << s.cached_blocks << " cached, "
     << s.pending_blocks << " waiting on other streams\n"
     << "| allocations           : " << s.num_allocs << " (" << s.num_cache_hits << " from the cache)\n"
     << "| alloc retries / OOMs  : " << s.num_alloc_retries << " / " << s.num_ooms << "\n"
     << "|===========================================================|\n";
  return os.str();
}

// ---- pinned host memory ------------------------------------------------------------------------
// Power-of-two size classes; a freed block is stamped with an event on the current stream of
// the current device and handed out again only once that event has completed, so an async copy
// still reading the block is never overwritten.
namespace {
struct PinnedFree {
  void* ptr;
  cudaEvent_t event;  // nullptr: free to reuse now
};
std::mutex g_pinned_mu;
std::map<size_t, std::vector<PinnedFree>>& pinned_free_lists() {
  static auto* m = new std::map<size_t, std::vector<PinnedFree>>();
  return *m;
}

size_t pinned_class(size_t n) {
  size_t c = 512;
  while (c < n) c <<= 1;
  return c;
}

bool event_completed(cudaEvent_t e) {
  if (!e) return true;
  cudaError_t err = cudaEventQuery(e);
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK_OP(err, "pin_memory");
  return true;
}
}  // namespace

void* pinned_alloc(size_t nbytes, size_t* rounded) {
  if (device_count() == 0) EMBER_FAIL("pin_memory", "CUDA is not available: ", unavailable_reason());
  size_t c = pinned_class(std::max<size_t>(nbytes, 1));
  *rounded = c;
  {
    std::lock_guard<std::mutex> lock(g_pinned_mu);
    auto& fl = pinned_free_lists()[c];
    for (size_t i = 0; i < fl.size(); ++i) {
      if (!event_completed(fl[i].event)) continue;
      void* p = fl[i].ptr;
      if (fl[i].event) (void)cudaEventDestroy(fl[i].event);
      fl[i] = fl.back();
      fl.pop_back();
      return p;
    }
  }
  void* p = nullptr;
  cudaError_t err = cudaHostAlloc(&p, c, cudaHostAllocDefault);
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    pinned_empty_cache();
    err = cudaHostAlloc(&p, c, cudaHostAllocDefault);
  }
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    throw Error(ErrorKind::OutOfMemory, "[pin_memory] could not allocate " + format_bytes((int64_t)c) +
                                            " of pinned host memory");
  }
  EMBER_CUDA_CHECK_OP(err, "pin_memory");
  return p;
}

void pinned_free(void* ptr, size_t rounded) {
  if (!ptr) return;
  // Called from Storage's destructor, possibly at interpreter exit after the CUDA runtime has shut
  // down: never throw; if an event cannot be recorded the block is simply not reused (leaked).
  cudaEvent_t e = nullptr;
  int dev = 0;
  cudaError_t err = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
  if (err == cudaSuccess) err = cudaGetDevice(&dev);
  if (err == cudaSuccess) err = cudaEventRecord(e, as_stream(current_stream(dev)));
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    if (e) (void)cudaEventDestroy(e);
    if (err != cudaErrorCudartUnloading)
      std::fprintf(stderr, "ember: pinned block not recycled: %s\n", cudaGetErrorString(err));
    return;
  }
  std::lock_guard<std::mutex> lock(g_pinned_mu);
  pinned_free_lists()[rounded].push_back({ptr, e});
}

bool is_pinned_ptr(const void* ptr) {
  if (!ptr || device_count() == 0) return false;
  cudaPointerAttributes a;
  cudaError_t err = cudaPointerGetAttributes(&a, ptr);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return a.type == cudaMemoryTypeHost;
}

void pinned_empty_cache() {
  std::lock_guard<std::mutex> lock(g_pinned_mu);
  for (auto& [c, fl] : pinned_free_lists()) {
    for (size_t i = 0; i < fl.size();) {
      if (!event_completed(fl[i].event)) { ++i; continue; }
      if (fl[i].event) (void)cudaEventDestroy(fl[i].event);
      (void)cudaFreeHost(fl[i].ptr);
      fl[i] = fl.back();
      fl.pop_back();
    }
  }
}

}  // namespace ember::cuda
