"""Grad implementations: pooling, interpolate, fold/unfold, shuffles (see ``grad_fns/__init__``).

Every backward calls a C++ backward kernel through a Function of its own, whose backward is the
forward op again, so double backward works everywhere:
max pooling's backward scatters by the saved indices (``PoolScatter``) and its adjoint gathers
(``PoolGather``); avg/adaptive-avg/interpolate/fold backwards are linear maps whose adjoints are
the forward ops; shuffles are permutations whose adjoints are the inverse shuffles.
"""
from .._dispatch import register
from ..function import Function
from ..._tensor import _wrap
from ... import _C


def _named(base, name):
    """A subclass of ``base`` called ``name`` (node names follow PyTorch's: MaxPool2DWithIndices...)."""
    return type(name, (base,), {"_node_name": name + "Backward0"})


# ---- index scatter / gather (max pooling, adaptive max, max_unpool) -----------------------------
class PoolScatter(Function):
    """zeros(*, plane) with src added at idx (the backward of max pooling)."""

    @staticmethod
    def forward(ctx, src, idx, nsp, plane, op):
        ctx.save_for_backward(idx)
        ctx.nsp = nsp
        return _wrap(_C.pool_scatter(src._t, idx._t, nsp, list(plane), True, op))

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return PoolGather.apply(g, idx, ctx.nsp), None, None, None, None


class PoolGather(Function):
    """src[*, idx] over flattened planes (max pooling's double backward, max_unpool's backward)."""

    @staticmethod
    def forward(ctx, src, idx, nsp):
        ctx.save_for_backward(idx)
        ctx.nsp = nsp
        ctx.plane = tuple(src._t.sizes)[-nsp:]
        return _wrap(_C.pool_gather(src._t, idx._t, nsp))

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return PoolScatter.apply(g, idx, ctx.nsp, ctx.plane, "max_pool_backward"), None, None


class _MaxPoolBase(Function):
    @staticmethod
    def forward(ctx, x, nsp, kernel, stride, padding, dilation, ceil_mode):
        out, idx = _C.max_pool_forward(x._t, nsp, kernel, stride, padding, dilation, ceil_mode)
        out, idx = _wrap(out), _wrap(idx)
        ctx.save_for_backward(idx)
        ctx.nsp = nsp
        ctx.plane = tuple(x._t.sizes)[-nsp:]
        return out, idx

    @staticmethod
    def backward(ctx, g, _gidx=None):
        (idx,) = ctx.saved_tensors
        return (PoolScatter.apply(g, idx, ctx.nsp, ctx.plane, f"max_pool{ctx.nsp}d_backward"),
                None, None, None, None, None, None)


_MAX_POOL = {n: _named(_MaxPoolBase, f"MaxPool{n}DWithIndices") for n in (1, 2, 3)}


@register("max_pool_nd")
def max_pool_nd(input, nsp, kernel, stride, padding, dilation, ceil_mode):
    return _MAX_POOL[nsp].apply(input, nsp, kernel, stride, padding, dilation, ceil_mode)


class _AdaptiveMaxBase(Function):
    @staticmethod
    def forward(ctx, x, nsp, output_size):
        out, idx = _C.adaptive_max_pool_forward(x._t, nsp, output_size)
        out, idx = _wrap(out), _wrap(idx)
        ctx.save_for_backward(idx)
        ctx.nsp = nsp
        ctx.plane = tuple(x._t.sizes)[-nsp:]
        return out, idx

    @staticmethod
    def backward(ctx, g, _gidx=None):
        (idx,) = ctx.saved_tensors
        return PoolScatter.apply(g, idx, ctx.nsp, ctx.plane, f"adaptive_max_pool{ctx.nsp}d_backward"), None, None


_ADAPTIVE_MAX = {n: _named(_AdaptiveMaxBase, f"AdaptiveMaxPool{n}D") for n in (1, 2)}


@register("adaptive_max_pool_nd")
def adaptive_max_pool_nd(input, nsp, output_size):
    return _ADAPTIVE_MAX[nsp].apply(input, nsp, output_size)


class MaxUnpool(Function):
    @staticmethod
    def forward(ctx, x, idx, nsp, plane):
        ctx.save_for_backward(idx)
        ctx.nsp = nsp
        return _wrap(_C.pool_scatter(x._t, idx._t, nsp, list(plane), False, f"max_unpool{nsp}d"))

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return PoolGather.apply(g, idx, ctx.nsp), None, None, None


