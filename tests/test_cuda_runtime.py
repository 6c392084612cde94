"""ember.cuda: the device runtime, the caching allocator, streams/events and transfers.

The first group runs everywhere and checks the CPU-only behaviour (no GPU or no CUDA build): clear
RuntimeErrors, never a crash. The rest needs a GPU and is skipped (with the reason) without one.
"""
import gc
import os
import shutil
import subprocess

import numpy as np
import pytest

import ember
from conftest import HAS_CUDA, needs_cuda, torch

no_cuda = pytest.mark.skipif(HAS_CUDA, reason="checks the behaviour without a usable GPU")
MiB = 1024 * 1024


# ---- without a GPU ----------------------------------------------------------------------------------
@no_cuda
def test_unavailable_runtime_reports_why():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    reason = ember.cuda._unavailable_reason()
    assert isinstance(reason, str) and reason
    if not ember._C.has_cuda:
        assert "without CUDA" in reason


@no_cuda
@pytest.mark.parametrize("call", [
    lambda: ember.cuda.current_device(), lambda: ember.cuda.set_device(0), lambda: ember.cuda.synchronize(),
    lambda: ember.cuda.get_device_name(), lambda: ember.cuda.get_device_properties(0),
    lambda: ember.cuda.memory_allocated(), lambda: ember.cuda.memory_reserved(), lambda: ember.cuda.memory_stats(),
    lambda: ember.cuda.max_memory_allocated(), lambda: ember.cuda.reset_peak_memory_stats(),
    lambda: ember.cuda.memory_summary(), lambda: ember.cuda.Stream(), lambda: ember.cuda.Event(),
    lambda: ember.cuda.current_stream(), lambda: ember.cuda.default_stream(), lambda: ember.cuda.device(0),
    lambda: ember.cuda.initial_seed(), lambda: ember.cuda.mem_get_info(),
])
def test_unavailable_calls_raise_runtime_error(call):
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        call()


@no_cuda
def test_unavailable_noops():
    ember.cuda.empty_cache()
    ember.cuda.manual_seed(1)
    ember.cuda.manual_seed_all(1)


@no_cuda
@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2, device="cuda"), lambda: ember.ones(2, 3, device="cuda:0"),
    lambda: ember.empty(2, device=ember.device("cuda")), lambda: ember.full((2,), 1.5, device="cuda"),
    lambda: ember.tensor([1, 2], device="cuda"), lambda: ember.arange(3, device="cuda"),
    lambda: ember.zeros_like(ember.ones(2), device="cuda"), lambda: ember.ones(2).to("cuda"),
    lambda: ember.ones(2).cuda(), lambda: ember.ones(2).to(device="cuda:1"), lambda: ember.ones(2).cuda(0),
])
def test_cuda_tensors_unavailable(make):
    with pytest.raises(RuntimeError, match="cuda.*not available|not available.*cuda|CUDA"):
        make()


@no_cuda
def test_pinning_unavailable():
    x = ember.ones(3)
    assert x.is_pinned() is False
    with pytest.raises(RuntimeError, match="pin_memory"):
        x.pin_memory()


def test_out_of_memory_error_type():
    assert issubclass(ember.cuda.OutOfMemoryError, RuntimeError)
    assert ember.cuda.OutOfMemoryError.__module__ == "ember.cuda"


@pytest.mark.parametrize("spec,typ,idx", [
    ("cpu", "cpu", None), ("cuda", "cuda", None), ("cuda:0", "cuda", 0), ("cuda:3", "cuda", 3), (2, "cuda", 2),
])
def test_device_parsing(spec, typ, idx):
    d = ember.device(spec)
    assert d.type == typ and d.index == idx
    assert ember.device(d) == d
    if torch is not None and not isinstance(spec, int):  # torch.device(int) needs an accelerator
        td = torch.device(spec)
        assert (td.type, td.index) == (d.type, d.index)
        assert str(td) == str(d) and repr(td) == repr(d)


def test_device_parsing_errors():
    with pytest.raises(RuntimeError, match="device"):
        ember.device("gpu")
    with pytest.raises(RuntimeError, match="device"):
        ember.device("cuda:x")
    with pytest.raises(RuntimeError, match="device"):
        ember.device("cuda:-1")
    assert ember.device("cuda", 1) == ember.device("cuda:1")


