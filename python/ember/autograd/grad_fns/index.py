"""Grad implementations: indexing (``t[idx]``, ``t[idx] = v``) and the gather / scatter / index_* /
masked_* / take / put ops (see ``grad_fns/__init__``).

Index tensors and masks are never differentiable. The adjoint pairs used by the backwards are
themselves differentiable ember ops, so double backward records them again:
gather <-> scatter_add, index_select <-> index_add, take <-> put(accumulate), masked_select <->
masked_scatter, getitem <-> ``_IndexScatter`` (zeros with ``g`` written / accumulated at ``idx``).
"""
import builtins

from ... import _C, _ops
from ... import _dtype as _dt
from ..._tensor import Tensor, _wrap
from .._dispatch import register
from ..function import Function
from ._util import save, saved, sum_to

_I = _ops.index


def _zeros(shape, like, dtype=None):
    """Zeros of ``shape`` with ``like``'s dtype (or ``dtype``) on ``like``'s device."""
    return _ops.creation.zeros(tuple(shape), dtype=dtype or like.dtype, device=like.device)


def _shape(t):
    return tuple(t._t.sizes)


def _to_shape(g, shape):
    """Reduce ``g`` (the gradient of a broadcast value) to ``shape``. A value may carry more
    leading size-1 dims than the region it was written into (indexing drops them)."""
    shape = tuple(shape)
    if _shape(g) == shape:
        return g
    core = shape
    while len(core) > g.dim() and core[0] == 1:
        core = core[1:]
    g = sum_to(g, core)
    return g.reshape(shape) if core != shape else g


def _lead_region(small):
    """The basic index selecting the leading ``small``-shaped corner of a larger tensor."""
    return tuple(slice(0, n) for n in small)


def _pad_to(g, shape):
    """``g`` in the leading corner of zeros of ``shape`` (for sources larger than their index)."""
    shape = tuple(shape)
    if _shape(g) == shape:
        return g
    return _IndexScatter.apply(g, shape, _lead_region(_shape(g)))


def _corner(src, shape):
    """The leading ``shape``-corner of ``src`` (the part a scatter actually reads)."""
    return src if _shape(src) == tuple(shape) else src[_lead_region(shape)]


# ---- duplicate writes ---------------------------------------------------------------------------
# When a write (setitem, index_put, scatter, index_copy, put without accumulation) hits one place
# several times, one written element wins (the forward is deterministic). Only the winners reach
# the output, so only they get a gradient: the gradient is the derivative of the forward (PyTorch
# hands every duplicate the gradient instead). Winners are found by replaying the write with ids.

def _ids(shape, like):
    n = 1
    for s in shape:
        n *= s
    return _ops.creation.arange(n, dtype=_dt.int64, device=like.device).reshape(tuple(shape))


def _blank(shape, like):
    return _ops.creation.full(tuple(shape), -1, dtype=_dt.int64, device=like.device)


def _keep_winners(gs, won):
    """``gs`` with the gradient of the losing duplicate writes zeroed (``won`` None: no duplicates)."""
    if won is None or bool(won.all()):
        return gs
    return gs.masked_fill(won.logical_not(), 0)


def _only_bool_or_basic(idx):
    """True when ``idx`` cannot name a place twice (no integer tensor / list indices)."""
    for k in _classify_all(idx):
        if k[0] == "adv" and k[1].dtype not in _I._MASK_CODES:
            return False
    return True


# ---- getitem / setitem --------------------------------------------------------------------------

def _items(idx):
    return idx if type(idx) is tuple else (idx,)


def _classify_all(idx):
    """The parser's classification of each index item (raises the parser's errors)."""
    return [_I._classify(x) for x in _items(idx)]


def _is_advanced(kinds):
    return any(k[0] == "adv" for k in kinds)


