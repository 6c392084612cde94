"""Gradients of the binary/ternary elementwise ops: gradcheck (and gradgradcheck) in float64 plus
PyTorch parity (``grad_case``), broadcasting, number operands on either side, operators and
in-place forms, and PyTorch's conventions at special points (ties, 0 ** 0, clamp boundaries)."""
import weakref

import numpy as np
import pytest

import ember
from gradutil import grad_case, const

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _rand(*shape, lo=-2.0, hi=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return ember.tensor(rng.uniform(lo, hi, size=shape))


def _pos(*shape, seed=0):
    return _rand(*shape, lo=0.5, hi=2.0, seed=seed)


def _grads(f, values, requires):
    """Gradients of sum(f(m, *xs)) in ember and torch for the same float64 values."""
    out = []
    for m in (ember, torch):
        xs = [m.tensor(v, dtype=m.float64, requires_grad=r) for v, r in zip(values, requires)]
        f(m, *xs).sum().backward()
        out.append([x.grad.numpy() if x.grad is not None else None for x in xs])
    return out


def _same_grads(f, values, requires=None):
    requires = requires or [True] * len(values)
    ge, gt = _grads(f, values, requires)
    for a, b in zip(ge, gt):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_array_equal(a, b)


# ---- tensor-tensor ops, broadcasting -----------------------------------------------------------
# name -> (x, y) generators (shapes (3, 4) and (4,) broadcast)
_BINARY = {
    "atan2": (_rand, _rand), "arctan2": (_rand, _rand), "hypot": (_rand, _rand),
    "maximum": (_rand, _rand), "minimum": (_rand, _rand), "fmax": (_rand, _rand), "fmin": (_rand, _rand),
    "copysign": (_rand, _rand), "xlogy": (_rand, _pos), "logaddexp": (_rand, _rand),
    "logaddexp2": (_rand, _rand), "pow": (_pos, _rand), "float_power": (_pos, _rand),
    "remainder": (_rand, _pos), "fmod": (_rand, _pos), "nextafter": (_rand, _rand),
    "ldexp": (_rand, _rand), "true_divide": (_rand, _pos), "floor_divide": (_rand, _pos),
}
_NO_GRADGRAD = {"floor_divide", "nextafter"}


@pytest.mark.parametrize("name", sorted(_BINARY))
def test_binary_broadcast(name):
    fx, fy = _BINARY[name]
    x, y = fx(3, 4, seed=1), fy(4, seed=2)
    check = name != "floor_divide"  # torch raises in floor_divide's backward (ember: zeros)
    grad_case(lambda m, a, b: getattr(m, name)(a, b), x, y, gradgrad=name not in _NO_GRADGRAD, check_torch=check)
    grad_case(lambda m, a, b: getattr(m, name)(a, b), fx(4, seed=3), fy(2, 3, 1, seed=4), check_torch=check)


@pytest.mark.parametrize("name", sorted(_BINARY))
def test_binary_one_side_constant_and_method(name):
    fx, fy = _BINARY[name]
    x, y = fx(2, 3, seed=4), fy(2, 3, seed=5)
    check = name != "floor_divide"
    grad_case(lambda m, a, b: getattr(m, name)(a, b), x, const(y), check_torch=check)
    grad_case(lambda m, a, b: getattr(m, name)(a, b), const(x), y, check_torch=check)
    grad_case(lambda m, a, b: getattr(a, name)(b), x, y, check_torch=check)


def test_zero_dim_and_noncontiguous():
    x, y = _pos(1, 4, seed=6), ember.tensor(0.7)
    grad_case(lambda m, a, b: m.atan2(a.expand(3, 4), b), x, y, gradgrad=True)
    grad_case(lambda m, a, b: m.maximum(b, a.expand(2, 4)), x, y, gradgrad=True)
    grad_case(lambda m, a, b: m.pow(a.expand(3, 4), b) + m.xlogy(b, a.expand(3, 4) + 3), x, y, gradgrad=True)


# ---- number operands --------------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    lambda m, a: m.pow(a, 3), lambda m, a: m.pow(a, 0.5), lambda m, a: m.pow(a, -1.5), lambda m, a: m.pow(a, 0),
    lambda m, a: m.pow(2.5, a), lambda m, a: a ** 2, lambda m, a: a ** -2, lambda m, a: 3 ** a,
    lambda m, a: 1.5 ** a, lambda m, a: m.float_power(a, 2), lambda m, a: m.float_power(2, a),
    lambda m, a: m.xlogy(a, 2.5), lambda m, a: m.xlogy(2.0, a), lambda m, a: m.remainder(a, 0.7),
    lambda m, a: m.remainder(5.5, a), lambda m, a: a % 0.6, lambda m, a: 5.3 % a, lambda m, a: m.fmod(a, 0.7),
    lambda m, a: m.copysign(a, -1.0), lambda m, a: m.copysign(a, 2), lambda m, a: 2.0 / a,
    lambda m, a: m.true_divide(a, 2), lambda m, a: a // 0.3, lambda m, a: 7.0 // a,
], ids=lambda f: "")
def test_number_operands(case):
    x = _pos(3, 2, seed=7)
    grad_case(case, x, gradgrad=True, check_torch=not _torch_lacks(case))


