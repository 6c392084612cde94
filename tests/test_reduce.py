"""Reductions, norms and cumulative ops against numpy and PyTorch (fast and reference kernels)."""
import math

import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, assert_close, make, needs_torch, to_np, to_torch, torch

INF, NAN = math.inf, math.nan


@pytest.fixture(params=["fast", "reference"])
def kernels(request):
    ember.set_kernels(request.param)
    yield request.param
    ember.set_kernels("fast")


def _cmp(got, exp, dtype=None, rtol=None, atol=None):
    if isinstance(exp, tuple):
        assert isinstance(got, tuple) and len(got) == len(exp)
        for g, e in zip(got, exp):
            _cmp(g, e, dtype, rtol, atol)
        return
    assert_close(got, exp, dtype=dtype, rtol=rtol, atol=atol)


def vs_torch(name, x, *args, rtol=None, atol=None, method=False, **kw):
    """Run ``name`` on ember and torch with the same arguments and compare values and dtypes."""
    tx = to_torch(x)
    if method:
        got, exp = getattr(x, name)(*args, **kw), getattr(tx, name)(*args, **kw)
    else:
        got = getattr(ember, name)(x, *args, **kw)
        exp = getattr(torch, name)(tx, *args, **kw)
    d = x.dtype if x.dtype.is_floating_point else None
    if d is not None and (rtol is None and atol is None) and d in (ember.float16, ember.bfloat16):
        rtol, atol = (2e-2, 2e-2) if d is ember.bfloat16 else (2e-3, 2e-3)
    _cmp(got, exp, d, rtol, atol)
    return got


SHAPES_DIMS = [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), (0, 2)),
               ((2, 3, 4), (1,)), ((2, 3, 4), [2, 0, 1]), ((33, 70), 1), ((70, 33), 0), ((4, 1, 3), 1), ((), None),
               ((), 0)]


# ---- sum family ---------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "nanmean", "prod"])
@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_family_shapes(kernels, op, shape, dim, keepdim):
    x = make(shape, ember.float64, low=0.5, high=1.5)
    if op == "prod" and isinstance(dim, (tuple, list)):  # torch.prod takes one dim; ember any
        assert_close(ember.prod(x, dim, keepdim), to_np(x).prod(tuple(dim), keepdims=keepdim))
    elif dim is None:
        vs_torch(op, x)
    else:
        vs_torch(op, x, dim, keepdim=keepdim)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["sum", "prod", "nansum"])
def test_sum_dtypes(kernels, dtype, op):
    x = make((4, 6), dtype, low=-2, high=2)
    vs_torch(op, x)
    vs_torch(op, x, 1)
    vs_torch(op, x, 0, keepdim=True)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["mean", "nanmean"])
def test_mean_dtypes(kernels, dtype, op):
    x = make((5, 7), dtype)
    vs_torch(op, x)
    vs_torch(op, x, (0, 1), keepdim=True)
    vs_torch(op, x, 0)


@needs_torch
@pytest.mark.parametrize("nc", ["T", "step", "expand"])
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "prod", "logsumexp", "var", "std"])
def test_noncontiguous(kernels, nc, op):
    x = make((6, 40), ember.float32, low=0.5, high=1.5, noncontig=nc)
    for dim in (0, 1, (0, 1)) if op != "prod" else (0, 1):
        vs_torch(op, x, dim)


def test_sum_dtype_arg():
    x = make((3, 4), ember.int32)
    assert ember.sum(x).dtype is ember.int64
    assert ember.sum(x, dtype=ember.int32).dtype is ember.int32
    assert ember.sum(x, dtype=ember.float64).dtype is ember.float64
    assert ember.mean(x, dtype=ember.float32).dtype is ember.float32
    assert ember.sum(make((3,), ember.bool)).dtype is ember.int64
    assert ember.sum(make((3,), ember.float16)).dtype is ember.float16
    assert_close(x.sum(1, dtype=ember.float64), to_np(x).astype(np.float64).sum(1))


def test_sum_empty_and_zero_d():
    e = ember.zeros(0, 3)
    assert_close(e.sum(), np.float32(0))
    assert_close(e.sum(0), np.zeros(3, np.float32))
    assert e.sum(1).shape == (0,)
    assert_close(e.prod(0), np.ones(3, np.float32))
    assert math.isnan(e.mean().item())
    assert math.isnan(e.var().item())
    s = ember.tensor(2.5)
    assert s.sum().item() == 2.5 and s.sum(0).item() == 2.5 and s.mean(-1, keepdim=True).shape == ()


