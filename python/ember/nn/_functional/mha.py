"""nn.functional: multi_head_attention_forward (PyTorch's signature and semantics).

The computation, for N batches, H heads of size D = E / H, L queries and S keys:
  q, k, v = in-projections of query, key, value      (one GEMM for packed self-attention)
  split heads: (N, H, L, D), (N, H, S, D)            (views of the projection, no copies)
  [bias_k / bias_v: one extra key row; add_zero_attn: one extra zero key row; masks padded]
  masks: bool -> float (-inf where True); key_padding_mask (N, S) added to attn_mask
  out = softmax(q k^T / sqrt(D) + mask) v            (scaled_dot_product_attention unless the
                                                      weights are wanted: then materialized)
  out = out_proj(merge heads)

Layouts: ``multi_head_attention_forward`` takes PyTorch's sequence-first (L, N, E) tensors (or
unbatched (L, E)). ``_mha`` also takes batch-first (N, L, E) tensors directly, so that
``MultiheadAttention(batch_first=True)`` needs no transposes: the heads are split by permuting
the projection's view, whichever dimension holds the batch.
"""
import math
import warnings

from ..._tensor import Tensor
from .attention import scaled_dot_product_attention
from .basic import pad
from .linear import dropout, linear

__all__ = ["multi_head_attention_forward"]

