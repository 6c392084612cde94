"""``nn.Parameter``: a Tensor that modules register as a learnable parameter."""
from .._tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor registered by ``Module.__setattr__``; ``requires_grad=True`` by default."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"[Parameter] expected a Tensor as data, got {type(data).__name__}")
        p = object.__new__(cls)
        p._t = data._t
        if requires_grad and not data.dtype.is_floating_point:
            raise RuntimeError("[Parameter] only Tensors of floating point dtype can require gradients")
        p.requires_grad = bool(requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        raise TypeError("[Parameter] ember tensors are not pickled; use ember.save (safetensors)")


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and instance.__dict__.get("_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """``nn.Buffer(tensor, persistent=True)``: marks a tensor so that assigning it to a module
    attribute registers it as a buffer. Returns a plain (detached) Tensor, as PyTorch does."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"[Buffer] expected a Tensor as data, got {type(data).__name__}")
        t = data.detach()
        if data.requires_grad:
            t.requires_grad_(True)
        t.persistent = persistent
        t._is_buffer = True
        return t
