"""Pooling: max / avg / adaptive / unpool / lp pooling, forward and gradients against PyTorch,
finite-difference gradcheck (float64, double backward), reference vs fast kernels, modules and
PyTorch's errors."""
import itertools

import numpy as np
import pytest

import ember
from conftest import needs_torch
from gradutil import grad_case

try:
    import torch
except ImportError:
    torch = None


def _t(x):
    return torch.from_numpy(x.detach().numpy().copy())


def _close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


# ---- max pooling ------------------------------------------------------------------------------
MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
    dict(kernel_size=2, stride=3, ceil_mode=True),              # stride > kernel, edge window
    dict(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX2D)
def test_max_pool2d_grad(kw):
    x = ember.randn(2, 3, 7, 6)
    grad_case(lambda m, x: m.nn.functional.max_pool2d(x, **kw), x, gradgrad=True)


@pytest.mark.parametrize("kw", MAX2D[:3])
def test_max_pool2d_indices_and_unbatched(kw):
    x = ember.randn(3, 5, 8)
    grad_case(lambda m, x: m.nn.functional.max_pool2d(x, return_indices=True, **kw), x)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=2, stride=1, padding=1, dilation=1),
                                dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)])
def test_max_pool1d_grad(kw):
    x = ember.randn(2, 3, 9)
    grad_case(lambda m, x: m.nn.functional.max_pool1d(x, return_indices=True, **kw), x, gradgrad=True)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), padding=1),
                                dict(kernel_size=2, stride=2, ceil_mode=True, dilation=(1, 2, 1))])
def test_max_pool3d_grad(kw):
    x = ember.randn(1, 2, 4, 5, 5)
    grad_case(lambda m, x: m.nn.functional.max_pool3d(x, return_indices=True, **kw), x, gradgrad=True)


def test_max_pool_noncontiguous_and_channels_last():
    x = ember.randn(2, 6, 5, 4).transpose(2, 3)
    grad_case(lambda m, x: m.nn.functional.max_pool2d(x, 2, 1, 1), x)
    y = ember.randn(2, 5, 6, 3).permute(0, 3, 1, 2)  # channels-last memory
    grad_case(lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, ceil_mode=True), y)


@needs_torch
def test_max_pool_nan_inf_and_ties_match_torch():
    x = ember.tensor([[[[1.0, float("nan"), 2.0, 2.0], [float("-inf"), float("-inf"), 3.0, 3.0],
                        [float("-inf"), float("-inf"), 0.0, 0.0], [float("-inf"), float("-inf"), 0.0, 5.0]]]])
    for kw in (dict(kernel_size=2), dict(kernel_size=2, stride=1), dict(kernel_size=3, stride=2, padding=1)):
        v, i = ember.nn.functional.max_pool2d(x, return_indices=True, **kw)
        tv, ti = torch.nn.functional.max_pool2d(_t(x), return_indices=True, **kw)
        np.testing.assert_array_equal(v.numpy(), tv.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())


# ---- average pooling --------------------------------------------------------------------------
AVG2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
         dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1), divisor_override=4),
         dict(kernel_size=2, stride=3, ceil_mode=True)]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_grad(kw):
    x = ember.randn(2, 2, 7, 6)
    grad_case(lambda m, x: m.nn.functional.avg_pool2d(x, **kw), x, gradgrad=True)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=2, padding=1, count_include_pad=False)])
def test_avg_pool1d_grad(kw):
    grad_case(lambda m, x: m.nn.functional.avg_pool1d(x, **kw), ember.randn(2, 3, 8), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.avg_pool1d(x, **kw), ember.randn(3, 8))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                          count_include_pad=False),
                                dict(kernel_size=(1, 2, 3), stride=1, padding=(0, 1, 1), divisor_override=5)])
def test_avg_pool3d_grad(kw):
    grad_case(lambda m, x: m.nn.functional.avg_pool3d(x, **kw), ember.randn(1, 2, 4, 5, 5), gradgrad=True)


def test_avg_pool_noncontiguous():
    x = ember.randn(2, 7, 6, 3).permute(0, 3, 1, 2)
    grad_case(lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), x)


