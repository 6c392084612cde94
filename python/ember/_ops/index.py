"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` and the gather/scatter/index_*/masked_* ops.

The indexing parser turns ints, slices, None and Ellipsis into C++ view ops (select / slice /
unsqueeze), so basic indexing returns a view sharing storage. Integer tensors, lists, numpy arrays
and bool masks are collected per dim and handed to one C++ advanced-index gather (``_C.index``)
or put (``_C.index_put_``), which copy.
"""
import builtins
import numbers
import operator

import numpy as np

from .. import _C
from .. import _dtype as _dt
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable, _grad_call, _inplace_call
from ..autograd.grad_mode import _state as _grad_state

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
           "index_fill", "index_put", "index_put_", "masked_fill", "masked_scatter", "masked_select", "take",
           "take_along_dim", "put", "nonzero", "argwhere"]

_BOOL, _UINT8, _INT32, _INT64 = _dt.bool._code, _dt.uint8._code, _dt.int32._code, _dt.int64._code
_MASK_CODES = (_BOOL, _UINT8)
_INT_CODES = (_INT32, _INT64)


# ---- argument helpers -------------------------------------------------------------------------

def _tensor_arg(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor for argument '{name}', got {type(x).__name__}")
    return x._t


def _scalar_arg(value, op):
    """A Python number, or the value of a 0-d tensor."""
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"[{op}] only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        return value.item()
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, complex):
        return value
    raise TypeError(f"[{op}] expected a number or 0-d tensor for value, got {type(value).__name__}")


def _write_out(out, res, op):
    """Store ``res`` into ``out`` (resized to res's shape when it differs), as PyTorch's out=."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] out must be a Tensor, got {type(out).__name__}")
    if out.dtype is not res.dtype:
        raise RuntimeError(f"[{op}] Expected out tensor to have dtype {res.dtype._name}, but got {out.dtype._name} instead")
    if tuple(out._t.sizes) == tuple(res._t.sizes):
        _C.copy_(out._t, res._t)
    else:
        out._t.set_(res._t)
    return out


# ---- index parsing ----------------------------------------------------------------------------

def _bad_index(x):
    return IndexError("[index] only integers, slices (`:`), ellipsis (`...`), None and long or byte or bool "
                      f"tensors are valid indices (got {type(x).__name__})")


