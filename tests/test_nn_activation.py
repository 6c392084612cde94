"""Activation functions: forward vs PyTorch over dtypes/options/extremes, fast vs reference
kernels, gradients (gradcheck + PyTorch parity, double backward), in-place forms, modules, errors."""
import numpy as np
import pytest

import ember
import ember.nn.functional as EF
from ember.nn._functional import activation as act_mod
from conftest import FLOAT_DTYPES, assert_close, make, needs_torch, to_torch, torch
from gradutil import grad_case

if torch is not None:
    import torch.nn.functional as TF

# name -> f(F, x) applied with F = ember.nn.functional and torch.nn.functional
CASES = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "leaky_relu_0.2": lambda F, x: F.leaky_relu(x, negative_slope=0.2),
    "leaky_relu_neg": lambda F, x: F.leaky_relu(x, -0.5),
    "elu": lambda F, x: F.elu(x),
    "elu_0.5": lambda F, x: F.elu(x, alpha=0.5),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x),
    "celu_2": lambda F, x: F.celu(x, alpha=2.0),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, beta=2.0, threshold=3.0),
    "softsign": lambda F, x: F.softsign(x),
    "hardtanh": lambda F, x: F.hardtanh(x),
    "hardtanh_args": lambda F, x: F.hardtanh(x, min_val=-0.5, max_val=2.0),
    "hardswish": lambda F, x: F.hardswish(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "threshold": lambda F, x: F.threshold(x, 0.3, -2.0),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "softshrink": lambda F, x: F.softshrink(x),
    "softshrink_1": lambda F, x: F.softshrink(x, 1.0),
    "hardshrink": lambda F, x: F.hardshrink(x),
    "hardshrink_1": lambda F, x: F.hardshrink(x, lambd=1.0),
    "rrelu_eval": lambda F, x: F.rrelu(x, 0.1, 0.3),
    "glu": lambda F, x: F.glu(x),
    "glu_dim0": lambda F, x: F.glu(x, 0),
}
# ops whose second derivative is nonzero somewhere or that the brief lists for double backward
GRADGRAD = ["relu", "leaky_relu_0.2", "elu", "elu_0.5", "selu", "celu_2", "gelu", "gelu_tanh", "silu", "mish",
            "sigmoid", "tanh", "softplus", "softplus_beta", "softsign", "hardswish", "logsigmoid", "tanhshrink",
            "hardtanh", "relu6", "hardsigmoid", "threshold", "softshrink", "hardshrink", "rrelu_eval"]
TORCH_TOL = {ember.float32: (2e-6, 1e-6), ember.float64: (1e-12, 1e-13), ember.float16: (1e-3, 1e-3),
             ember.bfloat16: (8e-3, 8e-3)}


def _ember_torch(name, x):
    f = CASES[name]
    return f(EF, x), f(TF, to_torch(x))


# ---- forward -------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d._name)
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_torch(name, dtype, kernels):
    ember.set_kernels(kernels)
    x = make((6, 34), dtype, low=-5, high=5, seed=1)
    e, t = _ember_torch(name, x)
    r, a = TORCH_TOL[dtype]
    assert_close(e, t, rtol=r, atol=a)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=lambda d: d._name)
@pytest.mark.parametrize("name", sorted(n for n in CASES if not n.startswith("glu")))
def test_extreme_inputs(name, dtype, kernels):
    ember.set_kernels(kernels)
    vals = [-np.inf, np.inf, np.nan, -100.0, 100.0, -0.0, 0.0, 1e30, -1e30, 88.0, -88.0, 20.0, 21.0, -20.0,
            3.0, -3.0, 6.0, 0.5, -0.5, 1e-3, -1e-3, 1.0, -1.0, 30.0, -30.0]
    x = ember.tensor(vals, dtype=dtype)
    e, t = _ember_torch(name, x)
    r, a = TORCH_TOL[dtype]
    assert_close(e, t, rtol=r, atol=max(a, 1e-30))


@needs_torch
@pytest.mark.parametrize("layout", ["T", "step", "expand"])
@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "elu", "softplus", "hardswish", "sigmoid", "glu"])
def test_noncontiguous_forward(name, layout):
    x = make((4, 6), ember.float32, noncontig=layout, seed=3)
    e, t = _ember_torch(name, x)
    assert_close(e, t, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16], ids=lambda d: d._name)
