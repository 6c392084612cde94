"""Gradients of reductions, scans and norms: gradcheck + PyTorch parity (tests/gradutil.grad_case)."""
import math

import numpy as np
import pytest

import ember
from gradutil import grad_case, torch

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")




def _t(*vals):
    return ember.tensor(np.array(vals, dtype=np.float64))


def _nc(*shape):
    """A non-contiguous input: the transpose of a contiguous tensor."""
    return ember.randn(*reversed(shape)).t() if len(shape) == 2 else ember.randn(*shape)[..., ::2]


def _dtype_case(f, x):
    """A float32 input reduced with ``dtype=float64``: float64 output, float32 gradient equal to torch's."""
    xe = x.float().detach().requires_grad_()
    ye = f(ember, xe)
    assert ye.dtype is ember.float64 and ye.requires_grad
    g = np.random.default_rng(1).standard_normal(tuple(ye.shape))
    ye.backward(ember.tensor(g))
    assert xe.grad.dtype is ember.float32
    if torch is not None:
        xt = torch.tensor(x.float().numpy(), requires_grad=True)
        f(torch, xt).backward(torch.tensor(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def torch_case(f, *xs):
    """Forward values and gradients (random upstream) against PyTorch only: for inputs with ties,
    where finite differences are meaningless but PyTorch's subgradient choice is the contract."""
    if torch is None:
        pytest.skip("PyTorch not installed")
    es = [ember.tensor(x.numpy()).requires_grad_() for x in xs]
    ts = [torch.tensor(x.numpy(), requires_grad=True) for x in xs]
    oe, ot = f(ember, *es), f(torch, *ts)
    oe = [o for o in (oe if isinstance(oe, tuple) else (oe,)) if o.is_floating_point()]
    ot = [o for o in (ot if isinstance(ot, tuple) else (ot,)) if o.is_floating_point()]
    assert len(oe) == len(ot)
    rng = np.random.default_rng(0)
    gs = [rng.standard_normal(tuple(o.shape)) for o in ot]
    for a, b in zip(oe, ot):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), equal_nan=True)
    ge = ember.autograd.grad(oe, es, [ember.tensor(g) for g in gs], allow_unused=True)
    gt = torch.autograd.grad(ot, ts, [torch.tensor(g) for g in gs], allow_unused=True)
    for a, b in zip(ge, gt):
        if b is None:
            assert a is None or not np.any(a.numpy())
        else:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-12, equal_nan=True)


# ---- sum / mean / nansum / nanmean ----------------------------------------------------------------
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (-1, True), ((0, 2), False), ((-1, 0), True),
                                         ([], False)])
def test_sum_mean_dims(dim, keepdim):
    x = ember.randn(2, 3, 2)
    grad_case(lambda m, a: m.sum(a, dim, keepdim) if dim is not None else m.sum(a), x, gradgrad=True)
    if dim != []:
        grad_case(lambda m, a: m.mean(a, dim, keepdim) if dim is not None else m.mean(a), x, gradgrad=True)


def test_sum_mean_methods_0d_noncontiguous_dtype():
    grad_case(lambda m, a: a.sum(1) + a.mean(dim=0), _nc(3, 3), gradgrad=True)
    grad_case(lambda m, a: a.sum(0) * a.mean(-1, keepdim=True), ember.randn(()), gradgrad=True)
    _dtype_case(lambda m, a: a.sum(1, dtype=m.float64), ember.randn(2, 3))
    _dtype_case(lambda m, a: m.mean(a, dtype=m.float64), ember.randn(2, 3))
    x = ember.randn(2, 3, requires_grad=True)
    x.sum(dtype=ember.float64).backward()
    assert x.grad.dtype is ember.float32 and np.all(x.grad.numpy() == 1)


def test_nansum_nanmean():
    x = _t([1.0, math.nan, 2.0], [math.nan, math.nan, 3.0], [0.5, -1.0, 4.0])
    grad_case(lambda m, a: m.nansum(a, 1), x, gradgrad=True)
    grad_case(lambda m, a: a.nansum(), x, gradgrad=True)
    grad_case(lambda m, a: m.nanmean(a, 0, keepdim=True), x, gradgrad=True)
    grad_case(lambda m, a: a.nanmean(), x, gradgrad=True)
    grad_case(lambda m, a: m.nanmean(a, (0, 1)), ember.randn(2, 3))