def test_sum_extremes():
    x = ember.tensor([1.0, INF, -0.0, 3.0])
    assert ember.sum(x).item() == INF
    assert math.isnan(ember.sum(ember.tensor([INF, -INF])).item())
    assert math.isnan(ember.sum(ember.tensor([1.0, NAN])).item())
    assert ember.nansum(ember.tensor([1.0, NAN, 2.0])).item() == 3.0
    assert ember.nanmean(ember.tensor([1.0, NAN, 2.0])).item() == 1.5
    assert ember.sum(ember.tensor([3e38, 3e38], dtype=ember.float32)).item() == INF
    assert ember.sum(ember.tensor([2 ** 62, 2 ** 62 - 1])).item() == 2 ** 63 - 1


@pytest.mark.parametrize("shape,dim", [((1 << 22,), None), ((2048, 2048), None), ((1500, 700), 0), ((700, 1500), 1)])
def test_large_sum_accuracy(shape, dim):
    # An accuracy claim about the fast (pairwise) kernels; the reference loop accumulates
    # sequentially in float32 and is less accurate (conftest restores the mode afterwards).
    ember.set_kernels("fast")
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 1, size=shape).astype(np.float32)
    exact = a.astype(np.float64).sum(axis=dim)
    got = to_np(ember.from_numpy(a).sum(dim)).astype(np.float64)
    err = np.max(np.abs(got - exact) / np.abs(exact))
    np_err = np.max(np.abs(a.sum(axis=dim).astype(np.float64) - exact) / np.abs(exact))
    assert err <= max(np_err, 1e-7) * 1.5 + 1e-9, (err, np_err)


def test_fast_matches_reference_and_is_deterministic():
    rng = np.random.default_rng(2)
    for shape, dim in [((300, 257), 1), ((300, 257), 0), ((3, 70000), 1), ((70000, 3), 0), ((100000,), None),
                       ((5, 6, 7000), (0, 2)), ((6000, 40), 0)]:
        x = ember.from_numpy(rng.standard_normal(shape).astype(np.float32))
        for op in ("sum", "amax", "mean", "logsumexp", "var"):
            fast = getattr(ember, op)(x, dim)
            ember._C.set_num_threads(1)  # (ember.set_num_threads trips over the int dtype shadowing builtins.int)
            one = getattr(ember, op)(x, dim)
            ember._C.set_num_threads(2)
            assert np.array_equal(to_np(fast), to_np(one)), (op, shape, dim)
            ember.set_kernels("reference")
            try:
                ref = getattr(ember, op)(x, dim)
            finally:
                ember.set_kernels("fast")
            assert_close(fast, ref, rtol=1e-4, atol=2e-3)  # the reference sums naively in float32


def test_sum_out():
    x = make((3, 4))
    out = ember.empty(4)
    r = ember.sum(x, 0, out=out)
    assert r is out
    assert_close(out, to_np(x).sum(0))
    out2 = ember.empty(0, dtype=ember.float64)
    ember.mean(x, 1, out=out2)
    assert out2.shape == (3,) and out2.dtype is ember.float64
    with pytest.raises(RuntimeError, match="sum"):
        ember.sum(x, 0, out=ember.empty(4, dtype=ember.int64))