def _view_class(idx, kinds):
    """The node of a basic-index view, named as PyTorch's last recorded view op."""
    cls = None
    plain = type(idx) is not tuple
    for k in kinds:
        if k[0] == "int":
            cls = Select
        elif k[0] == "slice":
            s = k[1]
            if plain or s.start is not None or s.stop is not None or s.step not in (None, 1):
                cls = Slice
        elif k[0] in ("none", "bool"):
            cls = Unsqueeze
    return cls or Alias


class _IndexScatter(Function):
    """zeros(shape) with ``g`` written at ``idx`` (accumulated where advanced indices repeat): the
    adjoint of ``x[idx]``; its own backward is ``gg[idx]``."""

    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        z = _zeros(shape, g)
        v, adv = _I._parse(z._t, idx)
        if adv is None:
            _C.copy_(v, g._t)
        else:
            _C.index_put_(v, adv, g._t, True)
        return z

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.idx], None, None


class _ZeroRegion(Function):
    """A copy of ``g`` with the region ``idx`` set to zero (self-adjoint)."""

    @staticmethod
    def forward(ctx, g, idx):
        ctx.idx = idx
        out = _wrap(_C.clone(g._t))
        _I._setitem(out, idx, 0)
        return out

    @staticmethod
    def backward(ctx, gg):
        return _ZeroRegion.apply(gg, ctx.idx), None


class _BasicIndex(Function):
    """``x[idx]`` for ints / slices / None / Ellipsis: a view of ``x``."""
    _is_view = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = _shape(x), idx
        return _I._getitem(x, idx)

    @staticmethod
    def backward(ctx, g):
        return _IndexScatter.apply(g, ctx.shape, ctx.idx), None


class Select(_BasicIndex):
    pass


class Slice(_BasicIndex):
    pass


class Unsqueeze(_BasicIndex):
    pass


class Alias(_BasicIndex):
    pass


class Index(Function):
    """``x[idx]`` with advanced (integer / bool tensor, list) indices: a copy; repeated indices
    accumulate their gradients."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = _shape(x), idx
        return _I._getitem(x, idx)

    @staticmethod
    def backward(ctx, g):
        return _IndexScatter.apply(g, ctx.shape, ctx.idx), None


@register("Tensor.__getitem__")
def getitem(self, idx):
    kinds = _classify_all(idx)
    cls = Index if _is_advanced(kinds) else _view_class(idx, kinds)
    return cls.apply(self, idx)


class IndexPut(Function):
    """``x`` with ``values`` written at the getitem-style index ``idx`` (``accumulate``: added).
    ``indices`` is index_put's own argument when the op is index_put (None for setitem)."""

    @staticmethod
    def forward(ctx, x, values, idx, accumulate, indices):
        ctx.idx, ctx.accumulate = idx, accumulate
        ctx.vshape = _shape(values) if isinstance(values, Tensor) else None
        if indices is not None:
            return _I.index_put(x, indices, values, accumulate)
        out = _wrap(_C.clone(x._t))
        _I._setitem(out, idx, values)
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad[:2]
        gx = gv = None
        if nx:
            gx = g if ctx.accumulate else _ZeroRegion.apply(g, ctx.idx)
        if nv:
            gv = g[ctx.idx]
            if not ctx.accumulate and not _only_bool_or_basic(ctx.idx):
                ids = _ids(_shape(gv), g)
                marks = _blank(_shape(g), g)
                _I._setitem(marks, ctx.idx, ids)
                gv = _keep_winners(gv, marks[ctx.idx] == ids)
            gv = _to_shape(gv, ctx.vshape)
        return gx, gv, None, None, None


class CopySlices(IndexPut):
    """``x[idx] = value`` with a basic index (a copy into a strided region)."""


@register("Tensor.__setitem__")
def setitem(self, idx, value):
    cls = IndexPut if _is_advanced(_classify_all(idx)) else CopySlices
    return cls.apply(self, value, idx, False, None)


