"""nn.functional: activation functions (PyTorch's names, arguments and defaults).

Every activation runs one C++ kernel (``_C.activation_forward``); with autograd each is one node
whose backward is one C++ kernel too (see ``autograd/grad_fns/activation.py``). ``inplace=True``
(and the ``*_`` forms) write into the input; on the grad path the generic in-place handling of
``autograd._dispatch`` records them like PyTorch does.
"""
import math
import numbers

from ... import _C
from ..._tensor import Tensor, _register_method, _wrap
from ...autograd._dispatch import differentiable

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "softplus", "softsign",
           "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "logsigmoid", "threshold", "threshold_",
           "tanhshrink", "softshrink", "hardshrink", "glu"]

# Functions the lead exports at the top level (``ember.relu`` ...), as torch does.
TOP_LEVEL = ["relu", "relu_", "selu", "selu_", "celu", "celu_", "prelu", "rrelu", "rrelu_", "threshold",
             "threshold_", "hardshrink"]

_A = _C.ActOp
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{name}] expected a Tensor as input, got {type(x).__name__}")


def _num(v, name, what):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"[{name}] {what} must be a number, got {type(v).__name__}")
    return float(v)


def _fwd(op, x, a=0.0, b=0.0, c=0.0):
    return _wrap(_C.activation_forward(op, x._t, a, b, c, None))


def _fwd_(op, x, a=0.0, b=0.0, c=0.0):
    _C.activation_forward(op, x._t, a, b, c, x._t)
    return x


# ---- raw ops (marked differentiable; their grad implementations share these signatures) --------
def _pair(name, op, *defaults):
    """The out-of-place and in-place raw ops of a C++ activation taking up to 3 parameters."""
    def raw(input, *params):
        _check(input, name)
        return _fwd(op, input, *[float(p) for p in params])

    def raw_(input, *params):
        _check(input, name)
        return _fwd_(op, input, *[float(p) for p in params])
    raw.__name__, raw_.__name__ = "_" + name, name + "_"
    return differentiable(name)(raw), differentiable(name, inplace=True)(raw_)


_relu, _relu_ = _pair("relu", _A.relu)
_leaky, _leaky_ = _pair("leaky_relu", _A.leaky_relu)
_hardtanh, _hardtanh_ = _pair("hardtanh", _A.hardtanh)
_elu, _elu_ = _pair("elu", _A.elu)
_silu, _silu_ = _pair("silu", _A.silu)
_mish, _mish_ = _pair("mish", _A.mish)
_hardswish, _hardswish_ = _pair("hardswish", _A.hardswish)
_hardsigmoid, _hardsigmoid_ = _pair("hardsigmoid", _A.hardsigmoid)
_threshold, _threshold_ = _pair("threshold", _A.threshold)
_softplus = _pair("softplus", _A.softplus)[0]
_softsign = _pair("softsign", _A.softsign)[0]
_logsigmoid = _pair("logsigmoid", _A.logsigmoid)[0]
_tanhshrink = _pair("tanhshrink", _A.tanhshrink)[0]
_softshrink = _pair("softshrink", _A.softshrink)[0]
_hardshrink = _pair("hardshrink", _A.hardshrink)[0]
_sigmoid = _pair("F.sigmoid", _A.sigmoid)[0]
_tanh = _pair("F.tanh", _A.tanh)[0]


@differentiable("gelu")
def _gelu(input, approximate="none"):
    return _fwd(_A.gelu_tanh if approximate == "tanh" else _A.gelu, input)


def _int_clamp(input, lo, hi, name):
    """relu/hardtanh on integer tensors (PyTorch allows them): a clamp in the input dtype."""
    if input.dtype.is_floating_point or input.dtype._name == "bool":
        return None
    return input.clamp(min=lo, max=hi)


# ---- public API ---------------------------------------------------------------------------------
def relu(input, inplace=False):
    """max(input, 0) elementwise (nan stays nan)."""
    _check(input, "relu")
    if not input.dtype.is_floating_point:
        r = _int_clamp(input, 0, None, "relu")
        if r is not None:
            if inplace:
                input.copy_(r)
                return input
            return r
    return _relu_(input) if inplace else _relu(input)