@pytest.mark.parametrize("name", sorted(n for n in CASES if not n.startswith("glu")))
def test_fast_matches_reference(name, dtype):
    """The SIMD float paths (dense and strided, 16-bit via float blocks) agree with the reference."""
    f = CASES[name]
    xs = [make((3, 1000), dtype, low=-8, high=8, seed=5), make((40, 50), dtype, low=-8, high=8, seed=6).t()]
    for x in xs:
        g = make(tuple(x.shape), dtype, seed=7)
        outs = {}
        for mode in ("fast", "reference"):
            ember.set_kernels(mode)
            xr = x.detach().float().to(dtype).requires_grad_() if dtype is not ember.float32 else \
                x.detach().clone().requires_grad_()
            y = f(EF, xr)
            gx, = ember.autograd.grad(y, xr, g)
            outs[mode] = (y.detach(), gx)
        r, a = {ember.float32: (1e-5, 2e-6), ember.float16: (2e-3, 2e-3), ember.bfloat16: (1.6e-2, 1.6e-2)}[dtype]
        for k in range(2):
            assert_close(outs["fast"][k], outs["reference"][k], rtol=r, atol=a)


def test_empty_and_zero_dim():
    for name in ("relu", "gelu", "silu", "threshold", "softshrink"):
        e = CASES[name](EF, ember.zeros(0, 3))
        assert tuple(e.shape) == (0, 3)
        s = CASES[name](EF, ember.tensor(0.7))
        assert s.dim() == 0
    x = ember.tensor(0.7, dtype=ember.float64)
    grad_case(lambda m, a: m.nn.functional.gelu(a), x, gradgrad=True)
    x = ember.zeros(0, 3, dtype=ember.float64, requires_grad=True)
    EF.silu(x).sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


# ---- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_grad(name):
    x = make((4, 4), ember.float64, low=-4, high=4, seed=11)
    grad_case(lambda m, a: CASES[name](m.nn.functional, a), x)


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgrad(name):
    x = make((2, 5), ember.float64, low=-4, high=4, seed=12)
    grad_case(lambda m, a: CASES[name](m.nn.functional, a), x, gradgrad=True)


@needs_torch
@pytest.mark.parametrize("name", ["relu", "gelu", "sigmoid", "tanh", "softplus", "elu", "glu", "hardswish"])
def test_grad_noncontiguous(name):
    """Non-contiguous leaf and non-contiguous upstream gradient (strided kernels, both directions)."""
    x = make((6, 4), ember.float64, noncontig="T", seed=13).requires_grad_()
    xt = to_torch(x.detach()).requires_grad_()
    y, yt = CASES[name](EF, x), CASES[name](TF, xt)
    g = make(tuple(reversed(y.shape)), ember.float64, seed=14).t()
    assert not x.is_contiguous() and not g.is_contiguous()
    gx, = ember.autograd.grad(y, x, g)
    gt, = torch.autograd.grad(yt, xt, to_torch(g.contiguous()))
    assert_close(gx, gt)


@needs_torch
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "gelu", "silu", "leaky_relu", "elu", "softplus",
                                  "hardtanh", "hardswish", "hardsigmoid", "mish", "threshold", "softshrink",
                                  "hardshrink", "logsigmoid", "glu"])
def test_node_names_match_torch(name):
    x = ember.randn(2, 4, requires_grad=True)
    xt = torch.randn(2, 4, requires_grad=True)
    e, t = CASES[name](EF, x), CASES[name](TF, xt)
    assert e.grad_fn.name() == t.grad_fn.name()


@needs_torch
def test_gradients_at_kinks_match_torch():
    """Subgradient conventions at the kinks follow PyTorch."""
    x = ember.tensor([-3.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0], dtype=ember.float64)
    for name in ("relu", "relu6", "hardtanh", "leaky_relu", "hardswish", "hardsigmoid", "threshold",
                 "softshrink", "hardshrink", "elu", "celu"):
        xe = x.detach().clone().requires_grad_()
        xt = to_torch(x).requires_grad_()
        CASES[name](EF, xe).sum().backward()
        CASES[name](TF, xt).sum().backward()
        assert_close(xe.grad, xt.grad, rtol=1e-7)  # torch's hardsigmoid grad uses a float 1/6


