"""linalg.svdvals and the SVD-based matrix norms ('nuc', 2, -2): the CPU kernel (cyclic one-sided
Jacobi), the composition of device-generic ops that CUDA tensors take (parallel round-robin Jacobi,
``_C._svdvals_composed``, run here on the CPU), numpy and PyTorch. The GPU runs of the composition
are in test_cuda_reduce.py."""
import math

import numpy as np
import pytest

import ember
from conftest import needs_torch, to_np, to_torch, torch


def _composed(x):
    return ember._tensor._wrap(ember._C._svdvals_composed(x._t))


def _np_svals(x):
    a = to_np(x).astype(np.float64)
    return np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (min(a.shape[-2:]),))


def _close(actual, expected, dtype):
    a, e = to_np(actual).astype(np.float64), np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape
    scale = max(1.0, float(np.abs(e).max())) if e.size else 1.0
    tol = 1e-12 if dtype is ember.float64 else 2e-6
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale)


def _rank_deficient(m, n, r, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


SHAPES = [(4, 4), (6, 3), (3, 6), (2, 5, 4), (3, 2, 4, 7), (1, 1), (1, 7), (7, 1), (9, 9), (16, 5), (5, 16)]


@pytest.mark.parametrize("dtype", [ember.float64, ember.float32])
@pytest.mark.parametrize("shape", SHAPES)
def test_composed_matches_kernel_and_numpy(dtype, shape):
    x = ember.tensor(np.random.default_rng(len(shape) * 10 + shape[-1]).standard_normal(shape)).to(dtype)
    k, c = ember.linalg.svdvals(x), _composed(x)
    assert k.dtype is dtype and c.dtype is dtype and tuple(c.shape) == shape[:-2] + (min(shape[-2:]),)
    ref = _np_svals(x)
    _close(k, ref, dtype)
    _close(c, ref, dtype)
    assert (np.diff(to_np(c).astype(np.float64), axis=-1) <= 0).all()   # descending


@pytest.mark.parametrize("case", ["rank1", "rank2_tall", "rank3_wide", "zeros", "identity", "repeated", "scaled"])
def test_composed_special_matrices(case):
    a = {"rank1": _rank_deficient(5, 4, 1, 1), "rank2_tall": _rank_deficient(8, 5, 2, 2),
         "rank3_wide": _rank_deficient(4, 9, 3, 3), "zeros": np.zeros((4, 3)), "identity": np.eye(5),
         "repeated": np.kron(np.eye(2), np.ones((3, 3))),                  # singular values 3, 3, 0, 0, 0, 0
         "scaled": np.diag([1e150, 1.0, 1e-150]) @ _rank_deficient(3, 3, 3, 4)}[case]
    x = ember.tensor(a)
    ref = np.linalg.svd(a, compute_uv=False)
    for got in (ember.linalg.svdvals(x), _composed(x)):
        np.testing.assert_allclose(to_np(got), ref, rtol=1e-12, atol=1e-12 * max(1.0, ref[0]))


def test_composed_edges_and_errors():
    for shape in [(0, 3), (3, 0), (2, 0, 4), (0, 2, 2)]:
        x = ember.zeros(*shape, dtype=ember.float64)
        for got in (ember.linalg.svdvals(x), _composed(x)):
            assert tuple(got.shape) == shape[:-2] + (min(shape[-2:]),) and got.dtype is ember.float64
    x = ember.tensor([[1.0, math.nan], [2.0, 3.0], [0.5, -1.0]])
    np.testing.assert_array_equal(np.isnan(to_np(_composed(x))), np.isnan(to_np(ember.linalg.svdvals(x))))
    nc = ember.tensor(np.random.default_rng(5).standard_normal((6, 8)))[:, ::2].t()      # non-contiguous
    _close(_composed(nc), _np_svals(nc), ember.float64)
    with pytest.raises(RuntimeError, match=r"^\[linalg.svdvals\].*at least 2 dimensions"):
        _composed(ember.ones(3))
    with pytest.raises(RuntimeError, match=r"^\[linalg.svdvals\].*floating point"):
        _composed(ember.ones(3, 3, dtype=ember.int32))
    with pytest.raises(TypeError, match=r"^\[linalg.svdvals\]"):
        ember.linalg.svdvals([[1.0]])
    with pytest.raises(NotImplementedError, match=r"^\[linalg.svdvals\]"):
        ember.linalg.svdvals(ember.ones(2, 2), driver="gesvd")


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float64, ember.float32])
@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (2, 3, 6)])
def test_svdvals_and_norms_match_torch(dtype, shape):
    x = ember.tensor(np.random.default_rng(shape[-1]).standard_normal(shape)).to(dtype)
    tx = to_torch(x)
    _close(ember.linalg.svdvals(x), torch.linalg.svdvals(tx).numpy(), dtype)
    _close(_composed(x), torch.linalg.svdvals(tx).numpy(), dtype)
    out = ember.empty(0, dtype=dtype)
    assert ember.linalg.svdvals(x, out=out) is out
    _close(out, torch.linalg.svdvals(tx).numpy(), dtype)
    for ord in ("nuc", 2, -2):
        _close(ember.linalg.matrix_norm(x, ord), torch.linalg.matrix_norm(tx, ord).numpy(), dtype)


def test_svdvals_not_differentiable_yet():
    x = ember.randn(3, 3, dtype=ember.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"linalg.svdvals"):
        ember.linalg.svdvals(x)
    with ember.no_grad():
        ember.linalg.svdvals(x)
