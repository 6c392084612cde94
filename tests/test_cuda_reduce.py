"""Reductions and scans on CUDA against the CPU (the reference; test_reduce.py checks the CPU against
numpy and PyTorch). Every GPU case runs the same call on "cuda" and on "cpu" and compares with
cudautil.check, over dtypes, contiguous and non-contiguous inputs (transposed, sliced, expanded),
several dims, keepdim, empty and 0-d inputs and sizes that cross block and chunk boundaries.
Without a GPU every case here is skipped, except the device-routing tests at the end, which run
on any build.
"""
import math

import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, HAS_CUDA, INT_DTYPES, needs_cuda
from cudautil import check, host, sample

ALL = [ember.bool] + INT_DTYPES + FLOAT_DTYPES
SIZES = [1, 31, 32, 33, 1000, 4097, (1 << 20) + 3]

# Views applied on each device after the transfer, so the GPU sees the same strides as the CPU.
VIEWS = {
    "contig": lambda t: t,
    "t": lambda t: t.transpose(0, -1),
    "slice": lambda t: t[..., ::2],
    "expand": lambda t: t[:, :1].expand(t.shape[0], 5),
}


def both(fn, x, view=VIEWS["contig"]):
    """(fn(view(x on cuda)), fn(view(x)))."""
    return fn(view(x.cuda())), fn(view(x))


def leaf(x):
    return x.detach().clone().requires_grad_(True)


# ---- sum / mean / nansum / prod ------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_layouts(dtype, view, dim, keepdim):
    x = sample((37, 66), dtype, positive=True)
    check(*both(lambda t: ember.sum(t, dim=dim, keepdim=keepdim), x, VIEWS[view]))
    check(*both(lambda t: t.sum(dim, keepdim, dtype=ember.float64), x, VIEWS[view]))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("dim", [None, 0, 1, (1, 0)])
def test_mean_nansum_nanmean(dtype, view, dim):
    x = sample((29, 70), dtype, positive=True)
    check(*both(lambda t: ember.mean(t, dim), x, VIEWS[view]))
    check(*both(lambda t: ember.mean(t, dim, keepdim=True), x, VIEWS[view]))
    xn = x.clone()
    xn[3, 5] = float("nan")
    xn[:, 7] = float("nan")
    check(*both(lambda t: ember.nansum(t, dim), xn, VIEWS[view]))
    check(*both(lambda t: ember.nanmean(t, dim), xn, VIEWS[view]))
    check(*both(lambda t: ember.sum(t, dim), xn, VIEWS[view]))  # nan propagates


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int32])
def test_sum_sizes(n, dtype):
    """Full reductions and row/column reductions across the block and split boundaries."""
    x = sample((n,), dtype, seed=n, positive=True)
    rt = 1e-4 if dtype is ember.float32 else None
    check(*both(ember.sum, x), rtol=rt)
    check(*both(lambda t: ember.mean(t.to(ember.float64)), x))
    if n >= 33:
        m = sample((3, n), dtype, seed=n + 1, positive=True)
        check(*both(lambda t: t.sum(1), m), rtol=rt)           # few long rows (split + second pass)
        check(*both(lambda t: t.t().sum(0), m), rtol=rt)       # the same through a transposed view
        c = sample((n, 3), dtype, seed=n + 2, positive=True)
        check(*both(lambda t: t.sum(0), c), rtol=rt)           # few long columns
    if n <= 4097:
        w = sample((n, 40), dtype, seed=n + 3, positive=True)
        check(*both(lambda t: t.sum(0), w), rtol=rt)           # many columns
        check(*both(lambda t: t.sum(1), w), rtol=rt)           # many short rows


@needs_cuda
def test_sum_large_column_split():
    x = sample((70000, 33), ember.float32, positive=True)
    check(*both(lambda t: t.sum(0), x), rtol=1e-4)
    check(*both(lambda t: t.amax(0), x))
    check(*both(lambda t: t.argmax(0), x))