def test_backward_saves_output_for_relu_sigmoid_tanh():
    """relu/sigmoid/tanh save their output (as PyTorch): modifying it in place is detected."""
    for name in ("relu", "sigmoid", "tanh"):
        x = ember.randn(5, requires_grad=True)
        y = CASES[name](EF, x)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_third_order_raises():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    g, = ember.autograd.grad(EF.gelu(x).sum(), x, create_graph=True)
    gg, = ember.autograd.grad(g.sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match=r"\[gelu\] .*third-order"):
        gg.sum().backward()


@pytest.mark.parametrize("shape,wn", [((2, 3), 3), ((2, 3, 2), 1)])
def test_prelu_double_backward(shape, wn):
    x = make(shape, ember.float64, seed=31)
    w = make((wn,), ember.float64, low=0, high=1, seed=32)
    grad_case(lambda m, a, b: m.nn.functional.prelu(a, b), x, w, gradgrad=True)


# ---- prelu / rrelu ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,wn", [((3, 4), 4), ((2, 3, 5), 3), ((2, 3, 2, 2), 3), ((2, 3), 1), ((5,), 1),
                                      ((), 1)])
def test_prelu(shape, wn):
    x = make(shape, ember.float64, seed=21)
    w = make((wn,), ember.float64, low=0, high=1, seed=22)
    grad_case(lambda m, a, b: m.nn.functional.prelu(a, b), x, w)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d._name)
def test_prelu_dtypes(dtype):
    x, w = make((2, 3, 4), dtype, seed=23), make((3,), dtype, seed=24)
    assert_close(EF.prelu(x, w), TF.prelu(to_torch(x), to_torch(w)), rtol=TORCH_TOL[dtype][0],
                 atol=TORCH_TOL[dtype][1])


def test_rrelu_training_draws_slopes():
    ember.manual_seed(0)
    x = make((200,), ember.float64, seed=25)
    y = EF.rrelu(x, 0.1, 0.3, training=True)
    xn, yn = x.numpy(), y.numpy()
    neg = xn < 0
    slopes = yn[neg] / xn[neg]
    assert np.all(slopes >= 0.1) and np.all(slopes <= 0.3) and slopes.std() > 0.01
    np.testing.assert_array_equal(yn[~neg], xn[~neg])
    ember.manual_seed(0)
    np.testing.assert_array_equal(EF.rrelu(x, 0.1, 0.3, training=True).numpy(), yn)
    # gradient is the drawn slope
    xg = x.detach().clone().requires_grad_()
    ember.manual_seed(0)
    EF.rrelu(xg, 0.1, 0.3, training=True).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy()[neg], slopes, rtol=1e-12)
    np.testing.assert_array_equal(xg.grad.numpy()[~neg], 1.0)
    xi = x.clone()
    ember.manual_seed(0)
    EF.rrelu_(xi, 0.1, 0.3, training=True)
    np.testing.assert_array_equal(xi.numpy(), yn)


