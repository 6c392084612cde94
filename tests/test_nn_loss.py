"""nn losses (functional and modules): forward and gradients against PyTorch (grad_case), gradcheck,
reductions and legacy flags, warnings and errors."""
import math
import warnings

import numpy as np
import pytest

import ember
from gradutil import grad_case, const

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")



REDUCTIONS = ["none", "mean", "sum"]


def r(*shape):
    return ember.randn(*shape)


def F(m):
    return m.nn.functional


def _quiet(fn):
    def run(*a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a, **k)
    return run


# ---- fused regression losses ---------------------------------------------------------------------------
FUSED = {
    "mse_loss": {},
    "l1_loss": {},
    "smooth_l1_loss": {"beta": 0.7},
    "huber_loss": {"delta": 0.6},
}


@pytest.mark.parametrize("name", list(FUSED))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_losses(name, reduction):
    kw = dict(FUSED[name], reduction=reduction)
    x, y = r(3, 4), r(3, 4)
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b, **kw), x, y)
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b, **kw), x, const(y))
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b, **kw), r(4, 3).t(), r(3, 4))   # non-contiguous
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b, **kw), r(()), r(()))             # 0-d


@pytest.mark.parametrize("name", list(FUSED))
def test_fused_losses_default_params_and_nodes(name):
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b), r(5), r(5))
    x = r(2, 3).requires_grad_()
    node = getattr(ember.nn.functional, name)(x, r(2, 3)).grad_fn.name()
    assert node == {"mse_loss": "MseLossBackward0", "l1_loss": "L1LossBackward0",
                    "smooth_l1_loss": "SmoothL1LossBackward0", "huber_loss": "HuberLossBackward0"}[name]


@pytest.mark.parametrize("name", list(FUSED))
def test_fused_losses_broadcast_target_warns(name):
    x, y = r(3, 4), r(4)
    with pytest.warns(UserWarning, match="target size"):
        getattr(ember.nn.functional, name)(x, y)
    grad_case(_quiet(lambda m, a, b: getattr(F(m), name)(a, b, reduction="sum")), x, y)
    grad_case(_quiet(lambda m, a, b: getattr(F(m), name)(a, b, reduction="none")), r(3, 1), r(4))


def test_fused_losses_double_backward_mse():
    grad_case(lambda m, a, b: m.nn.functional.mse_loss(a, b), r(3, 4), r(3, 4), gradgrad=True)
    grad_case(lambda m, a, b: m.nn.functional.mse_loss(a, b, reduction="none"), r(3), r(3), gradgrad=True)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss"])
def test_fused_losses_double_backward(name):
    grad_case(lambda m, a, b: getattr(F(m), name)(a, b, **FUSED[name]), r(3, 4), r(3, 4), gradgrad=True)


def test_smooth_l1_huber_regions_and_beta_zero():
    # values on both sides of the threshold, away from the kinks
    x = ember.tensor([-3.0, -0.5, 0.2, 0.45, 2.0, 4.0])
    y = ember.zeros(6)
    for beta in (0.5, 1.0, 2.5):
        grad_case(lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=beta, reduction="sum"), x, y)
        grad_case(lambda m, a, b: m.nn.functional.huber_loss(a, b, delta=beta, reduction="sum"), x, y)
    grad_case(lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=0.0), x, y)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weight_argument(name, reduction):
    w = ember.rand(3, 4) + 0.5
    grad_case(lambda m, a, b, w: getattr(F(m), name)(a, b, reduction=reduction, weight=w), r(3, 4), r(3, 4),
              const(w))
    if name != "huber_loss":
        with pytest.raises(ValueError, match=name):
            getattr(ember.nn.functional, name)(r(3, 4), r(3, 4), weight=ember.ones(4))