def test_cpu_tensor_device_and_cpu_noop():
    x = ember.arange(4.0)
    assert x.device == ember.device("cpu") and not x.is_cuda and x.is_cpu
    assert x.cpu() is x and x.to("cpu") is x
    y = x.to("cpu", copy=True)
    assert y is not x and y.tolist() == x.tolist()


@pytest.mark.skipif(ember._C.has_cuda, reason="checks the CPU-only build")
def test_cpu_only_build_has_no_cuda_symbols():
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm is not installed")
    so = ember._C.__file__
    out = subprocess.run([nm, "-D", "--defined-only", so], capture_output=True, text=True).stdout
    out += subprocess.run([nm, "-D", "--undefined-only", so], capture_output=True, text=True).stdout
    bad = [ln for ln in out.splitlines() if "cudaMalloc" in ln or "cudaLaunch" in ln or "cudart" in ln.lower()]
    assert not bad, bad[:5]


# ---- with a GPU -------------------------------------------------------------------------------------
@needs_cuda
def test_device_queries():
    n = ember.cuda.device_count()
    assert n >= 1 and ember.cuda.is_available()
    assert 0 <= ember.cuda.current_device() < n
    p = ember.cuda.get_device_properties(0)
    assert p.total_memory > 0 and p.major >= 7 and p.multi_processor_count > 0 and p.name
    assert ember.cuda.get_device_name(0) == p.name
    assert ember.cuda.get_device_capability(0) == (p.major, p.minor)
    free, total = ember.cuda.mem_get_info()
    assert 0 < free <= total
    ember.cuda.synchronize()
    if torch is not None and torch.cuda.is_available():
        assert torch.cuda.get_device_name(0) == p.name


@needs_cuda
def test_set_device_and_context_manager():
    cur = ember.cuda.current_device()
    with ember.cuda.device(cur):
        assert ember.cuda.current_device() == cur
    ember.cuda.set_device(cur)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        ember.cuda.set_device(ember.cuda.device_count())


@needs_cuda
def test_memory_stats_track_tensors():
    ember.cuda.synchronize()
    ember.cuda.empty_cache()
    base = ember.cuda.memory_allocated()
    x = ember.empty(1000, 1000, device="cuda")  # 4 MB
    assert ember.cuda.memory_allocated() - base >= 4_000_000
    assert ember.cuda.memory_reserved() >= ember.cuda.memory_allocated()
    peak = ember.cuda.max_memory_allocated()
    assert peak >= ember.cuda.memory_allocated()
    del x
    gc.collect()
    assert ember.cuda.memory_allocated() == base
    assert ember.cuda.max_memory_allocated() == peak
    ember.cuda.reset_peak_memory_stats()
    assert ember.cuda.max_memory_allocated() == ember.cuda.memory_allocated()
    reserved = ember.cuda.memory_reserved()
    ember.cuda.empty_cache()
    assert ember.cuda.memory_reserved() <= reserved
    s = ember.cuda.memory_stats()
    assert s["allocation.all.allocated"] >= 1
    assert "allocated memory" in ember.cuda.memory_summary()


@needs_cuda
def test_allocator_reuses_freed_block():
    ember.cuda.synchronize()
    x = ember.empty(256, 1024, device="cuda")
    reserved = ember.cuda.memory_reserved()
    hits = ember.cuda.memory_stats()["num_cache_hits"]
    del x
    y = ember.empty(256, 1024, device="cuda")   # served from the cache: no new segment
    assert ember.cuda.memory_reserved() == reserved
    assert ember.cuda.memory_stats()["num_cache_hits"] == hits + 1
    assert y.numel() == 256 * 1024


