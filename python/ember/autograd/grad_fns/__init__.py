"""Grad implementations of the built-in ops, one module per op family.

Each module registers, with ``@register("<op name>")``, a function with the op's signature that
applies a ``Function``; the op itself is marked ``@differentiable("<op name>")`` where it is
defined (``ember/_ops/<family>.py``). Backward formulas use public ember ops only, so they are
recorded again under ``create_graph=True`` (double backward).
"""
from . import elementwise, unary, reduce, shape, index, linalg, sort, nn  # noqa: F401
from . import activation, loss, softmax, normalization, conv, pooling  # noqa: F401
from . import attention  # noqa: F401


def _name_nodes():
    """Built-in nodes are named as PyTorch's (``AddBackward0``)."""
    from ..function import Function
    import sys
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith(__name__ + "."):
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Function) and obj.__module__ == mod.__name__:
                    obj._node_name = obj.__name__.lstrip("_") + "Backward0"


_name_nodes()
