"""nn.functional: softmax, log_softmax, softmin, cross_entropy, nll_loss, binary_cross_entropy(_with_logits).

Each op is one fused C++ kernel (``ember/ops/softmax``, ``ember/ops/loss``); its gradient is one
autograd node whose backward calls the matching C++ backward kernel
(``ember/autograd/grad_fns/softmax.py``). Argument names, defaults and errors follow PyTorch.
"""
import builtins
import numbers
import warnings

from ... import _C
from ..._dtype import _to_dtype
from ..._tensor import Tensor, _register_method, _wrap
from ...autograd._dispatch import differentiable

__all__ = ["softmax", "log_softmax", "softmin", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

# Names the lead re-exports from ``ember`` (torch.softmax / torch.log_softmax).
TOP_LEVEL = ["softmax", "log_softmax"]

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _check_tensor(x, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as {what}, got {type(x).__name__}")


def _reduction(reduction, op, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='none'|'mean'|'sum' "
                      "instead.", stacklevel=3)
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"[{op}] {reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def _softmax_dim(dim, ndim, op):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X "
                      "as an argument.", stacklevel=3)
        return 0 if ndim in (0, 1, 3) else 1
    if isinstance(dim, builtins.bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"[{op}] dim must be an int, got {type(dim).__name__}")
    return int(dim)


def _dtype_code(dtype):
    return None if dtype is None else _to_dtype(dtype)._code


@differentiable("softmax")
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) over ``dim`` (numerically stable; ``dtype`` casts the input first)."""
    _check_tensor(input, "softmax")
    d = _softmax_dim(dim, input.dim(), "softmax")
    return _wrap(_C.softmax_forward(input._t, d, False, _dtype_code(dtype)))


@differentiable("log_softmax")
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) over ``dim`` (``dtype`` casts the input first)."""
    _check_tensor(input, "log_softmax")
    d = _softmax_dim(dim, input.dim(), "log_softmax")
    return _wrap(_C.softmax_forward(input._t, d, True, _dtype_code(dtype)))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) over ``dim``."""
    _check_tensor(input, "softmin")
    d = _softmax_dim(dim, input.dim(), "softmin")
    if dtype is not None:
        input = input.to(_to_dtype(dtype))
    return softmax(input * -1, d)  # (mul carries autograd in every tree; neg may not yet)


@_register_method("softmax")
def _m_softmax(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


@_register_method("log_softmax")
def _m_log_softmax(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


@differentiable("cross_entropy")
def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    loss, _, _ = _C.cross_entropy_forward(input._t, target._t, None if weight is None else weight._t, reduction,
                                          ignore_index, label_smoothing)
    return _wrap(loss)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over dim 1 + nll_loss, fused. ``target``: class indices (int64, (N) or (N, d1, ...))
    or class probabilities (input's shape). ``label_smoothing`` mixes in the uniform distribution."""
    _check_tensor(input, "cross_entropy")
    _check_tensor(target, "cross_entropy", "target")
    r = _reduction(reduction, "cross_entropy", size_average, reduce)
    if weight is not None:
        _check_tensor(weight, "cross_entropy", "weight")
    return _cross_entropy(input, target, weight, int(ignore_index), r, float(label_smoothing))


@differentiable("nll_loss")
def _nll_loss(input, target, weight, ignore_index, reduction):
    loss, _ = _C.nll_loss_forward(input._t, target._t, None if weight is None else weight._t, reduction, ignore_index)
    return _wrap(loss)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C[, d...]) at class indices ``target``."""
    _check_tensor(input, "nll_loss")
    _check_tensor(target, "nll_loss", "target")
    r = _reduction(reduction, "nll_loss", size_average, reduce)
    if weight is not None:
        _check_tensor(weight, "nll_loss", "weight")
    return _nll_loss(input, target, weight, int(ignore_index), r)


@differentiable("binary_cross_entropy")
def _binary_cross_entropy(input, target, weight, reduction):
    return _wrap(_C.binary_cross_entropy_forward(input._t, target._t, None if weight is None else weight._t,
                                                 reduction))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)), logs clamped at -100; ``input`` in [0, 1]."""
    _check_tensor(input, "binary_cross_entropy")
    _check_tensor(target, "binary_cross_entropy", "target")
    r = _reduction(reduction, "binary_cross_entropy", size_average, reduce)
    return _binary_cross_entropy(input, target, weight, r)


@differentiable("binary_cross_entropy_with_logits")
def _bce_with_logits(input, target, weight, pos_weight, reduction):
    return _wrap(_C.bce_with_logits_forward(input._t, target._t, None if weight is None else weight._t,
                                            None if pos_weight is None else pos_weight._t, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in the stable form; ``pos_weight`` weighs positive targets
    (broadcast over the last dim)."""
    _check_tensor(input, "binary_cross_entropy_with_logits")
    _check_tensor(target, "binary_cross_entropy_with_logits", "target")
    r = _reduction(reduction, "binary_cross_entropy_with_logits", size_average, reduce)
    return _bce_with_logits(input, target, weight, pos_weight, r)
