"""How built-in ops reach autograd.

Every differentiable op is decorated where it is defined with ``@differentiable("name")``. The
decorated op costs one flag test and an argument scan when no input requires grad; otherwise
it calls the *grad implementation* registered under the same name (``@register("name")``, in
``ember/autograd/grad_fns``), which has the op's signature and applies a ``Function`` whose
backward is written with ember ops (so ``create_graph=True`` records it again).

An op that is marked differentiable but has no registered grad implementation raises
NotImplementedError on the grad path: a missing gradient is never silent.

In-place forms (``x.add_(y)``, ``out=x``, ``x[i] = v``) on the grad path compute the op out of
place from a copy of the target's old value that carries its history, write the result into
the target, and move the target's ``grad_fn`` to the new node. When the target is a view, its
base's history is rewritten too (``_CopySlices``), as PyTorch does.
"""
import functools

from .. import _C
from .._tensor import Tensor, _wrap
from .grad_mode import _state
from .function import Function

__all__ = ["differentiable", "register", "requires_grad_args"]

_IMPLS = {}


def register(name):
    """Decorator: the grad implementation of the op ``name`` (same signature as the op)."""
    def deco(fn):
        _IMPLS[name] = fn
        return fn
    return deco


def requires_grad_args(args, kwargs):
    """True when any Tensor among the arguments (or inside a list/tuple argument) requires grad."""
    for a in args:
        if isinstance(a, Tensor):
            if a.requires_grad:
                return True
        elif isinstance(a, _SEQ) and _seq_requires_grad(a):
            return True
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, Tensor) and a.requires_grad:
                return True
    return False


_SEQ = (list, tuple)


def _seq_requires_grad(seq):
    """True when a Tensor directly inside the list/tuple ``seq`` requires grad."""
    for b in seq:
        if isinstance(b, Tensor) and b.requires_grad:
            return True
    return False


def differentiable(name, inplace=False):
    """Decorator for a differentiable op. ``inplace=True`` marks an in-place form whose first
    argument is the target; its grad path uses the out-of-place implementation ``name``.

    The raw path (grad mode off, or no tensor argument requiring grad) is kept to a flag test and
    an inline scan of the positional arguments: no helper call, and keyword arguments are scanned
    only when present."""
    state = _state

    def deco(raw):
        if inplace:
            def op(*args, **kwargs):
                if state.enabled:
                    for a in args:
                        if isinstance(a, Tensor):
                            if a.requires_grad:
                                return _inplace_call(name, args[0], args[1:], kwargs, target_in_args=False)
                        elif isinstance(a, _SEQ) and _seq_requires_grad(a):
                            return _inplace_call(name, args[0], args[1:], kwargs, target_in_args=False)
                    if kwargs and requires_grad_args((), kwargs):
                        return _inplace_call(name, args[0], args[1:], kwargs, target_in_args=False)
                return raw(*args, **kwargs)
        else:
            def op(*args, **kwargs):
                if state.enabled:
                    for a in args:
                        if isinstance(a, Tensor):
                            if a.requires_grad:
                                return _grad_call(name, args, kwargs)
                        elif isinstance(a, _SEQ) and _seq_requires_grad(a):
                            return _grad_call(name, args, kwargs)
                    if kwargs and requires_grad_args((), kwargs):
                        return _grad_call(name, args, kwargs)
                return raw(*args, **kwargs)
        functools.update_wrapper(op, raw)
        op._grad_name = name
        op._raw = raw
        return op
    return deco


def _impl(name):
    impl = _IMPLS.get(name)
    if impl is None:
        raise NotImplementedError(f"[{name}] autograd: the backward of '{name}' is not implemented; call it under "
                                  f"ember.no_grad() or on tensors that do not require grad")
    return impl