@needs_torch
def test_nanmean_all_nan_slice_matches_torch():
    x = _t([math.nan, math.nan], [1.0, 2.0])
    xe = x.clone().requires_grad_()
    ember.nanmean(xe, 1).sum().backward()
    xt = torch.tensor(x.numpy(), requires_grad=True)
    torch.nanmean(xt, 1).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), equal_nan=True)


# ---- prod -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_prod_no_zeros(dim, keepdim):
    x = ember.rand(3, 4) + 0.5
    f = (lambda m, a: m.prod(a)) if dim is None else (lambda m, a: m.prod(a, dim, keepdim))
    grad_case(f, x, gradgrad=True)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros(dim):
    x = _t([1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5], [2.0, -0.5, 1.5, 0.7])   # one zero, two zeros, none
    f = (lambda m, a: m.prod(a)) if dim is None else (lambda m, a: a.prod(dim))
    grad_case(f, x, gradgrad=True)
    grad_case((lambda m, a: m.prod(a)) if dim is None else (lambda m, a: a.prod(dim)),
              _t([1.5, 0.0, 2.0], [3.0, -1.0, 0.5]), gradgrad=True)


def test_prod_0d_noncontiguous_dtype_empty():
    grad_case(lambda m, a: m.prod(a, 0), ember.randn(()), gradgrad=True)
    grad_case(lambda m, a: a.prod(), ember.randn(()))
    grad_case(lambda m, a: m.prod(a, 0), _nc(3, 4) + 2, gradgrad=True)
    _dtype_case(lambda m, a: m.prod(a, 1, dtype=m.float64), ember.rand(2, 3) + 0.5)
    _dtype_case(lambda m, a: m.prod(a, dtype=m.float64), ember.rand(2, 3) + 0.5)
    x = ember.zeros(0, 3, requires_grad=True)
    ember.prod(x, 0).sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


# ---- var / std ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(dim=(0, 2), keepdim=True), dict(dim=-1, correction=0),
                                dict(dim=0, unbiased=False), dict(dim=[1, 2], correction=2), dict(keepdim=True)])
def test_var_std(kw):
    x = ember.randn(3, 2, 2)
    grad_case(lambda m, a: m.var(a, **kw), x, gradgrad=True)
    grad_case(lambda m, a: m.std(a, **kw), x, gradgrad=True)
    grad_case(lambda m, a: m.var_mean(a, **kw), x)
    grad_case(lambda m, a: m.std_mean(a, **kw), x)


def test_var_std_methods_positional_noncontiguous():
    grad_case(lambda m, a: a.var(1, True, True), _nc(3, 4), gradgrad=True)
    grad_case(lambda m, a: a.std(0, False), _nc(3, 4), gradgrad=True)
    grad_case(lambda m, a: a.std(False), ember.randn(5))
    grad_case(lambda m, a: m.var(a, 0), ember.randn(4))


@needs_torch
@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("f", [lambda m, a: m.var(a), lambda m, a: m.std(a), lambda m, a: m.var(a, 0),
                               lambda m, a: m.std(a, 1), lambda m, a: m.var(a, correction=5),
                               lambda m, a: m.var_mean(a, 1)[0]])
def test_var_std_degenerate_match_torch(f):
    """dof <= 0 and constant slices: PyTorch's inf/nan/0 gradients."""
    for vals in ([[1.0, 2.0, 3.0]], [[2.0, 2.0, 2.0]], [[0.5], [1.0]]):
        x = np.array(vals)
        xe = ember.tensor(x).requires_grad_()
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = f(ember, xe), f(torch, xt)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), equal_nan=True)
        ge = ember.autograd.grad(ye, xe, ember.ones_like(ye))[0]
        gt = torch.autograd.grad(yt, xt, torch.ones_like(yt))[0]
        np.testing.assert_allclose(ge.numpy(), gt.numpy(), equal_nan=True)


def test_std_constant_input_gradient_is_zero():
    x = ember.full((3,), 2.5, dtype=ember.float64, requires_grad=True)
    ember.std(x).backward()
    assert np.all(x.grad.numpy() == 0)


# ---- max / min / amax / amin / aminmax ------------------------------------------------------------
def test_max_min_full_ties_split_evenly():
    x = _t([1.0, 3.0, 3.0], [-2.0, 3.0, -2.0])
    for f in (lambda m, a: m.max(a), lambda m, a: a.min(), lambda m, a: m.amax(a), lambda m, a: m.amin(a, (0, 1))):
        if torch is not None:
            torch_case(f, x)
    xe = x.clone().requires_grad_()
    ember.max(xe).backward()
    np.testing.assert_allclose(xe.grad.numpy(), [[0, 1 / 3, 1 / 3], [0, 1 / 3, 0]])


