"""scaled_dot_product_attention with the attention weights P saved by the forward (non-causal, CPU fast
kernels, within ``_SAVE_PROBS_MAX_BYTES``) against the recomputing backward, the reference paths and
PyTorch; and when P must not be saved (causal, no_grad, over budget, reference kernels)."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember._tensor import _wrap
from ember.autograd.grad_fns import attention as attn_grad
from ember.nn._functional import attention as attn_mod
from conftest import needs_torch, torch
from gradutil import const, grad_case

FUSED = attn_mod._HAVE_FUSED and not attn_mod._force_reference
needs_fused = pytest.mark.skipif(not FUSED, reason="the fused kernel is not in use")


def _rand(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.fixture(params=["saved", "recompute"])
def budget(request, monkeypatch):
    """Runs a test with P saved (default budget) and with the backward recomputing the scores."""
    if request.param == "recompute":
        monkeypatch.setattr(attn_grad, "_SAVE_PROBS_MAX_BYTES", 0)
    return request.param


def _saved_probs(out):
    """The P the fused node saved (ember Tensor), or None."""
    return out.grad_fn.ctx._saved[-1]


def _run(arrs, mask=None, transpose=False, lib=ember, dtype=None, **kw):
    """(saved P or None, [out and q/k/v grads]) of one forward + backward (g fixed); transpose: (B, T, H, D)
    buffers viewed as (B, H, T, D)."""
    leaves = [lib.tensor(a) for a in arrs]
    if dtype is not None:
        leaves = [t.to(dtype) for t in leaves]
    leaves = [t.requires_grad_() for t in leaves]
    ins = [t.transpose(1, 2) if transpose else t for t in leaves]
    m = None if mask is None else lib.tensor(mask)
    sdpa = F.scaled_dot_product_attention if lib is ember else torch.nn.functional.scaled_dot_product_attention
    out = sdpa(*ins, attn_mask=m, **kw)
    saved = lib is ember and FUSED and _saved_probs(out)  # read before backward releases it
    out.backward(lib.tensor(_rand(tuple(out.shape), 9)).to(out.dtype))
    return saved, [out.detach().float().numpy()] + [t.grad.float().numpy() for t in leaves]


def _case(q_shape, k_shape, v_shape, mask=None, transpose=False, expect_saved=None, **kw):
    shapes = [(s[0], s[2], s[1], s[3]) if transpose else s for s in (q_shape, k_shape, v_shape)]
    arrs = [_rand(s, i) for i, s in enumerate(shapes)]
    saved, got = _run(arrs, mask, transpose, **kw)
    if expect_saved is not None and FUSED:
        assert (saved is not None) == expect_saved
    _, want = _run(arrs, mask, transpose, lib=torch, **kw)
    for name, a, b in zip(["out", "dq", "dk", "dv"], got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5 if name == "out" else 8e-5, err_msg=name)
    return got[0]


# ---- against PyTorch, with P saved and recomputed ----------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("E", [32, 64, 80, 128, 7])
def test_head_dims(E, budget):
    _case((2, 2, 37, E), (2, 2, 45, E), (2, 2, 45, E), expect_saved=budget == "saved")


@needs_torch
@pytest.mark.parametrize("L,S", [(1, 1), (1, 17), (17, 1), (100, 257), (257, 100), (131, 300), (200, 64)])
def test_lengths(L, S, budget):
    """S across several key blocks and not a multiple of 8 (P's padded columns), L across row blocks."""
    _case((1, 2, L, 32), (1, 2, S, 32), (1, 2, S, 24), expect_saved=budget == "saved")


@needs_torch
@pytest.mark.parametrize("kind", ["bool", "float", "float_inf"])
def test_masks_and_fully_masked_rows(kind, budget):
    rng = np.random.default_rng(5)
    keep = rng.random((2, 1, 40, 70)) > 0.3
    keep[0, 0, 3] = False
    keep[1, 0, 30:33] = False
    if kind == "bool":
        mask = keep
    elif kind == "float":
        mask = rng.standard_normal((40, 70)).astype(np.float32)
    else:
        mask = np.where(keep, 0.0, -np.inf).astype(np.float32)
    out = _case((2, 3, 40, 16), (2, 3, 70, 16), (2, 3, 70, 16), mask=mask, expect_saved=budget == "saved")
    if kind != "float":
        o = out
        assert np.all(o[0, :, 3] == 0) and np.all(o[1, :, 30:33] == 0)


@needs_torch
def test_gqa_noncontiguous_scale_rank(budget):
    _case((2, 8, 30, 16), (2, 2, 41, 16), (2, 2, 41, 16), enable_gqa=True, expect_saved=budget == "saved")
    _case((2, 4, 70, 32), (2, 4, 90, 32), (2, 4, 90, 32), transpose=True, scale=0.3,
          expect_saved=budget == "saved")
    _case((3, 20, 16), (3, 33, 16), (3, 33, 16), expect_saved=budget == "saved")


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_dtypes(dtype, budget):
    arrs = [_rand(s, i) for i, s in enumerate(((2, 2, 20, 16), (2, 2, 33, 16), (2, 2, 33, 16)))]
    saved, got = _run(arrs, dtype=getattr(ember, dtype))
    if FUSED:
        assert (saved is not None) == (budget == "saved")
        if budget == "saved":
            assert saved.dtype is ember.float32
    _, want = _run(arrs, lib=torch)
    tol = 1e-2 if dtype == "float16" else 5e-2
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@needs_fused
@pytest.mark.parametrize("causal", [False, True])
def test_bitwise_equal_across_thread_counts(causal, budget):
    """Each task owns its outputs and sums in a fixed order: 1, 2 and 3 threads give identical bits (forward,
    saved-P or recomputing backward, GQA, a mask, odd lengths)."""
    arrs = [_rand((2, 4, 71, 32), 0), _rand((2, 2, 133, 32), 1), _rand((2, 2, 133, 24), 2)]
    mask = None if causal else np.random.default_rng(4).random((2, 1, 71, 133)) > 0.2
    old = ember.get_num_threads()
    runs = []
    try:
        for nt in (1, 2, 3):
            ember.set_num_threads(nt)
            saved, got = _run(arrs, mask, is_causal=causal, enable_gqa=True)
            assert (saved is not None) == (budget == "saved" and not causal)
            runs.append(got)
    finally:
        ember.set_num_threads(old)
    for other in runs[1:]:
        for name, a, b in zip(["out", "dq", "dk", "dv"], runs[0], other):
            assert np.array_equal(a, b), name



@needs_fused
@pytest.mark.parametrize("causal", [False, True])
def test_keys_masked_for_every_query_get_exactly_zero_gradients(causal, budget):
    """A key no query may see (bool False, float -inf, or an additive -1e4 that puts its weight below 2^-127)
    has weight exactly 0, so its dk and dv rows are exactly 0, in the forward that saves P and in the
    recomputing backward; under the causal rule too (the last keys are seen by no query when S > L)."""
    L, S = 45, 77
    arrs = [_rand((2, 3, L, 32), 0), _rand((2, 3, S, 32), 1), _rand((2, 3, S, 24), 2)]
    masked = [0, 5, 30, 31, 32, 33, 34, 35, 36, 76]
    keep = np.ones((L, S), bool)
    keep[:, masked] = False
    additive = np.where(keep, 0.0, -1e4).astype(np.float32)
    additive[:, [0, 5, 76]] = -np.inf  # (causal: query 0 sees only key 0; a finite mask there would weigh it 1)
    for mask in (keep, additive):
        _, (out, dq, dk, dv) = _run(arrs, mask, is_causal=causal)
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(dq))
        assert np.all(dk[:, :, masked] == 0) and np.all(dv[:, :, masked] == 0)
        assert np.all(dv[:, :, 1] != 0)  # a key that queries see
        if causal:  # query i sees keys <= i: keys >= L are seen by none
            assert np.all(dk[:, :, L:] == 0) and np.all(dv[:, :, L:] == 0)

