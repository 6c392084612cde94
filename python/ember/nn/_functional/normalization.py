"""nn.functional: batch_norm, layer_norm, rms_norm, group_norm, instance_norm.

Each is one fused C++ forward (``ember/ops/norm``) and one autograd node whose backward calls the
C++ backward kernel (``ember/autograd/grad_fns/normalization.py``). instance_norm is group_norm
with one group per channel (input statistics) or batch_norm in eval form (running statistics).
Argument names, defaults and errors follow PyTorch.
"""
import builtins
import numbers

from ... import _C
from ..._dtype import finfo
from ..._tensor import Tensor, _wrap
from ...autograd._dispatch import differentiable
from ...autograd.grad_mode import no_grad

__all__ = ["batch_norm", "layer_norm", "rms_norm", "group_norm", "instance_norm", "local_response_norm"]


def _check_tensor(x, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as {what}, got {type(x).__name__}")


def _opt(x, op, what):
    if x is None:
        return None
    _check_tensor(x, op, what)
    return x._t


def _shape_tuple(s, op):
    if isinstance(s, numbers.Integral) and not isinstance(s, builtins.bool):
        return (int(s),)
    try:
        return tuple(int(v) for v in s)
    except TypeError:
        raise TypeError(f"[{op}] normalized_shape must be an int or a sequence of ints, got "
                        f"{type(s).__name__}") from None


@differentiable("batch_norm")
def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    y, _, _ = _C.batch_norm_forward(input._t, _opt(weight, "batch_norm", "weight"), _opt(bias, "batch_norm", "bias"),
                                    _opt(running_mean, "batch_norm", "running_mean"),
                                    _opt(running_var, "batch_norm", "running_var"), training, momentum, eps)
    return _wrap(y)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Normalize each channel (dim 1) of ``input`` (N, C, *) with batch statistics (``training``:
    biased variance; running_mean/var, when given, are updated in place with ``momentum`` and the
    unbiased variance) or with the running statistics (eval)."""
    _check_tensor(input, "batch_norm")
    if training:
        size = list(input.shape)
        n = 1
        for i, s in enumerate(size):
            if i != 1:
                n *= s
        if n == 1:
            raise ValueError(f"[batch_norm] Expected more than 1 value per channel when training, got input size "
                             f"{size}")
    return _batch_norm(input, weight, bias, running_mean, running_var, bool(training), float(momentum), float(eps))


@differentiable("layer_norm")
def _layer_norm(input, weight, bias, norm_ndim, eps):
    y, _, _ = _C.layer_norm_forward(input._t, norm_ndim, _opt(weight, "layer_norm", "weight"),
                                    _opt(bias, "layer_norm", "bias"), eps, False)
    return _wrap(y)


def _check_normalized(input, shape, op):
    if len(shape) == 0 or input.dim() < len(shape) or tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"[{op}] Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")


def _check_param_shape(p, shape, op, what):
    if p is not None and tuple(p.shape) != shape:
        raise RuntimeError(f"[{op}] Expected {what} to be of same shape as normalized_shape, but got {what} of shape "
                           f"{list(p.shape)} and normalized_shape = {list(shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalize over the trailing ``normalized_shape`` dims, then scale by ``weight`` and shift by ``bias``."""
    _check_tensor(input, "layer_norm")
    shape = _shape_tuple(normalized_shape, "layer_norm")
    _check_normalized(input, shape, "layer_norm")
    _check_param_shape(weight, shape, "layer_norm", "weight")
    _check_param_shape(bias, shape, "layer_norm", "bias")
    return _layer_norm(input, weight, bias, len(shape), float(eps))


@differentiable("rms_norm")
def _rms_norm(input, weight, norm_ndim, eps):
    y, _, _ = _C.layer_norm_forward(input._t, norm_ndim, _opt(weight, "rms_norm", "weight"), None, eps, True)
    return _wrap(y)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing ``normalized_shape`` dims, times ``weight``;
    ``eps`` defaults to the input dtype's machine epsilon."""
    _check_tensor(input, "rms_norm")
    shape = _shape_tuple(normalized_shape, "rms_norm")
    _check_normalized(input, shape, "rms_norm")
    _check_param_shape(weight, shape, "rms_norm", "weight")
    if eps is None:
        eps = finfo(input.dtype).eps
    return _rms_norm(input, weight, len(shape), float(eps))


@differentiable("group_norm")
def _group_norm(input, weight, bias, num_groups, eps):
    y, _, _ = _C.group_norm_forward(input._t, num_groups, _opt(weight, "group_norm", "weight"),
                                    _opt(bias, "group_norm", "bias"), eps)
    return _wrap(y)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalize each sample over groups of C / num_groups channels (and all spatial positions),
    then apply the per-channel affine."""
    _check_tensor(input, "group_norm")
    if input.dim() < 2:
        raise RuntimeError(f"[group_norm] Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if isinstance(num_groups, builtins.bool) or not isinstance(num_groups, numbers.Integral):
        raise TypeError(f"[group_norm] num_groups must be an int, got {type(num_groups).__name__}")
    return _group_norm(input, weight, bias, int(num_groups), float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    """Normalize each (sample, channel) over its spatial positions. With ``use_input_stats`` and
    running statistics, those are updated with the per-instance statistics averaged over the batch."""
    _check_tensor(input, "instance_norm")
    if input.dim() < 3:
        raise ValueError(f"[instance_norm] expected an input with at least 3 dims (N, C, *), got {list(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("[instance_norm] Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = 1
    for s in input.shape[2:]:
        spatial *= s
    if spatial == 1:
        raise ValueError(f"[instance_norm] Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    if running_mean is not None or running_var is not None:
        with no_grad():
            flat = input.detach().reshape(input.shape[0], input.shape[1], -1)
            if running_mean is not None:
                m = flat.mean(-1).mean(0)
                running_mean.mul_(1 - momentum).add_(m.to(running_mean.dtype) * momentum)
            if running_var is not None:
                v = flat.var(-1, correction=1).mean(0)
                running_var.mul_(1 - momentum).add_(v.to(running_var.dtype) * momentum)
    return _group_norm(input, weight, bias, int(input.shape[1]), float(eps))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalize each element by the mean of squares over ``size`` neighbouring channels (dim 1):
    ``x / (k + alpha * mean_window(x^2)) ** beta`` (AlexNet's LRN), for inputs (N, C, *)."""
    _check_tensor(input, "local_response_norm")
    if input.dim() < 3:
        raise ValueError(f"[local_response_norm] Expected 3D or higher dimensionality input (got {input.dim()} "
                         f"dimensions)")
    if input.numel() == 0:
        return input.clone()
    from .. import functional as F
    n, c = input.shape[0], input.shape[1]
    sq = (input * input).reshape(n, 1, c, -1)             # channels become a pooled spatial dim
    sq = F.pad(sq, (0, 0, size // 2, (size - 1) // 2))    # window centred as PyTorch's
    div = F.avg_pool2d(sq, (size, 1), stride=1).reshape(input.shape)
    return input / (div * alpha + k) ** beta
