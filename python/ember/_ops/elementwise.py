"""Binary and ternary elementwise ops: arithmetic, comparisons, logical/bitwise, where, clamp,
lerp, addcmul/addcdiv, isclose. Validation, broadcasting and promotion live in C++
(``csrc/ember/ops/elementwise``); these wrappers only route tensors vs Python numbers and
``out=`` / in-place forms. The Python operators on Tensor (``+ - * / // % ** & | ^ << >>``,
comparisons, reflected and in-place forms) are attached here too.
"""
import numbers

import numpy as np

from .. import _C
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable, _grad_call
from ..autograd.grad_mode import _state as _grad_state

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
           "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "hypot", "maximum", "minimum", "fmax",
           "fmin", "copysign", "xlogy", "logaddexp", "logaddexp2", "nextafter", "ldexp",
           "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
           "isclose", "allclose", "equal", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
           "where", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv"]

_Op = _C.BinaryOp
_binary, _binary_scalar, _binary_rscalar = _C.binary, _C.binary_scalar, _C.binary_rscalar
_NUMBER = (numbers.Number, np.generic)


def _is_number(x):
    return isinstance(x, _NUMBER) and not isinstance(x, (complex, np.complexfloating))


def _type_error(name, *args):
    kinds = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"[{name}] expected Tensor or number arguments, got ({kinds})")


def _out_t(out, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"[{name}] argument 'out' must be Tensor, not {type(out).__name__}")
    return out._t


# Which arguments may be Python numbers, as in PyTorch's signatures.
_ANY, _OTHER, _TENSORS = 2, 1, 0


def _bin(op, input, other, name, alpha=1, out=None, numbers_ok=_ANY):
    """op(input, other) for tensors and (where ``numbers_ok`` allows) Python numbers."""
    o = None if out is None else _out_t(out, name)
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            r = _binary(op, input._t, other._t, alpha, o, name)
        elif numbers_ok and _is_number(other):
            r = _binary_scalar(op, input._t, other, alpha, o, name)
        else:
            raise _type_error(name, input, other)
    elif numbers_ok == _ANY and isinstance(other, Tensor) and _is_number(input):
        r = _binary_rscalar(op, input, other._t, alpha, o, name)
    else:
        raise _type_error(name, input, other)
    return out if out is not None else _wrap(r)


_NO_KW = {}  # shared, never mutated


def _grad_routed(name):
    """Marks a differentiable op that tests grad mode inline (as the operators do) instead of through
    ``@differentiable``'s wrapper: the raw path is one flag test and a few attribute reads. On the grad
    path it calls ``_grad_call(name, args, kwargs)``, which handles ``out=``/in-place like the wrapper."""
    def deco(fn):
        fn._grad_name = name
        return fn
    return deco


def _out_kw(out, **kwargs):
    """The keyword arguments passed on to the grad path (``out`` only when given)."""
    if out is not None:
        kwargs["out"] = out
    return kwargs or _NO_KW


def _need_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{name}] argument '{arg}' must be Tensor, not {type(x).__name__}")


