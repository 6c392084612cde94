"""Grad implementation of the fused scaled dot-product attention (C++ ``attention_forward`` /
``attention_backward``).

One node per call, named as PyTorch's CPU node (``ScaledDotProductFlashAttentionForCpuBackward0``).
It saves q, k, v, the output and the per-row log-sum-exp, and (not causal, within a memory budget)
the attention weights P; backward calls the fused C++ backward, which reads P or recomputes the
scores blockwise. Under ``create_graph=True`` backward instead writes the same
gradient with differentiable ember ops on the materialized attention weights, so double backward
works. A float ``attn_mask`` that requires grad never reaches this node (the reference path
handles it, see ``nn.functional.scaled_dot_product_attention``).
"""
import os

from ... import _C
from ..._tensor import _wrap
from ..function import Function
from ..grad_mode import _state

__all__ = ["ScaledDotProductFlashAttentionForCpu", "fused_forward", "fused_backward"]


def _as4d(t, lead):
    """View (N, H, R, C) of a tensor whose leading dims are ``lead`` (0 to any number of dims)."""
    if len(lead) == 2:
        return t
    if len(lead) == 0:
        return t.unsqueeze(0).unsqueeze(0)
    if len(lead) == 1:
        return t.unsqueeze(0)
    return t.reshape(-1, *t.shape[-3:])


def _mask4d(mask, q, S):
    if mask is None:
        return None
    full = tuple(q.shape[:-1]) + (S,)
    if tuple(mask.shape) != full:
        mask = mask.expand(*full)
    return _as4d(mask, full[:-2])._t


# Largest attention-weight matrix P (bytes, per call) the forward saves for the backward, which then
# skips recomputing the scores; beyond it (or with EMBER_ATTN_SAVE_P_MB=0) the backward recomputes them.
# 4 bytes per score: 16 MiB at B x H x T = 8 x 8 x 256, 128 MiB at 4 x 8 x 1024.
_SAVE_PROBS_MAX_BYTES = int(float(os.environ.get("EMBER_ATTN_SAVE_P_MB", "256")) * (1 << 20))


def fused_forward(q, k, v, mask, is_causal, scale, save_probs=False):
    """(out, lse, probs): out has q's leading dims and v's last dim; lse is the raw (N, H, L) tensor;
    probs is the raw saved P when ``save_probs`` and the kernel saved it (see _SAVE_PROBS_MAX_BYTES), else None."""
    budget = _SAVE_PROBS_MAX_BYTES if save_probs else 0
    if q.dim() == 4 and mask is None:  # the common (N, H, L, E) call: no views, no reshapes
        res = _C.attention_forward(q._t, k._t, v._t, None, bool(is_causal), float(scale), budget)
        return _wrap(res[0]), res[1], (res[2] if len(res) > 2 else None)
    lead = tuple(q.shape[:-2])
    res = _C.attention_forward(_as4d(q, lead)._t, _as4d(k, tuple(k.shape[:-2]))._t,
                               _as4d(v, tuple(v.shape[:-2]))._t, _mask4d(mask, q, k.shape[-2]),
                               bool(is_causal), float(scale), budget)
    return (_wrap(res[0]).reshape(*q.shape[:-1], v.shape[-1]), res[1], (res[2] if len(res) > 2 else None))


def fused_backward(g, q, k, v, out, lse, mask, is_causal, scale, probs=None):
    """(dq, dk, dv) in the shapes of q, k, v; ``probs``: fused_forward's saved P (raw) or None."""
    if q.dim() == 4 and mask is None:  # outputs already have the shapes of q, k, v
        dq, dk, dv = _C.attention_backward(g._t, q._t, k._t, v._t, out._t, lse, None, bool(is_causal),
                                           float(scale), probs)
        return _wrap(dq), _wrap(dk), _wrap(dv)
    lead = tuple(q.shape[:-2])
    dq, dk, dv = _C.attention_backward(_as4d(g, lead)._t, _as4d(q, lead)._t, _as4d(k, tuple(k.shape[:-2]))._t,
                                       _as4d(v, tuple(v.shape[:-2]))._t, _as4d(out, lead)._t, lse,
                                       _mask4d(mask, q, k.shape[-2]), bool(is_causal), float(scale), probs)
    return (_wrap(dq).reshape(q.shape), _wrap(dk).reshape(k.shape), _wrap(dv).reshape(v.shape))


def _differentiable_grads(g, q, k, v, mask, is_causal, scale, needs):
    """The fused backward's formula with differentiable ops (for create_graph=True):
    P = attention weights, dV = P^T g, dS = P * (g v^T - rowsum(P * g v^T)), dQ = scale dS k,
    dK = scale dS^T q; GQA gradients are summed over each group of query heads."""
    from ...nn._functional.attention import _attention_weights
    hq, hk = (q.shape[-3], k.shape[-3]) if q.dim() >= 3 else (1, 1)
    rep = hq // hk
    kx, vx = k, v
    if rep > 1:
        kx = k.repeat_interleave(rep, dim=-3)
        vx = v.repeat_interleave(rep, dim=-3)
    p = _attention_weights(q, kx, mask, is_causal, scale)
    dp = g.matmul(vx.transpose(-2, -1))
    ds = p * (dp - (p * dp).sum(dim=-1, keepdim=True))
    dq = ds.matmul(kx) * scale if needs[0] else None
    dk = ds.transpose(-2, -1).matmul(q) * scale if needs[1] else None
    dv = p.transpose(-2, -1).matmul(g) if needs[2] else None

    def group_sum(t, like):
        if t is None or rep == 1:
            return t
        shp = tuple(like.shape)
        return t.reshape(*shp[:-3], hk, rep, *shp[-2:]).sum(dim=-3)
    return dq, group_sum(dk, k), group_sum(dv, v)


class ScaledDotProductFlashAttentionForCpu(Function):
    """softmax(q k^T * scale + mask) v by the fused kernel; saves out and lse, and the attention
    weights P when they fit _SAVE_PROBS_MAX_BYTES (not causal, CPU)."""

    @staticmethod
    def forward(ctx, query, key, value, attn_mask, is_causal, scale):
        out, lse, probs = fused_forward(query, key, value, attn_mask, is_causal, scale, save_probs=True)
        # P goes with the saved tensors, so the graph frees it after backward (unless retain_graph)
        ctx.save_for_backward(query, key, value, attn_mask, out, None if probs is None else _wrap(probs))
        ctx.lse = lse
        ctx.is_causal = is_causal
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx, g):
        q, k, v, mask, out, probs = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if _state.enabled:  # create_graph: a differentiable formula, recorded again
            dq, dk, dv = _differentiable_grads(g, q, k, v, mask, ctx.is_causal, ctx.scale, needs)
        else:
            dq, dk, dv = fused_backward(g, q, k, v, out, ctx.lse, mask, ctx.is_causal, ctx.scale,
                                        None if probs is None else probs._t)
            for t in (dq, dk, dv):  # fresh buffers only autograd holds: UnbindBackward may return
                if t is not None:   # the one they slice (qkv split) as a view instead of a stack
                    t._fresh_grad = True
        return (dq if needs[0] else None, dk if needs[1] else None, dv if needs[2] else None, None, None, None)