@needs_torch
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss", "kl_div"])
@pytest.mark.parametrize("flags", [(None, False), (False, None), (False, True), (True, True), (None, None)])
def test_legacy_size_average_reduce(name, flags):
    size_average, reduce = flags
    x, y = r(3, 4), ember.rand(3, 4) + 0.1
    tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = getattr(ember.nn.functional, name)(x, y, size_average=size_average, reduce=reduce)
    if flags != (None, None):
        assert any("size_average and reduce args will be deprecated" in str(m.message) for m in w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = getattr(torch.nn.functional, name)(tx, ty, size_average=size_average, reduce=reduce)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_invalid_reduction_and_type_errors():
    x = r(3)
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss", "kl_div",
                 "hinge_embedding_loss", "poisson_nll_loss", "multilabel_soft_margin_loss"):
        fn = getattr(ember.nn.functional, name)
        with pytest.raises(ValueError, match=name):
            fn(x, x, reduction="avg")
        with pytest.raises(TypeError, match=name):
            fn([1.0, 2.0, 3.0], x)
    with pytest.raises(ValueError, match="gaussian_nll_loss"):
        ember.nn.functional.gaussian_nll_loss(x, x, ember.ones(3), reduction="avg")
    with pytest.raises(RuntimeError, match="smooth_l1_loss"):
        ember.nn.functional.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(RuntimeError, match="huber_loss"):
        ember.nn.functional.huber_loss(x, x, delta=0.0)


def test_elementwise_mean_is_deprecated_mean():
    x, y = r(3), r(3)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        a = ember.nn.functional.mse_loss(x, y, reduction="elementwise_mean")
    np.testing.assert_allclose(a.numpy(), ember.nn.functional.mse_loss(x, y).numpy())


@needs_torch
def test_empty_inputs():
    x = ember.randn(0, 3, requires_grad=True)
    y = ember.randn(0, 3)
    for name in FUSED:
        for red in REDUCTIONS:
            e = getattr(ember.nn.functional, name)(x, y, reduction=red)
            t = getattr(torch.nn.functional, name)(torch.zeros(0, 3), torch.zeros(0, 3), reduction=red)
            assert tuple(e.shape) == tuple(t.shape)
            np.testing.assert_allclose(e.detach().numpy(), t.numpy(), equal_nan=True)
        getattr(ember.nn.functional, name)(x, y, reduction="sum").backward()
        assert tuple(x.grad.shape) == (0, 3)


def test_no_grad_path_has_no_history():
    x = r(3, 4).requires_grad_()
    with ember.no_grad():
        loss = ember.nn.functional.mse_loss(x, r(3, 4))
    assert not loss.requires_grad
    assert not ember.nn.functional.mse_loss(r(3), r(3)).requires_grad


# ---- soft margin (one node) ------------------------------------------------------------------------------
def _pm1(*shape):
    return (ember.rand(*shape) > 0.5).double() * 2 - 1


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction):
    grad_case(lambda m, a, y: m.nn.functional.soft_margin_loss(a, y, reduction=reduction), r(3, 4), const(_pm1(3, 4)))
    big = ember.tensor([[-60.0, 50.0], [0.3, -80.0]])     # stable for large margins
    grad_case(lambda m, a, y: m.nn.functional.soft_margin_loss(a, y, reduction=reduction), big,
              const(ember.tensor([[1.0, -1.0], [1.0, 1.0]])))


def test_soft_margin_target_not_differentiable():
    y = _pm1(3).requires_grad_()
    with pytest.raises(RuntimeError, match=r"\[soft_margin_loss\].*not differentiable"):
        ember.nn.functional.soft_margin_loss(r(3).requires_grad_(), y)


# ---- composed losses ------------------------------------------------------------------------------------
def _pos(*shape):
    return ember.rand(*shape) + 0.1