# ---- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc,name", [
    (lambda: ember.sum(make((2, 3)), 2), IndexError, "sum"),
    (lambda: ember.sum(make((2, 3)), (0, 0)), RuntimeError, "sum"),
    (lambda: ember.sum(make((2, 3)), -3), IndexError, "sum"),
    (lambda: ember.mean(make((2, 3), ember.int64)), RuntimeError, "mean"),
    (lambda: ember.mean(make((2, 3)), dtype=ember.int64), RuntimeError, "mean"),
    (lambda: ember.nanmean(make((2, 3), ember.int32)), RuntimeError, "nanmean"),
    (lambda: ember.var(make((2, 3), ember.int64)), RuntimeError, "var"),
    (lambda: ember.std(make((2, 3), ember.int64)), RuntimeError, "std"),
    (lambda: ember.max(ember.zeros(0)), RuntimeError, "max"),
    (lambda: ember.max(ember.zeros(0, 3), 0), IndexError, "max"),
    (lambda: ember.amax(ember.zeros(0, 3), 0), IndexError, "amax"),
    (lambda: ember.amin(ember.zeros(0)), RuntimeError, "amin"),
    (lambda: ember.argmax(ember.zeros(0)), IndexError, "argmax"),
    (lambda: ember.argmin(ember.zeros(0, 2), 0), IndexError, "argmin"),
    (lambda: ember.argmax(make((3,), ember.bool)), RuntimeError, "argmax"),
    (lambda: ember.aminmax(ember.zeros(0)), RuntimeError, "aminmax"),
    (lambda: ember.linalg.vector_norm(make((3,), ember.int64)), RuntimeError, "vector_norm"),
    (lambda: ember.linalg.vector_norm(ember.zeros(0), INF), RuntimeError, "vector_norm"),
    (lambda: ember.linalg.matrix_norm(make((3,))), RuntimeError, "matrix_norm"),
    (lambda: ember.linalg.matrix_norm(make((3, 3)), 3), RuntimeError, "matrix_norm"),
    (lambda: ember.linalg.matrix_norm(make((3, 3)), "abc"), RuntimeError, "matrix_norm"),
    (lambda: ember.cumsum(make((2, 3)), 2), IndexError, "cumsum"),
    (lambda: ember.logcumsumexp(make((2, 3), ember.int64), 0), NotImplementedError, "logcumsumexp"),
    (lambda: ember.sum([1, 2]), TypeError, "sum"),
    (lambda: ember.sum(make((2,)), 0.5), TypeError, "sum"),
    (lambda: ember.cumsum(make((2,)), None), TypeError, "cumsum"),
    (lambda: ember.var(make((3,)), unbiased=True, correction=0), RuntimeError, "var"),
])
def test_errors(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


# ---- var / std ------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("op", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_var_std(kernels, op, dtype):
    x = make((4, 9), dtype)
    vs_torch(op, x)
    vs_torch(op, x, 1)
    vs_torch(op, x, (0, 1), keepdim=True)
    vs_torch(op, x, 0, correction=0)
    vs_torch(op, x, 1, unbiased=False)
    vs_torch(op, x, False)  # var(input, unbiased)
    vs_torch(op, x, 0, True, True)  # var(input, dim, unbiased, keepdim)
    vs_torch(op, x, 1, correction=2.5)


@needs_torch
def test_var_edge_cases():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vs_torch("var", ember.tensor([3.0]))
        vs_torch("std", make((1, 4)), 0)
    vs_torch("var", ember.tensor([1e8, 1e8 + 1, 1e8 + 2], dtype=ember.float64))
    vs_torch("var", ember.tensor([1.0, INF]))
    vs_torch("std", ember.tensor([1.0, NAN]))
    ember.set_kernels("fast")  # accuracy of the fast two-pass kernel (the reference sums in float32)
    assert abs(ember.var(ember.full((10000,), 1000.5)).item()) < 1e-6  # two-pass: no cancellation


# ---- max / min / arg ------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES + FLOAT_DTYPES)
def test_max_min_dtypes(kernels, dtype):
    x = make((5, 8), dtype, low=-4, high=4)
    for op in ("max", "min"):
        vs_torch(op, x)
        vs_torch(op, x, 1)
        vs_torch(op, x, 0, keepdim=True)
    for op in ("amax", "amin"):
        vs_torch(op, x)
        vs_torch(op, x, (0, 1))
        vs_torch(op, x, 1, keepdim=True)
    vs_torch("aminmax", x)
    vs_torch("aminmax", x, dim=0, keepdim=True)
    if dtype is not ember.bool:
        for op in ("argmax", "argmin"):
            vs_torch(op, x)
            vs_torch(op, x, 0)
            vs_torch(op, x, 1, keepdim=True)
            vs_torch(op, x, keepdim=True)


@needs_torch
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 40), 1), ((40, 3), 0), ((40, 50), 0), ((2, 3, 4), 1),
                                       ((70000,), 0), ((3, 70000), 1), ((), 0)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_max_dim_layouts(kernels, shape, dim, nc):
    x = make(shape, ember.float32, noncontig=nc if len(shape) > 1 else None)
    vs_torch("max", x, dim)
    vs_torch("min", x, dim, keepdim=True)
    vs_torch("argmax", x, dim)
    vs_torch("argmax", x)


