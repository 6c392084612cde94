"""nn.functional: linear, bilinear, the dropout family, embedding, embedding_bag.

``linear`` is the hottest op of every MLP: its raw path is one GEMM with the bias fused into the
epilogue (``_C.gemm_epilogue``: the output is written once). Its grad path is one autograd node
(``grad_fns/nn.py``: ``Linear``) with GEMM backward formulas.
"""
import math
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ...autograd._dispatch import differentiable
from ...autograd.grad_mode import no_grad

__all__ = ["linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout", "embedding", "embedding_bag"]

_c_addmm, _c_t, _c_reshape, _c_unsqueeze = _C.addmm, _C.t, _C.reshape, _C.unsqueeze
_c_gemm_epilogue = _C.gemm_epilogue


def _check_tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] argument '{name}' must be Tensor, not {type(x).__name__}")


def _reraise(ex, op):
    msg = str(ex)
    if msg.startswith("["):
        msg = msg[msg.index("]") + 2:]
    return type(ex)(f"[{op}] {msg}")


# ---- linear -------------------------------------------------------------------------------------
def _linear_raw(input, weight, bias):
    """y = input @ weight^T + bias as one GEMM whose epilogue adds the bias while each output tile is
    still in cache (``_C.gemm_epilogue``): the output is written once. Leading dims of the input are
    folded into the GEMM's rows (no copy for a contiguous input; a strided batch walks its strides)
    and the weight is read transposed through its strides, never copied. A bias that is not a plain
    (out_features,) vector (e.g. shape (1,)) takes the broadcasting addmm path."""
    x = input._t
    w = weight._t
    try:
        if w.ndim != 2:
            raise RuntimeError(f"[linear] weight must be a matrix, got {w.ndim}-D tensor")
        nd = x.ndim
        if nd == 0:
            raise RuntimeError("[linear] input must have at least 1 dimension, got a 0-D tensor")
        wt = _c_t(w)
        b = None if bias is None else bias._t
        if b is not None and (b.ndim != 1 or b.sizes[0] != w.sizes[0]):
            x2 = x if nd == 2 else _c_reshape(x, [-1, x.sizes[-1]])
            y = _c_addmm(b, x2, wt, 1, 1, None)
            return _wrap(y if nd == 2 else _c_reshape(y, list(x.sizes[:-1]) + [w.sizes[0]]))
        if nd == 1:
            y = _c_gemm_epilogue(_c_unsqueeze(x, 0), wt, b, None, 1, 0, -1, "none", None)
            return _wrap(_c_reshape(y, [w.sizes[0]]))
        return _wrap(_c_gemm_epilogue(x, wt, b, None, 1, 0, -1, "none", None))
    except (RuntimeError, ValueError, IndexError) as ex:
        raise _reraise(ex, "linear") from None


@differentiable("linear")
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for input ``(*, in_features)``, weight ``(out_features,
    in_features)``, bias ``(out_features,)`` or None."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        _check_tensor(input, "linear", "input")
        _check_tensor(weight, "linear", "weight")
    if bias is not None and not isinstance(bias, Tensor):
        _check_tensor(bias, "linear", "bias")
    return _linear_raw(input, weight, bias)


# ---- bilinear ------------------------------------------------------------------------------------
def _bilinear_check(x1, x2, weight, bias):
    op = "bilinear"
    _check_tensor(x1, op, "input1")
    _check_tensor(x2, op, "input2")
    _check_tensor(weight, op, "weight")
    if weight.dim() != 3:
        raise RuntimeError(f"[{op}] weight must be 3-D (out_features, in1_features, in2_features), got "
                           f"{weight.dim()}-D")
    if x1.dim() == 0 or x2.dim() == 0 or tuple(x1.shape[:-1]) != tuple(x2.shape[:-1]):
        raise RuntimeError(f"[{op}] input1 and input2 must have the same leading (batch) dimensions, got "
                           f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"[{op}] input1 size {x1.shape[-1]} does not match weight size {weight.shape[1]}")
    if x2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"[{op}] input2 size {x2.shape[-1]} does not match weight size {weight.shape[2]}")
    if bias is not None:
        _check_tensor(bias, op, "bias")
        if tuple(bias.shape) != (weight.shape[0],):
            raise RuntimeError(f"[{op}] bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")


