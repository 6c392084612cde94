"""Reductions and cumulative ops: sum, mean, var/std, max/min, arg*, logsumexp, norm, all/any, cum*.

Argument names, defaults, overloads and dtype rules follow PyTorch. The C++ side validates dims
and dtypes; this layer only normalises arguments and handles ``out=``.
"""
import builtins
import collections
import numbers
import types

from .. import _C
from .._dtype import _to_dtype
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "max", "min", "amax",
           "amin", "aminmax", "argmax", "argmin", "logsumexp", "norm", "all", "any", "count_nonzero", "cumsum",
           "cumprod", "cummax", "cummin", "logcumsumexp", "return_types"]


def _nt(name, fields):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "ember.return_types"
    return cls


return_types = types.SimpleNamespace(
    max=_nt("max", ["values", "indices"]), min=_nt("min", ["values", "indices"]),
    aminmax=_nt("aminmax", ["min", "max"]), cummax=_nt("cummax", ["values", "indices"]),
    cummin=_nt("cummin", ["values", "indices"]))


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as input, got {type(x).__name__}")


def _dims(dim, op):
    """None / int / sequence of ints -> None or a list of ints."""
    if dim is None:
        return None
    if isinstance(dim, Tensor):
        dim = dim.tolist()
    if isinstance(dim, builtins.bool) or isinstance(dim, float):
        raise TypeError(f"[{op}] dim must be an int or a sequence of ints, got {type(dim).__name__}")
    if isinstance(dim, numbers.Integral):
        return [int(dim)]
    try:
        out = list(dim)
    except TypeError:
        raise TypeError(f"[{op}] dim must be an int or a sequence of ints, got {type(dim).__name__}") from None
    for d in out:
        if isinstance(d, builtins.bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"[{op}] dim must be an int or a sequence of ints, got {type(d).__name__}")
    return [int(d) for d in out]


def _one_dim(dim, op):
    if isinstance(dim, builtins.bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"[{op}] dim must be an int, got {type(dim).__name__}")
    return int(dim)


def _dt(dtype):
    return None if dtype is None else _to_dtype(dtype)._code


def _out(op, res, out):
    """Write ``res`` into ``out`` (resized when its shape differs) and return ``out``."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] out must be a Tensor, got {type(out).__name__}")
    _C.write_out(op, out._t, res._t)
    return out


def _out_pair(op, cls, a, b, out):
    if out is None:
        return cls(a, b)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"[{op}] out must be a tuple of two Tensors")
    return cls(_out(op, a, out[0]), _out(op, b, out[1]))


# ---- sums -----------------------------------------------------------------------------------
def _sum_like(cfn, op):
    def fn(input, dim=None, keepdim=False, *, dtype=None, out=None):
        _check_tensor(input, op)
        return _out(op, _wrap(cfn(input._t, _dims(dim, op), keepdim, _dt(dtype))), out)
    fn.__name__ = op
    return differentiable(op)(fn)


sum = _sum_like(_C.sum, "sum")  # noqa: A001
sum.__doc__ = "Sum over ``dim`` (all dims when None); bool/int inputs sum in int64 unless ``dtype`` is given."
nansum = _sum_like(_C.nansum, "nansum")
nansum.__doc__ = "Sum treating nan as zero."
mean = _sum_like(_C.mean, "mean")
mean.__doc__ = "Arithmetic mean over ``dim``; integer inputs need ``dtype=``."
nanmean = _sum_like(_C.nanmean, "nanmean")
nanmean.__doc__ = "Mean ignoring nan values."


@differentiable("prod")
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over ``dim`` (all elements when None); bool/int inputs multiply in int64."""
    _check_tensor(input, "prod")
    return _out("prod", _wrap(_C.prod(input._t, _dims(dim, "prod"), keepdim, _dt(dtype))), out)


for _name, _fn in (("sum", sum), ("nansum", nansum), ("mean", mean), ("nanmean", nanmean), ("prod", prod)):
    def _method(self, dim=None, keepdim=False, dtype=None, *, _fn=_fn, **kw):
        return _fn(self, dim, keepdim, dtype=dtype, **kw)
    _method.__name__ = _name
    _method.__doc__ = _fn.__doc__
    _register_method(_name)(_method)


# ---- variance -------------------------------------------------------------------------------
def _correction(op, dim, unbiased, correction):
    """PyTorch's overloads: var(x, unbiased), var(x, dim, unbiased, keepdim), var(x, dim, correction=)."""
    if isinstance(dim, builtins.bool):  # var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"[{op}] received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"[{op}] Cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if isinstance(correction, builtins.bool) or not isinstance(correction, numbers.Real):
        raise TypeError(f"[{op}] correction must be a number, got {type(correction).__name__}")
    return _dims(dim, op), float(correction)


