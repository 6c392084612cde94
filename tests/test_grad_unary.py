"""Gradients of the unary elementwise ops: gradcheck (and gradgradcheck) in float64 plus PyTorch
parity (``grad_case``), in-place forms, aliases, special points, and saved-output handling."""
import weakref

import numpy as np
import pytest

import ember
from gradutil import grad_case

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _rand(*shape, lo=-2.0, hi=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return ember.tensor(rng.uniform(lo, hi, size=shape))


def _away_from_ints(*shape, seed=0):
    """Values at least 0.1 from any multiple of 0.5 (finite differences of step functions)."""
    rng = np.random.default_rng(seed)
    v = rng.integers(-6, 6, size=shape) * 0.5 + rng.uniform(0.1, 0.4, size=shape)
    return ember.tensor(v)


# op name -> input domain (lo, hi)
_SMOOTH = {
    "neg": (-2, 2), "abs": (0.2, 2), "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2),
    "log": (0.3, 3), "log2": (0.3, 3), "log10": (0.3, 3), "log1p": (-0.7, 2), "sqrt": (0.3, 3),
    "rsqrt": (0.3, 3), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "asin": (-0.9, 0.9),
    "acos": (-0.9, 0.9), "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2),
    "asinh": (-3, 3), "acosh": (1.2, 3), "atanh": (-0.9, 0.9), "sigmoid": (-4, 4), "erf": (-2, 2),
    "erfc": (-2, 2), "erfinv": (-0.9, 0.9), "lgamma": (0.3, 4), "digamma": (0.3, 4), "reciprocal": (0.3, 3),
    "square": (-2, 2),
}
_ALIASES = {"negative": "neg", "absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
            "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}


# PyTorch has no derivative for these in-place forms: compare with its out-of-place op instead
_TORCH_NO_INPLACE = {"asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"}


def _inplace_case(name, x, **kw):
    torch_f = (lambda m, a: getattr(m, name)(a)) if name in _TORCH_NO_INPLACE else None
    grad_case(lambda m, a: getattr(a * 1, name + "_")(), x, torch_f=torch_f, **kw)


@pytest.mark.parametrize("name", sorted(_SMOOTH))
def test_smooth_ops(name):
    lo, hi = _SMOOTH[name]
    x = _rand(3, 4, lo=lo, hi=hi)
    grad_case(lambda m, a: getattr(m, name)(a), x, gradgrad=True)


@pytest.mark.parametrize("name", sorted(_SMOOTH))
def test_method_and_inplace_forms(name):
    lo, hi = _SMOOTH[name]
    x = _rand(5, lo=lo, hi=hi, seed=1)
    grad_case(lambda m, a: getattr(a, name)() * 2, x)
    _inplace_case(name, x, gradgrad=True)


@pytest.mark.parametrize("alias", sorted(_ALIASES))
def test_aliases(alias):
    lo, hi = _SMOOTH[_ALIASES[alias]]
    x = _rand(4, lo=lo, hi=hi, seed=2)
    grad_case(lambda m, a: getattr(m, alias)(a), x, gradgrad=True)
    _inplace_case(alias, x)


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "tanh", "sigmoid", "abs"])
def test_zero_dim_noncontiguous_and_empty(name):
    lo, hi = _SMOOTH[name]
    grad_case(lambda m, a: getattr(m, name)(a), ember.tensor(0.5 * (lo + hi) + 0.1), gradgrad=True)
    grad_case(lambda m, a: getattr(m, name)(a.expand(3, 4)), _rand(1, 4, lo=lo, hi=hi), gradgrad=True)
    x = ember.zeros(0, 3, dtype=ember.float64, requires_grad=True)
    y = getattr(ember, name)(x)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "fix", "sign", "sgn", "frac"])
def test_piecewise_constant_ops(name):
    x = _away_from_ints(3, 4)
    # torch's sgn backward returns a ZeroTensor (no numpy view): compare with sign there
    torch_f = (lambda m, a: m.sign(a)) if name == "sgn" else None
    out = grad_case(lambda m, a: getattr(m, name)(a), x, gradgrad=True, torch_f=torch_f)
    assert out.requires_grad
    torch_f = (lambda m, a: (a * 1).sign_()) if name == "sgn" else None
    grad_case(lambda m, a: getattr(a * 1, name + "_")(), x, torch_f=torch_f)


@pytest.mark.parametrize("decimals", [0, 1, -1])
def test_round(decimals):
    rng = np.random.default_rng(3)
    x = ember.tensor((rng.integers(-30, 30, size=(3, 4)) + 0.3) * 10.0 ** (-decimals))
    grad_case(lambda m, a: m.round(a, decimals=decimals), x, gradgrad=True)
    grad_case(lambda m, a: (a * 1).round_(decimals=decimals), x)
    grad_case(lambda m, a: a.round(decimals=decimals), x)


@pytest.mark.parametrize("eps", [None, 0.2])
def test_logit(eps):
    x = ember.tensor([0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95])
    grad_case(lambda m, a: m.logit(a, eps), x, gradgrad=True)
    grad_case(lambda m, a: (a * 1).logit_(eps), x)
    grad_case(lambda m, a: a.logit(eps=eps), x)


