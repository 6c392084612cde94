"""Tensor methods that belong to autograd: backward, register_hook, retain_grad."""
import weakref

from .._tensor import Tensor, _register_method
from . import engine

Tensor._output_nr = 0


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


@_register_method()
def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (``gradient`` required for non-scalars)."""
    engine.backward(self, gradient, retain_graph, create_graph, inputs)


@_register_method()
def register_hook(self, hook):
    """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces it."""
    if not self.requires_grad:
        raise RuntimeError("[register_hook] cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is None:
        hooks = self.__dict__.setdefault("_hooks", [])
    else:
        hooks = self.grad_fn._pre_hooks.setdefault(self._output_nr, [])
    hooks.append(hook)
    return _RemovableHandle(hooks, hook)


@_register_method()
def retain_grad(self):
    """Keep ``.grad`` for this non-leaf tensor after backward."""
    if not self.requires_grad:
        raise RuntimeError("[retain_grad] can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or self._retains_grad:
        return
    ref = weakref.ref(self)

    def keep(g):
        t = ref()
        if t is not None and g is not None:
            t.grad = g.detach() if t.grad is None else t.grad + g.detach()
    # retain_grad hooks run after every other hook of this output (as in PyTorch)
    self.grad_fn.register_prehook(("retain", self._output_nr), keep)
    self._retains_grad = True
