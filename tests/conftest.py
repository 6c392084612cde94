"""Shared test helpers: the per-dtype tolerance table and oracle comparisons.

Tests compare ember against numpy always, and against PyTorch when it is installed
(``torch`` fixture / ``needs_torch`` marker skip otherwise).
"""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # PyTorch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# Devices: every test that takes the ``device`` fixture runs on "cpu" and on "cuda"; the cuda case
# is skipped (never failed) when no GPU is usable, with the reason in the skip message.
HAS_CUDA = ember.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason=f"CUDA is not available: {ember.cuda._unavailable_reason()}")
DEVICES = ["cpu", pytest.param("cuda", marks=needs_cuda)]


@pytest.fixture(params=DEVICES)
def device(request):
    """"cpu", then "cuda" (skipped without a GPU)."""
    return request.param


@pytest.fixture(autouse=True)
def _restore_kernel_mode():
    """Tests that switch between fast and reference kernels must not leak their choice: a suite run
    with EMBER_KERNELS=reference has to stay on the reference kernels everywhere else."""
    mode = ember.get_kernels()
    yield
    ember.set_kernels(mode)

# One tolerance table for the whole suite: (rtol, atol) per dtype.
TOL = {
    ember.float64: (1e-10, 1e-12),
    ember.float32: (1e-5, 1e-6),
    ember.float16: (1e-3, 1e-3),
    ember.bfloat16: (1e-2, 1e-2),
}

FLOAT_DTYPES = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
INT_DTYPES = [ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64]
ALL_DTYPES = [ember.bool] + INT_DTYPES + FLOAT_DTYPES

NP = {ember.bool: np.bool_, ember.uint8: np.uint8, ember.int8: np.int8, ember.int16: np.int16,
      ember.int32: np.int32, ember.int64: np.int64, ember.float16: np.float16, ember.float32: np.float32,
      ember.float64: np.float64}


def tol(dtype):
    return TOL.get(dtype, (0, 0))


def to_np(t):
    """ember tensor -> numpy (bfloat16 goes through float32)."""
    if isinstance(t, ember.Tensor):
        if t.dtype is ember.bfloat16:
            return t.float().numpy()
        return t.numpy().copy()
    return np.asarray(t)


def to_torch(t):
    """ember tensor -> torch tensor with the same dtype."""
    if t.dtype is ember.bfloat16:
        return torch.from_numpy(t.float().numpy().copy()).to(torch.bfloat16)
    return torch.from_numpy(t.numpy().copy())


def torch_dtype(d):
    return getattr(torch, d._name)


def assert_close(actual, expected, dtype=None, rtol=None, atol=None, check_dtype=True):
    """Compare an ember tensor with a numpy array / torch tensor / ember tensor."""
    if torch is not None and isinstance(expected, torch.Tensor):
        if check_dtype:
            assert str(expected.dtype).replace("torch.", "") == actual.dtype._name, (actual.dtype, expected.dtype)
        expected = expected.detach().float().numpy() if expected.dtype == torch.bfloat16 else expected.detach().numpy()
    elif isinstance(expected, ember.Tensor):
        if check_dtype:
            assert actual.dtype is expected.dtype, (actual.dtype, expected.dtype)
        expected = to_np(expected)
    a = to_np(actual)
    e = np.asarray(expected)
    assert tuple(a.shape) == tuple(e.shape), f"shape {a.shape} != {e.shape}"
    d = dtype or (actual.dtype if isinstance(actual, ember.Tensor) else None)
    r, t = tol(d) if d is not None else (1e-6, 1e-6)
    rtol = r if rtol is None else rtol
    atol = t if atol is None else atol
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)


def make(shape, dtype=ember.float32, low=-3, high=3, seed=0, noncontig=None):
    """A deterministic test tensor (via numpy), optionally as a non-contiguous view.

    noncontig: None, "T" (transposed view of the transposed data), "step" (every other element
    of a larger buffer along the last dim) or "expand" (a stride-0 broadcast of dim 0).
    """
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    if dtype is ember.bool:
        base = rng.random(shape) > 0.5
    elif dtype.is_floating_point:
        base = rng.uniform(low, high, size=shape)
    else:
        lo = 0 if dtype is ember.uint8 else low
        base = rng.integers(lo, high + 1, size=shape)
    if noncontig is None or len(shape) == 0:
        return ember.tensor(base, dtype=dtype)
    if noncontig == "T":
        return ember.tensor(np.ascontiguousarray(np.swapaxes(base, 0, -1)), dtype=dtype).transpose(0, -1)
    if noncontig == "step":
        big = np.repeat(base, 2, axis=-1)
        return ember.tensor(big, dtype=dtype)[..., ::2]
    if noncontig == "expand":
        row = ember.tensor(base[:1], dtype=dtype)
        return row.expand(*shape)
    raise ValueError(noncontig)


@pytest.fixture(scope="module")
def torch_one_thread():
    """Run the PyTorch oracle on one thread for a module (tiny tensors: extra torch threads only
    contend for the CI's 2 cores); restores the thread count afterwards."""
    if torch is None:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
