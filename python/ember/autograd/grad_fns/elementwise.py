"""Grad implementations: binary/ternary elementwise ops. Gradients of broadcast inputs are
summed back to the input's shape (``sum_to``); a Python-number operand gets no gradient."""
from ... import _ops
from .._dispatch import register
from ..function import Function
from ._util import save, saved, shape_of, sum_to

_E = _ops.elementwise


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha, ctx.shapes = alpha, (shape_of(a), shape_of(b))
        return _E.add(a, b, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return (sum_to(g, sa) if na else None,
                sum_to(g if ctx.alpha == 1 else g * ctx.alpha, sb) if nb else None, None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha, ctx.shapes = alpha, (shape_of(a), shape_of(b))
        return _E.sub(a, b, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return sum_to(g, sa) if na else None, sum_to(g * (-ctx.alpha), sb) if nb else None, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        save(ctx, a, b)
        return _E.mul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        return (sum_to(g * b, shape_of(a)) if na else None,
                sum_to(g * a, shape_of(b)) if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        save(ctx, a, b)
        return _E.div(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        return (sum_to(g / b, shape_of(a)) if na else None,
                sum_to(-g * a / (b * b), shape_of(b)) if nb else None)


@register("add")
def add(input, other, *, alpha=1):
    return Add.apply(input, other, alpha)


@register("sub")
def sub(input, other, *, alpha=1):
    return Sub.apply(input, other, alpha)


@register("rsub")
def rsub(input, other, *, alpha=1):
    return Sub.apply(other, input, alpha)


@register("mul")
def mul(input, other):
    return Mul.apply(input, other)


class DivRounded(Function):
    """Floor/trunc division is piecewise constant: zero gradients, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _E.div(a, b, rounding_mode=rounding_mode)

    @staticmethod
    def backward(ctx, g):
        z = [None if s is None or not n else g.new_zeros(s)
             for s, n in zip(ctx.shapes, ctx.needs_input_grad)]
        return z[0], z[1], None


@register("div")
def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return DivRounded.apply(input, other, rounding_mode)
    return Div.apply(input, other)