def test_max_full_nan_goes_to_nan_inputs():
    x = _t(1.0, math.nan, 2.0, math.nan).requires_grad_()
    ember.max(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0.5, 0, 0.5])


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_dim(dim, keepdim):
    x = ember.randn(2, 3)
    grad_case(lambda m, a: m.max(a, dim, keepdim), x)
    grad_case(lambda m, a: m.min(a, dim=dim, keepdim=keepdim), x)
    grad_case(lambda m, a: a.max(dim=dim, keepdim=keepdim).values * 2, _nc(2, 3))
    grad_case(lambda m, a: a.min(dim)[0], x)


def test_max_dim_ties_go_to_returned_index():
    x = _t([2.0, 5.0, 5.0, 1.0], [4.0, 4.0, 0.0, 4.0])
    torch_case(lambda m, a: m.max(a, 1), x)
    torch_case(lambda m, a: m.min(a, 0), _t([1.0, 1.0], [1.0, 2.0]))
    xe = x.clone().requires_grad_()
    v, i = ember.max(xe, 1)
    v.sum().backward()
    expect = np.zeros((2, 4))
    expect[np.arange(2), i.numpy()] = 1
    np.testing.assert_allclose(xe.grad.numpy(), expect)
    assert not i.requires_grad and i.grad_fn is None


def test_max_0d_and_names_and_indices():
    grad_case(lambda m, a: m.max(a, 0), ember.randn(()))
    grad_case(lambda m, a: a.max(), ember.randn(()))
    x = ember.randn(3, 4, requires_grad=True)
    r = x.max(1)
    assert r.values.grad_fn.name() == "MaxBackward0" and r.indices.dtype is ember.int64
    assert ember.amax(x, 1).grad_fn.name() == "AmaxBackward0"
    assert x.sum().grad_fn.name() == "SumBackward0" and x.prod().grad_fn.name() == "ProdBackward0"


def test_max_tuple_out_on_grad_path_raises():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[max\] .*out="):
        ember.max(x, 1, out=(ember.empty(3), ember.empty(3, dtype=ember.int64)))


@pytest.mark.parametrize("dim,keepdim", [((), False), (0, False), (1, True), ((0, 1), False), (-1, True)])
def test_amax_amin(dim, keepdim):
    x = _t([1.0, 3.0, 3.0, 0.5], [-2.0, 3.0, -2.0, 4.0], [0.0, 0.0, 0.0, -1.0])   # ties in rows and columns
    torch_case(lambda m, a: m.amax(a, dim, keepdim), x)
    torch_case(lambda m, a: m.amin(a, dim, keepdim), x)
    torch_case(lambda m, a: m.amax(a, dim, keepdim) * m.amax(a, dim, keepdim), x)
    grad_case(lambda m, a: a.amax(dim, keepdim), ember.randn(3, 4), gradgrad=True)


def test_amax_0d_noncontiguous():
    grad_case(lambda m, a: m.amax(a), ember.randn(()), gradgrad=True)
    grad_case(lambda m, a: m.amin(a, 0), _nc(4, 3), gradgrad=True)


@pytest.mark.parametrize("kw", [dict(), dict(dim=0), dict(dim=1, keepdim=True), dict(dim=-1)])
def test_aminmax(kw):
    x = _t([1.0, 3.0, 3.0], [-2.0, 3.0, -2.0])
    torch_case(lambda m, a: m.aminmax(a, **kw), x)
    grad_case(lambda m, a: m.aminmax(a, **kw), ember.randn(3, 4))
    grad_case(lambda m, a: a.aminmax(**kw).max, ember.randn(2, 3))


# ---- logsumexp ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), ((0, 1), False), (-1, False)])
def test_logsumexp(dim, keepdim):
    grad_case(lambda m, a: m.logsumexp(a, dim, keepdim), ember.randn(3, 4))
    grad_case(lambda m, a: a.logsumexp(dim, keepdim=keepdim), _nc(3, 4))


def test_logsumexp_large_and_0d():
    grad_case(lambda m, a: m.logsumexp(a, 1), ember.randn(2, 3) * 300)
    grad_case(lambda m, a: m.logsumexp(a, 0), ember.randn(()))


def test_logsumexp_double_backward():
    grad_case(lambda m, a: m.logsumexp(a, 1), ember.randn(3, 4), gradgrad=True)


