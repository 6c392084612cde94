"""``Function`` (user-defined and built-in differentiable ops) and the graph nodes it records.

A call ``MyFn.apply(*args)`` runs ``forward(ctx, *args)`` without recording, then, when grad
mode is on and some tensor argument requires grad, creates a ``Node`` (the outputs' ``grad_fn``)
that holds ``ctx`` and edges ``next_functions`` to the inputs' nodes (a leaf's AccumulateGrad).
"""
import itertools
import traceback

from .._dtype import _BY_CODE
from .._tensor import Tensor, _wrap
from . import grad_mode
from .grad_mode import _state

__all__ = ["Function", "FunctionCtx", "Node", "AccumulateGrad"]

_seq = itertools.count()
_FLOAT_CODES = frozenset(d._code for d in _BY_CODE if d.is_floating_point)
_anomaly = {"enabled": False}

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
          "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
          "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
          "or if you need to access saved tensors after calling backward.")


class FunctionCtx:
    """The ``ctx`` passed to forward/backward: saved tensors and flags."""

    # class-level defaults: creating a ctx costs one object allocation
    _saved = ()
    _saved_versions = ()
    _freed = False
    _non_differentiable = ()
    _dirty = ()
    needs_input_grad = ()
    materialize_grads = True

    def save_for_backward(self, *tensors):
        """Save tensors (or None) for backward; in-place changes to them are detected."""
        versions = []
        for t in tensors:
            if t is None:
                versions.append(None)
            elif isinstance(t, Tensor):
                versions.append(t._t.version)
            else:
                raise TypeError(f"[save_for_backward] expected Tensors or None, got {type(t).__name__}")
        self._saved = tensors
        self._saved_versions = versions

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED)
        for i, (t, v) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and t._t.version != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.dtype._name} {list(t.shape)}], which is output {i} of the saved tensors, "
                    f"is at version {t._version}; expected version {v} instead.")
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = set(self._non_differentiable) | {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = set(self._dirty) | {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class Node:
    """A recorded op in the graph (``tensor.grad_fn``)."""

    __slots__ = ("_fn", "ctx", "_edges", "_seq", "_pre_hooks", "_out_meta", "_in_meta", "_stack",
                 "__weakref__")

    def __init__(self, fn, ctx, next_functions, out_meta, in_meta=None):
        self._fn = fn
        self.ctx = ctx
        self._edges = next_functions  # (node, output_nr) or None per forward argument
        self._seq = next(_seq)
        self._pre_hooks = {}
        self._out_meta = out_meta  # (sizes, dtype code) per output, to materialize zero grads
        self._in_meta = in_meta    # (sizes, dtype code) per input that needs grad, to validate grads
        self._stack = traceback.format_stack()[:-3] if _anomaly["enabled"] else None

    @property
    def next_functions(self):
        """(node, output_nr) per forward argument; (None, 0) where no gradient flows."""
        return tuple((None, 0) if e is None else e for e in self._edges)

    def name(self):
        return getattr(self._fn, "_node_name", None) or self._fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def apply(self, grads):
        return self._fn.backward(self.ctx, *grads)

    def _release(self):
        self.ctx._saved = ()
        self.ctx._freed = True

    def register_prehook(self, out_nr, fn):
        self._pre_hooks.setdefault(out_nr, []).append(fn)


class AccumulateGrad:
    """The sink node of a leaf tensor that requires grad."""

    __slots__ = ("variable", "_edges", "_seq", "__weakref__")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self._edges = ()
        self._seq = -1

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _edge(t):
    """(node, output_nr) that receives the gradient of tensor ``t``; None if it needs none."""
    if not isinstance(t, Tensor) or not t.requires_grad:
        return None
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    acc = t.__dict__.get("_acc_node")
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc_node = acc
    return (acc, 0)


class Function:
    """Base class for differentiable ops: subclass with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)``, call with ``MyFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("[Function] subclasses must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("[Function] subclasses must implement backward")

    # Built-in view ops set this: their outputs remember ``_base`` so in-place ops on them can
    # rewrite the base's history (see ``_dispatch``).
    _is_view = False

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        state = _state
        needs = []
        record = False
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                needs.append(True)
                record = True
            else:
                needs.append(False)
        ctx.needs_input_grad = needs = tuple(needs)
        enabled = state.enabled
        state.enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            state.enabled = enabled
        if not (record and enabled):
            return out
        edges = []
        in_meta = []
        for a, n in zip(args, needs):
            if n:
                t = a._t
                in_meta.append((t.sizes, t.dtype))
                fn = a.grad_fn
                edges.append((fn, a._output_nr) if fn is not None else _edge(a))
            else:
                in_meta.append(None)
                edges.append(None)
        if out.__class__ is not tuple and isinstance(out, Tensor) and not ctx._dirty and not ctx._non_differentiable:
            # the common case: one fresh tensor output
            o = out
            for a in args:
                if o is a:  # an input returned unchanged: give the output its own identity
                    o = _wrap(o._t)
                    break
            t = o._t
            code = t.dtype
            node = Node(cls, ctx, edges, ((t.sizes, code),), in_meta)
            if code in _FLOAT_CODES:
                o.grad_fn = node
                o.requires_grad = True
                if o._output_nr:
                    o._output_nr = 0
                if cls._is_view:
                    b = args[0]
                    o._base = b if b._base is None else b._base
            return o
        return _record_outputs(cls, ctx, args, out, edges, in_meta)


def _record_outputs(cls, ctx, args, out, edges, in_meta):
    """General case of ``Function.apply``: several outputs, dirty or non-differentiable ones."""
    single = out.__class__ is not tuple
    outs = (out,) if single else out
    dirty, nondiff = ctx._dirty, ctx._non_differentiable
    wrapped = []
    for o in outs:
        if isinstance(o, Tensor):
            for a in args:
                if o is a and id(o) not in dirty:
                    o = _wrap(o._t)  # an input returned unchanged: give the output its own identity
                    break
        wrapped.append(o)
    meta = tuple((o._t.sizes, o._t.dtype) if isinstance(o, Tensor) else None for o in wrapped)
    node = Node(cls, ctx, edges, meta, in_meta)
    is_view = cls._is_view
    for i, o in enumerate(wrapped):
        if not isinstance(o, Tensor) or o._t.dtype not in _FLOAT_CODES:
            continue
        if nondiff and (id(o) in nondiff or id(outs[i]) in nondiff):
            continue
        if dirty and id(o) in dirty:
            _check_dirty(o, cls)
            o.__dict__.pop("_acc_node", None)
        o.grad_fn = node
        o._output_nr = i
        o.requires_grad = True
        if is_view:
            b = args[0]
            o._base = b if b._base is None else b._base
    return wrapped[0] if single else tuple(wrapped)


def _check_dirty(t, cls):
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError(f"[{cls.__name__}] a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def set_detect_anomaly(mode):
    """When on, backward checks every computed gradient for nan/inf and names the forward op."""
    _anomaly["enabled"] = bool(mode)


def is_anomaly_enabled():
    return _anomaly["enabled"]


class detect_anomaly:
    """Context manager enabling anomaly detection inside the block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly["enabled"]
        _anomaly["enabled"] = self.check_nan

    def __exit__(self, *exc):
        _anomaly["enabled"] = self._prev
        return False
