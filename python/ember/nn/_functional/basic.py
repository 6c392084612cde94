"""nn.functional basics: pad, one_hot."""
import builtins
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ...autograd._dispatch import differentiable

__all__ = ["pad", "one_hot"]

_PAD_MODES = {"constant": _C.PadMode.constant, "reflect": _C.PadMode.reflect,
              "replicate": _C.PadMode.replicate, "circular": _C.PadMode.circular}


@differentiable("pad")
def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative sizes, crop) the last dims of ``input``.

    ``pad`` lists (left, right) pairs starting from the last dimension. ``mode`` is
    ``'constant'`` (fill with ``value``, default 0), ``'reflect'``, ``'replicate'`` or
    ``'circular'``; the non-constant modes pad the last 1-3 dims of a (batched) input.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"[pad] expected a Tensor as input, got {type(input).__name__}")
    if isinstance(pad, Tensor) or not isinstance(pad, (list, tuple)):
        raise TypeError(f"[pad] pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    p = []
    for i, v in enumerate(pad):
        if isinstance(v, builtins.bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"[pad] pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                            f"type {type(v).__name__} at pos {i}")
        p.append(int(v))
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"[pad] Unrecognised padding mode {mode}")
    if isinstance(value, Tensor):
        value = value.item()
    if value is not None and not isinstance(value, numbers.Number):
        raise TypeError(f"[pad] argument 'value' must be a number, not {type(value).__name__}")
    return _wrap(_C.pad(input._t, p, _PAD_MODES[mode], value))


def one_hot(tensor, num_classes=-1):
    """int64 class indices (...) -> int64 one-hot (..., num_classes); -1 infers max + 1."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"[one_hot] expected a Tensor as tensor, got {type(tensor).__name__}")
    if isinstance(num_classes, builtins.bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"[one_hot] argument 'num_classes' must be int, not {type(num_classes).__name__}")
    return _wrap(_C.one_hot(tensor._t, int(num_classes)))
