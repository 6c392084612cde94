"""Helpers for the CUDA test files (tests/test_cuda_*.py): run an op on the GPU and on the CPU
and compare. The CPU result is the reference (the family tests already check it against numpy and
PyTorch), so a CUDA test only has to say what to run.

    from cudautil import check, host, sample, on_both
    x = sample((4, 5), ember.float32)
    check(op(x.cuda()), op(x))
"""
import numpy as np

import ember
from conftest import TOL


def host(t):
    """A numpy copy of a tensor on any device (bfloat16 widened to float32)."""
    t = t.detach().cpu()
    return t.float().numpy() if t.dtype is ember.bfloat16 else t.numpy()


def sample(shape, dtype, seed=0, positive=False, low=-3.0, high=3.0):
    """A CPU tensor of `dtype` with reproducible values (integers rounded, uint8 made non-negative)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.1 if positive else low, high, size=shape)
    if dtype is ember.bool:
        return ember.tensor(a > 0)
    if not dtype.is_floating_point:
        a = np.round(a * 10)
        if dtype is ember.uint8:
            a = np.abs(a)
    return ember.tensor(a).to(dtype)


def check(cuda_result, cpu_result, rtol=None, atol=None, ulps=10):
    """Asserts a CUDA result matches the CPU one: same device kind, dtype, shape and values.
    Float32/64 tolerances are `ulps` times the suite's (libm vs CUDA math, other summation orders);
    integer and bool results must be equal. Tuples/lists are compared element by element."""
    if isinstance(cpu_result, (tuple, list)):
        assert len(cuda_result) == len(cpu_result)
        for g, c in zip(cuda_result, cpu_result):
            check(g, c, rtol, atol, ulps)
        return
    assert cuda_result.is_cuda, "result should stay on the GPU"
    assert not cpu_result.is_cuda
    assert cuda_result.dtype is cpu_result.dtype, (cuda_result.dtype, cpu_result.dtype)
    assert tuple(cuda_result.shape) == tuple(cpu_result.shape), (tuple(cuda_result.shape), tuple(cpu_result.shape))
    r, a = TOL.get(cpu_result.dtype, (0, 0))
    if cpu_result.dtype in (ember.float32, ember.float64):
        r, a = r * ulps, a * ulps
    r = r if rtol is None else rtol
    a = a if atol is None else atol
    np.testing.assert_allclose(host(cuda_result).astype(np.float64), host(cpu_result).astype(np.float64),
                               rtol=r, atol=a, equal_nan=True)


def on_both(fn, *tensors, **kw):
    """(fn(*cuda copies), fn(*tensors)): the same call on the GPU and on the CPU. Tensors in
    `tensors` are CPU tensors; leaves that require grad keep requiring grad on the GPU side."""
    def move(t):
        if not isinstance(t, ember.Tensor):
            return t
        g = t.detach().cuda()
        return g.requires_grad_(t.requires_grad) if t.is_floating_point() else g
    return fn(*[move(t) for t in tensors], **kw), fn(*tensors, **kw)