# ---- arithmetic ------------------------------------------------------------------------------
@differentiable("add")
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion."""
    return _bin(_Op.Add, input, other, "add", alpha, out)


@differentiable("sub")
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    return _bin(_Op.Sub, input, other, "sub", alpha, out)


subtract = sub


@differentiable("rsub")
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return _bin(_Op.Sub, other, input, "rsub", alpha)
    _need_tensor(input, "rsub")
    if not _is_number(other):
        raise _type_error("rsub", input, other)
    if alpha == 1:
        return _wrap(_binary_rscalar(_Op.Sub, other, input._t, 1, None, "rsub"))
    return _bin(_Op.Sub, other, _bin(_Op.Mul, input, alpha, "rsub"), "rsub")


@differentiable("mul")
def mul(input, other, *, out=None):
    """input * other."""
    return _bin(_Op.Mul, input, other, "mul", 1, out)


multiply = mul

_ROUNDING = {None: _Op.Div, "trunc": _Op.DivTrunc, "floor": _Op.DivFloor}


@differentiable("div")
def div(input, other, *, rounding_mode=None, out=None):
    """input / other: true division (integers promote to float), or rounded with
    ``rounding_mode='trunc'`` (toward zero) / ``'floor'`` (toward -inf)."""
    op = _ROUNDING.get(rounding_mode) if isinstance(rounding_mode, (str, type(None))) else None
    if op is None:
        raise RuntimeError(f"[div] div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"{rounding_mode!r}")
    return _bin(op, input, other, "div", 1, out)


divide = div


@differentiable("div")
def true_divide(dividend, divisor, *, out=None):
    """dividend / divisor (always true division)."""
    return _bin(_Op.Div, dividend, divisor, "true_divide", 1, out)


@_grad_routed("floor_divide")
def floor_divide(input, other, *, out=None):
    """input // other, rounding toward -inf (integer division by zero raises)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("floor_divide", (input, other), _out_kw(out))
    return _bin(_Op.DivFloor, input, other, "floor_divide", 1, out)


@_grad_routed("remainder")
def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the sign of the divisor."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("remainder", (input, other), _out_kw(out))
    return _bin(_Op.Remainder, input, other, "remainder", 1, out)


@_grad_routed("fmod")
def fmod(input, other, *, out=None):
    """C-style remainder: the result has the sign of the dividend."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("fmod", (input, other), _out_kw(out))
    return _bin(_Op.Fmod, input, other, "fmod", 1, out, _OTHER)


@_grad_routed("pow")
def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a Python number (not both). Integer tensors raised to a
    negative integer number raise RuntimeError."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(exponent, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("pow", (input, exponent), _out_kw(out))
    if isinstance(input, Tensor) and _is_number(exponent):
        r = _C.pow_scalar(input._t, exponent, None if out is None else _out_t(out, "pow"))
        return out if out is not None else _wrap(r)
    return _bin(_Op.Pow, input, exponent, "pow", 1, out)


def _to_double(x, name):
    if isinstance(x, Tensor):
        return x.double()
    if _is_number(x):
        return float(x)
    raise TypeError(f"[{name}] expected Tensor or number arguments, got {type(x).__name__}")


@_grad_routed("float_power")
def float_power(input, exponent, *, out=None):
    """input ** exponent computed (and returned) in float64."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise _type_error("float_power", input, exponent)
    if out is not None and isinstance(out, Tensor) and out.dtype._name != "float64":
        raise RuntimeError(f"[float_power] the output given to float_power has dtype {out.dtype._name} but the "
                           f"operation's result requires dtype float64")
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(exponent, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("float_power", (input, exponent), _out_kw(out))
    return pow(_to_double(input, "float_power"), _to_double(exponent, "float_power"), out=out)


@_grad_routed("atan2")
def atan2(input, other, *, out=None):
    """Elementwise arctangent of input / other, using both signs for the quadrant."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("atan2", (input, other), _out_kw(out))
    return _bin(_Op.Atan2, input, other, "atan2", 1, out, _TENSORS)


arctan2 = atan2


@_grad_routed("hypot")
def hypot(input, other, *, out=None):
    """sqrt(input**2 + other**2) without intermediate overflow (floating dtypes)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("hypot", (input, other), _out_kw(out))
    return _bin(_Op.Hypot, input, other, "hypot", 1, out, _TENSORS)


@_grad_routed("maximum")
def maximum(input, other, *, out=None):
    """Elementwise maximum; nan in either input gives nan."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("maximum", (input, other), _out_kw(out))
    return _bin(_Op.Maximum, input, other, "maximum", 1, out, _TENSORS)


@_grad_routed("minimum")
def minimum(input, other, *, out=None):
    """Elementwise minimum; nan in either input gives nan."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("minimum", (input, other), _out_kw(out))
    return _bin(_Op.Minimum, input, other, "minimum", 1, out, _TENSORS)


@_grad_routed("fmax")
def fmax(input, other, *, out=None):
    """Elementwise maximum ignoring nan (nan only when both are nan)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("fmax", (input, other), _out_kw(out))
    return _bin(_Op.Fmax, input, other, "fmax", 1, out, _TENSORS)


@_grad_routed("fmin")
def fmin(input, other, *, out=None):
    """Elementwise minimum ignoring nan (nan only when both are nan)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("fmin", (input, other), _out_kw(out))
    return _bin(_Op.Fmin, input, other, "fmin", 1, out, _TENSORS)


@_grad_routed("copysign")
def copysign(input, other, *, out=None):
    """Magnitude of input with the sign of other (integers promote to float)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("copysign", (input, other), _out_kw(out))
    return _bin(_Op.Copysign, input, other, "copysign", 1, out, _OTHER)


@_grad_routed("xlogy")
def xlogy(input, other, *, out=None):
    """input * log(other), with 0 where input == 0 (unless other is nan)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("xlogy", (input, other), _out_kw(out))
    return _bin(_Op.Xlogy, input, other, "xlogy", 1, out)


@_grad_routed("logaddexp")
def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)), computed stably."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("logaddexp", (input, other), _out_kw(out))
    return _bin(_Op.LogAddExp, input, other, "logaddexp", 1, out, _TENSORS)