def _indices_as_getitem(indices):
    """index_put's index list as a getitem index (None there means a whole dim)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"[index_put] indices must be a tuple of Tensors, got {type(indices).__name__}")
    return tuple(slice(None) if i is None else i for i in indices)


@register("index_put")
def index_put(input, indices, values, accumulate=False):
    idx = _indices_as_getitem(indices)
    return IndexPut.apply(input, values, idx, builtins.bool(accumulate), tuple(indices))


# ---- gather / scatter ---------------------------------------------------------------------------

class Gather(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        out = _I.gather(x, dim, index)
        ctx.shape, ctx.dim = _shape(x), dim
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        return _zeros(ctx.shape, g).scatter_add(ctx.dim, index, g), None, None


@register("gather")
def gather(input, dim, index, *, sparse_grad=False):
    return Gather.apply(input, dim, index)


class Scatter(Function):
    """``input`` with ``src`` (a tensor) or a number written at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        out = _I.scatter(x, dim, index, src)
        ctx.dim = dim
        ctx.src_shape = _shape(src) if isinstance(src, Tensor) else None
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        nx, _, _, ns = ctx.needs_input_grad
        gx = g.scatter(ctx.dim, index, 0) if nx else None
        gs = None
        if ns:
            ids = _ids(_shape(index), g)
            won = _blank(_shape(g), g).scatter(ctx.dim, index, ids).gather(ctx.dim, index) == ids
            gs = _pad_to(_keep_winners(g.gather(ctx.dim, index), won), ctx.src_shape)
        return gx, None, None, gs


@register("scatter")
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    if reduce is not None:
        raise NotImplementedError("[scatter] autograd: the backward of scatter with reduce= is not implemented; use "
                                  "scatter_add or scatter_reduce (or call it under ember.no_grad())")
    if src is not None and value is not None:
        raise TypeError("[scatter] give either src or value, not both")
    return Scatter.apply(input, dim, index, value if src is None else src)


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        out = _I.scatter_add(x, dim, index, src)
        ctx.dim, ctx.src_shape = dim, _shape(src)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        gs = _pad_to(g.gather(ctx.dim, index), ctx.src_shape) if ctx.needs_input_grad[3] else None
        return g, None, None, gs


@register("scatter_add")
def scatter_add(input, dim, index, src):
    return ScatterAdd.apply(input, dim, index, src)


