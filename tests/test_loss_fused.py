"""cross_entropy (class indices with ignore_index/weights/label smoothing, probability targets,
(N, C) and (N, C, d...), every reduction), nll_loss, binary_cross_entropy and
binary_cross_entropy_with_logits: forward and gradients vs PyTorch and finite differences,
extreme logits, reference kernels, modules and errors."""
import numpy as np
import pytest

import ember
from conftest import assert_close, make, needs_torch, to_torch, torch
from gradutil import const, grad_case

F = ember.nn.functional
REDUCTIONS = ["none", "mean", "sum"]


def targets(shape, C, seed=0, ignore=None):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, C, size=shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return ember.tensor(t, dtype=ember.int64)


def probs(shape, seed=0):
    p = np.random.default_rng(seed).random(shape) + 0.05
    return ember.tensor(p / p.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.25])
def test_cross_entropy_class_indices(reduction, weighted, ls):
    x, t = make((5, 4), seed=1), targets((5,), 4, ignore=2)
    w = ember.rand(4) + 0.5 if weighted else None
    grad_case(lambda m, a, tt: m.nn.functional.cross_entropy(
        a, tt, weight=None if w is None else (w if m is ember else to_torch(w).double()), ignore_index=2,
        reduction=reduction, label_smoothing=ls), x, t, gradgrad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial(reduction):
    x, t = make((2, 3, 4, 2), seed=2), targets((2, 4, 2), 3, ignore=-100)
    w = ember.rand(3) + 0.5
    grad_case(lambda m, a, tt: m.nn.functional.cross_entropy(
        a, tt, weight=w if m is ember else to_torch(w).double(), reduction=reduction, label_smoothing=0.1), x, t,
        gradgrad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets(reduction, weighted):
    x, p = make((4, 5), seed=3), probs((4, 5))
    w = ember.rand(5) + 0.5 if weighted else None
    grad_case(lambda m, a, pp: m.nn.functional.cross_entropy(
        a, pp, weight=None if w is None else (w if m is ember else to_torch(w).double()), reduction=reduction,
        label_smoothing=0.2), x, p, gradgrad=True)           # gradient w.r.t. the target too
    grad_case(lambda m, a, pp: m.nn.functional.cross_entropy(a, pp, reduction=reduction), make((2, 3, 4)),
              const(probs((2, 3, 4))))


def test_cross_entropy_unbatched_and_empty():
    grad_case(lambda m, a, tt: m.nn.functional.cross_entropy(a, tt), make((6,)), ember.tensor(4))
    if torch is not None:
        x, t = ember.zeros(0, 3), ember.zeros(0, dtype=ember.int64)
        for r in REDUCTIONS:
            assert_close(F.cross_entropy(x, t, reduction=r), torch.nn.functional.cross_entropy(
                to_torch(x), to_torch(t), reduction=r))


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_cross_entropy_float_forward_backward_vs_torch(kernels, dtype):
    ember.set_kernels(kernels)
    x = make((64, 300), dtype=dtype, low=-10, high=10, seed=4)
    t = targets((64,), 300, ignore=7)
    w = ember.rand(300, dtype=dtype) + 0.1
    for kw in ({}, {"weight": w, "ignore_index": 7}, {"label_smoothing": 0.3, "weight": w}):
        xe = x.clone().requires_grad_()
        xt = to_torch(x).requires_grad_()
        kt = {k: (to_torch(v) if isinstance(v, ember.Tensor) else v) for k, v in kw.items()}
        le = F.cross_entropy(xe, t, **kw)
        lt = torch.nn.functional.cross_entropy(xt, to_torch(t), **kt)
        le.backward()
        lt.backward()
        tol = 1e-10 if dtype is ember.float64 else 1e-5
        assert_close(le.detach(), lt, rtol=tol, atol=tol)
        assert_close(xe.grad, xt.grad, rtol=tol, atol=tol * 0.1)


@needs_torch
@pytest.mark.parametrize("C", [2051, 8192])
def test_cross_entropy_backward_streamed_rows(C):
    # a float32 gradient larger than the L3 is written with streaming stores, each row forwards or
    # backwards (x just below dx modulo 4 KiB); masked (-inf) logits get a gradient of exactly
    # -g ls w_c / C (0 without label smoothing); every option against float64 PyTorch
    rows = (12 << 20) // (4 * C) + 3
    rng = np.random.default_rng(C)
    a = rng.normal(0, 4, (rows, C)).astype(np.float32)
    a[:, 3::17] = -np.inf
    tgt = rng.integers(0, C, rows)
    tgt[tgt % 17 == 3] = 0  # targets never masked (their loss would be inf)
    tgt[5::9] = 1  # ignored rows
    w = (rng.random(C) + 0.5).astype(np.float32)
    for kw in ({}, {"weight": w, "ignore_index": 1}, {"label_smoothing": 0.2}, {"label_smoothing": 0.1, "weight": w}):
        if kw.get("label_smoothing"):
            a[:, 3::17] = -30.0  # smoothing puts weight on every logit: -inf would make the loss inf
        ke = {k: (ember.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        kt = {k: (torch.from_numpy(v).double() if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        xe = ember.tensor(a).requires_grad_()
        xt = torch.from_numpy(a).double().requires_grad_()
        F.cross_entropy(xe, ember.tensor(tgt), **ke).backward()
        torch.nn.functional.cross_entropy(xt, torch.from_numpy(tgt), **kt).backward()
        assert_close(xe.grad, xt.grad.float(), rtol=1e-5, atol=1e-12)
        if not kw.get("label_smoothing"):
            assert (xe.grad.numpy()[:, 3::17] == 0).all()


@needs_torch
def test_cross_entropy_extreme_logits():
    x = ember.tensor([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, -1e4, -1e4], [3e4, 3e4 + 1, 3e4 - 1, 3e4]])
    t = ember.tensor([1, 2, 0])
    xe, xt = x.clone().requires_grad_(), to_torch(x).requires_grad_()
    le, lt = F.cross_entropy(xe, t, reduction="none"), torch.nn.functional.cross_entropy(xt, to_torch(t),
                                                                                          reduction="none")
    assert_close(le.detach(), lt, rtol=1e-6, atol=1e-6)
    le.sum().backward()
    lt.sum().backward()
    assert_close(xe.grad, xt.grad, rtol=1e-5, atol=1e-6)


@needs_torch
def test_cross_entropy_half_inputs():
    x = make((6, 10), dtype=ember.bfloat16)
    t = targets((6,), 10)
    assert_close(F.cross_entropy(x, t), torch.nn.functional.cross_entropy(to_torch(x), to_torch(t)))


@needs_torch
def test_all_targets_ignored_mean_is_nan():
    x, t = make((3, 4)), ember.tensor([-100, -100, -100])
    assert np.isnan(F.cross_entropy(x, t).item())
    assert np.isnan(torch.nn.functional.cross_entropy(to_torch(x), to_torch(t)).item())


def test_cross_entropy_one_node():
    x = ember.randn(3, 4, requires_grad=True)
    assert F.cross_entropy(x, ember.tensor([0, 1, 2])).grad_fn.name() == "CrossEntropyLossBackward0"


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3)])
def test_nll_loss(reduction, shape):
    x = make(shape, seed=5)
    t = targets((shape[0],) + shape[2:], shape[1], ignore=1)
    w = ember.rand(shape[1]) + 0.5
    grad_case(lambda m, a, tt: m.nn.functional.nll_loss(
        a, tt, weight=w if m is ember else to_torch(w).double(), ignore_index=1, reduction=reduction), x, t,
        gradgrad=True)
    grad_case(lambda m, a, tt: m.nn.functional.nll_loss(m.nn.functional.log_softmax(a, 1), tt, reduction=reduction),
              x, t, gradgrad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    rng = np.random.default_rng(6)
    x = ember.tensor(rng.uniform(0.05, 0.95, (3, 4)))
    t = ember.tensor(rng.uniform(0, 1, (3, 4)))
    w = ember.rand(4) + 0.5 if weighted else None
    grad_case(lambda m, a, tt: m.nn.functional.binary_cross_entropy(
        a, tt, weight=None if w is None else (w if m is ember else to_torch(w).double()), reduction=reduction), x, t)


@needs_torch
def test_binary_cross_entropy_clamps_log():
    x, t = ember.tensor([0.0, 1.0, 0.5, 1.0]), ember.tensor([1.0, 0.0, 0.5, 1.0])
    assert_close(F.binary_cross_entropy(x, t, reduction="none"),
                 torch.nn.functional.binary_cross_entropy(to_torch(x), to_torch(t), reduction="none"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"pos_weight": True}, {"weight": True, "pos_weight": True}])
def test_bce_with_logits(reduction, opts):
    x = make((3, 4), seed=7, low=-5, high=5)
    t = ember.tensor(np.random.default_rng(8).uniform(0, 1, (3, 4)))
    w = ember.rand(4) + 0.5 if opts.get("weight") else None
    pw = ember.rand(4) + 0.5 if opts.get("pos_weight") else None

    def conv(v, m):
        return None if v is None else (v if m is ember else to_torch(v).double())
    grad_case(lambda m, a, tt: m.nn.functional.binary_cross_entropy_with_logits(
        a, tt, weight=conv(w, m), pos_weight=conv(pw, m), reduction=reduction), x, t)


@needs_torch
def test_bce_with_logits_stable_for_large_logits():
    x, t = ember.tensor([1e4, -1e4, 100.0, -100.0]), ember.tensor([0.0, 1.0, 1.0, 0.0])
    assert_close(F.binary_cross_entropy_with_logits(x, t, reduction="none"),
                 torch.nn.functional.binary_cross_entropy_with_logits(to_torch(x), to_torch(t), reduction="none"))


def test_weight_gradient_is_not_implemented_like_pytorch():
    x, w = ember.randn(3, 4, requires_grad=True), ember.rand(4, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"\[cross_entropy\] the derivative for 'weight'"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), weight=w).backward()
    with pytest.raises(NotImplementedError, match=r"\[nll_loss\] the derivative for 'weight'"):
        F.nll_loss(x, ember.tensor([0, 1, 2]), weight=w).backward()


def test_binary_losses_double_backward_raises():
    x = ember.rand(4, dtype=ember.float64, requires_grad=True)
    t = ember.rand(4, dtype=ember.float64)
    g, = ember.autograd.grad(F.binary_cross_entropy_with_logits(x, t), [x], create_graph=True)
    with pytest.raises(NotImplementedError, match="binary_cross_entropy_with_logits"):
        g.sum().backward()


def test_errors():
    x = ember.randn(3, 5)
    with pytest.raises(IndexError, match=r"\[cross_entropy\] Target 5 is out of bounds"):
        F.cross_entropy(x, ember.tensor([0, 5, 1]))
    with pytest.raises(IndexError, match=r"\[nll_loss\] Target -2 is out of bounds"):
        F.nll_loss(x, ember.tensor([0, -2, 1]))
    with pytest.raises(RuntimeError, match=r"\[cross_entropy\] expected scalar type Long"):
        F.cross_entropy(x, ember.tensor([0, 1, 2], dtype=ember.int32))
    with pytest.raises(ValueError, match=r"\[cross_entropy\] Expected input batch_size \(3\) to match target"):
        F.cross_entropy(x, ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"\[cross_entropy\] weight tensor should be defined"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), weight=ember.ones(4))
    with pytest.raises(RuntimeError, match=r"\[cross_entropy\] expected probability target"):
        F.cross_entropy(x, ember.rand(3, 4))
    with pytest.raises(ValueError, match=r"\[cross_entropy\] bad is not a valid value for reduction"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), reduction="bad")
    with pytest.raises(RuntimeError, match=r"\[binary_cross_entropy\] all elements of input should be between"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match=r"\[binary_cross_entropy_with_logits\] Using a target size"):
        F.binary_cross_entropy_with_logits(ember.randn(3), ember.rand(4))
    with pytest.raises(TypeError, match=r"\[cross_entropy\]"):
        F.cross_entropy(x, [0, 1, 2])