# ---- the saved P itself --------------------------------------------------------------------------------------

@needs_torch
@needs_fused
def test_saved_probs_are_the_softmax():
    """P = softmax(q k^T scale + mask) over the S keys, zero in the padding columns and in fully masked rows."""
    q, k, v = _rand((2, 3, 20, 16), 0), _rand((2, 3, 37, 16), 1), _rand((2, 3, 37, 16), 2)
    mask = np.random.default_rng(1).random((20, 37)) > 0.3
    mask[4] = False
    out = F.scaled_dot_product_attention(*(ember.tensor(a).requires_grad_() for a in (q, k, v)),
                                         attn_mask=ember.tensor(mask))
    p = _saved_probs(out).numpy()
    assert p.shape == (2, 3, 20, 40)
    scores = torch.tensor(q) @ torch.tensor(k).transpose(-2, -1) / 4.0
    want = torch.softmax(scores.masked_fill(~torch.tensor(mask), float("-inf")), dim=-1).nan_to_num(0.0).numpy()
    np.testing.assert_allclose(p[..., :37], want, rtol=1e-5, atol=1e-6)
    assert np.all(p[..., 37:] == 0) and np.all(p[:, :, 4] == 0)


@needs_fused
def test_saved_matches_recompute_and_reference(monkeypatch):
    """The three backward paths (saved P, recomputed scores, materialized reference) agree."""
    arrs = [_rand((2, 4, 65, 24), 0), _rand((2, 2, 130, 24), 1), _rand((2, 2, 130, 24), 2)]
    mask = np.random.default_rng(3).random((1, 4, 65, 130)) > 0.3
    kw = dict(mask=mask, enable_gqa=True, scale=0.6)
    p, saved = _run(arrs, **kw)
    assert p is not None
    monkeypatch.setattr(attn_grad, "_SAVE_PROBS_MAX_BYTES", 0)
    p, recomputed = _run(arrs, **kw)
    assert p is None
    monkeypatch.setattr(attn_mod, "_force_reference", True)
    _, ref = _run(arrs, **kw)
    for a, b, c in zip(saved, recomputed, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=2e-5)


