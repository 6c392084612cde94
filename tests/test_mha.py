"""nn.MultiheadAttention and F.multi_head_attention_forward against PyTorch: the torch module's
weights are loaded into the ember one (float64), then outputs, input gradients and parameter
gradients are compared for every option; plus state_dict keys, init, repr and bad input."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import needs_torch
from gradutil import const, grad_case

try:
    import torch
except ImportError:
    torch = None

E, H, L, S, N = 8, 2, 5, 4, 3


pytestmark = pytest.mark.usefixtures("torch_one_thread")


class Const:
    """A numpy input that is passed as a tensor but not differentiated (masks)."""

    def __init__(self, a):
        self.a = a


def _to(lib, a):
    if isinstance(a, Const):
        return lib.tensor(a.a)
    if isinstance(a, np.ndarray):
        return lib.tensor(a, requires_grad=True)
    return a


def _np(t):
    return t.detach().numpy()


def load_torch_weights(em, tm):
    """Loads the torch module's parameters/buffers into the ember module (state_dict keys must match)."""
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def parity(tm, em, fn, *arrays, train=False, rtol=1e-7, atol=1e-9, seed=0):
    """Runs ``fn(module, lib, *tensors)`` on both libraries (same weights, float64) and compares
    every output, the gradients of the array inputs and of every parameter for a random upstream
    gradient. Returns the ember outputs."""
    tm.train(train)
    em.train(train)
    t_in = [_to(torch, a) for a in arrays]
    e_in = [_to(ember, a) for a in arrays]
    out_t, out_e = fn(tm, torch, *t_in), fn(em, ember, *e_in)
    out_t = [o for o in (out_t if isinstance(out_t, tuple) else (out_t,))]
    out_e = [o for o in (out_e if isinstance(out_e, tuple) else (out_e,))]
    assert [o is None for o in out_t] == [o is None for o in out_e]
    rng = np.random.default_rng(seed)
    loss_t, loss_e = 0, 0
    for a, b in zip(out_e, out_t):
        if b is None:
            continue
        assert tuple(a.shape) == tuple(b.shape), (tuple(a.shape), tuple(b.shape))
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)
        g = rng.standard_normal(tuple(b.shape))
        loss_t = loss_t + (b * torch.tensor(g)).sum()
        loss_e = loss_e + (a * ember.tensor(g)).sum()
    loss_t.backward()
    loss_e.backward()
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert (a.grad is None) == (b.grad is None), f"input {i}"
            if b.grad is not None:
                np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=rtol, atol=atol, err_msg=f"input {i}")
    pe, pt = dict(em.named_parameters()), dict(tm.named_parameters())
    assert list(pe) == list(pt)
    for k in pt:
        if pt[k].grad is None:
            assert pe[k].grad is None or not np.any(_np(pe[k].grad)), k
            continue
        assert pe[k].grad is not None, k
        np.testing.assert_allclose(_np(pe[k].grad), _np(pt[k].grad), rtol=rtol, atol=atol, err_msg=k)
    return out_e


def make_pair(*args, **kw):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(*args, **kw).double()
    em = nn.MultiheadAttention(*args, **kw).double()
    load_torch_weights(em, tm)
    return tm, em


