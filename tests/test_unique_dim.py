"""unique / unique_consecutive with ``dim=``: the CPU kernel, the composition of device-generic ops
that CUDA tensors take (``_C._unique_dim_composed``, run here on the CPU), and PyTorch. The kernel
and the composition must agree exactly (values bit for bit incl. the sign of zero, inverse, counts);
the GPU runs of the same composition are in test_cuda_sort.py."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, needs_torch, to_np, to_torch, torch

NAN = float("nan")


def _composed(x, dim, consecutive):
    return tuple(ember._tensor._wrap(r) for r in ember._C._unique_dim_composed(x._t, dim, consecutive))


def _kernel(x, dim, consecutive):
    fn = ember.unique_consecutive if consecutive else ember.unique
    return fn(x, return_inverse=True, return_counts=True, dim=dim)


def dup_slices(shape, dim, dtype, seed=0, distinct=3, special=False):
    """A tensor whose slices along `dim` repeat `distinct` random slices (many equal rows, equal
    runs), optionally with NaN, +-inf and -0.0 / 0.0 among floating values."""
    rng = np.random.default_rng(seed)
    n = shape[dim]
    other = list(shape)
    other[dim] = distinct
    base = rng.integers(-2, 3, other).astype(np.float64)
    if special:
        flat = base.reshape(-1)
        idx = rng.choice(flat.size, size=max(1, flat.size // 4), replace=False)
        flat[idx] = rng.choice([NAN, np.inf, -np.inf, -0.0, 0.0], size=idx.size)
    a = np.take(base, rng.integers(0, distinct, n), axis=dim)
    if dtype is ember.bool:
        return ember.tensor(a > 0)
    if dtype is ember.uint8:
        a = np.abs(a)
    return ember.tensor(a).to(dtype)


def bits(t):
    """Host array with floats as (isnan, value-or-0, signbit) so that NaN == NaN and -0.0 != 0.0."""
    a = to_np(t.float() if t.dtype in (ember.float16, ember.bfloat16) else t)
    if a.dtype.kind != "f":
        return (a,)
    nan = np.isnan(a)
    return nan, np.where(nan, 0, a), np.signbit(a)


def same(a, b):
    assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape)
    for x, y in zip(bits(a), bits(b)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("consecutive", [False, True])
def test_composed_matches_kernel(dtype, consecutive):
    for shape in [(7, 4, 3), (1, 5), (9, 1), (40, 2, 2)]:
        for dim in range(-len(shape), len(shape)):
            x = dup_slices(shape, dim, dtype, seed=len(shape) + dim, special=True)
            k, c = _kernel(x, dim, consecutive), _composed(x, dim, consecutive)
            for a, b in zip(k, c):
                same(a, b)


@pytest.mark.parametrize("consecutive", [False, True])
def test_composed_non_contiguous_and_edges(consecutive):
    x = dup_slices((6, 5), 1, ember.int32, seed=3)
    for v in (x.t(), x[:, ::2], ember.tensor([[1.0, 2.0]]).expand(5, 2), x.unsqueeze(1).expand(6, 3, 5)):
        for dim in range(v.dim()):
            for a, b in zip(_kernel(v, dim, consecutive), _composed(v, dim, consecutive)):
                same(a, b)
    e = ember.zeros(0, 3)
    for r in (_kernel(e, 0, consecutive), _composed(e, 0, consecutive)):
        assert [tuple(t.shape) for t in r] == [(0, 3), (0,), (0,)]
    eq_rows = ember.full((5, 3), 2.0)        # all rows equal: one slice, count 5
    v, inv, c = _composed(eq_rows, 0, consecutive)
    assert v.tolist() == [[2.0, 2.0, 2.0]] and inv.tolist() == [0] * 5 and c.tolist() == [5]
    with pytest.raises(RuntimeError, match=r"\[unique(_consecutive)?\].*0 sized"):
        _composed(ember.zeros(3, 0), 0, consecutive)
    with pytest.raises(IndexError, match=r"\[unique(_consecutive)?\]"):
        _composed(ember.ones(2, 2), 2, consecutive)
    with pytest.raises(IndexError, match=r"\[unique(_consecutive)?\]"):
        _composed(ember.tensor(5), 0, consecutive)


def test_composed_nan_and_signed_zero():
    x = ember.tensor([[1.0, NAN], [0.0, 2.0], [-0.0, 2.0], [1.0, NAN], [NAN, 0.0], [-1.0, 5.0], [0.0, 2.0]])
    v, inv, c = _composed(x, 0, False)
    # -0.0 == 0.0 (the first of the run, [0.0, 2.0], represents it); NaN != NaN: rows with a NaN
    # never merge, and sort last in their column as in the flat unique
    assert c.tolist() == [1, 3, 1, 1, 1] and inv.tolist() == [2, 1, 1, 3, 4, 0, 1]
    assert not np.signbit(to_np(v)[1, 0])
    for a, b in zip(_kernel(x, 0, False), (v, inv, c)):
        same(a, b)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int16, ember.int64, ember.float16, ember.float32,
                                   ember.float64])
@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
def test_composed_matches_torch(dtype, fn):
    consecutive = fn == "unique_consecutive"
    for shape in [(8, 3, 2), (1, 4), (12, 1)]:
        for dim in range(-len(shape), len(shape)):
            x = dup_slices(shape, dim, dtype, seed=dim + 7, special=dtype.is_floating_point)
            # -0.0 and +-inf only: PyTorch orders NaN rows arbitrarily (comparisons with NaN are false)
            if dtype.is_floating_point:
                x = ember.nan_to_num(x, nan=-0.0, posinf=float("inf"), neginf=float("-inf"))
            kw = dict(return_inverse=True, return_counts=True, dim=dim)
            t = getattr(torch, fn)(to_torch(x), **kw)
            for a, b in zip(_composed(x, dim, consecutive), t):
                np.testing.assert_array_equal(to_np(a.float() if a.dtype is ember.bfloat16 else a),
                                              b.float().numpy() if b.dtype == torch.bfloat16 else b.numpy())
            for sorted_ in (False, True):    # sorted is ignored with dim (always sorted), as in PyTorch
                if not consecutive:
                    np.testing.assert_array_equal(to_np(ember.unique(x, sorted=sorted_, dim=dim)),
                                                  torch.unique(to_torch(x), sorted=sorted_, dim=dim).numpy())


@needs_torch
def test_composed_nan_rows_like_torch():
    x = dup_slices((10, 3), 0, ember.float32, seed=11, special=True)
    v, inv, c = _composed(x, 0, False)
    tv, tinv, tc = torch.unique(to_torch(x), dim=0, return_inverse=True, return_counts=True)
    xv, tvn = to_np(v), tv.numpy()
    nan_rows, t_nan_rows = np.isnan(xv).any(1), np.isnan(tvn).any(1)
    # the same rows: NaN-free ones in the same order, NaN ones as a multiset (PyTorch's place for them is arbitrary)
    np.testing.assert_array_equal(xv[~nan_rows], tvn[~t_nan_rows])
    np.testing.assert_array_equal(to_np(c)[~nan_rows], tc.numpy()[~t_nan_rows])
    assert nan_rows.sum() == t_nan_rows.sum()
    np.testing.assert_array_equal(np.sort(np.nan_to_num(xv[nan_rows], nan=99), 0),
                                  np.sort(np.nan_to_num(tvn[t_nan_rows], nan=99), 0))
    np.testing.assert_array_equal(np.nan_to_num(xv[to_np(inv)], nan=99), np.nan_to_num(to_np(x), nan=99))