@needs_torch
def test_composed_forward_values():
    """Forward values of every composed loss (no grad: runs whatever other families have wired)."""
    f, tf = ember.nn.functional, torch.nn.functional

    def T(x):
        return torch.from_numpy(x.numpy().copy())

    x, y, p, v = r(4, 3), r(4, 3), _pos(4, 3), _pos(4, 3)
    s, t1 = r(4), _pm1(4)
    cases = [
        ("kl_div", (x, p), dict(reduction="batchmean")),
        ("kl_div", (x, y), dict(reduction="sum", log_target=True)),
        ("gaussian_nll_loss", (x, y, v), dict(full=True)),
        ("gaussian_nll_loss", (x, y, 0.5), dict(reduction="sum")),
        ("poisson_nll_loss", (x, p * 3), dict(full=True)),
        ("poisson_nll_loss", (p, p * 3), dict(log_input=False, reduction="none")),
        ("hinge_embedding_loss", (s, t1), dict(margin=0.5)),
        ("margin_ranking_loss", (s, r(4), t1), dict(margin=0.2)),
        ("cosine_embedding_loss", (x, y, t1), dict(margin=0.1, reduction="none")),
        ("triplet_margin_loss", (x, y, r(4, 3)), dict(swap=True)),
        ("triplet_margin_loss", (x, y, r(4, 3)), dict(p=1, reduction="sum")),
        ("multilabel_soft_margin_loss", (x, (p > 0.5).double()), {}),
        ("multi_margin_loss", (x, ember.tensor([0, 2, 1, 2])), dict(p=2, margin=0.7)),
        ("pairwise_distance", (x, y), dict(p=3.0)),
        ("cosine_similarity", (x, y), dict(dim=1)),
    ]
    for name, args, kw in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = getattr(f, name)(*args, **kw)
            b = getattr(tf, name)(*[T(q) if isinstance(q, ember.Tensor) else q for q in args], **kw)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    t = _pos(3, 4) if not log_target else r(3, 4)
    grad_case(_quiet(lambda m, a, b: m.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target)),
              r(3, 4), t)


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        ember.nn.functional.kl_div(r(2, 3), _pos(2, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(reduction, full):
    kw = dict(reduction=reduction, full=full)
    grad_case(lambda m, a, b, v: m.nn.functional.gaussian_nll_loss(a, b, v, **kw), r(3, 4), r(3, 4), _pos(3, 4))
    grad_case(lambda m, a, b, v: m.nn.functional.gaussian_nll_loss(a, b, v, **kw), r(3, 4), r(3, 4), _pos(3))
    grad_case(lambda m, a, b, v: m.nn.functional.gaussian_nll_loss(a, b, v, **kw), r(3, 4), r(3, 4), _pos(3, 1))
    grad_case(lambda m, a, b: m.nn.functional.gaussian_nll_loss(a, b, 0.3, **kw), r(3, 4), r(3, 4))
    # var below eps is clamped, its gradient passes through
    grad_case(lambda m, a, b, v: m.nn.functional.gaussian_nll_loss(a, b, v, eps=0.05, **kw), r(3), r(3),
              const(ember.tensor([0.01, 0.5, 0.02])))


def test_gaussian_nll_loss_errors():
    f = ember.nn.functional.gaussian_nll_loss
    with pytest.raises(ValueError, match=r"\[gaussian_nll_loss\] var has negative"):
        f(r(3), r(3), -ember.ones(3))
    with pytest.raises(ValueError, match=r"\[gaussian_nll_loss\] var has negative"):
        f(r(3), r(3), -1.0)
    with pytest.raises(ValueError, match=r"\[gaussian_nll_loss\] var is of incorrect size"):
        f(r(3, 4), r(3, 4), ember.ones(2, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    x = r(3, 4) if log_input else _pos(3, 4)
    t = ember.tensor([[0.0, 1.0, 2.0, 5.0], [0.5, 3.0, 1.5, 0.0], [4.0, 2.0, 0.0, 7.0]])
    grad_case(lambda m, a, b: m.nn.functional.poisson_nll_loss(a, b, log_input=log_input, full=full,
                                                               reduction=reduction), x, const(t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_margin_ranking(reduction):
    x = ember.tensor([0.3, -1.2, 0.8, 2.0, -0.1, 0.45])
    t = ember.tensor([1.0, -1.0, -1.0, 1.0, -1.0, -1.0])
    grad_case(lambda m, a, y: m.nn.functional.hinge_embedding_loss(a, y, margin=0.7, reduction=reduction), x,
              const(t))
    grad_case(lambda m, a, y: m.nn.functional.hinge_embedding_loss(a, y, reduction=reduction), r(2, 3),
              const(_pm1(2, 3)))
    grad_case(lambda m, a, b, y: m.nn.functional.margin_ranking_loss(a, b, y, margin=0.3, reduction=reduction),
              r(5), r(5), const(_pm1(5)))


def test_margin_ranking_dims_error():
    with pytest.raises(RuntimeError, match="margin_ranking_loss"):
        ember.nn.functional.margin_ranking_loss(r(3), r(3), r(1, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    grad_case(lambda m, a, b, y: m.nn.functional.cosine_embedding_loss(a, b, y, margin=-0.2, reduction=reduction),
              r(4, 3), r(4, 3), const(ember.tensor([1.0, -1.0, 1.0, -1.0])))
    grad_case(lambda m, a, b, y: m.nn.functional.cosine_embedding_loss(a, b, y, reduction=reduction),
              r(3), r(3), const(ember.tensor(-1.0)))


def test_cosine_embedding_loss_errors():
    f = ember.nn.functional.cosine_embedding_loss
    with pytest.raises(RuntimeError, match=r"\[cosine_embedding_loss\] 1D target tensor expects 2D"):
        f(r(3), r(3), r(3))
    with pytest.raises(RuntimeError, match=r"\[cosine_embedding_loss\] 0D target tensor expects 1D"):
        f(r(2, 3), r(2, 3), ember.tensor(1.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (2, True), (1, False), (3, True)])
def test_triplet_margin_loss(reduction, p, swap):
    grad_case(lambda m, a, b, c: m.nn.functional.triplet_margin_loss(a, b, c, margin=2.0, p=p, swap=swap,
                                                                     reduction=reduction), r(4, 3), r(4, 3), r(4, 3))


def test_triplet_margin_loss_errors():
    f = ember.nn.functional.triplet_margin_loss
    with pytest.raises(ValueError, match=r"\[triplet_margin_loss\] margin must be greater than 0"):
        f(r(2, 3), r(2, 3), r(2, 3), margin=0.0)
    with pytest.raises(RuntimeError, match=r"\[triplet_margin_loss\].*same number of dimensions"):
        f(r(2, 3), r(2, 3), r(3))


def test_pairwise_distance_cosine_similarity():
    grad_case(lambda m, a, b: m.nn.functional.pairwise_distance(a, b), r(4, 3), r(4, 3))
    grad_case(lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=1.5, keepdim=True), r(4, 3), r(3))
    grad_case(lambda m, a, b: m.nn.functional.cosine_similarity(a, b), r(4, 3), r(4, 3))
    grad_case(lambda m, a, b: m.nn.functional.cosine_similarity(a, b, dim=0), r(4, 3), r(4, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction):
    t = (ember.rand(3, 4) > 0.5).double()
    grad_case(lambda m, a, y: m.nn.functional.multilabel_soft_margin_loss(a, y, reduction=reduction), r(3, 4),
              const(t))
    grad_case(lambda m, a, y, w: m.nn.functional.multilabel_soft_margin_loss(a, y, weight=w, reduction=reduction),
              r(3, 4), const(t), const(_pos(4)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(reduction, p):
    y = ember.tensor([0, 2, 1])
    x = ember.tensor([[0.1, 0.9, -0.4, 0.35], [1.2, -0.3, 0.6, 0.05], [0.15, 0.4, -1.1, 0.75]])
    grad_case(lambda m, a, t: m.nn.functional.multi_margin_loss(a, t, p=p, margin=0.8, reduction=reduction), x, y)
    grad_case(lambda m, a, t, w: m.nn.functional.multi_margin_loss(a, t, p=p, weight=w, reduction=reduction), x, y,
              const(_pos(4)))
    grad_case(lambda m, a, t: m.nn.functional.multi_margin_loss(a, t, p=p, reduction=reduction), x[1], y[1])


def test_multi_margin_loss_errors():
    f = ember.nn.functional.multi_margin_loss
    with pytest.raises(ValueError, match=r"\[multi_margin_loss\] only p == 1 and p == 2"):
        f(r(2, 3), ember.tensor([0, 1]), p=3)
    with pytest.raises(RuntimeError, match=r"\[multi_margin_loss\] inconsistent target size"):
        f(r(2, 3), ember.tensor([0, 1, 2]))


# ---- modules ----------------------------------------------------------------------------------------------
MODULES = [
    ("MSELoss", {}, 2), ("L1Loss", {"reduction": "sum"}, 2), ("SmoothL1Loss", {"beta": 0.5}, 2),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, 2), ("SoftMarginLoss", {}, "pm"),
    ("KLDivLoss", {"reduction": "batchmean"}, "pos"), ("KLDivLoss", {"log_target": True, "reduction": "sum"}, 2),
    ("GaussianNLLLoss", {"full": True}, "var"), ("PoissonNLLLoss", {"full": True}, "pos"),
    ("HingeEmbeddingLoss", {"margin": 0.5}, "pm"), ("MarginRankingLoss", {"margin": 0.1}, "rank"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "rank"), ("TripletMarginLoss", {"swap": True}, 3),
    ("MultiLabelSoftMarginLoss", {}, "01"), ("MultiMarginLoss", {"p": 2}, "cls"),
]


def _module_args(kind):
    x = r(4, 3)
    if kind == 2:
        return [x, r(4, 3)]
    if kind == 3:
        return [x, r(4, 3), r(4, 3)]
    if kind == "pm":
        return [x, _pm1(4, 3)]
    if kind == "pos":
        return [x, _pos(4, 3)]
    if kind == "var":
        return [x, r(4, 3), _pos(4, 3)]
    if kind == "rank":
        return [r(4, 3), r(4, 3), _pm1(4)]
    if kind == "01":
        return [x, (ember.rand(4, 3) > 0.5).double()]
    return [x, ember.tensor([0, 2, 1, 1])]


@needs_torch
@pytest.mark.parametrize("name,kw,kind", MODULES)
def test_loss_modules_match_torch(name, kw, kind):
    args = _module_args(kind)
    if name == "MarginRankingLoss":
        args = [r(4), r(4), _pm1(4)]
    m = getattr(ember.nn, name)(**kw)
    tm = getattr(torch.nn, name)(**kw)
    assert repr(m) == repr(tm)
    assert m.reduction == tm.reduction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = m(*args)
        b = tm(*[torch.from_numpy(q.numpy().copy()) for q in args])
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
def test_loss_module_defaults_and_legacy_args():
    import inspect
    for name, _, _ in MODULES:
        e, t = getattr(ember.nn, name), getattr(torch.nn, name)
        pe = {k: v.default for k, v in inspect.signature(e.__init__).parameters.items() if k != "self"}
        pt = {k: v.default for k, v in inspect.signature(t.__init__).parameters.items() if k != "self"}
        assert list(pe) == list(pt), name
        assert pe == pt, name
    with pytest.warns(UserWarning, match="size_average"):
        m = ember.nn.MSELoss(size_average=False)
    assert m.reduction == "sum"
    assert ember.nn.L1Loss(reduce=False).reduction == "none"


def test_loss_module_backward_and_weight_buffer():
    m = ember.nn.MSELoss()
    x = r(3, 2).requires_grad_()
    y = r(3, 2)
    m(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (x.detach().numpy() - y.numpy()) / 6, rtol=1e-5)
    w = _pos(3)
    wl = ember.nn.MultiMarginLoss(weight=w)
    assert wl.weight is w
    assert dict(wl.named_buffers())["weight"] is w
    assert ember.nn.modules.loss._WeightedLoss().weight is None
    assert issubclass(ember.nn.modules.loss._WeightedLoss, ember.nn.modules.loss._Loss)
    assert isinstance(m, ember.nn.Module)


def test_loss_module_errors():
    with pytest.raises(ValueError, match="TripletMarginLoss"):
        ember.nn.TripletMarginLoss(margin=-1.0)
    with pytest.raises(ValueError, match="MultiMarginLoss"):
        ember.nn.MultiMarginLoss(p=3)


def test_math_constant_for_full_gaussian():   # the 0.5 log(2 pi) term of gaussian_nll_loss(full=True)
    x = ember.zeros(2)
    a = ember.nn.functional.gaussian_nll_loss(x, x, ember.ones(2), full=True)
    np.testing.assert_allclose(a.item(), 0.5 * math.log(2 * math.pi), rtol=1e-6)


def test_double_backward_soft_margin_and_composed():
    grad_case(lambda m, a, y: m.nn.functional.soft_margin_loss(a, y), r(3, 2), const(_pm1(3, 2)), gradgrad=True)
    grad_case(lambda m, a, b: m.nn.functional.kl_div(a, b, reduction="batchmean"), r(2, 3), _pos(2, 3),
              gradgrad=True)
    grad_case(lambda m, a, b, v: m.nn.functional.gaussian_nll_loss(a, b, v), r(2, 3), r(2, 3), _pos(2, 3),
              gradgrad=True)
    grad_case(lambda m, a, b: m.nn.functional.cosine_similarity(a, b), r(2, 3), r(2, 3), gradgrad=True)


@pytest.mark.parametrize("name", list(FUSED))
def test_fused_losses_shape_mismatch_error(name):
    with pytest.warns(UserWarning, match="target size"):
        with pytest.raises(RuntimeError, match=rf"\[{name}\] The size of tensor a \(4\) must match the size of tensor "
                                               r"b \(3\) at non-singleton dimension 1"):
            getattr(ember.nn.functional, name)(r(3, 4), r(3))
