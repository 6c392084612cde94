"""Gradients of sort-family values: sort, msort, topk, kthvalue, median, nanmedian, mode (the
gradient goes to the returned indices; the full median splits it evenly among ties, as PyTorch)."""
import math

import numpy as np
import pytest

import ember
from gradutil import grad_case
from test_grad_reduce import torch_case, _nc, _t


def grad_goes_to_indices(f, x, dim, keepdim=True):
    """The gradient of the values lands exactly at the returned indices along ``dim``."""
    x = x.clone().requires_grad_()
    v, i = f(x)
    g = ember.randn(*v.shape, dtype=v.dtype)
    v.backward(g)
    expect = np.zeros(tuple(x.shape))
    gi, ii = g.numpy(), i.numpy()
    if not keepdim:
        gi, ii = np.expand_dims(gi, dim), np.expand_dims(ii, dim)
    np.put_along_axis(expect, ii, gi, axis=dim)
    np.testing.assert_allclose(x.grad.numpy(), expect)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(dim, descending):
    grad_case(lambda m, a: m.sort(a, dim, descending), ember.randn(3, 4))
    grad_case(lambda m, a: a.sort(dim=dim, descending=descending, stable=True).values, _nc(3, 4))


def test_sort_ties_0d_methods():
    torch_case(lambda m, a: m.sort(a, dim=1, stable=True), _t([1.0, 2.0, 1.0, 2.0], [0.5, 0.5, 0.5, -1.0]))
    grad_case(lambda m, a: m.sort(a), ember.randn(()))
    grad_case(lambda m, a: a.sort()[0] * a, ember.randn(5))
    x = ember.randn(4, requires_grad=True)
    v, i = ember.sort(x)
    assert v.grad_fn.name() == "SortBackward0" and not i.requires_grad and i.dtype is ember.int64


def test_msort():
    grad_case(lambda m, a: m.msort(a), ember.randn(4, 3))
    grad_case(lambda m, a: a.msort(), _nc(3, 4))


@pytest.mark.parametrize("k,dim,largest,sorted_", [(2, -1, True, True), (1, 0, False, True), (3, 1, True, False),
                                                   (0, 1, True, True), (4, 1, False, True)])
def test_topk(k, dim, largest, sorted_):
    grad_case(lambda m, a: m.sort(m.topk(a, k, dim, largest, sorted_).values, dim).values, ember.randn(3, 4))
    grad_goes_to_indices(lambda a: ember.topk(a, k, dim, largest, sorted_), ember.randn(3, 4), dim)
    grad_case(lambda m, a: a.topk(k, dim=dim, largest=largest).values, _nc(3, 4))


def test_topk_ties():
    # which of the tied elements PyTorch picks is unspecified: the gradient follows ember's indices
    x = _t([3.0, 3.0, 3.0, 1.0], [2.0, 5.0, 2.0, 2.0])
    grad_goes_to_indices(lambda a: ember.topk(a, 2, 1), x, 1)
    grad_goes_to_indices(lambda a: ember.topk(a, 2, 0, largest=False), x, 0)


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (2, 0, True), (4, 1, False), (3, -2, False)])
def test_kthvalue(k, dim, keepdim):
    grad_case(lambda m, a: m.kthvalue(a, k, dim, keepdim), ember.randn(3, 4))
    grad_case(lambda m, a: a.kthvalue(k, dim=dim, keepdim=keepdim).values, _nc(3, 4))


def test_kthvalue_ties_0d():
    torch_case(lambda m, a: m.kthvalue(a, 2, 1), _t([3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 0.0]))
    grad_case(lambda m, a: m.kthvalue(a, 1, 0), ember.randn(()))


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_median_dim(op, dim, keepdim):
    grad_case(lambda m, a: getattr(m, op)(a, dim, keepdim), ember.randn(3, 4))
    grad_case(lambda m, a: getattr(a, op)(dim=dim, keepdim=keepdim).values, _nc(3, 5))
    torch_case(lambda m, a: getattr(m, op)(a, dim, keepdim), _t([1.0, 2.0, 2.0, 0.0], [4.0, 4.0, 4.0, 4.0]))


@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_full(op):
    grad_case(lambda m, a: getattr(m, op)(a), ember.randn(3, 4))
    grad_case(lambda m, a: getattr(a, op)(), ember.randn(()))
    torch_case(lambda m, a: getattr(m, op)(a), _t([1.0, 2.0, 2.0], [2.0, 5.0, 0.0]))   # ties share evenly
    x = _t(1.0, 2.0, 2.0, 3.0, 2.0).requires_grad_()
    getattr(ember, op)(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])


def test_nanmedian_with_nans():
    x = _t([1.0, math.nan, 3.0, 0.5], [math.nan, math.nan, 2.0, 4.0], [math.nan] * 4)
    torch_case(lambda m, a: m.nanmedian(a, 1), _t([1.0, math.nan, 3.0, 0.5], [math.nan, math.nan, 2.0, 4.0]))
    grad_goes_to_indices(lambda a: ember.nanmedian(a, 1), x, 1, keepdim=False)   # all-nan row: index 0
    torch_case(lambda m, a: m.nanmedian(a), x)
    torch_case(lambda m, a: m.median(a, 1), x)
    torch_case(lambda m, a: m.median(a), x)


@pytest.mark.parametrize("dim,keepdim", [(-1, False), (0, True), (1, False)])
def test_mode(dim, keepdim):
    x = _t([1.0, 2.0, 2.0, 3.0], [4.0, 4.0, 0.5, 0.5], [1.5, 2.5, 3.5, 1.5])
    torch_case(lambda m, a: m.mode(a, dim, keepdim), x)
    torch_case(lambda m, a: a.mode(dim=dim, keepdim=keepdim).values, x)
    grad_case(lambda m, a: m.mode(a, dim, keepdim), ember.randn(3, 4))


def test_tuple_out_on_grad_path_raises():
    x = ember.randn(3, 4, requires_grad=True)
    for op, args in (("sort", ()), ("topk", (2,)), ("kthvalue", (1,)), ("mode", ()), ("median", (0,))):
        with pytest.raises(RuntimeError, match=rf"^\[{op}\] .*out="):
            getattr(ember, op)(x, *args, out=(ember.empty(0), ember.empty(0, dtype=ember.int64)))


def test_msort_out_on_grad_path():
    x = ember.randn(3, 2, requires_grad=True)
    out = ember.empty(3, 2)
    ember.msort(x, out=out)
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((3, 2)))


def test_errors_name_the_op_on_grad_path():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(TypeError, match=r"^\[sort\] "):
        ember.sort(x, 1.5)
    with pytest.raises(TypeError, match=r"^\[topk\] "):
        ember.topk(x, 1.5)
    with pytest.raises(TypeError, match=r"^\[median\] "):
        ember.median(x, keepdim=True)
    with pytest.raises(RuntimeError, match=r"^\[topk\] "):
        ember.topk(x, 9)


def test_selection_double_backward():
    x = ember.randn(3, 4)
    grad_case(lambda m, a: m.sort(a, 1).values * a, x, gradgrad=True)
    grad_case(lambda m, a: m.topk(a, 2, 0).values.sum(0) * a, x, gradgrad=True)
    grad_case(lambda m, a: m.kthvalue(a, 2, 1, keepdim=True).values * a, x, gradgrad=True)
    grad_case(lambda m, a: m.median(a, 1, keepdim=True).values * a, x, gradgrad=True)
    grad_case(lambda m, a: m.median(a) * a, x, gradgrad=True)
