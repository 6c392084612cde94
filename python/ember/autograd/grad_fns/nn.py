"""Grad implementations: nn ops -- linear, bilinear, embedding (see ``grad_fns/__init__``).

``Linear`` is one node whose forward is one fused GEMM and whose backward is GEMMs: with x and g
viewed 2-D over the batch, dx = g @ W, dW = g^T @ x, db = g.sum(0). Without ``create_graph`` the
backward calls the kernels directly (no graph to record, the hot path of every MLP; dW and db come
from one pass over g, ``_C.linear_weight_grad``); with it,
the same formulas run through public ops so they are recorded again (double backward).
"""
from ... import _C
from ..._tensor import Tensor, _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import _state
from ._util import sum_to

_c_mm, _c_reshape, _c_sum = _C.mm, _C.reshape, _C.sum
_c_linear_weight_grad = _C.linear_weight_grad


_F_mod = []


def _F():
    """ember.nn._functional.linear (imported on first use: it imports this package's users)."""
    if not _F_mod:
        from ...nn._functional import linear as F
        _F_mod.append(F)
    return _F_mod[0]


# ---- linear -------------------------------------------------------------------------------------
class Linear(Function):
    @staticmethod
    def forward(ctx, x, w, b):
        nx, nw, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if nw else None, w if nx else None)  # dW needs x, dx needs W
        ctx.shapes = (x._t.sizes, w._t.sizes)
        ctx.bias_shape = None if b is None else b._t.sizes
        return _F()._linear_raw(x, w, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        if _state.enabled:
            return _linear_backward_graph(ctx, g, x, w, nx, nw, nb)
        gt = g._t
        x_shape, (out_f, in_f) = ctx.shapes
        g2 = gt if gt.ndim == 2 else _c_reshape(gt, [-1, out_f])
        dx = dw = db = None
        if nx:
            d = _c_mm(g2, w._t, None)
            dx = _wrap(d if len(x_shape) == 2 else _c_reshape(d, x_shape))
        if nw:  # dW = g^T x, and db = g.sum(0) from the same pass over g (summed while the GEMM packs it)
            xt = x._t
            x2 = xt if xt.ndim == 2 else _c_reshape(xt, [-1, in_f])
            dwt, dbt = _c_linear_weight_grad(g2, x2, nb)
            dw = _wrap(dwt)
        elif nb:
            dbt = _c_sum(g2, [0], False, None)
        if nb:
            db = _wrap(dbt)
            if dbt.sizes != ctx.bias_shape:
                db = sum_to(db, ctx.bias_shape)
        return dx, dw, db


def _linear_backward_graph(ctx, g, x, w, nx, nw, nb):
    """The same formulas with public ops, recorded under create_graph=True."""
    x_shape, (out_f, in_f) = ctx.shapes
    g2 = g if g.dim() == 2 else g.reshape(-1, out_f)
    dx = dw = db = None
    if nx:
        dx = g2.mm(w)
        if len(x_shape) != 2:
            dx = dx.reshape(tuple(x_shape))
    if nw:
        x2 = x if x.dim() == 2 else x.reshape(-1, in_f)
        dw = g2.t().mm(x2)
    if nb:
        db = sum_to(g2.sum(0), ctx.bias_shape)
    return dx, dw, db


@register("linear")
def linear(input, weight, bias=None):
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))):
        F = _F()
        F._check_tensor(input, "linear", "input")
        F._check_tensor(weight, "linear", "weight")
        F._check_tensor(bias, "linear", "bias")
    return Linear.apply(input, weight, bias)


