"""nn.functional: losses (the fused cross-entropy/nll/bce live in softmax.py).

mse, l1, smooth_l1, huber and soft_margin are one autograd node each
(``autograd/grad_fns/loss.py``); the rest are compositions of differentiable ember ops, following
PyTorch's definitions (and its argument checks, warnings and legacy ``size_average``/``reduce``).
"""
import math
import warnings

from ... import _ops
from ..._tensor import Tensor
from ...autograd.grad_mode import _state
from ...autograd.grad_fns import loss as _GL

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "gaussian_nll_loss", "poisson_nll_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss", "soft_margin_loss",
           "triplet_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "pairwise_distance",
           "cosine_similarity"]

_E = _ops.elementwise
_CODES = {"none": 0, "mean": 1, "sum": 2}


# ---- argument handling ---------------------------------------------------------------------------------
def _check(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _legacy(size_average, reduce):
    """PyTorch's mapping of the deprecated size_average/reduce flags (with its warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    r = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{r}' instead.",
                  stacklevel=3)
    return r


def _reduction(op, size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    if reduction not in _CODES:
        raise ValueError(f"[{op}] {reduction} is not a valid value for reduction")
    return reduction


def _apply_reduction(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size_warning(op, input, target):
    """PyTorch's warning for a target whose size differs from the input's (then broadcast)."""
    si, st = tuple(input.shape), tuple(target.shape)
    if si == st:
        return
    warnings.warn(f"[{op}] Using a target size ({target.shape}) that is different to the input size "
                  f"({input.shape}). This will likely lead to incorrect results due to broadcasting. Please "
                  "ensure they have the same size.", stacklevel=3)
    for k, (a, b) in enumerate(zip(reversed(si), reversed(st))):
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"[{op}] The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                               f"non-singleton dimension {max(len(si), len(st)) - 1 - k}")


def _needs_grad(*xs):
    return _state.enabled and any(isinstance(x, Tensor) and x.requires_grad for x in xs)


def _fused(fn, input, target, reduction, p):
    if _needs_grad(input, target):
        return fn.apply(input, target, _CODES[reduction], p)
    return fn.raw(input, target, _CODES[reduction], p)


def _weighted(op, loss, weight, input, reduction, mean_by_weight=True):
    _check(weight, op, "weight")
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"[{op}] Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    return _apply_reduction(loss, reduction)


# ---- regression losses (one node each) -----------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)^2``, reduced; ``weight`` (input's shape) weighs each
    element and the mean divides by ``weight.sum()``."""
    op = "mse_loss"
    _check(input, op), _check(target, op, "target")
    _size_warning(op, input, target)
    reduction = _reduction(op, size_average, reduce, reduction)
    if weight is not None:
        return _weighted(op, _fused(_GL.MseLoss, input, target, "none", None), weight, input, reduction)
    return _fused(_GL.MseLoss, input, target, reduction, None)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced (``weight`` as in :func:`mse_loss`)."""
    op = "l1_loss"
    _check(input, op), _check(target, op, "target")
    _size_warning(op, input, target)
    reduction = _reduction(op, size_average, reduce, reduction)
    if weight is not None:
        return _weighted(op, _fused(_GL.L1Loss, input, target, "none", None), weight, input, reduction)
    return _fused(_GL.L1Loss, input, target, reduction, None)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target);
    beta = 0 is the L1 loss."""
    op = "smooth_l1_loss"
    _check(input, op), _check(target, op, "target")
    _size_warning(op, input, target)
    reduction = _reduction(op, size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"[{op}] smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return _fused(_GL.L1Loss, input, target, reduction, None)
    return _fused(_GL.SmoothL1Loss, input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| <= delta``, else ``delta (|d| - 0.5 delta)`` (d = input - target)."""
    op = "huber_loss"
    _check(input, op), _check(target, op, "target")
    _size_warning(op, input, target)
    reduction = _reduction(op, None, None, reduction)
    if delta <= 0:
        raise RuntimeError(f"[{op}] huber_loss does not support non-positive values for delta.")
    if weight is not None:
        loss = _fused(_GL.HuberLoss, input, target, "none", float(delta))
        return _weighted(op, loss, weight, input, reduction, mean_by_weight=False)
    return _fused(_GL.HuberLoss, input, target, reduction, float(delta))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (targets +-1)."""
    op = "soft_margin_loss"
    _check(input, op), _check(target, op, "target")
    reduction = _reduction(op, size_average, reduce, reduction)
    if _needs_grad(input, target):
        if target.requires_grad:
            raise RuntimeError(f"[{op}] the function 'soft_margin_loss' is not differentiable with respect to "
                               "argument 'target'. This input cannot have requires_grad True.")
        return _GL.SoftMarginLoss.apply(input, target, _CODES[reduction])
    return _GL.SoftMarginLoss.raw(input, target, _CODES[reduction])


# ---- composed losses -------------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence with ``input`` as log-probabilities: ``target * (log target -
    input)`` (``exp(target) * (target - input)`` when ``log_target``). 'batchmean' divides the sum
    by the batch size (``input.size(0)``)."""
    op = "kl_div"
    _check(input, op), _check(target, op, "target")
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            reduction = _reduction(op, None, None, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _E.xlogy(target, target) - target * input
    if reduction == "batchmean":
        s = loss.sum()
        return s / input.shape[0] if input.dim() != 0 else s
    return _apply_reduction(loss, reduction)


def _clamped_min(x, eps):
    """x clamped below at eps, with x's gradient passed through unchanged (PyTorch clamps ``var``
    in place under no_grad)."""
    with _no_grad():
        fix = x.clamp_min(eps) - x
    return x + fix


def _no_grad():
    from ...autograd.grad_mode import no_grad
    return no_grad()


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood ``0.5 (log var + (input - target)^2 / var)`` (+ 0.5 log 2pi
    when ``full``). ``var`` is a float, input's shape, or one mismatched dim (homoscedastic)."""
    op = "gaussian_nll_loss"
    _check(input, op), _check(target, op, "target")
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError(f"[{op}] var has negative entry/entries")
        var = _ops.creation.full_like(input, float(var))
    else:
        with _no_grad():
            if bool((var < 0).any()):
                raise ValueError(f"[{op}] var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.reshape(tuple(var.shape) + (1,))
        elif input.dim() == var.dim() and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass
        else:
            raise ValueError(f"[{op}] var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"[{op}] {reduction} is not valid")
    var = _clamped_min(var, eps)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log likelihood: ``exp(input) - target * input`` (log_input) or ``input -
    target * log(input + eps)``; ``full`` adds the Stirling term for targets > 1."""
    op = "poisson_nll_loss"
    _check(input, op), _check(target, op, "target")
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"[{op}] {reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + _E.where(target > 1, stirling, 0.0)
    return _apply_reduction(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where target is 1, ``max(0, margin - input)`` where target is -1."""
    op = "hinge_embedding_loss"
    _check(input, op), _check(target, op, "target")
    reduction = _reduction(op, size_average, reduce, reduction)
    margin_part = _E.where(target != 1, (margin - input).clamp_min(0), 0.0)
    self_part = _E.where(target != -1, input, 0.0)
    return _apply_reduction(margin_part + self_part, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    op = "margin_ranking_loss"
    _check(input1, op, "input1"), _check(input2, op, "input2"), _check(target, op, "target")
    reduction = _reduction(op, size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"[{op}] margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


_COS_EPS = 1e-12


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1;
    rows of 2-D inputs with a 1-D target, or 1-D inputs with a 0-d target."""
    op = "cosine_embedding_loss"
    _check(input1, op, "input1"), _check(input2, op, "input2"), _check(target, op, "target")
    reduction = _reduction(op, size_average, reduce, reduction)
    td = target.dim()
    if td > 1:
        raise RuntimeError(f"[{op}] 0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"[{op}] 1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"[{op}] 0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + _COS_EPS
    m2 = (input2 * input2).sum(td) + _COS_EPS
    cos = prod / (m1 * m2).sqrt()
    pos = _E.where(target == 1, 1 - cos, 0.0)
    neg = _E.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _apply_reduction(pos + neg, reduction)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of ``x1 - x2 + eps`` over the last dim (of the broadcast shape)."""
    op = "pairwise_distance"
    _check(x1, op, "x1"), _check(x2, op, "x2")
    nd = max(x1.dim(), x2.dim())
    from ... import linalg
    return linalg.vector_norm(x1 - x2 + eps, p, dim=nd - 1 if nd else None, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast); the product of the
    norms is clamped below at ``eps^2``."""
    op = "cosine_similarity"
    _check(x1, op, "x1"), _check(x2, op, "x2")
    w12 = (x1 * x2).sum(dim)
    w1 = (x1 * x1).sum(dim)
    w2 = (x2 * x2).sum(dim)
    return w12 / (w1 * w2).clamp_min(eps * eps).sqrt()


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with pairwise p-norm distances; ``swap`` uses
    ``min(d(a, n), d(p, n))`` as the negative distance."""
    op = "triplet_margin_loss"
    _check(anchor, op, "anchor"), _check(positive, op, "positive"), _check(negative, op, "negative")
    reduction = _reduction(op, size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"[{op}] margin must be greater than 0, got {margin}")
    da, dp, dn = anchor.dim(), positive.dim(), negative.dim()
    if not da == dp == dn:
        raise RuntimeError(f"[{op}] The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {da}D, positive {dp}D, and negative {dn}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _E.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _apply_reduction((d_pos - d_neg + margin).clamp_min(0), reduction)


def _logsigmoid(x):
    return -((-x).clamp_min(0) + (-x.abs()).exp().log1p())


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-label one-vs-all logistic loss, averaged over the classes (last dim)."""
    op = "multilabel_soft_margin_loss"
    _check(input, op), _check(target, op, "target")
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"[{op}] {reduction} is not valid")
    loss = -(target * _logsigmoid(input) + (1 - target) * _logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.dim() - 1
    loss = loss.sum(cdim) / input.shape[cdim]
    return _apply_reduction(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C`` per sample
    (times ``weight[y]``); input (N, C) or (C,), integer target (N,) or 0-d."""
    op = "multi_margin_loss"
    _check(input, op), _check(target, op, "target")
    reduction = _reduction(op, size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"[{op}] only p == 1 and p == 2 supported")
    if target.dtype.is_floating_point:
        raise RuntimeError(f"[{op}] expected an integer target, got {target.dtype}")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    if input.dim() > 2 or (input.dim() == 2 and target.dim() != 1) or (input.dim() < 2 and target.dim() > 1):
        raise RuntimeError(f"[{op}] inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    y = target.reshape(-1, 1)
    if y.shape[0] != x.shape[0]:
        raise RuntimeError(f"[{op}] inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    c = x.shape[1]
    x_y = x.gather(1, y)
    z = (x - x_y + margin).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[y]
    cols = _ops.creation.arange(c, device=input.device).reshape(1, -1)
    z = _E.where(cols == y, 0.0, z)
    loss = z.sum(1) / c
    if input.dim() < 2:
        loss = loss.reshape(())
    return _apply_reduction(loss, reduction)