@needs_torch
def test_max_ties_nan_and_infs(kernels):
    for data in ([1.0, 3.0, 3.0, 2.0], [NAN, 1.0, NAN], [1.0, NAN, 3.0], [-INF, -INF], [INF, 1.0, INF],
                 [-0.0, 0.0], [5.0] * 100 + [7.0] * 50 + [NAN] * 3):
        x = ember.tensor(data)
        for op in ("max", "min", "argmax", "argmin"):
            vs_torch(op, x)
            vs_torch(op, x, 0)
        vs_torch("amax", x)
        vs_torch("amin", x)
    x = ember.tensor([[1.0, NAN, 2.0], [4.0, 4.0, 0.0]])
    for op in ("max", "min", "argmax", "argmin"):
        vs_torch(op, x, 1)
        vs_torch(op, x, 0)
    big = np.zeros(100000, np.float32)
    big[[70000, 90000]] = 5
    assert ember.argmax(ember.from_numpy(big)).item() == 70000
    big[80000] = np.nan
    assert ember.argmax(ember.from_numpy(big)).item() == 80000
    assert math.isnan(ember.amax(ember.from_numpy(big)).item())


@needs_torch
def test_max_empty_other_dim():
    vs_torch("max", ember.zeros(0, 3), 1)
    vs_torch("amax", ember.zeros(0, 3), 1)
    vs_torch("argmax", ember.zeros(0, 3), 1)


def test_max_namedtuple_and_out():
    x = make((3, 4))
    r = ember.max(x, 1)
    v, i = r
    assert r.values is v and r.indices is i and i.dtype is ember.int64
    assert type(r).__name__ == "max"
    assert ember.min(x, dim=0).indices.shape == (4,)
    mm = ember.aminmax(x)
    assert mm.min.item() == to_np(x).min() and mm.max.item() == to_np(x).max()
    vo, io = ember.empty(3), ember.empty(3, dtype=ember.int64)
    ember.max(x, 1, out=(vo, io))
    assert_close(vo, to_np(x).max(1))
    assert_close(io, to_np(x).argmax(1))
    out = ember.empty(())
    ember.amax(x, out=out)
    assert out.item() == to_np(x).max()


def test_max_two_tensors():
    a, b = make((3, 4), seed=1), make((3, 4), seed=2)
    assert_close(ember.max(a, b), np.maximum(to_np(a), to_np(b)))
    assert_close(ember.min(a, b), np.minimum(to_np(a), to_np(b)))


# ---- logsumexp ------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [ember.int64])
def test_logsumexp(kernels, dtype):
    x = make((4, 7), dtype)
    vs_torch("logsumexp", x, 1)
    vs_torch("logsumexp", x, (0, 1), keepdim=True)
    vs_torch("logsumexp", x, 0)


@needs_torch
def test_logsumexp_extremes(kernels):
    for data in ([-INF, -INF], [INF, 1.0], [1000.0, 1000.0], [-1000.0, -1001.0], [NAN, 1.0], [-INF, 0.0], [INF, -INF]):
        vs_torch("logsumexp", ember.tensor(data), 0)
    vs_torch("logsumexp", ember.zeros(0, 3), 0)
    vs_torch("logsumexp", ember.tensor([[1e30, -INF], [-INF, -INF]]), 1)


# ---- all / any / count_nonzero ---------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES + FLOAT_DTYPES)
def test_all_any(kernels, dtype):
    x = make((4, 5), dtype, low=0, high=2)
    for op in ("all", "any"):
        vs_torch(op, x)
        vs_torch(op, x, 1)
        vs_torch(op, x, 0, keepdim=True)
    vs_torch("count_nonzero", x)
    vs_torch("count_nonzero", x, 0)
    vs_torch("count_nonzero", x, (0, 1))


@needs_torch
def test_all_any_edge():
    vs_torch("all", ember.zeros(0))
    vs_torch("any", ember.zeros(0))
    vs_torch("all", ember.tensor([NAN, 1.0]))
    vs_torch("any", ember.tensor([0.0, -0.0]))
    vs_torch("all", make((3, 4), ember.bool, noncontig="T"), 0)
    vs_torch("count_nonzero", ember.tensor(0.0))


# ---- norms ----------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("ord", [2, 1, 0, INF, -INF, 3, 0.5, -1, -2.5])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_vector_norm(kernels, ord, dim):
    x = make((4, 6), ember.float64)
    got = ember.linalg.vector_norm(x, ord, dim)
    exp = torch.linalg.vector_norm(to_torch(x), ord, dim)
    assert_close(got, exp)
    got = ember.linalg.vector_norm(x, ord, dim, keepdim=True)
    assert_close(got, torch.linalg.vector_norm(to_torch(x), ord, dim, keepdim=True))


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_vector_norm_dtypes(dtype):
    x = make((5, 3), dtype)
    r, a = (2e-2, 2e-2) if dtype in (ember.float16, ember.bfloat16) else (None, None)
    assert_close(ember.linalg.vector_norm(x), torch.linalg.vector_norm(to_torch(x)), rtol=r, atol=a)
    assert_close(ember.linalg.vector_norm(x, dtype=ember.float64),
                 torch.linalg.vector_norm(to_torch(x), dtype=torch.float64), rtol=r, atol=a)
    assert_close(ember.linalg.vector_norm(ember.tensor([0.0, -0.0, INF])), np.float32(INF))
    assert math.isnan(ember.linalg.vector_norm(ember.tensor([NAN, 1.0])).item())


