"""nn.functional.scaled_dot_product_attention: the fused CPU kernel (forward + backward) and the
reference path, against PyTorch (float32 parity, float64 gradcheck / gradgradcheck)."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.nn._functional import attention as attn_mod
from conftest import needs_torch, torch
from gradutil import const, grad_case

OP = "scaled_dot_product_attention"


def _rand(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _pair(a, requires_grad=True):
    """(ember, torch) leaves holding the same float array."""
    e = ember.tensor(a).requires_grad_(requires_grad)
    t = torch.tensor(a).requires_grad_(requires_grad)
    return e, t


def _mask_pair(mask):
    if mask is None:
        return None, None
    return ember.tensor(mask), torch.tensor(mask)


def _check(q_shape, k_shape, v_shape, mask=None, atol=2e-5, transpose=False, **kw):
    """Forward and q/k/v gradients of the fused path against torch (float32).
    transpose=True: q/k/v are (B, H, T, D) views of (B, T, H, D) buffers (non-contiguous)."""
    arrs = []
    for i, s in enumerate((q_shape, k_shape, v_shape)):
        if transpose:
            a = _rand((s[0], s[2], s[1], s[3]), i)
            arrs.append(a)
        else:
            arrs.append(_rand(s, i))
    pairs = [_pair(a) for a in arrs]
    ins_e = [e.transpose(1, 2) if transpose else e for e, _ in pairs]
    ins_t = [t.transpose(1, 2) if transpose else t for _, t in pairs]
    me, mt = _mask_pair(mask)
    oe = F.scaled_dot_product_attention(*ins_e, attn_mask=me, **kw)
    ot = torch.nn.functional.scaled_dot_product_attention(*ins_t, attn_mask=mt, **kw)
    assert tuple(oe.shape) == tuple(ot.shape)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=atol)
    g = _rand(tuple(ot.shape), 9)
    oe.backward(ember.tensor(g))
    ot.backward(torch.tensor(g))
    for (e, t), name in zip(pairs, "qkv"):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=atol * 4, err_msg=f"d{name}")
    return oe


# ---- forward + gradients against PyTorch (float32, fused path) -----------------------------------------

@needs_torch
@pytest.mark.parametrize("E", [16, 32, 64, 80, 128, 7])
def test_head_dims(E):
    out = _check((2, 2, 37, E), (2, 2, 45, E), (2, 2, 45, E))
    if attn_mod._HAVE_FUSED and not attn_mod._force_reference:  # else everything runs the reference path
        assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"


@needs_torch
@pytest.mark.parametrize("L,S", [(1, 1), (1, 17), (17, 1), (100, 257), (257, 100), (129, 129)])
@pytest.mark.parametrize("causal", [False, True])
def test_lengths_and_causal(L, S, causal):
    _check((1, 2, L, 32), (1, 2, S, 32), (1, 2, S, 32), is_causal=causal)


@needs_torch
def test_value_head_dim_differs():
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 24))
    _check((2, 3, 20, 9), (2, 3, 33, 9), (2, 3, 33, 5), is_causal=True)


@needs_torch
@pytest.mark.parametrize("mshape", [(20, 33), (2, 1, 20, 33), (1, 3, 20, 33), (2, 3, 20, 33), (1, 33), (3, 1, 33)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks_broadcast(mshape, kind):
    rng = np.random.default_rng(5)
    mask = rng.random(mshape) > 0.3 if kind == "bool" else rng.standard_normal(mshape).astype(np.float32)
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), mask=mask)


@needs_torch
def test_float_mask_with_inf_and_scale():
    mask = np.where(np.random.default_rng(1).random((20, 33)) > 0.5, 0.0, -np.inf).astype(np.float32)
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), mask=mask, scale=0.3)
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), is_causal=True, scale=1.7)


@needs_torch
@pytest.mark.parametrize("causal", [False, True])
def test_gqa(causal):
    _check((2, 8, 30, 16), (2, 2, 41, 16), (2, 2, 41, 16), enable_gqa=True, is_causal=causal)
    mask = np.random.default_rng(2).random((8, 30, 41)) > 0.4
    _check((2, 8, 30, 16), (2, 4, 41, 16), (2, 4, 41, 16), enable_gqa=True, mask=mask)


@needs_torch
@pytest.mark.parametrize("shapes", [
    ((20, 16), (33, 16), (33, 16)),                       # 2-D: no batch dims
    ((3, 20, 16), (3, 33, 16), (3, 33, 16)),              # 3-D
    ((2, 2, 3, 20, 16), (2, 2, 3, 33, 16), (2, 2, 3, 33, 16)),  # 5-D
])
@pytest.mark.parametrize("causal", [False, True])
def test_ranks(shapes, causal):
    _check(*shapes, is_causal=causal)


@needs_torch
def test_rank5_mask_and_gqa():
    mask = np.random.default_rng(3).random((2, 1, 1, 20, 33)) > 0.3
    _check((2, 2, 3, 20, 16), (2, 2, 3, 33, 16), (2, 2, 3, 33, 16), mask=mask)
    _check((2, 2, 4, 20, 16), (2, 2, 2, 33, 16), (2, 2, 2, 33, 16), enable_gqa=True, is_causal=True)


@needs_torch
@pytest.mark.parametrize("causal", [False, True])
def test_noncontiguous_from_bthd(causal):
    _check((2, 4, 70, 32), (2, 4, 70, 32), (2, 4, 70, 32), transpose=True, is_causal=causal)


@needs_torch
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_causal_and_mask_combine(kind):
    """torch 2.13 applies both (older releases raised)."""
    rng = np.random.default_rng(6)
    mask = rng.random((20, 33)) > 0.3 if kind == "bool" else rng.standard_normal((2, 1, 20, 33)).astype(np.float32)
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), mask=mask, is_causal=True)


@needs_torch
def test_fully_masked_rows():
    mask = np.random.default_rng(4).random((2, 1, 20, 33)) > 0.5
    mask[0, 0, 3] = False
    mask[1, 0, 7:9] = False
    out = _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), mask=mask)
    o = out.detach().numpy()
    assert not np.isnan(o).any()
    assert np.all(o[0, :, 3] == 0) and np.all(o[1, :, 7:9] == 0)
    fmask = np.where(mask, 0.0, -np.inf).astype(np.float32)
    _check((2, 3, 20, 16), (2, 3, 33, 16), (2, 3, 33, 16), mask=fmask)


@needs_torch
def test_fully_masked_rows_zero_grad():
    q = ember.randn(1, 1, 4, 8, requires_grad=True)
    k, v = ember.randn(1, 1, 5, 8, requires_grad=True), ember.randn(1, 1, 5, 8, requires_grad=True)
    mask = ember.ones(4, 5, dtype=ember.bool)
    mask[2] = False
    F.scaled_dot_product_attention(q, k, v, attn_mask=mask).sum().backward()
    assert np.all(q.grad.numpy()[0, 0, 2] == 0)
    assert np.isfinite(k.grad.numpy()).all() and np.isfinite(v.grad.numpy()).all()


@needs_torch
def test_float_mask_requires_grad():
    """A float mask that requires grad takes the reference path and gets its (reduced) gradient."""
    for mshape in [(20, 33), (2, 1, 20, 33)]:
        me, mt = _pair(_rand(mshape, 7))
        qe, qt = _pair(_rand((2, 3, 20, 16), 0))
        ke, kt = _pair(_rand((2, 3, 33, 16), 1))
        ve, vt = _pair(_rand((2, 3, 33, 16), 2))
        oe = F.scaled_dot_product_attention(qe, ke, ve, attn_mask=me)
        ot = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, attn_mask=mt)
        oe.sum().backward()
        ot.sum().backward()
        np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=2e-5)
        for e, t in ((me, mt), (qe, qt), (ke, kt), (ve, vt)):
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_dtypes(dtype):
    a = [_rand(s, i) for i, s in enumerate(((2, 2, 20, 16), (2, 2, 33, 16), (2, 2, 33, 16)))]
    ed, td = getattr(ember, dtype), getattr(torch, dtype)
    oe = F.scaled_dot_product_attention(*[ember.tensor(x).to(ed) for x in a], is_causal=True)
    ot = torch.nn.functional.scaled_dot_product_attention(*[torch.tensor(x).to(torch.float32) for x in a],
                                                          is_causal=True)
    assert oe.dtype is ed
    tol = 1e-2 if dtype == "float16" else 5e-2
    np.testing.assert_allclose(oe.float().numpy(), ot.numpy(), rtol=tol, atol=tol)
    assert td is not None


# ---- fused vs reference ---------------------------------------------------------------------------------

def _both_paths(fn):
    outs = []
    for force in (False, True):
        old = attn_mod._force_reference
        attn_mod._force_reference = force
        try:
            outs.append(fn())
        finally:
            attn_mod._force_reference = old
    return outs


@pytest.mark.parametrize("cfg", [
    dict(is_causal=True), dict(mask="bool"), dict(mask="float"), dict(enable_gqa=True, is_causal=True),
    dict(scale=0.5),
])
def test_fused_matches_reference(cfg):
    cfg = dict(cfg)
    mk = cfg.pop("mask", None)
    hk = 2 if cfg.get("enable_gqa") else 4
    qa, ka, va = _rand((2, 4, 65, 24), 0), _rand((2, hk, 130, 24), 1), _rand((2, hk, 130, 24), 2)
    mask = None
    if mk == "bool":
        mask = ember.tensor(np.random.default_rng(3).random((1, 4, 65, 130)) > 0.3)
    elif mk == "float":
        mask = ember.tensor(_rand((65, 130), 3))

    def run():
        q, k, v = (ember.tensor(x).requires_grad_() for x in (qa, ka, va))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **cfg)
        out.backward(ember.tensor(_rand(tuple(out.shape), 4)))
        return [out.detach().numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy()]

    fused, ref = _both_paths(run)
    for a, b in zip(fused, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_cpp_reference_kernel_matches_fast():
    qa, ka, va = _rand((2, 4, 70, 20), 0), _rand((2, 2, 90, 20), 1), _rand((2, 2, 90, 12), 2)
    mask = ember.tensor(np.random.default_rng(3).random((70, 90)) > 0.2)
    res = []
    for mode in ("fast", "reference"):
        ember.set_kernels(mode)
        q, k, v = (ember.tensor(x).requires_grad_() for x in (qa, ka, va))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        out.backward(ember.tensor(_rand(tuple(out.shape), 4)))
        res.append([out.detach().numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_no_grad_path_records_nothing():
    q, k, v = ember.randn(2, 2, 5, 8), ember.randn(2, 2, 6, 8), ember.randn(2, 2, 6, 8)
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.grad_fn is None and not out.requires_grad
    with ember.no_grad():
        out = F.scaled_dot_product_attention(q.requires_grad_(), k, v)
    assert out.grad_fn is None


# ---- gradcheck / gradgradcheck in float64 (fused forward/backward; double backward by formula) ------------

def _sdpa(**kw):
    return lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, **kw)


@pytest.mark.parametrize("kw", [dict(), dict(is_causal=True), dict(scale=0.7)])
def test_gradcheck_basic(kw):
    grad_case(_sdpa(**kw), ember.randn(2, 2, 4, 3), ember.randn(2, 2, 5, 3), ember.randn(2, 2, 5, 2), gradgrad=True)


def test_gradcheck_causal_long_query():
    grad_case(_sdpa(is_causal=True), ember.randn(1, 2, 7, 3), ember.randn(1, 2, 4, 3), ember.randn(1, 2, 4, 3),
              gradgrad=True)


def test_gradcheck_masks():
    bmask = ember.tensor(np.random.default_rng(0).random((5, 6)) > 0.4)
    bmask[1] = False  # a fully masked row
    grad_case(lambda m, q, k, v, mk: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mk),
              ember.randn(1, 2, 5, 3), ember.randn(1, 2, 6, 3), ember.randn(1, 2, 6, 2), bmask, gradgrad=True)
    fmask = ember.randn(2, 1, 5, 6)
    grad_case(lambda m, q, k, v, mk: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mk),
              ember.randn(2, 1, 5, 3), ember.randn(2, 1, 6, 3), ember.randn(2, 1, 6, 2), const(fmask), gradgrad=True)
    # the mask itself differentiable (reference path)
    grad_case(lambda m, q, k, v, mk: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mk),
              ember.randn(2, 2, 5, 4), ember.randn(2, 2, 6, 4), ember.randn(2, 2, 6, 4), ember.randn(5, 6))


def test_gradcheck_gqa_and_ranks():
    grad_case(_sdpa(enable_gqa=True), ember.randn(1, 4, 3, 2), ember.randn(1, 2, 4, 2), ember.randn(1, 2, 4, 2),
              gradgrad=True)
    grad_case(_sdpa(is_causal=True), ember.randn(4, 3), ember.randn(5, 3), ember.randn(5, 2), gradgrad=True)
    grad_case(_sdpa(), ember.randn(2, 1, 2, 3, 2), ember.randn(2, 1, 2, 4, 2), ember.randn(2, 1, 2, 4, 2))


# ---- dropout (reference path) ------------------------------------------------------------------------------

def test_dropout_zero_is_identity():
    q, k, v = ember.randn(2, 2, 9, 8), ember.randn(2, 2, 11, 8), ember.randn(2, 2, 11, 8)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
    b = F.scaled_dot_product_attention(q, k, v)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout_one_gives_zeros():
    q, k, v = ember.randn(2, 2, 9, 8), ember.randn(2, 2, 11, 8), ember.randn(2, 2, 11, 8)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert np.all(out.numpy() == 0)


def test_dropout_preserves_mean():
    # v = 1: each output is the sum of the kept weights / (1 - p), whose expectation is 1
    q, k, v = ember.randn(4, 4, 64, 8), ember.randn(4, 4, 64, 8), ember.ones(4, 4, 64, 8)
    ember.manual_seed(0)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).numpy()
    assert abs(out.mean() - 1.0) < 0.02
    assert out.std() > 0.05  # something was dropped


def test_dropout_gradient_consistent_with_its_mask():
    q, k, v = (ember.randn(1, 2, 5, 4, dtype=ember.float64).requires_grad_() for _ in range(3))

    def f(q, k, v):
        ember.manual_seed(123)  # the same dropout mask on every call
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    assert ember.autograd.gradcheck(f, (q, k, v), atol=1e-5, rtol=1e-3)
    a, b = f(q, k, v), f(q, k, v)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# ---- bad input ---------------------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("case", ["head_dim", "mask_shape", "mask_dtype"])
def test_errors(case):
    q, k, v = _rand((2, 2, 5, 8), 0), _rand((2, 2, 6, 8), 1), _rand((2, 2, 6, 8), 2)
    mask = None
    kw = {}
    if case == "head_dim":
        k = _rand((2, 2, 6, 7), 1)
    elif case == "mask_shape":
        mask = np.ones((4, 6), dtype=bool)
    elif case == "mask_dtype":
        mask = np.ones((5, 6), dtype=np.int64)
    me, mt = _mask_pair(mask)
    with pytest.raises(RuntimeError):
        torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                                         attn_mask=mt, **kw)
    with pytest.raises(RuntimeError, match=OP):
        F.scaled_dot_product_attention(ember.tensor(q), ember.tensor(k), ember.tensor(v), attn_mask=me, **kw)


def test_errors_types():
    q = ember.randn(2, 5, 8)
    with pytest.raises(TypeError, match=OP):
        F.scaled_dot_product_attention(q, np.zeros((2, 5, 8)), q)
    with pytest.raises(RuntimeError, match=OP):
        F.scaled_dot_product_attention(ember.randn(2, 4, 5, 8), ember.randn(2, 3, 5, 8), ember.randn(2, 3, 5, 8),
                                       enable_gqa=True)
    with pytest.raises(ValueError, match=OP):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)
    with pytest.raises(RuntimeError, match=OP):  # torch 2.13 does not check this one
        F.scaled_dot_product_attention(q, ember.randn(2, 6, 8), ember.randn(2, 7, 8))


@needs_torch
def test_noncontiguous_mask_and_empty():
    # a transposed (non-contiguous) mask is read through its strides
    m = np.random.default_rng(8).random((33, 20)) > 0.3
    qa, ka, va = _rand((2, 3, 20, 16), 0), _rand((2, 3, 33, 16), 1), _rand((2, 3, 33, 16), 2)
    oe = F.scaled_dot_product_attention(ember.tensor(qa), ember.tensor(ka), ember.tensor(va),
                                        attn_mask=ember.tensor(m).t())
    ot = torch.nn.functional.scaled_dot_product_attention(torch.tensor(qa), torch.tensor(ka), torch.tensor(va),
                                                          attn_mask=torch.tensor(m).t())
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-4, atol=2e-5)
    for L, S in [(0, 5), (4, 0)]:
        q = ember.randn(2, 2, L, 8, requires_grad=True)
        k, v = ember.randn(2, 2, S, 8, requires_grad=True), ember.randn(2, 2, S, 8, requires_grad=True)
        out = F.scaled_dot_product_attention(q, k, v)
        assert tuple(out.shape) == (2, 2, L, 8) and not out.detach().numpy().any()
        out.sum().backward()
        assert q.grad is not None and tuple(q.grad.shape) == (2, 2, L, 8)


@needs_torch
def test_float_mask_of_other_dtype():
    qa, ka, va = _rand((2, 3, 20, 16), 0, np.float64), _rand((2, 3, 33, 16), 1, np.float64), _rand((2, 3, 33, 16), 2)
    m = _rand((20, 33), 3)  # float32 mask with float64 inputs: accepted as torch does, and cast to float64
    # (torch 2.13 itself returns wrong values for this mix, so its oracle gets the cast mask)
    va = va.astype(np.float64)
    oe = F.scaled_dot_product_attention(ember.tensor(qa), ember.tensor(ka), ember.tensor(va), attn_mask=ember.tensor(m))
    ot = torch.nn.functional.scaled_dot_product_attention(torch.tensor(qa), torch.tensor(ka), torch.tensor(va),
                                                          attn_mask=torch.tensor(m).double())
    assert oe.dtype is ember.float64
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-10, atol=1e-12)


@needs_torch
def test_half_dtype_gradients():
    a = [_rand(s, i) for i, s in enumerate(((1, 2, 20, 16), (1, 2, 33, 16), (1, 2, 33, 16)))]
    q, k, v = (ember.tensor(x).to(ember.bfloat16).requires_grad_() for x in a)
    tq, tk, tv = (torch.tensor(x).requires_grad_() for x in a)
    F.scaled_dot_product_attention(q, k, v, is_causal=True).float().sum().backward()
    torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True).sum().backward()
    assert q.grad.dtype is ember.bfloat16
    for e, t in ((q, tq), (k, tk), (v, tv)):
        np.testing.assert_allclose(e.grad.float().numpy(), t.grad.numpy(), rtol=5e-2, atol=5e-2)


# ---- q/k/v split from one fused projection (the char-GPT layout): packed gradients ----------------------

def _qkv_split(lib, x, layout, B, T, H, D):
    """q, k, v as slices of one leaf x: 'gpt' = (B, T, 3C) viewed (B, T, 3, H, D), permuted, unbound;
    'heads_first' = (3, B, H, T, D) unbound along 0; 'chunk' = (B, H, T, 3D) chunked along -1."""
    if layout == "gpt":
        return x.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4).unbind(0)
    if layout == "heads_first":
        return x.unbind(0)
    return x.chunk(3, dim=-1)


_QKV_SHAPES = {"gpt": lambda B, T, H, D: (B, T, 3 * H * D), "heads_first": lambda B, T, H, D: (3, B, H, T, D),
               "chunk": lambda B, T, H, D: (B, H, T, 3 * D)}


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("layout", ["gpt", "heads_first", "chunk"])
@pytest.mark.parametrize("causal", [False, True])
def test_qkv_split_gradients(kernels, layout, causal):
    """dq/dk/dv are written straight into one buffer laid out like the qkv tensor (and unbind's
    backward then returns that buffer as a view): the qkv gradient must still match torch."""
    B, T, H, D = 2, 37, 3, 16
    x = _rand(_QKV_SHAPES[layout](B, T, H, D), 0)
    g = _rand((B, H, T, D), 1)
    grads = []
    ember.set_kernels(kernels)
    try:
        for lib in (ember, torch):
            X = lib.tensor(x).requires_grad_()
            q, k, v = _qkv_split(lib, X, layout, B, T, H, D)
            y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
            (y * lib.tensor(g)).sum().backward()
            grads.append(X.grad.numpy())
    finally:
        ember.set_kernels("fast")
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-4)


@needs_torch
def test_qkv_split_gradients_accumulate_and_float64():
    """Two backward passes into one qkv leaf (the packed gradient buffer is not aliased by .grad), float64."""
    B, T, H, D = 2, 9, 2, 8
    x = _rand((B, T, 3 * H * D), 2, np.float64)
    grads = []
    for lib in (ember, torch):
        X = lib.tensor(x).requires_grad_()
        for causal in (True, False):
            q, k, v = X.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4).unbind(0)
            y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
            y.transpose(1, 2).reshape(B, T, H * D).pow(2).sum().backward()
        grads.append(X.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-9)


def test_qkv_split_gradgrad():
    """create_graph through the split: the differentiable backward (stack recorded), then double backward."""
    B, T, H, D = 1, 4, 2, 3
    x = ember.tensor(_rand((B, T, 3 * H * D), 3, np.float64))
    grad_case(lambda m, X: m.nn.functional.scaled_dot_product_attention(
        *X.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4).unbind(0), is_causal=True), x, gradgrad=True)


def test_unbind_backward_view_only_for_exact_slices():
    from ember.autograd.grad_fns.shape import _unbound_slices

    def fresh(*ts):  # as the fused attention backward marks its buffers
        for t in ts:
            if t is not None:
                t._fresh_grad = True
        return list(ts)

    base = ember.arange(24.0).reshape(2, 3, 4)
    for dim in range(3):
        got = _unbound_slices(fresh(*base.unbind(dim)), dim)
        assert got is not None and got._t.same_storage(base._t)
        np.testing.assert_array_equal(got.numpy(), base.numpy())
        assert _unbound_slices(list(base.unbind(dim)), dim) is None  # unmarked: stacked (copied)
    flat = ember.arange(10.0)
    overlapping = fresh(*[flat[i:i + 4] for i in range(3)])  # offsets step 1 < the slices' extent
    assert _unbound_slices(overlapping, 0) is None
    assert _unbound_slices(fresh(flat[0:4], flat[6:10]), 0) is not None
    assert _unbound_slices(fresh(flat[0:4], ember.arange(4.0)), 0) is None  # other storage
    assert _unbound_slices(fresh(flat[0:4], flat[4:10:2], flat[8:10]), 0) is None  # shapes/strides differ
    assert _unbound_slices(fresh(flat[0:4], None), 0) is None


def test_unbind_backward_never_aliases_a_custom_functions_buffer():
    """A custom Function whose backward returns slices of a tensor it keeps: the leaf's .grad must be
    a copy (as PyTorch's stack), so later changes to that tensor do not leak into .grad."""
    keep = ember.arange(6.0).reshape(2, 3)

    class Pair(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return keep[0], keep[1]

    x = ember.zeros(2, 3, requires_grad=True)
    a, b = x.unbind(0)
    Pair.apply(a, b).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(2, 3))
    keep.mul_(10)
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(2, 3))