@_grad_routed("logaddexp2")
def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other), computed stably."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("logaddexp2", (input, other), _out_kw(out))
    return _bin(_Op.LogAddExp2, input, other, "logaddexp2", 1, out, _TENSORS)


@_grad_routed("nextafter")
def nextafter(input, other, *, out=None):
    """The next representable value after input in the direction of other."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("nextafter", (input, other), _out_kw(out))
    return _bin(_Op.NextAfter, input, other, "nextafter", 1, out, _TENSORS)


@_grad_routed("ldexp")
def ldexp(input, other, *, out=None):
    """input * 2**other (a floating result)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("ldexp", (input, other), _out_kw(out))
    _need_tensor(input, "ldexp")
    _need_tensor(other, "ldexp", "other")
    r = mul(input, pow(2.0, other))
    if input.dtype.is_floating_point and r.dtype is not input.dtype:
        r = r.to(input.dtype)  # a floating input keeps its dtype
    if out is not None:
        _out_t(out, "ldexp")
        return out.copy_(r)
    return r


# ---- comparisons -----------------------------------------------------------------------------
def eq(input, other, *, out=None):
    """input == other (bool)."""
    return _bin(_Op.Eq, input, other, "eq", 1, out, _OTHER)


def ne(input, other, *, out=None):
    """input != other (bool)."""
    return _bin(_Op.Ne, input, other, "ne", 1, out, _OTHER)


def lt(input, other, *, out=None):
    """input < other (bool)."""
    return _bin(_Op.Lt, input, other, "lt", 1, out, _OTHER)


def le(input, other, *, out=None):
    """input <= other (bool)."""
    return _bin(_Op.Le, input, other, "le", 1, out, _OTHER)


def gt(input, other, *, out=None):
    """input > other (bool)."""
    return _bin(_Op.Gt, input, other, "gt", 1, out, _OTHER)