@needs_torch
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, INF, -INF])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (6, 2), (2, 3, 4)])
def test_matrix_norm(ord, shape):
    x = make(shape, ember.float64)
    assert_close(ember.linalg.matrix_norm(x, ord), torch.linalg.matrix_norm(to_torch(x), ord), rtol=1e-9, atol=1e-9)
    assert_close(ember.linalg.matrix_norm(x, ord, keepdim=True),
                 torch.linalg.matrix_norm(to_torch(x), ord, keepdim=True), rtol=1e-9, atol=1e-9)
    if len(shape) == 3:
        assert_close(ember.linalg.matrix_norm(x, ord, dim=(2, 0)),
                     torch.linalg.matrix_norm(to_torch(x), ord, dim=(2, 0)), rtol=1e-9, atol=1e-9)


@needs_torch
def test_matrix_norm_float32_and_rank_deficient():
    x = make((8, 5), ember.float32)
    for ord in ("nuc", 2, -2):
        assert_close(ember.linalg.matrix_norm(x, ord), torch.linalg.matrix_norm(to_torch(x), ord), rtol=1e-5)
    r = ember.tensor(np.outer(np.arange(1.0, 5.0), np.arange(1.0, 4.0)))
    assert_close(ember.linalg.matrix_norm(r, -2), np.float64(0.0), atol=1e-10)
    assert_close(ember.linalg.matrix_norm(r, 2), np.linalg.norm(to_np(r), 2))


@needs_torch
@pytest.mark.parametrize("args", [dict(), dict(ord=1), dict(ord=INF), dict(dim=1), dict(dim=(0, 1)), dict(ord="fro"),
                                  dict(ord="nuc"), dict(ord=2, dim=(1, 0)), dict(ord=3, dim=0, keepdim=True)])
def test_linalg_norm(args):
    x = make((3, 4), ember.float64)
    assert_close(ember.linalg.norm(x, **args), torch.linalg.norm(to_torch(x), **args), rtol=1e-9, atol=1e-9)
    v = make((7,), ember.float64)
    if "dim" not in args and not isinstance(args.get("ord"), str):
        assert_close(ember.linalg.norm(v, **args), torch.linalg.norm(to_torch(v), **args))


@needs_torch
@pytest.mark.parametrize("args", [dict(), dict(p=1), dict(p="fro", dim=(0, 1)), dict(p=INF, dim=1), dict(p=2, dim=0,
                                  keepdim=True), dict(p="nuc"), dict(p=3)])
def test_torch_norm(args):
    x = make((3, 4), ember.float32)
    assert_close(ember.norm(x, **args), torch.norm(to_torch(x), **args), rtol=1e-5)
    assert_close(x.norm(**args), to_torch(x).norm(**args), rtol=1e-5)


# ---- cumulative -----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((20, 40), 0), ((2, 3, 4), 1),
                                       ((2, 3, 4), -1), ((), 0), ((0, 3), 0)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_cumulative_layouts(kernels, op, shape, dim, nc):
    x = make(shape, ember.float64, low=0.5, high=1.5, noncontig=nc if len(shape) > 1 else None)
    vs_torch(op, x, dim)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin"])
def test_cumulative_dtypes(kernels, op, dtype):
    x = make((3, 6), dtype, low=-2, high=2)
    vs_torch(op, x, 1)
    vs_torch(op, x, 0)


