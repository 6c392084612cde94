"""nn.Transformer{EncoderLayer,DecoderLayer,Encoder,Decoder,} against PyTorch: torch's weights are
loaded into the ember module (float64); outputs, input gradients and parameter gradients are
compared (eval mode, and train mode with dropout=0); plus state_dict keys, repr, init, masks."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import needs_torch
from test_mha import Const, bool_kpm, load_torch_weights, parity, rand  # noqa: F401

try:
    import torch
except ImportError:
    torch = None

D, NH, FF, S, T, N = 8, 2, 16, 5, 4, 3

pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.usefixtures("torch_one_thread")]


def make(name, *args, **kw):
    """(torch module, ember module) with the torch weights loaded into ember, both float64.
    ``activation`` may be a pair (torch callable, ember callable)."""
    tkw, ekw = dict(kw), dict(kw)
    if isinstance(kw.get("activation"), tuple):
        tkw["activation"], ekw["activation"] = kw["activation"]
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **tkw).double()
    em = getattr(nn, name)(*args, **ekw).double()
    load_torch_weights(em, tm)
    return tm, em


def seq(length, batch_first, seed=0, batched=True):
    if not batched:
        return rand(length, D, seed=seed)
    return rand(N, length, D, seed=seed) if batch_first else rand(length, N, D, seed=seed)


def causal(n):
    return torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64).numpy()


ACTS = {
    "relu": "relu",
    "gelu": "gelu",
    "callable": lambda: (torch.nn.functional.silu, ember.nn.functional.silu),
    "module": lambda: (torch.nn.GELU(), nn.GELU()),
}


def _act(name):
    a = ACTS[name]
    return a() if callable(a) else a


# ---- construction ---------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name,args,kw", [
    ("TransformerEncoderLayer", (D, NH, FF), {}),
    ("TransformerEncoderLayer", (D, NH, FF), {"bias": False, "norm_first": True}),
    ("TransformerDecoderLayer", (D, NH, FF), {}),
    ("TransformerDecoderLayer", (D, NH, FF), {"bias": False}),
    ("Transformer", (), dict(d_model=D, nhead=NH, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF)),
    ("Transformer", (), dict(d_model=D, nhead=NH, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=FF,
                             bias=False, activation="gelu")),
])
def test_state_dict_keys_and_repr_match_torch(name, args, kw):
    tm, em = getattr(torch.nn, name)(*args, **kw), getattr(nn, name)(*args, **kw)
    ts, es = tm.state_dict(), em.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
    assert repr(em) == repr(tm)


@needs_torch
def test_stacks_state_dict_keys():
    te = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, NH, FF), 3, torch.nn.LayerNorm(D))
    ee = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF), 3, nn.LayerNorm(D))
    assert list(ee.state_dict()) == list(te.state_dict())
    assert repr(ee) == repr(te)
    td = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, NH, FF), 2)
    ed = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, FF), 2)
    assert list(ed.state_dict()) == list(td.state_dict())
    assert repr(ed) == repr(td)
    assert (ee.num_layers, ee.enable_nested_tensor, ee.mask_check) == (3, True, True)


def test_layer_defaults_and_attributes():
    layer = nn.TransformerEncoderLayer(D, NH)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1 and layer.norm1.eps == 1e-5
    assert layer.self_attn.batch_first is False and layer.norm_first is False
    assert layer.activation is nn.functional.relu and layer.activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(D, NH, activation="gelu").activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(D, NH, activation=nn.functional.silu).activation_relu_or_gelu == 0
    dec = nn.TransformerDecoderLayer(D, NH, layer_norm_eps=1e-3, batch_first=True, norm_first=True)
    assert dec.norm3.eps == 1e-3 and dec.multihead_attn.batch_first and dec.norm_first


@needs_torch
@pytest.mark.parametrize("name", ["Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
                                  "TransformerEncoder", "TransformerDecoder", "MultiheadAttention"])
def test_signatures_match_torch(name):
    import inspect

    def sig(f):
        out = []
        for p in inspect.signature(f).parameters.values():
            d = p.default
            if callable(d) and not isinstance(d, type):
                d = getattr(d, "__name__", d)  # activation=F.relu: compare by name
            out.append((p.name, p.kind, d))
        return out
    te, ee = getattr(torch.nn, name), getattr(nn, name)
    assert sig(ee.__init__) == sig(te.__init__)
    assert sig(ee.forward) == sig(te.forward)


def test_encoder_deep_copies_the_layer():
    layer = nn.TransformerEncoderLayer(D, NH, FF)
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0], enc.layers[1]
    assert a is not layer and a is not b
    assert a.linear1.weight is not b.linear1.weight
    np.testing.assert_array_equal(a.linear1.weight.detach().numpy(), layer.linear1.weight.detach().numpy())
    np.testing.assert_array_equal(a.linear1.weight.detach().numpy(), b.linear1.weight.detach().numpy())
    assert len(list(enc.parameters())) == 2 * len(list(layer.parameters()))


def test_transformer_init_is_xavier_uniform():
    ember.manual_seed(0)
    t = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)
    w = t.encoder.layers[0].linear1.weight.detach().numpy()  # (64, 32)
    bound = np.sqrt(6.0 / (32 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    ow = t.decoder.layers[0].self_attn.out_proj.weight.detach().numpy()  # xavier, not kaiming: bound sqrt(6/64)
    assert np.abs(ow).max() > 1 / np.sqrt(32)
    assert np.abs(ow).max() <= np.sqrt(6.0 / 64)
    np.testing.assert_array_equal(t.encoder.norm.weight.detach().numpy(), np.ones(32))
    assert not np.any(t.decoder.layers[0].multihead_attn.in_proj_bias.detach().numpy())


@needs_torch
@pytest.mark.parametrize("sz", [1, 4])
def test_generate_square_subsequent_mask(sz):
    e = nn.Transformer.generate_square_subsequent_mask(sz)
    t = torch.nn.Transformer.generate_square_subsequent_mask(sz)
    assert e.dtype == ember.float32
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    e64 = nn.Transformer.generate_square_subsequent_mask(sz, dtype=ember.float64)
    assert e64.dtype == ember.float64
    from ember.nn.modules.transformer import _generate_square_subsequent_mask
    np.testing.assert_array_equal(_generate_square_subsequent_mask(sz).numpy(), t.numpy())


def test_detect_is_causal_mask():
    from ember.nn.modules.transformer import _detect_is_causal_mask
    m = nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(m) is True
    assert _detect_is_causal_mask(m, is_causal=False) is False
    assert _detect_is_causal_mask(ember.zeros(4, 4)) is False
    assert _detect_is_causal_mask(m, size=5) is False
    assert _detect_is_causal_mask(None, is_causal=True) is True


# ---- encoder layer --------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu", "callable", "module"])
def test_encoder_layer(batch_first, norm_first, act):
    tm, em = make("TransformerEncoderLayer", D, NH, FF, dropout=0.0, activation=_act(act),
                  batch_first=batch_first, norm_first=norm_first)
    parity(tm, em, lambda m, lib, x: m(x), seq(S, batch_first), rtol=1e-6, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("masks", ["causal_float", "is_causal", "kpm_bool", "kpm_float_and_mask", "mask3d_bool"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_masks(masks, batch_first):
    tm, em = make("TransformerEncoderLayer", D, NH, FF, dropout=0.0, batch_first=batch_first)
    x = seq(S, batch_first)
    kpm = bool_kpm(N, S)
    if masks == "causal_float":
        fn, extra = (lambda m, lib, x, mk: m(x, src_mask=mk)), [Const(causal(S))]
    elif masks == "is_causal":
        fn, extra = (lambda m, lib, x, mk: m(x, src_mask=mk, is_causal=True)), [Const(causal(S))]
    elif masks == "kpm_bool":
        fn, extra = (lambda m, lib, x, kp: m(x, src_key_padding_mask=kp)), [Const(kpm)]
    elif masks == "kpm_float_and_mask":
        fn = lambda m, lib, x, mk, kp: m(x, src_mask=mk, src_key_padding_mask=kp)  # noqa: E731
        extra = [Const(causal(S)), Const(np.where(kpm, -np.inf, 0.0))]
    else:
        mk = np.random.default_rng(3).random((N * NH, S, S)) < 0.3
        mk[..., 0] = False
        fn, extra = (lambda m, lib, x, mk: m(x, src_mask=mk)), [Const(mk)]
    parity(tm, em, fn, x, *extra, rtol=1e-6, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_bias_false_unbatched_and_train_mode(norm_first):
    tm, em = make("TransformerEncoderLayer", D, NH, FF, dropout=0.0, bias=False, norm_first=norm_first)
    parity(tm, em, lambda m, lib, x: m(x), seq(S, False, batched=False), rtol=1e-6, atol=1e-8)
    parity(tm, em, lambda m, lib, x: m(x), seq(S, False), train=True, rtol=1e-6, atol=1e-8)


@needs_torch
def test_encoder_layer_eval_ignores_dropout():
    tm, em = make("TransformerEncoderLayer", D, NH, FF, dropout=0.3, batch_first=True)
    parity(tm, em, lambda m, lib, x: m(x), seq(S, True), train=False, rtol=1e-6, atol=1e-8)


def test_encoder_layer_dropout_in_train_mode():
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.5).double()
    x = ember.tensor(seq(S, False))
    layer.eval()
    ref = layer(x).detach().numpy()
    layer.train()
    out = layer(x)
    assert tuple(out.shape) == (S, N, D) and not np.allclose(out.detach().numpy(), ref)


# ---- decoder layer --------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu", "callable"])
def test_decoder_layer(batch_first, norm_first, act):
    tm, em = make("TransformerDecoderLayer", D, NH, FF, dropout=0.0, activation=_act(act),
                  batch_first=batch_first, norm_first=norm_first)
    parity(tm, em, lambda m, lib, t, mem: m(t, mem), seq(T, batch_first), seq(S, batch_first, seed=5),
           rtol=1e-6, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("tgt_is_causal", [False, True])
def test_decoder_layer_masks(batch_first, tgt_is_causal):
    tm, em = make("TransformerDecoderLayer", D, NH, FF, dropout=0.0, batch_first=batch_first)
    mem_mask = np.random.default_rng(4).random((T, S)) < 0.3
    mem_mask[:, 0] = False

    def f(m, lib, t, mem, tm_, mm, tk, mk):
        return m(t, mem, tgt_mask=tm_, memory_mask=mm, tgt_key_padding_mask=tk, memory_key_padding_mask=mk,
                 tgt_is_causal=tgt_is_causal)
    parity(tm, em, f, seq(T, batch_first), seq(S, batch_first, seed=5), Const(causal(T)),
           Const(np.where(mem_mask, -np.inf, 0.0)), Const(np.where(bool_kpm(N, T), -np.inf, 0.0)),
           Const(np.where(bool_kpm(N, S, seed=7), -np.inf, 0.0)), rtol=1e-6, atol=1e-8)


@needs_torch
def test_decoder_layer_unbatched_bias_false_train():
    tm, em = make("TransformerDecoderLayer", D, NH, FF, dropout=0.0, bias=False, norm_first=True)
    parity(tm, em, lambda m, lib, t, mem: m(t, mem), seq(T, False, batched=False),
           seq(S, False, seed=5, batched=False), rtol=1e-6, atol=1e-8)
    parity(tm, em, lambda m, lib, t, mem: m(t, mem), seq(T, False), seq(S, False, seed=5), train=True,
           rtol=1e-6, atol=1e-8)


# ---- stacks ---------------------------------------------------------------------------------------
def _stack(kind, layers, norm, **kw):
    torch.manual_seed(0)
    if kind == "encoder":
        tl = torch.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, **kw)
        el = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, **kw)
        tm = torch.nn.TransformerEncoder(tl, layers, torch.nn.LayerNorm(D) if norm else None)
        em = nn.TransformerEncoder(el, layers, nn.LayerNorm(D) if norm else None)
    else:
        tl = torch.nn.TransformerDecoderLayer(D, NH, FF, dropout=0.0, **kw)
        el = nn.TransformerDecoderLayer(D, NH, FF, dropout=0.0, **kw)
        tm = torch.nn.TransformerDecoder(tl, layers, torch.nn.LayerNorm(D) if norm else None)
        em = nn.TransformerDecoder(el, layers, nn.LayerNorm(D) if norm else None)
    # distinct weights per layer (deep copies start equal)
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    tm, em = tm.double(), em.double()
    load_torch_weights(em, tm)
    return tm, em


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("mask", [None, "causal", "causal_hint_false", "kpm"])
def test_encoder_stack(batch_first, norm, mask):
    tm, em = _stack("encoder", 2, norm, batch_first=batch_first)
    x = seq(S, batch_first)
    if mask is None:
        parity(tm, em, lambda m, lib, x: m(x), x, rtol=1e-6, atol=1e-8)
    elif mask == "kpm":
        parity(tm, em, lambda m, lib, x, kp: m(x, src_key_padding_mask=kp), x, Const(bool_kpm(N, S)),
               rtol=1e-6, atol=1e-8)
    else:
        hint = None if mask == "causal" else False
        parity(tm, em, lambda m, lib, x, mk: m(x, mask=mk, is_causal=hint), x, Const(causal(S)),
               rtol=1e-6, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack(batch_first, norm_first):
    tm, em = _stack("decoder", 2, True, batch_first=batch_first, norm_first=norm_first)
    parity(tm, em, lambda m, lib, t, mem, mk: m(t, mem, tgt_mask=mk), seq(T, batch_first),
           seq(S, batch_first, seed=5), Const(causal(T)), rtol=1e-6, atol=1e-8)


# ---- the full Transformer -------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first,act,bias", [(False, "relu", True), (True, "gelu", False)])
def test_transformer(batch_first, norm_first, act, bias):
    tm, em = make("Transformer", d_model=D, nhead=NH, num_encoder_layers=2, num_decoder_layers=2,
                  dim_feedforward=FF, dropout=0.0, activation=act, batch_first=batch_first, norm_first=norm_first,
                  bias=bias)

    def f(m, lib, src, tgt, kp):
        mask = m.generate_square_subsequent_mask(T, dtype=lib.float64)
        return m(src, tgt, tgt_mask=mask, src_key_padding_mask=kp, memory_key_padding_mask=kp)
    parity(tm, em, f, seq(S, batch_first), seq(T, batch_first, seed=5), Const(bool_kpm(N, S)),
           rtol=1e-6, atol=1e-8)


@needs_torch
def test_transformer_unbatched_and_train_mode():
    tm, em = make("Transformer", d_model=D, nhead=NH, num_encoder_layers=1, num_decoder_layers=1,
                  dim_feedforward=FF, dropout=0.0)
    parity(tm, em, lambda m, lib, s, t: m(s, t, tgt_is_causal=False), seq(S, False, batched=False),
           seq(T, False, seed=5, batched=False), rtol=1e-6, atol=1e-8)
    parity(tm, em, lambda m, lib, s, t: m(s, t), seq(S, False), seq(T, False, seed=5), train=True,
           rtol=1e-6, atol=1e-8)


def test_transformer_custom_encoder_decoder():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, FF), 1)
    t = nn.Transformer(d_model=D, nhead=NH, custom_encoder=enc, custom_decoder=dec)
    assert t.encoder is enc and t.decoder is dec
    out = t(ember.randn(S, N, D), ember.randn(T, N, D))
    assert tuple(out.shape) == (T, N, D)


# ---- bad input ------------------------------------------------------------------------------------
def test_bad_input():
    with pytest.raises(RuntimeError, match=r"\[TransformerEncoderLayer\] activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, NH, activation="tanh")
    with pytest.raises(RuntimeError, match=r"\[TransformerDecoderLayer\] activation should be relu/gelu"):
        nn.TransformerDecoderLayer(D, NH, activation="silu")
    with pytest.raises(AssertionError, match=r"\[MultiheadAttention\] embed_dim must be divisible"):
        nn.TransformerEncoderLayer(10, 3)
    t = nn.Transformer(d_model=D, nhead=NH, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF)
    with pytest.raises(RuntimeError, match=r"\[Transformer\] the batch number of src and tgt must be equal"):
        t(ember.randn(S, N, D), ember.randn(T, N + 1, D))
    with pytest.raises(RuntimeError, match=r"\[Transformer\] the feature number"):
        t(ember.randn(S, N, D), ember.randn(T, N, D + 1))
    layer = nn.TransformerEncoderLayer(D, NH, FF)
    with pytest.raises(RuntimeError, match=r"\[MultiheadAttention\] The shape of the 2D attn_mask"):
        layer(ember.randn(S, N, D), src_mask=ember.zeros(S, S + 1))
    with pytest.raises(AssertionError, match=r"\[TransformerEncoderLayer\] only bool and floating types"):
        layer(ember.randn(S, N, D), src_key_padding_mask=ember.zeros(N, S, dtype=ember.int32))


def test_mismatched_mask_types_warn():
    layer = nn.TransformerEncoderLayer(D, NH, FF).eval()
    x = ember.randn(S, N, D)
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        layer(x, src_mask=nn.Transformer.generate_square_subsequent_mask(S),
              src_key_padding_mask=ember.zeros(N, S, dtype=ember.bool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(x, src_mask=ember.zeros(S, S, dtype=ember.bool), src_key_padding_mask=ember.zeros(N, S, dtype=ember.bool))


@needs_torch
def test_float32_encoder_layer_with_causal_hint():
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, batch_first=True)
    em = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, batch_first=True)
    load_torch_weights(em, tm)
    assert em.linear1.weight.dtype == ember.float32
    mask = causal(S).astype(np.float32)
    parity(tm, em, lambda m, lib, x, mk: m(x, src_mask=mk, is_causal=True), seq(S, True).astype(np.float32),
           Const(mask), rtol=2e-4, atol=1e-5)


def test_factory_dtype_argument():
    layer = nn.TransformerDecoderLayer(D, NH, FF, dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in layer.parameters())
    t = nn.Transformer(d_model=D, nhead=NH, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF,
                       dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in t.parameters())
    out = t(ember.randn(S, N, D, dtype=ember.float64), ember.randn(T, N, D, dtype=ember.float64))
    assert out.dtype == ember.float64