def _bilinear_raw(x1, x2, weight, bias):
    """y[n, o] = sum_ij x1[n, i] W[o, i, j] x2[n, j] + b[o]: one GEMM (x1 @ W viewed (in1, out*in2))
    then a row-wise contraction with x2."""
    out_f, in1, in2 = weight.shape
    lead = tuple(x1.shape[:-1])
    a = x1.reshape(-1, in1)
    b = x2.reshape(-1, in2)
    wm = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = a.mm(wm).reshape(-1, out_f, in2)
    y = (t * b.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))


@differentiable("bilinear")
def bilinear(input1, input2, weight, bias=None):
    """``y = x1^T A x2 + b`` for inputs ``(*, in1)`` and ``(*, in2)``, weight ``(out, in1, in2)``."""
    _bilinear_check(input1, input2, weight, bias)
    return _bilinear_raw(input1, input2, weight, bias)


# ---- dropout family ------------------------------------------------------------------------------
def _check_p(p, op):
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"[{op}] p must be a number, got {type(p).__name__}")
    if p < 0.0 or p > 1.0:
        raise ValueError(f"[{op}] dropout probability has to be between 0 and 1, but got {p}")


def _noise(input, shape, p):
    """A 0/1 keep-mask (probability 1-p) of ``shape`` in input's dtype on input's device, from
    ember's RNG (the device's generator: a CUDA input never builds its mask on the CPU)."""
    from ..._ops.creation import empty
    return empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1.0 - p)


def _apply_noise(input, noise, add, inplace):
    """input * noise (+ add), in place when asked (the autograd path records a Mul)."""
    if inplace:
        input.mul_(noise)
        if add is not None:
            input.add_(add)
        return input
    out = input * noise
    return out if add is None else out + add


_ALPHA = 1.7580993408473766  # -SELU scale * alpha: the value dropped units take in alpha dropout


