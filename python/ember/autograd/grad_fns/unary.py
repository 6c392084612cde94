"""Grad implementations: unary elementwise math (see ``grad_fns/__init__``).

Each op gets a ``Function`` named as PyTorch's node (``Exp`` -> ``ExpBackward0``). As in PyTorch,
exp/exp2/expm1/tan/tanh/sigmoid/sqrt/rsqrt/reciprocal/erfinv save their OUTPUT (the input is
not kept); the rest save the input, and piecewise-constant ops (floor, sign, round, ...) save
nothing and return zeros. Under ``create_graph=True`` a saved output is re-attached to its own
node so the backward formula is differentiated through it (double backward). digamma's
gradient, trigamma, is composed from public ops, so it is differentiable again too.
"""
import math
import weakref

from ... import _ops
from ..._tensor import _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import _state

_U = _ops.unary
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _zeros(g):
    return _ops.creation.zeros_like(g)


def _saved_output(ctx):
    """The saved output; under create_graph it carries its node's history (y = f(x))."""
    y, = ctx.saved_tensors
    if _state.enabled:
        node = ctx._node()
        y = _wrap(y._t)
        y.requires_grad, y.grad_fn, y._output_nr = True, node, 0
    return y


def _trigamma(x):
    """polygamma(1, x) from public ops (so it is differentiable again), by PyTorch's scheme:
    reflection below 0.5, six recurrence steps, then the asymptotic series."""
    where = _ops.elementwise.where
    reflect = x < 0.5
    z = where(reflect, 1 - x, x)
    acc = 0
    for _ in range(6):
        acc = acc + (z * z).reciprocal()
        z = z + 1
    izz = (z * z).reciprocal()
    acc = acc + (1 + 0.5 / z + izz * (1.0 / 6 - izz * (1.0 / 30 - izz * (1.0 / 42)))) / z
    s = (math.pi * x).sin()
    return where(reflect, math.pi ** 2 / (s * s) - acc, acc)


# name -> (node name, what backward needs: "in" (input), "out" (output), "" (nothing), formula(g, saved))
_FORMULAS = {
    "neg": ("Neg", "", lambda g, _: -g),
    "abs": ("Abs", "in", lambda g, x: g * x.sgn()),
    "sign": ("Sign", "", lambda g, _: _zeros(g)),
    "sgn": ("Sgn", "", lambda g, _: _zeros(g)),
    "floor": ("Floor", "", lambda g, _: _zeros(g)),
    "ceil": ("Ceil", "", lambda g, _: _zeros(g)),
    "trunc": ("Trunc", "", lambda g, _: _zeros(g)),
    "frac": ("Frac", "", lambda g, _: g),
    "exp": ("Exp", "out", lambda g, y: g * y),
    "exp2": ("Exp2", "out", lambda g, y: g * (y * _LN2)),
    "expm1": ("Expm1", "out", lambda g, y: g * (y + 1)),
    "log": ("Log", "in", lambda g, x: g / x),
    "log2": ("Log2", "in", lambda g, x: g / (x * _LN2)),
    "log10": ("Log10", "in", lambda g, x: g / (x * _LN10)),
    "log1p": ("Log1P", "in", lambda g, x: g / (x + 1)),
    "sqrt": ("Sqrt", "out", lambda g, y: g / (2 * y)),
    "rsqrt": ("Rsqrt", "out", lambda g, y: -0.5 * g * y ** 3),
    "sin": ("Sin", "in", lambda g, x: g * x.cos()),
    "cos": ("Cos", "in", lambda g, x: g * -x.sin()),
    "tan": ("Tan", "out", lambda g, y: g * (1 + y * y)),
    "asin": ("Asin", "in", lambda g, x: g * (1 - x * x).rsqrt()),
    "acos": ("Acos", "in", lambda g, x: g * -(1 - x * x).rsqrt()),
    "atan": ("Atan", "in", lambda g, x: g / (x * x + 1)),
    "sinh": ("Sinh", "in", lambda g, x: g * x.cosh()),
    "cosh": ("Cosh", "in", lambda g, x: g * x.sinh()),
    "tanh": ("Tanh", "out", lambda g, y: g * (1 - y * y)),
    "asinh": ("Asinh", "in", lambda g, x: g * (x * x + 1).rsqrt()),
    "acosh": ("Acosh", "in", lambda g, x: g * (x * x - 1).rsqrt()),
    "atanh": ("Atanh", "in", lambda g, x: g / (1 - x * x)),
    "sigmoid": ("Sigmoid", "out", lambda g, y: g * ((1 - y) * y)),
    "erf": ("Erf", "in", lambda g, x: g * (_TWO_OVER_SQRT_PI * (-(x * x)).exp())),
    "erfc": ("Erfc", "in", lambda g, x: g * (-_TWO_OVER_SQRT_PI * (-(x * x)).exp())),
    "erfinv": ("Erfinv", "out", lambda g, y: g * (_HALF_SQRT_PI * (y * y).exp())),
    "lgamma": ("Lgamma", "in", lambda g, x: g * x.digamma()),
    "digamma": ("Digamma", "in", lambda g, x: g * _trigamma(x)),
    "reciprocal": ("Reciprocal", "out", lambda g, y: -g * (y * y)),
}


def _make(name, node, kind, formula):
    op = getattr(_U, name)

    if kind == "in":
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return op(x)

        def backward(ctx, g):
            x, = ctx.saved_tensors
            return formula(g, x)
    elif kind == "out":
        def forward(ctx, x):
            y = op(x)
            ctx.save_for_backward(_wrap(y._t))  # a second handle: no reference cycle through the node
            return y

        def backward(ctx, g):
            return formula(g, _saved_output(ctx))
    else:
        def forward(ctx, x):
            return op(x)

        def backward(ctx, g):
            return formula(g, None)

    cls = type(node, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                                   "__module__": __name__, "__doc__": f"Backward of ``{name}``."})
    if kind == "out":
        def impl(input):
            y = cls.apply(input)
            n = y.grad_fn
            if n is not None:
                n.ctx._node = weakref.ref(n)
            return y
    else:
        def impl(input):
            return cls.apply(input)
    impl.__name__ = impl.__qualname__ = name
    register(name)(impl)
    return cls


for _name, (_node, _kind, _formula) in _FORMULAS.items():
    globals()[_node] = _make(_name, _node, _kind, _formula)


@register("square")
def square(input):
    """As PyTorch: square is pow(input, 2) (node PowBackward0)."""
    from .elementwise import Pow
    return Pow.apply(input, 2)


class Round(Function):
    @staticmethod
    def forward(ctx, x, decimals):
        return _U.round(x, decimals=decimals)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), None


@register("round")
def round(input, *, decimals=0):  # noqa: A001
    return Round.apply(input, decimals)


class Logit(Function):
    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        return _U.logit(x, eps)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        eps = ctx.eps
        d = g / (x * (1 - x))
        if eps is None:  # outside [0, 1] the gradient is nan, as PyTorch
            return _ops.elementwise.where((x < 0) | (x > 1), math.nan, d), None
        return _ops.elementwise.where((x < eps) | (x > 1 - eps), 0.0, d), None


@register("logit")
def logit(input, eps=None):
    return Logit.apply(input, eps)


class NanToNum(Function):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return _U.nan_to_num(x, nan, posinf, neginf)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _ops.elementwise.where(x.isfinite(), g, 0.0), None, None, None


@register("nan_to_num")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return NanToNum.apply(input, nan, posinf, neginf)