@needs_cuda
@pytest.mark.parametrize("shape,dims", [((2, 3, 4, 5), (0, 2)), ((2, 3, 4, 5), (1, 3)), ((4, 1, 6), (1,)),
                                        ((3, 4, 5, 6, 7), (0, 2, 4)), ((3, 4, 5, 6, 7), (4, 1))])
def test_sum_multi_dims(shape, dims):
    x = sample(shape, ember.float64)
    check(*both(lambda t: ember.sum(t, dims), x))
    check(*both(lambda t: ember.sum(t.permute(*reversed(range(len(shape)))), dims, keepdim=True), x))
    check(*both(lambda t: ember.amax(t, dims), x))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int64, ember.float32, ember.float16])
def test_prod(dtype):
    x = sample((9, 13), dtype, low=0.5, high=1.5)
    if not dtype.is_floating_point and dtype is not ember.bool:
        x = x.clamp(-2, 2) if dtype is not ember.uint8 else x.clamp(0, 2)
    for dim in (None, 0, 1):
        check(*both(lambda t: ember.prod(t, dim), x))
        check(*both(lambda t: ember.prod(t.t(), dim), x))
    check(*both(lambda t: t.prod(1, dtype=ember.float64), x))


@needs_cuda
def test_sum_dtype_rules():
    for dtype in [ember.bool, ember.uint8, ember.int16]:
        x = sample((5, 6), dtype)
        g, c = both(lambda t: t.sum(), x)
        check(g, c)
        assert g.dtype is ember.int64
        check(*both(lambda t: t.sum(0, dtype=ember.float32), x))
        check(*both(lambda t: t.mean(dtype=ember.float64), x))
    x = sample((5, 6), ember.float16)
    check(*both(lambda t: t.sum(dtype=ember.float32), x))
    check(*both(lambda t: t.mean(1, dtype=ember.float64), x))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.bool])
def test_empty_and_zero_dim(dtype):
    e = ember.zeros((0, 4), dtype=dtype)
    check(*both(lambda t: t.sum(), e))
    check(*both(lambda t: t.sum(0), e))
    check(*both(lambda t: t.sum(1), e))
    check(*both(lambda t: t.prod(0), e))
    check(*both(lambda t: t.any(0), e))
    check(*both(lambda t: t.all(0), e))
    check(*both(lambda t: t.count_nonzero(0), e))
    check(*both(lambda t: t.amax(1), e))                      # kept dim empty, reduced dim not: empty result
    s = sample((), dtype)
    check(*both(lambda t: t.sum(), s))
    check(*both(lambda t: t.sum(0, keepdim=True), s))
    check(*both(lambda t: t.amax(), s))
    check(*both(lambda t: t.cumsum(0), s))
    if dtype is ember.float32:
        check(*both(lambda t: t.mean(0), e))                   # nan
        check(*both(lambda t: t.var(0), e))
        check(*both(lambda t: t.logsumexp(0), e))              # -inf
        check(*both(lambda t: t.norm(dim=0), e))
        check(*both(lambda t: t.max(), s))
        check(*both(lambda t: t.max(0), s))


# ---- extremes ---------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("view", list(VIEWS))
def test_amax_amin(dtype, view):
    x = sample((35, 68), dtype)
    for dim in [None, 0, 1, (0, 1)]:
        check(*both(lambda t: ember.amax(t, dim if dim is not None else ()), x, VIEWS[view]))
        check(*both(lambda t: ember.amin(t, dim if dim is not None else (), keepdim=True), x, VIEWS[view]))
    check(*both(lambda t: t.max(), x, VIEWS[view]))
    check(*both(lambda t: t.min(), x, VIEWS[view]))
    check(*both(lambda t: ember.aminmax(t, dim=0), x, VIEWS[view]))