def _dropout_impl(input, p, training, inplace, op, feature, alpha):
    _check_p(p, op)
    _check_tensor(input, op, "input")
    if not training or p == 0:
        return input
    if feature:
        if input.dim() < 2:
            raise RuntimeError(f"[{op}] Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    else:
        shape = tuple(input.shape)
    if p == 1:
        from ..._ops.creation import zeros
        return _apply_noise(input, zeros(shape, dtype=input.dtype, device=input.device), None, inplace)
    noise = _noise(input, shape, p)
    if not alpha:
        noise.mul_(1.0 / (1.0 - p))
        return _apply_noise(input, noise, None, inplace)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (noise - 1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
    noise.mul_(a)
    return _apply_noise(input, noise, b, inplace)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (when training)."""
    return _dropout_impl(input, p, training, inplace, "dropout", False, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps a SELU network's mean and variance (dropped units take the SELU floor)."""
    return _dropout_impl(input, p, training, inplace, "alpha_dropout", False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dim 1)."""
    return _dropout_impl(input, p, training, inplace, "feature_alpha_dropout", True, True)


def _channel_dropout(input, p, training, inplace, op, dims, batched_dim):
    _check_p(p, op)
    _check_tensor(input, op, "input")
    d = input.dim()
    if d not in dims:
        raise RuntimeError(f"[{op}] Expected {'D or '.join(str(x) for x in dims)}D input, but received a {d}D input. "
                           f"Note that {op} exists to provide channel-wise dropout on inputs with "
                           f"{batched_dim - 2} spatial dimension(s), a channel dimension, and an optional batch "
                           f"dimension.")
    if d == batched_dim:
        return _dropout_impl(input, p, training, inplace, op, True, False)
    if not training or p == 0:
        return input
    out = _dropout_impl(input.unsqueeze(0), p, training, False, op, True, False).squeeze(0)
    if inplace:
        with no_grad():
            input.copy_(out)
        return input
    return out


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, L)`` / ``(C, L)`` inputs with probability ``p``."""
    return _channel_dropout(input, p, training, inplace, "dropout1d", (2, 3), 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, H, W)`` inputs with probability ``p`` (a 3-D input is treated
    as ``(N, C, L)``, as PyTorch does)."""
    _check_p(p, "dropout2d")
    _check_tensor(input, "dropout2d", "input")
    return _dropout_impl(input, p, training, inplace, "dropout2d", True, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` inputs with probability ``p``."""
    return _channel_dropout(input, p, training, inplace, "dropout3d", (4, 5), 5)


# ---- embedding -----------------------------------------------------------------------------------
def _index_tensor(input, op):
    _check_tensor(input, op, "input")
    if input.dtype._name not in ("int64", "int32"):
        raise RuntimeError(f"[{op}] Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} instead (while checking arguments for "
                           f"{op})")


def _norm_padding_idx(padding_idx, num, op):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num:
            raise AssertionError(f"[{op}] Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError(f"[{op}] Padding_idx must be within num_embeddings")
        padding_idx = num + padding_idx
    return padding_idx


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rows of ``weight`` referenced by ``indices`` whose norm exceeds max_norm are scaled (in place)
    to norm max_norm (PyTorch's formula: scale = max_norm / (norm + 1e-7))."""
    from ..._ops.sort import unique
    from ... import linalg
    from ..._ops.elementwise import where
    with no_grad():
        rows_idx = unique(indices.reshape(-1))
        rows = weight.index_select(0, rows_idx)
        norms = linalg.vector_norm(rows, norm_type, dim=1, keepdim=True)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).to(weight.dtype)
        weight.index_copy_(0, rows_idx, rows * scale)


def _embedding_rows(weight, flat):
    return _wrap(_C.index_select(weight._t, 0, flat._t))


def _embedding_check(input, weight, op):
    _index_tensor(input, op)
    _check_tensor(weight, op, "weight")
    if weight.dim() != 2:
        raise RuntimeError(f"[{op}] 'weight' must be 2-D, got {weight.dim()}-D")


@differentiable("embedding")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` selected by the integer tensor ``input``: output ``input.shape + (dim,)``.
    ``padding_idx`` rows get no gradient; ``max_norm`` renormalizes the selected rows in place."""
    _embedding_check(input, weight, "embedding")
    if sparse:
        raise NotImplementedError("[embedding] sparse gradients (sparse=True) are not supported by ember")
    _norm_padding_idx(padding_idx, weight.shape[0], "embedding")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    flat = input.reshape(-1)
    try:
        out = _embedding_rows(weight, flat)
    except IndexError as ex:
        raise _reraise(ex, "embedding") from None
    return out.reshape(tuple(input.shape) + (weight.shape[1],))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums / means / maxes of bags of embeddings: a 2-D ``input`` (B, N) is B bags of N indices; a
    1-D input is split into bags at ``offsets``. Built from ``embedding`` and segment reductions."""
    op = "embedding_bag"
    _embedding_check(input, weight, op)
    if sparse:
        raise NotImplementedError(f"[{op}] sparse gradients (sparse=True) are not supported by ember")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"[{op}] mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        _check_tensor(per_sample_weights, op, "per_sample_weights")
        if mode != "sum":
            raise NotImplementedError(f"[{op}] embedding_bag: per_sample_weights was not None. per_sample_weights is "
                                      f"only supported for mode='sum' (got mode='{mode}'). Please open a feature "
                                      "request on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"[{op}] embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not "
                             f"None, then it must have the same shape as the input ({tuple(input.shape)})")
    from ..._ops.creation import arange, tensor, zeros
    from ..._ops.shape import repeat_interleave
    num = weight.shape[0]
    padding_idx = _norm_padding_idx(padding_idx, num, op)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"[{op}] if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                             f"of fixed length sequences. However, found offsets of type {type(offsets).__name__}")
        B, N = input.shape
        flat = input.reshape(-1)
        dev = input.device
        bag_of = arange(B, dtype=input.dtype, device=dev).repeat_interleave(N) if N else \
            zeros(0, dtype=input.dtype, device=dev)
        n_bags = B
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError(f"[{op}] offsets has to be a 1D Tensor but got None")
        _index_tensor(offsets, op)
        if offsets.dim() != 1:
            raise ValueError(f"[{op}] offsets has to be a 1D Tensor")
        offs = [int(v) for v in offsets.tolist()]
        if offs and offs[0] != 0:
            raise ValueError(f"[{op}] offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                             f"from position 0. However, got {offs[0]}")
        L = input.shape[0]
        if include_last_offset:
            ends = offs[1:]
            offs = offs[:-1]
        else:
            ends = offs[1:] + [L]
        if any(b > e for b, e in zip(offs, ends)) or any(e > L for e in ends):
            raise ValueError(f"[{op}] offsets must be non-decreasing and at most the input length {L}")
        n_bags = len(offs)
        flat = input
        dev = input.device
        sizes = tensor([e - b for b, e in zip(offs, ends)], dtype=input.dtype)
        bag_of = repeat_interleave(arange(n_bags, dtype=input.dtype, device=dev), sizes) if n_bags else \
            zeros(0, dtype=input.dtype, device=dev)
        flat = flat[:int(ends[-1])] if n_bags and ends[-1] < L else flat
    else:
        raise ValueError(f"[{op}] input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if max_norm is not None:
        _embedding_renorm_(weight, flat, max_norm, norm_type)
    if per_sample_weights is not None and per_sample_weights.shape[0] != flat.shape[0]:
        per_sample_weights = per_sample_weights[:flat.shape[0]]
    dim = weight.shape[1]
    from ...autograd.grad_fns.nn import EmbeddingDenseBackward
    if mode == "max":
        if padding_idx is not None:
            keep = flat != padding_idx
            flat, bag_of = flat[keep], bag_of[keep]
        rows = embedding(flat, weight, scale_grad_by_freq=scale_grad_by_freq)
        # the max of each (bag, column) as a segment sum of rows times a one-hot selector of the first
        # position attaining it: the gradient flows to that position only (double backward included)
        select = _bag_argmax_selector(rows.detach(), bag_of, n_bags) if flat.numel() else None
        return EmbeddingDenseBackward.apply(rows, bag_of.to(dtype=flat.dtype), select, n_bags)
    # sum / mean: one gather (embedding) and one segment sum (index_add into the bags, the
    # EmbeddingDenseBackward node); padding entries and the mean's 1/count enter as row factors
    rows = embedding(flat, weight, scale_grad_by_freq=scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.to(rows.dtype).reshape(-1, 1)
    factor = None
    if padding_idx is not None:
        factor = (flat != padding_idx).to(weight.dtype)
    if mode == "mean":
        from ..._ops.sort import bincount
        counts = bincount(bag_of, weights=factor, minlength=n_bags) if factor is not None else \
            bincount(bag_of, minlength=n_bags)
        inv = 1.0 / counts.to(weight.dtype).clamp(min=1)
        per_row = inv.index_select(0, bag_of)
        factor = per_row if factor is None else factor * per_row
    bag_of = bag_of.to(dtype=flat.dtype)
    return EmbeddingDenseBackward.apply(rows, bag_of, None if factor is None else factor.unsqueeze(1), n_bags)


def _bag_argmax_selector(rows, bag_of, n_bags):
    """(L, dim) 0/1 tensor marking, for every bag and column, the first position holding the bag's max."""
    from ..._ops.creation import arange, zeros
    L, dim = rows.shape
    idx = bag_of.to(dtype=_int64()).reshape(-1, 1).expand(L, dim)
    best = zeros((n_bags, dim), dtype=rows.dtype, device=rows.device).scatter_reduce(0, idx, rows, reduce="amax",
                                                                                     include_self=False)
    at_max = (rows == best.index_select(0, idx[:, 0])).to(rows.dtype)
    # among tied positions keep the first: score L - position, take the per-bag max score
    score = at_max * (L - arange(L, dtype=rows.dtype, device=rows.device)).reshape(-1, 1)
    top = zeros((n_bags, dim), dtype=rows.dtype, device=rows.device).scatter_reduce(0, idx, score, reduce="amax",
                                                                                    include_self=False)
    return ((score == top.index_select(0, idx[:, 0])) & (score > 0)).to(rows.dtype)


def _int64():
    from ..._dtype import int64
    return int64
