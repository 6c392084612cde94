"""Grad implementations: activation functions (see ``grad_fns/__init__``).

Each activation is one node (``ReluBackward0``, ``GeluBackward0``, ...) whose backward runs the
C++ backward kernel ``dx = g * act'(s)`` (``s`` the saved output for relu/sigmoid/tanh, else the
saved input). That backward is itself a Function (``GeluBackwardBackward0``) so double backward
works: its gradients are ``act_backward(gg, s)`` for ``g`` and the C++ second-derivative kernel
for ``s`` (no gradient where act'' is zero almost everywhere). Third-order gradients raise.
"""
from ... import _C
from ... import _ops
from ..._tensor import Tensor, _wrap
from .. import grad_mode
from .._dispatch import register
from ..function import Function

_A = _C.ActOp

# op name -> (C++ op, Function class name, has a nonzero second derivative)
_TABLE = {
    "relu": ("relu", "Relu", False), "leaky_relu": ("leaky_relu", "LeakyRelu", False),
    "hardtanh": ("hardtanh", "Hardtanh", False), "elu": ("elu", "Elu", True), "gelu": ("gelu", "Gelu", True),
    "gelu_tanh": ("gelu_tanh", "GeluTanh", True), "silu": ("silu", "Silu", True), "mish": ("mish", "Mish", True),
    "sigmoid": ("sigmoid", "Sigmoid", True), "tanh": ("tanh", "Tanh", True),
    "softplus": ("softplus", "Softplus", True), "softsign": ("softsign", "Softsign", True),
    "hardswish": ("hardswish", "Hardswish", True), "hardsigmoid": ("hardsigmoid", "Hardsigmoid", False),
    "logsigmoid": ("logsigmoid", "LogSigmoid", True), "threshold": ("threshold", "Threshold", False),
    "tanhshrink": ("tanhshrink", "Tanhshrink", True), "softshrink": ("softshrink", "Softshrink", False),
    "hardshrink": ("hardshrink", "Hardshrink", False),
}


class _ActDoubleBackward(Function):
    """gg * g * act''(s): the gradient of an activation's backward with respect to ``s``."""
    _op = None
    _name = "activation"

    @classmethod
    def forward(cls, ctx, gg, g, s, params):
        return _wrap(_C.activation_double_backward(cls._op, gg._t, g._t, s._t, *params))

    @classmethod
    def backward(cls, ctx, *grads):
        raise NotImplementedError(f"[{cls._name}] autograd: third-order gradients of {cls._name} are not "
                                  "implemented")


class _ActBackward(Function):
    """dx = g * act'(s) as a differentiable op (the backward of an activation node)."""
    _op = None
    _double = None  # the _ActDoubleBackward subclass, or None where act'' = 0 a.e.

    @classmethod
    def forward(cls, ctx, g, s, params):
        ctx.params = params
        ctx.save_for_backward(g, s)
        return _wrap(_C.activation_backward(cls._op, g._t, s._t, *params))

    @classmethod
    def backward(cls, ctx, gg):
        g, s = ctx.saved_tensors
        need_g, need_s = ctx.needs_input_grad[:2]
        dg = cls.apply(gg, s, ctx.params) if need_g else None
        ds = cls._double.apply(gg, g, s, ctx.params) if need_s and cls._double is not None else None
        return dg, ds, None


class _Act(Function):
    """y = act(x): saves y (relu, sigmoid, tanh) or x for the backward kernel."""
    _op = None
    _from_output = False
    _backward_fn = None

    @classmethod
    def forward(cls, ctx, x, params):
        if not isinstance(x, Tensor):
            raise TypeError(f"[{cls._backward_fn._name}] expected a Tensor as input, got {type(x).__name__}")
        y = _wrap(_C.activation_forward(cls._op, x._t, *params, None))
        ctx.params = params
        ctx.save_for_backward(y if cls._from_output else x)
        return y

    @classmethod
    def backward(cls, ctx, g):
        s, = ctx.saved_tensors
        return cls._backward_fn.apply(g, s, ctx.params), None


def _make(key, cop, cls_name, has_double):
    op = getattr(_A, cop)
    name = "gelu" if key == "gelu_tanh" else key
    double = None
    if has_double:
        double = type(cls_name + "BackwardBackward", (_ActDoubleBackward,), {"_op": op, "_name": name})
    bwd = type(cls_name + "Backward", (_ActBackward,), {"_op": op, "_double": double, "_name": name})
    fwd = type(cls_name, (_Act,), {"_op": op, "_from_output": _C.activation_saves_output(op), "_backward_fn": bwd})
    return fwd, bwd, double


for _key, (_cop, _cls, _dbl) in _TABLE.items():
    for _c in _make(_key, _cop, _cls, _dbl):
        if _c is not None:
            globals()[_c.__name__] = _c

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ---- grad implementations: the signatures of the raw ops in nn/_functional/activation.py ----
@register("relu")
def relu(input):
    return Relu.apply(input, (0.0, 0.0, 0.0))  # noqa: F821