@needs_fused
def test_large_saved_probs_are_streamed(monkeypatch):
    """P over 32 MiB (here 48 MiB) is built per row block and written with streaming stores."""
    arrs = [_rand((1, 3, 2048, 16), 0), _rand((1, 3, 2048, 16), 1), _rand((1, 3, 2048, 8), 2)]
    p, saved = _run(arrs, scale=0.5)
    assert p is not None and p.numel() * 4 > 32 << 20
    monkeypatch.setattr(attn_grad, "_SAVE_PROBS_MAX_BYTES", 0)
    _, recomputed = _run(arrs, scale=0.5)
    for a, b in zip(saved, recomputed):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@needs_fused
def test_retain_graph_and_release():
    """A second backward (retain_graph) reads the same P; a plain backward frees it."""
    q, k, v = (ember.tensor(_rand(s, i)).requires_grad_() for i, s in enumerate([(1, 2, 30, 8), (1, 2, 50, 8),
                                                                                  (1, 2, 50, 8)]))
    out = F.scaled_dot_product_attention(q, k, v)
    g = ember.tensor(_rand((1, 2, 30, 8), 5))
    out.backward(g, retain_graph=True)
    first = [t.grad.numpy().copy() for t in (q, k, v)]
    out.backward(g)
    for a, t in zip(first, (q, k, v)):
        np.testing.assert_allclose(t.grad.numpy(), 2 * a, rtol=1e-6, atol=1e-7)
    assert out.grad_fn.ctx._saved == ()