@needs_cuda
def test_out_of_memory_then_recovers():
    total = ember.cuda.get_device_properties(0).total_memory
    before = ember.cuda.memory_allocated()
    with pytest.raises(ember.cuda.OutOfMemoryError, match="CUDA out of memory. Tried to allocate") as ei:
        ember.empty(total // 4 * 5, dtype=ember.uint8, device="cuda")
    assert "free" in str(ei.value) and isinstance(ei.value, RuntimeError)
    assert ember.cuda.memory_allocated() == before
    x = ember.ones(1000, device="cuda")  # the process stays usable
    assert np.all(x.cpu().numpy() == 1)


@needs_cuda
def test_streams_and_events():
    s = ember.cuda.Stream()
    hi = ember.cuda.Stream(priority=-1)
    assert s != ember.cuda.default_stream() and hi.priority == -1
    assert ember.cuda.current_stream() == ember.cuda.default_stream()
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    with ember.cuda.stream(s):
        assert ember.cuda.current_stream() == s
        start.record()
        x = ember.ones(1 << 20, device="cuda")
        y = x + x
        end.record()
    assert ember.cuda.current_stream() == ember.cuda.default_stream()
    end.synchronize()
    assert end.query() and s.query()
    assert start.elapsed_time(end) >= 0.0
    ember.cuda.default_stream().wait_stream(s)
    ember.cuda.default_stream().wait_event(end)
    s.synchronize()
    assert np.all(y.cpu().numpy() == 2)
    with pytest.raises(RuntimeError, match="enable_timing"):
        ember.cuda.Event().elapsed_time(ember.cuda.Event())


@needs_cuda
def test_record_stream_keeps_block_until_stream_done():
    s = ember.cuda.Stream()
    x = ember.ones(1 << 20, device="cuda")
    x.record_stream(s)
    p = x.data_ptr()
    del x
    gc.collect()
    s.synchronize()
    ember.cuda.synchronize()
    y = ember.empty(1 << 20, device="cuda")  # reusable once s has passed the free
    assert y.numel() == 1 << 20 and isinstance(p, int)


@needs_cuda
def test_manual_seed():
    ember.cuda.manual_seed(123)
    assert ember.cuda.initial_seed() == 123
    ember.cuda.manual_seed_all(7)
    assert ember.cuda.initial_seed() == 7


# ---- transfers ----
@needs_cuda
@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
                                   ember.float16, ember.bfloat16, ember.float32, ember.float64])
def test_round_trip(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 5).astype(np.float32)
    x = ember.tensor(a).to(dtype)
    g = x.cuda()
    assert g.is_cuda and g.device == ember.device("cuda:0") and g.dtype is dtype and g.shape == x.shape
    back = g.cpu()
    assert back.device.type == "cpu"
    assert np.array_equal(back.float().numpy(), x.float().numpy())
    assert g.to("cuda") is g


@needs_cuda
def test_round_trip_non_contiguous_and_broadcast_copy():
    x = ember.arange(24.0).reshape(4, 6)
    g = x.t().cuda()
    assert np.array_equal(g.cpu().numpy(), x.numpy().T)
    gt = ember.arange(24.0).reshape(4, 6).cuda().t()  # strided device view -> host
    assert np.array_equal(gt.cpu().numpy(), x.numpy().T)
    dst = ember.zeros(3, 4, device="cuda")
    dst.copy_(ember.arange(4.0))                  # host -> device, broadcast
    assert np.array_equal(dst.cpu().numpy(), np.tile(np.arange(4.0), (3, 1)))
    host = ember.zeros(4, 3)
    host.t().copy_(dst.to(ember.float64))         # device -> strided host view, with a dtype change
    assert np.array_equal(host.numpy(), np.tile(np.arange(4.0), (3, 1)).T)


@needs_cuda
def test_device_to_device_and_dtype_conversion():
    g = ember.arange(10, device="cuda")
    h = g.to("cuda", copy=True)
    assert h.data_ptr() != g.data_ptr() and np.array_equal(h.cpu().numpy(), np.arange(10))
    f = g.to(ember.float16)
    assert f.is_cuda and f.dtype is ember.float16
    assert np.array_equal(f.cpu().float().numpy(), np.arange(10, dtype=np.float32))


@needs_cuda
def test_pinned_non_blocking_transfers():
    x = ember.arange(1 << 16, dtype=ember.float32)
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned() and p.pin_memory() is p
    g = p.to("cuda", non_blocking=True)
    out = ember.empty(1 << 16).pin_memory()
    out.copy_(g, non_blocking=True)
    ember.cuda.synchronize()
    assert np.array_equal(out.numpy(), x.numpy())
    back = g.cpu()
    assert np.array_equal(back.numpy(), x.numpy())


