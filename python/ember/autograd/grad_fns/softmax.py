"""Grad implementations: softmax, log_softmax and the fused losses (cross_entropy, nll_loss,
binary_cross_entropy, binary_cross_entropy_with_logits).

Each op is one node whose backward calls its C++ backward kernel. Under ``create_graph=True``
softmax, log_softmax, cross_entropy and nll_loss compute the same gradient as a composition of
differentiable ember ops instead (double backward); the binary losses' backward is not
differentiable and says so when a second derivative is requested.
"""
from ... import _C
from ..._tensor import Tensor, _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import _state

_MEAN, _SUM, _NONE = 1, 2, 0


def _t(x):
    return None if x is None else x._t


class _Exp(Function):
    """exp(y), differentiable (used by log_softmax's double backward)."""

    @staticmethod
    def forward(ctx, y):
        import ember
        out = ember.exp(y)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class _NotTwiceDifferentiable(Function):
    """Identity on a first-order gradient whose own backward is not implemented."""

    @staticmethod
    def forward(ctx, name, g, *inputs):
        ctx.name = name
        return _wrap(g._t)

    @staticmethod
    def backward(ctx, gg):
        raise NotImplementedError(f"[{ctx.name}] double backward (create_graph=True) is not implemented for "
                                  f"{ctx.name}")


def once_differentiable(name, grads, *inputs):
    """Under create_graph, make the returned gradients raise if differentiated again."""
    if not _state.enabled:
        return grads
    return tuple(None if g is None else _NotTwiceDifferentiable.apply(name, g, *inputs) for g in grads)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim, dtype, log):
        from ...nn._functional import softmax as F
        y = (F.log_softmax if log else F.softmax)(x, dim, dtype=dtype)
        ctx.dim, ctx.log = dim, log
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        dim = ctx.dim if ctx.dim is not None else (0 if y.dim() in (0, 1, 3) else 1)
        if _state.enabled:  # create_graph: differentiable composition
            if ctx.log:
                gx = g - _Exp.apply(y) * g.sum(dim, keepdim=True)
            else:
                gx = y * (g - (g * y).sum(dim, keepdim=True))
        else:
            gx = _wrap(_C.softmax_backward(g._t, y._t, dim, ctx.log))
        return gx, None, None, None


class LogSoftmax(Softmax):
    """log_softmax: same forward/backward code as Softmax (``log`` flag), its own node name."""


@register("softmax")
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return Softmax.apply(input, dim, dtype, False)


@register("log_softmax")
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return LogSoftmax.apply(input, dim, dtype, True)


# ---- cross_entropy / nll_loss ------------------------------------------------------------------

def _target_distribution(x, target, weight, ignore_index, label_smoothing):
    """(q, mask) with q_c = w_c ((1 - ls) onehot_c + ls / C) shaped like x (classes on dim 1) and
    mask (1 for samples that count) shaped like x with a size-1 class dim."""
    import ember
    from ...nn._functional.basic import one_hot
    C = x.shape[1] if x.dim() > 1 else x.shape[0]
    dt = x.dtype
    if target.is_floating_point():
        q = target * (1 - label_smoothing) + label_smoothing / C if label_smoothing else target
        mask = None
    else:
        valid = target != ignore_index
        safe = ember.where(valid, target, ember.zeros_like(target))
        oh = one_hot(safe, C).to(dt)
        if x.dim() > 1:
            oh = oh.movedim(-1, 1)
            mask = valid.to(dt).unsqueeze(1)
        else:
            mask = valid.to(dt)
        q = oh * (1 - label_smoothing) + label_smoothing / C if label_smoothing else oh
    if weight is not None:
        shape = [1] * x.dim()
        shape[1 if x.dim() > 1 else 0] = C
        q = q * weight.detach().to(dt).reshape(shape)
    return q, mask


def _grad_scale(g, reduction, total, x):
    """The upstream gradient broadcastable against x (class dim size 1)."""
    if reduction == _NONE:
        return g.reshape(list(g.shape[:1]) + [1] + list(g.shape[1:])) if x.dim() > 1 else g
    return g / total if reduction == _MEAN else g