def _grad_call(name, args, kwargs):
    if kwargs and "out" in kwargs:  # grad impls never take out= (an explicit out=None included)
        out = kwargs["out"]
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        if isinstance(out, Tensor):
            return _inplace_call(name, out, args, kwargs, target_in_args=True)
        if isinstance(out, (tuple, list)):  # (values, indices) outs: PyTorch refuses them on the grad path
            raise RuntimeError(f"[{name}] functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
    return _impl(name)(*args, **kwargs)


def _history_alias(t, clone):
    """A tensor with ``t``'s autograd history and ``t``'s data (a copy when ``clone``)."""
    a = _wrap(_C.clone(t._t) if clone else t._t)
    if t.requires_grad:
        a.requires_grad = True
        if t.grad_fn is not None:
            a.grad_fn, a._output_nr = t.grad_fn, t._output_nr
        else:  # a leaf: share its AccumulateGrad sink
            from .function import _edge
            a._acc_node = _edge(t)[0]
            a.__dict__["_leaf_of"] = t
    return a


def _inplace_call(name, target, args, kwargs, target_in_args):
    """Grad path of an in-place op (or ``out=target``): see the module docstring."""
    if not isinstance(target, Tensor):
        raise TypeError(f"[{name}] expected a Tensor to write into, got {type(target).__name__}")
    if target.requires_grad and target.grad_fn is None:
        raise RuntimeError(f"[{name}] a leaf Variable that requires grad is being used in an in-place operation.")
    if any(st == 0 and sz > 1 for sz, st in zip(target._t.sizes, target._t.strides)):
        raise RuntimeError(f"[{name}] unsupported operation: more than one element of the written-to tensor refers "
                           "to a single memory location. Please clone() the tensor before performing the operation.")
    base = target._base
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(f"[{name}] a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    alias = _history_alias(target, clone=True)
    if target_in_args:
        args = tuple(alias if a is target else a for a in args)
        if kwargs:
            kwargs = {k: (alias if v is target else v) for k, v in kwargs.items()}
    else:
        args = (alias,) + tuple(args)
    r = _impl(name)(*args, **kwargs)
    if not isinstance(r, Tensor):
        raise RuntimeError(f"[{name}] in-place autograd expected a Tensor result")
    if r._t.sizes != target._t.sizes:
        raise RuntimeError(f"[{name}] output with shape {list(target.shape)} doesn't match the broadcast shape "
                           f"{list(r.shape)}")
    if r._t.dtype != target._t.dtype:
        if r.dtype.is_floating_point and not target.dtype.is_floating_point:
            raise RuntimeError(f"[{name}] result type {r.dtype._name} can't be cast to the desired output type "
                               f"{target.dtype._name}")
        from .grad_fns.elementwise import ToCopy  # a cast that keeps r's history
        r = ToCopy.apply(r, target.dtype)
    _C.copy_(target._t, r._t)
    _rebase(target, r)
    return target


def _rebase(target, r):
    """Give ``target`` (just overwritten with ``r``'s values) ``r``'s history."""
    if not r.requires_grad:
        return
    base = target._base
    if base is None:
        target.grad_fn, target._output_nr, target.requires_grad = r.grad_fn, r._output_nr, True
        target.__dict__.pop("_acc_node", None)
        return
    if not base._t.is_contiguous():
        raise NotImplementedError("[autograd] an in-place op on a view of a non-contiguous tensor that requires "
                                  "grad is not supported; apply it out of place")
    geometry = (tuple(target._t.sizes), tuple(target._t.strides), target._t.offset - base._t.offset)
    new_base = _CopySlices.apply(_history_alias(base, clone=False), r, geometry)
    base.grad_fn, base._output_nr, base.requires_grad = new_base.grad_fn, new_base._output_nr, True
    base.__dict__.pop("_acc_node", None)
    v = _AsStrided.apply(base, geometry)
    target.grad_fn, target._output_nr, target.requires_grad = v.grad_fn, v._output_nr, True
    target.__dict__.pop("_acc_node", None)


def _strided(t, geometry):
    size, stride, offset = geometry
    return _wrap(_C.as_strided(t._t, list(size), list(stride), t._t.offset + offset))


class _CopySlices(Function):
    """base with the region ``geometry`` replaced by ``src`` (values already written in place)."""

    @staticmethod
    def forward(ctx, base, src, geometry):
        ctx.geometry = geometry
        ctx.src_shape = tuple(src.shape)
        return _wrap(base._t)

    @staticmethod
    def backward(ctx, g):
        from .. import _ops
        g = g.contiguous()
        mask = _ops.creation.ones_like(g)
        _C.fill_(_strided(mask, ctx.geometry)._t, 0)
        g_base = g * mask if ctx.needs_input_grad[0] else None
        g_src = _AsStrided.apply(g, ctx.geometry) if ctx.needs_input_grad[1] else None
        return g_base, g_src, None


class _AsStrided(Function):
    """A view with explicit geometry relative to the start of a contiguous input."""
    _is_view = True

    @staticmethod
    def forward(ctx, x, geometry):
        ctx.geometry, ctx.shape = geometry, tuple(x.shape)
        return _strided(x, geometry)

    @staticmethod
    def backward(ctx, g):
        return _AsStridedScatter.apply(g, ctx.shape, ctx.geometry), None


class _AsStridedScatter(Function):
    """zeros(shape) with ``g`` added into the region ``geometry`` (the adjoint of _AsStrided)."""

    @staticmethod
    def forward(ctx, g, shape, geometry):
        from .. import _ops
        ctx.geometry = geometry
        out = _ops.creation.zeros(shape, dtype=g.dtype)
        region = _strided(out, geometry)
        _C.copy_(region._t, g._t)
        return out

    @staticmethod
    def backward(ctx, gg):
        return _AsStrided.apply(gg.contiguous(), ctx.geometry), None, None