# ---- norms ----------------------------------------------------------------------------------------
_PS = ["fro", 2, 1, 3, 1.5, 0.5, math.inf, -math.inf, 0, -1.5]


@pytest.mark.parametrize("p", _PS)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (0, True), ((0, 1), False)])
def test_norm(p, dim, keepdim):
    x = ember.randn(2, 3)
    if p == "fro" and dim is not None and not isinstance(dim, tuple):
        dim = (dim,)
    grad_case(lambda m, a: m.norm(a, p, dim, keepdim), x)
    grad_case(lambda m, a: m.linalg.vector_norm(a, 2 if p == "fro" else p, dim, keepdim), _nc(2, 3))


@pytest.mark.parametrize("p", [2, 1, "fro", math.inf, -math.inf])
def test_norm_double_backward(p):
    grad_case(lambda m, a: m.norm(a, p, 1), ember.randn(3, 4), gradgrad=True)
    grad_case(lambda m, a: a.norm(p), ember.randn(3, 2), gradgrad=True)


@pytest.mark.parametrize("p", [3, 1.5, 0.5])
def test_norm_double_backward_general_p(p):
    grad_case(lambda m, a: m.norm(a, p, 1), ember.randn(3, 4), gradgrad=True)


@needs_torch
@pytest.mark.parametrize("p", _PS)
def test_norm_gradient_at_zero_matches_torch(p):
    x = np.array([[0.0, 0.0, 0.0], [0.0, 1.5, -2.0], [3.0, 3.0, -3.0]])   # zero row, zeros, |x| ties
    for f in (lambda m, a: m.norm(a, p, 1), lambda m, a: m.norm(a, p)):
        xe = ember.tensor(x).requires_grad_()
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = f(ember, xe), f(torch, xt)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy())
        g = np.random.default_rng(0).standard_normal(tuple(yt.shape))
        ye.backward(ember.tensor(g))
        yt.backward(torch.tensor(g))
        if xt.grad is None:   # p = 0: no gradient flows
            assert xe.grad is None or not np.any(xe.grad.numpy())
        else:
            np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-12, equal_nan=True)


def test_norm_methods_dtype_0d():
    grad_case(lambda m, a: a.norm(), ember.randn(2, 3))
    grad_case(lambda m, a: a.norm(dim=1, keepdim=True), ember.randn(2, 3))
    grad_case(lambda m, a: m.norm(a), ember.randn(()))
    grad_case(lambda m, a: m.linalg.vector_norm(a, 3, dim=0), ember.randn(()))
    x = ember.randn(2, 3, requires_grad=True)
    y = ember.linalg.vector_norm(x, dtype=ember.float64)
    assert y.dtype is ember.float64
    y.backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_allclose(x.grad.numpy(), x.detach().numpy() / float(y), rtol=1e-5)


@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 1), True), ((1, 0), False), ((2, 0), False)])
def test_matrix_norm(ord, dim, keepdim):
    grad_case(lambda m, a: m.linalg.matrix_norm(a, ord, dim, keepdim), ember.randn(3, 4, 2))


@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norm_ties_and_double_backward(ord):
    a = _t([1.0, -2.0, 3.0], [2.0, 1.0, -1.0], [-1.0, 2.0, 0.5])   # equal column sums 1 and 2, equal row sums
    grad_case(lambda m, x: m.linalg.matrix_norm(x, ord), a, gradgrad=True)
    grad_case(lambda m, x: m.linalg.matrix_norm(x, ord), ember.randn(2, 3, 3), gradgrad=True)


def test_matrix_norm_nuc_2_not_differentiable_yet():
    x = ember.randn(3, 3, requires_grad=True)
    for ord in ("nuc", 2, -2):
        with pytest.raises(NotImplementedError, match=r"^\[linalg.matrix_norm\] "):
            ember.linalg.matrix_norm(x, ord)
    with pytest.raises(NotImplementedError, match=r"^\[norm\] "):
        ember.norm(x, "nuc")
    with ember.no_grad():
        ember.linalg.matrix_norm(x, "nuc")   # the forward alone still works


@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(ord=1, dim=(0, 1)), dict(ord="fro"),
                                dict(ord=math.inf), dict(ord=-1, dim=(1, 0), keepdim=True)])
def test_linalg_norm(kw):
    grad_case(lambda m, a: m.linalg.norm(a, **kw), ember.randn(3, 4))
    if "dim" not in kw and kw.get("ord") in (None, math.inf):
        grad_case(lambda m, a: m.linalg.norm(a, **kw), ember.randn(5))
        grad_case(lambda m, a: m.linalg.norm(a, 3), ember.randn(5))