class ScatterReduce(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        out = _I.scatter_reduce(x, dim, index, src, reduce, include_self=include_self)
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        ctx.src_shape = _shape(src)
        save(ctx, x, index, src, out if reduce in ("prod", "amax", "amin") else None)
        return out

    @staticmethod
    def backward(ctx, g):
        x, index, src, out = saved(ctx)
        dim, reduce, inc = ctx.dim, ctx.reduce, ctx.include_self
        src = _corner(src, _shape(index))
        if reduce == "sum":
            gx, gs = g, g.gather(dim, index)
        elif reduce == "mean":
            n = (_ops.creation.ones_like(g) if inc else _ops.creation.zeros_like(g))
            n = n.scatter_add(dim, index, _ops.creation.ones_like(src))
            n = n.masked_fill(n == 0, 1)
            gx = g / n
            gs = gx.gather(dim, index)
        elif reduce == "prod":
            gx, gs = _prod_grads(g, x, dim, index, src, out, inc)
        else:  # amax / amin: split the gradient evenly among the entries equal to the result
            value = out.gather(dim, index)
            x_hit = (x == out).to(g.dtype)
            if not inc:  # excluded old values take no part in the result, even where they tie with it
                x_hit = x_hit.scatter(dim, index, 0)
            src_hit = (src == value).to(g.dtype)
            share = g / x_hit.scatter_add(dim, index, src_hit)
            gx = x_hit * share
            gs = src_hit * share.gather(dim, index)
        if not inc and reduce != "amax" and reduce != "amin":
            gx = gx.scatter(dim, index, 0)
        nx, ns = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        return (gx if nx else None), None, None, (_pad_to(gs, ctx.src_shape) if ns else None), None, None


def _prod_grads(g, x, dim, index, src, out, inc):
    """Gradients of a scatter 'prod': the product of the other factors, computed without
    dividing by zero (a lone zero factor gets the product of the rest)."""
    _E = _ops.elementwise
    x_safe = x.masked_fill(x == 0, 1)
    gx = g * x_safe.scatter_reduce(dim, index, src, "prod", include_self=inc) / x_safe
    src_zero = src == 0
    zeros_per_slot = _zeros(_shape(x), g).scatter_add(dim, index, src_zero.to(g.dtype)).gather(dim, index)
    lone_zero = _E.logical_and(src_zero, zeros_per_slot == 1)
    rest = x.scatter_reduce(dim, index, src.masked_fill(lone_zero, 1), "prod", include_self=inc)
    # select with masked_fill (finite on both sides), whose gradient is recorded under create_graph
    gs = ((g * rest).gather(dim, index).masked_fill(lone_zero.logical_not(), 0)
          + ((g * out).gather(dim, index) / src.masked_fill(src_zero, 1)).masked_fill(lone_zero, 0))
    return gx, gs


@register("scatter_reduce")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    return ScatterReduce.apply(input, dim, index, src, reduce, builtins.bool(include_self))


# ---- index_* along a dim ------------------------------------------------------------------------

class IndexSelect(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        out = _I.index_select(x, dim, index)
        ctx.shape, ctx.dim = _shape(x), dim
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        return _zeros(ctx.shape, g).index_add(ctx.dim, index, g), None, None


@register("index_select")
def index_select(input, dim, index):
    return IndexSelect.apply(input, dim, index)


def _select_like(g, dim, index, shape):
    """``g.index_select(dim, index)`` shaped as the source it is the gradient of."""
    gs = g.index_select(dim, index)
    return gs if _shape(gs) == tuple(shape) else gs.reshape(shape)


class IndexAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, source, alpha):
        out = _I.index_add(x, dim, index, source, alpha=alpha)
        ctx.dim, ctx.alpha, ctx.src_shape = dim, alpha, _shape(source)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _select_like(g, ctx.dim, index, ctx.src_shape)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, None, None, gs, None


@register("index_add")
def index_add(input, dim, index, source, *, alpha=1):
    return IndexAdd.apply(input, dim, index, source, alpha)


class IndexCopy(Function):
    @staticmethod
    def forward(ctx, x, dim, index, source):
        out = _I.index_copy(x, dim, index, source)
        ctx.dim, ctx.src_shape = dim, _shape(source)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        nx, ns = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        gx = g.index_fill(ctx.dim, index, 0) if nx else None
        gs = None
        if ns:
            gs = _select_like(g, ctx.dim, index, ctx.src_shape)
            flat = index.reshape(-1)
            ids = _ids(_shape(flat), g)
            size = _shape(g)[ctx.dim] if g.dim() else 1
            won = _blank((size,), g).index_copy(0, flat, ids).index_select(0, flat) == ids
            if gs.dim():
                dim = ctx.dim % gs.dim()
                won = won.reshape(tuple(-1 if d == dim else 1 for d in range(gs.dim())))
            else:
                won = won.reshape(())
            gs = _keep_winners(gs, won)
        return gx, None, None, gs


@register("index_copy")
def index_copy(input, dim, index, source):
    return IndexCopy.apply(input, dim, index, source)


class IndexFill(Function):
    """``value`` (a number or a 0-d tensor) written at ``index`` along ``dim``; a tensor value's
    gradient is the sum of ``g`` over the filled region (each position once)."""

    @staticmethod
    def forward(ctx, x, dim, index, value):
        out = _I.index_fill(x, dim, index, value)
        ctx.dim, ctx.shape = dim, _shape(x)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        nx, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        gx = g.index_fill(ctx.dim, index, 0) if nx else None
        gv = None
        if nv:
            region = _zeros(ctx.shape, g, _dt.bool).index_fill(ctx.dim, index, True)
            gv = g.masked_fill(region.logical_not(), 0).sum()
        return gx, None, None, gv


@register("index_fill")
def index_fill(input, dim, index, value):
    return IndexFill.apply(input, dim, index, value)


# ---- masks --------------------------------------------------------------------------------------

class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, mask, value):
        out = _I.masked_fill(x, mask, value)
        ctx.shape = _shape(x)
        save(ctx, mask)
        return out

    @staticmethod
    def backward(ctx, g):
        mask, = saved(ctx)
        nx, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        gx = sum_to(g.masked_fill(mask, 0), ctx.shape) if nx else None
        gv = g.masked_fill(mask.logical_not(), 0).sum() if nv else None
        return gx, None, gv