def ge(input, other, *, out=None):
    """input >= other (bool)."""
    return _bin(_Op.Ge, input, other, "ge", 1, out, _OTHER)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (bool); same dtypes required."""
    _need_tensor(input, "isclose")
    _need_tensor(other, "isclose", "other")
    return _wrap(_C.isclose(input._t, other._t, float(rtol), float(atol), bool(equal_nan)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when ``isclose`` holds for every element."""
    _need_tensor(input, "allclose")
    _need_tensor(other, "allclose", "other")
    return _C.allclose(input._t, other._t, float(rtol), float(atol), bool(equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and equal elements."""
    _need_tensor(input, "equal")
    _need_tensor(other, "equal", "other")
    return _C.equal(input._t, other._t)


# ---- logical / bitwise -----------------------------------------------------------------------
def logical_and(input, other, *, out=None):
    """Elementwise logical AND of the inputs' truth values (bool)."""
    return _bin(_Op.LogicalAnd, input, other, "logical_and", 1, out, _TENSORS)


def logical_or(input, other, *, out=None):
    """Elementwise logical OR (bool)."""
    return _bin(_Op.LogicalOr, input, other, "logical_or", 1, out, _TENSORS)


def logical_xor(input, other, *, out=None):
    """Elementwise logical XOR (bool)."""
    return _bin(_Op.LogicalXor, input, other, "logical_xor", 1, out, _TENSORS)


def bitwise_and(input, other, *, out=None):
    """Bitwise AND (integer and bool dtypes)."""
    return _bin(_Op.BitAnd, input, other, "bitwise_and", 1, out)


def bitwise_or(input, other, *, out=None):
    """Bitwise OR (integer and bool dtypes)."""
    return _bin(_Op.BitOr, input, other, "bitwise_or", 1, out)


def bitwise_xor(input, other, *, out=None):
    """Bitwise XOR (integer and bool dtypes)."""
    return _bin(_Op.BitXor, input, other, "bitwise_xor", 1, out)


def bitwise_left_shift(input, other, *, out=None):
    """input << other (integer dtypes; shifts past the width give 0)."""
    return _bin(_Op.Shl, input, other, "bitwise_left_shift", 1, out)


def bitwise_right_shift(input, other, *, out=None):
    """input >> other, arithmetic for signed dtypes."""
    return _bin(_Op.Shr, input, other, "bitwise_right_shift", 1, out)


# ---- ternary ---------------------------------------------------------------------------------
def _ts(x, name, arg):
    """A tensor or Python number argument, as the C++ side takes it."""
    if isinstance(x, Tensor):
        return x._t
    if _is_number(x):
        return x
    raise TypeError(f"[{name}] argument '{arg}' must be Tensor or Number, not {type(x).__name__}")


@_grad_routed("where")
def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition is true, else of other (either may be a number).
    With only ``condition``: ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        from .. import nonzero
        return nonzero(condition, as_tuple=True)
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(other, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("where", (condition, input, other), _out_kw(out))
    _need_tensor(condition, "where", "condition")
    if input is None or other is None:
        raise TypeError("[where] expected both input and other, or neither")
    r = _C.where(condition._t, _ts(input, "where", "input"), _ts(other, "where", "other"),
                 None if out is None else _out_t(out, "where"))
    return out if out is not None else _wrap(r)


def _bound(x, name, arg):
    return None if x is None else _ts(x, name, arg)


@_grad_routed("clamp")
def clamp(input, min=None, max=None, *, out=None):
    """Limit input to [min, max] (either bound may be None, a number or a tensor; not one of each)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(min, "requires_grad", False)
                                or getattr(max, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("clamp", (input, min, max), _out_kw(out))
    _need_tensor(input, "clamp")
    if min is not None and max is not None and isinstance(min, Tensor) != isinstance(max, Tensor):
        raise TypeError("[clamp] min and max must both be tensors or both be numbers")
    r = _C.clamp(input._t, _bound(min, "clamp", "min"), _bound(max, "clamp", "max"),
                 None if out is None else _out_t(out, "clamp"), "clamp")
    return out if out is not None else _wrap(r)


clip = clamp


@_grad_routed("clamp_min")
def clamp_min(input, min, *, out=None):
    """max(input, min) elementwise (nan propagates)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(min, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("clamp_min", (input, min), _out_kw(out))
    _need_tensor(input, "clamp_min")
    r = _C.clamp(input._t, _ts(min, "clamp_min", "min"), None, None if out is None else _out_t(out, "clamp_min"),
                 "clamp_min")
    return out if out is not None else _wrap(r)


@_grad_routed("clamp_max")
def clamp_max(input, max, *, out=None):
    """min(input, max) elementwise (nan propagates)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(max, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("clamp_max", (input, max), _out_kw(out))
    _need_tensor(input, "clamp_max")
    r = _C.clamp(input._t, None, _ts(max, "clamp_max", "max"), None if out is None else _out_t(out, "clamp_max"),
                 "clamp_max")
    return out if out is not None else _wrap(r)


@_grad_routed("lerp")
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(end, "requires_grad", False)
                                or getattr(weight, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("lerp", (input, end, weight), _out_kw(out))
    _need_tensor(input, "lerp")
    _need_tensor(end, "lerp", "end")
    r = _C.lerp(input._t, end._t, _ts(weight, "lerp", "weight"), None if out is None else _out_t(out, "lerp"))
    return out if out is not None else _wrap(r)


@_grad_routed("addcmul")
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(tensor1, "requires_grad", False)
                                or getattr(tensor2, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("addcmul", (input, tensor1, tensor2), _out_kw(out, value=value))
    for x, n in ((input, "input"), (tensor1, "tensor1"), (tensor2, "tensor2")):
        _need_tensor(x, "addcmul", n)
    r = _C.addcmul(input._t, tensor1._t, tensor2._t, value, None if out is None else _out_t(out, "addcmul"))
    return out if out is not None else _wrap(r)


@_grad_routed("addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (floating division)."""
    if _grad_state.enabled and (getattr(input, "requires_grad", False) or getattr(tensor1, "requires_grad", False)
                                or getattr(tensor2, "requires_grad", False)
                                or out is not None and getattr(out, "requires_grad", False)):
        return _grad_call("addcdiv", (input, tensor1, tensor2), _out_kw(out, value=value))
    for x, n in ((input, "input"), (tensor1, "tensor1"), (tensor2, "tensor2")):
        _need_tensor(x, "addcdiv", n)
    r = _C.addcdiv(input._t, tensor1._t, tensor2._t, value, None if out is None else _out_t(out, "addcdiv"))
    return out if out is not None else _wrap(r)


# ---- Tensor methods --------------------------------------------------------------------------
def _method(fn, name):
    """``fn`` itself as the method (``x.add(y)`` is ``add(x, y)``): no extra call layer."""
    return fn


def _inplace(fn, name):
    def m(self, *args, **kwargs):
        fn(self, *args, out=self, **kwargs)
        return self
    m.__name__ = name
    m.__doc__ = f"In-place form of ``{name[:-1]}``: writes the result into this tensor and returns it."
    return m


for _name, _fn in [("add", add), ("sub", sub), ("subtract", sub), ("mul", mul), ("multiply", mul), ("div", div),
                   ("divide", div), ("true_divide", true_divide), ("floor_divide", floor_divide),
                   ("remainder", remainder), ("fmod", fmod), ("pow", pow), ("float_power", float_power),
                   ("atan2", atan2), ("arctan2", atan2), ("hypot", hypot), ("copysign", copysign), ("xlogy", xlogy),
                   ("nextafter", nextafter), ("ldexp", ldexp), ("eq", eq), ("ne", ne), ("lt", lt), ("le", le),
                   ("gt", gt), ("ge", ge), ("greater", gt), ("greater_equal", ge), ("less", lt),
                   ("less_equal", le), ("not_equal", ne), ("logical_and", logical_and), ("logical_or", logical_or),
                   ("logical_xor", logical_xor), ("bitwise_and", bitwise_and), ("bitwise_or", bitwise_or),
                   ("bitwise_xor", bitwise_xor), ("bitwise_left_shift", bitwise_left_shift),
                   ("bitwise_right_shift", bitwise_right_shift), ("clamp", clamp), ("clip", clamp),
                   ("clamp_min", clamp_min), ("clamp_max", clamp_max), ("lerp", lerp), ("addcmul", addcmul),
                   ("addcdiv", addcdiv)]:
    _register_method(_name)(_method(_fn, _name))
    _register_method(_name + "_")(_inplace(_fn, _name + "_"))

for _name, _fn in [("maximum", maximum), ("minimum", minimum), ("fmax", fmax), ("fmin", fmin),
                   ("logaddexp", logaddexp), ("logaddexp2", logaddexp2), ("isclose", isclose),
                   ("allclose", allclose), ("equal", equal)]:
    _register_method(_name)(_method(_fn, _name))


@_register_method("float_power_")
def _float_power_(self, exponent):
    """In-place ``float_power``: this tensor must be float64."""
    if self.dtype._name != "float64":
        raise RuntimeError(f"[float_power_] the base given to float_power_ has dtype {self.dtype._name} but the "
                           f"operation's result requires dtype float64")
    return pow(self, _to_double(exponent, "float_power_"), out=self)


@_register_method("where")
def _where_method(self, condition, y):
    """``ember.where(condition, self, y)``."""
    return where(condition, self, y)


# ---- Python operators ------------------------------------------------------------------------
# The hot ones (+ - * / with a tensor or number) go straight to overload-free _C entry points.
_c_add, _c_add_s, _c_sub, _c_sub_s = _C.add, _C.add_scalar, _C.sub, _C.sub_scalar
_c_mul, _c_mul_s, _c_div, _c_div_s = _C.mul, _C.mul_scalar, _C.div, _C.div_scalar


def _g(name, a, b):
    return _grad_call(name, (a, b), {})


def __add__(self, other):
    if isinstance(other, Tensor):
        if _grad_state.enabled and (self.requires_grad or other.requires_grad):
            return _g("add", self, other)
        return _wrap(_c_add(self._t, other._t))
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("add", self, other)
    return _wrap(_c_add_s(self._t, other))


def __radd__(self, other):
    return __add__(self, other) if _is_number(other) else NotImplemented


def __sub__(self, other):
    if isinstance(other, Tensor):
        if _grad_state.enabled and (self.requires_grad or other.requires_grad):
            return _g("sub", self, other)
        return _wrap(_c_sub(self._t, other._t))
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("sub", self, other)
    return _wrap(_c_sub_s(self._t, other))


def __rsub__(self, other):
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("rsub", self, other)
    return _wrap(_binary_rscalar(_Op.Sub, other, self._t, 1, None, "sub"))


def __mul__(self, other):
    if isinstance(other, Tensor):
        if _grad_state.enabled and (self.requires_grad or other.requires_grad):
            return _g("mul", self, other)
        return _wrap(_c_mul(self._t, other._t))
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("mul", self, other)
    return _wrap(_c_mul_s(self._t, other))


def __rmul__(self, other):
    return __mul__(self, other) if _is_number(other) else NotImplemented


def __truediv__(self, other):
    if isinstance(other, Tensor):
        if _grad_state.enabled and (self.requires_grad or other.requires_grad):
            return _g("div", self, other)
        return _wrap(_c_div(self._t, other._t))
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("div", self, other)
    return _wrap(_c_div_s(self._t, other))


def __pow__(self, other):
    if isinstance(other, Tensor):
        if _grad_state.enabled and (self.requires_grad or other.requires_grad):
            return _g("pow", self, other)
        return _wrap(_binary(_Op.Pow, self._t, other._t, 1, None, "pow"))
    if not _is_number(other):
        return NotImplemented
    if self.requires_grad and _grad_state.enabled:
        return _g("pow", self, other)
    return _wrap(_C.pow_scalar(self._t, other, None))


# Operators whose result has a gradient (comparisons and bitwise ops have none).
_DIFFERENTIABLE = {"div", "floor_divide", "remainder", "pow"}


def _forward(op, name):
    diff = name in _DIFFERENTIABLE

    def f(self, other):
        if isinstance(other, Tensor):
            if diff and _grad_state.enabled and (self.requires_grad or other.requires_grad):
                return _g(name, self, other)
            return _wrap(_binary(op, self._t, other._t, 1, None, name))
        if _is_number(other):
            if diff and self.requires_grad and _grad_state.enabled:
                return _g(name, self, other)
            return _wrap(_binary_scalar(op, self._t, other, 1, None, name))
        return NotImplemented
    return f


def _reflected(op, name):
    diff = name in _DIFFERENTIABLE

    def f(self, other):
        if _is_number(other):
            if diff and self.requires_grad and _grad_state.enabled:
                return _g(name, other, self)
            return _wrap(_binary_rscalar(op, other, self._t, 1, None, name))
        return NotImplemented
    return f


def _iop(fn, name):
    def f(self, other):
        if not isinstance(other, Tensor) and not _is_number(other):
            return NotImplemented
        fn(self, other, out=self)
        return self
    f.__name__ = name
    return f


_OPERATORS = {
    "__add__": __add__, "__radd__": __radd__, "__sub__": __sub__, "__rsub__": __rsub__,
    "__mul__": __mul__, "__rmul__": __rmul__, "__truediv__": __truediv__, "__div__": __truediv__,
    "__rtruediv__": _reflected(_Op.Div, "div"), "__floordiv__": _forward(_Op.DivFloor, "floor_divide"),
    "__rfloordiv__": _reflected(_Op.DivFloor, "floor_divide"), "__mod__": _forward(_Op.Remainder, "remainder"),
    "__rmod__": _reflected(_Op.Remainder, "remainder"), "__pow__": __pow__, "__rpow__": _reflected(_Op.Pow, "pow"),
    "__and__": _forward(_Op.BitAnd, "bitwise_and"), "__rand__": _reflected(_Op.BitAnd, "bitwise_and"),
    "__or__": _forward(_Op.BitOr, "bitwise_or"), "__ror__": _reflected(_Op.BitOr, "bitwise_or"),
    "__xor__": _forward(_Op.BitXor, "bitwise_xor"), "__rxor__": _reflected(_Op.BitXor, "bitwise_xor"),
    "__lshift__": _forward(_Op.Shl, "bitwise_left_shift"), "__rlshift__": _reflected(_Op.Shl, "bitwise_left_shift"),
    "__rshift__": _forward(_Op.Shr, "bitwise_right_shift"),
    "__rrshift__": _reflected(_Op.Shr, "bitwise_right_shift"),
    "__eq__": _forward(_Op.Eq, "eq"), "__ne__": _forward(_Op.Ne, "ne"), "__lt__": _forward(_Op.Lt, "lt"),
    "__le__": _forward(_Op.Le, "le"), "__gt__": _forward(_Op.Gt, "gt"), "__ge__": _forward(_Op.Ge, "ge"),
    "__iadd__": _iop(add, "__iadd__"), "__isub__": _iop(sub, "__isub__"), "__imul__": _iop(mul, "__imul__"),
    "__itruediv__": _iop(div, "__itruediv__"), "__ifloordiv__": _iop(floor_divide, "__ifloordiv__"),
    "__imod__": _iop(remainder, "__imod__"), "__ipow__": _iop(pow, "__ipow__"),
    "__iand__": _iop(bitwise_and, "__iand__"), "__ior__": _iop(bitwise_or, "__ior__"),
    "__ixor__": _iop(bitwise_xor, "__ixor__"), "__ilshift__": _iop(bitwise_left_shift, "__ilshift__"),
    "__irshift__": _iop(bitwise_right_shift, "__irshift__"),
}
for _name, _fn in _OPERATORS.items():
    _register_method(_name)(_fn)
# Defining __eq__ must not make tensors unhashable: hashing stays identity-based.
Tensor.__hash__ = object.__hash__

del _name, _fn