def _torch_lacks(case):
    """PyTorch has no derivative for number % tensor and for floor_divide (it raises)."""
    if torch is None:
        return True
    t = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    try:
        case(torch, t).sum().backward()
    except RuntimeError:
        return True
    return False


@needs_torch
def test_torch_raises_where_ember_differentiates():
    # number % tensor and floor_divide: torch raises in backward; ember gives the analytic gradient
    x = _pos(4, seed=8).requires_grad_()
    (5.5 % x).sum().backward()
    xd = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), -np.floor(5.5 / xd))
    x.grad = None
    (x // 0.3).sum().backward()
    assert not np.any(x.grad.numpy())


# ---- pow / float_power special points ---------------------------------------------------------
@needs_torch
def test_pow_special_points_match_torch():
    xs = [0.0, 0.0, 0.0, 2.0, -2.0, 0.0]
    ys = [0.0, 2.0, -1.0, 0.0, 2.0, 0.5]
    _same_grads(lambda m, a, b: m.pow(a, b), [xs, ys])
    for e in (0, 0.0, 1, 2, -1, 0.5, -0.5, 3):
        _same_grads(lambda m, a: m.pow(a, e), [[0.0, -0.0, 1.5, -2.0]])
    for base in (0, 0.0, 2.0, -2.0, 1):
        _same_grads(lambda m, b: m.pow(base, b), [[0.0, -1.0, 2.0, 0.5]])


@needs_torch
def test_pow_integer_exponent_tensor():
    x = _rand(3, seed=9)
    grad_case(lambda m, a, n: m.pow(a, n), x, ember.tensor([0, 1, 3]), gradgrad=True)


def test_float_power_casts_gradient_back():
    x = ember.randn(3, requires_grad=True)  # float32
    y = ember.float_power(x, 2)
    assert y.dtype is ember.float64
    y.sum().backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"  # as PyTorch's graph


# ---- maximum/minimum/fmax/fmin ties and nan ---------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_ties_and_nan_match_torch(name):
    nan = float("nan")
    xs = [1.0, 2.0, 3.0, nan, 1.0, nan]
    ys = [1.0, 1.0, 4.0, 1.0, nan, nan]
    _same_grads(lambda m, a, b: getattr(m, name)(a, b), [xs, ys])
    _same_grads(lambda m, a, b: getattr(m, name)(a, b), [[[1.0, 2.0], [3.0, 3.0]], [3.0, 2.0]])


def test_maximum_tie_splits_gradient():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([1.0, 5.0], requires_grad=True)
    ember.maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 1.0])


@needs_torch
def test_copysign_xlogy_special_points():
    _same_grads(lambda m, a, b: m.copysign(a, b), [[0.0, -0.0, 1.0, -2.0], [-1.0, 1.0, -0.0, 3.0]])
    _same_grads(lambda m, a, b: m.xlogy(a, b), [[0.0, 0.0, 0.0, 1.0], [0.0, -1.0, 2.0, 0.0]])
    _same_grads(lambda m, a: m.xlogy(a, 0.0), [[0.0, 1.0]])