def _seq_to_index(x):
    """A list / tuple / numpy array used as an index -> _C.Tensor (int64 or bool)."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray([(v.item() if isinstance(v, Tensor) else v) for v in x]) if any(
                isinstance(v, Tensor) for v in x) else np.asarray(x)
        except (ValueError, TypeError):
            raise _bad_index(x) from None
    if arr.size == 0 and arr.dtype.kind not in "biu":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return _C.from_numpy(np.ascontiguousarray(arr))
    if arr.dtype.kind in "iu":
        return _C.from_numpy(np.ascontiguousarray(arr, dtype=np.int64))
    raise IndexError("[index] tensors used as indices must be long, int, byte or bool tensors "
                     f"(got an array of {arr.dtype})")


def _classify(x):
    """-> ('int', i) | ('slice', s) | ('none',) | ('ell',) | ('bool', b) | ('adv', _C.Tensor, ndims)."""
    if x is None:
        return ("none",)
    if x is Ellipsis:
        return ("ell",)
    if isinstance(x, (builtins.bool, np.bool_)):
        return ("bool", builtins.bool(x))
    if isinstance(x, (numbers.Integral, np.integer)):
        return ("int", int(x))
    if isinstance(x, slice):
        return ("slice", x)
    if isinstance(x, Tensor):
        c = x._t
    elif isinstance(x, (list, tuple, np.ndarray)):
        if isinstance(x, np.ndarray) and x.ndim == 0:
            return _classify(x.item())
        c = _seq_to_index(x)
    else:
        raise _bad_index(x)
    code = c.dtype
    if code in _MASK_CODES:
        if c.ndim == 0:
            return ("bool", builtins.bool(_wrap(c).item()))
        return ("adv", c, c.ndim)
    if code in _INT_CODES:
        if c.ndim == 0:
            return ("int", int(_wrap(c).item()))
        return ("adv", c, 1)
    raise IndexError("[index] tensors used as indices must be long, int, byte or bool tensors "
                     f"(got {_dt._BY_CODE[code]._name})")




def _basic_view(t, idx):
    """Fast path for a tuple of plain ints and slices (the ``t[:, 1:3]`` / ``t[i, j]`` cases)."""
    if len(idx) > t.ndim:
        raise IndexError(f"[index] too many indices for tensor of dimension {t.ndim}")
    v = t
    d = 0
    sizes = t.sizes
    for od, x in enumerate(idx):
        if type(x) is int:
            size = sizes[od]
            if not -size <= x < size:
                raise IndexError(f"[index] index {x} is out of bounds for dimension {od} with size {size}")
            v = _C.select(v, d, x)
        else:
            start, stop, step = x.start, x.stop, x.step
            if step is not None and step <= 0:
                raise ValueError("[index] step must be greater than zero")
            if start is not None or stop is not None or (step is not None and step != 1):
                size = sizes[od]
                if start is not None:
                    start = builtins.max(builtins.min(start, size), -size - 1)
                if stop is not None:
                    stop = builtins.max(builtins.min(stop, size), -size - 1)
                v = _C.slice(v, d, start, stop, 1 if step is None else step)
            d += 1
    return v


def _is_plain(idx):
    for x in idx:
        tp = type(x)
        if tp is int:
            continue
        if tp is not slice:
            return False
        a, b, c = x.start, x.stop, x.step
        if not ((a is None or type(a) is int) and (b is None or type(b) is int) and (c is None or type(c) is int)):
            return False
    return True


def _parse(t, idx):
    """Apply the basic part of ``idx`` to _C.Tensor ``t`` -> (view, advanced-index list or None)."""
    if type(idx) is tuple and _is_plain(idx):
        return _basic_view(t, idx), None
    items = [_classify(x) for x in (idx if type(idx) is tuple else (idx,))]
    ndim = t.ndim
    consumed = 0
    has_adv = False
    for it in items:
        k = it[0]
        if k == "int" or k == "slice":
            consumed += 1
        elif k == "adv":
            consumed += it[2]
            has_adv = True
    if consumed > ndim:
        raise IndexError(f"[index] too many indices for tensor of dimension {ndim}")
    v = t
    d = 0          # dim in the view being built
    od = 0         # dim in the original tensor (for messages)
    adv = None     # list for _C.index: None per plain dim, tensor per advanced index
    seen_ell = False
    for it in items:
        k = it[0]
        if k == "int":
            i = it[1]
            size = v.sizes[d]
            if not -size <= i < size:
                raise IndexError(f"[index] index {i} is out of bounds for dimension {od} with size {size}")
            v = _C.select(v, d, i)
            od += 1
        elif k == "slice":
            s = it[1]
            step = 1 if s.step is None else operator.index(s.step)
            if step <= 0:
                raise ValueError("[index] step must be greater than zero")
            start = None if s.start is None else operator.index(s.start)
            stop = None if s.stop is None else operator.index(s.stop)
            if start is not None or stop is not None or step != 1:
                size = v.sizes[d]
                # clamp huge Python ints into int64 range before crossing into C++
                if start is not None:
                    start = builtins.max(builtins.min(start, size), -size - 1)
                if stop is not None:
                    stop = builtins.max(builtins.min(stop, size), -size - 1)
                v = _C.slice(v, d, start, stop, step)
            if adv is not None:
                adv.append(None)
            d += 1
            od += 1
        elif k == "none":
            v = _C.unsqueeze(v, d)
            if adv is not None:
                adv.append(None)
            d += 1
        elif k == "ell":
            span = 0 if seen_ell else ndim - consumed
            seen_ell = True
            if adv is not None:
                adv.extend([None] * span)
            d += span
            od += span
        elif k == "bool":
            v = _C.unsqueeze(v, d)
            if has_adv:  # with other advanced indices a bool scalar is a 0-d advanced index (numpy / PyTorch)
                if adv is None:
                    adv = [None] * d
                adv.append(_C.full([], 0, _INT64, "cpu") if it[1] else _C.empty([0], _INT64, "cpu"))
            else:
                if not it[1]:
                    v = _C.slice(v, d, 0, 0, 1)
                if adv is not None:
                    adv.append(None)
            d += 1
        else:  # advanced
            if adv is None:
                adv = [None] * d
            adv.append(it[1])
            d += it[2]
            od += it[2]
    return v, adv


def _getitem(self, idx):
    t = self._t
    tp = type(idx)
    if tp is int:  # fast path: t[i]
        if t.ndim == 0:
            raise IndexError("[index] invalid index of a 0-dim tensor. Use `tensor.item()` to convert a 0-dim "
                             "tensor to a number")
        size = t.sizes[0]
        if not -size <= idx < size:
            raise IndexError(f"[index] index {idx} is out of bounds for dimension 0 with size {size}")
        return _wrap(_C.select(t, 0, idx))
    if tp is slice and t.ndim and _is_plain((idx,)):  # fast path: t[a:b:c]
        return _wrap(_basic_view(t, (idx,)))
    if tp is Tensor and idx._t.dtype == _BOOL and idx._t.ndim > 0 and idx._t.sizes == t.sizes and \
            idx._t.device == t.device:
        return _wrap(_C.masked_select(t, idx._t))  # fast path: t[mask] with a full-shape mask
    v, adv = _parse(t, idx)
    if adv is None:
        return _wrap(v) if v is not t else _wrap(_C.as_strided(t, t.sizes, t.strides, t.offset))
    return _wrap(_C.index(v, adv))


def _value_tensor(value, dtype, op="index_put_"):
    """``value`` as a _C.Tensor of ``dtype`` (numbers, tensors, nested lists, numpy arrays)."""
    if isinstance(value, Tensor):
        c = value._t
        return c if c.dtype == dtype._code else _C.to_dtype(c, dtype._code, False)
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, complex):
        return _C.full([], value, dtype._code, "cpu")
    from .creation import tensor
    try:
        return tensor(value, dtype=dtype)._t
    except TypeError:
        raise TypeError(f"[{op}] can't assign a {type(value).__name__} to a {dtype._name} tensor") from None


def _setitem(self, idx, value):
    t = self._t
    if type(idx) is int and isinstance(value, (int, float)) and t.ndim:  # fast path: t[i] = number
        size = t.sizes[0]
        if not -size <= idx < size:
            raise IndexError(f"[index] index {idx} is out of bounds for dimension 0 with size {size}")
        _C.fill_(_C.select(t, 0, idx), value)
        return
    if type(idx) is Tensor and idx._t.dtype == _BOOL and idx._t.ndim > 0 and idx._t.sizes == t.sizes and \
            idx._t.device == t.device and \
            isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, complex):
        _C.masked_fill_(t, idx._t, value)  # fast path: t[mask] = number
        return
    v, adv = _parse(t, idx)
    if adv is None:
        if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, complex):
            _C.fill_(v, value)
            return
        src = _value_tensor(value, self.dtype, "setitem")
        while src.ndim > v.ndim and src.sizes[0] == 1:  # PyTorch drops leading size-1 dims of the value
            src = _C.select(src, 0, 0)
        _C.copy_(v, src)
        return
    _C.index_put_(v, adv, _value_tensor(value, self.dtype, "setitem"), False)


# Indexing reaches autograd like a ``@differentiable`` op: getitem is out of place (basic indices
# give a view), setitem is the in-place form of an index_put-like op on its target. Index tensors
# never require grad, so the raw path tests only the tensors that can.
def __getitem__(self, idx):
    if self.requires_grad and _grad_state.enabled:
        return _grad_call("Tensor.__getitem__", (self, idx), {})
    return _getitem(self, idx)


def __setitem__(self, idx, value):
    if (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)) and _grad_state.enabled:
        _inplace_call("Tensor.__setitem__", self, (idx, value), {}, target_in_args=False)
        return
    _setitem(self, idx, value)


for _fn, _name in ((__getitem__, "Tensor.__getitem__"), (__setitem__, "Tensor.__setitem__")):
    _fn._grad_name, _fn._raw = _name, _getitem if _fn is __getitem__ else _setitem
    setattr(Tensor, _fn.__name__, _fn)
del _fn, _name


# ---- gather / scatter -------------------------------------------------------------------------

@differentiable("gather")
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[i][index[i][j]]`` (dim=1)."""
    res = _wrap(_C.gather(_tensor_arg(input, "input", "gather"), dim, _tensor_arg(index, "index", "gather")))
    return _write_out(out, res, "gather")