@needs_torch
def test_cumulative_extremes_and_dtype_arg():
    for data in ([1.0, NAN, 3.0, NAN, 5.0], [3.0, 3.0, 1.0, 3.0], [-INF, -INF, 0.0], [INF, INF, -INF], [-0.0, 0.0]):
        x = ember.tensor(data)
        for op in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
            vs_torch(op, x, 0)
    x = make((3, 4), ember.int32)
    assert ember.cumsum(x, 1).dtype is ember.int64
    assert_close(ember.cumsum(x, 1, dtype=ember.float32), np.cumsum(to_np(x), 1).astype(np.float32))
    assert ember.cumprod(x, 0, dtype=ember.int32).dtype is ember.int32
    y = make((3, 4))
    ref = np.cumsum(to_np(y), 0)
    y.cumsum_(0)
    assert_close(y, ref)
    out = ember.empty(3, 4, dtype=ember.float64)
    ember.cumsum(make((3, 4)), 1, out=out)
    assert_close(out, np.cumsum(to_np(make((3, 4))).astype(np.float64), 1), rtol=1e-6)
    r = ember.cummax(ember.tensor([1, 3, 2]), 0)
    assert type(r).__name__ == "cummax" and r.indices.tolist() == [0, 1, 1]


# ---- Tensor methods and signatures -----------------------------------------------------------
def test_methods_exist_and_signatures():
    x = make((3, 4), ember.float32)
    n = to_np(x)
    assert_close(x.sum(dim=1, keepdim=True), n.sum(1, keepdims=True))
    assert_close(x.mean((0, 1)), n.mean(), rtol=1e-6)
    assert_close(x.prod(1), n.prod(1), rtol=1e-5)
    assert_close(x.amax(dim=(0, 1)), n.max())
    assert x.argmax().item() == n.argmax() and x.argmin(dim=1).tolist() == n.argmin(1).tolist()
    assert_close(x.logsumexp(1), np.log(np.exp(n).sum(1)), rtol=1e-5)
    assert x.all().item() is bool(n.all()) and x.any(0).dtype is ember.bool
    assert x.count_nonzero().item() == np.count_nonzero(n)
    assert_close(x.cumsum(0), np.cumsum(n, 0), rtol=1e-5)
    assert_close(x.nansum(), n.sum(), rtol=1e-5)
    assert x.var(1).shape == (3,) and x.std(dim=0, keepdim=True).shape == (1, 4)
    assert ember.sum(x, dim=[]).shape == ()
    assert ember.amax(x, ()).shape == ()
    assert ember.all(make((3,), ember.uint8)).dtype is ember.uint8


def test_hypothesis_sum_matches_numpy():
    hyp = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    from hypothesis.extra import numpy as hnp

    @hyp.settings(max_examples=15, deadline=None)
    @hyp.given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=6),
                          elements=st.floats(-1e3, 1e3)), st.data())
    def prop(a, data):
        axis = data.draw(st.integers(0, a.ndim - 1))
        t = ember.tensor(a)
        np.testing.assert_allclose(to_np(t.sum(axis)), a.sum(axis), rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(to_np(t.amax(axis)), a.max(axis))
        assert to_np(t.argmax(axis)).tolist() == a.argmax(axis).tolist()
        np.testing.assert_allclose(to_np(t.cumsum(axis)), np.cumsum(a, axis), rtol=1e-10, atol=1e-9)

    prop()


@pytest.mark.parametrize("op", ["sum", "amax", "var", "logsumexp"])
def test_column_strategy_multi_dim_chunks(kernels, op):
    # reduced dims that do not coalesce (a narrowed middle dim) and row chunks that cross them
    base = make((100, 60, 8), ember.float64)
    x = base.narrow(1, 0, 50)
    a = to_np(base)[:, :50]
    exp = {"sum": lambda: a.sum((0, 1)), "amax": lambda: a.max((0, 1)), "var": lambda: a.var((0, 1), ddof=1),
           "logsumexp": lambda: np.log(np.exp(a).sum((0, 1)))}[op]()
    assert_close(getattr(ember, op)(x, (0, 1)), exp, rtol=1e-9, atol=1e-9)
    assert_close(getattr(ember, op)(x, (0, 1), keepdim=True), np.expand_dims(exp, (0, 1)), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pos", [0, 5, 77777, (1 << 20) - 1])
def test_max_min_nan_anywhere_in_long_rows(dtype, pos):
    # the vectorized float max/min leaf tracks NaN separately; it must still propagate from any lane
    a = np.random.default_rng(1).standard_normal(1 << 20).astype(dtype)
    a[pos] = np.nan
    e = ember.from_numpy(a)
    assert np.isnan(e.amax().item()) and np.isnan(e.amin().item())
    rows = e.reshape(1024, 1024).amax(1).numpy()
    assert np.isnan(rows[pos // 1024]) and np.isnan(rows).sum() == 1
    a[pos] = np.inf
    assert ember.from_numpy(a).amax().item() == np.inf