@needs_torch
def test_error_types_match_torch():
    x = torch.randn(3, 5)
    with pytest.raises(IndexError):
        torch.nn.functional.cross_entropy(x, torch.tensor([0, 5, 1]))
    with pytest.raises(ValueError):
        torch.nn.functional.cross_entropy(x, torch.tensor([0, 1]))


@needs_torch
def test_loss_modules():
    x, t = make((4, 5)), targets((4,), 5, ignore=3)
    w = ember.rand(5) + 0.5
    for name, kw in (("CrossEntropyLoss", {"weight": w, "ignore_index": 3, "label_smoothing": 0.1}),
                     ("NLLLoss", {"weight": w, "ignore_index": 3, "reduction": "sum"})):
        m = getattr(ember.nn, name)(**kw)
        tm = getattr(torch.nn, name)(**{k: (to_torch(v) if isinstance(v, ember.Tensor) else v) for k, v in kw.items()})
        assert_close(m(x, t), tm(to_torch(x), to_torch(t)), rtol=1e-5, atol=1e-6)
        assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    p = ember.rand(4, 5)
    m = ember.nn.BCEWithLogitsLoss(pos_weight=w)
    tm = torch.nn.BCEWithLogitsLoss(pos_weight=to_torch(w))
    assert_close(m(x, p), tm(to_torch(x), to_torch(p)), rtol=1e-5, atol=1e-6)
    assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    assert_close(ember.nn.BCELoss(reduction="none")(p, p), torch.nn.BCELoss(reduction="none")(to_torch(p), to_torch(p)),
                 rtol=1e-5, atol=1e-6)