# ---- adaptive pooling -------------------------------------------------------------------------
@pytest.mark.parametrize("size", [1, 3, (4, 2), (None, 5), (7, 6), (9, 8)])
def test_adaptive_avg_pool2d_grad(size):
    grad_case(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, size), ember.randn(2, 3, 7, 6), gradgrad=True)


@pytest.mark.parametrize("size", [1, (4, 2), (None, 5), (9, 8)])
def test_adaptive_max_pool2d_grad(size):
    grad_case(lambda m, x: m.nn.functional.adaptive_max_pool2d(x, size, return_indices=True),
              ember.randn(2, 3, 7, 6), gradgrad=True)


def test_adaptive_1d_3d_grad():
    x = ember.randn(2, 3, 10)
    for s in (1, 3, 4, 13):
        grad_case(lambda m, x: m.nn.functional.adaptive_avg_pool1d(x, s), x, gradgrad=True)
        grad_case(lambda m, x: m.nn.functional.adaptive_max_pool1d(x, s, return_indices=True), x, gradgrad=True)
    y = ember.randn(1, 2, 5, 4, 6)
    for s in (1, (2, 3, 4), (None, 2, 7)):
        grad_case(lambda m, x: m.nn.functional.adaptive_avg_pool3d(x, s), y, gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 3), ember.randn(3, 7, 5))  # unbatched


# ---- max_unpool, lp_pool ----------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("kw,osz", [(dict(kernel_size=2), None), (dict(kernel_size=3, stride=3, padding=1), None),
                                    (dict(kernel_size=2), (7, 7)), (dict(kernel_size=2), (1, 2, 7, 6))])
def test_max_unpool2d_grad(kw, osz):
    # non-overlapping windows: with duplicate indices the scatter keeps one value (as PyTorch), so
    # finite differences and the gather backward legitimately disagree
    src = torch.randn(1, 2, 7, 7 if "padding" in kw else 6)
    _, ti = torch.nn.functional.max_pool2d(src, return_indices=True, **kw)
    ei = ember.tensor(ti.numpy())
    x = ember.randn(*ti.shape)
    grad_case(lambda m, x: m.nn.functional.max_unpool2d(x, ei if m is ember else ti, output_size=osz, **kw), x,
              gradgrad=True)


@needs_torch
def test_max_unpool1d_roundtrip_and_module():
    x = ember.randn(2, 3, 9)
    v, i = ember.nn.MaxPool1d(3, 2, 1, return_indices=True)(x)
    u = ember.nn.MaxUnpool1d(3, 2, 1)(v, i, output_size=x.shape)
    tv, ti = torch.nn.MaxPool1d(3, 2, 1, return_indices=True)(_t(x))
    tu = torch.nn.MaxUnpool1d(3, 2, 1)(tv, ti, output_size=_t(x).shape)
    _close(u, tu)
    v, i = ember.nn.MaxPool1d(3, 3, 1, return_indices=True)(x)
    ti = torch.from_numpy(i.numpy())
    grad_case(lambda m, x: m.nn.functional.max_unpool1d(x, i if m is ember else ti, 3, 3, 1, [9]), v,
              gradgrad=True)


def test_lp_pool_grad():
    x = ember.rand(2, 3, 7, 6) + 0.5
    grad_case(lambda m, x: m.nn.functional.lp_pool2d(x, 2, 3, 2), x)
    grad_case(lambda m, x: m.nn.functional.lp_pool2d(x, 3.0, (2, 3), ceil_mode=True), x)
    grad_case(lambda m, x: m.nn.functional.lp_pool1d(x.flatten(2), 2, 4, 3), x)


