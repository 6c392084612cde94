"""The sort family on CUDA against the CPU (the reference, tested against numpy/PyTorch in
test_sort.py): sort/argsort/msort, topk, kthvalue, median/nanmedian, mode, unique,
unique_consecutive, searchsorted/bucketize, histc and bincount. Orders are stable with NaN
largest on both devices, so values AND indices must match exactly.

GPU cases are marked per test (``needs_cuda``); the device-path checks at the end run without one."""
import numpy as np
import pytest

import ember
from conftest import HAS_CUDA, needs_cuda
from cudautil import check, host, on_both

ALL = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64, ember.float16, ember.bfloat16,
       ember.float32, ember.float64]
NUMERIC = [d for d in ALL if d is not ember.bool]
FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]


def data(shape, dtype, seed=0, special=True):
    """Reproducible values with many ties; floats also get NaN, +-inf and -0.0 / 0.0."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is ember.bool:
        return ember.tensor(rng.integers(0, 2, n).astype(bool)).reshape(shape)
    a = rng.integers(-20, 20, n).astype(np.float64)
    if dtype is ember.uint8:
        a = np.abs(a)
    if dtype.is_floating_point:
        a = a / 4
        if special and n >= 8:
            idx = rng.choice(n, size=max(1, n // 8), replace=False)
            a[idx] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0], size=idx.size)
    return ember.tensor(a).to(dtype).reshape(shape)


def exact(g, c):
    """Same dtype/shape and identical values (NaN == NaN; -0.0 vs 0.0 distinguished for floats)."""
    assert g.is_cuda and not c.is_cuda
    assert g.dtype is c.dtype and tuple(g.shape) == tuple(c.shape)
    gh, ch = host(g), host(c)
    if gh.dtype.kind == "f":
        np.testing.assert_array_equal(np.isnan(gh), np.isnan(ch))
        m = ~np.isnan(ch)
        np.testing.assert_array_equal(gh[m], ch[m])
        np.testing.assert_array_equal(np.signbit(gh[m]), np.signbit(ch[m]))
    else:
        np.testing.assert_array_equal(gh, ch)


def exact_all(gs, cs):
    assert len(gs) == len(cs)
    for g, c in zip(gs, cs):
        exact(g, c)


# ---- sort -------------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("n", [1, 2, 3, 31, 32, 33, 1000, 2048, 2049, 4097])
def test_sort_rows(dtype, n):
    x = data((3, n), dtype, seed=n)
    for desc in (False, True):
        exact_all(*on_both(lambda t: ember.sort(t, dim=-1, descending=desc), x))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.float16, ember.uint8])
def test_sort_dims_and_layouts(dtype):
    x = data((5, 6, 7), dtype, seed=1)
    for dim in (0, 1, 2, -1):
        for desc in (False, True):
            exact_all(*on_both(lambda t: ember.sort(t, dim, desc), x))
    xt = data((7, 5), dtype, seed=2).t()          # transposed
    exact_all(*on_both(lambda t: ember.sort(t, 1), xt))
    xs = data((6, 20), dtype, seed=3)[:, ::3]      # sliced
    exact_all(*on_both(lambda t: ember.sort(t, 1, True), xs))
    xe = data((1, 9), dtype, seed=4).expand(4, 9)  # expanded
    exact_all(*on_both(lambda t: ember.sort(t, 0), xe))
    exact_all(*on_both(lambda t: ember.sort(t, 1), xe))


@needs_cuda
def test_sort_large_single_row_and_many_long_rows():
    x = data(((1 << 20) + 3,), ember.float32, seed=5)
    exact_all(*on_both(lambda t: ember.sort(t), x))
    exact_all(*on_both(lambda t: ember.sort(t, descending=True), x))
    y = data((9, 5000), ember.int32, seed=6)      # segmented radix sort path
    exact_all(*on_both(lambda t: ember.sort(t, 1), y))
    z = data((3000, 40), ember.float64, seed=7)   # many small rows
    exact_all(*on_both(lambda t: ember.sort(t, 1, True), z))


@needs_cuda
def test_sort_empty_and_0d():
    exact_all(*on_both(lambda t: ember.sort(t), ember.tensor(2.5)))
    exact_all(*on_both(lambda t: ember.sort(t, 0), ember.empty(0, 3)))
    exact_all(*on_both(lambda t: ember.sort(t, 1), ember.empty(0, 3)))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int16, ember.bfloat16])
def test_argsort_msort(dtype):
    x = data((4, 50), dtype, seed=8)
    exact(*on_both(lambda t: ember.argsort(t, 1), x))
    exact(*on_both(lambda t: ember.argsort(t, 0, descending=True), x))
    exact(*on_both(lambda t: ember.msort(t), x))
    exact(*on_both(lambda t: t.argsort(stable=True), x))


# ---- topk / kthvalue / median / mode ------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", NUMERIC)
def test_topk(dtype):
    x = data((6, 300), dtype, seed=9)
    for k in (0, 1, 5, 300):
        for largest in (True, False):
            exact_all(*on_both(lambda t: ember.topk(t, k, dim=1, largest=largest), x))
    exact_all(*on_both(lambda t: ember.topk(t, 3, dim=0), x))
    big = data((2, 5000), dtype, seed=10)
    exact_all(*on_both(lambda t: ember.topk(t, 17), big))
    exact_all(*on_both(lambda t: ember.topk(t, 1, 0), ember.tensor(3.0)))


@needs_cuda
@pytest.mark.parametrize("dtype", NUMERIC)
def test_kthvalue_median_mode(dtype):
    x = data((5, 33), dtype, seed=11)
    for keepdim in (False, True):
        exact_all(*on_both(lambda t: ember.kthvalue(t, 7, 1, keepdim), x))
        exact_all(*on_both(lambda t: ember.kthvalue(t, 2, 0, keepdim), x))
        exact_all(*on_both(lambda t: ember.median(t, 1, keepdim), x))
        exact_all(*on_both(lambda t: ember.median(t, 0, keepdim), x))
        exact_all(*on_both(lambda t: ember.nanmedian(t, 1, keepdim), x))
        exact_all(*on_both(lambda t: ember.mode(t, 1, keepdim), x))
        exact_all(*on_both(lambda t: ember.mode(t, 0, keepdim), x))
    exact(*on_both(lambda t: ember.median(t), x))
    exact(*on_both(lambda t: ember.nanmedian(t), x))
    long_rows = data((3, 4097), dtype, seed=12)
    exact_all(*on_both(lambda t: ember.median(t, 1), long_rows))
    exact_all(*on_both(lambda t: ember.kthvalue(t, 4000, 1), long_rows))
    exact_all(*on_both(lambda t: ember.mode(t, 1), long_rows))


@needs_cuda
def test_median_nan_rules():
    nan = float("nan")
    x = ember.tensor([[1.0, nan, 3.0, nan], [nan, nan, nan, nan], [4.0, 2.0, 0.0, -0.0]])
    for op in (ember.median, ember.nanmedian):
        exact_all(*on_both(lambda t: op(t, 1), x))
        exact(*on_both(lambda t: op(t), x))
    exact(*on_both(lambda t: ember.median(t), ember.empty(0)))
    exact(*on_both(lambda t: ember.median(t), ember.empty(0, dtype=ember.int32)))


# ---- unique ----------------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_unique(dtype):
    for shape in [(1,), (7,), (4, 33), (1000,), (5000,)]:
        x = data(shape, dtype, seed=shape[-1])
        exact_all(*on_both(lambda t: ember.unique(t, return_inverse=True, return_counts=True), x))
        exact(*on_both(lambda t: ember.unique(t), x))
        exact_all(*on_both(lambda t: ember.unique_consecutive(t, return_inverse=True, return_counts=True), x))
    exact_all(*on_both(lambda t: ember.unique(t, return_inverse=True, return_counts=True), ember.empty(0, dtype=dtype)))
    z = ember.tensor(1).to(dtype)
    exact_all(*on_both(lambda t: ember.unique(t, return_inverse=True, return_counts=True), z))


@needs_cuda
def test_unique_nan_and_signed_zero():
    nan = float("nan")
    x = ember.tensor([0.0, -0.0, nan, 1.0, nan, 1.0, -0.0])
    exact_all(*on_both(lambda t: ember.unique(t, return_inverse=True, return_counts=True), x))
    exact_all(*on_both(lambda t: ember.unique_consecutive(t, return_inverse=True, return_counts=True), x))
    t = ember.unique(x.cuda(), sorted=True).cpu()
    assert int(np.isnan(host(t)).sum()) == 2  # NaN != NaN: each is its own value


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_unique_dim(dtype):
    # the composition of device-generic ops (unique.cpp) on the GPU against the CPU kernel
    for shape in [(7, 4, 3), (1, 5), (40, 2, 2), (3000, 2)]:
        for dim in range(-len(shape), len(shape)):
            base = data((3,) + shape[1:], dtype, seed=len(shape) + dim)
            x = ember.index_select(base, 0, ember.tensor(np.random.default_rng(dim + 5).integers(0, 3, shape[0])))
            x = x.movedim(0, dim)
            kw = dict(return_inverse=True, return_counts=True, dim=dim)
            exact_all(*on_both(lambda t: ember.unique(t, **kw), x))
            exact_all(*on_both(lambda t: ember.unique_consecutive(t, **kw), x))
            exact(*on_both(lambda t: ember.unique(t, dim=dim), x.transpose(0, -1)))
    e = ember.zeros(0, 3, dtype=dtype)
    exact_all(*on_both(lambda t: ember.unique(t, dim=0, return_inverse=True, return_counts=True), e))


# ---- searchsorted / bucketize ------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", NUMERIC)
def test_searchsorted_1d(dtype):
    seq = ember.sort(data((100,), dtype, seed=13, special=False))[0]
    vals = data((3, 41), dtype, seed=14, special=False)
    for right in (False, True):
        for out_int32 in (False, True):
            exact(*on_both(lambda s, v: ember.searchsorted(s, v, right=right, out_int32=out_int32), seq, vals))
    exact(*on_both(lambda s, v: ember.searchsorted(s, v, side="right"), seq, vals))
    exact(*on_both(lambda b, v: ember.bucketize(v, b), seq, vals))
    exact(*on_both(lambda b, v: ember.bucketize(v, b, right=True, out_int32=True), seq, vals))
    exact(*on_both(lambda s, v: ember.searchsorted(s, v), seq, ember.tensor(3).to(dtype)))  # 0-d value


@needs_cuda
def test_searchsorted_nd_sorter_and_nan():
    nan = float("nan")
    seq = ember.tensor([[1.0, 2.0, 2.0, 5.0, nan], [-1.0, 0.0, 0.0, 3.0, 9.0]])
    vals = ember.tensor([[2.0, nan, -5.0], [0.0, 9.5, 3.0]])
    for right in (False, True):
        exact(*on_both(lambda s, v: ember.searchsorted(s, v, right=right), seq, vals))
    unsorted = ember.tensor([[5.0, 1.0, 2.0, 4.0], [3.0, 0.0, 7.0, 1.0]])
    sorter = ember.argsort(unsorted, 1)
    v2 = ember.tensor([[2.0, 4.5], [1.0, 8.0]])
    exact(*on_both(lambda s, v, o: ember.searchsorted(s, v, sorter=o), unsorted, v2, sorter))
    exact(*on_both(lambda s, v: ember.searchsorted(s, v), ember.tensor([1.0, 2.0]), ember.empty(0)))


@needs_cuda
def test_searchsorted_device_mismatch():
    with pytest.raises(RuntimeError, match=r"\[searchsorted\] Expected all tensors to be on the same device, but found "
                                           r"at least two devices, (cuda:0 and cpu|cpu and cuda:0)!"):
        ember.searchsorted(ember.tensor([1.0, 2.0], device="cuda"), ember.tensor([1.5]))


# ---- histc / bincount ------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_histc(dtype):
    x = data((1000,), dtype, seed=15, special=False)
    for bins, lo, hi in [(10, 0, 0), (7, -3, 3), (100, -5, 5), (1, 0, 0), (4097, -2, 2)]:
        check(*on_both(lambda t: ember.histc(t, bins, lo, hi), x), rtol=0, atol=0)
    big = data(((1 << 20) + 3,), dtype, seed=16, special=False)
    check(*on_both(lambda t: ember.histc(t, 33), big), rtol=0, atol=0)
    check(*on_both(lambda t: ember.histc(t, 5), ember.empty(0, dtype=dtype)), rtol=0, atol=0)
    check(*on_both(lambda t: ember.histc(t, 5, -1, 1), ember.tensor([float("nan"), 0.5, 2.0]).to(dtype)), rtol=0, atol=0)


@needs_cuda
def test_histc_errors_on_cuda():
    x = ember.tensor([1.0, float("nan")], device="cuda")
    with pytest.raises(RuntimeError, match=r"\[histc\] range of \[nan, nan\] is not finite"):
        ember.histc(x, 4)
    with pytest.raises(RuntimeError, match=r"\[histc\] max must be larger than min"):
        ember.histc(ember.ones(3, device="cuda"), 4, 2, 1)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.uint8, ember.int8])
def test_bincount(dtype):
    x = ember.tensor(np.random.default_rng(17).integers(0, 50, 4097)).to(dtype)
    exact(*on_both(lambda t: ember.bincount(t), x))
    exact(*on_both(lambda t: ember.bincount(t, minlength=100), x))
    exact(*on_both(lambda t: ember.bincount(t), ember.empty(0, dtype=dtype)))
    exact(*on_both(lambda t: ember.bincount(t, minlength=3), ember.empty(0, dtype=dtype)))
    for wdt in (ember.float32, ember.float64, ember.int32):
        w = ember.linspace(-1, 1, 4097).to(wdt)
        check(*on_both(lambda t, ww: ember.bincount(t, ww), x, w), rtol=1e-5, atol=1e-5)


@needs_cuda
def test_bincount_errors_on_cuda():
    with pytest.raises(RuntimeError, match=r"\[bincount\] bincount only supports 1-d non-negative integral inputs"):
        ember.bincount(ember.tensor([1, -2, 3], device="cuda"))
    with pytest.raises(RuntimeError, match=r"Expected all tensors to be on the same device"):
        ember.bincount(ember.tensor([1, 2], device="cuda"), ember.ones(2))


# ---- errors and gradients ---------------------------------------------------------------------------------------
@needs_cuda
def test_errors_on_cuda():
    x = ember.ones(3, 4, device="cuda")
    with pytest.raises(RuntimeError, match=r"\[topk\] selected index k out of range"):
        ember.topk(x, 5)
    with pytest.raises(RuntimeError, match=r"\[kthvalue\] selected number k out of range"):
        ember.kthvalue(x, 0)
    with pytest.raises(IndexError, match=r"\[median\] Expected reduction dim 1 to have non-zero size"):
        ember.median(ember.ones(3, 0, device="cuda"), 1)
    with pytest.raises(IndexError, match=r"\[sort\]"):
        ember.sort(x, 2)


@needs_cuda
def test_gradients():
    x = data((4, 37), ember.float32, seed=18, special=False) + ember.linspace(0, 0.01, 37)  # no ties
    for fn in (lambda t: ember.sort(t, 1)[0], lambda t: ember.topk(t, 5)[0], lambda t: ember.kthvalue(t, 3, 1)[0],
               lambda t: ember.median(t, 1)[0], lambda t: ember.msort(t)):
        xc, xg = x.clone().requires_grad_(), x.cuda().requires_grad_()
        w = ember.linspace(-1, 1, fn(xc).numel()).reshape(fn(xc).shape)
        (fn(xc) * w).sum().backward()
        (fn(xg) * w.cuda()).sum().backward()
        check(xg.grad, xc.grad)


# ---- without a GPU: the CUDA build routes CUDA tensors to the CUDA kernels -----------------------------------------
def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@pytest.mark.skipif(HAS_CUDA, reason="a fake CUDA tensor would reach the real kernels")
@pytest.mark.parametrize("call", [lambda g: ember.sort(g), lambda g: ember.topk(g, 2), lambda g: ember.unique(g),
                                  lambda g: ember.searchsorted(g, g), lambda g: ember.median(g, 0),
                                  lambda g: ember.kthvalue(g, 1, 0), lambda g: ember.histc(g, 3, 0, 1),
                                  lambda g: ember.unique(g, dim=0), lambda g: ember.unique_consecutive(g, dim=0)])
def test_fake_cuda_reaches_the_cuda_path(call):
    g = _fake(ember.ones(3))
    with pytest.raises(RuntimeError) as e:
        call(g)
    msg = str(e.value)
    if ember._C.has_cuda:  # the CUDA path ran (and failed for want of a device), not the CPU guard
        assert "not implemented for" not in msg, msg
        assert "CUDA" in msg or "cuda" in msg, msg
    else:
        assert "not implemented for" in msg and "cuda" in msg, msg