def test_norm_errors_name_op():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"^\[linalg.vector_norm\] "):
        ember.linalg.vector_norm(x, "fro")
    with pytest.raises(RuntimeError, match=r"^\[linalg.matrix_norm\] "):
        ember.linalg.matrix_norm(ember.randn(3, 3, requires_grad=True), "bad")


# ---- scans ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    grad_case(lambda m, a: m.cumsum(a, dim), ember.randn(3, 4), gradgrad=True)
    grad_case(lambda m, a: a.cumsum(dim), _nc(3, 4), gradgrad=True)


def test_cumsum_dtype_0d_inplace():
    _dtype_case(lambda m, a: m.cumsum(a, 0, dtype=m.float64), ember.randn(4))
    _dtype_case(lambda m, a: m.nansum(a, 0, dtype=m.float64), ember.randn(4))
    grad_case(lambda m, a: m.cumsum(a, 0), ember.randn(()), gradgrad=True)
    grad_case(lambda m, a: (a * 1).cumsum_(1), ember.randn(2, 3))
    grad_case(lambda m, a: (a * 1).cumprod_(0), ember.randn(3, 2))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod(dim):
    grad_case(lambda m, a: m.cumprod(a, dim), ember.randn(3, 4), gradgrad=True)
    grad_case(lambda m, a: a.cumprod(dim), _nc(3, 4))


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_with_zeros(dim):
    x = _t([1.5, 0.0, 2.0, -1.0, 0.7], [0.0, 2.0, 0.0, 3.0, -0.5], [2.0, -0.5, 1.5, 0.7, 0.0],
           [1.2, 0.8, -1.1, 0.0, 0.0])
    grad_case(lambda m, a: m.cumprod(a, dim), x, gradgrad=True)


def test_cumprod_0d_dtype():
    grad_case(lambda m, a: m.cumprod(a, 0), ember.randn(()))
    _dtype_case(lambda m, a: m.cumprod(a, 1, dtype=m.float64), ember.rand(2, 3) + 0.5)
    _dtype_case(lambda m, a: m.linalg.vector_norm(a, 3, 1, dtype=m.float64), ember.randn(2, 3))
    _dtype_case(lambda m, a: m.linalg.matrix_norm(a, 1, dtype=m.float64), ember.randn(2, 3))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin(op, dim):
    grad_case(lambda m, a: getattr(m, op)(a, dim), ember.randn(3, 4))
    grad_case(lambda m, a: getattr(a, op)(dim).values, _nc(3, 4))
    ties = _t([1.0, 1.0, 0.5, 2.0], [3.0, 3.0, 3.0, -1.0], [0.0, 0.0, 0.0, 0.0])
    torch_case(lambda m, a: getattr(m, op)(a, dim=dim), ties)


def test_cummax_0d():
    grad_case(lambda m, a: m.cummax(a, 0), ember.randn(()))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp(dim):
    grad_case(lambda m, a: m.logcumsumexp(a, dim), ember.randn(3, 4))
    grad_case(lambda m, a: a.logcumsumexp(dim), _nc(3, 4) * 50)


def test_logcumsumexp_0d():
    grad_case(lambda m, a: m.logcumsumexp(a, 0), ember.randn(()))


# ---- grad path keeps the raw path's errors --------------------------------------------------------
def test_errors_name_the_op_on_grad_path():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(TypeError, match=r"^\[max\] "):
        ember.max(x, keepdim=True)
    with pytest.raises(TypeError, match=r"^\[cumsum\] "):
        ember.cumsum(x, 1.0)
    with pytest.raises(RuntimeError, match=r"^\[var\] "):
        ember.var(x, 0, unbiased=True, correction=1)
    with pytest.raises(TypeError, match=r"^\[prod\] "):
        ember.prod(x, 0.5)
    with pytest.raises(TypeError, match=r"^\[amax\] "):
        ember.amax(x, 1.5)


def test_integer_inputs_do_not_require_grad():
    x = ember.randn(3, 4, requires_grad=True)
    assert not ember.argmax(x, 1).requires_grad
    assert not ember.max(x, 1).indices.requires_grad
    assert ember.sum(x, dtype=ember.float64).requires_grad


def test_logcumsumexp_double_backward():
    grad_case(lambda m, a: m.logcumsumexp(a, 1), ember.randn(2, 3), gradgrad=True)