def relu_(input):
    """In-place ``relu``."""
    return relu(input, inplace=True)


def relu6(input, inplace=False):
    """min(max(input, 0), 6): ``hardtanh(input, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]; the gradient is zero outside (and at) the bounds."""
    _check(input, "hardtanh")
    lo, hi = _num(min_val, "hardtanh", "min_val"), _num(max_val, "hardtanh", "max_val")
    if lo > hi:
        raise ValueError("[hardtanh] min_val cannot be greater than max_val")
    if not input.dtype.is_floating_point:
        r = _int_clamp(input, min_val, max_val, "hardtanh")
        if r is not None:
            if inplace:
                input.copy_(r)
                return input
            return r
    return _hardtanh_(input, lo, hi) if inplace else _hardtanh(input, lo, hi)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    _check(input, "leaky_relu")
    s = _num(negative_slope, "leaky_relu", "negative_slope")
    return _leaky_(input, s) if inplace else _leaky(input, s)


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    _check(input, "elu")
    a = _num(alpha, "elu", "alpha")
    return _elu_(input, a, 1.0, 1.0) if inplace else _elu(input, a, 1.0, 1.0)


def elu_(input, alpha=1.0):
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """scale * (x if x > 0 else alpha * (exp(x) - 1)) with the self-normalizing constants."""
    _check(input, "selu")
    args = (_SELU_ALPHA, _SELU_SCALE, 1.0)
    return _elu_(input, *args) if inplace else _elu(input, *args)


def selu_(input):
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _check(input, "celu")
    a = _num(alpha, "celu", "alpha")
    if a == 0:
        raise RuntimeError("[celu] ZeroDivisionError: alpha must not be 0")
    args = (a, 1.0, 1.0 / a)
    return _elu_(input, *args) if inplace else _elu(input, *args)