# ---- reference vs fast, float32 vs torch, empty batch -----------------------------------------
@needs_torch
def test_fast_matches_reference_and_torch_float32():
    rng = np.random.default_rng(1)
    for n, c, h, w in [(2, 3, 9, 7), (1, 16, 12, 12), (4, 5, 5, 11)]:
        x = ember.tensor(rng.standard_normal((n, c, h, w)).astype(np.float32))
        ops = [lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
               lambda m, x: m.nn.functional.max_pool2d(x, 2, return_indices=True),
               lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
               lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, (3, 4)),
               lambda m, x: m.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True)]
        for f in ops:
            fast = f(ember, x)
            ember.set_kernels("reference")
            try:
                ref = f(ember, x)
            finally:
                ember.set_kernels("fast")
            tor = f(torch, _t(x))
            fast, ref, tor = [o if isinstance(o, tuple) else (o,) for o in (fast, ref, tor)]
            for a, b, t in zip(fast, ref, tor):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
                np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 7, 7), (3, 11, 1, 8), (1, 8, 3, 3), (2, 9, 4, 4), (4, 17, 5, 3),
                                   (1, 5, 10, 10), (2, 16, 2, 2), (3, 7, 13, 1)])
def test_global_avg_pool_fast_path(shape):
    """adaptive_avg_pool to 1x1 (the AVX2 8-planes-at-a-time kernel for float32 planes of >= 8
    values): plane counts that are not multiples of 8, every tail length, float64, non-contiguous
    and channels_last inputs, 1-D and 3-D forms, against the reference kernels and torch."""
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(np.float32) * 3 + 1
    for x in [ember.tensor(a), ember.tensor(a.astype(np.float64)),
              ember.tensor(np.ascontiguousarray(a.transpose(0, 1, 3, 2))).transpose(2, 3),
              ember.tensor(np.ascontiguousarray(a.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2)]:
        fast = ember.nn.functional.adaptive_avg_pool2d(x, 1)
        ember.set_kernels("reference")
        try:
            ref = ember.nn.functional.adaptive_avg_pool2d(x, 1)
        finally:
            ember.set_kernels("fast")
        assert fast.shape == (shape[0], shape[1], 1, 1) and fast.dtype == x.dtype
        np.testing.assert_allclose(fast.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(fast.numpy(), torch.nn.functional.adaptive_avg_pool2d(_t(x), 1).numpy(),
                                   rtol=1e-6, atol=1e-6)
    x1 = ember.tensor(a.reshape(shape[0], shape[1], -1))
    np.testing.assert_allclose(ember.nn.functional.adaptive_avg_pool1d(x1, 1).numpy(),
                               a.reshape(shape[0], shape[1], -1).mean(-1, keepdims=True), rtol=1e-5, atol=1e-6)
    x3 = ember.tensor(a.reshape(shape[0], shape[1], 1, shape[2], shape[3]))
    np.testing.assert_allclose(ember.nn.functional.adaptive_avg_pool3d(x3, 1).numpy().reshape(shape[:2]),
                               a.mean((2, 3)), rtol=1e-5, atol=1e-6)


@needs_torch
def test_float32_backward_matches_torch():
    x = ember.randn(2, 4, 10, 9, requires_grad=True)
    tx = _t(x).requires_grad_()
    for f in (lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1),
              lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
              lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 4)):
        g = np.random.default_rng(0).standard_normal(tuple(f(ember, x).shape)).astype(np.float32)
        (ge,) = ember.autograd.grad(f(ember, x), x, ember.tensor(g))
        (gt,) = torch.autograd.grad(f(torch, tx), tx, torch.from_numpy(g))
        _close(ge, gt)


def test_empty_batch():
    x = ember.randn(0, 3, 6, 6)
    assert tuple(ember.nn.functional.max_pool2d(x, 2).shape) == (0, 3, 3, 3)
    assert tuple(ember.nn.functional.avg_pool2d(x, 2).shape) == (0, 3, 3, 3)
    assert tuple(ember.nn.functional.adaptive_avg_pool2d(x, 2).shape) == (0, 3, 2, 2)


def test_half_precision_runs():
    x = ember.randn(2, 3, 6, 6)
    for dt in (ember.float16, ember.bfloat16):
        y = ember.nn.functional.max_pool2d(x.to(dt), 2)
        assert y.dtype == dt
        np.testing.assert_allclose(y.float().numpy(), ember.nn.functional.max_pool2d(x.to(dt).float(), 2).numpy())
        a = ember.nn.functional.avg_pool2d(x.to(dt), 2).float().numpy()
        np.testing.assert_allclose(a, ember.nn.functional.avg_pool2d(x, 2).numpy(), rtol=2e-2, atol=2e-2)