@needs_cuda
@pytest.mark.parametrize("dtype", [d for d in ALL if d is not ember.bool])
@pytest.mark.parametrize("view", ["contig", "t", "slice"])
def test_max_dim_argmax(dtype, view):
    x = sample((33, 70), dtype)
    x = (x / 2).to(dtype) if dtype.is_floating_point else x
    x[:, 3] = x[:, 9]                                          # ties: the first index wins
    x[5] = x[5, 0]
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            check(*both(lambda t: tuple(ember.max(t, dim, keepdim)), x, VIEWS[view]))
            check(*both(lambda t: tuple(ember.min(t, dim, keepdim)), x, VIEWS[view]))
            check(*both(lambda t: ember.argmax(t, dim, keepdim), x, VIEWS[view]))
            check(*both(lambda t: ember.argmin(t, dim, keepdim), x, VIEWS[view]))
    check(*both(lambda t: ember.argmax(t), x, VIEWS[view]))
    check(*both(lambda t: ember.argmin(t, keepdim=True), x, VIEWS[view]))


@needs_cuda
def test_max_bool():
    x = sample((6, 40), ember.bool)
    check(*both(lambda t: tuple(t.max(1)), x))
    check(*both(lambda t: tuple(t.min(0)), x))
    check(*both(lambda t: t.amax(1), x))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_extremes_nan(dtype):
    x = sample((20, 50), dtype)
    x[2, 7] = float("nan")
    x[2, 30] = float("nan")
    x[11, 0] = float("nan")
    x[:, 44] = float("nan")
    for dim in (0, 1):
        check(*both(lambda t: tuple(t.max(dim)), x))
        check(*both(lambda t: tuple(t.min(dim)), x))
        check(*both(lambda t: t.argmax(dim), x))
        check(*both(lambda t: t.amax(dim), x))
        check(*both(lambda t: t.amin(dim), x))
    check(*both(lambda t: t.argmax(), x))
    check(*both(lambda t: t.max(), x))
    inf = ember.tensor([float("-inf")] * 5 + [float("inf")] * 3, dtype=dtype)
    check(*both(lambda t: tuple(t.max(0)), inf))
    check(*both(lambda t: t.argmin(), inf))


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
def test_argmax_sizes(n):
    x = sample((n,), ember.float32, seed=n)
    x[n // 3] = 100.0
    x[n - 1] = 100.0                                            # tie with a later index
    check(*both(lambda t: t.argmax(), x))
    check(*both(lambda t: tuple(t.max(0)), x))
    check(*both(lambda t: t.argmin(), x))
    if n <= 4097:
        m = sample((n, 7), ember.float64, seed=n)
        check(*both(lambda t: tuple(t.max(0)), m))
        check(*both(lambda t: tuple(t.min(1)), m))


# ---- variance ----------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("view", ["contig", "t", "expand"])
@pytest.mark.parametrize("correction", [0, 1, 2.5])
def test_var_std(dtype, view, correction):
    x = sample((31, 66), dtype, low=1.0, high=5.0)
    for dim in (None, 0, 1, (0, 1)):
        check(*both(lambda t: ember.var(t, dim, correction=correction), x, VIEWS[view]))
        check(*both(lambda t: ember.std(t, dim, correction=correction, keepdim=True), x, VIEWS[view]))
        check(*both(lambda t: ember.var_mean(t, dim, correction=correction), x, VIEWS[view]))
        check(*both(lambda t: ember.std_mean(t, dim, correction=correction), x, VIEWS[view]))


@needs_cuda
def test_var_large_and_degenerate():
    x = sample(((1 << 20) + 3,), ember.float64, low=100.0, high=101.0)
    check(*both(lambda t: t.var(), x))
    check(*both(lambda t: t.std(unbiased=False), x))
    one = sample((4, 1), ember.float32)
    check(*both(lambda t: t.var(1), one))                     # n - correction <= 0: inf / nan as the CPU


# ---- norms / logsumexp -----------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("ord", [0, 1, 2, 3, 0.5, -1, math.inf, -math.inf])
def test_vector_norm(dtype, ord):
    x = sample((23, 45), dtype)
    x[1, 2] = 0
    for dim in (None, 0, 1):
        check(*both(lambda t: ember.linalg.vector_norm(t, ord, dim), x))
        check(*both(lambda t: ember.linalg.vector_norm(t.t(), ord, dim, keepdim=True), x))
    if ord not in (0,):
        check(*both(lambda t: ember.norm(t, p=ord, dim=1), x))


@needs_cuda
def test_norm_misc():
    x = sample((17, 40), ember.float32)
    check(*both(lambda t: ember.norm(t), x))
    check(*both(lambda t: t.norm(dim=(0, 1)), x))
    check(*both(lambda t: ember.linalg.vector_norm(t, dtype=ember.float64), x))
    check(*both(lambda t: ember.linalg.matrix_norm(t, "fro"), x))
    check(*both(lambda t: ember.linalg.matrix_norm(t, 1), x))
    check(*both(lambda t: ember.linalg.matrix_norm(t, -math.inf), x))
    big = sample(((1 << 20) + 3,), ember.float32, seed=3)
    check(*both(lambda t: t.norm(), big), rtol=1e-4)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (9, 4), (4, 9), (3, 6, 5), (2, 2, 33, 17), (0, 3), (2, 0, 4)])
