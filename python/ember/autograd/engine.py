"""The backward engine: runs recorded nodes in reverse topological order (most recent first),
summing gradients per (node, output), accumulating into leaves, and freeing saved tensors
unless ``retain_graph``. Every gradient is computed by the nodes' backward (C++ ops)."""
import heapq

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
        from .._dtype import _BY_CODE
        g = g.to(_BY_CODE[code])
    return g


def _run(roots, root_grads, retain_graph, create_graph, capture=None, accumulate=True, inputs=None):
    """Execute the graph. ``capture`` maps (node id, out_nr) -> slot index for autograd.grad."""
    # dependency counts over the reachable graph
    deps = {}
    nodes = {}
    stack = [e[0] for e in roots if e is not None]
    for n in stack:
        nodes[id(n)] = n
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        for e in n._edges:
            if e is None:
                continue
            deps[id(e[0])] = deps.get(id(e[0]), 0) + 1
            if id(e[0]) not in nodes:
                nodes[id(e[0])] = e[0]
                stack.append(e[0])
    buffers = {}
    captured = {}
    for e, g in zip(roots, root_grads):
        if e is None:
            continue
        buf = buffers.setdefault(id(e[0]), {})
        buf[e[1]] = _add(buf.get(e[1]), g)
    ready, queued = [], set()
    for e in roots:  # several roots may be outputs of one node: queue it once
        if e is not None and deps.get(id(e[0]), 0) == 0 and id(e[0]) not in queued:
            heapq.heappush(ready, (-e[0]._seq, id(e[0]), e[0]))
            queued.add(id(e[0]))
    only = None if inputs is None else {id(t) for t in inputs}
    handed = {g._t.storage_ptr for g in root_grads if g is not None}  # storage given out as .grad
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            _, nid, node = heapq.heappop(ready)
            buf = buffers.pop(nid, {})
            if isinstance(node, AccumulateGrad):
                g = buf.get(0)
                t = node.variable
                key = (nid, 0)
                for h in (t.__dict__.get("_hooks") or ()):
                    r = h(g)
                    if r is not None:
                        g = r
                if capture is not None:
                    if key in capture:
                        captured[capture[key]] = _add(captured.get(capture[key]), g)
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
            n_out = len(node._out_meta)
            grads = []
            for i in range(n_out):
                g = buf.get(i)
                for h in node._pre_hooks.get(i, ()):
                    r = h(g) if g is not None else None
                    if r is not None:
                        g = r
                for h in node._pre_hooks.get(("retain", i), ()):
                    h(g)
                if capture is not None and (nid, i) in capture and g is not None:
                    captured[capture[(nid, i)]] = _add(captured.get(capture[(nid, i)]), g)
                if g is None and node.ctx.materialize_grads and node._out_meta[i] is not None:
                    from .._ops.creation import zeros
                    from .._dtype import _BY_CODE
                    shape, code = node._out_meta[i]
                    g = zeros(shape, dtype=_BY_CODE[code])
                grads.append(g)
            if node.ctx._freed:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed). Specify retain_graph=True if you need to backward through the "
                    "graph a second time.")
            out = node.apply(grads)
            if not isinstance(out, tuple):
                out = (out,)
            nf = node._edges
            if len(out) < len(nf):
                raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                                   f"(expected {len(nf)}, got {len(out)})")
            if not retain_graph:
                node._release()
            for i, (e, g) in enumerate(zip(nf, out)):
                if _anomaly["enabled"]:
                    _check_nan(node, i, g)
                if e is None:
                    continue
                if g is not None and not isinstance(g, Tensor):
                    raise TypeError(f"function {node.name()} returned a gradient of type {type(g).__name__}")
                if g is not None:
                    im = node._in_meta
                    if im is not None and im[i] is not None:
                        g = _validate(node, i, g, im[i])
                    child = buffers.setdefault(id(e[0]), {})
                    child[e[1]] = _add(child.get(e[1]), g)
                deps[id(e[0])] -= 1
                if deps[id(e[0])] == 0 and id(e[0]) not in queued:
                    heapq.heappush(ready, (-e[0]._seq, id(e[0]), e[0]))
                    queued.add(id(e[0]))
    return captured


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
        capture[(id(e[0]), e[1])] = k
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