# ---- modules ----------------------------------------------------------------------------------
MODULES = ["MaxPool1d(3, 2, 1)", "MaxPool2d(3, 2, 1, ceil_mode=True)", "MaxPool3d(2)", "AvgPool1d(3)",
           "AvgPool2d(3, 2, count_include_pad=False)", "AvgPool3d(2, divisor_override=3)", "AdaptiveAvgPool1d(4)",
           "AdaptiveAvgPool2d((None, 3))", "AdaptiveAvgPool3d(2)", "AdaptiveMaxPool1d(4)",
           "AdaptiveMaxPool2d((2, 3), return_indices=True)", "MaxUnpool1d(3, 2, 1)", "MaxUnpool2d(2)",
           "LPPool1d(2, 3)", "LPPool2d(2, 3, stride=2)", "MaxPool2d(2, return_indices=True)"]


@needs_torch
@pytest.mark.parametrize("spec", MODULES)
def test_module_repr_and_forward(spec):
    em, tm = eval("ember.nn." + spec), eval("torch.nn." + spec)
    assert repr(em) == repr(tm)
    assert dict(em.state_dict()) == {} and len(tm.state_dict()) == 0
    name = spec.split("(")[0]
    if "Unpool" in name:
        return
    nsp = 3 if "3d" in name else 2 if "2d" in name else 1
    x = ember.rand(*((2, 3) + (6, 7, 5)[:nsp])) + 0.1
    a, b = em(x), tm(_t(x))
    a, b = (a, b) if isinstance(a, tuple) else ((a,), (b,))
    for u, v in zip(a, b):
        _close(u, v)


# ---- errors -----------------------------------------------------------------------------------
F = ember.nn.functional


@pytest.mark.parametrize("call,exc,name", [
    (lambda: F.max_pool2d(ember.randn(1, 1, 4, 4), 0), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool2d(ember.randn(1, 1, 4, 4), 2, padding=2), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool2d(ember.randn(1, 1, 2, 2), 3), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool2d(ember.randn(4, 4), 2), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool2d(ember.randn(1, 1, 4, 4), 2, stride=0), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool1d(ember.randn(1, 1, 4), 2, dilation=0), RuntimeError, "max_pool1d"),
    (lambda: F.max_pool3d(ember.randn(1, 1, 4, 4), 2), RuntimeError, "max_pool3d"),
    (lambda: F.avg_pool2d(ember.randn(1, 1, 4, 4), 2, padding=2), RuntimeError, "avg_pool2d"),
    (lambda: F.avg_pool2d(ember.randn(1, 1, 4, 4), 2, divisor_override=0), RuntimeError, "avg_pool2d"),
    (lambda: F.avg_pool1d(ember.randn(1, 0, 4), 2), RuntimeError, "avg_pool1d"),
    (lambda: F.adaptive_avg_pool2d(ember.randn(1, 1, 4, 4), (-1, 2)), RuntimeError, "adaptive_avg_pool2d"),
    (lambda: F.adaptive_max_pool2d(ember.randn(4), 2), RuntimeError, "adaptive_max_pool2d"),
    (lambda: F.max_pool2d(ember.ones(1, 1, 4, 4, dtype=ember.int64), 2), RuntimeError, "max_pool2d"),
    (lambda: F.max_pool2d([1.0], 2), TypeError, "max_pool2d"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.zeros(1, 1, 2, 2, dtype=ember.int64), 2,
                            output_size=(9, 9)), ValueError, "max_unpool2d"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.full((1, 1, 2, 2), 99, dtype=ember.int64), 2),
     RuntimeError, "max_unpool2d"),
])
def test_errors(call, exc, name):
    with pytest.raises(exc, match=r"\[" + name):
        call()


