"""Creation ops: tensor, as_tensor, empty/zeros/ones/full and their *_like forms, and the range
factories arange/range/linspace/logspace/eye/empty_strided (C++: ops/creation/creation.h).
"""
import builtins
import numbers
import warnings

import numpy as np

from .. import _C
from .._device import _parse as _parse_device
from .._dtype import _from_numpy_dtype, _to_dtype, get_default_dtype
from .. import _dtype as _dt
from .._tensor import Tensor, _shape_arg, _wrap

__all__ = ["tensor", "as_tensor", "asarray", "empty", "zeros", "ones", "full", "empty_like", "zeros_like",
           "ones_like", "full_like", "scalar_tensor", "arange", "range", "linspace", "logspace", "eye",
           "empty_strided"]


def _check_device(device):
    d = _parse_device(device)
    if d.type != "cpu":
        from .. import cuda
        cuda._lazy_check(d)
    return d


def _on_device(t, d):
    """A factory result built on the CPU, moved to device ``d`` when that is not the CPU."""
    if d.type == "cpu":
        return t
    return _wrap(_C.to_device(t._t, str(d), False, False))


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_numpy(data):
    """Convert nested Python data to a numpy array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return data.__array__(), data.dtype
    if isinstance(data, np.ndarray):
        return data, None
    if isinstance(data, np.generic):
        return np.asarray(data), None
    if isinstance(data, builtins.range):
        data = list(data)
    if isinstance(data, (list, tuple)):
        # PyTorch folds the element types with promote_types: Python bool/int/float give
        # bool/int64/default float; numpy scalars/arrays and tensors bring their own dtype.
        kind = None

        def leaf(x):
            nonlocal kind
            if isinstance(x, Tensor):
                d, v = x.dtype, x.tolist()
            elif isinstance(x, (np.ndarray, np.generic)):
                d = _np_kind(x.dtype)
                v = x.tolist()
            elif isinstance(x, bool):
                d, v = _dt.bool, x
            elif isinstance(x, numbers.Integral):
                d, v = _dt.int64, int(x)
            elif isinstance(x, numbers.Real) and not isinstance(x, complex):
                d, v = get_default_dtype(), float(x)
            else:
                raise TypeError(f"[tensor] Could not infer dtype of {type(x).__name__}")
            kind = d if kind is None else _dt.promote_types(kind, d)
            return v

        def walk(x):
            if isinstance(x, (list, tuple, builtins.range)):
                return [walk(y) for y in x]
            return leaf(x)
        data = walk(data)
        if kind is None:
            kind = get_default_dtype()  # tensor([]) and tensor([[]]) are floating, as in PyTorch
        try:
            arr = np.array(data, dtype=np.float64 if kind.is_floating_point else None)
        except (ValueError, OverflowError) as e:
            raise ValueError(f"[tensor] expected a rectangular nested sequence: {e}") from None
        if arr.dtype == object:
            raise ValueError("[tensor] expected a rectangular nested sequence of numbers")
        return arr, kind
    if isinstance(data, bool):
        return np.asarray(data), _dt.bool
    if isinstance(data, numbers.Integral):
        return np.asarray(int(data), dtype=np.int64), _dt.int64
    if isinstance(data, numbers.Real):
        return np.asarray(float(data), dtype=np.float64), get_default_dtype()
    raise TypeError(f"[tensor] Could not infer dtype of {type(data).__name__}")


def _np_kind(npd):
    """The ember dtype of a numpy dtype (unsupported integer widths widen to int64)."""
    d = _dt._NP_TO_DTYPE.get(np.dtype(npd))
    if d is not None:
        return d
    if npd.kind in "iu":
        return _dt.int64
    if npd.kind == "f":
        return _dt.float64
    raise TypeError(f"[tensor] Could not infer dtype of numpy {npd}")


def _nested_map(x, f):
    if isinstance(x, (list, tuple)):
        return [_nested_map(y, f) for y in x]
    return f(x)


def _from_array(arr, dtype):
    """Copy a numpy array into a new contiguous ember tensor of ``dtype``."""
    if arr.dtype.byteorder == ">" or arr.dtype not in _dt._NP_TO_DTYPE:
        if arr.dtype.kind in "iub":
            arr = arr.astype(np.int64)
        else:
            arr = arr.astype(np.float64)
    src = _C.from_numpy(np.ascontiguousarray(arr) if any(s < 0 for s in arr.strides) else arr)
    out = _C.empty(list(arr.shape), dtype._code, "cpu")
    _C.copy_(out, src)
    return _wrap(out)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays or tensors).

    Python floats become the default dtype (float32), ints int64 and bools bool.
    """
    d = _check_device(device)
    arr, inferred = _infer_numpy(data)
    if dtype is not None:
        dt = _to_dtype(dtype)
    elif inferred is not None:
        dt = inferred
    else:
        dt = _from_numpy_dtype(arr.dtype) if arr.dtype in _dt._NP_TO_DTYPE else (
            _dt.int64 if arr.dtype.kind in "iu" else get_default_dtype())
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[tensor] Only Tensors of floating point dtype can require gradients")
    t = _from_array(arr, dt)
    if d.type != "cpu":
        t = _wrap(_C.to_device(t._t, str(d), False, False))
    return _finish(t, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a tensor or numpy array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(_to_dtype(dtype))
    if isinstance(data, np.ndarray) and data.dtype in _dt._NP_TO_DTYPE and data.dtype.byteorder != ">" \
            and builtins.all(s >= 0 for s in data.strides):
        t = _wrap(_C.from_numpy(data))
        return t if dtype is None else t.to(_to_dtype(dtype))
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``as_tensor`` with an explicit ``copy`` flag."""
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    return _finish(t, requires_grad)


def _make(size, dtype, device, requires_grad, fill, op, out=None):
    d = _check_device(device)
    if dtype is None and out is not None:
        dtype = out.dtype
    dt = get_default_dtype() if dtype is None else _to_dtype(dtype)
    shape = _shape_arg(size, op)
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError(f"[{op}] Only Tensors of floating point dtype can require gradients")
    if fill is None:
        t = _wrap(_C.empty(shape, dt._code, str(d)))
    else:
        t = _wrap(_C.full(shape, fill, dt._code, str(d)))
    return _finish(_out(t, out, op), requires_grad)


def _out(result, out, op):
    """Write ``result`` into ``out`` (same shape: copy; otherwise out is re-pointed at the result)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] out must be a Tensor, got {type(out).__name__}")
    if tuple(out.shape) == tuple(result.shape):
        _C.copy_(out._t, result._t)
    else:
        out._t.set_(_C.to_dtype(result._t, out.dtype._code, False))
    return out


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    """An uninitialized tensor of the given shape."""
    return _make(size, dtype, device, requires_grad, None, "empty", out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of zeros."""
    return _make(size, dtype, device, requires_grad, 0, "zeros", out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of ones."""
    return _make(size, dtype, device, requires_grad, 1, "ones", out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value``; the dtype is inferred from the value when not given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if isinstance(size, numbers.Integral):
        raise TypeError(f"[full] argument 'size' must be tuple of ints, not {type(size).__name__}")
    if dtype is None and out is None:
        dtype = _dt.bool if isinstance(fill_value, (bool, np.bool_)) else (
            _dt.int64 if isinstance(fill_value, (numbers.Integral, np.integer)) else get_default_dtype())
    return _make((size,), dtype, device, requires_grad, fill_value, "full", out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=dtype or get_default_dtype(), device=device, requires_grad=requires_grad)


def _like(t, dtype, device, requires_grad, fill, op):
    if not isinstance(t, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as input, got {type(t).__name__}")
    return _make(tuple(t.shape), dtype or t.dtype, device or t.device, requires_grad, fill, op)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor shaped like ``input``."""
    return _like(input, dtype, device, requires_grad, None, "empty_like")


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Zeros shaped like ``input``."""
    return _like(input, dtype, device, requires_grad, 0, "zeros_like")


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Ones shaped like ``input``."""
    return _like(input, dtype, device, requires_grad, 1, "ones_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """``fill_value`` shaped like ``input``."""
    return _like(input, dtype, device, requires_grad, fill_value, "full_like")


# ---- range factories ---------------------------------------------------------------------------------
def _num_arg(x, name, op):
    """A Python number (0-d tensors and numpy scalars unwrapped) for a range argument."""
    if type(x) is int or type(x) is float:
        return x
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise RuntimeError(f"[{op}] argument '{name}' must be a number or a one-element tensor, got shape "
                               f"{tuple(x.shape)}")
        x = x.item()
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, complex) or not isinstance(x, numbers.Real):
        raise TypeError(f"[{op}] argument '{name}' must be a number, not {type(x).__name__}")
    if isinstance(x, (bool, numbers.Integral)):
        return int(x)
    return float(x)


def _range_dtype(dtype, out, args):
    if dtype is not None:
        return _to_dtype(dtype)
    if out is not None:
        return out.dtype
    return get_default_dtype() if builtins.any(isinstance(a, float) for a in args) else _dt.int64


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; ``arange(end)`` starts at 0.

    All-integer arguments give int64, any float gives the default dtype; the length is
    ``ceil((end - start) / step)``.
    """
    d = _check_device(device)
    if end is None:
        start, end = 0, start
    a, b, s = (_num_arg(start, "start", "arange"), _num_arg(end, "end", "arange"), _num_arg(step, "step", "arange"))
    dt = _range_dtype(dtype, out, (a, b, s))
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[arange] Only Tensors of floating point dtype can require gradients")
    return _finish(_out(_wrap(_C.arange(a, b, s, dt._code, str(d))), out, "arange"), requires_grad)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated (as in PyTorch): values from ``start`` to ``end`` inclusive; use ``arange``."""
    warnings.warn("ember.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use ember.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    d = _check_device(device)
    if end is None:
        start, end = 0, start
    a, b, s = (_num_arg(start, "start", "range"), _num_arg(end, "end", "range"), _num_arg(step, "step", "range"))
    dt = _to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else get_default_dtype())
    return _finish(_out(_wrap(_C.range(a, b, s, dt._code, str(d))), out, "range"), requires_grad)


def _steps_arg(steps, op):
    if isinstance(steps, Tensor):
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (numbers.Integral, np.integer)):
        raise TypeError(f"[{op}] argument 'steps' must be int, not {type(steps).__name__}")
    return int(steps)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default dtype unless given)."""
    d = _check_device(device)
    a, b = _num_arg(start, "start", "linspace"), _num_arg(end, "end", "linspace")
    n = _steps_arg(steps, "linspace")
    dt = _to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else get_default_dtype())
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[linspace] Only Tensors of floating point dtype can require gradients")
    return _finish(_out(_wrap(_C.linspace(a, b, n, dt._code, str(d))), out, "linspace"), requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    d = _check_device(device)
    a, b = _num_arg(start, "start", "logspace"), _num_arg(end, "end", "logspace")
    n = _steps_arg(steps, "logspace")
    base = float(_num_arg(base, "base", "logspace"))
    dt = _to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else get_default_dtype())
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[logspace] Only Tensors of floating point dtype can require gradients")
    return _finish(_out(_wrap(_C.logspace(a, b, n, base, dt._code, str(d))), out, "logspace"), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A 2-D tensor with ones on the diagonal: shape (n, m), m defaulting to n."""
    d = _check_device(device)
    for v, name in ((n, "n"), (m, "m")):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer))):
            raise TypeError(f"[eye] argument '{name}' must be int, not {type(v).__name__}")
    if m is not None and m < 0:
        raise RuntimeError(f"[eye] m must be greater or equal to 0, got {m}")
    dt = _to_dtype(dtype) if dtype is not None else (out.dtype if out is not None else get_default_dtype())
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[eye] Only Tensors of floating point dtype can require gradients")
    t = _wrap(_C.eye(int(n), -1 if m is None else int(m), dt._code, str(d)))
    return _finish(_out(t, out, "eye"), requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialized tensor with the given sizes and strides (in elements)."""
    d = _check_device(device)
    dt = get_default_dtype() if dtype is None else _to_dtype(dtype)
    shape = _shape_arg((size,), "empty_strided")
    strides = _shape_arg((stride,), "empty_strided")
    return _finish(_on_device(_wrap(_C.empty_strided(shape, strides, dt._code)), d), requires_grad)
