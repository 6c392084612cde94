"""Helpers shared by the grad implementations."""
from ..._tensor import Tensor


def sum_to(g, shape):
    """Reduce a broadcast gradient ``g`` back to ``shape`` (sum over broadcast dims)."""
    shape = tuple(shape)
    gs = tuple(g._t.sizes)
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and gs[lead + i] != 1]
    if dims:
        g = g.sum(dims, keepdim=True)
    return g.reshape(shape) if tuple(g._t.sizes) != shape else g


def shape_of(x):
    """The shape of a Tensor argument, or None for a Python number."""
    return tuple(x._t.sizes) if isinstance(x, Tensor) else None


def maybe_sum_to(g, x):
    """``sum_to(g, x.shape)`` for a Tensor ``x``; None for a number (which gets no gradient)."""
    return sum_to(g, x._t.sizes) if isinstance(x, Tensor) else None


def save(ctx, *xs):
    """Save a mix of Tensors and Python numbers/None: tensors via ``save_for_backward`` (version
    checked), the rest on ``ctx``. ``saved(ctx)`` gives them back in order."""
    ts, cs = [], []
    for x in xs:
        if isinstance(x, Tensor):
            ts.append(x)
            cs.append(None)
        else:
            ts.append(None)
            cs.append(x)
    ctx.save_for_backward(*ts)
    ctx._consts = cs


def saved(ctx):
    return tuple(c if t is None else t for t, c in zip(ctx.saved_tensors, ctx._consts))


def reduced_shape(shape, dim):
    """The keepdim=True shape of reducing ``shape`` over ``dim`` (None = all dims)."""
    n = len(shape)
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return tuple(1 for _ in shape)
    dims = [dim] if isinstance(dim, int) else list(dim)
    dims = {d % n if n else 0 for d in dims}
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def unreduce(g, shape, dim, keepdim):
    """Broadcast the gradient of a reduction over ``dim`` back to the input ``shape``."""
    shape = tuple(shape)
    if not keepdim or dim is None:
        g = g.reshape(reduced_shape(shape, dim))
    return g.expand(shape)