def _scatter_into(t, dim, index, src, value, reduce, op):
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"[{op}] reduce argument must be either add or multiply, got {reduce}")
    idx = _tensor_arg(index, "index", op)
    if src is not None and value is not None:
        raise TypeError(f"[{op}] give either src or value, not both")
    if src is None:
        src = value
    if isinstance(src, Tensor):
        _C.scatter_(t, dim, idx, src._t, reduce or "")
    elif src is None:
        raise TypeError(f"[{op}] missing src (a Tensor) or value (a number)")
    else:
        _C.scatter_value_(t, dim, idx, _scalar_arg(src, op), reduce or "")


@differentiable("scatter")
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """Out-of-place ``scatter_``: a copy of ``input`` with ``src`` (tensor or number) written at ``index`` along ``dim``."""
    out = _C.clone(_tensor_arg(input, "input", "scatter"))
    _scatter_into(out, dim, index, src, value, reduce, "scatter")
    return _wrap(out)


@_register_method("scatter_")
@differentiable("scatter", inplace=True)
def _scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    """``self[i][index[i][j]] = src[i][j]`` (dim=1) in place; ``reduce='add'|'multiply'`` combines instead."""
    _scatter_into(self._t, dim, index, src, value, reduce, "scatter_")
    return self


@differentiable("scatter_add")
def scatter_add(input, dim, index, src):
    """Out-of-place ``scatter_add_``: duplicates in ``index`` sum."""
    out = _C.clone(_tensor_arg(input, "input", "scatter_add"))
    _C.scatter_(out, dim, _tensor_arg(index, "index", "scatter_add"), _tensor_arg(src, "src", "scatter_add"), "add")
    return _wrap(out)


