"""nn.functional: pooling, interpolate/upsampling, pixel_shuffle, fold/unfold, channel_shuffle.

Every public function parses PyTorch's arguments and calls one differentiable primitive
(``_max_pool``, ``_avg_pool``, ...) that runs a C++ kernel; the primitives' gradients are in
``ember/autograd/grad_fns/pooling.py``. ``lp_pool*`` composes avg_pool with elementwise ops, as
PyTorch does.
"""
import builtins
import math
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ...autograd._dispatch import differentiable

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "lp_pool1d", "lp_pool2d",
           "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
           "unfold", "fold", "channel_shuffle"]


# ---- argument parsing -------------------------------------------------------------------------
def _check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as {name}, got {type(x).__name__}")


def _ints(v, n, op, name):
    """An int or a sequence of n ints (a 1-sequence repeats) -> list of n ints."""
    if isinstance(v, builtins.bool):
        raise TypeError(f"[{op}] argument '{name}' must be int or tuple of ints, not bool")
    if isinstance(v, numbers.Integral):
        return [int(v)] * n
    if isinstance(v, (list, tuple)):
        if len(v) == 1 and n > 1:
            v = list(v) * n
        if len(v) != n or not all(isinstance(e, numbers.Integral) and not isinstance(e, builtins.bool) for e in v):
            raise RuntimeError(f"[{op}] {name} must be an int or a tuple of {n} ints, got {v}")
        return [int(e) for e in v]
    raise TypeError(f"[{op}] argument '{name}' must be int or tuple of ints, not {type(v).__name__}")


def _stride(stride, kernel, n, op):
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        return list(kernel)
    return _ints(stride, n, op, "stride")


# ---- differentiable primitives ----------------------------------------------------------------
@differentiable("max_pool_nd")
def _max_pool(input, nsp, kernel, stride, padding, dilation, ceil_mode):
    out, idx = _C.max_pool_forward(input._t, nsp, kernel, stride, padding, dilation, ceil_mode)
    return _wrap(out), _wrap(idx)


