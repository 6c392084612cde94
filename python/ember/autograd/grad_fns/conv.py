"""Grad implementations: conv (see ``grad_fns/__init__``).

One node per convolution, ``Convolution`` (shown as ``ConvolutionBackward0`` like PyTorch's),
for conv and conv_transpose alike. With y = conv(x, w) (pads lo/hi, stride s, dilation d):
    dx = conv_transpose(gy, w)   (C++ conv_backward_input, output size = x's)
    dw = conv_backward_weight(gy, x)
    db = gy summed over every dim but 1
and conv_transpose is conv's input-adjoint, so its gradients are the same three maps with the
roles swapped: dx = conv(gy, w), dw = conv_backward_weight(x, gy).
Without ``create_graph`` the backward calls the C++ kernels directly; with it, the same formulas
run through the differentiable ops ``_convolution`` / ``_conv_weight_grad`` so they are recorded
again. All three maps are linear in each argument, so every higher derivative is again a conv
(``ConvolutionBackward`` is the node of the weight-gradient op).
"""
from ... import _C
from ..._tensor import _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import _state


_F_mod = []


def _F():
    """ember.nn._functional.conv (imported on first use: it imports this package's users)."""
    if not _F_mod:
        from ...nn._functional import conv as F
        _F_mod.append(F)
    return _F_mod[0]


def _pad_hi_for(in_shape, out_shape, w_shape, stride, pad_lo, dilation):
    """High-side padding that makes conv(in, w) produce exactly ``out_shape`` (may be negative:
    it then crops input elements no output reads)."""
    return [(out_shape[2 + i] - 1) * stride[i] + dilation[i] * (w_shape[2 + i] - 1) + 1 - in_shape[2 + i] - pad_lo[i]
            for i in range(len(stride))]


def _bias_dims(ndim):
    return [0] + list(range(2, ndim))


class Convolution(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride, pad_lo, pad_hi, dilation, groups, transposed, output_shape, op):
        nx, nw = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if nw else None, w if nx else None)
        y = _F()._convolution(x, w, b, stride, pad_lo, pad_hi, dilation, groups, transposed, output_shape, op)
        ctx.geom = (stride, pad_lo, dilation, groups, transposed, op)
        ctx.shapes = (tuple(x._t.sizes), tuple(w._t.sizes), tuple(y._t.sizes))
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        stride, lo, dil, groups, transposed, op = ctx.geom
        x_shape, w_shape, y_shape = ctx.shapes
        graph = _state.enabled
        dx = dw = db = None
        if graph:
            F = _F()
            if not transposed:
                if nx:
                    dx = F._convolution(gy, w, None, stride, lo, None, dil, groups, True, x_shape, op)
                if nw:
                    dw = F._conv_weight_grad(gy, x, w_shape, stride, lo, dil, groups, op)
            else:  # y = conv_backward_input(x, w): the conv it adjoins maps y-shaped inputs to x-shaped outputs
                if nx:
                    hi = _pad_hi_for(y_shape, x_shape, w_shape, stride, lo, dil)
                    dx = F._convolution(gy, w, None, stride, lo, hi, dil, groups, False, None, op)
                if nw:
                    dw = F._conv_weight_grad(x, gy, w_shape, stride, lo, dil, groups, op)
            if nb:
                db = gy.sum(_bias_dims(len(y_shape)))
            return dx, dw, db, None, None, None, None, None, None, None, None
        # the C++ kernels directly; grad_output is made contiguous once here, not by each of them (the
        # .sum().backward() gradient is an expanded scalar: three copies of it cost more than a kernel)
        g = _C.contiguous(gy._t)
        C = _C
        if not transposed:
            if nx and nw:  # one C++ call: a fused kernel makes all three in one pass where it can
                dx, dw, db = C.conv_backward(g, x._t, w._t, stride, lo, dil, groups, True, True, bool(nb), op)
                return _wrap(dx), _wrap(dw), (_wrap(db) if nb else None), None, None, None, None, None, None, None, None
            if nx:
                dx = _wrap(C.conv_backward_input(g, w._t, list(x_shape), stride, lo, dil, groups, op))
            if nw:
                dw = _wrap(C.conv_backward_weight(g, x._t, list(w_shape), stride, lo, dil, groups, op))
        else:
            if nx:
                hi = _pad_hi_for(y_shape, x_shape, w_shape, stride, lo, dil)
                dx = _wrap(C.conv_forward(g, w._t, None, stride, lo, hi, dil, groups, op))
            if nw:
                dw = _wrap(C.conv_backward_weight(x._t, g, list(w_shape), stride, lo, dil, groups, op))
        if nb:
            db = _wrap(C.conv_backward_bias(g, op))
        return dx, dw, db, None, None, None, None, None, None, None, None


@register("convolution")
def convolution(input, weight, bias, stride, pad_lo, pad_hi, dilation, groups, transposed, output_shape, op):
    return Convolution.apply(input, weight, bias, stride, pad_lo, pad_hi, dilation, groups, transposed,
                             output_shape, op)


class ConvolutionBackward(Function):
    """dw = conv_backward_weight(gy, x): bilinear, so with g = d/d(dw):
    d gy = conv(x, g) (output sized like gy), d x = conv_transpose(gy, g) (output sized like x)."""

    @staticmethod
    def forward(ctx, gy, x, w_shape, stride, lo, dil, groups, op):
        ngy, nx = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if ngy else None, gy if nx else None)
        ctx.geom = (tuple(w_shape), stride, lo, dil, groups, op)
        ctx.shapes = (tuple(gy._t.sizes), tuple(x._t.sizes))
        return _F()._conv_weight_grad(gy, x, w_shape, stride, lo, dil, groups, op)

    @staticmethod
    def backward(ctx, g):
        x, gy = ctx.saved_tensors
        ngy, nx = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        w_shape, stride, lo, dil, groups, op = ctx.geom
        gy_shape, x_shape = ctx.shapes
        conv = _F()._convolution
        dgy = dx = None
        if ngy:
            hi = _pad_hi_for(x_shape, gy_shape, w_shape, stride, lo, dil)
            dgy = conv(x, g, None, stride, lo, hi, dil, groups, False, None, op)
        if nx:
            dx = conv(gy, g, None, stride, lo, None, dil, groups, True, x_shape, op)
        return dgy, dx, None, None, None, None, None, None


@register("convolution_backward_weight")
def convolution_backward_weight(grad_output, input, weight_shape, stride, pad_lo, dilation, groups, op):
    return ConvolutionBackward.apply(grad_output, input, weight_shape, stride, pad_lo, dilation, groups, op)