@needs_cuda
def test_numpy_item_and_printing():
    g = ember.tensor([1.5, 2.5], device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.numpy()
    assert ember.tensor(3.0, device="cuda").item() == 3.0
    assert g.tolist() == [1.5, 2.5]
    r = repr(g)
    assert "1.5000" in r and "device='cuda:0'" in r


@needs_cuda
def test_factories_on_cuda():
    for t in (ember.zeros(2, 3, device="cuda"), ember.ones(2, device="cuda:0"), ember.full((2,), 7, device="cuda"),
              ember.empty(3, device=ember.device("cuda")), ember.zeros_like(ember.ones(2), device="cuda"),
              ember.arange(5, device="cuda"), ember.eye(3, device="cuda"), ember.tensor([[1, 2]], device="cuda")):
        assert t.is_cuda and t.device == ember.device("cuda:0")
    assert ember.full((2,), 7, device="cuda").cpu().tolist() == [7, 7]
    assert ember.ones_like(ember.zeros(2, device="cuda")).is_cuda


@needs_cuda
def test_transfer_is_differentiable():
    x = ember.ones(3, requires_grad=True)
    y = x.cuda()
    assert y.requires_grad and y.grad_fn is not None and "ToCopy" in type(y.grad_fn).__name__
    (y * 2).cpu().sum().backward()   # mul on cuda, sum on the host
    assert x.grad is not None and x.grad.device.type == "cpu"
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@needs_cuda
@pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="needs PyTorch with CUDA")
def test_dlpack_with_torch_cuda():
    g = ember.arange(6.0, device="cuda")
    t = torch.from_dlpack(g)
    assert t.is_cuda and t.tolist() == [0, 1, 2, 3, 4, 5]
    t.mul_(2)
    torch.cuda.synchronize()
    assert g.cpu().tolist() == [0, 2, 4, 6, 8, 10]     # shared memory
    back = ember.from_dlpack(torch.arange(4, device="cuda", dtype=torch.float32))
    assert back.is_cuda and back.cpu().tolist() == [0, 1, 2, 3]


@needs_cuda
def test_env_visible_devices_respected():
    # Nothing to set here; just make sure the count agrees with the driver's view in a subprocess.
    code = "import ember; print(ember.cuda.device_count())"
    env = dict(os.environ)
    out = subprocess.run(["python", "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and int(out.stdout.strip()) == ember.cuda.device_count()


# ---- the device guard, without a GPU ----------------------------------------------------------------
# _C._as_fake_cuda views a CPU tensor's memory as if it lived on cuda:0. Ops without a CUDA kernel
# must refuse it with the device guard's error (the memory is host memory, so a guard that failed
# to fire would show up as a wrong result, not a crash). Only run without a GPU: with one, ops that
# do have CUDA kernels would launch them on host memory. (Reductions and scans have CUDA paths now:
# tests/test_cuda_reduce.py::test_fake_cuda_reaches_the_device_path checks their routing.)
def _wrap_fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@no_cuda
@pytest.mark.parametrize("name,call", [
    # the ops that were CPU-only until their device-generic compositions (unique.cpp, norm.cpp)
    ("unique", lambda g: ember.unique(g, dim=0)),
    ("unique_consecutive", lambda g: ember.unique_consecutive(g, dim=1)),
    ("linalg.svdvals", lambda g: ember.linalg.svdvals(g)),
    ("linalg.matrix_norm", lambda g: ember.linalg.matrix_norm(g, "nuc")),
])
def test_fake_cuda_reaches_the_composed_paths(name, call):
    """A CUDA build takes the CUDA path, which fails at its first runtime call without a driver; a
    CPU-only build refuses the device (the sort family's check, or allocating on cuda:0)."""
    g = _wrap_fake(ember.ones(3, 3))
    assert g.is_cuda and g.device == ember.device("cuda:0")
    if ember._C.has_cuda:
        pattern = r"CUDA error|CUDA is not available"
    else:
        pattern = r"not implemented for 'cuda'|this ember build has no CUDA support"
    with pytest.raises(RuntimeError, match=pattern):
        call(g)


@no_cuda
def test_device_guard_reports_mixed_devices():
    c = ember.ones(3)
    g = _wrap_fake(ember.ones(3))
    msg = r"Expected all tensors to be on the same device, but found at least two devices, (cuda:0 and cpu|cpu and cuda:0)!"
    with pytest.raises(RuntimeError, match=msg):
        ember.where(c > 0, g, c)
    with pytest.raises(RuntimeError, match=msg):
        ember.add(c, g)
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.numpy()
