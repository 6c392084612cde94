"""Unary elementwise math: neg, abs, exp, log, sin, tanh, sigmoid, floor, round, isnan, ...

Each op is ``ember.<name>(input, *, out=None)``, a Tensor method, and (where PyTorch has one) an
in-place ``Tensor.<name>_``. Dtype rules follow PyTorch: float functions on integer/bool input
return the default float dtype; neg/abs/sign/floor/... keep the input dtype; predicates return bool.
Differentiable ops (all but the predicates and bitwise/logical ones) test grad mode inline and
route to their grad implementations (``autograd/grad_fns/unary.py``); in-place forms too.
"""
import numbers

from .. import _C
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import _grad_call, _inplace_call
from ..autograd.grad_mode import _state as _grad_state

_OP = _C.UnaryOp

# name -> (C++ op, has in-place form, accepts out=)
_SIMPLE = {
    "neg": ("neg", True, True), "abs": ("abs", True, True), "sign": ("sign", True, True),
    "sgn": ("sgn", True, True), "square": ("square", True, True), "floor": ("floor", True, True),
    "ceil": ("ceil", True, True), "trunc": ("trunc", True, True), "frac": ("frac", True, True),
    "bitwise_not": ("bitwise_not", True, True),
    "exp": ("exp", True, True), "exp2": ("exp2", True, True), "expm1": ("expm1", True, True),
    "log": ("log", True, True), "log2": ("log2", True, True), "log10": ("log10", True, True),
    "log1p": ("log1p", True, True), "sqrt": ("sqrt", True, True), "rsqrt": ("rsqrt", True, True),
    "sin": ("sin", True, True), "cos": ("cos", True, True), "tan": ("tan", True, True),
    "asin": ("asin", True, True), "acos": ("acos", True, True), "atan": ("atan", True, True),
    "sinh": ("sinh", True, True), "cosh": ("cosh", True, True), "tanh": ("tanh", True, True),
    "asinh": ("asinh", True, True), "acosh": ("acosh", True, True), "atanh": ("atanh", True, True),
    "sigmoid": ("sigmoid", True, True), "erf": ("erf", True, True), "erfc": ("erfc", True, True),
    "erfinv": ("erfinv", True, True), "lgamma": ("lgamma", True, True), "digamma": ("digamma", True, True),
    "reciprocal": ("reciprocal", True, True),
    "isnan": ("isnan", False, False), "isinf": ("isinf", False, False), "isfinite": ("isfinite", False, False),
    "isposinf": ("isposinf", False, True), "isneginf": ("isneginf", False, True),
    "signbit": ("signbit", False, True), "logical_not": ("logical_not", True, True),
}
# PyTorch aliases: alias -> canonical name
_ALIASES = {"negative": "neg", "absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
            "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "fix": "trunc"}

# Ops without a gradient in PyTorch (predicates, bitwise/logical): their outputs never require grad.
_NOT_DIFFERENTIABLE = {"bitwise_not", "logical_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
                       "signbit"}

_NO_KW = {}  # shared, never mutated


def _grad_routed(name):
    """Marks a differentiable op that tests grad mode inline (one flag test on the raw path) and
    calls ``_grad_call(name, ...)`` on the grad path (``out=``/in-place handled there)."""
    def deco(fn):
        fn._grad_name = name
        return fn
    return deco


def _out_kw(out, **kwargs):
    if out is not None:
        kwargs["out"] = out
    return kwargs or _NO_KW

__all__ = sorted(set(_SIMPLE) | set(_ALIASES) | {"positive", "round", "logit", "nan_to_num", "isreal"})


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{name}] expected a Tensor as input, got {type(x).__name__}")


def _check_out(out, name):
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"[{name}] expected a Tensor as out, got {type(out).__name__}")
    return None if out is None else out._t


def _make(name, cname, has_out):
    op = getattr(_OP, cname)
    unary = _C.unary

    if has_out:
        def fn(input, *, out=None):
            if not isinstance(input, Tensor):
                _check_tensor(input, name)
            if out is None:
                return _wrap(unary(op, input._t, None))
            unary(op, input._t, _check_out(out, name))
            return out
    else:
        def fn(input):
            if not isinstance(input, Tensor):
                _check_tensor(input, name)
            return _wrap(unary(op, input._t, None))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of ``input`` (PyTorch semantics and dtype rules)."
    if name in _NOT_DIFFERENTIABLE or not has_out:
        return fn
    raw = fn

    # The differentiable form: the raw path costs one flag test (no extra Python call).
    def dfn(input, *, out=None):
        if not isinstance(input, Tensor):
            _check_tensor(input, name)
        if _grad_state.enabled and (input.requires_grad or (out is not None and getattr(out, "requires_grad", False))):
            return _grad_call(name, (input,), {"out": out} if out is not None else _NO_KW)
        if out is None:
            return _wrap(unary(op, input._t, None))
        unary(op, input._t, _check_out(out, name))
        return out
    dfn.__name__ = dfn.__qualname__ = name
    dfn.__doc__ = raw.__doc__
    dfn._grad_name, dfn._raw = name, raw
    return dfn


