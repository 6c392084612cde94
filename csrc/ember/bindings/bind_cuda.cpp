// bind_cuda.cpp — the CUDA runtime for ember.cuda (python/ember/cuda.py), device transfers for
// Tensor.to/cuda/cpu/pin_memory, the exception translation of the device guard and of CUDA
// out-of-memory, and a test hook for the allocator's bookkeeping (_FakeBlockPool, a BlockPool
// over a fake backend; available in every build). In a build without CUDA only the parts that
// need no CUDA are defined, and _C.has_cuda is False (set in bind_tensor.cpp).
#include <map>
#include "ember/bindings/common.h"
#include "ember/core/view.h"
#include "ember/cuda/block_pool.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#endif

namespace ember::bind {

namespace {

// Name of the Python function that called into _C (ember's public op), for device-guard errors
// raised deep inside a CPU kernel that does not know which op it serves.
std::string caller_name() {
  PyFrameObject* f = PyEval_GetFrame();  // borrowed; the caller of the pybind11 function
  if (!f) return "op";
  PyCodeObject* code = PyFrame_GetCode(f);  // new reference
  std::string name = "op";
  try {
    name = py::handle(reinterpret_cast<PyObject*>(code)).attr("co_name").cast<std::string>();
    // Generic wrappers (`def fn(...)` made by a factory such as _sum_like) keep the op's name in a
    // closure variable: prefer that.
    static const char* const generic[] = {"fn", "op", "m", "f", "wrapper", "inner", "impl", "_method", "<lambda>"};
    bool is_generic = false;
    for (const char* g : generic) is_generic = is_generic || name == g;
    if (is_generic) {
      py::object locals = py::reinterpret_steal<py::object>(PyFrame_GetLocals(f));
      for (const char* key : {"op", "name", "_name", "opname"}) {
        if (locals && PyMapping_HasKeyString(locals.ptr(), key)) {
          py::object v = locals[key];
          if (py::isinstance<py::str>(v)) { name = v.cast<std::string>(); break; }
        }
      }
    }
  } catch (...) {
    PyErr_Clear();
  }
  Py_DECREF(code);
  return name;
}

PyObject* g_oom_type = nullptr;

py::dict stats_dict(const cuda::MemoryStats& s) {
  py::dict d;
  d["allocated_bytes.all.current"] = s.allocated;
  d["allocated_bytes.all.peak"] = s.peak_allocated;
  d["reserved_bytes.all.current"] = s.reserved;
  d["reserved_bytes.all.peak"] = s.peak_reserved;
  d["requested_bytes.all.current"] = s.requested;
  d["allocation.all.allocated"] = s.num_allocs;
  d["allocation.all.freed"] = s.num_frees;
  d["allocation.all.current"] = s.active_blocks;
  d["segment.all.allocated"] = s.num_segments;
  d["segment.all.freed"] = s.num_segment_frees;
  d["segment.all.current"] = s.num_segments - s.num_segment_frees;
  d["num_cache_hits"] = s.num_cache_hits;
  d["num_alloc_retries"] = s.num_alloc_retries;
  d["num_ooms"] = s.num_ooms;
  d["inactive_split.all.current"] = s.cached_blocks;
  d["pending_blocks"] = s.pending_blocks;
  return d;
}

// A backend that hands out fake, never dereferenced addresses from a fixed budget, and events
// that complete when the test says their stream has caught up (complete(stream)).
struct FakeBackend {
  int64_t total = 0, used = 0;
  uintptr_t next_addr = 1 << 20;
  std::map<uintptr_t, int64_t> live;       // segment address -> size
  std::map<intptr_t, std::pair<intptr_t, int64_t>> events;  // event -> (stream, sequence)
  std::map<intptr_t, int64_t> recorded, completed;          // per stream
  intptr_t next_event = 1;
  int64_t raw_allocs = 0, raw_frees = 0, syncs = 0;