@register("masked_fill")
def masked_fill(input, mask, value):
    return MaskedFill.apply(input, mask, value)


class MaskedScatter(Function):
    @staticmethod
    def forward(ctx, x, mask, source):
        out = _I.masked_scatter(x, mask, source)
        ctx.shape, ctx.src_shape = _shape(x), _shape(source)
        save(ctx, mask)
        return out

    @staticmethod
    def backward(ctx, g):
        mask, = saved(ctx)
        nx, ns = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        gx = sum_to(g.masked_fill(mask, 0), ctx.shape) if nx else None
        gs = None
        if ns:  # the first mask.sum() source elements were used, in row-major order
            n = 1
            for s in ctx.src_shape:
                n *= s
            gs = _pad_to(g.masked_select(mask), (n,)).reshape(ctx.src_shape)
        return gx, None, gs


@register("masked_scatter")
def masked_scatter(input, mask, source):
    return MaskedScatter.apply(input, mask, source)


class MaskedSelect(Function):
    @staticmethod
    def forward(ctx, x, mask):
        out = _I.masked_select(x, mask)
        ctx.shape = _shape(x)
        ctx.full = _I._broadcast(x._t, mask._t, "masked_select")
        save(ctx, mask)
        return out

    @staticmethod
    def backward(ctx, g):
        mask, = saved(ctx)
        return sum_to(_zeros(ctx.full, g).masked_scatter(mask, g), ctx.shape), None


@register("masked_select")
def masked_select(input, mask):
    return MaskedSelect.apply(input, mask)


# ---- flat indexing ------------------------------------------------------------------------------

class Take(Function):
    @staticmethod
    def forward(ctx, x, index):
        out = _I.take(x, index)
        ctx.shape = _shape(x)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        return _zeros(ctx.shape, g).put(index, g, accumulate=True), None


@register("take")
def take(input, index):
    return Take.apply(input, index)


class Put(Function):
    @staticmethod
    def forward(ctx, x, index, source, accumulate):
        out = _I.put(x, index, source, accumulate)
        ctx.accumulate, ctx.src_shape = accumulate, _shape(source)
        save(ctx, index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, = saved(ctx)
        nx, ns = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        gx = gs = None
        if nx:
            gx = g if ctx.accumulate else g.put(index, _zeros(ctx.src_shape, g))
        if ns:
            gs = g.take(index)
            if not ctx.accumulate:
                ids = _ids(_shape(index), g)
                won = _blank(_shape(g), g).put(index, ids).take(index) == ids
                gs = _keep_winners(gs, won)
            gs = gs.reshape(ctx.src_shape)
        return gx, None, gs, None


@register("put")
def put(input, index, source, accumulate=False):
    return Put.apply(input, index, source, builtins.bool(accumulate))


@register("take_along_dim")
def take_along_dim(input, indices, dim=None):
    """Composed (as PyTorch does) from expand and gather, whose gradients are recorded."""
    t = _I._tensor_arg(input, "input", "take_along_dim")
    i = _I._tensor_arg(indices, "indices", "take_along_dim")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    dim, ts, is_ = _I._along_dim_shapes(t, i, dim)
    x = input if list(t.sizes) == ts else input.expand(ts)
    idx = indices if list(i.sizes) == is_ else indices.expand(is_)
    return gather(x, dim, idx)
