"""Sorting, selection, unique and histogram ops with PyTorch's names, arguments and results.

Ordering follows PyTorch: NaN sorts as the largest value, -0.0 equals 0.0, and every sort is
stable (``stable=False`` is accepted and gives the same, stable, result). Selections (topk,
kthvalue, median, mode) return the element a stable sort puts at the selected position.
"""
import builtins
import collections
import numbers

import numpy as np

from .. import _C
from .. import _dtype as _dt
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique",
           "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize"]


def _result_type(name):
    cls = collections.namedtuple(name, ["values", "indices"])
    cls.__module__ = "ember.return_types"
    cls.__qualname__ = name

    def __repr__(self):
        return f"ember.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    cls.__repr__ = __repr__
    return cls


class return_types:  # noqa: N801  (mirrors torch.return_types)
    """Named-tuple result types: ``values, indices = ember.sort(x)`` or ``r.values``."""
    sort = _result_type("sort")
    topk = _result_type("topk")
    kthvalue = _result_type("kthvalue")
    median = _result_type("median")
    nanmedian = _result_type("nanmedian")
    mode = _result_type("mode")


def _check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _int(x, op, name):
    if isinstance(x, Tensor) and x.numel() == 1 and not x.dtype.is_floating_point and x.dtype is not _dt.bool:
        x = x.item()
    if isinstance(x, builtins.bool) or not isinstance(x, (numbers.Integral, np.integer)):
        raise TypeError(f"[{op}] argument '{name}' must be int, not {type(x).__name__}")
    return builtins.int(x)


def _bool(x, op, name):
    if not isinstance(x, (builtins.bool, np.bool_)):
        raise TypeError(f"[{op}] argument '{name}' must be bool, not {type(x).__name__}")
    return builtins.bool(x)


def _write_out(op, out, res):
    """Copy a result into a user-given ``out`` tensor (rebinding it when the shape differs, like resize_)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] argument 'out' must be Tensor, not {type(out).__name__}")
    if out.dtype is not res.dtype:
        raise RuntimeError(f"[{op}] Expected out tensor to have dtype {res.dtype}, but got {out.dtype} instead")
    if tuple(out.shape) == tuple(res.shape):
        _C.copy_(out._t, res._t)
    else:
        out._t.set_(res._t)
    out._t.bump_version()
    return out


def _pair_out(op, out, values, indices, cls):
    if out is None:
        return cls(_wrap(values), _wrap(indices))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"[{op}] argument 'out' must be a tuple of two Tensors")
    v = _write_out(op, out[0], _wrap(values))
    i = _write_out(op, out[1], _wrap(indices))
    return cls(v, i)


# ---- sort ----------------------------------------------------------------------------------
@differentiable("sort")
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sort along ``dim``; returns ``(values, indices)``. Always stable; NaN sorts last (first if descending)."""
    _check_tensor(input, "sort")
    if stable is not None:
        _bool(stable, "sort", "stable")
    v, i = _C.sort(input._t, _int(dim, "sort", "dim"), _bool(descending, "sort", "descending"))
    return _pair_out("sort", out, v, i, return_types.sort)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (stable)."""
    _check_tensor(input, "argsort")
    _bool(stable, "argsort", "stable")
    return _wrap(_C.sort(input._t, _int(dim, "argsort", "dim"), _bool(descending, "argsort", "descending"))[1])


@differentiable("msort")
def msort(input, *, out=None):
    """Sort along the first dimension; returns the values only."""
    _check_tensor(input, "msort")
    v = _wrap(_C.sort(input._t, 0, False)[0])
    return v if out is None else _write_out("msort", out, v)


@differentiable("topk")
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, sorted."""
    _check_tensor(input, "topk")
    v, i = _C.topk(input._t, _int(k, "topk", "k"), _int(dim, "topk", "dim"), _bool(largest, "topk", "largest"),
                   _bool(sorted, "topk", "sorted"))
    return _pair_out("topk", out, v, i, return_types.topk)


