"""The backward engine: runs recorded nodes in reverse topological order (most recent first),
summing gradients per (node, output), accumulating into leaves, and freeing saved tensors
unless ``retain_graph``. Every gradient is computed by the nodes' backward (C++ ops)."""
import heapq

from .._dtype import _BY_CODE

from .._tensor import Tensor
from . import grad_mode
from .function import AccumulateGrad, Function, _edge, _anomaly

__all__ = ["backward", "grad"]


def _make_grads(outputs, grad_outputs, op):
    grads = []
    for o, g in zip(outputs, grad_outputs):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError(f"[{op}] grad can be implicitly created only for scalar outputs")
            from .._ops.creation import ones_like
            g = ones_like(o)
        elif not isinstance(g, Tensor):
            raise TypeError(f"[{op}] gradient must be a Tensor or None, got {type(g).__name__}")
        elif tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"[{op}] Mismatch in shape: grad_output has a shape of {tuple(g.shape)} and "
                               f"output has a shape of {tuple(o.shape)}.")
        grads.append(g)
    return grads


class _SumGrads(Function):
    """Gradient summation recorded in the graph (needed when create_graph=True)."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if grad_mode.is_grad_enabled() and (a.requires_grad or b.requires_grad):
        return _SumGrads.apply(a, b)
    return a + b


def _check_nan(node, i, g):
    if g is None or not g.dtype.is_floating_point:
        return
    import ember
    if not bool(ember.isfinite(g).all()):
        where = "".join(node._stack[-4:]) if getattr(node, "_stack", None) else ""
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output."
                           + (f"\nTraceback of forward call that caused the error:\n{where}" if where else ""))


def _validate(node, i, g, meta):
    """A gradient must have its input's shape; it is cast to its input's dtype (as PyTorch)."""
    sizes, code = meta
    if g._t.sizes != sizes:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                           f"{list(g._t.sizes)} but expected shape compatible with {list(sizes)}")
    if g._t.dtype != code:
        g = g.to(_BY_CODE[code])
    return g


def _run(roots, root_grads, retain_graph, create_graph, capture=None, accumulate=True, inputs=None):
    """Execute the graph. ``capture`` maps (node, out_nr) -> slot index for autograd.grad.

    Nodes are dict keys by identity. Each node's incoming gradients are summed in a per-output
    list; a node runs once all its consumers have run (dependency counts), most recent first."""
    deps = {}
    stack = list(dict.fromkeys(e[0] for e in roots if e is not None))  # roots may share a node
    seen = set(stack)
    while stack:
        n = stack.pop()
        for e in n._edges:
            if e is not None:
                c = e[0]
                deps[c] = deps.get(c, 0) + 1
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
    buffers = {}
    captured = {}
    for e, g in zip(roots, root_grads):
        if e is None:
            continue
        buf = buffers.get(e[0])
        if buf is None:
            buf = buffers[e[0]] = [None] * _n_outputs(e[0])
        buf[e[1]] = _add(buf[e[1]], g)
    ready, queued = [], set()
    for e in roots:  # several roots may be outputs of one node: queue it once
        if e is not None and deps.get(e[0], 0) == 0 and e[0] not in queued:
            heapq.heappush(ready, (-e[0]._seq, id(e[0]), e[0]))
            queued.add(e[0])
    only = None if inputs is None else {id(t) for t in inputs}
    handed = {g._t.storage_ptr for g in root_grads if g is not None}  # storage given out as .grad
    anomaly = _anomaly["enabled"]
    state = grad_mode._state
    prev_mode = state.enabled
    state.enabled = bool(create_graph)
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            buf = buffers.pop(node, None) or (None,)
            if node.__class__ is AccumulateGrad:
                g = buf[0]
                t = node.variable
                hooks = t.__dict__.get("_hooks")
                if hooks:
                    for h in hooks:
                        r = h(g)
                        if r is not None:
                            g = r
                if capture is not None:
                    slot = capture.get((node, 0))
                    if slot is not None:
                        captured[slot] = _add(captured.get(slot), g)
                    continue
                if g is not None and accumulate and (only is None or id(t) in only):
                    if not create_graph:
                        g = g.detach()
                        if t.grad is None:
                            # .grad must own its memory: later backward calls accumulate into it in place.
                            # A view (an expanded/transposed gradient) or memory already given to another
                            # leaf or passed in by the caller (x + y hands one tensor to both) is copied.
                            if not g._t.is_contiguous():
                                g = g.contiguous()
                            elif g._t.storage_ptr in handed:
                                g = g.clone()
                            handed.add(g._t.storage_ptr)
                    t.grad = g if t.grad is None else (_add(t.grad, g) if create_graph else t.grad.add_(g))
                continue
            out_meta = node._out_meta
            n_out = len(out_meta)
            grads = list(buf) if len(buf) == n_out else [None] * n_out
            pre = node._pre_hooks
            if pre or capture is not None:
                for i in range(n_out):
                    g = grads[i]
                    for h in pre.get(i, ()):
                        r = h(g) if g is not None else None
                        if r is not None:
                            g = r
                    for h in pre.get(("retain", i), ()):
                        h(g)
                    if capture is not None and g is not None:
                        slot = capture.get((node, i))
                        if slot is not None:
                            captured[slot] = _add(captured.get(slot), g)
                    grads[i] = g
            if node.ctx.materialize_grads:
                for i in range(n_out):
                    if grads[i] is None and out_meta[i] is not None:
                        from .._ops.creation import zeros
                        shape, code = out_meta[i]
                        grads[i] = zeros(shape, dtype=_BY_CODE[code])
            if node.ctx._freed:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed). Specify retain_graph=True if you need to backward through the "
                    "graph a second time.")
            out = node._fn.backward(node.ctx, *grads)
            if out.__class__ is not tuple:
                out = (out,)
            nf = node._edges
            if len(out) < len(nf):
                raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                                   f"(expected {len(nf)}, got {len(out)})")
            if not retain_graph:
                node._release()
            im = node._in_meta
            for i, e in enumerate(nf):
                g = out[i]
                if anomaly:
                    _check_nan(node, i, g)
                if e is None:
                    continue
                child = e[0]
                if g is not None:
                    if not isinstance(g, Tensor):
                        raise TypeError(f"function {node.name()} returned a gradient of type {type(g).__name__}")
                    if im is not None and im[i] is not None:
                        meta = im[i]
                        if g._t.sizes != meta[0] or g._t.dtype != meta[1]:
                            g = _validate(node, i, g, meta)
                    cb = buffers.get(child)
                    if cb is None:
                        cb = buffers[child] = [None] * _n_outputs(child)
                    k = e[1]
                    cb[k] = g if cb[k] is None else _add(cb[k], g)
                d = deps[child] - 1
                deps[child] = d
                if d == 0 and child not in queued:
                    heapq.heappush(ready, (-child._seq, id(child), child))
                    queued.add(child)
    finally:
        state.enabled = prev_mode
    return captured


def _n_outputs(node):
    return 1 if node.__class__ is AccumulateGrad else len(node._out_meta)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute gradients of ``tensors`` w.r.t. graph leaves and accumulate them into ``.grad``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors, "backward")
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("[backward] 'inputs' argument to backward() cannot be empty.")
    _run([_edge(t) for t in tensors], grads, retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` (without touching ``.grad``)."""
    single_out = isinstance(outputs, Tensor)
    outputs = [outputs] if single_out else list(outputs)
    inputs_t = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    capture = {}
    for k, t in enumerate(inputs_t):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        e = _edge(t)
        capture[(e[0], e[1])] = k
    grads = _make_grads(outputs, grad_outputs, "grad")
    captured = _run([_edge(t) for t in outputs], grads, retain_graph, create_graph, capture=capture)
    result = []
    for k, t in enumerate(inputs_t):
        g = captured.get(k)
        if g is None:
            if materialize_grads:
                from .._ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