# ---- in-place ------------------------------------------------------------------------------------
INPLACE = {
    "relu": (lambda F, x: F.relu(x, inplace=True), lambda F, x: F.relu(x)),
    "relu_": (lambda F, x: F.relu_(x), lambda F, x: F.relu(x)),
    "relu6": (lambda F, x: F.relu6(x, inplace=True), lambda F, x: F.relu6(x)),
    "leaky_relu_": (lambda F, x: F.leaky_relu_(x, 0.2), lambda F, x: F.leaky_relu(x, 0.2)),
    "elu_": (lambda F, x: F.elu_(x, 0.7), lambda F, x: F.elu(x, 0.7)),
    "selu_": (lambda F, x: F.selu_(x), lambda F, x: F.selu(x)),
    "celu_": (lambda F, x: F.celu_(x, 1.5), lambda F, x: F.celu(x, 1.5)),
    "hardtanh_": (lambda F, x: F.hardtanh_(x, -0.5, 0.5), lambda F, x: F.hardtanh(x, -0.5, 0.5)),
    "threshold_": (lambda F, x: F.threshold_(x, 0.1, 9.0), lambda F, x: F.threshold(x, 0.1, 9.0)),
    "silu": (lambda F, x: F.silu(x, inplace=True), lambda F, x: F.silu(x)),
    "mish": (lambda F, x: F.mish(x, inplace=True), lambda F, x: F.mish(x)),
    "hardswish": (lambda F, x: F.hardswish(x, inplace=True), lambda F, x: F.hardswish(x)),
    "hardsigmoid": (lambda F, x: F.hardsigmoid(x, inplace=True), lambda F, x: F.hardsigmoid(x)),
    "rrelu_": (lambda F, x: F.rrelu_(x), lambda F, x: F.rrelu(x)),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_raw(name):
    inplace, ref = INPLACE[name]
    x = make((3, 5), ember.float32, seed=31)
    expect = ref(EF, x)
    v0 = x._version
    r = inplace(EF, x)
    assert r is x and x._version > v0
    assert_close(x, expect)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_grad(name):
    inplace, ref = INPLACE[name]
    x = make((3, 5), ember.float64, seed=32)
    grad_case(lambda m, a: inplace(m.nn.functional, a * 1.5), x)
    leaf = x.detach().clone().requires_grad_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        inplace(EF, leaf)


def test_inplace_on_view_rewrites_base():
    x = make((4, 3), ember.float64, seed=33).requires_grad_()
    grad_case(lambda m, a: _relu_rows(m, a), x)


def _relu_rows(m, a):
    b = a * 2
    m.nn.functional.relu_(b[1:3])
    return b


def test_tensor_methods_and_top_level():
    x = make((3, 4), ember.float32, seed=34)
    assert_close(x.relu(), EF.relu(x))
    assert_close(x.hardshrink(0.3), EF.hardshrink(x, 0.3))
    y = x.clone()
    assert y.relu_() is y
    assert_close(y, EF.relu(x))
    for n in act_mod.TOP_LEVEL:
        assert callable(getattr(act_mod, n))
    assert set(act_mod.TOP_LEVEL) <= set(act_mod.__all__)
    if torch is not None:  # every top-level name is one torch has at the top level too
        assert all(hasattr(torch, n) for n in act_mod.TOP_LEVEL)


def test_integer_relu_hardtanh():
    x = ember.tensor([-3, -1, 0, 2, 7])
    np.testing.assert_array_equal(EF.relu(x).numpy(), [0, 0, 0, 2, 7])
    np.testing.assert_array_equal(EF.relu6(x).numpy(), [0, 0, 0, 2, 6])
    assert EF.relu(x).dtype is ember.int64


@needs_torch
def test_integer_sigmoid_tanh_promote():
    x = ember.tensor([-3, 0, 2])
    for name in ("sigmoid", "tanh"):
        e, t = _ember_torch(name, x)
        assert_close(e, t)


@pytest.mark.parametrize("dim", [-1, 0])
def test_glu_double_backward(dim):
    x = make((4, 6), ember.float64, seed=33)
    grad_case(lambda m, a: m.nn.functional.glu(a, dim), x, gradgrad=True)


# ---- errors -------------------------------------------------------------------------------------
def test_errors():
    xi = ember.tensor([1, 2])
    x = ember.randn(3, 4)
    with pytest.raises(NotImplementedError, match=r"\[gelu\]"):
        EF.gelu(xi)
    with pytest.raises(NotImplementedError, match=r"\[elu\]"):
        EF.elu(xi)
    with pytest.raises(TypeError, match=r"\[relu\]"):
        EF.relu([1.0, 2.0])
    with pytest.raises(TypeError, match=r"\[leaky_relu\]"):
        EF.leaky_relu(x, "a")
    with pytest.raises(ValueError, match=r"\[hardtanh\] min_val cannot be greater than max_val"):
        EF.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match=r"\[gelu\] approximate"):
        EF.gelu(x, approximate="foo")
    with pytest.raises(RuntimeError, match=r"\[softshrink\] lambda"):
        EF.softshrink(x, -1.0)
    with pytest.raises(RuntimeError, match=r"\[glu\] Halving dimension must be even"):
        EF.glu(ember.randn(3))
    with pytest.raises(IndexError, match=r"\[glu\]"):
        EF.glu(x, 2)
    with pytest.raises(RuntimeError, match=r"\[prelu\] Mismatch of parameter numbers"):
        EF.prelu(x, ember.randn(3))
    with pytest.raises(RuntimeError, match=r"\[rrelu\] Lower bound"):
        EF.rrelu(x, 0.5, 0.1)
    with pytest.raises(RuntimeError, match=r"\[relu\] unsupported operation"):
        EF.relu_(ember.randn(1, 3).expand(2, 3))