# ---- huber_loss / smooth_l1_loss: one fused C++ kernel each way -------------------------------
THRESH = {"huber_loss": "delta", "smooth_l1_loss": "beta"}
NODE = {"huber_loss": "HuberLossBackward0", "smooth_l1_loss": "SmoothL1LossBackward0"}


def _thresh_loss(name, p, **kw):
    return lambda m, a, b: getattr(m.nn.functional, name)(a, b, **{THRESH[name]: p}, **kw)


@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [0.3, 1.0, 2.5])
def test_threshold_losses(name, reduction, p):
    out = grad_case(_thresh_loss(name, p, reduction=reduction), make((4, 5), seed=1), make((4, 5), seed=2),
                    gradgrad=True)
    assert out.grad_fn.name() == NODE[name]


@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_threshold_losses_broadcast_warns(name, reduction):
    # target (5,) against input (3, 5) and input (3, 1) against target (3, 4): PyTorch warns, then broadcasts
    for xs, ts in (((3, 5), (5,)), ((3, 1), (3, 4)), ((2, 3), ())):
        with pytest.warns(UserWarning, match="target size"):
            grad_case(_thresh_loss(name, 0.7, reduction=reduction), make(xs, seed=3), make(ts, seed=4))


@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
def test_threshold_losses_noncontiguous_and_0d(name):
    grad_case(_thresh_loss(name, 0.8, reduction="none"), make((4, 3), seed=1, noncontig="T"),
              make((4, 3), seed=2, noncontig="step"), gradgrad=True)
    grad_case(_thresh_loss(name, 0.8), make((), seed=1), make((), seed=2), gradgrad=True)


