"""nn.functional: scaled_dot_product_attention (PyTorch's semantics).

Two paths:
- fused (default): the C++ flash-style kernel, CPU or CUDA (``_C.attention_forward/backward``, one autograd node
  ``ScaledDotProductFlashAttentionForCpuBackward0``). Inference never materializes the L x S scores;
  under autograd the CPU forward saves the attention weights for the backward when they fit a
  budget and the call is not causal (``EMBER_ATTN_SAVE_P_MB``, see ``autograd/grad_fns/attention.py``).
- ``_sdpa_reference``: materializes the scores with public ember ops, so autograd (and double
  backward) come from those ops. It is the checking oracle for the fused kernel and the path for
  what the fused kernel does not cover: ``dropout_p > 0``, a float ``attn_mask`` that requires
  grad, q/k/v whose batch dims differ (broadcast), empty inputs, head dims > 128 on CUDA.
``EMBER_SDPA=reference`` (or ``_force_reference = True`` here) routes every call to the reference;
``ember.set_kernels("reference")`` keeps the fused entry points but runs their plain-loop C++
reference.

Semantics (as torch 2.x):
- q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev); leading dims broadcast.
- ``attn_mask``: bool (True = may attend) or a float tensor (any float dtype, cast to q's) added to the
  scores; broadcast to (..., L, S).
- ``is_causal``: top-left aligned lower-triangular mask; combined with ``attn_mask`` both apply
  (torch 2.13 behaviour; older releases raised).
- ``scale`` defaults to 1/sqrt(E); ``dropout_p`` drops attention weights (always, like torch).
- ``enable_gqa``: k/v with fewer heads (dim -3) are shared by groups of query heads.
- A row with every key masked gives zeros (output and gradients), never NaN.
"""
import math
import os

from ... import _C
from ..._tensor import Tensor

__all__ = ["scaled_dot_product_attention"]

_OP = "scaled_dot_product_attention"


def _check(q, k, v, attn_mask, dropout_p, is_causal, enable_gqa):
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{_OP}] expected a Tensor as {name}, got {type(t).__name__}")
        if t.dim() < 2:
            raise RuntimeError(f"[{_OP}] {name} must have at least 2 dimensions, got {t.dim()}")
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"[{_OP}] expected a floating-point {name}, got {t.dtype}")
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError(f"[{_OP}] expected query, key and value to have the same dtype, got "
                           f"{q.dtype}, {k.dtype} and {v.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise RuntimeError(f"[{_OP}] query and key must have the same head dim (last dimension), got "
                           f"{q.shape[-1]} and {k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"[{_OP}] key and value must have the same sequence length (dimension -2), got "
                           f"{k.shape[-2]} and {v.shape[-2]}")
    if not 0.0 <= float(dropout_p) <= 1.0:
        raise ValueError(f"[{_OP}] dropout_p must be in [0, 1], got {dropout_p}")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"[{_OP}] attn_mask must be a Tensor, got {type(attn_mask).__name__}")
        import ember
        if attn_mask.dtype != ember.bool and not attn_mask.dtype.is_floating_point:
            raise RuntimeError(f"[{_OP}] Expected attn_mask dtype to be bool or float or to match query dtype, "
                               f"but got attn_mask.dtype: {attn_mask.dtype} and query.dtype: {q.dtype} instead.")
        target = _scores_shape(q, k, enable_gqa)
        ms = tuple(attn_mask.shape)
        if len(ms) > len(target) or any(a != b and a != 1 for a, b in zip(ms[::-1], target[::-1])):
            raise RuntimeError(f"[{_OP}] attn_mask of shape {list(ms)} cannot be broadcast to the attention "
                               f"scores of shape {list(target)}")
    devs = {str(t.device) for t in (q, k, v)}
    if attn_mask is not None:
        devs.add(str(attn_mask.device))
    if len(devs) > 1:
        a, b = sorted(devs, key=lambda d: d == "cpu")[:2]
        raise RuntimeError(f"[{_OP}] Expected all tensors to be on the same device, but found at least two "
                           f"devices, {a} and {b}!")
    if enable_gqa:
        if q.dim() < 3 or k.dim() < 3 or v.dim() < 3:
            raise RuntimeError(f"[{_OP}] enable_gqa needs a heads dimension (-3) on query, key and value")
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hk != hv or hq % hk != 0:
            raise RuntimeError(f"[{_OP}] number of heads in key and value must divide the number of heads "
                               f"in query (got query {hq}, key {hk}, value {hv})")