def _make_inplace(name, cname):
    op = getattr(_OP, cname)
    unary_ = _C.unary_

    if name in _NOT_DIFFERENTIABLE:
        def fn_(self):
            unary_(op, self._t)
            return self
    else:
        def fn_(self):
            if _grad_state.enabled and self.requires_grad:
                return _inplace_call(name, self, (), _NO_KW, target_in_args=False)
            unary_(op, self._t)
            return self
    fn_.__name__ = fn_.__qualname__ = name + "_"
    fn_.__doc__ = f"In-place ``{name}``: self <- {name}(self)."
    return fn_


def _method(fn, has_out):
    if has_out:
        def m(self, *, out=None):
            return fn(self, out=out)
    else:
        def m(self):
            return fn(self)
    m.__name__ = m.__qualname__ = fn.__name__
    m.__doc__ = fn.__doc__
    return m


for _name, (_cname, _inplace, _has_out) in _SIMPLE.items():
    _fn = _make(_name, _cname, _has_out)
    globals()[_name] = _fn
    _register_method(_name)(_method(_fn, _has_out))
    if _inplace:
        _register_method(_name + "_")(_make_inplace(_name, _cname))
for _alias, _canon in _ALIASES.items():
    globals()[_alias] = globals()[_canon]
    _register_method(_alias)(getattr(Tensor, _canon))
    if hasattr(Tensor, _canon + "_"):
        _register_method(_alias + "_")(getattr(Tensor, _canon + "_"))


def positive(input):
    """``input`` itself (an alias); error for bool tensors, as in PyTorch."""
    _check_tensor(input, "positive")
    _C.positive(input._t)
    return input


@_grad_routed("round")
def round(input, *, decimals=0, out=None):
    """Round to the nearest integer, ties to even; with ``decimals``, to that many decimal places."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("round", (input,), _out_kw(out, decimals=decimals))
    _check_tensor(input, "round")
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"[round] decimals must be an int, got {type(decimals).__name__}")
    r = _C.round(input._t, int(decimals), _check_out(out, "round"))
    return out if out is not None else _wrap(r)


@_grad_routed("logit")
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("logit", (input, eps), _out_kw(out))
    _check_tensor(input, "logit")
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, numbers.Real)):
        raise TypeError(f"[logit] eps must be a float or None, got {type(eps).__name__}")
    r = _C.logit(input._t, None if eps is None else float(eps), _check_out(out, "logit"))
    return out if out is not None else _wrap(r)


def _num_arg(v, what):
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"[nan_to_num] {what} must be a number or None, got {type(v).__name__}")
    return float(v)


@_grad_routed("nan_to_num")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan with ``nan``, +inf with ``posinf`` and -inf with ``neginf`` (defaults: 0 and the
    dtype's largest/lowest finite values)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("nan_to_num", (input, nan, posinf, neginf), _out_kw(out))
    _check_tensor(input, "nan_to_num")
    r = _C.nan_to_num(input._t, _num_arg(nan, "nan"), _num_arg(posinf, "posinf"), _num_arg(neginf, "neginf"),
                      _check_out(out, "nan_to_num"))
    return out if out is not None else _wrap(r)


def isreal(input):
    """True where the element is real: always, for ember's real dtypes."""
    _check_tensor(input, "isreal")
    from .creation import ones
    return ones(input.shape, dtype=_bool_dtype())


def _bool_dtype():
    from .. import _dtype
    return _dtype.bool


@_register_method("positive")
def _positive_m(self):
    return positive(self)


@_register_method("round")
def _round_m(self, *, decimals=0):
    return round(self, decimals=decimals)


@_register_method("round_")
def _round_(self, *, decimals=0):
    round(self, decimals=decimals, out=self)
    return self


@_register_method("logit")
def _logit_m(self, eps=None):
    return logit(self, eps)


@_register_method("logit_")
def _logit_(self, eps=None):
    logit(self, eps, out=self)
    return self


@_register_method("nan_to_num")
def _nan_to_num_m(self, nan=0.0, posinf=None, neginf=None):
    return nan_to_num(self, nan, posinf, neginf)


@_register_method("nan_to_num_")
def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    nan_to_num(self, nan, posinf, neginf, out=self)
    return self


@_register_method("isreal")
def _isreal_m(self):
    return isreal(self)


@_register_method("__neg__")
def _neg_op(self):
    if _grad_state.enabled and self.requires_grad:
        return _grad_call("neg", (self,), _NO_KW)
    return _wrap(_C.unary(_OP.neg, self._t, None))


@_register_method("__pos__")
def _pos_op(self):
    return positive(self)


@_register_method("__abs__")
def _abs_op(self):
    if _grad_state.enabled and self.requires_grad:
        return _grad_call("abs", (self,), _NO_KW)
    return _wrap(_C.unary(_OP.abs, self._t, None))


@_register_method("__invert__")
def _invert_op(self):
    return _wrap(_C.unary(_OP.bitwise_not, self._t, None))
