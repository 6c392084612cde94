"""Grad implementations: shape ops and views (see ``grad_fns/__init__``). View ops set
``_is_view`` so their outputs remember their base (in-place ops on views rewrite the base)."""
from .._dispatch import register
from ..function import Function
from ._util import sum_to


class View(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = tuple(x.shape)
        return x.view(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = tuple(x.shape)
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Expand(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.shape = tuple(x.shape)
        return x.expand(sizes)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape), None


def _shape(args):
    return args[0] if len(args) == 1 and not isinstance(args[0], int) else args


@register("Tensor.view")
def view(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__len__"):
        raise RuntimeError("[view] view(dtype) is not differentiable; call it on a detached tensor")
    return View.apply(self, tuple(_shape(shape)))


@register("Tensor.reshape")
def reshape(self, *shape):
    return Reshape.apply(self, tuple(_shape(shape)))


@register("Tensor.expand")
def expand(self, *sizes):
    return Expand.apply(self, tuple(_shape(sizes)))