def test_kernel_errors_name_op():
    from ember import _C
    x = ember.randn(3)
    with pytest.raises(RuntimeError, match=r"\[silu\] grad_output has shape"):
        _C.activation_backward(_C.ActOp.silu, ember.randn(4)._t, x._t)
    with pytest.raises(RuntimeError, match=r"\[tanh\] grad_output has dtype"):
        _C.activation_backward(_C.ActOp.tanh, x.double()._t, x._t)


# ---- modules ------------------------------------------------------------------------------------

MODULES = [("ReLU", ()), ("ReLU", (True,)), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("LeakyReLU", (0.1, True)),
           ("ELU", (0.5,)), ("SELU", ()), ("CELU", (2.0,)), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
           ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()), ("Softplus", (2.0, 5.0)), ("Softsign", ()),
           ("Hardtanh", (-2.0, 3.0)), ("Hardswish", ()), ("Hardsigmoid", ()), ("LogSigmoid", ()),
           ("Threshold", (0.1, 20.0)), ("Tanhshrink", ()), ("Softshrink", (0.3,)), ("Hardshrink", (0.7,)),
           ("GLU", (0,)), ("PReLU", ()), ("PReLU", (4, 0.1)), ("RReLU", (0.1, 0.2))]


@needs_torch
@pytest.mark.parametrize("name,args", MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_modules(name, args):
    me, mt = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert me.extra_repr() == mt.extra_repr()
    if name == "RReLU":
        me.eval()
        mt.eval()
    x = make((4, 4), ember.float32, seed=41)
    assert_close(me(x.clone()).detach(), mt(to_torch(x)).detach())
    if name == "PReLU":
        assert isinstance(me.weight, ember.nn.Parameter)
        assert len(list(me.parameters())) == 1


@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_gelu_exact_accuracy_dense_grid(kernels):
    """The float32 erf-form GELU and its gradient against float64 math over a dense grid, including
    the tails: |error| <= 4e-7 absolute (plus one ulp of the result) everywhere (PyTorch's own vectorized GELU is ~3.7e-7), and
    for x in [-5.6, -2.9] (Phi tiny) a relative error of the result below 1e-4 (PyTorch: ~5e-2)."""
    import math
    ember.set_kernels(kernels)
    xs = np.concatenate([np.arange(-12, 12, 1.7e-4, dtype=np.float32),
                         np.array([0.0, -0.0, 1e-30, -1e-30, 2.0 * math.sqrt(2), -2.0 * math.sqrt(2)], np.float32)])
    x64 = xs.astype(np.float64)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x64])
    pdf = np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
    x = ember.tensor(xs, requires_grad=True)
    y = EF.gelu(x)
    y.backward(ember.ones_like(y))
    got_y, got_g = y.detach().numpy().astype(np.float64), x.grad.numpy().astype(np.float64)
    ref_y, ref_g = x64 * cdf, cdf + x64 * pdf
    assert np.max(np.abs(got_y - ref_y) - 1.2e-7 * np.abs(ref_y)) <= 4e-7  # + one float32 ulp of the result
    assert np.max(np.abs(got_g - ref_g) - 1.2e-7 * np.abs(ref_g)) <= 4e-7
    tail = (x64 >= -5.6) & (x64 <= -2.9)
    if kernels == "fast" and ember._C.cpu_isa() not in ("avx2", "avx512"):
        return  # the baseline build's polynomial erf loses the tail to 1 + erf (as PyTorch's does)
    assert np.max(np.abs(got_y[tail] - ref_y[tail]) / np.abs(ref_y[tail])) <= 1e-4
    assert np.isnan(EF.gelu(ember.tensor([float("nan"), float("-inf")])).numpy()).all()
    assert EF.gelu(ember.tensor([float("inf")])).item() == float("inf")
