"""``ember.cuda``: the CUDA device runtime (PyTorch's ``torch.cuda`` API).

Devices, streams, events, the caching allocator's statistics and seeding. In a build without
CUDA, or on a machine without a GPU, ``is_available()`` is False, ``device_count()`` is 0,
``_unavailable_reason()`` says why, and every call that needs a GPU raises RuntimeError.
"""
import contextlib

from . import _C
from ._device import device as _device_cls

__all__ = ["is_available", "device_count", "current_device", "set_device", "device", "device_of",
           "get_device_name", "get_device_capability", "get_device_properties", "synchronize", "Stream", "Event",
           "current_stream", "default_stream", "set_stream", "stream", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats", "reset_max_memory_allocated",
           "reset_accumulated_memory_stats", "empty_cache", "memory_stats", "memory_summary", "mem_get_info",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state", "set_rng_state",
           "get_rng_state_all", "set_rng_state_all", "OutOfMemoryError", "is_initialized", "init"]

OutOfMemoryError = _C.OutOfMemoryError
OutOfMemoryError.__module__ = "ember.cuda"


def is_available():
    """True when ember was built with CUDA and at least one GPU is visible."""
    return device_count() > 0


def device_count():
    """Number of visible CUDA devices (0 without a CUDA build, driver or GPU)."""
    return _C._cuda_device_count()


def _unavailable_reason():
    """Why CUDA is unavailable ('' when it is available)."""
    if not _C.has_cuda:
        return "ember was built without CUDA support (rebuild with -DEMBER_CUDA=ON and a CUDA toolkit)"
    return _C._cuda_unavailable_reason()


def is_initialized():
    return is_available()


def init():
    _require("init")


def _require(op):
    if not is_available():
        raise RuntimeError(f"[{op}] CUDA is not available: {_unavailable_reason()}")


def _index(dev, op, optional=True):
    """Device index from None / int / 'cuda:N' / device; None means the current device."""
    if dev is None:
        if not optional:
            raise RuntimeError(f"[{op}] a device is required")
        _require(op)
        return _C._cuda_current_device()
    if isinstance(dev, bool):
        raise TypeError(f"[{op}] invalid device {dev!r}")
    if isinstance(dev, int):
        idx = dev
    else:
        d = dev if isinstance(dev, _device_cls) else _device_cls(dev)
        if d.type != "cuda":
            raise ValueError(f"[{op}] Expected a cuda device, but got: {d}")
        idx = d.index
    _require(op)
    if idx is None or idx < 0:
        return _C._cuda_current_device()
    if idx >= device_count():
        raise RuntimeError(f"[{op}] invalid device ordinal {idx} ({device_count()} CUDA device(s) visible)")
    return idx


def _lazy_check(dev):
    """Raise unless `dev` (a cuda ember.device) can hold tensors (used by factories and .to())."""
    if not _C.has_cuda:
        raise RuntimeError(f"[to] device '{dev}' is not available: this ember build has no CUDA support")
    if not is_available():
        raise RuntimeError(f"[to] device '{dev}' is not available: {_unavailable_reason()}")
    if dev.index is not None and dev.index >= device_count():
        raise RuntimeError(f"[to] invalid device ordinal {dev.index} ({device_count()} CUDA device(s) visible)")


# ---- devices ---------------------------------------------------------------------------------------
def current_device():
    """Index of the current CUDA device."""
    _require("current_device")
    return _C._cuda_current_device()


def set_device(device):
    """Make ``device`` (int, 'cuda:N' or ember.device) the current CUDA device."""
    idx = _index(device, "set_device")
    _C._cuda_set_device(idx)


class device:
    """Context manager that makes a CUDA device current for its body (``with ember.cuda.device(1):``)."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device, "device")
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = _C._cuda_current_device()
            if self.prev_idx != self.idx:
                _C._cuda_set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev_idx != self.idx:
            _C._cuda_set_device(self.prev_idx)
        return False


class device_of(device):
    """The ``device`` context manager for the device of a tensor (a no-op for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.device.index if obj.is_cuda else None)


class _CudaDeviceProperties:
    __slots__ = ("name", "total_memory", "major", "minor", "multi_processor_count")

    def __init__(self, name, total_memory, major, minor, mp):
        self.name, self.total_memory, self.major, self.minor, self.multi_processor_count = name, total_memory, major, \
            minor, mp

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    """Name, total_memory (bytes), major, minor and multi_processor_count of a CUDA device."""
    idx = _index(device, "get_device_properties")
    return _CudaDeviceProperties(*_C._cuda_device_properties(idx))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    p = get_device_properties(device)
    return (p.major, p.minor)