  void* raw_alloc(size_t n) {
    if (used + (int64_t)n > total) return nullptr;
    uintptr_t a = next_addr;
    next_addr += n + (1 << 20);  // gaps between segments: merging across segments would show
    live[a] = (int64_t)n;
    used += (int64_t)n;
    ++raw_allocs;
    return reinterpret_cast<void*>(a);
  }
  void raw_free(void* p) {
    auto it = live.find(reinterpret_cast<uintptr_t>(p));
    if (it == live.end()) throw Error(ErrorKind::Runtime, "[FakeBlockPool] raw_free of an unknown segment");
    used -= it->second;
    live.erase(it);
    ++raw_frees;
  }
  intptr_t event_record(intptr_t stream) {
    intptr_t e = next_event++;
    events[e] = {stream, ++recorded[stream]};
    return e;
  }
  bool event_done(intptr_t e) {
    auto it = events.find(e);
    if (it == events.end()) throw Error(ErrorKind::Runtime, "[FakeBlockPool] query of a freed event");
    return completed[it->second.first] >= it->second.second;
  }
  void event_free(intptr_t e) {
    if (!events.erase(e)) throw Error(ErrorKind::Runtime, "[FakeBlockPool] double free of an event");
  }
  void synchronize() {
    ++syncs;
    for (auto& [s, n] : recorded) completed[s] = n;
  }
  void mem_info(int64_t* f, int64_t* t) {
    *f = total - used;
    *t = total;
  }
};

struct FakePool {
  cuda::BlockPool<FakeBackend> pool;
  explicit FakePool(int64_t total) : pool(FakeBackend{total}, 0) {}
};

}  // namespace

void init_cuda(py::module_& m) {
  g_oom_type = PyErr_NewExceptionWithDoc("ember.cuda.OutOfMemoryError",
                                         "Raised when the CUDA caching allocator cannot serve a request.",
                                         PyExc_RuntimeError, nullptr);
  m.attr("OutOfMemoryError") = py::handle(g_oom_type);
  // Registered after module.cpp's translator, so tried first; other errors fall through to it.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::DeviceUnsupported) {
        std::string msg = "[" + caller_name() + "] " + e.what();
        PyErr_SetString(PyExc_RuntimeError, msg.c_str());
        return;
      }
      if (e.kind() == ErrorKind::OutOfMemory) {
        PyErr_SetString(g_oom_type, e.what());
        return;
      }
      throw;
    }
  });

  py::class_<FakePool>(m, "_FakeBlockPool")
      .def(py::init<int64_t>(), py::arg("total_bytes"))
      .def("malloc", [](FakePool& f, size_t n, intptr_t stream) {
        return reinterpret_cast<uintptr_t>(f.pool.malloc(n, stream, "_FakeBlockPool"));
      })
      .def("free", [](FakePool& f, uintptr_t p) { return f.pool.free(reinterpret_cast<void*>(p)); })
      .def("record_stream", [](FakePool& f, uintptr_t p, intptr_t s) {
        return f.pool.record_stream(reinterpret_cast<void*>(p), s);
      })
      .def("complete", [](FakePool& f, intptr_t s) {
        auto& be = f.pool.backend();
        be.completed[s] = be.recorded[s];
      })
      .def("empty_cache", [](FakePool& f) { f.pool.empty_cache(); })
      .def("stats", [](FakePool& f) { return stats_dict(f.pool.stats()); })
      .def("backend_stats", [](FakePool& f) {
        auto& be = f.pool.backend();
        py::dict d;
        d["used"] = be.used; d["raw_allocs"] = be.raw_allocs; d["raw_frees"] = be.raw_frees;
        d["syncs"] = be.syncs; d["live_events"] = (int64_t)be.events.size();
        return d;
      })
      .def("blocks", [](FakePool& f) {
        py::list out;
        for (auto& b : f.pool.snapshot()) out.append(py::make_tuple(b.stream, b.size, b.allocated, b.segment_start));
        return out;
      });

