"""nn layers and their functional forms: Linear/F.linear (one fused-GEMM node), Bilinear, Identity,
Flatten/Unflatten, the dropout family, Embedding/EmbeddingBag -- forward and gradients against
PyTorch (gradutil.grad_case) and finite differences, PyTorch's default inits, error cases."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import needs_torch
from gradutil import grad_case, const

try:
    import torch
except ImportError:
    torch = None



# ---- F.linear ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("xshape", [(5, 4), (4,), (2, 3, 4), (2, 1, 3, 4), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_grad(xshape, bias):
    x, w, b = ember.randn(*xshape), ember.randn(3, 4), ember.randn(3)
    if bias:
        grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), x, w, b)
    else:
        grad_case(lambda m, x, w: m.nn.functional.linear(x, w), x, w)


@needs_torch
def test_linear_noncontiguous_and_broadcast_bias():
    x = ember.randn(4, 6)[:, ::2]            # non-contiguous (4, 3)
    w = ember.randn(3, 5).t()                # non-contiguous (5, 3)
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), x, w, ember.randn(5))
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), ember.randn(2, 3), ember.randn(4, 3),
              ember.randn(1))
    x3 = ember.randn(3, 2, 4).permute(1, 0, 2)  # non-contiguous batch
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), x3, ember.randn(2, 4), ember.randn(2))


@needs_torch
def test_linear_constant_inputs_get_no_grad():
    x, w, b = ember.randn(3, 4), ember.randn(2, 4), ember.randn(2)
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), const(x), w, b)
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), x, const(w), const(b))


def test_linear_double_backward():
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), ember.randn(3, 4), ember.randn(2, 4),
              ember.randn(2), gradgrad=True)


def test_linear_is_one_node():
    l = nn.Linear(4, 3)
    x = ember.randn(2, 5, 4, requires_grad=True)
    y = l(x)
    assert y.grad_fn.name() == "LinearBackward0"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"] * 3
    assert l(ember.randn(2, 4)).grad_fn.name() == "LinearBackward0"
    with ember.no_grad():
        assert l(x).grad_fn is None


def test_linear_raw_path_matches_numpy():
    x, w, b = ember.randn(7, 5), ember.randn(3, 5), ember.randn(3)
    ref = x.numpy() @ w.numpy().T + b.numpy()
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(F.linear(x, w).numpy(), x.numpy() @ w.numpy().T, rtol=1e-5, atol=1e-5)
    x3 = ember.randn(2, 7, 5)
    np.testing.assert_allclose(F.linear(x3, w, b).numpy(), x3.numpy() @ w.numpy().T + b.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_linear_errors():
    with pytest.raises(RuntimeError, match=r"^\[linear\] .*cannot be multiplied"):
        F.linear(ember.randn(2, 3), ember.randn(4, 5))
    with pytest.raises(RuntimeError, match=r"^\[linear\]"):
        F.linear(ember.randn(2, 3, requires_grad=True), ember.randn(4, 5))
    with pytest.raises(RuntimeError, match=r"^\[linear\]"):
        F.linear(ember.randn(2, 3), ember.randn(4, 3), ember.randn(5))
    with pytest.raises(TypeError, match=r"^\[linear\]"):
        F.linear([1.0, 2.0], ember.randn(4, 2))
    with pytest.raises(TypeError, match=r"^\[linear\]"):
        F.linear(ember.randn(2, 3, requires_grad=True), ember.randn(4, 3), 1.0)
    with pytest.raises(RuntimeError, match=r"^\[linear\]"):
        F.linear(ember.randn(2, 3), ember.randn(4, 3).double())


# ---- Linear module ---------------------------------------------------------------------------------
def test_linear_module_default_init():
    ember.manual_seed(0)
    l = nn.Linear(400, 300)
    w, b = l.weight.detach().numpy(), l.bias.detach().numpy()
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound and abs(b.mean()) < 0.1 * bound
    assert l.weight.dtype is ember.float32 and l.weight.requires_grad and l.weight.is_leaf
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ember.float64).weight.dtype is ember.float64


@needs_torch
def test_linear_module_matches_torch():
    le, lt = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    with torch.no_grad():
        lt.weight.copy_(torch.from_numpy(le.weight.detach().numpy()))
        lt.bias.copy_(torch.from_numpy(le.bias.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    ye, yt = le(ember.tensor(x)), lt(torch.from_numpy(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(le.weight.grad.numpy(), lt.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(le.bias.grad.numpy(), lt.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert repr(le) == repr(lt)


def test_linear_grad_accumulates_over_calls():
    l = nn.Linear(3, 2)
    x = ember.randn(4, 3)
    l(x).sum().backward()
    g1 = l.weight.grad.numpy().copy()
    l(x).sum().backward()
    np.testing.assert_allclose(l.weight.grad.numpy(), 2 * g1, rtol=1e-6)


# ---- bilinear --------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("lead", [(4,), (2, 3), ()])
def test_bilinear_grad(lead):
    x1, x2 = ember.randn(*lead, 3), ember.randn(*lead, 2)
    w, b = ember.randn(4, 3, 2), ember.randn(4)
    if lead == ():
        # torch requires a batch dim for bilinear; ember follows its math for any leading dims
        grad_case(lambda m, a, c, w, b: m.nn.functional.bilinear(a, c, w, b), x1, x2, w, b, check_torch=False)
        return
    grad_case(lambda m, a, c, w, b: m.nn.functional.bilinear(a, c, w, b), x1, x2, w, b)
    grad_case(lambda m, a, c, w: m.nn.functional.bilinear(a, c, w), x1, x2, w)


def test_bilinear_double_backward():
    grad_case(lambda m, a, c, w, b: m.nn.functional.bilinear(a, c, w, b), ember.randn(3, 2), ember.randn(3, 2),
              ember.randn(2, 2, 2), ember.randn(2), gradgrad=True)


@needs_torch
def test_bilinear_module():
    m = nn.Bilinear(3, 2, 4)
    assert repr(m) == repr(torch.nn.Bilinear(3, 2, 4))
    bound = 1 / math.sqrt(3)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert m(ember.randn(5, 3), ember.randn(5, 2)).shape == (5, 4)


def test_bilinear_errors():
    with pytest.raises(RuntimeError, match=r"^\[bilinear\]"):
        F.bilinear(ember.randn(2, 3), ember.randn(3, 2), ember.randn(4, 3, 2))
    with pytest.raises(RuntimeError, match=r"^\[bilinear\]"):
        F.bilinear(ember.randn(2, 3), ember.randn(2, 2), ember.randn(4, 3, 3))
    with pytest.raises(RuntimeError, match=r"^\[bilinear\]"):
        F.bilinear(ember.randn(2, 3), ember.randn(2, 2), ember.randn(4, 3))


# ---- identity / flatten / unflatten ------------------------------------------------------------------
@needs_torch
def test_identity_flatten_unflatten():
    x = ember.randn(2, 3, 4, 5)
    assert nn.Identity(3, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 1))(ember.randn(2, 3)).shape == (2, 3, 1)
    for e, t in [(nn.Flatten(), torch.nn.Flatten()), (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                 (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))), (nn.Identity(), torch.nn.Identity())]:
        assert repr(e) == repr(t)
    with pytest.raises(TypeError):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError):
        nn.Unflatten(1.0, (2, 3))


def test_flatten_grad():
    x = ember.randn(2, 3, 4, requires_grad=True)
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3, 4)))


# ---- dropout -------------------------------------------------------------------------------------------
def test_dropout_statistics_and_grad():
    ember.manual_seed(1)
    p = 0.3
    x = ember.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p)
    yn = y.detach().numpy()
    vals = np.unique(yn)
    np.testing.assert_allclose(vals, [0.0, 1 / (1 - p)], rtol=1e-6)
    frac = (yn == 0).mean()
    assert abs(frac - p) < 0.01
    g = ember.randn(200, 500)
    y.backward(g)
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * yn, rtol=1e-6)  # backward = g * mask


def test_dropout_eval_and_p0_return_input():
    x = ember.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    z = F.dropout(ember.ones(3, 4, requires_grad=True), 1.0)
    assert not np.any(z.detach().numpy())


def test_dropout_inplace():
    ember.manual_seed(0)
    x = ember.ones(100, 100)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy()).tolist()) <= {0.0, 2.0}
    a = ember.ones(50, 50, requires_grad=True)
    b = a * 1
    F.dropout(b, 0.5, inplace=True)
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())


def test_dropout_p_validation():
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(ember.ones(2), bad)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(bad)
        with pytest.raises(ValueError, match=r"^\[dropout2d\] dropout probability"):
            F.dropout2d(ember.ones(2, 2, 2, 2), bad)


def test_channel_dropout_masks_whole_channels():
    ember.manual_seed(3)
    for fn, shape in [(F.dropout1d, (8, 16, 5)), (F.dropout1d, (16, 5)), (F.dropout2d, (8, 16, 3, 4)),
                      (F.dropout3d, (4, 16, 2, 3, 2)), (F.dropout3d, (16, 2, 3, 2))]:
        y = fn(ember.ones(*shape), 0.5).numpy()
        flat = y.reshape(y.shape[0], y.shape[1], -1) if len(shape) > len(shape[:2]) + 0 else y
        if fn is F.dropout1d and len(shape) == 2 or fn is F.dropout3d and len(shape) == 4:
            flat = y.reshape(y.shape[0], -1)
        # every channel is all-zero or all-2
        assert np.all((flat.min(-1) == flat.max(-1)))
        assert set(np.unique(y).tolist()) <= {0.0, 2.0}
    with pytest.raises(RuntimeError, match=r"^\[dropout1d\]"):
        F.dropout1d(ember.ones(2, 2, 2, 2))
    with pytest.raises(RuntimeError, match=r"^\[dropout3d\]"):
        F.dropout3d(ember.ones(2, 2, 2))


def test_alpha_dropout_keeps_moments():
    ember.manual_seed(5)
    x = ember.randn(400, 500)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x  # training defaults to False in the functional form
    z = F.feature_alpha_dropout(ember.randn(200, 300, 4), 0.2, training=True).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    xg = ember.randn(30, 40, requires_grad=True)
    out = F.alpha_dropout(xg, 0.3, training=True)
    out.sum().backward()
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)
    vals = np.unique(xg.grad.numpy())
    assert all(v == 0 or abs(v - a) < 1e-6 for v in vals)


@needs_torch
def test_dropout_module_reprs():
    for e, t in [(nn.Dropout(), torch.nn.Dropout()), (nn.Dropout(0.2, True), torch.nn.Dropout(0.2, True)),
                 (nn.Dropout1d(0.1), torch.nn.Dropout1d(0.1)), (nn.Dropout2d(), torch.nn.Dropout2d()),
                 (nn.Dropout3d(), torch.nn.Dropout3d()), (nn.AlphaDropout(0.1), torch.nn.AlphaDropout(0.1)),
                 (nn.FeatureAlphaDropout(0.3), torch.nn.FeatureAlphaDropout(0.3))]:
        assert repr(e) == repr(t)


def test_dropout_modules_follow_training_flag():
    x = ember.ones(64, 8, 4, 4)
    for m in (nn.Dropout(0.5), nn.Dropout2d(0.5), nn.AlphaDropout(0.5), nn.FeatureAlphaDropout(0.5)):
        assert not np.array_equal(m(x).numpy(), x.numpy())
        m.eval()
        assert m(x) is x


# ---- embedding -----------------------------------------------------------------------------------------
@needs_torch
def test_embedding_grad_with_duplicates():
    w = ember.randn(6, 3)
    idx = ember.tensor([[0, 2, 2], [5, 2, 0]])
    grad_case(lambda m, w: m.nn.functional.embedding(idx if m is ember else torch.from_numpy(idx.numpy()), w), w,
              gradgrad=True)


def _tidx(m, idx):
    return idx if m is ember else torch.from_numpy(idx.numpy())


@needs_torch
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("scale", [False, True])
def test_embedding_padding_and_scale_grad(padding_idx, scale):
    # padding / frequency scaling change the gradient on purpose: compared with PyTorch, not finite differences
    w0 = np.random.default_rng(0).standard_normal((5, 4))
    idx = np.array([[1, 2, 4, 2], [4, 4, 0, 1]])
    g = np.random.default_rng(1).standard_normal((2, 4, 4))
    we = ember.tensor(w0, requires_grad=True)
    wt = torch.tensor(w0, requires_grad=True)
    oe = F.embedding(ember.tensor(idx), we, padding_idx=padding_idx, scale_grad_by_freq=scale)
    ot = torch.nn.functional.embedding(torch.from_numpy(idx), wt, padding_idx=padding_idx, scale_grad_by_freq=scale)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy())
    gte, gtt = ember.tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
    (ge,) = ember.autograd.grad(oe, we, gte, create_graph=True)
    (gt,) = torch.autograd.grad(ot, wt, gtt, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    # double backward: grad_w is linear in the upstream gradient g
    v = np.random.default_rng(2).standard_normal((5, 4))
    (gge,) = ember.autograd.grad((ge * ember.tensor(v)).sum(), gte)
    # exact: v gathered, times the same per-index factor (PyTorch's double backward drops the 1/freq
    # factor of scale_grad_by_freq, so it is the oracle only without it)
    factor = np.ones(idx.shape)
    if padding_idx is not None:
        factor *= idx != (padding_idx % 5)
    if scale:
        factor /= np.bincount(idx.ravel(), minlength=5)[idx]
    np.testing.assert_allclose(gge.numpy(), v[idx] * factor[..., None], rtol=1e-12)
    if not scale:
        (ggt,) = torch.autograd.grad((gt * torch.from_numpy(v)).sum(), gtt)
        np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-12)


@needs_torch
def test_embedding_shapes():
    w = ember.randn(5, 3)
    for idx in (ember.tensor(3), ember.tensor([1, 1, 4]), ember.zeros((2, 0), dtype=ember.int64),
                ember.tensor([[[1, 2]], [[0, 4]]], dtype=ember.int32)):
        grad_case(lambda m, w: m.nn.functional.embedding(_tidx(m, idx), w), w)


def test_embedding_module_init_and_padding():
    ember.manual_seed(0)
    e = nn.Embedding(1000, 64, padding_idx=3)
    w = e.weight.detach().numpy()
    assert not np.any(w[3])
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    out = e(ember.tensor([[3, 4, 3]]))
    assert not np.any(out.detach().numpy()[0, [0, 2]])
    out.sum().backward()
    assert not np.any(e.weight.grad.numpy()[3]) and np.all(e.weight.grad.numpy()[4] == 1)
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=-6)


@needs_torch
def test_embedding_max_norm_renormalizes_in_place():
    w0 = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * 3
    idx = np.array([[0, 1, 1], [5, 0, 3]])
    we = ember.tensor(w0.copy())
    wt = torch.from_numpy(w0.copy())
    oe = F.embedding(ember.tensor(idx), we, max_norm=1.5)
    ot = torch.nn.functional.embedding(torch.from_numpy(idx), wt, max_norm=1.5)
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(we.numpy(), wt.numpy(), rtol=1e-5, atol=1e-6)  # rows renormed in place
    m = nn.Embedding(6, 4, max_norm=1.0, norm_type=1.0)
    m(ember.tensor([0, 2]))
    norms = np.abs(m.weight.detach().numpy()).sum(1)
    assert norms[0] <= 1.0 + 1e-5 and norms[2] <= 1.0 + 1e-5


@needs_torch
def test_embedding_from_pretrained_and_repr():
    w = ember.randn(4, 3)
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and np.array_equal(e.weight.numpy(), w.numpy())
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    for args, kw in [((10, 3), {}), ((10, 3), {"padding_idx": 0}), ((10, 3), {"max_norm": 1.0, "norm_type": 1.0}),
                     ((10, 3), {"scale_grad_by_freq": True, "sparse": True})]:
        assert repr(nn.Embedding(*args, **kw)) == repr(torch.nn.Embedding(*args, **kw))
    with pytest.raises(AssertionError):
        nn.Embedding.from_pretrained(ember.randn(3))


def test_embedding_errors():
    w = ember.randn(5, 3, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"^\[embedding\] sparse"):
        F.embedding(ember.tensor([1]), w, sparse=True)
    with pytest.raises(RuntimeError, match=r"^\[embedding\]"):
        F.embedding(ember.tensor([1.0]), w)
    with pytest.raises(IndexError, match=r"^\[embedding\]"):
        F.embedding(ember.tensor([5]), w)
    with pytest.raises(IndexError, match=r"^\[embedding\]"):
        F.embedding(ember.tensor([7]), w.detach())
    with pytest.raises(TypeError, match=r"^\[embedding\]"):
        F.embedding([1, 2], w)


# ---- embedding bag --------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_forward(mode):
    w = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    inp = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    for offs, kw in ((np.array([0, 4, 4]), {}), (np.array([0, 3, 8]), {"include_last_offset": True}),
                     (np.array([0, 4, 5]), {"padding_idx": 2})):
        oe = F.embedding_bag(ember.tensor(inp), ember.tensor(w), ember.tensor(offs), mode=mode, **kw)
        ot = torch.nn.functional.embedding_bag(torch.from_numpy(inp), torch.from_numpy(w), torch.from_numpy(offs),
                                               mode=mode, **kw)
        np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-5, atol=1e-6)
    inp2 = np.array([[1, 2, 4], [4, 3, 2]])
    oe = F.embedding_bag(ember.tensor(inp2), ember.tensor(w), mode=mode)
    ot = torch.nn.functional.embedding_bag(torch.from_numpy(inp2), torch.from_numpy(w), mode=mode)
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
def test_embedding_bag_per_sample_weights_and_module():
    w = np.random.default_rng(1).standard_normal((6, 2)).astype(np.float32)
    inp, offs = np.array([0, 1, 5, 5]), np.array([0, 2])
    psw = np.array([0.5, 2.0, 1.0, -1.0], dtype=np.float32)
    oe = F.embedding_bag(ember.tensor(inp), ember.tensor(w), ember.tensor(offs), mode="sum",
                         per_sample_weights=ember.tensor(psw))
    ot = torch.nn.functional.embedding_bag(torch.from_numpy(inp), torch.from_numpy(w), torch.from_numpy(offs),
                                           mode="sum", per_sample_weights=torch.from_numpy(psw))
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match=r"^\[embedding_bag\]"):
        F.embedding_bag(ember.tensor(inp), ember.tensor(w), ember.tensor(offs), mode="mean",
                        per_sample_weights=ember.tensor(psw))
    with pytest.raises(ValueError, match=r"^\[embedding_bag\]"):
        F.embedding_bag(ember.tensor(inp), ember.tensor(w), None)
    assert repr(nn.EmbeddingBag(3, 4)) == repr(torch.nn.EmbeddingBag(3, 4))
    assert repr(nn.EmbeddingBag(3, 4, mode="max")) == repr(torch.nn.EmbeddingBag(3, 4, mode="max"))
    bag = nn.EmbeddingBag(6, 2, mode="sum")
    assert bag(ember.tensor([[0, 1], [2, 3]])).shape == (2, 2)


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_grad(mode):
    w = ember.randn(6, 2)
    inp, offs = ember.tensor([0, 1, 5, 5, 2, 3]), ember.tensor([0, 2, 2, 3])
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp), w, _tidx(m, offs), mode=mode), w,
              gradgrad=True)
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp), w, _tidx(m, offs), mode=mode,
                                                         padding_idx=5), w, gradgrad=True)
    inp2 = ember.tensor([[0, 1, 1], [4, 2, 0]], dtype=ember.int32)
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp2), w, mode=mode), w)
    if mode == "sum":
        psw = ember.randn(6)
        grad_case(lambda m, w, s: m.nn.functional.embedding_bag(_tidx(m, inp), w, _tidx(m, offs), mode=mode,
                                                                per_sample_weights=s), w, psw, gradgrad=True)


@needs_torch
def test_embedding_bag_max_grad():
    w = ember.randn(6, 2)
    inp, offs = ember.tensor([0, 1, 5, 5, 2, 3, 0]), ember.tensor([0, 2, 4, 4])
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp), w, _tidx(m, offs), mode="max"), w,
              gradgrad=True)
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp), w, _tidx(m, offs), mode="max",
                                                         padding_idx=5), w)
    inp2 = ember.tensor([[0, 1, 1], [4, 2, 0]])
    grad_case(lambda m, w: m.nn.functional.embedding_bag(_tidx(m, inp2), w, mode="max"), w)


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("kw", [{"padding_idx": 1}, {"max_norm": 1.0}, {}])
def test_embedding_bag_options_grad_vs_torch(mode, kw):
    w0 = np.random.default_rng(0).standard_normal((6, 3)) * 2
    inp = np.array([[0, 1, 1, 4], [4, 2, 1, 1]])
    g = np.random.default_rng(1).standard_normal((2, 3))
    we, wt = ember.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    oe = F.embedding_bag(ember.tensor(inp), we, mode=mode, **kw)
    ot = torch.nn.functional.embedding_bag(torch.from_numpy(inp), wt, mode=mode, **kw)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-10)
    oe.backward(ember.tensor(g))
    ot.backward(torch.from_numpy(g))
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(we.detach().numpy(), wt.detach().numpy(), rtol=1e-10)  # max_norm renorm in place


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    # each row's gradient is divided by its frequency in the batch, as F.embedding does (PyTorch's CPU
    # embedding_bag divides some rows by another index's count, so it is not the oracle here)
    inp = np.array([[0, 1, 1, 4], [4, 2, 1, 1]])
    g = np.random.default_rng(1).standard_normal((2, 3))
    w = ember.randn(6, 3, dtype=ember.float64, requires_grad=True)
    F.embedding_bag(ember.tensor(inp), w, mode=mode, scale_grad_by_freq=True).backward(ember.tensor(g))
    counts = np.bincount(inp.ravel(), minlength=6)
    expect = np.zeros((6, 3))
    for b in range(2):
        for i in inp[b]:
            expect[i] += g[b] / counts[i] / (4 if mode == "mean" else 1)
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-12)