_OP = "multi_head_attention_forward"


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("[_none_or_dtype] input must be None or a Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True, op=_OP):
    """A bool mask becomes a float mask of ``target_type`` (-inf where True, 0 elsewhere); a float
    mask is returned as is. Mixing a bool and a float mask still works but warns (as torch)."""
    if mask is None:
        return None
    import ember
    if not isinstance(mask, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as {mask_name}, got {type(mask).__name__}")
    is_float = mask.is_floating_point()
    if mask.dtype != ember.bool and not is_float:
        raise AssertionError(f"[{op}] only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        mask = ember.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads, op):
    """Validates the ranks of the inputs and masks; returns whether the input is batched."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{op}] expected a Tensor as {name}, got {type(t).__name__}")
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"[{op}] For batched (3-D) `query`, expected `key` and `value` to be 3-D but "
                                 f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"[{op}] For batched (3-D) `query`, expected `key_padding_mask` to be `None` or "
                                 f"2-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"[{op}] For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"[{op}] For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but "
                                 f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"[{op}] For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` "
                                 f"or 1-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"[{op}] For unbatched (2-D) `query`, expected `attn_mask` to be `None`, "
                                     f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"[{op}] Expected `attn_mask` shape to be {expected} but got "
                                         f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"[{op}] query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _split_heads(proj, parts, num_heads, batch_first):
    """(N, L, parts*E) or (L, N, parts*E) -> ``parts`` views of shape (N, H, L, D)."""
    if batch_first:
        n, length = proj.shape[0], proj.shape[1]
        x = proj.view(n, length, parts, num_heads, -1).permute(2, 0, 3, 1, 4)
    else:
        length, n = proj.shape[0], proj.shape[1]
        x = proj.view(length, n, parts, num_heads, -1).permute(2, 1, 3, 0, 4)
    return tuple(x[i] for i in range(parts))


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, use_separate, q_w, k_w, v_w, embed_dim,
                   num_heads, batch_first, op):
    """q, k, v projected and split into heads (N, H, ., D). Packed self-attention is one GEMM;
    encoder-decoder attention (key is value) is two."""
    E = embed_dim
    if not use_separate:
        if in_proj_weight is None:
            raise AssertionError(f"[{op}] use_separate_proj_weight is False but in_proj_weight is None")
        if key is value:
            if query is key:
                return _split_heads(linear(query, in_proj_weight, in_proj_bias), 3, num_heads, batch_first)
            w_q, w_kv = in_proj_weight.split([E, 2 * E])
            b_q, b_kv = (None, None) if in_proj_bias is None else in_proj_bias.split([E, 2 * E])
            (q,) = _split_heads(linear(query, w_q, b_q), 1, num_heads, batch_first)
            k, v = _split_heads(linear(key, w_kv, b_kv), 2, num_heads, batch_first)
            return q, k, v
        w_q, w_k, w_v = in_proj_weight.chunk(3)
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    else:
        for name, w in (("q", q_w), ("k", k_w), ("v", v_w)):
            if w is None:
                raise AssertionError(f"[{op}] use_separate_proj_weight is True but {name}_proj_weight is None")
        w_q, w_k, w_v = q_w, k_w, v_w
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        eq, ek, ev = query.shape[-1], key.shape[-1], value.shape[-1]
        for what, w, want in (("query", w_q, (eq, eq)), ("key", w_k, (eq, ek)), ("value", w_v, (eq, ev))):
            if tuple(w.shape) != want:
                raise AssertionError(f"[{op}] expecting {what} weights shape of {want}, but got {tuple(w.shape)}")
        if in_proj_bias is not None:
            for what, b in (("query", b_q), ("key", b_k), ("value", b_v)):
                if tuple(b.shape) != (eq,):
                    raise AssertionError(f"[{op}] expecting {what} bias shape of {(eq,)}, but got "
                                         f"{tuple(b.shape)}")
    (q,) = _split_heads(linear(query, w_q, b_q), 1, num_heads, batch_first)
    (k,) = _split_heads(linear(key, w_k, b_k), 1, num_heads, batch_first)
    (v,) = _split_heads(linear(value, w_v, b_v), 1, num_heads, batch_first)
    return q, k, v


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
         add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
         need_weights=True, attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
         k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
         is_causal=False, batch_first=False, op=_OP):
    """multi_head_attention_forward for sequence-first or (``batch_first``) batch-first inputs."""
    import ember

    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads, op)
    if not is_batched:
        # Unbatched (L, E): a batch of one, in the batch-first layout.
        batch_first = True
        query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
    kv_lead = (key.shape[0], key.shape[1]), (value.shape[0], value.shape[1])

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype, op=op)
    if is_causal and attn_mask is None:
        raise RuntimeError(f"[{op}] Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                           "module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # The mask is the causal one: let scaled_dot_product_attention apply it (it skips masked blocks).
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False, op=op)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"[{op}] was expecting embedding dimension of {embed_dim_to_check}, but got "
                             f"{embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"[{op}] embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if kv_lead[0] != kv_lead[1]:
            raise AssertionError(f"[{op}] key's sequence and batch dims {kv_lead[0]} do not match value's "
                                 f"{kv_lead[1]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"[{op}] key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")

    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                             q_proj_weight, k_proj_weight, v_proj_weight, embed_dim, num_heads, batch_first, op)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"[{op}] The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should "
                                   f"be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.view(1, 1, tgt_len, src_len)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"[{op}] The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should "
                                   f"be {(bsz * num_heads, tgt_len, src_len)}.")
            attn_mask = attn_mask.view(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"[{op}] attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError(f"[{op}] bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError(f"[{op}] bias cannot be added to static value.")
        k = ember.cat([k, bias_k.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim)], dim=2)
        v = ember.cat([v, bias_v.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim)], dim=2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError(f"[{op}] bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError(f"[{op}] bias_v is set but bias_k is None")

    for name, static in (("static_k", static_k), ("static_v", static_v)):
        if static is None:
            continue
        if static.shape[0] != bsz * num_heads:
            raise AssertionError(f"[{op}] expecting {name}.size(0) of {bsz * num_heads}, but got {static.shape[0]}")
        if static.shape[2] != head_dim:
            raise AssertionError(f"[{op}] expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
        heads = static.view(bsz, num_heads, static.shape[1], head_dim)
        if name == "static_k":
            k = heads
        else:
            v = heads

    if add_zero_attn:
        zeros = ember.zeros((bsz, num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k = ember.cat([k, zeros], dim=2)
        v = ember.cat([v, zeros], dim=2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[2]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"[{op}] Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"[{op}] Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.view(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = ember.matmul(q * math.sqrt(1.0 / float(head_dim)), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = ember.softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = ember.matmul(weights, v)
    else:
        weights = None
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)

    # (N, H, L, D) -> (N, L, E) or (L, N, E), then the output projection.
    if batch_first:
        out = out.permute(0, 2, 1, 3).reshape(bsz, tgt_len, embed_dim)
    else:
        out = out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        out = out.squeeze(0)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention of sequence-first ``query`` (L, N, E) / ``key``, ``value`` (S, N, E), or
    unbatched (L, E) / (S, E); returns ``(attn_output, attn_weights or None)`` exactly as
    ``torch.nn.functional.multi_head_attention_forward`` (see ``nn.MultiheadAttention``)."""
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
                add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=training,
                key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
                use_separate_proj_weight=use_separate_proj_weight, q_proj_weight=q_proj_weight,
                k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight, static_k=static_k, static_v=static_v,
                average_attn_weights=average_attn_weights, is_causal=is_causal, batch_first=False)