@needs_torch
def test_logit_outside_unit_interval_matches_torch():
    v = [-0.5, 0.5, 1.5]
    for eps in (None, 0.1):
        x = ember.tensor(v, dtype=ember.float64, requires_grad=True)
        t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        ember.logit(x, eps).sum().backward()
        torch.logit(t, eps).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_nan_to_num():
    x = ember.tensor([1.0, float("nan"), float("inf"), -float("inf"), -2.0])
    grad_case(lambda m, a: m.nan_to_num(a, nan=0.5, posinf=3.0, neginf=-3.0), x, check_torch=False)
    if torch is not None:
        xe = x.clone().requires_grad_()
        xt = torch.tensor(x.numpy(), requires_grad=True)
        (ember.nan_to_num(xe, posinf=9.0) * 2).sum().backward()
        (torch.nan_to_num(xt, posinf=9.0) * 2).sum().backward()
        np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())
        y = xe * 1
        y.nan_to_num_()
        assert y.grad_fn.name() == "NanToNumBackward0"


def test_positive_passes_gradient():
    x = ember.randn(3, requires_grad=True)
    y = ember.positive(x) * 3
    (+y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3, 3])


def test_operators_neg_abs():
    x = _rand(2, 3, lo=0.2, hi=2, seed=4)
    grad_case(lambda m, a: -a, x, gradgrad=True)
    grad_case(lambda m, a: abs(-a), x, gradgrad=True)


@needs_torch
@pytest.mark.parametrize("name", ["abs", "sqrt", "rsqrt", "log", "reciprocal", "sgn", "sign"])
def test_special_point_zero(name):
    v = [0.0, -0.0, 1.0]
    x = ember.tensor(v, dtype=ember.float64, requires_grad=True)
    t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    getattr(ember, name)(x).sum().backward()
    getattr(torch, name)(t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy(force=True))


def test_lgamma_digamma_negative_arguments():
    # digamma's gradient (trigamma) uses the reflection formula below 0.5
    x = ember.tensor([-3.7, -2.5, -0.3, 0.2, 0.5, 1.0, 2.2, 5.9, 6.1, 30.0])
    grad_case(lambda m, a: m.digamma(a), x, gradgrad=True)
    grad_case(lambda m, a: m.lgamma(a), x, gradgrad=True)


def test_node_names_match_torch():
    x = ember.randn(3, requires_grad=True)
    names = {"exp": "ExpBackward0", "log1p": "Log1PBackward0", "square": "PowBackward0",
             "sigmoid": "SigmoidBackward0", "trunc": "TruncBackward0", "fix": "TruncBackward0",
             "arcsin": "AsinBackward0"}
    for op, node in names.items():
        assert getattr(ember, op)(x).grad_fn.name() == node
        if torch is not None:
            assert getattr(torch, op)(torch.randn(3, requires_grad=True)).grad_fn.name() == node


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.rand(3, requires_grad=True)
    for name in ("exp_", "sqrt_", "neg_", "floor_", "arcsin_"):
        with pytest.raises(RuntimeError, match=r"\[\w+\] a leaf Variable that requires grad"):
            getattr(x, name)()
    with pytest.raises(RuntimeError, match=r"\[round\] a leaf Variable"):
        x.round_()
    with pytest.raises(RuntimeError, match=r"\[logit\] a leaf Variable"):
        x.logit_()
    with ember.no_grad():
        x.exp_()  # allowed without recording


def test_inplace_on_view_rewrites_base():
    x = _rand(2, 3, seed=5)
    grad_case(lambda m, a: _view_exp(a), x)


def _view_exp(a):
    y = a * 2
    y.view(-1).exp_()
    return y


def test_out_argument_on_grad_path():
    x = ember.rand(4, requires_grad=True)
    out = ember.empty(4)
    ember.exp(x, out=out)
    assert out.grad_fn.name() == "ExpBackward0"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()), rtol=1e-6)


def test_modified_saved_output_is_detected():
    x = ember.randn(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_saved_output_makes_no_reference_cycle():
    x = ember.randn(3, requires_grad=True)
    y = x.tanh()
    node = weakref.ref(y.grad_fn)
    ref = weakref.ref(y)
    del y
    assert ref() is None and node() is None  # freed by reference counting alone


def test_saved_output_double_backward():
    x = _rand(4, lo=0.3, hi=2, seed=6)
    for name in ("exp", "exp2", "expm1", "tan", "tanh", "sigmoid", "sqrt", "rsqrt", "reciprocal", "erfinv"):
        lo, hi = _SMOOTH[name]
        x = _rand(4, lo=lo, hi=hi, seed=6)
        grad_case(lambda m, a: getattr(m, name)(a) ** 2, x, gradgrad=True)


def test_raw_path_unchanged_without_grad():
    x = ember.randn(3)
    for name in ("exp", "neg", "floor"):
        y = getattr(ember, name)(x)
        assert not y.requires_grad and y.grad_fn is None
    w = ember.randn(3, requires_grad=True)
    with ember.no_grad():
        assert not ember.exp(w).requires_grad and not (-w).requires_grad


def test_non_differentiable_predicates():
    x = ember.randn(3, requires_grad=True)
    for name in ("isnan", "isinf", "isfinite", "signbit"):
        assert not getattr(ember, name)(x).requires_grad


def test_every_unary_op_has_a_registered_gradient():
    from ember.autograd import _dispatch
    for name in list(_SMOOTH) + list(_ALIASES) + ["floor", "ceil", "trunc", "fix", "sign", "sgn", "frac", "round",
                                                   "logit", "nan_to_num"]:
        op = getattr(ember, name)
        assert op._grad_name in _dispatch._IMPLS, name
