"""Grad implementations: the per-step losses as one Function each (see ``grad_fns/__init__``).

mse, l1, smooth_l1, huber and soft_margin run every training step, so each is a single node;
huber and smooth_l1 run one fused C++ kernel each way, the others a few fused-size ops.
``d = input - target`` (broadcast); the reduction is 0 none, 1 mean, 2 sum. Gradients of broadcast
operands are summed back (``sum_to``). The other losses are compositions of differentiable ops
(``nn/_functional/loss.py``).
"""
from ... import _C, _ops
from ..._tensor import _wrap
from ..function import Function
from ..grad_mode import _state
from ._util import sum_to

_E = _ops.elementwise
NONE, MEAN, SUM = 0, 1, 2


def reduce(loss, reduction):
    if reduction == MEAN:
        return loss.mean()
    if reduction == SUM:
        return loss.sum()
    return loss


def _upstream(g, reduction, numel, scale=1.0):
    """The upstream gradient of the unreduced loss, times ``scale`` (0-d for mean/sum)."""
    if reduction == MEAN:
        scale = scale / numel if numel else float("nan")
    return g if scale == 1 else g * scale


def _split(ctx, gd):
    """(grad input, grad target) from the gradient w.r.t. d = input - target."""
    ni, nt = ctx.needs_input_grad[:2]
    si, st = ctx.shapes
    return (sum_to(gd, si) if ni else None), (sum_to(gd * -1.0, st) if nt else None)


def _make(name, loss, dloss):
    class _F(Function):
        @staticmethod
        def forward(ctx, input, target, reduction, p):
            d = _E.sub(input, target)
            ctx.save_for_backward(input, target, d)
            ctx.shapes, ctx.reduction, ctx.p = (tuple(input.shape), tuple(target.shape)), reduction, p
            return loss(d, p, reduction)

        @staticmethod
        def backward(ctx, g):
            input, target, d = ctx.saved_tensors
            if _state.enabled:  # create_graph: d must carry the inputs' history for double backward
                d = _E.sub(input, target)
            gi, gt = _split(ctx, dloss(d, g, ctx))
            return gi, gt, None, None

    _F.__name__ = _F.__qualname__ = name
    _F.raw = staticmethod(lambda input, target, reduction, p: loss(_E.sub(input, target), p, reduction))
    return _F


def _mse(d, p, reduction):
    return reduce(d * d, reduction)


def _dmse(d, g, ctx):
    return d * _upstream(g, ctx.reduction, d.numel(), 2.0)


def _l1(d, p, reduction):
    return reduce(d.abs(), reduction)


def _dl1(d, g, ctx):
    return d.sign() * _upstream(g, ctx.reduction, d.numel())


def _c(x, like):
    """A 0-d constant of ``like``'s dtype (binary min/max with it are fast vectorized kernels)."""
    return _ops.creation.tensor(x, dtype=like.dtype)


def _dsmooth_l1(d, g, ctx):
    lim = _c(ctx.p, d)
    return _E.minimum(_E.maximum(d, -lim), lim) * _upstream(g, ctx.reduction, d.numel(), 1.0 / ctx.p)


def _dhuber(d, g, ctx):
    lim = _c(ctx.p, d)
    return _E.minimum(_E.maximum(d, -lim), lim) * _upstream(g, ctx.reduction, d.numel())


def _make_fused(name, fwd, bwd, dloss):
    """A threshold loss (huber / smooth_l1) whose forward and backward are one C++ kernel each
    (``ops/loss/huber.h``): one read of input and target, no intermediate tensors. Under
    create_graph the backward is built from public ops (``dloss``) so it is recorded again."""
    class _F(Function):
        @staticmethod
        def forward(ctx, input, target, reduction, p):
            ctx.save_for_backward(input, target)
            ctx.shapes, ctx.reduction, ctx.p = (tuple(input.shape), tuple(target.shape)), reduction, p
            return _wrap(fwd(input._t, target._t, reduction, p))

        @staticmethod
        def backward(ctx, g):
            input, target = ctx.saved_tensors
            if _state.enabled:  # create_graph: d must carry the inputs' history for double backward
                gi, gt = _split(ctx, dloss(_E.sub(input, target), g, ctx))
                return gi, gt, None, None
            ni, nt = ctx.needs_input_grad[:2]
            gx, gt = bwd(g._t, input._t, target._t, ctx.reduction, ctx.p, ni, nt)
            si, st = ctx.shapes
            return (sum_to(_wrap(gx), si) if ni else None), (sum_to(_wrap(gt), st) if nt else None), None, None

    _F.__name__ = _F.__qualname__ = name
    _F.raw = staticmethod(lambda input, target, reduction, p: _wrap(fwd(input._t, target._t, reduction, p)))
    return _F


MseLoss = _make("MseLoss", _mse, _dmse)
L1Loss = _make("L1Loss", _l1, _dl1)
SmoothL1Loss = _make_fused("SmoothL1Loss", _C.smooth_l1_loss_forward, _C.smooth_l1_loss_backward, _dsmooth_l1)
HuberLoss = _make_fused("HuberLoss", _C.huber_loss_forward, _C.huber_loss_backward, _dhuber)


class SoftMarginLoss(Function):
    """log(1 + exp(-y x)), written stably as max(z, 0) + log1p(exp(-|z|)), z = -y x.
    d/dx = -y * sigmoid(z). The target gets no gradient (as PyTorch)."""

    @staticmethod
    def raw(input, target, reduction):
        z = -(input * target)
        return reduce(_E.maximum(z, _c(0.0, z)) + (-z.abs()).exp().log1p(), reduction)

    @staticmethod
    def forward(ctx, input, target, reduction):
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.shape = reduction, tuple(input.shape)
        return SoftMarginLoss.raw(input, target, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        z = -(x * y)
        gi = -y * z.sigmoid() * _upstream(g, ctx.reduction, z.numel())
        return sum_to(gi, ctx.shape), None, None