def rand(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


def bool_kpm(n, s, seed=1):
    """(n, s) key padding mask, True = ignored; key 0 always kept so no row is fully masked."""
    m = np.random.default_rng(seed).random((n, s)) < 0.4
    m[..., 0] = False
    return m


def bool_attn(shape, seed=2):
    """attn_mask, True = not allowed; column 0 always allowed."""
    m = np.random.default_rng(seed).random(shape) < 0.4
    m[..., 0] = False
    return m


def as_float(mask):
    return np.where(mask, -np.inf, 0.0)


def _self(need_weights=True, average=True, **kw):
    def f(m, lib, x):
        return m(x, x, x, need_weights=need_weights, average_attn_weights=average, **kw)
    return f


def _call(need_weights=True, average=True, **kw):
    def f(m, lib, q, k, v, *masks):
        extra = dict(zip(kw.get("mask_names", ()), masks))
        return m(q, k, v, need_weights=need_weights, average_attn_weights=average, **extra)
    return f


# ---- construction ---------------------------------------------------------------------------------
CONFIGS = [dict(), dict(bias=False), dict(add_bias_kv=True), dict(kdim=6, vdim=5), dict(kdim=6, vdim=5, bias=False),
           dict(add_bias_kv=True, add_zero_attn=True, batch_first=True), dict(kdim=6)]


@needs_torch
@pytest.mark.parametrize("kw", CONFIGS)
def test_state_dict_keys_shapes_and_repr_match_torch(kw):
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    em = nn.MultiheadAttention(E, H, **kw)
    ts, es = tm.state_dict(), em.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
    assert repr(em) == repr(tm)
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "batch_first", "dropout",
                 "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(em, attr) == getattr(tm, attr), attr
    assert (em.bias_k is None) == (tm.bias_k is None)
    assert type(em.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(em.out_proj, nn.Linear)


def test_init_follows_torch_scheme():
    ember.manual_seed(0)
    m = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (64 + 3 * 64))  # xavier-uniform of (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not np.any(m.in_proj_bias.detach().numpy())
    assert not np.any(m.out_proj.bias.detach().numpy())
    ow = m.out_proj.weight.detach().numpy()  # Linear's kaiming-uniform(a=sqrt(5)): bound 1/sqrt(E)
    assert np.abs(ow).max() <= 1 / 8 and np.abs(ow).max() > 0.9 / 8
    assert np.any(m.bias_k.detach().numpy()) and np.any(m.bias_v.detach().numpy())
    sep = nn.MultiheadAttention(8, 2, kdim=6, vdim=5)
    assert sep.in_proj_weight is None and tuple(sep.k_proj_weight.shape) == (8, 6)
    assert np.abs(sep.v_proj_weight.detach().numpy()).max() <= np.sqrt(6.0 / (8 + 5))


def test_dtype_argument():
    m = nn.MultiheadAttention(E, H, dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in m.parameters())


# ---- forward / backward parity --------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_self_attention(batch_first, need_weights, average):
    tm, em = make_pair(E, H, batch_first=batch_first)
    x = rand(N, L, E) if batch_first else rand(L, N, E)
    parity(tm, em, _self(need_weights, average), x)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention_key_is_value(batch_first, need_weights):
    tm, em = make_pair(E, H, batch_first=batch_first)
    q = rand(N, L, E) if batch_first else rand(L, N, E)
    mem = rand(N, S, E, seed=3) if batch_first else rand(S, N, E, seed=3)

    def f(m, lib, q, mem):
        return m(q, mem, mem, need_weights=need_weights)
    parity(tm, em, f, q, mem)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_distinct_query_key_value(need_weights):
    tm, em = make_pair(E, H)
    parity(tm, em, _call(need_weights), rand(L, N, E), rand(S, N, E, seed=1), rand(S, N, E, seed=2))


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_kdim_vdim(batch_first, need_weights, bias):
    tm, em = make_pair(E, H, kdim=6, vdim=5, batch_first=batch_first, bias=bias)
    if batch_first:
        q, k, v = rand(N, L, E), rand(N, S, 6), rand(N, S, 5)
    else:
        q, k, v = rand(L, N, E), rand(S, N, 6), rand(S, N, 5)
    parity(tm, em, _call(need_weights), q, k, v)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_bias_false(need_weights):
    tm, em = make_pair(E, H, bias=False)
    parity(tm, em, _self(need_weights), rand(L, N, E))


@needs_torch
@pytest.mark.parametrize("add_bias_kv,add_zero_attn", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("masks", [False, True])
def test_bias_kv_and_zero_attn(add_bias_kv, add_zero_attn, need_weights, masks):
    tm, em = make_pair(E, H, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn)
    arrays = [rand(L, N, E), rand(S, N, E, seed=1), rand(S, N, E, seed=1)]
    names = ()
    if masks:
        arrays += [Const(bool_kpm(N, S)), Const(bool_attn((L, S)))]
        names = ("key_padding_mask", "attn_mask")
    parity(tm, em, _call(need_weights, mask_names=names), *arrays)


@needs_torch
@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_key_padding_mask(kind, need_weights, batch_first):
    tm, em = make_pair(E, H, batch_first=batch_first)
    kpm = bool_kpm(N, L)
    kpm = kpm if kind == "bool" else as_float(kpm) + rand(N, L, seed=9) * 0.5
    x = rand(N, L, E) if batch_first else rand(L, N, E)

    def f(m, lib, x, kpm):
        return m(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
    parity(tm, em, f, x, Const(kpm))


@needs_torch
@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("need_weights", [True, False])
def test_attn_mask(kind, ndim, need_weights):
    tm, em = make_pair(E, H)
    shape = (L, S) if ndim == 2 else (N * H, L, S)
    mask = bool_attn(shape)
    mask = mask if kind == "bool" else as_float(mask) + rand(*shape, seed=4)
    arrays = [rand(L, N, E), rand(S, N, E, seed=1), rand(S, N, E, seed=1), Const(mask)]
    parity(tm, em, _call(need_weights, mask_names=("attn_mask",)), *arrays)


@needs_torch
@pytest.mark.parametrize("kinds", [("bool", "bool"), ("float", "float"), ("bool", "float"), ("float", "bool")])
@pytest.mark.parametrize("need_weights", [True, False])
def test_key_padding_and_attn_mask_merged(kinds, need_weights):
    tm, em = make_pair(E, H, batch_first=True)
    kpm, am = bool_kpm(N, S), bool_attn((N * H, L, S))
    kpm = kpm if kinds[0] == "bool" else as_float(kpm)
    am = am if kinds[1] == "bool" else as_float(am)
    arrays = [rand(N, L, E), rand(N, S, E, seed=1), rand(N, S, E, seed=1), Const(kpm), Const(am)]
    f = _call(need_weights, mask_names=("key_padding_mask", "attn_mask"))
    if kinds[0] != kinds[1]:
        # Mixed mask types still work, with torch's deprecation warning.
        with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
            parity(tm, em, f, *arrays)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parity(tm, em, f, *arrays)


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")  # bool kpm, float causal mask
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_is_causal(need_weights, with_kpm, batch_first):
    tm, em = make_pair(E, H, batch_first=batch_first)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64).numpy()
    x = rand(N, L, E) if batch_first else rand(L, N, E)
    arrays = [x, Const(causal)] + ([Const(bool_kpm(N, L))] if with_kpm else [])

    def f(m, lib, x, mask, *kpm):
        return m(x, x, x, attn_mask=mask, is_causal=True, need_weights=need_weights,
                 key_padding_mask=kpm[0] if kpm else None)
    parity(tm, em, f, *arrays)


@needs_torch
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched(need_weights, average, masks, batch_first):
    tm, em = make_pair(E, H, batch_first=batch_first)
    arrays = [rand(L, E), rand(S, E, seed=1), rand(S, E, seed=1)]
    names = ()
    if masks:
        arrays += [Const(bool_kpm(1, S)[0]), Const(as_float(bool_attn((H, L, S))))]
        names = ("key_padding_mask", "attn_mask")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bool key_padding_mask with a float attn_mask
        parity(tm, em, _call(need_weights, average, mask_names=names), *arrays)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_train_mode_without_dropout(need_weights):
    tm, em = make_pair(E, H, batch_first=True)
    parity(tm, em, _self(need_weights), rand(N, L, E), train=True)


@needs_torch
def test_eval_mode_ignores_dropout():
    tm, em = make_pair(E, H, dropout=0.5)
    parity(tm, em, _self(True), rand(L, N, E), train=False)


@pytest.mark.parametrize("need_weights", [True, False])
def test_dropout_in_train_mode(need_weights):
    ember.manual_seed(0)
    m = nn.MultiheadAttention(E, H, dropout=0.5).double()
    x = ember.tensor(rand(L, N, E), requires_grad=True)
    m.eval()
    ref = m(x, x, x, need_weights=need_weights)[0]
    m.train()
    out, w = m(x, x, x, need_weights=need_weights)
    assert tuple(out.shape) == (L, N, E)
    assert not np.allclose(out.detach().numpy(), ref.detach().numpy())
    if need_weights:
        # dropped weights are zeros, kept ones are scaled by 2: rows no longer sum to one
        assert not np.allclose(w.detach().numpy().sum(-1), 1.0)
    out.sum().backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all()


@needs_torch
@pytest.mark.parametrize("layout", ["self", "encdec", "distinct", "separate"])
def test_packed_self_attention_is_one_projection_gemm(monkeypatch, layout):
    from ember.nn._functional import mha as mha_mod
    calls = []
    real = mha_mod.linear

    def counting(x, w, b=None):
        calls.append(tuple(w.shape))
        return real(x, w, b)
    monkeypatch.setattr(mha_mod, "linear", counting)
    m = nn.MultiheadAttention(E, H, kdim=6 if layout == "separate" else None)
    x = ember.randn(L, N, E)
    if layout == "self":
        m(x, x, x)
        assert calls == [(3 * E, E), (E, E)]
    elif layout == "encdec":
        mem = ember.randn(S, N, E)
        m(x, mem, mem)
        assert calls == [(E, E), (2 * E, E), (E, E)]
    elif layout == "distinct":
        m(x, ember.randn(S, N, E), ember.randn(S, N, E))
        assert len(calls) == 4
    else:
        m(x, ember.randn(S, N, 6), ember.randn(S, N, E))
        assert calls == [(E, E), (E, 6), (E, E), (E, E)]


# ---- the functional form --------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("bias_kv", [False, True])
def test_functional_gradcheck(need_weights, bias_kv):
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((3, 1, 4)), rng.standard_normal((2, 1, 4))
    w_in, b_in = rng.standard_normal((12, 4)) * 0.5, rng.standard_normal(12) * 0.1
    w_out, b_out = rng.standard_normal((4, 4)) * 0.5, rng.standard_normal(4) * 0.1
    bk, bv = rng.standard_normal((1, 1, 4)), rng.standard_normal((1, 1, 4))
    kpm = np.array([[False, True]])
    args = [ember.tensor(a) for a in (q, k, w_in, b_in, w_out, b_out, bk, bv)]
    if bias_kv:  # keep gradcheck small: differentiate q and the key/value biases only
        args = [a if i in (0, 6, 7) else const(a) for i, a in enumerate(args)]

    def f(m, q, k, w_in, b_in, w_out, b_out, bk, bv, kpm):
        return m.nn.functional.multi_head_attention_forward(
            q, k, k, 4, 2, w_in, b_in, bk if bias_kv else None, bv if bias_kv else None, False, 0.0, w_out, b_out,
            training=False, key_padding_mask=kpm, need_weights=need_weights)
    grad_case(f, *args, const(ember.tensor(kpm)), gradgrad=need_weights and not bias_kv)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_functional_separate_weights_and_static_kv(need_weights):
    rng = np.random.default_rng(1)
    e, h, n = 4, 2, 1
    q = rng.standard_normal((2, n, e))
    k, v = rng.standard_normal((3, n, 3)), rng.standard_normal((3, n, 2))
    wq, wk, wv = rng.standard_normal((e, e)), rng.standard_normal((e, 3)), rng.standard_normal((e, 2))
    b_in, w_out, b_out = rng.standard_normal(3 * e), rng.standard_normal((e, e)), rng.standard_normal(e)
    sk, sv = rng.standard_normal((n * h, 2, e // h)), rng.standard_normal((n * h, 2, e // h))

    def f(m, q, k, v, wq, wk, wv, b_in, w_out):
        return m.nn.functional.multi_head_attention_forward(
            q, k, v, e, h, None, b_in, None, None, False, 0.0, w_out, None, training=False,
            need_weights=need_weights, use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
            v_proj_weight=wv)
    grad_case(f, *[ember.tensor(a) for a in (q, k, v, wq, wk, wv, b_in, w_out)])

    w_in = rng.standard_normal((3 * e, e))

    def g(m, q, k, w_in, b_out, sk, sv):
        return m.nn.functional.multi_head_attention_forward(
            q, k, k, e, h, w_in, None, None, None, True, 0.0, m.eye(e, dtype=m.float64), b_out, training=False,
            need_weights=need_weights, static_k=sk, static_v=sv)
    grad_case(g, *[ember.tensor(a) for a in (q, rng.standard_normal((3, n, e)))], const(ember.tensor(w_in)),
              *[ember.tensor(a) for a in (b_out, sk, sv)])


# ---- bad input ------------------------------------------------------------------------------------
def test_bad_construction():
    with pytest.raises(AssertionError, match=r"\[MultiheadAttention\] embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*greater than 0"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\]"):
        nn.MultiheadAttention(8, -1)


def _m():
    return nn.MultiheadAttention(E, H)


@pytest.mark.parametrize("call,exc,msg", [
    (lambda m, x: m(x, x, x, attn_mask=ember.zeros(L, L + 1, dtype=ember.bool)), RuntimeError,
     "shape of the 2D attn_mask"),
    (lambda m, x: m(x, x, x, attn_mask=ember.zeros(N, L, L)), RuntimeError, "shape of the 3D attn_mask"),
    (lambda m, x: m(x, x, x, attn_mask=ember.zeros(1, N * H, L, L)), AssertionError, "`attn_mask`"),
    (lambda m, x: m(x, x, x, key_padding_mask=ember.zeros(N, L + 2, dtype=ember.bool)), AssertionError,
     "key_padded_mask.shape"),
    (lambda m, x: m(x, x, x, key_padding_mask=ember.zeros(L, dtype=ember.bool)), AssertionError,
     "key_padding_mask"),
    (lambda m, x: m(x, x, x, attn_mask=ember.zeros(L, L, dtype=ember.int64)), AssertionError,
     "only bool and floating types of attn_mask"),
    (lambda m, x: m(x, x, x, is_causal=True), RuntimeError, "Need attn_mask"),
    (lambda m, x: m(x.unsqueeze(0), x.unsqueeze(0), x.unsqueeze(0)), AssertionError, "4-D query"),
    (lambda m, x: m(x, x[0], x[0]), AssertionError, "expected `key` and `value` to be 3-D"),
    (lambda m, x: m(x, x, x[:-1]), AssertionError, "does not match value shape"),
    (lambda m, x: m(ember.randn(L, N, E + 2), x, x), AssertionError, "embedding dimension of 8"),
])
def test_bad_input(call, exc, msg):
    m, x = _m(), ember.randn(L, N, E)
    with pytest.raises(exc, match=msg) as info:
        call(m, x)
    assert "[MultiheadAttention]" in str(info.value)


def test_functional_errors_name_the_op():
    x = ember.randn(L, N, E)
    w, b = ember.randn(3 * E, E), ember.randn(3 * E)
    wo = ember.randn(E, E)
    F = nn.functional
    with pytest.raises(AssertionError, match=r"\[multi_head_attention_forward\] embed_dim 8 not divisible"):
        F.multi_head_attention_forward(x, x, x, E, 3, w, b, None, None, False, 0.0, wo, None)
    with pytest.raises(AssertionError, match=r"\[multi_head_attention_forward\] bias_k is set but bias_v"):
        F.multi_head_attention_forward(x, x, x, E, H, w, b, ember.randn(1, 1, E), None, False, 0.0, wo, None)
    with pytest.raises(AssertionError, match=r"\[multi_head_attention_forward\] expecting key weights shape"):
        F.multi_head_attention_forward(x, x, x, E, H, None, b, None, None, False, 0.0, wo, None,
                                       use_separate_proj_weight=True, q_proj_weight=wo,
                                       k_proj_weight=ember.randn(E, 3), v_proj_weight=wo)
    with pytest.raises(AssertionError, match=r"\[multi_head_attention_forward\] use_separate_proj_weight is False"):
        F.multi_head_attention_forward(x, x, x, E, H, None, b, None, None, False, 0.0, wo, None)
    with pytest.raises(TypeError, match=r"\[multi_head_attention_forward\]"):
        F.multi_head_attention_forward(np.zeros((L, N, E)), x, x, E, H, w, b, None, None, False, 0.0, wo, None)


@needs_torch
def test_fully_masked_batch_element_matches_torch():
    # need_weights=False (scaled_dot_product_attention): a query row with no key left gives zeros
    # (then the output projection's bias), with finite gradients, as torch's CPU path does.
    tm, em = make_pair(E, H, batch_first=True)
    with torch.no_grad():
        tm.out_proj.bias.normal_()
    load_torch_weights(em, tm)
    kpm = np.array([[True] * S, [False] + [True] * (S - 1), [False] * S])
    parity(tm, em, _call(False, mask_names=("key_padding_mask",)), rand(N, L, E), rand(N, S, E, seed=1),
           rand(N, S, E, seed=1), Const(kpm))
    # need_weights=True materializes softmax over all -inf: NaN rows, like torch
    q, kv = ember.tensor(rand(N, L, E)), ember.tensor(rand(N, S, E, seed=1))
    out, w = em(q, kv, kv, key_padding_mask=ember.tensor(kpm))
    assert np.isnan(w.detach().numpy()[0]).all() and not np.isnan(w.detach().numpy()[1:]).any()


@needs_torch
@pytest.mark.parametrize("which", ["kpm", "mask2d", "mask3d", "both"])
def test_merge_masks_matches_torch(which):
    tm, em = make_pair(E, H, batch_first=True)
    kpm = as_float(bool_kpm(N, L))
    am = as_float(bool_attn((L, L) if which != "mask3d" else (N * H, L, L)))
    kp_arg = kpm if which in ("kpm", "both") else None
    am_arg = am if which != "kpm" else None
    x = rand(N, L, E)
    mt, tt = tm.merge_masks(None if am_arg is None else torch.tensor(am_arg),
                            None if kp_arg is None else torch.tensor(kp_arg), torch.tensor(x))
    me, te = em.merge_masks(None if am_arg is None else ember.tensor(am_arg),
                            None if kp_arg is None else ember.tensor(kp_arg), ember.tensor(x))
    assert te == tt
    np.testing.assert_array_equal(me.numpy(), mt.numpy())


def test_functional_training_flag_controls_dropout():
    F = nn.functional
    ember.manual_seed(0)
    x = ember.randn(L, N, E, dtype=ember.float64)
    w, wo = ember.randn(3 * E, E, dtype=ember.float64), ember.randn(E, E, dtype=ember.float64)
    for need_weights in (True, False):
        base = F.multi_head_attention_forward(x, x, x, E, H, w, None, None, None, False, 0.0, wo, None,
                                              need_weights=need_weights)[0]
        off = F.multi_head_attention_forward(x, x, x, E, H, w, None, None, None, False, 0.9, wo, None,
                                             training=False, need_weights=need_weights)[0]
        on = F.multi_head_attention_forward(x, x, x, E, H, w, None, None, None, False, 0.9, wo, None,
                                            training=True, need_weights=need_weights)[0]
        np.testing.assert_array_equal(off.numpy(), base.numpy())
        assert not np.allclose(on.numpy(), base.numpy())