_MAX_UNPOOL = {n: _named(MaxUnpool, f"MaxUnpool{n}D") for n in (1, 2)}


@register("max_unpool_nd")
def max_unpool_nd(input, indices, nsp, plane):
    return _MAX_UNPOOL[nsp].apply(input, indices, nsp, plane)


# ---- average pooling --------------------------------------------------------------------------
class _AvgPoolBase(Function):
    @staticmethod
    def forward(ctx, x, nsp, kernel, stride, padding, ceil_mode, cip, divisor):
        ctx.args = (nsp, kernel, stride, padding, ceil_mode, cip, divisor)
        ctx.in_shape = list(x._t.sizes)
        return _wrap(_C.avg_pool_forward(x._t, nsp, kernel, stride, padding, ceil_mode, cip, divisor))

    @staticmethod
    def backward(ctx, g):
        nsp = ctx.args[0]
        return (_AVG_POOL_BWD[nsp].apply(g, ctx.in_shape, *ctx.args),) + (None,) * 7


class _AvgPoolBackwardBase(Function):
    """grad_input of avg pooling: linear in the gradient; its adjoint is avg pooling itself."""

    @staticmethod
    def forward(ctx, g, in_shape, nsp, kernel, stride, padding, ceil_mode, cip, divisor):
        ctx.args = (nsp, kernel, stride, padding, ceil_mode, cip, divisor)
        return _wrap(_C.avg_pool_backward(g._t, in_shape, nsp, kernel, stride, padding, ceil_mode, cip, divisor))

    @staticmethod
    def backward(ctx, gg):
        nsp = ctx.args[0]
        return (_AVG_POOL[nsp].apply(gg, *ctx.args),) + (None,) * 8


_AVG_POOL = {n: _named(_AvgPoolBase, f"AvgPool{n}D") for n in (1, 2, 3)}
_AVG_POOL_BWD = {n: _named(_AvgPoolBackwardBase, f"AvgPool{n}DBackward") for n in (1, 2, 3)}


@register("avg_pool_nd")
def avg_pool_nd(input, nsp, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    return _AVG_POOL[nsp].apply(input, nsp, kernel, stride, padding, ceil_mode, count_include_pad, divisor)


class _AdaptiveAvgBase(Function):
    @staticmethod
    def forward(ctx, x, nsp, output_size):
        ctx.nsp = nsp
        ctx.in_shape = list(x._t.sizes)
        return _wrap(_C.adaptive_avg_pool_forward(x._t, nsp, output_size))

    @staticmethod
    def backward(ctx, g):
        return _ADAPTIVE_AVG_BWD[ctx.nsp].apply(g, ctx.in_shape, ctx.nsp), None, None


class _AdaptiveAvgBackwardBase(Function):
    @staticmethod
    def forward(ctx, g, in_shape, nsp):
        ctx.nsp = nsp
        ctx.out_size = list(g._t.sizes)[-nsp:]
        return _wrap(_C.adaptive_avg_pool_backward(g._t, in_shape, nsp))

    @staticmethod
    def backward(ctx, gg):
        return _ADAPTIVE_AVG[ctx.nsp].apply(gg, ctx.nsp, ctx.out_size), None, None


_ADAPTIVE_AVG = {n: _named(_AdaptiveAvgBase, f"AdaptiveAvgPool{n}D") for n in (1, 2, 3)}
_ADAPTIVE_AVG_BWD = {n: _named(_AdaptiveAvgBackwardBase, f"AdaptiveAvgPool{n}DBackward") for n in (1, 2, 3)}


@register("adaptive_avg_pool_nd")
def adaptive_avg_pool_nd(input, nsp, output_size):
    return _ADAPTIVE_AVG[nsp].apply(input, nsp, output_size)


# ---- interpolate ------------------------------------------------------------------------------
_MODES = {"nearest": 0, "nearest-exact": 1, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 3}
_MODE_NAMES = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
               "trilinear": "Trilinear", "bicubic": "Bicubic"}