@needs_torch
@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.max_pool2d(m.randn(1, 1, 4, 4), 2, padding=2),
    lambda m: m.nn.functional.max_pool2d(m.randn(1, 1, 2, 2), 3),
    lambda m: m.nn.functional.avg_pool2d(m.randn(1, 1, 4, 4), 2, divisor_override=0),
    lambda m: m.nn.functional.max_unpool2d(m.randn(1, 1, 2, 2), m.zeros(1, 1, 2, 2, dtype=m.int64), 2,
                                           output_size=(9, 9)),
])
def test_error_types_match_torch(call):
    with pytest.raises(Exception) as te:
        call(torch)
    with pytest.raises(type(te.value)):
        call(ember)


def test_grad_node_names():
    x = ember.randn(1, 1, 4, 4, requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 2).grad_fn.name() == "AdaptiveAvgPool2DBackward0"
    v, i = F.max_pool2d(x, 2, return_indices=True)
    assert not i.requires_grad and i.dtype == ember.int64


def test_grid_small_gradcheck():
    # every combination of the window options on a tiny odd-sized input (max + avg)
    x = ember.randn(1, 1, 5, 4)
    for k, s, p, c in itertools.product((1, 2, 3), (1, 2), (0, 1), (False, True)):
        if p > k // 2:
            continue
        grad_case(lambda m, x: m.nn.functional.max_pool2d(x, k, s, p, ceil_mode=c), x)
        grad_case(lambda m, x: m.nn.functional.avg_pool2d(x, k, s, p, ceil_mode=c, count_include_pad=False), x)


@needs_torch
@pytest.mark.parametrize("k,s,p,d", [(2, 2, 0, 1), (3, 2, 1, 1), (3, 1, 1, 1), (2, 1, 0, 1), (3, 2, 1, 2),
                                     (4, 3, 2, 1)])
def test_max_pool_simd_rows_ties_nan_vs_reference_and_torch(k, s, p, d):
    # wide rows reach the vectorized interior loop; small integers make ties, a few NaNs and -infs
    rng = np.random.default_rng(k * 10 + s)
    a = rng.integers(-3, 3, size=(2, 3, 9, 37)).astype(np.float32)
    a.flat[rng.integers(0, a.size, 12)] = np.nan
    a.flat[rng.integers(0, a.size, 12)] = -np.inf
    x = ember.tensor(a)
    v, i = F.max_pool2d(x, k, s, p, d, ceil_mode=True, return_indices=True)
    ember.set_kernels("reference")
    try:
        rv, ri = F.max_pool2d(x, k, s, p, d, ceil_mode=True, return_indices=True)
    finally:
        ember.set_kernels("fast")
    tv, ti = torch.nn.functional.max_pool2d(torch.from_numpy(a), k, s, p, d, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(v.numpy(), rv.numpy())
    np.testing.assert_array_equal(i.numpy(), ri.numpy())
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@needs_torch
def test_fast_paths_1d_3d_float32_vs_torch():
    rng = np.random.default_rng(7)
    a1 = rng.integers(-4, 4, size=(3, 4, 41)).astype(np.float32)
    a3 = rng.standard_normal((2, 3, 5, 6, 23)).astype(np.float32)
    t1, t3 = torch.from_numpy(a1), torch.from_numpy(a3)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1)):
        v, i = F.max_pool1d(ember.tensor(a1), return_indices=True, **kw)
        tv, ti = torch.nn.functional.max_pool1d(t1, return_indices=True, **kw)
        np.testing.assert_array_equal(v.numpy(), tv.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        v, i = F.max_pool3d(ember.tensor(a3), return_indices=True, **kw)
        tv, ti = torch.nn.functional.max_pool3d(t3, return_indices=True, **kw)
        np.testing.assert_array_equal(v.numpy(), tv.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        a = F.avg_pool3d(ember.tensor(a3), **kw).numpy()
        np.testing.assert_allclose(a, torch.nn.functional.avg_pool3d(t3, **kw).numpy(), rtol=1e-6, atol=1e-6)
        a = F.avg_pool1d(ember.tensor(a1), count_include_pad=False, **kw).numpy()
        b = torch.nn.functional.avg_pool1d(t1, count_include_pad=False, **kw).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