@differentiable("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1)."""
    _check_tensor(input, "var")
    d, c = _correction("var", dim, unbiased, correction)
    return _out("var", _wrap(_C.var(input._t, d, c, keepdim)), out)


@differentiable("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim`` with Bessel's ``correction`` (default 1)."""
    _check_tensor(input, "std")
    d, c = _correction("std", dim, unbiased, correction)
    return _out("std", _wrap(_C.std(input._t, d, c, keepdim)), out)


@differentiable("var_mean")
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim`` in one call."""
    _check_tensor(input, "var_mean")
    d, c = _correction("var_mean", dim, unbiased, correction)
    v, m = _C.var_mean(input._t, d, c, keepdim, False)
    return _wrap(v), _wrap(m)


@differentiable("std_mean")
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim`` in one call."""
    _check_tensor(input, "std_mean")
    d, c = _correction("std_mean", dim, unbiased, correction)
    v, m = _C.var_mean(input._t, d, c, keepdim, True)
    return _wrap(v), _wrap(m)


_register_method("var")(var)
_register_method("std")(std)


# ---- extremes -------------------------------------------------------------------------------
def _extreme(is_max):
    op = "max" if is_max else "min"
    cls = getattr(return_types, op)

    def fn(input, dim=None, keepdim=False, *, out=None):
        _check_tensor(input, op)
        if isinstance(dim, Tensor):  # max(a, b): elementwise
            other = dim
            import ember
            f = getattr(ember, "maximum" if is_max else "minimum", None)
            if f is None:
                raise NotImplementedError(f"[{op}] {op}(input, other) needs ember.{'maximum' if is_max else 'minimum'}")
            return f(input, other) if out is None else f(input, other, out=out)
        if dim is None:
            if keepdim:
                raise TypeError(f"[{op}] keepdim requires dim")
            return _out(op, _wrap(_C.max_all(input._t, is_max)), out)
        v, i = _C.max_dim(input._t, _one_dim(dim, op), keepdim, is_max)
        return _out_pair(op, cls, _wrap(v), _wrap(i), out)
    fn.__name__ = op
    fn.__doc__ = (f"``{op}(input)``: the {op}imum value (nan propagates); ``{op}(input, dim, keepdim)``: "
                  f"namedtuple (values, indices) of the first {op}imum; ``{op}(input, other)``: elementwise.")
    return fn


max = differentiable("max")(_extreme(True))  # noqa: A001
min = differentiable("min")(_extreme(False))  # noqa: A001
_register_method("max")(max)
_register_method("min")(min)


@differentiable("amax")
def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over ``dim`` (int or tuple; all dims when empty); nan propagates."""
    _check_tensor(input, "amax")
    return _out("amax", _wrap(_C.amax(input._t, _dims(dim, "amax"), keepdim)), out)


@differentiable("amin")
def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over ``dim`` (int or tuple; all dims when empty); nan propagates."""
    _check_tensor(input, "amin")
    return _out("amin", _wrap(_C.amin(input._t, _dims(dim, "amin"), keepdim)), out)


@differentiable("aminmax")
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """namedtuple (min, max) over ``dim`` (all elements when None)."""
    _check_tensor(input, "aminmax")
    lo, hi = _C.aminmax(input._t, None if dim is None else _one_dim(dim, "aminmax"), keepdim)
    return _out_pair("aminmax", return_types.aminmax, _wrap(lo), _wrap(hi), out)


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum along ``dim`` (of the flattened input when None)."""
    _check_tensor(input, "argmax")
    d = None if dim is None else _one_dim(dim, "argmax")
    return _out("argmax", _wrap(_C.argmax(input._t, d, keepdim, True)), out)


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum along ``dim`` (of the flattened input when None)."""
    _check_tensor(input, "argmin")
    d = None if dim is None else _one_dim(dim, "argmin")
    return _out("argmin", _wrap(_C.argmax(input._t, d, keepdim, False)), out)


for _name, _fn in (("amax", amax), ("amin", amin), ("argmax", argmax), ("argmin", argmin)):
    _register_method(_name)(_fn)


@_register_method("aminmax")
def _aminmax_method(self, *, dim=None, keepdim=False):
    return aminmax(self, dim=dim, keepdim=keepdim)


@differentiable("logsumexp")
def logsumexp(input, dim=None, keepdim=False, *, out=None):
    """log(sum(exp(x))) over ``dim``, computed stably (all -inf gives -inf)."""
    _check_tensor(input, "logsumexp")
    return _out("logsumexp", _wrap(_C.logsumexp(input._t, _dims(dim, "logsumexp"), keepdim)), out)


_register_method("logsumexp")(logsumexp)


# ---- boolean --------------------------------------------------------------------------------
def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where every element over ``dim`` is nonzero (uint8 result for uint8 input)."""
    _check_tensor(input, "all")
    return _out("all", _wrap(_C.all(input._t, _dims(dim, "all"), keepdim)), out)


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where some element over ``dim`` is nonzero (uint8 result for uint8 input)."""
    _check_tensor(input, "any")
    return _out("any", _wrap(_C.any(input._t, _dims(dim, "any"), keepdim)), out)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int64)."""
    _check_tensor(input, "count_nonzero")
    return _wrap(_C.count_nonzero(input._t, _dims(dim, "count_nonzero")))


for _name, _fn in (("all", all), ("any", any), ("count_nonzero", count_nonzero)):
    _register_method(_name)(_fn)


# ---- norm -----------------------------------------------------------------------------------
@differentiable("norm")
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: ``p`` 'fro', 'nuc' or a number (vector p-norm over ``dim``)."""
    _check_tensor(input, "norm")
    d = _dims(dim, "norm")
    dt = _dt(dtype)
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p == "fro" and (d is None or len(d) <= 2):
            res = _C.vector_norm(input._t, 2.0, d, keepdim, dt)
        elif p == "nuc":
            if d is None:
                if input.dim() != 2:
                    raise RuntimeError(f"[norm] nuclear norm needs a 2-D input or dim, got {input.dim()}-D")
                d = [0, 1]
            res = _C.matrix_norm(input._t, "nuc", 0.0, d, keepdim, dt)
        else:
            raise RuntimeError(f"[norm] invalid norm type {p!r} for dim {dim!r}")
    else:
        if isinstance(p, builtins.bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"[norm] p must be a number or 'fro'/'nuc', got {type(p).__name__}")
        res = _C.vector_norm(input._t, float(p), d, keepdim, dt)
    return _out("norm", _wrap(res), out)


_register_method("norm")(norm)


# ---- cumulative -----------------------------------------------------------------------------
@differentiable("cumsum")
def cumsum(input, dim, *, dtype=None, out=None):
    """Running sum along ``dim``; bool/int inputs accumulate in int64 unless ``dtype`` is given."""
    _check_tensor(input, "cumsum")
    return _out("cumsum", _wrap(_C.cumsum(input._t, _one_dim(dim, "cumsum"), _dt(dtype))), out)


@differentiable("cumprod")
def cumprod(input, dim, *, dtype=None, out=None):
    """Running product along ``dim``; bool/int inputs accumulate in int64 unless ``dtype`` is given."""
    _check_tensor(input, "cumprod")
    return _out("cumprod", _wrap(_C.cumprod(input._t, _one_dim(dim, "cumprod"), _dt(dtype))), out)


@differentiable("cummax")
def cummax(input, dim, *, out=None):
    """namedtuple (values, indices): running maximum along ``dim`` (ties take the later index)."""
    _check_tensor(input, "cummax")
    v, i = _C.cummax(input._t, _one_dim(dim, "cummax"), True)
    return _out_pair("cummax", return_types.cummax, _wrap(v), _wrap(i), out)


@differentiable("cummin")
def cummin(input, dim, *, out=None):
    """namedtuple (values, indices): running minimum along ``dim`` (ties take the later index)."""
    _check_tensor(input, "cummin")
    v, i = _C.cummax(input._t, _one_dim(dim, "cummin"), False)
    return _out_pair("cummin", return_types.cummin, _wrap(v), _wrap(i), out)


@differentiable("logcumsumexp")
def logcumsumexp(input, dim, *, out=None):
    """Running log(sum(exp(x))) along ``dim``, computed stably."""
    _check_tensor(input, "logcumsumexp")
    return _out("logcumsumexp", _wrap(_C.logcumsumexp(input._t, _one_dim(dim, "logcumsumexp"))), out)


@_register_method("cumsum")
def _cumsum_method(self, dim, *, dtype=None):
    return cumsum(self, dim, dtype=dtype)


@_register_method("cumprod")
def _cumprod_method(self, dim, *, dtype=None):
    return cumprod(self, dim, dtype=dtype)


@_register_method("cumsum_")
@differentiable("cumsum", inplace=True)
def _cumsum_(self, dim, *, dtype=None):
    """In-place cumsum."""
    return _out("cumsum_", cumsum(self, dim, dtype=dtype), self)


@_register_method("cumprod_")
@differentiable("cumprod", inplace=True)
def _cumprod_(self, dim, *, dtype=None):
    """In-place cumprod."""
    return _out("cumprod_", cumprod(self, dim, dtype=dtype), self)


for _name, _fn in (("cummax", cummax), ("cummin", cummin), ("logcumsumexp", logcumsumexp)):
    _register_method(_name)(_fn)

del _name, _fn