@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_gradcheck_float64(kernels, budget):
    """float64 goes through the same paths (P saved as float64)."""
    old = ember.get_kernels()
    ember.set_kernels(kernels)
    try:
        grad_case(lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v),
                  ember.randn(2, 2, 5, 3), ember.randn(2, 2, 11, 3), ember.randn(2, 2, 11, 2))
        bmask = ember.tensor(np.random.default_rng(0).random((5, 6)) > 0.4)
        bmask[1] = False
        grad_case(lambda m, q, k, v, mk: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mk),
                  ember.randn(1, 2, 5, 3), ember.randn(1, 2, 6, 3), ember.randn(1, 2, 6, 2), const(bmask))
    finally:
        ember.set_kernels(old)


# ---- when P is not saved -------------------------------------------------------------------------------------

@needs_fused
def test_not_saved_causal_reference_kernels_and_budget(monkeypatch):
    def saved(**kw):
        q, k, v = (ember.randn(2, 2, 24, 8).requires_grad_() for _ in range(3))
        return _saved_probs(F.scaled_dot_product_attention(q, k, v, **kw)) is not None
    assert saved() and not saved(is_causal=True)
    ember.set_kernels("reference")
    try:
        assert not saved()
    finally:
        ember.set_kernels("fast")
    need = 2 * 2 * 24 * 24 * 4  # bytes of P: S = 24 is already a multiple of 8
    monkeypatch.setattr(attn_grad, "_SAVE_PROBS_MAX_BYTES", need)
    assert saved()
    monkeypatch.setattr(attn_grad, "_SAVE_PROBS_MAX_BYTES", need - 1)
    assert not saved()


@needs_fused
def test_inference_does_not_save(monkeypatch):
    """no_grad, or inputs that do not require grad: the forward is asked for no P."""
    calls = []
    real = attn_grad._C.attention_forward

    def spy(*args):
        calls.append(args[-1])  # save_probs_max_bytes
        return real(*args)
    monkeypatch.setattr(attn_grad._C, "attention_forward", spy)
    q, k, v = ember.randn(1, 2, 9, 8), ember.randn(1, 2, 12, 8), ember.randn(1, 2, 12, 8)
    res = attn_grad._C.attention_forward(q._t, k._t, v._t, None, False, 0.5)
    assert len(res) == 2  # no budget argument: no P
    calls.clear()
    F.scaled_dot_product_attention(q, k, v)
    with ember.no_grad():
        F.scaled_dot_product_attention(q.requires_grad_(), k, v)
    assert calls == [0, 0]
    F.scaled_dot_product_attention(q, k, v)
    assert calls[-1] > 0


def test_dropout_takes_the_reference_path():
    """dropout_p > 0 is not fused (the reference drops attention weights); dropout_p = 0 is."""
    q, k, v = (ember.randn(1, 2, 9, 8).requires_grad_() for _ in range(3))
    on = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert on.grad_fn.name() != "ScaledDotProductFlashAttentionForCpuBackward0"
    off = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
    if FUSED:
        assert off.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
        assert _saved_probs(off) is not None


@needs_fused
def test_backward_rejects_foreign_probs():
    q, k, v = (ember.randn(1, 2, 9, 8) for _ in range(3))
    out, lse, probs = ember._C.attention_forward(q._t, k._t, v._t, None, False, 0.5, 1 << 20)
    g = ember.randn(1, 2, 9, 8)
    bad = ember.zeros(1, 2, 9, 9)._t
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention.*saved probs of shape \(1, 2, 9, 9\)"):
        ember._C.attention_backward(g._t, q._t, k._t, v._t, out, lse, None, False, 0.5, bad)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention.*saved probs"):
        ember._C.attention_backward(g._t, q._t, k._t, v._t, out, lse, None, True, 0.5, probs)
    dq, dk, dv = ember._C.attention_backward(g._t, q._t, k._t, v._t, out, lse, None, False, 0.5, probs)
    dq2, dk2, dv2 = ember._C.attention_backward(g._t, q._t, k._t, v._t, out, lse, None, False, 0.5)
    for a, b in zip((dq, dk, dv), (dq2, dk2, dv2)):
        np.testing.assert_allclose(_wrap(a).numpy(), _wrap(b).numpy(), rtol=1e-5, atol=1e-6)