def _attention_weights(query, key, attn_mask, is_causal, scale):
    """softmax(q k^T * scale + mask) with public ops (key already repeated for GQA); rows whose every
    key is masked get zero weights instead of NaN."""
    import ember
    L, S = query.shape[-2], key.shape[-2]
    scores = ember.matmul(query, key.transpose(-2, -1)) * scale
    neg_inf = float("-inf")
    if is_causal:
        keep = ember.ones(L, S, dtype=ember.bool, device=query.device).tril()
        scores = scores.masked_fill(keep.logical_not(), neg_inf)
    if attn_mask is not None:  # with is_causal too: both apply (as torch 2.13)
        if attn_mask.dtype == ember.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), neg_inf)
        else:
            scores = scores + attn_mask
    # Rows whose every score is -inf: softmax over zeros instead (finite), then zero the weights.
    dead = (scores == neg_inf).all(dim=-1, keepdim=True)
    # on the CPU skip the two masked_fills when no row is dead; on a GPU always apply them (a
    # no-op when nothing is dead) instead of reading the flag back to the host
    has_dead = query.device.type != "cpu" or bool(dead.any())
    if has_dead:
        scores = scores.masked_fill(dead, 0.0)
    attn = ember.softmax(scores, dim=-1)
    if has_dead:
        attn = attn.masked_fill(dead, 0.0)
    return attn


def _scores_shape(q, k, enable_gqa):
    """Shape of q k^T: broadcast leading dims (GQA: the query's heads), then (L, S)."""
    a, b = list(q.shape[:-2]), list(k.shape[:-2])
    if enable_gqa and a and b:
        b[-1] = a[-1]
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    lead = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"[{_OP}] query and key batch dimensions {list(q.shape[:-2])} and "
                               f"{list(k.shape[:-2])} are not broadcastable")
        lead.append(max(x, y))
    return tuple(lead) + (q.shape[-2], k.shape[-2])


def _sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                    enable_gqa=False):
    """The materialized path (public ops, so autograd and double backward come from them)."""
    import ember
    from .linear import dropout

    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, dim=-3)
        value = value.repeat_interleave(rep, dim=-3)
    attn = _attention_weights(query, key, attn_mask, is_causal, scale)
    if dropout_p > 0.0:
        attn = dropout(attn, p=dropout_p, training=True)
    return ember.matmul(attn, value)


# Private switch: True routes every call to _sdpa_reference (tests compare both paths);
# EMBER_SDPA=reference sets it at import.
_force_reference = os.environ.get("EMBER_SDPA", "").lower() == "reference"
# An extension built before the attention kernels (e.g. a prebuilt one) has no fused entry points.
_HAVE_FUSED = hasattr(_C, "attention_forward")


# Largest head dim (E and Ev) of the CUDA kernel; larger ones take the reference path on a GPU.
_CUDA_MAX_HEAD_DIM = 128


def _use_fused(q, k, v, attn_mask, dropout_p, enable_gqa):
    """The fused kernel covers: no dropout, CPU or CUDA (head dims <= 128 there), q/k/v of one rank
    with equal leading dims (GQA: heads may differ), non-empty, and no float mask that requires grad."""
    if _force_reference or dropout_p > 0.0 or not _HAVE_FUSED:
        return False
    dev = q.device.type
    if dev not in ("cpu", "cuda"):
        return False
    if dev == "cuda" and max(q.shape[-1], v.shape[-1]) > _CUDA_MAX_HEAD_DIM:
        return False
    nd = q.dim()
    if k.dim() != nd or v.dim() != nd:
        return False
    lq, lk, lv = tuple(q.shape[:-2]), tuple(k.shape[:-2]), tuple(v.shape[:-2])
    if lk != lv:
        return False
    if lq != lk and not (enable_gqa and lq[:-1] == lk[:-1]):
        return False
    if q.numel() == 0 or k.numel() == 0 or v.numel() == 0:
        return False
    if attn_mask is not None and attn_mask.requires_grad and _grad_enabled():
        return False
    return True


def _grad_enabled():
    from ...autograd.grad_mode import is_grad_enabled
    return is_grad_enabled()


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """softmax(q @ k^T * scale + mask) @ v, with PyTorch's arguments and semantics.

    Runs the fused C++ kernel (flash-attention style: blockwise online softmax; for autograd it saves
    the output and log-sum-exp, and the attention weights when they fit a budget) when it covers the call; otherwise, and for ``dropout_p > 0`` or a float
    ``attn_mask`` that requires grad, the materialized reference path."""
    _check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    dropout_p, is_causal, enable_gqa = float(dropout_p), bool(is_causal), bool(enable_gqa)
    if attn_mask is not None and attn_mask.dtype.is_floating_point and attn_mask.dtype != query.dtype:
        attn_mask = attn_mask.to(query.dtype)  # a float mask of another float dtype is accepted, as in torch
    if not _use_fused(query, key, value, attn_mask, dropout_p, enable_gqa):
        return _sdpa_reference(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    from ...autograd.grad_fns.attention import ScaledDotProductFlashAttentionForCpu, fused_forward
    if _grad_enabled() and (query.requires_grad or key.requires_grad or value.requires_grad):
        return ScaledDotProductFlashAttentionForCpu.apply(query, key, value, attn_mask, is_causal, scale)
    return fused_forward(query, key, value, attn_mask, is_causal, scale)[0]