def test_svdvals_and_svd_norms(dtype, shape):
    # parallel Jacobi composed of device-generic ops (norm.cpp) against the CPU's cyclic Jacobi
    x = sample(shape, dtype, seed=shape[-1])
    check(*both(lambda t: ember.linalg.svdvals(t), x), rtol=1e-10 if dtype is ember.float64 else 1e-5)
    if x.numel():
        for ord in ("nuc", 2, -2):
            check(*both(lambda t: ember.linalg.matrix_norm(t, ord), x), rtol=1e-10 if dtype is ember.float64 else 1e-5)
            check(*both(lambda t: ember.linalg.matrix_norm(t, ord, dim=(0, -1), keepdim=True), x),
                  rtol=1e-10 if dtype is ember.float64 else 1e-5)
    r = ember.tensor(np.outer(np.arange(1.0, 6.0), np.arange(1.0, 4.0))).to(dtype)   # rank 1
    check(*both(lambda t: ember.linalg.svdvals(t), r), atol=1e-5 * 50)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [ember.int32])
@pytest.mark.parametrize("view", ["contig", "t", "slice"])
def test_logsumexp(dtype, view):
    x = sample((19, 70), dtype, low=-20, high=20)
    for dim in (0, 1, (0, 1)):
        check(*both(lambda t: ember.logsumexp(t, dim), x, VIEWS[view]))
        check(*both(lambda t: ember.logsumexp(t, dim, keepdim=True), x, VIEWS[view]))
    if dtype.is_floating_point:
        y = x.clone()
        y[0] = float("-inf")
        y[1, 3] = float("inf")
        y[2, 4] = float("nan")
        check(*both(lambda t: ember.logsumexp(t, 1), y))


# ---- boolean ---------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("view", list(VIEWS))
def test_all_any_count(dtype, view):
    x = sample((34, 66), dtype)
    x[4] = 1 if dtype is not ember.bool else True
    x[:, 9] = 0 if dtype is not ember.bool else False
    for dim in (None, 0, 1):
        check(*both(lambda t: ember.all(t, dim), x, VIEWS[view]))
        check(*both(lambda t: ember.any(t, dim), x, VIEWS[view]))
        check(*both(lambda t: ember.count_nonzero(t, dim), x, VIEWS[view]))
    big = ember.ones((1 << 20) + 3, dtype=dtype)
    big[77777] = False if dtype is ember.bool else 0
    check(*both(lambda t: (t.all(), t.any(), t.count_nonzero()), big))


