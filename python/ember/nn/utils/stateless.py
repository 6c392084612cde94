"""``functional_call``: run a module with some parameters/buffers replaced by given tensors (as
torch.func.functional_call / torch.nn.utils.stateless.functional_call). Gradients flow to the
given tensors; the module's own tensors are restored afterwards, even when forward raises."""
import contextlib

from ..._tensor import Tensor

__all__ = ["functional_call"]


def _slot(module, name):
    """(owning module, dict holding the entry, key) for a dotted parameter/buffer name."""
    *path, leaf = name.split(".")
    mod = module
    for p in path:
        mod = mod._modules.get(p) if p in mod._modules else None
        if mod is None:
            raise AttributeError(f"[functional_call] {type(module).__name__} has no submodule for '{name}'")
    for store in (mod._parameters, mod._buffers):
        if leaf in store:
            return store, leaf
    return None, leaf


@contextlib.contextmanager
def _swapped(module, tensors, strict, tie_weights):
    if tie_weights:
        # every name under which a given tensor object is registered receives the replacement
        by_id = {}
        for n, t in module.named_parameters(remove_duplicate=False):
            by_id.setdefault(id(t), []).append(n)
        for n, t in module.named_buffers(remove_duplicate=False):
            by_id.setdefault(id(t), []).append(n)
        expanded = dict(tensors)
        for n, t in list(tensors.items()):
            try:
                store, key = _slot(module, n)
            except AttributeError:
                continue
            if store is not None:
                for alias in by_id.get(id(store[key]), ()):
                    expanded.setdefault(alias, t)
        tensors = expanded
    if strict:
        names = {n for n, _ in module.named_parameters(remove_duplicate=False)} | \
            {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(names - set(tensors))
        unexpected = sorted(set(tensors) - names)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys {missing}, "
                               f"unexpected keys {unexpected}")
    saved = []
    try:
        for name, t in tensors.items():
            if not isinstance(t, Tensor):
                raise TypeError(f"[functional_call] expected a Tensor for '{name}', got {type(t).__name__}")
            store, key = _slot(module, name)
            if store is None:
                raise AttributeError(f"[functional_call] '{name}' is not a parameter or buffer of "
                                     f"{type(module).__name__}")
            saved.append((store, key, store[key]))
            store[key] = t
        yield
    finally:
        for store, key, old in reversed(saved):
            store[key] = old


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the tensors in ``parameters_and_buffers`` (a dict, or a tuple
    of dicts, keyed by dotted names) standing in for the module's parameters and buffers."""
    if isinstance(parameters_and_buffers, (list, tuple)):
        merged = {}
        for d in parameters_and_buffers:
            dup = set(merged) & set(d)
            if dup:
                raise ValueError(f"{sorted(dup)} appeared in multiple dictionaries; behavior of functional call is "
                                 "ambiguous")
            merged.update(d)
        parameters_and_buffers = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, dict(parameters_and_buffers), strict, tie_weights):
        return module(*args, **(kwargs or {}))