@needs_torch
@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_threshold_losses_large_vs_torch(name, kernels, dtype):
    # > one parallel grain and several partial-sum blocks; a tail that is not a vector multiple
    ember.set_kernels(kernels)
    x, t = make((131, 257), dtype=dtype, seed=5), make((131, 257), dtype=dtype, seed=6)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype is ember.float32 else {}
    for reduction in REDUCTIONS:
        xe, te = x.detach().requires_grad_(), t.detach().requires_grad_()
        xt, tt = to_torch(x).requires_grad_(), to_torch(t).requires_grad_()
        le = _thresh_loss(name, 0.9, reduction=reduction)(ember, xe, te)
        lt = _thresh_loss(name, 0.9, reduction=reduction)(torch, xt, tt)
        assert_close(le.detach(), lt, **tol)
        g = make(tuple(le.shape), dtype=dtype, seed=7)
        le.backward(g)
        lt.backward(to_torch(g))
        assert_close(xe.grad, xt.grad, **tol)
        assert_close(te.grad, tt.grad, **tol)


@needs_torch
@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
def test_threshold_losses_dtypes_and_one_sided_grads(name):
    x, t = make((3, 4), dtype=ember.float16, seed=1), make((3, 4), dtype=ember.float16, seed=2)
    assert_close(_thresh_loss(name, 0.5)(ember, x, t), _thresh_loss(name, 0.5)(torch, to_torch(x), to_torch(t)),
                 rtol=1e-2, atol=1e-3)
    # mixed dtypes: smooth_l1 returns the promoted dtype, huber the input's (as PyTorch)
    xd, td = make((3, 4), seed=1), make((3, 4), dtype=ember.float64, seed=2)
    for a, b in ((xd, td), (td, xd), (x, xd)):
        assert_close(_thresh_loss(name, 0.5)(ember, a, b), _thresh_loss(name, 0.5)(torch, to_torch(a), to_torch(b)),
                     rtol=1e-3, atol=1e-3)
    # only the target requires grad
    xd = xd.double()
    te = td.detach().requires_grad_()
    tt = to_torch(td).requires_grad_()
    _thresh_loss(name, 0.5, reduction="sum")(ember, xd, te).backward()
    _thresh_loss(name, 0.5, reduction="sum")(torch, to_torch(xd), tt).backward()
    assert_close(te.grad, tt.grad)


@needs_torch
@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
def test_threshold_losses_nan_and_empty(name):
    x = ember.tensor([float("nan"), 0.5, -4.0])
    t = ember.zeros(3)
    for reduction in REDUCTIONS:
        assert_close(_thresh_loss(name, 1.0, reduction=reduction)(ember, x, t),
                     _thresh_loss(name, 1.0, reduction=reduction)(torch, to_torch(x), to_torch(t)))
    e = ember.zeros(0, 3)
    for reduction in REDUCTIONS:
        assert_close(_thresh_loss(name, 1.0, reduction=reduction)(ember, e, e),
                     _thresh_loss(name, 1.0, reduction=reduction)(torch, to_torch(e), to_torch(e)))


def test_threshold_losses_errors():
    x = make((2, 3))
    with pytest.raises(RuntimeError, match=r"^\[huber_loss\].*delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(RuntimeError, match=r"^\[smooth_l1_loss\].*beta"):
        F.smooth_l1_loss(x, x, beta=-0.5)
    with pytest.raises(RuntimeError, match=r"^\[huber_loss\]"), pytest.warns(UserWarning):
        F.huber_loss(x, make((2, 4)))
    with pytest.raises(RuntimeError, match=r"^\[smooth_l1_loss\]"):
        ember._C.smooth_l1_loss_forward(ember.ones(2, dtype=ember.int64)._t, ember.ones(2, dtype=ember.int64)._t, 1, 1.0)