# ---- where ------------------------------------------------------------------------------------
def test_where():
    x, y = _rand(3, 4, seed=10), _rand(4, seed=11)
    c = ember.tensor(np.random.default_rng(0).uniform(size=(3, 4)) > 0.5)
    grad_case(lambda m, a, b: m.where(c if m is ember else torch.tensor(c.numpy()), a, b), x, y, gradgrad=True)
    grad_case(lambda m, a: m.where(a > 0, a, 2.5), x, gradgrad=True)
    grad_case(lambda m, a: m.where(a > 0, -1.0, a), x, gradgrad=True)
    grad_case(lambda m, a, b: a.where(a > 0, b), x, y, gradgrad=True)


def test_where_condition_gets_no_edge_gradient():
    x = ember.randn(3, requires_grad=True)
    r = ember.where(x > 0, x, ember.zeros(3))
    assert r.grad_fn.name() == "WhereBackward0"
    r.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (x.detach().numpy() > 0).astype(np.float32))
    assert len(ember.where(x > 0)) == 1  # the nonzero form still works with grad inputs


# ---- clamp family -----------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(min=-0.5, max=0.7), dict(min=-0.5), dict(max=0.3), dict(min=0, max=1)])
def test_clamp_number_bounds(kw):
    x = _rand(3, 4, seed=12)
    grad_case(lambda m, a: m.clamp(a, **kw), x, gradgrad=True)
    grad_case(lambda m, a: m.clip(a, **kw), x)
    grad_case(lambda m, a: (a * 1).clamp_(**kw), x)
    grad_case(lambda m, a: (a * 1).clip_(**kw), x)


def test_clamp_tensor_bounds():
    x, lo, hi = _rand(3, 4, seed=13), _rand(4, lo=-1, hi=0, seed=14), _rand(3, 1, lo=0, hi=1, seed=15)
    grad_case(lambda m, a, b, c: m.clamp(a, b, c), x, lo, hi, gradgrad=True)
    grad_case(lambda m, a, b: m.clamp(a, min=b), x, lo, gradgrad=True)
    grad_case(lambda m, a, c: m.clamp(a, max=c), x, hi, gradgrad=True)
    grad_case(lambda m, a, b, c: m.clamp(a, b, c), x, hi, lo)  # min > max: max wins
    grad_case(lambda m, a, b, c: (a * 1).clamp_(b, c), x, lo, hi)


def test_clamp_min_max_functions():
    x, b = _rand(3, 4, seed=16), _rand(4, lo=-1, hi=1, seed=17)
    for name in ("clamp_min", "clamp_max"):
        grad_case(lambda m, a: getattr(m, name)(a, 0.2), x, gradgrad=True)
        grad_case(lambda m, a, c: getattr(m, name)(a, c), x, b, gradgrad=True)
        grad_case(lambda m, a: getattr(a * 1, name + "_")(0.2), x)
        grad_case(lambda m, a, c: getattr(a * 1, name + "_")(c), x, b)


@needs_torch
def test_clamp_boundaries_match_torch():
    v = [-1.0, -0.5, 0.0, 0.5, 1.0, float("nan")]
    _same_grads(lambda m, a: m.clamp(a, -0.5, 0.5), [v])
    _same_grads(lambda m, a: m.clamp(a, min=0.5), [v])
    _same_grads(lambda m, a: m.clamp(a, max=0.0), [v])
    _same_grads(lambda m, a: m.clamp(a, 0.5, -0.5), [v])
    _same_grads(lambda m, a, b, c: m.clamp(a, b, c), [v, [-0.5] * 6, [0.5] * 6])
    _same_grads(lambda m, a, b, c: m.clamp(a, b, c), [v, [0.5] * 6, [-0.5] * 6])
    _same_grads(lambda m, a, b: m.clamp_min(a, b), [v, [0.0] * 6])
    _same_grads(lambda m, a, b: m.clamp_max(a, b), [v, [0.0] * 6])