class CrossEntropyLoss(Function):
    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        loss, lse, total = _C.cross_entropy_forward(x._t, target._t, _t(weight), reduction, ignore_index,
                                                    label_smoothing)
        ctx.args = (ignore_index, reduction, label_smoothing, total)
        ctx.save_for_backward(x, target, weight, _wrap(lse))
        return _wrap(loss)

    @staticmethod
    def backward(ctx, g):
        x, target, weight, lse = ctx.saved_tensors
        ignore_index, reduction, ls, total = ctx.args
        if ctx.needs_input_grad[2]:
            raise NotImplementedError("[cross_entropy] the derivative for 'weight' is not implemented")
        gx = gt = None
        if _state.enabled or ctx.needs_input_grad[1]:
            q, mask = _target_distribution(x, target, weight, ignore_index, ls)
            scale = _grad_scale(g, reduction, total, x)
            cdim = 1 if x.dim() > 1 else 0
            if ctx.needs_input_grad[0] and _state.enabled:
                p = Softmax.apply(x, cdim, None, False)
                gx = scale * (q.sum(cdim, keepdim=True) * p - q)
                if mask is not None:
                    gx = gx * mask
            if ctx.needs_input_grad[1]:
                logp = LogSoftmax.apply(x, cdim, None, True)
                w = 1.0 if weight is None else weight.detach().to(x.dtype).reshape(
                    [x.shape[cdim] if i == cdim else 1 for i in range(x.dim())])
                gt = -(1 - ls) * scale * w * logp
        if ctx.needs_input_grad[0] and gx is None:
            gx = _wrap(_C.cross_entropy_backward(g._t, x._t, target._t, _t(weight), lse._t, total, reduction,
                                                 ignore_index, ls))
        return gx, gt, None, None, None, None


@register("cross_entropy")
def cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    return CrossEntropyLoss.apply(input, target, weight, ignore_index, reduction, label_smoothing)


class NllLoss(Function):
    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        loss, total = _C.nll_loss_forward(x._t, target._t, _t(weight), reduction, ignore_index)
        ctx.args = (ignore_index, reduction, total)
        ctx.save_for_backward(x, target, weight)
        return _wrap(loss)

    @staticmethod
    def backward(ctx, g):
        x, target, weight = ctx.saved_tensors
        ignore_index, reduction, total = ctx.args
        if ctx.needs_input_grad[2]:
            raise NotImplementedError("[nll_loss] the derivative for 'weight' is not implemented")
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        if _state.enabled:  # linear in g: -scale * w_t * onehot
            q, mask = _target_distribution(x, target, weight, ignore_index, 0.0)
            gx = -(_grad_scale(g, reduction, total, x) * q)
            if mask is not None:
                gx = gx * mask
        else:
            gx = _wrap(_C.nll_loss_backward(g._t, x._t, target._t, _t(weight), total, reduction, ignore_index))
        return gx, None, None, None, None


@register("nll_loss")
def nll_loss(input, target, weight, ignore_index, reduction):
    return NllLoss.apply(input, target, weight, ignore_index, reduction)


# ---- binary cross-entropies --------------------------------------------------------------------

class BinaryCrossEntropy(Function):
    @staticmethod
    def forward(ctx, x, target, weight, reduction):
        ctx.reduction = reduction
        ctx.save_for_backward(x, target, weight)
        return _wrap(_C.binary_cross_entropy_forward(x._t, target._t, _t(weight), reduction))

    @staticmethod
    def backward(ctx, g):
        x, target, weight = ctx.saved_tensors
        if ctx.needs_input_grad[2]:
            raise NotImplementedError("[binary_cross_entropy] the derivative for 'weight' is not implemented")
        gx, gt = _C.binary_cross_entropy_backward(g._t, x._t, target._t, _t(weight), ctx.reduction,
                                                  bool(ctx.needs_input_grad[1]))
        gx = _wrap(gx) if ctx.needs_input_grad[0] else None
        gt = _wrap(gt) if gt is not None else None
        gx, gt = once_differentiable("binary_cross_entropy", (gx, gt), g, x, target)
        return gx, gt, None, None


@register("binary_cross_entropy")
def binary_cross_entropy(input, target, weight, reduction):
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


class BinaryCrossEntropyWithLogits(Function):
    @staticmethod
    def forward(ctx, x, target, weight, pos_weight, reduction):
        ctx.reduction = reduction
        ctx.save_for_backward(x, target, weight, pos_weight)
        return _wrap(_C.bce_with_logits_forward(x._t, target._t, _t(weight), _t(pos_weight), reduction))

    @staticmethod
    def backward(ctx, g):
        x, target, weight, pos_weight = ctx.saved_tensors
        if ctx.needs_input_grad[2] or ctx.needs_input_grad[3]:
            raise NotImplementedError("[binary_cross_entropy_with_logits] the derivative for 'weight' and "
                                      "'pos_weight' is not implemented")
        gx, gt = _C.bce_with_logits_backward(g._t, x._t, target._t, _t(weight), _t(pos_weight), ctx.reduction,
                                             bool(ctx.needs_input_grad[1]))
        gx = _wrap(gx) if ctx.needs_input_grad[0] else None
        gt = _wrap(gt) if gt is not None else None
        gx, gt = once_differentiable("binary_cross_entropy_with_logits", (gx, gt), g, x, target)
        return gx, gt, None, None, None


@register("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)
