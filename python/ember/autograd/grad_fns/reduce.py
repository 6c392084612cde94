"""Grad implementations: reductions (see ``grad_fns/__init__``)."""
from ... import _ops
from .._dispatch import register
from ..function import Function
from ._util import reduced_shape, unreduce

_R = _ops.reduce


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim, keepdim
        return _R.sum(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return unreduce(g, ctx.shape, ctx.dim, ctx.keepdim), None, None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim, keepdim
        n = 1
        for a, b in zip(ctx.shape, reduced_shape(ctx.shape, dim)):
            n *= a // b if b else 1
        ctx.count = max(n, 1) if x.numel() else 0
        return _R.mean(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return unreduce(g / ctx.count if ctx.count else g, ctx.shape, ctx.dim, ctx.keepdim), None, None, None


@register("sum")
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    return Sum.apply(input, dim, keepdim, dtype)


@register("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None):
    return Mean.apply(input, dim, keepdim, dtype)