# ---- lerp / addcmul / addcdiv -----------------------------------------------------------------
def test_lerp():
    x, y, w = _rand(3, 4, seed=18), _rand(4, seed=19), _rand(3, 1, lo=0, hi=1, seed=20)
    grad_case(lambda m, a, b: m.lerp(a, b, 0.3), x, y, gradgrad=True)
    grad_case(lambda m, a, b, c: m.lerp(a, b, c), x, y, w, gradgrad=True)
    grad_case(lambda m, a, b, c: (a * 1).lerp_(b, c), x, y, w)
    grad_case(lambda m, a, b: a.lerp(b, 0.75), x, y)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv(name):
    x, t1, t2 = _rand(3, 4, seed=21), _rand(4, seed=22), _pos(3, 1, seed=23)
    grad_case(lambda m, a, b, c: getattr(m, name)(a, b, c), x, t1, t2, gradgrad=True)
    grad_case(lambda m, a, b, c: getattr(m, name)(a, b, c, value=-0.5), x, t1, t2, gradgrad=True)
    grad_case(lambda m, a, b, c: getattr(m, name)(a, b, c, value=2), const(x), t1, const(t2))
    grad_case(lambda m, a, b, c: getattr(a * 1, name + "_")(b, c, value=0.5), x, t1, t2)
    grad_case(lambda m, a, b, c: getattr(a, name)(b, c), x, t1, t2)


# ---- operators and in-place forms -------------------------------------------------------------
def test_operators():
    x, y = _pos(3, 4, seed=24), _pos(4, seed=25)
    grad_case(lambda m, a, b: a ** b + b ** 2 + 2 ** a, x, y, gradgrad=True)
    grad_case(lambda m, a, b: 3 / a + a % b - b * (a / b).floor(), x, y)
    grad_case(lambda m, a, b: 5 % b + a // b, x, y, check_torch=False)  # torch raises for both
    grad_case(lambda m, a, b: a.__rpow__(2.0) + b.__rtruediv__(1.0), x, y, gradgrad=True)


@pytest.mark.parametrize("case", [
    lambda m, a, b: _ip(a, "__ipow__", b), lambda m, a, b: _ip(a, "__ipow__", 2),
    lambda m, a, b: _ip(a, "__imod__", b), lambda m, a, b: _ip(a, "__ifloordiv__", b),
    lambda m, a, b: _ip(a, "__itruediv__", b),
    lambda m, a, b: (a * 1).pow_(2), lambda m, a, b: (a * 1).pow_(b), lambda m, a, b: (a * 1).atan2_(b),
    lambda m, a, b: (a * 1).hypot_(b), lambda m, a, b: (a * 1).copysign_(b), lambda m, a, b: (a * 1).xlogy_(b),
    lambda m, a, b: (a * 1).remainder_(b), lambda m, a, b: (a * 1).fmod_(b), lambda m, a, b: (a * 1).fmod_(0.3),
    lambda m, a, b: (a * 1).true_divide_(b), lambda m, a, b: (a * 1).div_(b, rounding_mode="trunc"),
    lambda m, a, b: (a * 1).ldexp_(b), lambda m, a, b: (a * 1).float_power_(b),
], ids=lambda f: "")
def test_inplace_forms_on_nonleaf(case):
    grad_case(case, _pos(3, 4, seed=26), _pos(4, seed=27), check_torch=not _torch_lacks2(case))


def _torch_lacks2(case):
    if torch is None:
        return True
    t = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    try:
        case(torch, t, t.detach()).sum().backward()
    except RuntimeError:
        return True
    return False


def _ip(a, op, b):
    y = a * 1
    return getattr(y, op)(b)


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.rand(3, requires_grad=True)
    for name, args in (("pow_", (2,)), ("clamp_", (0, 1)), ("addcmul_", (x, x)), ("lerp_", (x, 0.5)),
                       ("atan2_", (x,)), ("remainder_", (2.0,))):
        with pytest.raises(RuntimeError, match=r"\[\w+\] a leaf Variable that requires grad"):
            getattr(x, name)(*args)
    with pytest.raises(RuntimeError, match=r"\[pow\] a leaf Variable"):
        x **= 2
    with ember.no_grad():
        x.pow_(2)


def test_inplace_on_view_rewrites_base():
    x, y = _pos(2, 3, seed=28), _pos(6, seed=29)
    grad_case(lambda m, a, b: _view_pow(a, b), x, y)


def _view_pow(a, b):
    z = a * 2
    z.view(-1).pow_(b)
    return z


def test_out_argument():
    a, b = ember.rand(3, requires_grad=True), ember.rand(3)
    out = ember.empty(3)
    ember.maximum(a, b, out=out)
    assert out.grad_fn.name() == "MaximumBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), (a.detach().numpy() >= b.numpy()).astype(np.float32)
                                  - 0.5 * (a.detach().numpy() == b.numpy()))