def synchronize(device=None):
    """Wait for all work on a CUDA device to finish."""
    idx = _index(device, "synchronize")
    _C._cuda_synchronize(idx)


def mem_get_info(device=None):
    """(free, total) device memory in bytes as the driver reports it."""
    idx = _index(device, "mem_get_info")
    return tuple(_C._cuda_mem_get_info(idx))


# ---- streams and events ----------------------------------------------------------------------------
class Stream:
    """A CUDA stream (work queue). ``priority``: lower numbers run first (see torch.cuda.Stream)."""

    def __init__(self, device=None, priority=0, **kwargs):
        idx = _index(device, "Stream")
        if "_handle" in kwargs:  # wraps an existing handle (default / current streams): not owned
            self.cuda_stream, self._owned = kwargs["_handle"], False
        else:
            lo, hi = _C._cuda_stream_priority_range()  # (least, greatest) = (0, -N)
            prio = max(min(int(priority), lo), hi)
            self.cuda_stream, self._owned = _C._cuda_stream_create(idx, prio), True
        self.device = _device_cls("cuda", idx)
        self.priority = priority

    def query(self):
        """True when all work queued on the stream has completed."""
        return _C._cuda_stream_query(self.cuda_stream)

    def synchronize(self):
        _C._cuda_stream_synchronize(self.cuda_stream)

    def wait_event(self, event):
        """Make future work on this stream wait for ``event``."""
        _C._cuda_stream_wait_event(self.cuda_stream, event._handle)

    def wait_stream(self, stream):
        """Make future work on this stream wait for the work queued so far on ``stream``."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream and self.device == other.device

    def __hash__(self):
        return hash((self.cuda_stream, self.device))

    def __repr__(self):
        return f"<ember.cuda.Stream device={self.device} cuda_stream={self.cuda_stream:#x}>"

    def __del__(self):
        if getattr(self, "_owned", False):
            try:
                _C._cuda_stream_destroy(self.cuda_stream)
            except Exception:
                pass


class Event:
    """A CUDA event: a marker in a stream for synchronization and timing."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        if interprocess:
            raise NotImplementedError("[Event] interprocess events are not supported")
        _require("Event")
        self.enable_timing = enable_timing
        self._handle = _C._cuda_event_create(bool(enable_timing), bool(blocking))
        self._recorded = False

    def record(self, stream=None):
        stream = current_stream() if stream is None else stream
        _C._cuda_event_record(self._handle, stream.cuda_stream)
        self._recorded = True

    def wait(self, stream=None):
        stream = current_stream() if stream is None else stream
        stream.wait_event(self)

    def query(self):
        return _C._cuda_event_query(self._handle)

    def synchronize(self):
        _C._cuda_event_synchronize(self._handle)

    def elapsed_time(self, end_event):
        """Milliseconds between this event and ``end_event`` (both recorded, created with enable_timing)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("[elapsed_time] Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("[elapsed_time] Both events must be recorded before calculating elapsed time.")
        return _C._cuda_event_elapsed_ms(self._handle, end_event._handle)

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h:
            try:
                _C._cuda_event_destroy(h)
            except Exception:
                pass

    def __repr__(self):
        return f"<ember.cuda.Event {self._handle:#x}>"


def current_stream(device=None):
    """The stream ember queues work on for ``device`` (per thread; the default stream unless set)."""
    idx = _index(device, "current_stream")
    return Stream(idx, _handle=_C._cuda_current_stream(idx))


def default_stream(device=None):
    """The default (legacy NULL) stream of ``device``."""
    idx = _index(device, "default_stream")
    return Stream(idx, _handle=0)


def set_stream(stream):
    """Make ``stream`` the current stream of its device."""
    if stream is None:
        return
    _C._cuda_set_current_stream(stream.device.index, stream.cuda_stream)


@contextlib.contextmanager
def stream(stream):
    """Context manager: queue ember's work on ``stream`` (and make its device current) in the body."""
    if stream is None:
        yield
        return
    idx = stream.device.index
    prev = _C._cuda_current_stream(idx)
    with device(idx):
        _C._cuda_set_current_stream(idx, stream.cuda_stream)
        try:
            yield
        finally:
            _C._cuda_set_current_stream(idx, prev)