def test_value_selecting_double_backward():
    x = ember.randn(3, 4)
    grad_case(lambda m, a: m.max(a, 1, keepdim=True).values * a, x, gradgrad=True)
    grad_case(lambda m, a: m.amin(a, 0) * a, x, gradgrad=True)
    grad_case(lambda m, a: m.cummax(a, 1).values * a, x, gradgrad=True)
    grad_case(lambda m, a: m.max(a) * a, x, gradgrad=True)


def test_empty_inputs():
    for f in (lambda m, a: m.cumsum(a, 0), lambda m, a: m.cumprod(a, 1), lambda m, a: m.sum(a, 0),
              lambda m, a: m.mean(a, 1), lambda m, a: m.prod(a, 1), lambda m, a: m.logcumsumexp(a, 0),
              lambda m, a: m.linalg.vector_norm(a, 2, 0), lambda m, a: m.var(a, 1)):
        x = ember.zeros(0, 3, dtype=ember.float64, requires_grad=True)
        y = f(ember, x)
        assert y.requires_grad
        (y * 1).sum().backward()
        assert tuple(x.grad.shape) == (0, 3)


@needs_torch
def test_logsumexp_inf_rows_match_torch():
    torch_case(lambda m, a: m.logsumexp(a, 1), _t([-math.inf, -math.inf], [1.0, -math.inf], [2.0, 3.0]))


def test_cumsum_backward_has_no_cancellation():
    x = ember.randn(3, requires_grad=True)                  # float32
    ember.cumsum(x, 0).backward(ember.tensor([1e8, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([1e8, 2.0, 1.0], dtype=np.float32))


@needs_torch
def test_nan_inf_inputs_match_torch():
    x = _t([1.0, math.nan, 3.0], [2.0, 0.5, -1.0], [math.inf, 1.0, 2.0])
    for f in (lambda m, a: m.amax(a, 1), lambda m, a: m.max(a), lambda m, a: m.max(a, 1),
              lambda m, a: m.logsumexp(a, 1), lambda m, a: m.norm(a, 2, 1), lambda m, a: m.norm(a, math.inf, 1),
              lambda m, a: m.norm(a, 3, 1), lambda m, a: m.cummax(a, 1), lambda m, a: m.prod(a, 1),
              lambda m, a: m.cumprod(a, 1), lambda m, a: m.std(a, 1), lambda m, a: m.median(a),
              lambda m, a: m.cumsum(a, 1), lambda m, a: m.logcumsumexp(a, 1),
              lambda m, a: m.linalg.matrix_norm(a, 1), lambda m, a: m.aminmax(a, dim=1)):
        torch_case(f, x)


def test_out_tensor_on_grad_path_takes_history():
    x = ember.randn(3, 4, requires_grad=True)
    for f in (lambda a, **kw: ember.amax(a, 1, **kw), lambda a, **kw: ember.linalg.vector_norm(a, 3, 1, **kw),
              lambda a, **kw: ember.prod(a, 1, **kw), lambda a, **kw: ember.logsumexp(a, 1, **kw)):
        expect = ember.autograd.grad(f(x).sum(), x)[0]
        o = ember.empty(3)
        f(x, out=o)
        assert o.requires_grad and o.grad_fn is not None
        np.testing.assert_allclose(ember.autograd.grad(o.sum(), x)[0].numpy(), expect.numpy())


def test_matrix_norm_errors_on_grad_path():
    with pytest.raises(RuntimeError, match=r"^\[linalg.matrix_norm\] "):
        ember.linalg.matrix_norm(ember.randn(3, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"^\[linalg.matrix_norm\] "):
        ember.linalg.matrix_norm(ember.randn(3, 3, requires_grad=True), 3)
    with pytest.raises(RuntimeError, match=r"^\[linalg.matrix_norm\] "):
        ember.linalg.matrix_norm(ember.randn(3, 3, 2, requires_grad=True), 1, dim=(0,))


def test_evenly_split_reductions_double_backward():
    x = ember.randn(3, 4)
    grad_case(lambda m, a: m.max(a) * a, x, gradgrad=True)
    grad_case(lambda m, a: a.min() * m.amax(a, 1, keepdim=True), x, gradgrad=True)
    grad_case(lambda m, a: m.aminmax(a, dim=0).max * m.aminmax(a, dim=0).min, x, gradgrad=True)
    grad_case(lambda m, a: m.median(a) * a, x, gradgrad=True)
    grad_case(lambda m, a: m.std_mean(a, 1)[0] * m.var_mean(a, 1)[1], x, gradgrad=True)
