"""Grad implementations: binary/ternary elementwise ops. Gradients of broadcast inputs are
summed back to the input's shape (``sum_to``); a Python-number operand gets no gradient.
Masks use ``where`` (not multiplication) so that inf/nan in the upstream gradient stay put."""
import math

from ... import _ops
from ..._tensor import Tensor
from .._dispatch import register
from ..function import Function
from ._util import save, saved, shape_of, sum_to

_E = _ops.elementwise
_LN2 = math.log(2.0)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha, ctx.shapes = alpha, (shape_of(a), shape_of(b))
        return _E.add(a, b, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return (sum_to(g, sa) if na else None,
                sum_to(g if ctx.alpha == 1 else g * ctx.alpha, sb) if nb else None, None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha, ctx.shapes = alpha, (shape_of(a), shape_of(b))
        return _E.sub(a, b, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return sum_to(g, sa) if na else None, sum_to(g * (-ctx.alpha), sb) if nb else None, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.mul(a, b)
        save(ctx, a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        return (sum_to(g * b, shape_of(a)) if na else None,
                sum_to(g * a, shape_of(b)) if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.div(a, b)
        save(ctx, a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        return (sum_to(g / b, shape_of(a)) if na else None,
                sum_to(-g * a / (b * b), shape_of(b)) if nb else None)


@register("add")
def add(input, other, *, alpha=1):
    return Add.apply(input, other, alpha)


@register("sub")
def sub(input, other, *, alpha=1):
    return Sub.apply(input, other, alpha)


@register("rsub")
def rsub(input, other, *, alpha=1):
    return Sub.apply(other, input, alpha)


@register("mul")
def mul(input, other):
    return Mul.apply(input, other)


class DivRounded(Function):
    """Floor/trunc division is piecewise constant: zero gradients, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _E.div(a, b, rounding_mode=rounding_mode)

    @staticmethod
    def backward(ctx, g):
        z = [None if s is None or not n else g.new_zeros(s)
             for s, n in zip(ctx.shapes, ctx.needs_input_grad)]
        return z[0], z[1], None


@register("div")
def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return DivRounded.apply(input, other, rounding_mode)
    return Div.apply(input, other)


# ---- helpers ---------------------------------------------------------------------------------
def _where(cond, a, b):
    return _E.where(cond, a, b)


def _log_number(a):
    """log of a Python number as PyTorch's Scalar.log(): -inf at 0, nan below."""
    a = float(a)
    return math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)


# ---- pow / float_power -----------------------------------------------------------------------
class Pow(Function):
    """input ** exponent for tensor ** number, tensor ** tensor and number ** tensor, with PyTorch's
    conventions: d/dx is 0 where the exponent is 0; d/dy is 0 where x == 0 and y >= 0."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.pow(a, b)
        save(ctx, a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            if isinstance(b, Tensor):
                ga = sum_to(_where(b == 0, 0.0, g * (b * a ** (b - 1))), a._t.sizes)
            elif b == 0:
                ga = _ops.creation.zeros_like(a)
            else:
                ga = g * (b * a ** (b - 1))
        if nb:
            r = a ** b
            if isinstance(a, Tensor):
                d = _where((a == 0) & (b >= 0), 0.0, r * a.log())
            elif a == 0:
                d = _where(b >= 0, 0.0, r * _log_number(a))
            else:
                d = r * _log_number(a)
            gb = sum_to(g * d, b._t.sizes)
        return ga, gb


@register("pow")
def pow(input, exponent):  # noqa: A001
    return Pow.apply(input, exponent)


class ToCopy(Function):
    """A recorded dtype conversion (float_power computes in float64; in-place results are cast back)."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.to(dtype)

    @staticmethod
    def backward(ctx, g):
        return ToCopy.apply(g, ctx.dtype), None


def _as_double(x):
    if isinstance(x, Tensor):
        return x if x.dtype is _float64() else ToCopy.apply(x, _float64())
    return float(x) if _E._is_number(x) else x


def _float64():
    from ... import _dtype
    return _dtype.float64


@register("float_power")
def float_power(input, exponent):
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise _E._type_error("float_power", input, exponent)
    return Pow.apply(_as_double(input), _as_double(exponent))


# ---- two-argument math -----------------------------------------------------------------------
class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.atan2(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        recip = (a * a + b * b).reciprocal()
        return (sum_to(g * b * recip, a._t.sizes) if na else None,
                sum_to(g * -a * recip, b._t.sizes) if nb else None)


@register("atan2")
def atan2(input, other):
    return Atan2.apply(input, other)


class Hypot(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.hypot(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        r = _E.hypot(a, b)
        return (sum_to(g * a / r, a._t.sizes) if na else None,
                sum_to(g * b / r, b._t.sizes) if nb else None)


@register("hypot")
def hypot(input, other):
    return Hypot.apply(input, other)


class Maximum(Function):
    """Ties split the gradient half/half (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.maximum(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _minmax_backward(ctx, g, a, b, a < b, a > b)


class Minimum(Function):
    """Ties split the gradient half/half (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.minimum(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _minmax_backward(ctx, g, a, b, a > b, a < b)


def _minmax_backward(ctx, g, a, b, a_loses, b_loses):
    na, nb = ctx.needs_input_grad
    tie = a == b
    half = g / 2
    return (sum_to(_where(tie, half, _where(a_loses, 0.0, g)), a._t.sizes) if na else None,
            sum_to(_where(tie, half, _where(b_loses, 0.0, g)), b._t.sizes) if nb else None)


@register("maximum")
def maximum(input, other):
    return Maximum.apply(input, other)


@register("minimum")
def minimum(input, other):
    return Minimum.apply(input, other)


class Fmax(Function):
    """The gradient goes to input where input >= other or other is nan, else to other."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.fmax(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _fminmax_backward(ctx, g, a, b, (a >= b) | b.isnan())


class Fmin(Function):
    """The gradient goes to input where input <= other or other is nan, else to other."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.fmin(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _fminmax_backward(ctx, g, a, b, (a <= b) | b.isnan())


def _fminmax_backward(ctx, g, a, b, to_a):
    na, nb = ctx.needs_input_grad
    return (sum_to(_where(to_a, g, 0.0), a._t.sizes) if na else None,
            sum_to(_where(to_a, 0.0, g), b._t.sizes) if nb else None)


@register("fmax")
def fmax(input, other):
    return Fmax.apply(input, other)


@register("fmin")
def fmin(input, other):
    return Fmin.apply(input, other)


class Copysign(Function):
    """d/dinput = copysign(input, other) / input (0 at input == 0); other gets zeros."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.copysign(a, b)
        save(ctx, a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        ga = sum_to(g * _where(a == 0, 0.0, _E.copysign(a, b) / a), a._t.sizes) if na else None
        gb = _ops.creation.zeros_like(b) if nb else None
        return ga, gb


@register("copysign")
def copysign(input, other):
    return Copysign.apply(input, other)


class Xlogy(Function):
    """input * log(other); d/dinput is 0 where input == 0 and other <= 0."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.xlogy(a, b)
        save(ctx, a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = saved(ctx)
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = sum_to(_where((a == 0) & (b <= 0), 0.0, _E.xlogy(g, b)), a._t.sizes)
        if nb:
            gb = sum_to(g * a / b, b._t.sizes)
        return ga, gb


@register("xlogy")
def xlogy(input, other):
    return Xlogy.apply(input, other)


class LogAddExp(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.logaddexp(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (sum_to(g / ((b - a).exp() + 1), a._t.sizes) if na else None,
                sum_to(g / ((a - b).exp() + 1), b._t.sizes) if nb else None)


class LogAddExp2(Function):
    @staticmethod
    def forward(ctx, a, b):
        r = _E.logaddexp2(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (sum_to(g / (2.0 ** (b - a) + 1), a._t.sizes) if na else None,
                sum_to(g / (2.0 ** (a - b) + 1), b._t.sizes) if nb else None)


@register("logaddexp")
def logaddexp(input, other):
    return LogAddExp.apply(input, other)


@register("logaddexp2")
def logaddexp2(input, other):
    return LogAddExp2.apply(input, other)


class _Modulo(Function):
    """a - b * round(a / b) with the subclass's rounding: d/da = 1, d/db = -round(a / b)."""
    _op, _rounding = None, None

    @classmethod
    def forward(cls, ctx, a, b):
        r = cls._op(a, b)
        ctx.a_shape = shape_of(a)
        if ctx.needs_input_grad[1]:  # only the divisor's gradient needs the values
            save(ctx, a, b)
        return r

    @classmethod
    def backward(cls, ctx, g):
        na, nb = ctx.needs_input_grad
        gb = None
        if nb:
            a, b = saved(ctx)
            gb = sum_to(-g * _E.div(a, b, rounding_mode=cls._rounding), b._t.sizes)
        return sum_to(g, ctx.a_shape) if na else None, gb


class Remainder(_Modulo):
    """a - b * floor(a / b) (Python's %)."""
    _op, _rounding = staticmethod(_E.remainder), "floor"


class Fmod(_Modulo):
    """a - b * trunc(a / b) (C's fmod)."""
    _op, _rounding = staticmethod(_E.fmod), "trunc"


@register("remainder")
def remainder(input, other):
    return Remainder.apply(input, other)


@register("fmod")
def fmod(input, other):
    return Fmod.apply(input, other)


class FloorDivide(Function):
    """Piecewise constant: zero gradients."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _E.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        return tuple(None if s is None or not n else g.new_zeros(s)
                     for s, n in zip(ctx.shapes, ctx.needs_input_grad))


@register("floor_divide")
def floor_divide(input, other):
    return FloorDivide.apply(input, other)


class Nextafter(Function):
    """As PyTorch: d/dinput = 1, d/dother = 0."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return _E.nextafter(a, b)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        sa, sb = ctx.shapes
        return sum_to(g, sa) if na else None, g.new_zeros(sb) if nb else None


@register("nextafter")
def nextafter(input, other):
    return Nextafter.apply(input, other)


class Ldexp(Function):
    """input * 2**other."""

    @staticmethod
    def forward(ctx, a, b):
        r = _E.ldexp(a, b)
        ctx.save_for_backward(a, b)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        p = 2.0 ** b
        return (sum_to(g * p, a._t.sizes) if na else None,
                sum_to(g * a * p * _LN2, b._t.sizes) if nb else None)


@register("ldexp")
def ldexp(input, other):
    return Ldexp.apply(input, other)


# ---- where / clamp / lerp / addcmul / addcdiv -------------------------------------------------
class Where(Function):
    """Arguments reordered (input, other, condition): the condition gets no gradient."""

    @staticmethod
    def forward(ctx, a, b, cond):
        r = _E.where(cond, a, b)
        ctx.save_for_backward(cond)
        ctx.shapes = (shape_of(a), shape_of(b))
        return r

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return (sum_to(_where(cond, g, 0.0), sa) if na else None,
                sum_to(_where(cond, 0.0, g), sb) if nb else None, None)


@register("where")
def where(condition, input, other):
    return Where.apply(input, other, condition)


class Clamp(Function):
    """Number bounds: the gradient passes where min <= x <= max (nan gets none)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        r = _E.clamp(x, lo, hi)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return r

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            keep = (x >= lo) & (x <= hi)
        elif lo is not None:
            keep = x >= lo
        elif hi is not None:
            keep = x <= hi
        else:
            return g, None, None
        return _where(keep, g, 0.0), None, None


class ClampTensor(Function):
    """Tensor bounds (either may be None): PyTorch's clamp_backward_min_max rule."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        r = _E.clamp(x, lo, hi)
        ctx.save_for_backward(x, lo, hi)
        return r

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        nx, nlo, nhi = ctx.needs_input_grad
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if nx:
                gx = _where((x >= lo) & (x <= hi), g, 0.0)
            if nlo:
                glo = _where((x < lo) & (lo < hi), g, 0.0)
            if nhi:
                ghi = _where((x > hi) | (hi < lo), g, 0.0)
        elif lo is not None:
            gx = _where(x >= lo, g, 0.0) if nx else None
            glo = _where(x < lo, g, 0.0) if nlo else None
        elif hi is not None:
            gx = _where(x <= hi, g, 0.0) if nx else None
            ghi = _where(x > hi, g, 0.0) if nhi else None
        return (sum_to(gx, x._t.sizes) if gx is not None else None,
                sum_to(glo, lo._t.sizes) if glo is not None else None,
                sum_to(ghi, hi._t.sizes) if ghi is not None else None)


class ClampMin(Clamp):
    pass


class ClampMax(Clamp):
    pass


@register("clamp")
def clamp(input, min=None, max=None):  # noqa: A002
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampTensor.apply(input, min, max)
    return Clamp.apply(input, min, max)


@register("clamp_min")
def clamp_min(input, min):  # noqa: A002
    if isinstance(min, Tensor):
        return ClampTensor.apply(input, min, None)
    return ClampMin.apply(input, min, None)


@register("clamp_max")
def clamp_max(input, max):  # noqa: A002
    if isinstance(max, Tensor):
        return ClampTensor.apply(input, None, max)
    return ClampMax.apply(input, None, max)


class Lerp(Function):
    """input + weight * (end - input), weight a number or a tensor."""

    @staticmethod
    def forward(ctx, a, b, w):
        r = _E.lerp(a, b, w)
        save(ctx, a, b, w)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b, w = saved(ctx)
        na, nb, nw = ctx.needs_input_grad
        return (sum_to(g * (1 - w), a._t.sizes) if na else None,
                sum_to(g * w, b._t.sizes) if nb else None,
                sum_to(g * (b - a), w._t.sizes) if nw else None)


@register("lerp")
def lerp(input, end, weight):
    return Lerp.apply(input, end, weight)


class Addcmul(Function):
    """input + value * tensor1 * tensor2."""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        _, n1, n2 = ctx.needs_input_grad[:3]
        r = _E.addcmul(a, t1, t2, value=value)
        ctx.save_for_backward(t1 if n2 else None, t2 if n1 else None)
        ctx.value, ctx.shapes = value, (shape_of(a), shape_of(t1), shape_of(t2))
        return r

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        na, n1, n2 = ctx.needs_input_grad[:3]
        v, (sa, s1, s2) = ctx.value, ctx.shapes
        return (sum_to(g, sa) if na else None,
                sum_to(g * (t2 * v), s1) if n1 else None,
                sum_to(g * (t1 * v), s2) if n2 else None, None)


class Addcdiv(Function):
    """input + value * tensor1 / tensor2."""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        r = _E.addcdiv(a, t1, t2, value=value)
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        ctx.value, ctx.shapes = value, (shape_of(a), shape_of(t1), shape_of(t2))
        return r

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        na, n1, n2 = ctx.needs_input_grad[:3]
        v, (sa, s1, s2) = ctx.value, ctx.shapes
        return (sum_to(g, sa) if na else None,
                sum_to(g * (v / t2), s1) if n1 else None,
                sum_to(-g * v * t1 / (t2 * t2), s2) if n2 else None, None)


@register("addcmul")
def addcmul(input, tensor1, tensor2, *, value=1):
    return Addcmul.apply(input, tensor1, tensor2, value)


@register("addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1):
    return Addcdiv.apply(input, tensor1, tensor2, value)