@_register_method("scatter_add_")
@differentiable("scatter_add", inplace=True)
def _scatter_add_(self, dim, index, src):
    """``self[i][index[i][j]] += src[i][j]`` (dim=1) in place, deterministic for duplicate indices."""
    _C.scatter_(self._t, dim, _tensor_arg(index, "index", "scatter_add_"), _tensor_arg(src, "src", "scatter_add_"), "add")
    return self


@differentiable("scatter_reduce")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Out-of-place ``scatter_reduce_`` (reduce: 'sum', 'prod', 'mean', 'amax', 'amin')."""
    out = _C.clone(_tensor_arg(input, "input", "scatter_reduce"))
    _C.scatter_reduce_(out, dim, _tensor_arg(index, "index", "scatter_reduce"),
                       _tensor_arg(src, "src", "scatter_reduce"), reduce, include_self)
    return _wrap(out)


@_register_method("scatter_reduce_")
@differentiable("scatter_reduce", inplace=True)
def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``self`` at ``index`` along ``dim`` in place; include_self=False ignores
    self's old values at the scattered positions."""
    _C.scatter_reduce_(self._t, dim, _tensor_arg(index, "index", "scatter_reduce_"),
                       _tensor_arg(src, "src", "scatter_reduce_"), reduce, include_self)
    return self


# ---- index_* along a dim ----------------------------------------------------------------------