# ---- memory ------------------------------------------------------------------------------------------
def memory_stats(device=None):
    """The caching allocator's counters (PyTorch's key names for the common ones)."""
    idx = _index(device, "memory_stats")
    return dict(_C._cuda_memory_stats(idx))


def memory_allocated(device=None):
    """Bytes held by live tensors on ``device`` (rounded to the allocator's block sizes)."""
    return memory_stats(device)["allocated_bytes.all.current"]


def max_memory_allocated(device=None):
    return memory_stats(device)["allocated_bytes.all.peak"]


def memory_reserved(device=None):
    """Bytes the caching allocator holds from the driver (allocated + cached)."""
    return memory_stats(device)["reserved_bytes.all.current"]


def max_memory_reserved(device=None):
    return memory_stats(device)["reserved_bytes.all.peak"]


def reset_peak_memory_stats(device=None):
    idx = _index(device, "reset_peak_memory_stats")
    _C._cuda_reset_peak_memory_stats(idx)


reset_max_memory_allocated = reset_peak_memory_stats


def reset_accumulated_memory_stats(device=None):
    idx = _index(device, "reset_accumulated_memory_stats")
    _C._cuda_reset_accumulated_memory_stats(idx)


def empty_cache():
    """Return every cached, unused block to the driver (a no-op without CUDA)."""
    if is_available():
        _C._cuda_empty_cache()


def memory_summary(device=None, abbreviated=False):
    """A human-readable table of the allocator's state."""
    idx = _index(device, "memory_summary")
    return _C._cuda_memory_summary(idx)


# ---- seeding: one Philox generator (seed, offset) per device, _C.cuda_generator(i) ----------------
def manual_seed(seed):
    """Seed the random number generator of the current CUDA device."""
    seed = int(seed) & ((1 << 64) - 1)
    if is_available():
        _C.cuda_generator(current_device()).manual_seed(seed)


def manual_seed_all(seed):
    """Seed the random number generators of all CUDA devices."""
    _C.cuda_manual_seed_all(int(seed) & ((1 << 64) - 1))


def seed():
    import random as _r
    manual_seed(_r.getrandbits(63))


def seed_all():
    import random as _r
    manual_seed_all(_r.getrandbits(63))


def initial_seed():
    _require("initial_seed")
    return _C.cuda_generator(current_device()).initial_seed()


def get_rng_state(device="cuda"):
    """The generator state of ``device`` as a 16-element uint8 CPU tensor (seed, offset)."""
    from ._ops.creation import tensor
    from . import _dtype
    import numpy as np
    g = _C.cuda_generator(_index(None if device == "cuda" else device, "get_rng_state"))
    return tensor(np.array(g.get_state(), dtype=np.uint8), dtype=_dtype.uint8)


def set_rng_state(new_state, device="cuda"):
    """Restore a state returned by ``get_rng_state``."""
    from ._tensor import Tensor
    from . import _dtype
    if not isinstance(new_state, Tensor) or new_state.dtype is not _dtype.uint8:
        raise TypeError(f"[set_rng_state] expected an ember.ByteTensor (uint8), got {type(new_state).__name__}")
    g = _C.cuda_generator(_index(None if device == "cuda" else device, "set_rng_state"))
    g.set_state([int(x) for x in new_state.cpu().__array__().reshape(-1)])


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for i, st in enumerate(new_states):
        set_rng_state(st, i)


# ---- autograd: device transfers are differentiable (PyTorch's ToCopyBackward0) ---------------------
def _wire_autograd():
    from ._tensor import Tensor
    from .autograd._dispatch import differentiable, register
    from .autograd.function import Function

    Tensor._to_device = differentiable("Tensor._to_device")(Tensor._to_device)

    class ToCopy(Function):
        @staticmethod
        def forward(ctx, x, dev, non_blocking, copy):
            ctx.src_device = x._t.device
            return x._to_device(dev, non_blocking, copy)

        @staticmethod
        def backward(ctx, g):
            return g._to_device(ctx.src_device), None, None, None

    @register("Tensor._to_device")
    def _to_device(self, dev, non_blocking=False, copy=False):
        return ToCopy.apply(self, dev, non_blocking, copy)


_wire_autograd()
