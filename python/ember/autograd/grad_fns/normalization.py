"""Grad implementations: batch_norm, layer_norm, rms_norm, group_norm (instance_norm reuses
group_norm / batch_norm). Each op is one node whose backward calls the C++ backward kernel
(dx, dweight, dbias together). layer_norm's backward is recomputed from differentiable ember ops
under ``create_graph=True`` (double backward); the others raise if differentiated twice.
"""
from ... import _C
from ..._tensor import _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import _state
from .softmax import once_differentiable


def _t(x):
    return None if x is None else x._t


def _w(x):
    return None if x is None else _wrap(x)


class _Rsqrt(Function):
    """(v)^-1/2, differentiable (used by layer_norm's double backward)."""

    @staticmethod
    def forward(ctx, v):
        import ember
        out = ember.rsqrt(v)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        r, = ctx.saved_tensors
        return g * (r * r * r) * -0.5


class NativeBatchNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        y, mean, invstd = _C.batch_norm_forward(x._t, _t(weight), _t(bias), _t(running_mean), _t(running_var),
                                                training, momentum, eps)
        ctx.training = training
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(invstd))
        return _wrap(y)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        dx, dw, db = _C.batch_norm_backward(g._t, x._t, _t(weight), mean._t, invstd._t, ctx.training,
                                            [bool(n[0]), bool(n[1]), bool(n[2])])
        dx, dw, db = once_differentiable("batch_norm", (_w(dx), _w(dw), _w(db)), g, x, weight)
        return dx, dw, db, None, None, None, None, None


@register("batch_norm")
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    return NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, training, momentum, eps)


class NativeLayerNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, norm_ndim, eps):
        y, mean, rstd = _C.layer_norm_forward(x._t, norm_ndim, _t(weight), _t(bias), eps, False)
        ctx.norm_ndim, ctx.eps = norm_ndim, eps
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(rstd))
        return _wrap(y)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        if _state.enabled:
            return _layer_norm_backward_composite(ctx, g, x, weight)
        dx, dw, db = _C.layer_norm_backward(g._t, x._t, mean._t, rstd._t, _t(weight), ctx.norm_ndim, False,
                                            [bool(n[0]), bool(n[1]), bool(n[2])])
        return _w(dx), _w(dw), _w(db), None, None


def _layer_norm_backward_composite(ctx, g, x, weight):
    """The layer-norm gradient written with differentiable ember ops (for create_graph=True)."""
    k = ctx.norm_ndim
    dims = list(range(x.dim() - k, x.dim()))
    lead = list(range(x.dim() - k))
    mu = x.mean(dims, keepdim=True)
    xc = x - mu
    rstd = _Rsqrt.apply((xc * xc).mean(dims, keepdim=True) + ctx.eps)
    xhat = xc * rstd
    n = ctx.needs_input_grad
    gy = g * weight if weight is not None else g
    dx = rstd * (gy - gy.mean(dims, keepdim=True) - xhat * (gy * xhat).mean(dims, keepdim=True)) if n[0] else None
    dw = ((g * xhat).sum(lead) if lead else g * xhat) if n[1] else None
    db = (g.sum(lead) if lead else g) if n[2] else None
    return dx, dw, db, None, None


@register("layer_norm")
def layer_norm(input, weight, bias, norm_ndim, eps):
    return NativeLayerNorm.apply(input, weight, bias, norm_ndim, eps)


class RmsNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, norm_ndim, eps):
        y, _, rstd = _C.layer_norm_forward(x._t, norm_ndim, _t(weight), None, eps, True)
        ctx.norm_ndim = norm_ndim
        ctx.save_for_backward(x, weight, _wrap(rstd))
        return _wrap(y)

    @staticmethod
    def backward(ctx, g):
        x, weight, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        dx, dw, _ = _C.layer_norm_backward(g._t, x._t, None, rstd._t, _t(weight), ctx.norm_ndim, True,
                                           [bool(n[0]), bool(n[1]), False])
        dx, dw = once_differentiable("rms_norm", (_w(dx), _w(dw)), g, x, weight)
        return dx, dw, None, None


@register("rms_norm")
def rms_norm(input, weight, norm_ndim, eps):
    return RmsNorm.apply(input, weight, norm_ndim, eps)


class NativeGroupNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, num_groups, eps):
        y, mean, rstd = _C.group_norm_forward(x._t, num_groups, _t(weight), _t(bias), eps)
        ctx.groups = num_groups
        ctx.save_for_backward(x, weight, _wrap(mean), _wrap(rstd))
        return _wrap(y)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        dx, dw, db = _C.group_norm_backward(g._t, x._t, mean._t, rstd._t, _t(weight), ctx.groups,
                                            [bool(n[0]), bool(n[1]), bool(n[2])])
        dx, dw, db = once_differentiable("group_norm", (_w(dx), _w(dw), _w(db)), g, x, weight)
        return dx, dw, db, None, None


@register("group_norm")
def group_norm(input, weight, bias, num_groups, eps):
    return NativeGroupNorm.apply(input, weight, bias, num_groups, eps)