# ---- misc ---------------------------------------------------------------------------------------
def test_div_rounding_modes_zero_grad():
    x, y = _rand(3, 4, seed=30), _pos(4, seed=31)
    for mode in ("trunc", "floor"):
        grad_case(lambda m, a, b: m.div(a, b, rounding_mode=mode), x, y)


def test_integer_operands_do_not_require_grad():
    i = ember.tensor([1, 2, 3])
    for r in (i ** 2, ember.maximum(i, i), ember.where(i > 1, i, 0), ember.clamp(i, 0, 2), i % 2, i // 2):
        assert not r.requires_grad
    x = ember.randn(3, requires_grad=True)
    assert (x ** i).requires_grad and not (x > 0).requires_grad and not ember.eq(x, x).requires_grad


def test_errors_name_the_op_on_grad_path():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"\[atan2\]"):
        ember.atan2(x, 1.0)
    with pytest.raises(TypeError, match=r"\[clamp\]"):
        ember.clamp(x, ember.zeros(3), 1.0)
    with pytest.raises(RuntimeError, match=r"\[maximum\]"):
        ember.maximum(x, ember.randn(4))
    with pytest.raises(TypeError, match=r"\[lerp\]"):
        ember.lerp(x, 1.0, 0.5)
    with pytest.raises(TypeError, match=r"\[float_power\]"):
        ember.float_power(2, 3)


def test_inplace_with_wider_operand_keeps_history():
    # float32 target, float64 operand: the result is cast back to float32 and the op stays in the graph
    x = ember.rand(3, requires_grad=True)
    y = x * 1
    y.pow_(ember.tensor([2.0, 2.0, 2.0], dtype=ember.float64))
    assert y.dtype is ember.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    w = ember.rand(3, dtype=ember.float64, requires_grad=True)
    z = x * 1
    z.mul_(w)
    z.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy().astype(np.float64), rtol=1e-6)


def test_inplace_on_plain_tensor_with_grad_operand():
    w = ember.rand(3, requires_grad=True)
    buf = ember.full((3,), 2.0)
    buf.pow_(w)
    assert buf.requires_grad and buf.grad_fn.name() == "PowBackward0"
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2.0 ** w.detach().numpy() * np.log(2.0), rtol=1e-6)
    lo = ember.tensor([0.5, 0.5, 0.5], requires_grad=True)
    buf = ember.tensor([0.0, 1.0, 0.2])
    buf.clamp_(min=lo)
    buf.sum().backward()
    np.testing.assert_array_equal(lo.grad.numpy(), [1.0, 0.0, 1.0])


@pytest.mark.parametrize("case", [
    lambda a, b: ember.copysign(a, b), lambda a, b: a ** b, lambda a, b: ember.hypot(a, b),
    lambda a, b: ember.maximum(a, b), lambda a, b: ember.where(a > b, a, b), lambda a, b: a.clamp(b, b + 1),
    lambda a, b: ember.float_power(a, b), lambda a, b: ember.addcdiv(a, a, b),
], ids=lambda f: "")
def test_outputs_are_freed_without_gc(case):
    a, b = ember.rand(3, requires_grad=True), ember.rand(3) + 0.5
    y = case(a, b)
    ref = weakref.ref(y)
    del y
    assert ref() is None  # no reference cycle through the node's saved tensors


_DIFFERENTIABLE_OPS = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
                       "floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "hypot",
                       "maximum", "minimum", "fmax", "fmin", "copysign", "xlogy", "logaddexp", "logaddexp2",
                       "nextafter", "ldexp", "where", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul",
                       "addcdiv"]


@pytest.mark.parametrize("name", _DIFFERENTIABLE_OPS)
def test_every_op_has_a_registered_gradient(name):
    from ember.autograd import _dispatch
    op = getattr(ember, name)
    assert op._grad_name in _dispatch._IMPLS


def test_no_recording_under_no_grad():
    x = ember.rand(3, requires_grad=True)
    with ember.no_grad():
        for r in (ember.pow(x, 2), ember.clamp(x, 0.1, 0.5), ember.where(x > 0.5, x, 0.0), ember.maximum(x, x),
                  ember.lerp(x, x, 0.5), ember.addcmul(x, x, x), x ** 2, 2 % x):
            assert not r.requires_grad and r.grad_fn is None