@register("leaky_relu")
def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(input, (float(negative_slope), 0.0, 0.0))  # noqa: F821


@register("hardtanh")
def hardtanh(input, min_val=-1.0, max_val=1.0):
    return Hardtanh.apply(input, (float(min_val), float(max_val), 0.0))  # noqa: F821


@register("elu")
def elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    return Elu.apply(input, (float(alpha), float(scale), float(input_scale)))  # noqa: F821


@register("gelu")
def gelu(input, approximate="none"):
    if approximate == "tanh":
        return GeluTanh.apply(input, (0.0, 0.0, 0.0))  # noqa: F821
    return Gelu.apply(input, (0.0, 0.0, 0.0))  # noqa: F821


@register("softplus")
def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, (float(beta), float(threshold), 0.0))  # noqa: F821


@register("threshold")
def threshold(input, threshold, value):
    return Threshold.apply(input, (float(threshold), float(value), 0.0))  # noqa: F821


@register("softshrink")
def softshrink(input, lambd=0.5):
    return Softshrink.apply(input, (float(lambd), 0.0, 0.0))  # noqa: F821


@register("hardshrink")
def hardshrink(input, lambd=0.5):
    return Hardshrink.apply(input, (float(lambd), 0.0, 0.0))  # noqa: F821


def _simple(key, cls):
    def impl(input):
        return cls.apply(input, (0.0, 0.0, 0.0))
    impl.__name__ = key
    register(key)(impl)


for _key, _cls in (("silu", "Silu"), ("mish", "Mish"), ("F.sigmoid", "Sigmoid"), ("F.tanh", "Tanh"),
                   ("softsign", "Softsign"), ("hardswish", "Hardswish"), ("hardsigmoid", "Hardsigmoid"),
                   ("logsigmoid", "LogSigmoid"), ("tanhshrink", "Tanhshrink")):
    _simple(_key, globals()[_cls])


# ---- ops with their own Functions ----------------------------------------------------------------
class PreluKernel(Function):
    """y = x > 0 ? x : w * x, the weight broadcast along dim 1."""

    @staticmethod
    def forward(ctx, x, weight, view_shape):
        w = weight.reshape(view_shape)
        ctx.save_for_backward(x, weight)
        ctx.view_shape = view_shape
        return _wrap(_C.prelu_forward(x._t, w._t))

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        w = weight.reshape(ctx.view_shape)
        if grad_mode.is_grad_enabled():  # create_graph: the same formulas with public (recorded) ops
            pos = x > 0
            dx = _ops.elementwise.where(pos, g, g * w)
            dw = _ops.elementwise.where(pos, _ops.creation.zeros_like(x), g * x)
        else:
            dx, dw = (_wrap(t) for t in _C.prelu_backward(g._t, x._t, w._t))
        gx = dx if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            vs = ctx.view_shape
            dims = [i for i in range(dw.dim()) if i >= len(vs) or vs[i] == 1]
            gw = (dw.sum(dims) if dims else dw).reshape(tuple(weight.shape))
        return gx, gw, None


@register("prelu")
def prelu(input, weight):
    from ...nn._functional.activation import _prelu_view_shape
    return PreluKernel.apply(input, weight, _prelu_view_shape(input, weight))


class RreluWithNoise(Function):
    """Training-mode rrelu: y = x * noise, noise ~ U(lower, upper) where x <= 0 and 1 elsewhere."""

    @staticmethod
    def forward(ctx, x, lower, upper):
        from ...nn._functional.activation import _rrelu_noise
        noise = _rrelu_noise(x, lower, upper)
        ctx.noise = noise
        return x * noise

    @staticmethod
    def backward(ctx, g):
        return g * ctx.noise, None, None


@register("rrelu_train")
def rrelu_train(input, lower, upper):
    return RreluWithNoise.apply(input, lower, upper)


class Glu(Function):
    """y = a * sigmoid(b) with (a, b) the halves of x along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim):
        a, b = x.chunk(2, dim)
        sb = _wrap(_C.activation_forward(_A.sigmoid, b._t, 0.0, 0.0, 0.0, None))
        ctx.save_for_backward(x, sb)
        ctx.dim = dim
        return a * sb

    @staticmethod
    def backward(ctx, g):
        x, sb = ctx.saved_tensors
        a, b = x.chunk(2, ctx.dim)
        if grad_mode.is_grad_enabled():  # create_graph: recompute sigmoid(b) so it is recorded
            sb = b.sigmoid()
            ga = g * sb
            gb = g * a * sb * (1 - sb)
            return _ops.shape.cat([ga, gb], ctx.dim), None
        ga = g * sb
        gb = _wrap(_C.activation_backward(_A.sigmoid, (g * a)._t, sb._t, 0.0, 0.0, 0.0))
        return _ops.shape.cat([ga, gb], ctx.dim), None


@register("glu")
def glu(input, dim=-1):
    return Glu.apply(input, dim)