@differentiable("avg_pool_nd")
def _avg_pool(input, nsp, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    return _wrap(_C.avg_pool_forward(input._t, nsp, kernel, stride, padding, ceil_mode, count_include_pad, divisor))


@differentiable("adaptive_avg_pool_nd")
def _adaptive_avg(input, nsp, output_size):
    return _wrap(_C.adaptive_avg_pool_forward(input._t, nsp, output_size))


@differentiable("adaptive_max_pool_nd")
def _adaptive_max(input, nsp, output_size):
    out, idx = _C.adaptive_max_pool_forward(input._t, nsp, output_size)
    return _wrap(out), _wrap(idx)


@differentiable("max_unpool_nd")
def _max_unpool(input, indices, nsp, plane):
    return _wrap(_C.pool_scatter(input._t, indices._t, nsp, plane, False, f"max_unpool{nsp}d"))


_MODES = {"nearest": 0, "nearest-exact": 1, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 3}


@differentiable("upsample_nd")
def _upsample(input, nsp, size, mode, align_corners, scales):
    return _wrap(_C.upsample_forward(input._t, nsp, size, _MODES[mode], align_corners, scales))


@differentiable("im2col")
def _im2col(input, kernel, dilation, padding, stride):
    return _wrap(_C.im2col(input._t, kernel, dilation, padding, stride))


@differentiable("col2im")
def _col2im(input, output_size, kernel, dilation, padding, stride):
    return _wrap(_C.col2im(input._t, output_size, kernel, dilation, padding, stride))


# ---- max / avg pooling ------------------------------------------------------------------------
def _max_pool_nd(nsp, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    op = f"max_pool{nsp}d"
    _check_tensor(input, op)
    k = _ints(kernel_size, nsp, op, "kernel_size")
    out, idx = _max_pool(input, nsp, k, _stride(stride, k, nsp, op), _ints(padding, nsp, op, "padding"),
                         _ints(dilation, nsp, op, "dilation"), bool(ceil_mode))
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L); ``return_indices`` also gives flat argmax indices."""
    return _max_pool_nd(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W); indices are flat offsets h * W + w."""
    return _max_pool_nd(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool_nd(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool1d returning (values, indices)."""
    return _max_pool_nd(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool2d returning (values, indices)."""
    return _max_pool_nd(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool3d returning (values, indices)."""
    return _max_pool_nd(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool_nd(nsp, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    op = f"avg_pool{nsp}d"
    _check_tensor(input, op)
    k = _ints(kernel_size, nsp, op, "kernel_size")
    if divisor_override is not None:
        if isinstance(divisor_override, builtins.bool) or not isinstance(divisor_override, numbers.Integral):
            raise TypeError(f"[{op}] divisor_override must be int, not {type(divisor_override).__name__}")
        if divisor_override == 0:
            raise RuntimeError(f"[{op}] divisor must be not zero")
    return _avg_pool(input, nsp, k, _stride(stride, k, nsp, op), _ints(padding, nsp, op, "padding"),
                     bool(ceil_mode), bool(count_include_pad), int(divisor_override or 0))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L)."""
    return _avg_pool_nd(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling; ``count_include_pad`` counts zero padding in the divisor,
    ``divisor_override`` replaces the divisor."""
    return _avg_pool_nd(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool_nd(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


# ---- adaptive pooling -------------------------------------------------------------------------
def _adaptive_size(input, output_size, nsp, op):
    _check_tensor(input, op)
    if isinstance(output_size, (list, tuple)):
        if len(output_size) == 1 and nsp > 1:
            output_size = list(output_size) * nsp
        if len(output_size) != nsp:
            raise RuntimeError(f"[{op}] output_size must be {nsp}, got {len(output_size)}")
        sp = tuple(input.shape)[-nsp:] if input.dim() >= nsp else (0,) * nsp
        return [int(sp[i]) if s is None else int(s) for i, s in enumerate(output_size)]
    if output_size is None:
        return [int(s) for s in tuple(input.shape)[-nsp:]]
    return _ints(output_size, nsp, op, "output_size")


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length (windows [floor(i*L/O), ceil((i+1)*L/O)))."""
    return _adaptive_avg(input, 1, _adaptive_size(input, output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size; ``None`` entries keep the input size."""
    return _adaptive_avg(input, 2, _adaptive_size(input, output_size, 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool3d(input, output_size):
    """3-D average pooling to a fixed output size."""
    return _adaptive_avg(input, 3, _adaptive_size(input, output_size, 3, "adaptive_avg_pool3d"))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length; ``return_indices`` also gives the argmax offsets."""
    out, idx = _adaptive_max(input, 1, _adaptive_size(input, output_size, 1, "adaptive_max_pool1d"))
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; ``None`` entries keep the input size."""
    out, idx = _adaptive_max(input, 2, _adaptive_size(input, output_size, 2, "adaptive_max_pool2d"))
    return (out, idx) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """adaptive_max_pool1d returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """adaptive_max_pool2d returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


# ---- max_unpool -------------------------------------------------------------------------------
def _unpool_size(input, k, s, p, output_size, nsp, op):
    default = [(int(input.shape[-nsp + d]) - 1) * s[d] + k[d] - 2 * p[d] for d in range(nsp)]
    if output_size is None:
        return default
    output_size = list(output_size.shape if isinstance(output_size, Tensor) else output_size)
    if len(output_size) == nsp + 2:
        output_size = output_size[2:]
    elif len(output_size) == nsp + 1 and input.dim() == nsp + 1:
        output_size = output_size[1:]
    if len(output_size) != nsp:
        raise ValueError(f"[{op}] output_size should be a sequence containing {nsp} or {nsp + 2} elements, but it "
                         f"has a length of '{len(output_size)}'")
    for d in range(nsp):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'[{op}] invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
    return [int(v) for v in output_size]


def _max_unpool_nd(nsp, input, indices, kernel_size, stride, padding, output_size):
    op = f"max_unpool{nsp}d"
    _check_tensor(input, op)
    _check_tensor(indices, op, "indices")
    if input.dim() not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"[{op}] Input to max_unpooling{nsp}d should be a {nsp + 1}d or {nsp + 2}d Tensor, but "
                           f"got a tensor with {input.dim()} dimensions.")
    k = _ints(kernel_size, nsp, op, "kernel_size")
    s = _stride(stride, k, nsp, op)
    p = _ints(padding, nsp, op, "padding")
    return _max_unpool(input, indices, nsp, _unpool_size(input, k, s, p, output_size, nsp, op))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: scatter ``input`` to ``indices`` of a zero (N, C, L_out)."""
    return _max_unpool_nd(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: scatter ``input`` to the flat ``indices`` of a zero (N, C, H, W)."""
    return _max_unpool_nd(2, input, indices, kernel_size, stride, padding, output_size)


# ---- power-average pooling --------------------------------------------------------------------
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over window of x^p)^(1/p), computed as PyTorch does from avg_pool1d
    (sign(s) * relu(|s|) written as sign(s) * |s|: the same values and gradients)."""
    k = _ints(kernel_size, 1, "lp_pool1d", "kernel_size")
    out = avg_pool1d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs()).mul(k[0]).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over window of x^p)^(1/p) in 2-D, computed as PyTorch does from avg_pool2d."""
    k = _ints(kernel_size, 2, "lp_pool2d", "kernel_size")
    out = avg_pool2d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs()).mul(k[0] * k[1]).pow(1.0 / norm_type)


# ---- interpolate ------------------------------------------------------------------------------
_NEED = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, d1[, d2[, d3]]) by ``size`` or ``scale_factor``.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear'/'bicubic' (4-D), 'trilinear' (5-D),
    'area' (adaptive average pooling). ``align_corners`` (interpolating modes only) maps corner
    pixel centers onto each other. Source indices follow PyTorch exactly.
    """
    op = "interpolate"
    _check_tensor(input, op)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(f"[{op}] align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif mode in _NEED:
        if align_corners is None:
            align_corners = False
    else:
        raise NotImplementedError(f"[{op}] Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
                                  f"| area | nearest-exact (got {mode})")
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"[{op}] only one of size or scale_factor should be defined")
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"[{op}] Input and output must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            out_size = [int(v) for v in size]
        else:
            out_size = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"[{op}] Input and scale_factor must have the same number of spatial dimensions, "
                                 f"but got input with spatial dimensions of {list(input.shape[2:])} and scale_factor "
                                 f"of shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 "format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(v) for v in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out_size = None
    else:
        raise ValueError(f"[{op}] either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"[{op}] recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if out_size is None:
        out_size = [int(math.floor(float(input.shape[2 + i]) * scales[i])) for i in range(dim)]
        if recompute_scale_factor:
            scales = None
    if antialias:
        raise NotImplementedError(f"[{op}] antialias=True is not implemented in ember")
    if dim not in (1, 2, 3):
        raise NotImplementedError(f"[{op}] Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
                                  f"| area | nearest-exact (got {mode})")
    if mode in _NEED and input.dim() != _NEED[mode]:
        raise NotImplementedError(f"[{op}] Got {input.dim()}D input, but {mode} mode needs {_NEED[mode]}D input")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, out_size)
    sc = [-1.0] * dim if scales is None else [float(v) for v in scales]
    return _upsample(input, dim, out_size, mode, bool(align_corners), sc)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- shuffles, fold / unfold ------------------------------------------------------------------
def _int_arg(v, op, name):
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"[{op}] argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


@differentiable("pixel_shuffle")
def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    _check_tensor(input, "pixel_shuffle")
    return _wrap(_C.pixel_shuffle(input._t, _int_arg(upscale_factor, "pixel_shuffle", "upscale_factor")))


@differentiable("pixel_unshuffle")
def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    _check_tensor(input, "pixel_unshuffle")
    return _wrap(_C.pixel_unshuffle(input._t, _int_arg(downscale_factor, "pixel_unshuffle", "downscale_factor")))


@differentiable("channel_shuffle")
def channel_shuffle(input, groups):
    """(N, C, *): split C into ``groups`` and interleave them (ShuffleNet)."""
    _check_tensor(input, "channel_shuffle")
    return _wrap(_C.channel_shuffle(input._t, _int_arg(groups, "channel_shuffle", "groups")))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L) sliding local blocks (zero padded)."""
    _check_tensor(input, "unfold")
    return _im2col(input, _ints(kernel_size, 2, "unfold", "kernel_size"), _ints(dilation, 2, "unfold", "dilation"),
                   _ints(padding, 2, "unfold", "padding"), _ints(stride, 2, "unfold", "stride"))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: (N, C*kh*kw, L) -> (N, C, H, W), summing overlapping blocks."""
    _check_tensor(input, "fold")
    return _col2im(input, _ints(output_size, 2, "fold", "output_size"), _ints(kernel_size, 2, "fold", "kernel_size"),
                   _ints(dilation, 2, "fold", "dilation"), _ints(padding, 2, "fold", "padding"),
                   _ints(stride, 2, "fold", "stride"))