def test_qkv_split_backward_skips_the_stack(monkeypatch):
    """The fused backward's dq/dk/dv of a qkv split come back through UnbindBackward as one view:
    no stack is called (the copy this path exists to avoid)."""
    from ember.autograd.grad_fns import shape as shape_fns
    calls = []
    real = shape_fns._S.stack
    monkeypatch.setattr(shape_fns._S, "stack", lambda *a, **k: calls.append(1) or real(*a, **k))
    B, T, H, D = 2, 8, 2, 4
    X = ember.tensor(_rand((B, T, 3 * H * D), 5, np.float32), requires_grad=True)
    q, k, v = X.view(B, T, 3, H, D).permute(2, 0, 3, 1, 4).unbind(0)
    ember.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward()
    assert X.grad is not None and calls == []


@needs_torch
@pytest.mark.parametrize("causal", [False, True])
def test_output_strides_match_torch(causal):
    """The output is contiguous (N, H, L, Ev) as in torch 2.13, so views of it behave alike."""
    a = _rand((2, 3, 5, 4), 0)
    e = F.scaled_dot_product_attention(*(ember.tensor(a).requires_grad_(),) * 3, is_causal=causal)
    t = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(a).requires_grad_(),) * 3, is_causal=causal)
    assert tuple(e.stride()) == tuple(t.stride())