class _UpsampleBase(Function):
    @staticmethod
    def forward(ctx, x, nsp, size, mode, align_corners, scales):
        ctx.args = (nsp, list(size), mode, align_corners, list(scales))
        ctx.in_shape = list(x._t.sizes)
        return _wrap(_C.upsample_forward(x._t, nsp, list(size), _MODES[mode], align_corners, list(scales)))

    @staticmethod
    def backward(ctx, g):
        nsp, size, mode, ac, scales = ctx.args
        return _upsample_cls(mode, nsp, True).apply(g, ctx.in_shape, nsp, size, mode, ac, scales), None, None, None, \
            None, None


class _UpsampleBackwardBase(Function):
    @staticmethod
    def forward(ctx, g, in_shape, nsp, size, mode, align_corners, scales):
        ctx.args = (nsp, size, mode, align_corners, scales)
        return _wrap(_C.upsample_backward(g._t, list(in_shape), _MODES[mode], align_corners, list(scales)))

    @staticmethod
    def backward(ctx, gg):
        nsp, size, mode, ac, scales = ctx.args
        return (_upsample_cls(mode, nsp, False).apply(gg, nsp, size, mode, ac, scales),) + (None,) * 6


_UPSAMPLE = {}


def _upsample_cls(mode, nsp, backward):
    key = (mode, nsp, backward)
    cls = _UPSAMPLE.get(key)
    if cls is None:
        name = f"Upsample{_MODE_NAMES[mode]}{nsp}D" + ("Backward" if backward else "")
        cls = _UPSAMPLE[key] = _named(_UpsampleBackwardBase if backward else _UpsampleBase, name)
    return cls


@register("upsample_nd")
def upsample_nd(input, nsp, size, mode, align_corners, scales):
    return _upsample_cls(mode, nsp, False).apply(input, nsp, size, mode, align_corners, scales)


# ---- fold / unfold ----------------------------------------------------------------------------
class Im2Col(Function):
    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        ctx.args = (kernel, dilation, padding, stride)
        ctx.out_size = list(x._t.sizes)[-2:]
        return _wrap(_C.im2col(x._t, kernel, dilation, padding, stride))

    @staticmethod
    def backward(ctx, g):
        return Col2Im.apply(g, ctx.out_size, *ctx.args), None, None, None, None


class Col2Im(Function):
    @staticmethod
    def forward(ctx, x, output_size, kernel, dilation, padding, stride):
        ctx.args = (kernel, dilation, padding, stride)
        return _wrap(_C.col2im(x._t, output_size, kernel, dilation, padding, stride))

    @staticmethod
    def backward(ctx, g):
        return Im2Col.apply(g, *ctx.args), None, None, None, None, None


@register("im2col")
def im2col(input, kernel, dilation, padding, stride):
    return Im2Col.apply(input, kernel, dilation, padding, stride)


@register("col2im")
def col2im(input, output_size, kernel, dilation, padding, stride):
    return Col2Im.apply(input, output_size, kernel, dilation, padding, stride)


# ---- shuffles ---------------------------------------------------------------------------------
class PixelShuffle(Function):
    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _wrap(_C.pixel_shuffle(x._t, r))

    @staticmethod
    def backward(ctx, g):
        return PixelUnshuffle.apply(g, ctx.r), None


class PixelUnshuffle(Function):
    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _wrap(_C.pixel_unshuffle(x._t, r))

    @staticmethod
    def backward(ctx, g):
        return PixelShuffle.apply(g, ctx.r), None


class ChannelShuffle(Function):
    @staticmethod
    def forward(ctx, x, groups):
        ctx.inv = int(x._t.sizes[1]) // groups if groups > 0 and x._t.sizes[1] % groups == 0 else groups
        return _wrap(_C.channel_shuffle(x._t, groups))

    @staticmethod
    def backward(ctx, g):
        return ChannelShuffle.apply(g, ctx.inv), None


def _int(v, op, name):
    import builtins
    import numbers
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"[{op}] argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


@register("pixel_shuffle")
def pixel_shuffle(input, upscale_factor):
    return PixelShuffle.apply(input, _int(upscale_factor, "pixel_shuffle", "upscale_factor"))


@register("pixel_unshuffle")
def pixel_unshuffle(input, downscale_factor):
    return PixelUnshuffle.apply(input, _int(downscale_factor, "pixel_unshuffle", "downscale_factor"))


@register("channel_shuffle")
def channel_shuffle(input, groups):
    return ChannelShuffle.apply(input, _int(groups, "channel_shuffle", "groups"))