# ---- scans -----------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("view", ["contig", "t", "slice"])
def test_cumsum_cumprod(dtype, view):
    x = sample((33, 68), dtype, low=0.8, high=1.2) if dtype.is_floating_point else sample((33, 68), dtype, high=1.4)
    for dim in (0, 1, -1):
        check(*both(lambda t: ember.cumsum(t, dim), x, VIEWS[view]))
        check(*both(lambda t: ember.cumprod(t, dim), x, VIEWS[view]))
    check(*both(lambda t: ember.cumsum(t, 1, dtype=ember.float64), x, VIEWS[view]))


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.float16])
def test_scan_sizes(n, dtype):
    """Lines across tile boundaries, and few long lines (chunked: totals, carries, rescan)."""
    x = sample((n,), dtype, seed=n, positive=True, high=1.0)
    rt = 1e-3 if n > 100000 and dtype is ember.float16 else None
    check(*both(lambda t: t.cumsum(0), x), rtol=rt)
    check(*both(lambda t: tuple(ember.cummax(t, 0)), x))
    check(*both(lambda t: tuple(ember.cummin(t, 0)), x))
    if dtype.is_floating_point and n <= 4097:
        check(*both(lambda t: t.logcumsumexp(0), x))
    elif dtype is ember.float32:  # a long sequential float32 log-add-exp drifts: compare with float64
        g = x.cuda().logcumsumexp(0).to(ember.float64)
        check(g, x.to(ember.float64).logcumsumexp(0), rtol=1e-5)
    if n >= 33:
        m = sample((2, n), dtype, seed=n + 1, positive=True, high=1.0)
        check(*both(lambda t: t.cumsum(1), m), rtol=rt)
        check(*both(lambda t: tuple(t.cummax(1)), m))
    if n <= 4097:
        c = sample((n, 5), dtype, seed=n + 2)
        check(*both(lambda t: t.cumsum(0), c))              # strided scan dim: one thread per column
        check(*both(lambda t: tuple(t.cummin(0)), c))


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_cummax_cummin(dtype):
    x = sample((17, 300), dtype)
    x[:, 10:20] = x[:, 9:10]                                  # ties: the later index wins
    for dim in (0, 1):
        check(*both(lambda t: tuple(ember.cummax(t, dim)), x))
        check(*both(lambda t: tuple(ember.cummin(t, dim)), x))
        check(*both(lambda t: tuple(ember.cummax(t, dim)), x, VIEWS["t"]))
    if dtype.is_floating_point:
        x[3, 40] = float("nan")
        x[3, 200] = float("nan")
        x[5, 0] = float("nan")
        check(*both(lambda t: tuple(ember.cummax(t, 1)), x))
        check(*both(lambda t: tuple(ember.cummin(t, 1)), x))
        check(*both(lambda t: tuple(ember.cummax(t, 0)), x))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_logcumsumexp(dtype):
    x = sample((7, 530), dtype, low=-30, high=30)
    x[1, 5] = float("-inf")
    x[2, :] = float("-inf")
    x[3, 9] = float("inf")
    x[4, 100] = float("nan")
    for dim in (0, 1):
        check(*both(lambda t: ember.logcumsumexp(t, dim), x))
        check(*both(lambda t: ember.logcumsumexp(t, dim), x, VIEWS["t"]))


@needs_cuda
def test_scan_empty_and_inplace():
    e = ember.zeros((0, 3))
    check(*both(lambda t: t.cumsum(0), e))
    check(*both(lambda t: tuple(t.cummax(1)), e))
    x = sample((4, 50), ember.float32)
    g, c = x.cuda(), x.clone()
    g.cumsum_(1)
    c.cumsum_(1)
    check(g, c)


# ---- out= and errors on cuda -------------------------------------------------------------------------------
@needs_cuda
def test_out_argument():
    x = sample((6, 9), ember.float32)
    o = ember.empty(0, device="cuda")
    r = ember.sum(x.cuda(), 1, out=o)
    assert r is o
    check(o, x.sum(1))
    vals, idx = ember.empty(0, device="cuda"), ember.empty(0, dtype=ember.int64, device="cuda")
    ember.max(x.cuda(), 0, out=(vals, idx))
    check((vals, idx), tuple(x.max(0)))
    with pytest.raises(RuntimeError, match=r"\[sum\].*device"):
        ember.sum(x.cuda(), 1, out=ember.empty(6))