@differentiable("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest element (1-based) along ``dim`` and its index."""
    _check_tensor(input, "kthvalue")
    v, i = _C.kthvalue(input._t, _int(k, "kthvalue", "k"), _int(dim, "kthvalue", "dim"),
                       _bool(keepdim, "kthvalue", "keepdim"))
    return _pair_out("kthvalue", out, v, i, return_types.kthvalue)


def _median(op, input, dim, keepdim, out, ignore_nan):
    _check_tensor(input, op)
    if dim is None:
        if keepdim:
            raise TypeError(f"[{op}] keepdim requires dim")
        r = _wrap(_C.median_all(input._t, ignore_nan))
        return r if out is None else _write_out(op, out, r)
    v, i = _C.median_dim(input._t, _int(dim, op, "dim"), _bool(keepdim, op, "keepdim"), ignore_nan)
    return _pair_out(op, out, v, i, getattr(return_types, op))


@differentiable("median")
def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median: of all elements (0-d; NaN if any NaN) or along ``dim`` as ``(values, indices)``."""
    return _median("median", input, dim, keepdim, out, False)


@differentiable("nanmedian")
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """Like ``median`` but ignoring NaN values (NaN only where all values are NaN)."""
    return _median("nanmedian", input, dim, keepdim, out, True)


@differentiable("mode")
def mode(input, dim=-1, keepdim=False, *, out=None):
    """Most frequent value along ``dim`` (smallest among ties) and the index of its last occurrence."""
    _check_tensor(input, "mode")
    v, i = _C.mode(input._t, _int(dim, "mode", "dim"), _bool(keepdim, "mode", "keepdim"))
    return _pair_out("mode", out, v, i, return_types.mode)


# ---- unique --------------------------------------------------------------------------------
def _unique_result(res, return_inverse, return_counts):
    vals, inv, cnt = (_wrap(r) for r in res)
    if not return_inverse and not return_counts:
        return vals
    out = (vals,)
    if return_inverse:
        out += (inv,)
    if return_counts:
        out += (cnt,)
    return out


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Unique elements (or slices along ``dim``), sorted; optionally inverse indices and counts."""
    _check_tensor(input, "unique")
    _bool(sorted, "unique", "sorted")
    d = None if dim is None else _int(dim, "unique", "dim")
    return _unique_result(_C.unique(input._t, d), _bool(return_inverse, "unique", "return_inverse"),
                          _bool(return_counts, "unique", "return_counts"))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    _check_tensor(input, "unique_consecutive")
    d = None if dim is None else _int(dim, "unique_consecutive", "dim")
    return _unique_result(_C.unique_consecutive(input._t, d),
                          _bool(return_inverse, "unique_consecutive", "return_inverse"),
                          _bool(return_counts, "unique_consecutive", "return_counts"))


# ---- histograms ----------------------------------------------------------------------------
def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer in a 1-D tensor (weighted sums with ``weights``)."""
    _check_tensor(input, "bincount")
    if weights is not None:
        _check_tensor(weights, "bincount", "weights")
    return _wrap(_C.bincount(input._t, None if weights is None else weights._t, _int(minlength, "bincount", "minlength")))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of ``bins`` equal-width bins over [min, max] (the data's range when min == max)."""
    _check_tensor(input, "histc")
    for name, v in (("min", min), ("max", max)):
        if isinstance(v, builtins.bool) or not isinstance(v, (numbers.Real, np.generic)):
            raise TypeError(f"[histc] argument '{name}' must be a number, not {type(v).__name__}")
    r = _wrap(_C.histc(input._t, _int(bins, "histc", "bins"), builtins.float(min), builtins.float(max)))
    return r if out is None else _write_out("histc", out, r)


# ---- searching -----------------------------------------------------------------------------
def _as_values(x, op):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, complex):
        from .creation import tensor
        return tensor(x)
    raise TypeError(f"[{op}] expected a Tensor or a number for the values, got {type(x).__name__}")


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Indices where ``values`` would be inserted into ``sorted_sequence`` (along its last dim) to keep it sorted."""
    _check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    values = _as_values(values, "searchsorted")
    right = _bool(right, "searchsorted", "right")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"[searchsorted] side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("[searchsorted] side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    if sorter is not None:
        _check_tensor(sorter, "searchsorted", "sorter")
    r = _wrap(_C.searchsorted(sorted_sequence._t, values._t, right, _bool(out_int32, "searchsorted", "out_int32"),
                              None if sorter is None else sorter._t))
    return r if out is None else _write_out("searchsorted", out, r)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket (given by 1-D ``boundaries``) each element of ``input`` falls in."""
    input = _as_values(input, "bucketize")
    _check_tensor(boundaries, "bucketize", "boundaries")
    r = _wrap(_C.bucketize(input._t, boundaries._t, _bool(right, "bucketize", "right"),
                           _bool(out_int32, "bucketize", "out_int32")))
    return r if out is None else _write_out("bucketize", out, r)


# ---- Tensor methods ------------------------------------------------------------------------
@_register_method("sort")
def _t_sort(self, dim=-1, descending=False, stable=False):
    return sort(self, dim, descending, stable)


@_register_method("argsort")
def _t_argsort(self, dim=-1, descending=False, stable=False):
    return argsort(self, dim, descending, stable)


@_register_method("msort")
def _t_msort(self):
    return msort(self)


@_register_method("topk")
def _t_topk(self, k, dim=-1, largest=True, sorted=True):
    return topk(self, k, dim, largest, sorted)


@_register_method("kthvalue")
def _t_kthvalue(self, k, dim=-1, keepdim=False):
    return kthvalue(self, k, dim, keepdim)


@_register_method("median")
def _t_median(self, dim=None, keepdim=False):
    return median(self, dim, keepdim)


@_register_method("nanmedian")
def _t_nanmedian(self, dim=None, keepdim=False):
    return nanmedian(self, dim, keepdim)


@_register_method("mode")
def _t_mode(self, dim=-1, keepdim=False):
    return mode(self, dim, keepdim)


@_register_method("unique")
def _t_unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    return unique(self, sorted, return_inverse, return_counts, dim)


@_register_method("unique_consecutive")
def _t_unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    return unique_consecutive(self, return_inverse, return_counts, dim)


@_register_method("bincount")
def _t_bincount(self, weights=None, minlength=0):
    return bincount(self, weights, minlength)


@_register_method("histc")
def _t_histc(self, bins=100, min=0, max=0):
    return histc(self, bins, min, max)