#ifdef EMBER_WITH_CUDA
  m.def("_cuda_unavailable_reason", &cuda::unavailable_reason);
  m.def("_cuda_device_count", &cuda::device_count);
  m.def("_cuda_current_device", &cuda::current_device);
  m.def("_cuda_set_device", &cuda::set_device);
  m.def("_cuda_resolve_index", &cuda::resolve_index);
  m.def("_cuda_device_properties", [](int i) {
    auto p = cuda::device_properties(i);
    return py::make_tuple(p.name, p.total_memory, p.major, p.minor, p.multi_processor_count);
  });
  m.def("_cuda_synchronize", &cuda::synchronize, py::call_guard<py::gil_scoped_release>());
  m.def("_cuda_mem_get_info", [](int i) {
    int64_t f = 0, t = 0;
    cuda::mem_get_info(i, &f, &t);
    return py::make_tuple(f, t);
  });
  m.def("_cuda_manual_seed", &cuda::manual_seed);
  m.def("_cuda_initial_seed", &cuda::initial_seed);
  // streams / events
  m.def("_cuda_stream_create", &cuda::stream_create);
  m.def("_cuda_stream_destroy", &cuda::stream_destroy);
  m.def("_cuda_stream_query", &cuda::stream_query);
  m.def("_cuda_stream_synchronize", &cuda::stream_synchronize, py::call_guard<py::gil_scoped_release>());
  m.def("_cuda_stream_wait_event", &cuda::stream_wait_event);
  m.def("_cuda_stream_priority_range", []() {
    int lo = 0, hi = 0;
    cuda::stream_priority_range(&lo, &hi);
    return py::make_tuple(lo, hi);
  });
  m.def("_cuda_current_stream", &cuda::current_stream);
  m.def("_cuda_set_current_stream", &cuda::set_current_stream);
  m.def("_cuda_event_create", &cuda::event_create);
  m.def("_cuda_event_destroy", &cuda::event_destroy);
  m.def("_cuda_event_record", &cuda::event_record);
  m.def("_cuda_event_query", &cuda::event_query);
  m.def("_cuda_event_synchronize", &cuda::event_synchronize, py::call_guard<py::gil_scoped_release>());
  m.def("_cuda_event_elapsed_ms", &cuda::event_elapsed_ms);
  // allocator
  m.def("_cuda_memory_stats", [](int d) { return stats_dict(cuda::memory_stats(d)); });
  m.def("_cuda_reset_peak_memory_stats", &cuda::reset_peak_memory_stats);
  m.def("_cuda_reset_accumulated_memory_stats", &cuda::reset_accumulated_memory_stats);
  m.def("_cuda_empty_cache", &cuda::empty_cache);
  m.def("_cuda_memory_summary", &cuda::memory_summary);
  m.def("_cuda_record_stream", [](const Tensor& t, intptr_t s) {
    EMBER_CHECK(t.device().is_cuda(), "record_stream", "expected a CUDA tensor, got one on ", t.device().str());
    cuda::record_stream(t.storage()->data, t.device().index, s);
  });
#else
  m.def("_cuda_unavailable_reason", []() { return std::string("ember was built without CUDA support"); });
  m.def("_cuda_device_count", []() { return 0; });
#endif

  // Test hook for the device guard on machines without a GPU: a view of a CPU tensor's memory that
  // claims to live on cuda:0 (never freed through the CUDA allocator: the storage is borrowed).
  // Only ops without a CUDA kernel may be called on it; they must raise instead of running.
  m.def("_as_fake_cuda", [](const Tensor& t) {
    EMBER_CHECK(t.device().is_cpu(), "_as_fake_cuda", "expected a CPU tensor");
    auto keep = t.storage();
    auto st = Storage::borrow(keep->data, keep->nbytes, Device(DeviceType::CUDA, 0), std::shared_ptr<void>(keep, keep->data));
    return Tensor(st, t.offset(), t.sizes(), t.strides(), t.dtype());
  });

  // ---- transfers (both builds; a CPU-only build raises for any cuda device) ----
  m.def("to_device", [](const Tensor& t, const std::string& dev, bool non_blocking, bool copy) {
    Device d = parse_device(dev);
#ifdef EMBER_WITH_CUDA
    if (d.is_cuda()) d.index = cuda::resolve_index(d.index);
#else
    EMBER_CHECK(d.is_cpu(), "to", "device '", dev, "' is not available: this ember build has no CUDA support");
#endif
    if (t.device() == d && !copy) return t;
    Tensor out = Tensor::empty(t.sizes(), t.dtype(), d);
    copy_(out, t, non_blocking);
    return out;
  }, py::arg("t"), py::arg("device"), py::arg("non_blocking") = false, py::arg("copy") = false);
  m.def("copy_nb", [](const Tensor& dst, const Tensor& src, bool non_blocking) { copy_(dst, src, non_blocking); });
  m.def("pin_memory", [](const Tensor& t) {
    EMBER_CHECK(t.device().is_cpu(), "pin_memory", "cannot pin '", t.device().str(), "' memory: only dense CPU tensors "
                "can be pinned");
    auto st = Storage::allocate_pinned((size_t)t.numel() * t.itemsize());
    Tensor out(st, 0, t.sizes(), contiguous_strides(t.sizes()), t.dtype());
    if (t.numel()) copy_(out, t);
    return out;
  });
  m.def("is_pinned", [](const Tensor& t) {
    if (!t.device().is_cpu()) return false;
    if (t.storage()->pinned) return true;
#ifdef EMBER_WITH_CUDA
    return cuda::is_pinned_ptr(t.storage()->data);
#else
    return false;
#endif
  });
}

}  // namespace ember::bind