@differentiable("index_select")
def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` along ``dim`` listed in the 1-D ``index`` (a copy)."""
    res = _wrap(_C.index_select(_tensor_arg(input, "input", "index_select"), dim,
                                _tensor_arg(index, "index", "index_select")))
    return _write_out(out, res, "index_select")


@differentiable("index_add")
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """Out-of-place ``index_add_``."""
    res = _C.clone(_tensor_arg(input, "input", "index_add"))
    _C.index_add_(res, dim, _tensor_arg(index, "index", "index_add"), _tensor_arg(source, "source", "index_add"), alpha)
    return _write_out(out, _wrap(res), "index_add")


@_register_method("index_add_")
@differentiable("index_add", inplace=True)
def _index_add_(self, dim, index, source, *, alpha=1):
    """``self.select(dim, index[j]) += alpha * source.select(dim, j)`` in place (duplicates sum)."""
    _C.index_add_(self._t, dim, _tensor_arg(index, "index", "index_add_"), _tensor_arg(source, "source", "index_add_"),
                  alpha)
    return self


@differentiable("index_copy")
def index_copy(input, dim, index, source):
    """Out-of-place ``index_copy_``."""
    res = _C.clone(_tensor_arg(input, "input", "index_copy"))
    _C.index_copy_(res, dim, _tensor_arg(index, "index", "index_copy"), _tensor_arg(source, "source", "index_copy"))
    return _wrap(res)


@_register_method("index_copy_")
@differentiable("index_copy", inplace=True)
def _index_copy_(self, dim, index, source):
    """``self.select(dim, index[j]) = source.select(dim, j)`` in place."""
    _C.index_copy_(self._t, dim, _tensor_arg(index, "index", "index_copy_"), _tensor_arg(source, "source", "index_copy_"))
    return self


@differentiable("index_fill")
def index_fill(input, dim, index, value):
    """Out-of-place ``index_fill_``."""
    res = _C.clone(_tensor_arg(input, "input", "index_fill"))
    _C.index_fill_(res, dim, _tensor_arg(index, "index", "index_fill"), _scalar_arg(value, "index_fill"))
    return _wrap(res)


@_register_method("index_fill_")
@differentiable("index_fill", inplace=True)
def _index_fill_(self, dim, index, value):
    """Fill the entries along ``dim`` listed in ``index`` with ``value`` in place."""
    _C.index_fill_(self._t, dim, _tensor_arg(index, "index", "index_fill_"), _scalar_arg(value, "index_fill_"))
    return self


def _indices_arg(indices, op):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"[{op}] indices must be a tuple of Tensors, got {type(indices).__name__}")
    out = []
    for i in indices:
        if i is None:
            out.append(None)
        elif isinstance(i, Tensor):
            out.append(i._t)
        else:
            raise TypeError(f"[{op}] indices must be Tensors or None, got {type(i).__name__}")
    return out


@differentiable("index_put", inplace=True)
def index_put_(input, indices, values, accumulate=False):
    """``input[indices] = values`` in place (``accumulate=True`` adds, summing duplicates)."""
    _C.index_put_(_tensor_arg(input, "input", "index_put_"), _indices_arg(indices, "index_put_"),
                  _tensor_arg(values, "values", "index_put_"), builtins.bool(accumulate))
    return input


@differentiable("index_put")
def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``index_put_``."""
    res = _C.clone(_tensor_arg(input, "input", "index_put"))
    _C.index_put_(res, _indices_arg(indices, "index_put"), _tensor_arg(values, "values", "index_put"),
                  builtins.bool(accumulate))
    return _wrap(res)


# ---- masks ------------------------------------------------------------------------------------

def _masked_fill_into(t, mask, value, op):
    m = _tensor_arg(mask, "mask", op)
    if isinstance(value, Tensor):
        _C.masked_fill_tensor_(t, m, value._t)
    else:
        _C.masked_fill_(t, m, _scalar_arg(value, op))


def _broadcast(a, b, op):
    if a.sizes == b.sizes:
        return a.sizes
    try:
        return list(np.broadcast_shapes(tuple(a.sizes), tuple(b.sizes)))
    except ValueError:
        raise RuntimeError(f"[{op}] shapes {tuple(a.sizes)} and {tuple(b.sizes)} cannot be broadcast together") from None


@differentiable("masked_fill")
def masked_fill(input, mask, value):
    """A copy of ``input`` (broadcast with ``mask``) with ``value`` where ``mask`` is True."""
    t = _tensor_arg(input, "input", "masked_fill")
    m = _tensor_arg(mask, "mask", "masked_fill")
    shape = _broadcast(t, m, "masked_fill")
    res = _C.empty(shape, t.dtype, t.device)
    _C.copy_(res, t)
    _masked_fill_into(res, mask, value, "masked_fill")
    return _wrap(res)


@_register_method("masked_fill_")
@differentiable("masked_fill", inplace=True)
def _masked_fill_(self, mask, value):
    """Write ``value`` (number or 0-d tensor) where the bool ``mask`` (broadcast to self) is True."""
    _masked_fill_into(self._t, mask, value, "masked_fill_")
    return self


@differentiable("masked_scatter")
def masked_scatter(input, mask, source):
    """Out-of-place ``masked_scatter_``."""
    t = _tensor_arg(input, "input", "masked_scatter")
    m = _tensor_arg(mask, "mask", "masked_scatter")
    shape = _broadcast(t, m, "masked_scatter")
    res = _C.empty(shape, t.dtype, t.device)
    _C.copy_(res, t)
    _C.masked_scatter_(res, m, _tensor_arg(source, "source", "masked_scatter"))
    return _wrap(res)


@_register_method("masked_scatter_")
@differentiable("masked_scatter", inplace=True)
def _masked_scatter_(self, mask, source):
    """Copy consecutive elements of ``source`` into self where ``mask`` is True, in row-major order."""
    _C.masked_scatter_(self._t, _tensor_arg(mask, "mask", "masked_scatter_"),
                       _tensor_arg(source, "source", "masked_scatter_"))
    return self


@differentiable("masked_select")
def masked_select(input, mask, *, out=None):
    """The elements of ``input`` (broadcast with ``mask``) where ``mask`` is True, as a 1-D tensor."""
    res = _wrap(_C.masked_select(_tensor_arg(input, "input", "masked_select"), _tensor_arg(mask, "mask", "masked_select")))
    return _write_out(out, res, "masked_select")


# ---- flat indexing ----------------------------------------------------------------------------

@differentiable("take")
def take(input, index):
    """Elements of ``input`` treated as 1-D (row-major) at ``index``; the result has index's shape."""
    return _wrap(_C.take(_tensor_arg(input, "input", "take"), _tensor_arg(index, "index", "take")))


@differentiable("put")
def put(input, index, source, accumulate=False):
    """Out-of-place ``put_``."""
    res = _C.clone(_tensor_arg(input, "input", "put"))
    _C.put_(res, _tensor_arg(index, "index", "put"), _tensor_arg(source, "source", "put"), builtins.bool(accumulate))
    return _wrap(res)


@_register_method("put_")
@differentiable("put", inplace=True)
def _put_(self, index, source, accumulate=False):
    """Write ``source`` into self treated as 1-D at ``index`` (``accumulate=True`` adds)."""
    _C.put_(self._t, _tensor_arg(index, "index", "put_"), _tensor_arg(source, "source", "put_"), builtins.bool(accumulate))
    return self


def _along_dim_shapes(t, i, dim):
    """Validate take_along_dim's arguments (_C tensors) -> (dim, input sizes, indices sizes), both
    broadcast against each other outside ``dim``."""
    if t.ndim != i.ndim:
        raise RuntimeError(f"[take_along_dim] input and indices should have the same number of dimensions, but got "
                           f"{t.ndim} dimensions for input, and {i.ndim} dimensions for indices")
    n = builtins.max(t.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"[take_along_dim] Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    dim %= n
    ts, is_ = list(t.sizes), list(i.sizes)
    for d in range(t.ndim):
        if d == dim:
            continue
        a, b = ts[d], is_[d]
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"[take_along_dim] The size of tensor a ({a}) must match the size of tensor b ({b}) "
                               f"at non-singleton dimension {d}")
        ts[d] = is_[d] = builtins.max(a, b) if a != 0 and b != 0 else 0
    return dim, ts, is_


@differentiable("take_along_dim")
def take_along_dim(input, indices, dim=None, *, out=None):
    """``gather`` with ``input`` and ``indices`` broadcast against each other outside ``dim``
    (``dim=None``: both flattened)."""
    t = _tensor_arg(input, "input", "take_along_dim")
    i = _tensor_arg(indices, "indices", "take_along_dim")
    if dim is None:
        res = _wrap(_C.take_along_dim(_C.reshape(t, [-1]), 0, _C.reshape(i, [-1])))
        return _write_out(out, res, "take_along_dim")
    dim, ts, is_ = _along_dim_shapes(t, i, dim)
    res = _wrap(_C.take_along_dim(_C.expand(t, ts), dim, _C.expand(i, is_)))
    return _write_out(out, res, "take_along_dim")


# ---- nonzero ----------------------------------------------------------------------------------

def nonzero(input, *, out=None, as_tuple=False):
    """Coordinates of the nonzero elements: an (N, ndim) int64 tensor in row-major order, or with
    ``as_tuple=True`` one 1-D tensor per dim."""
    t = _tensor_arg(input, "input", "nonzero")
    if as_tuple:
        nz = _C.nonzero(t if t.ndim else _C.reshape(t, [1]))
        return tuple(_wrap(_C.contiguous(_C.select(nz, 1, d))) for d in range(nz.sizes[1]))
    return _write_out(out, _wrap(_C.nonzero(t)), "nonzero")


def argwhere(input):
    """Same as ``nonzero(input)``: an (N, ndim) tensor of coordinates."""
    return _wrap(_C.nonzero(_tensor_arg(input, "input", "argwhere")))


# ---- Tensor methods mirroring the functions ---------------------------------------------------
for _name in ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
              "index_fill", "index_put", "index_put_", "masked_fill", "masked_scatter", "masked_select", "take",
              "take_along_dim", "put", "nonzero", "argwhere"]:
    setattr(Tensor, _name, globals()[_name])
del _name