def celu_(input, alpha=1.0):
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def gelu(input, approximate="none"):
    """x * Phi(x) (``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))))."""
    _check(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("[gelu] approximate argument must be either none or tanh.")
    return _gelu(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    _check(input, "silu")
    return _silu_(input) if inplace else _silu(input)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    _check(input, "mish")
    return _mish_(input) if inplace else _mish(input)


def sigmoid(input):
    """1 / (1 + exp(-x)); the backward reads the output."""
    _check(input, "sigmoid")
    if not input.dtype.is_floating_point:  # integers promote to the default float dtype
        from ..._ops.unary import sigmoid as _promoting_sigmoid
        return _promoting_sigmoid(input)
    return _sigmoid(input)


def tanh(input):
    """tanh(x); the backward reads the output."""
    _check(input, "tanh")
    if not input.dtype.is_floating_point:  # integers promote to the default float dtype
        from ..._ops.unary import tanh as _promoting_tanh
        return _promoting_tanh(input)
    return _tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, or x where beta x > threshold."""
    _check(input, "softplus")
    return _softplus(input, _num(beta, "softplus", "beta"), _num(threshold, "softplus", "threshold"))


def softsign(input):
    """x / (1 + |x|)."""
    _check(input, "softsign")
    return _softsign(input)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    _check(input, "hardswish")
    return _hardswish_(input) if inplace else _hardswish(input)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    _check(input, "hardsigmoid")
    return _hardsigmoid_(input) if inplace else _hardsigmoid(input)


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    _check(input, "logsigmoid")
    return _logsigmoid(input)


def threshold(input, threshold, value, inplace=False):
    """x if x > threshold else value."""
    _check(input, "threshold")
    t, v = _num(threshold, "threshold", "threshold"), _num(value, "threshold", "value")
    return _threshold_(input, t, v) if inplace else _threshold(input, t, v)


def threshold_(input, threshold, value):
    """In-place ``threshold``."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def tanhshrink(input):
    """x - tanh(x)."""
    _check(input, "tanhshrink")
    return _tanhshrink(input)


def _lambd(lambd, name):
    v = _num(lambd, name, "lambd")
    if not v >= 0:
        raise RuntimeError(f"[{name}] lambda must be greater or equal to 0, but found to be {lambd}.")
    return v


def softshrink(input, lambd=0.5):
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0."""
    _check(input, "softshrink")
    return _softshrink(input, _lambd(lambd, "softshrink"))


def hardshrink(input, lambd=0.5):
    """x if |x| > lambd else 0."""
    _check(input, "hardshrink")
    return _hardshrink(input, _num(lambd, "hardshrink", "lambd"))


# ---- prelu, rrelu, glu --------------------------------------------------------------------------
def _prelu_view_shape(input, weight):
    """The shape that broadcasts the (C,) weight along dim 1 of ``input``."""
    n = weight.numel()
    if weight.dim() > 1:
        raise RuntimeError(f"[prelu] weight must be 0-D or 1-D, got shape {tuple(weight.shape)}")
    if n == 1:
        return (1,) * max(input.dim(), 0) if input.dim() else ()
    channels = input.shape[1] if input.dim() >= 2 else 1
    if n != channels:
        raise RuntimeError(f"[prelu] Mismatch of parameter numbers and input channel size. Found parameter numbers "
                           f"= {n} and channel size = {channels}.")
    return (1, n) + (1,) * (input.dim() - 2)


@differentiable("prelu")
def _prelu(input, weight):
    w = weight.reshape(_prelu_view_shape(input, weight))
    return _wrap(_C.prelu_forward(input._t, w._t))


def prelu(input, weight):
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or a single shared weight."""
    _check(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"[prelu] expected a Tensor as weight, got {type(weight).__name__}")
    return _prelu(input, weight)


def _rrelu_noise(x, lower, upper):
    """U(lower, upper) slopes where x <= 0, 1 elsewhere (ember's RNG)."""
    from ... import _ops
    with _no_grad():
        r = _ops.creation.empty_like(x).uniform_(lower, upper)
        return _ops.elementwise.where(x > 0, _ops.creation.ones_like(x), r)


def _no_grad():
    from ...autograd.grad_mode import no_grad
    return no_grad()


@differentiable("rrelu_train")
def _rrelu_train(input, lower, upper):
    return input * _rrelu_noise(input, lower, upper)


@differentiable("rrelu_train", inplace=True)
def _rrelu_train_(input, lower, upper):
    input.mul_(_rrelu_noise(input, lower, upper))
    return input


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky relu: slopes ~ U(lower, upper) on x <= 0 in training; (lower + upper) / 2 in eval."""
    _check(input, "rrelu")
    lo, hi = _num(lower, "rrelu", "lower"), _num(upper, "rrelu", "upper")
    if lo > hi:
        raise RuntimeError("[rrelu] Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lo + hi) / 2, inplace)
    return _rrelu_train_(input, lo, hi) if inplace else _rrelu_train(input, lo, hi)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


@differentiable("glu")
def _glu(input, dim=-1):
    a, b = input.chunk(2, dim)
    return a * _fwd(_A.sigmoid, b)


def glu(input, dim=-1):
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``."""
    _check(input, "glu")
    if input.dim() == 0:
        raise RuntimeError("[glu] glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if not 0 <= d < input.dim():
        raise IndexError(f"[glu] Dimension out of range (expected to be in range of [{-input.dim()}, "
                         f"{input.dim() - 1}], but got {dim})")
    if input.shape[d] % 2:
        raise RuntimeError(f"[glu] Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return _glu(input, d)


# ---- Tensor methods -------------------------------------------------------------------------------
@_register_method("relu")
def _m_relu(self):
    return relu(self)


@_register_method("relu_")
def _m_relu_(self):
    return relu(self, inplace=True)


@_register_method("hardshrink")
def _m_hardshrink(self, lambd=0.5):
    return hardshrink(self, lambd)


@_register_method("prelu")
def _m_prelu(self, weight):
    return prelu(self, weight)