@needs_cuda
def test_errors_on_cuda():
    g = sample((3, 4), ember.float32).cuda()
    with pytest.raises(RuntimeError, match=r"\[mean\].*could not infer output dtype"):
        ember.mean(g.to(ember.int64))
    with pytest.raises(IndexError, match=r"\[amax\].*Expected reduction dim 0 to have non-zero size"):
        ember.amax(ember.zeros((0, 3), device="cuda"), 0)
    with pytest.raises(RuntimeError, match=r"\[argmax\].*bool"):
        ember.argmax(g > 0)
    with pytest.raises(IndexError, match=r"\[sum\]"):
        g.sum(5)
    with pytest.raises(RuntimeError, match=r"\[var\].*floating point"):
        g.to(ember.int32).var()
    with pytest.raises(RuntimeError, match=r"\[linalg.vector_norm\]"):
        ember.linalg.vector_norm(ember.zeros((0,), device="cuda"), math.inf)


# ---- gradients on cuda ---------------------------------------------------------------------------------------
GRADS = [
    ("sum", lambda t: t.sum(1).pow(2).sum()),
    ("mean", lambda t: (t.mean(0) * 3).sum()),
    ("amax", lambda t: t.amax(1).sum()),
    ("max_dim", lambda t: t.max(0).values.sum()),
    ("var", lambda t: t.var(1).sum()),
    ("norm", lambda t: t.norm(dim=1).sum()),
    ("logsumexp", lambda t: t.logsumexp(1).sum()),
    ("cumsum", lambda t: (t.cumsum(1) * t).sum()),
    ("prod", lambda t: t.prod(1).sum()),
]


@needs_cuda
@pytest.mark.parametrize("name,f", GRADS, ids=[n for n, _ in GRADS])
def test_backward(name, f):
    x = sample((5, 9), ember.float64, low=0.5, high=2.0, seed=4)
    gx, cx = leaf(x.cuda()), leaf(x)
    f(gx).backward()
    f(cx).backward()
    assert gx.grad is not None and gx.grad.is_cuda
    check(gx.grad, cx.grad)


# ---- routing without a GPU --------------------------------------------------------------------------------
def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@pytest.mark.skipif(HAS_CUDA, reason="needs a machine without a usable GPU (the fake tensor holds host memory)")
@pytest.mark.parametrize("name,call", [
    ("sum", lambda g: ember.sum(g)), ("mean", lambda g: g.mean(1)), ("amax", lambda g: g.amax(0)),
    ("max", lambda g: g.max(0)), ("argmax", lambda g: g.argmax()), ("var", lambda g: g.var()),
    ("logsumexp", lambda g: g.logsumexp(0)), ("all", lambda g: g.all()), ("cumsum", lambda g: g.cumsum(0)),
    ("cummax", lambda g: g.cummax(1)), ("norm", lambda g: g.norm()),
])
def test_fake_cuda_reaches_the_device_path(name, call):
    """A CUDA build routes these ops to their CUDA path, which fails without a driver when it
    allocates its output on cuda:0 (so the device guard's "not implemented" never fires); a
    CPU-only build refuses to allocate on cuda:0. Either way no CPU kernel reads the fake tensor."""
    g = _fake(ember.ones(3, 3))
    cuda_build = hasattr(ember._C, "_cuda_memory_stats")
    with pytest.raises(RuntimeError) as e:
        call(g)
    msg = str(e.value)
    assert "not implemented for 'cuda'" not in msg, msg
    if cuda_build:
        assert "CUDA is not available" in msg, msg
    else:
        assert "no CUDA support" in msg, msg


def test_host_values_unchanged_by_cuda_hooks():
    """The CPU path of the ops whose finishing steps moved behind the device switch."""
    x = ember.tensor([[1.0, 2.0, 3.0], [4.0, -5.0, 0.0]])
    np.testing.assert_allclose(host(x.std(1)), np.std(host(x), axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(host(x.norm(p=3, dim=1)), np.sum(np.abs(host(x)) ** 3, axis=1) ** (1 / 3), rtol=1e-6)
    ref = np.log(np.sum(np.exp(host(x)), axis=0))
    np.testing.assert_allclose(host(x.logsumexp(0)), ref, rtol=1e-6)
    assert math.isnan(ember.zeros((0,)).var().item())
    assert ember.zeros((2, 0)).logsumexp(1).tolist() == [-math.inf, -math.inf]
