"""Grad implementations: sort-family values (see ``grad_fns/__init__``).

sort, topk, kthvalue, median/nanmedian/mode with ``dim`` select values: the gradient goes to the
returned indices (which are integers, so never differentiable). The full median/nanmedian
splits its gradient evenly among the elements equal to the result, as PyTorch.
"""
from ... import _ops
from .._dispatch import register
from ..function import Function
from .reduce import _EvenlyDistributed, _select_back

_S = _ops.sort


class _Selection(Function):
    @staticmethod
    def forward(ctx, x, fn, dim, keepdim):
        v, i = fn(x)
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim % max(x.dim(), 1), keepdim
        ctx.save_for_backward(i)
        ctx.mark_non_differentiable(i)
        return v, i

    @staticmethod
    def backward(ctx, gv, gi):
        i, = ctx.saved_tensors
        return _select_back(gv, i, ctx.dim, ctx.shape, ctx.keepdim), None, None, None


def _named(name, base):
    return type(name, (base,), {"__module__": __name__})


Sort, Topk, Kthvalue, Mode = (_named(n, _Selection) for n in ("Sort", "Topk", "Kthvalue", "Mode"))
Median, Nanmedian = _named("Median", _Selection), _named("Nanmedian", _Selection)
MedianAll, NanmedianAll = _named("Median", _EvenlyDistributed), _named("Nanmedian", _EvenlyDistributed)


def _dim(dim, op):
    return _S._int(dim, op, "dim")


@register("sort")
def sort(input, dim=-1, descending=False, stable=False):
    raw = _S.sort._raw
    d = _dim(dim, "sort")
    v, i = Sort.apply(input, lambda x: raw(x, d, descending, stable), d, True)
    return _S.return_types.sort(v, i)


@register("msort")
def msort(input):
    raw = _S.sort._raw
    return Sort.apply(input, lambda x: raw(x, 0), 0, True)[0]


@register("topk")
def topk(input, k, dim=-1, largest=True, sorted=True):
    raw = _S.topk._raw
    d = _dim(dim, "topk")
    v, i = Topk.apply(input, lambda x: raw(x, k, d, largest, sorted), d, True)
    return _S.return_types.topk(v, i)


@register("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False):
    raw = _S.kthvalue._raw
    d = _dim(dim, "kthvalue")
    v, i = Kthvalue.apply(input, lambda x: raw(x, k, d, keepdim), d, keepdim)
    return _S.return_types.kthvalue(v, i)


def _median(op, full_cls, dim_cls):
    raw = getattr(_S, op)._raw

    def impl(input, dim=None, keepdim=False):
        if dim is None:
            if keepdim:
                raise TypeError(f"[{op}] keepdim requires dim")
            return full_cls.apply(input, raw)
        d = _dim(dim, op)
        v, i = dim_cls.apply(input, lambda x: raw(x, d, keepdim), d, keepdim)
        return getattr(_S.return_types, op)(v, i)
    impl.__name__ = op
    return impl


median = register("median")(_median("median", MedianAll, Median))
nanmedian = register("nanmedian")(_median("nanmedian", NanmedianAll, Nanmedian))


@register("mode")
def mode(input, dim=-1, keepdim=False):
    raw = _S.mode._raw
    d = _dim(dim, "mode")
    v, i = Mode.apply(input, lambda x: raw(x, d, keepdim), d, keepdim)
    return _S.return_types.mode(v, i)
