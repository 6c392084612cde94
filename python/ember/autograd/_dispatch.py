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
import inspect

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

    The raw path (grad mode off, or no tensor argument requiring grad) costs a flag test and a
    scan of the arguments. For ops with a plain signature the wrapper is generated with the op's
    own parameters (``_exact_wrapper``), so no ``*args``/``**kwargs`` packing happens on the way
    to the raw op; other signatures get the generic wrapper below."""
    state = _state

    def deco(raw):
        op = _exact_wrapper(name, raw, inplace)
        if op is None:
            op = _generic_wrapper(name, raw, inplace, state)
        functools.update_wrapper(op, raw)
        op._grad_name = name
        op._raw = raw
        return op
    return deco


def _generic_wrapper(name, raw, inplace, state):
    if inplace:
        def op(*args, **kwargs):
            if state.enabled:
                for a in args:
                    if isinstance(a, Tensor):
                        if a.requires_grad:
                            return _inplace_call(name, args[0], args[1:], kwargs, target_in_args=False)
                    elif isinstance(a, _SEQ) and _seq_requires_grad(a):
                        return _inplace_call(name, args[0], args[1:], kwargs, target_in_args=False)
                if kwargs:
                    for a in kwargs.values():
                        if isinstance(a, Tensor) and a.requires_grad:
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
                if kwargs:
                    for a in kwargs.values():
                        if isinstance(a, Tensor) and a.requires_grad:
                            return _grad_call(name, args, kwargs)
            return raw(*args, **kwargs)
    return op


_P = inspect.Parameter


def _exact_wrapper(name, raw, inplace):
    """A wrapper with ``raw``'s own parameters (positional-or-keyword and keyword-only ones, with
    the same defaults), or None when the signature has ``*args``/``**kwargs``/positional-only
    parameters. Positional parameters are scanned like positional arguments (a Tensor, or Tensors
    directly inside a list/tuple), keyword-only ones like keyword arguments (a Tensor). The grad
    path receives the positional parameters up to the last one that differs from its default, and
    the keyword-only ones that differ from their defaults: the call the grad implementation would
    see from a caller who omitted the defaults."""
    try:
        params = list(inspect.signature(raw, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):
        return None
    pos = [p.name for p in params if p.kind is _P.POSITIONAL_OR_KEYWORD]
    kwo = [p.name for p in params if p.kind is _P.KEYWORD_ONLY]
    if len(pos) + len(kwo) != len(params) or any(n.startswith("_e_") or n in _RESERVED for n in pos + kwo):
        return None
    if (inplace and not pos) or "out" in pos:  # a positional out= must reach _grad_call as a keyword
        return None
    defaults = {p.name: p.default for p in params if p.default is not _P.empty}
    ns = {"_e_raw": raw, "_e_state": _state, "_e_T": Tensor, "_e_SEQ": _SEQ, "_e_seq": _seq_requires_grad,
          "_e_name": name, "_e_grad": _grad_call, "_e_inplace": _inplace_call}
    dnames = {}
    for i, (n, d) in enumerate(defaults.items()):
        dnames[n] = f"_e_d{i}"
        ns[f"_e_d{i}"] = d
    tests = [f"isinstance({n}, _e_T) and {n}.requires_grad or isinstance({n}, _e_SEQ) and _e_seq({n})" for n in pos]
    tests += [f"isinstance({n}, _e_T) and {n}.requires_grad" for n in kwo]
    # the grad path's arguments: trailing positional defaults dropped, keyword-only defaults left out
    lines = ["    _e_args = [" + ", ".join(pos) + "]"]
    for n in reversed(pos):
        if n not in defaults:
            break
        lines.append(f"    if {n} is {dnames[n]} and len(_e_args) == {pos.index(n) + 1}: _e_args.pop()")
    lines.append("    _e_kw = {}")
    for n in kwo:
        cond = f"{n} is not {dnames[n]}" if n in defaults else "True"
        lines.append(f"    if {cond}: _e_kw[{n!r}] = {n}")
    if inplace:
        lines.append("    return _e_inplace(_e_name, _e_args[0], tuple(_e_args[1:]), _e_kw, target_in_args=False)")
    else:
        lines.append("    return _e_grad(_e_name, tuple(_e_args), _e_kw)")
    fname = raw.__name__ if raw.__name__.isidentifier() else "op"
    sig = ", ".join(pos + (["*"] + kwo if kwo else []))
    call = ", ".join(pos + [f"{n}={n}" for n in kwo])
    src = [f"def _e_slow({sig}):"] + lines
    src += [f"def {fname}({sig}):",
            "    if _e_state.enabled and (" + (" or ".join(tests) if tests else "False") + "):",
            f"        return _e_slow({call})",
            f"    return _e_raw({call})"]
    exec(compile("\n".join(src), f"<differentiable {name}>", "exec"), ns)
    fn, slow = ns[fname], ns["_e_slow"]
    pos_defaults = tuple(defaults[n] for n in pos if n in defaults)
    kw_defaults = {n: defaults[n] for n in kwo if n in defaults}
    for f in (fn, slow):
        f.__defaults__ = pos_defaults or None
        f.__kwdefaults__ = kw_defaults or None
    return fn


_RESERVED = frozenset(("isinstance", "len", "tuple"))


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