# ---- bilinear -------------------------------------------------------------------------------------
class Bilinear(Function):
    @staticmethod
    def forward(ctx, x1, x2, w, b):
        ctx.save_for_backward(x1, x2, w)
        ctx.has_bias = b is not None
        return _F()._bilinear_raw(x1, x2, w, b)

    @staticmethod
    def backward(ctx, g):
        x1, x2, w = ctx.saved_tensors
        n1, n2, nw, nb = ctx.needs_input_grad
        out_f, in1, in2 = w.shape
        a = x1.reshape(-1, in1)
        b = x2.reshape(-1, in2)
        g2 = g.reshape(-1, out_f)
        n = a.shape[0]
        d1 = d2 = dw = db = None
        if n1:  # dx1[n, i] = sum_oj g[n, o] x2[n, j] W[o, i, j]
            gx2 = (g2.unsqueeze(2) * b.unsqueeze(1)).reshape(n, out_f * in2)
            d1 = gx2.mm(w.permute(0, 2, 1).reshape(out_f * in2, in1)).reshape(x1.shape)
        if n2 or nw:  # h[n, o, i] = g[n, o] x1[n, i]
            h = (g2.unsqueeze(2) * a.unsqueeze(1)).reshape(n, out_f * in1)
            if n2:
                d2 = h.mm(w.reshape(out_f * in1, in2)).reshape(x2.shape)
            if nw:
                dw = h.t().mm(b).reshape(out_f, in1, in2)
        if nb:
            db = g2.sum(0)
        return d1, d2, dw, db


@register("bilinear")
def bilinear(input1, input2, weight, bias=None):
    _F()._bilinear_check(input1, input2, weight, bias)
    return Bilinear.apply(input1, input2, weight, bias)


# ---- embedding ------------------------------------------------------------------------------------
def _row_scale(flat, num, padding_idx, scale_grad_by_freq, dtype):
    """Per-index factor applied to gradient rows: 0 at padding_idx, 1/count with scale_grad_by_freq
    (None when every factor is 1)."""
    s = None
    if scale_grad_by_freq:
        from ..._ops.sort import bincount
        counts = bincount(flat, minlength=num)
        s = (1.0 / counts.to(dtype)).index_select(0, flat)
    if padding_idx is not None:
        keep = (flat != padding_idx).to(dtype)
        s = keep if s is None else s * keep
    return None if s is None else s.unsqueeze(1)


class Embedding(Function):
    """out = weight[indices]; the gradient scatters (index_add) rows back, summing duplicates."""

    @staticmethod
    def forward(ctx, weight, flat, scale):
        ctx.save_for_backward(flat, scale)
        ctx.num = weight._t.sizes[0]
        return _wrap(_C.index_select(weight._t, 0, flat._t))

    @staticmethod
    def backward(ctx, g):
        flat, scale = ctx.saved_tensors
        return EmbeddingDenseBackward.apply(g, flat, scale, ctx.num), None, None


class EmbeddingDenseBackward(Function):
    """grad_weight = zeros(num, dim).index_add_(0, indices, g * scale); linear in g, so its
    backward is the gather again (double backward)."""

    @staticmethod
    def forward(ctx, g, flat, scale, num):
        ctx.save_for_backward(flat, scale)
        from ..._ops.creation import zeros
        src = g if scale is None else g * scale
        out = zeros((num, g._t.sizes[1]), dtype=g.dtype, device=g.device)
        _C.index_add_(out._t, 0, flat._t, src.contiguous()._t, 1)
        return out

    @staticmethod
    def backward(ctx, gg):
        flat, scale = ctx.saved_tensors
        r = Embedding.apply(gg, flat, None)
        return (r if scale is None else r * scale), None, None, None


@register("embedding")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    F = _F()
    F._embedding_check(input, weight, "embedding")
    if sparse:
        raise NotImplementedError("[embedding] sparse gradients (sparse=True) are not supported by ember")
    num = weight.shape[0]
    padding_idx = F._norm_padding_idx(padding_idx, num, "embedding")
    if max_norm is not None:
        F._embedding_renorm_(weight, input, max_norm, norm_type)
    flat = input.reshape(-1)
    # On the GPU the row gather checks the indices on the device (one sync instead of a min and a max).
    if flat.numel() and not flat.is_cuda and (int(flat.min()) < 0 or int(flat.max()) >= num):
        raise IndexError(f"[embedding] index out of range in self (num_embeddings={num})")
    scale = _row_scale(flat, num, padding_idx, scale_grad_by_freq, weight.dtype)
    try:
        out = Embedding.apply(weight, flat, scale)
    except IndexError:
        raise IndexError(f"[embedding] index out of range in self (num_embeddings={num})") from None
    return out.reshape(tuple(input.shape) + (weight.shape[1],))
