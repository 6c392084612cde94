"""Optimizers: 100 steps on the same parameters and gradients as torch.optim, every option;
state_dict round trips; LBFGS on a full-batch problem; errors."""
import numpy as np
import pytest

import ember
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None

SHAPES = [(7, 5), (33,), ()]


def _run(name, kwargs, steps=100, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    ep = [ember.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    eo = getattr(ember.optim, name)(ep, **kwargs)
    to = getattr(torch.optim, name)(tp, **kwargs)
    for gs in grads:
        for p, q, g in zip(ep, tp, gs):
            p.grad = ember.tensor(g)
            q.grad = torch.tensor(g)
        eo.step()
        to.step()
    return ep, tp, eo, to


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.9), eps=1e-6, maximize=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch_after_100_steps(name, kwargs):
    ep, tp, eo, to = _run(name, kwargs)
    for p, q in zip(ep, tp):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-6)
    # the state has PyTorch's layout
    es, ts = eo.state_dict(), to.state_dict()
    assert sorted(es["state"]) == sorted(ts["state"])
    for k in ts["state"]:
        assert sorted(es["state"][k]) == sorted(ts["state"][k])
        for key, v in ts["state"][k].items():
            if isinstance(v, torch.Tensor):
                np.testing.assert_allclose(es["state"][k][key].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)
    assert [sorted(g) for g in es["param_groups"]] == [sorted(g) for g in ts["param_groups"]]


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_float64_parameters(name):
    ep, tp, _, _ = _run(name, dict(lr=0.01), steps=30, dtype="float64")
    for p, q in zip(ep, tp):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 3)).astype("float32")
    p1, p2 = ember.tensor(a, requires_grad=True), ember.tensor(a, requires_grad=True)
    o1 = ember.optim.Adam([p1], lr=0.1)
    grads = [rng.standard_normal((4, 3)).astype("float32") for _ in range(6)]
    for g in grads[:3]:
        p1.grad = ember.tensor(g)
        o1.step()
    with ember.no_grad():
        p2.copy_(p1)
    o2 = ember.optim.Adam([p2], lr=0.5)
    o2.load_state_dict(o1.state_dict())
    assert o2.param_groups[0]["lr"] == 0.1
    for g in grads[3:]:
        p1.grad = ember.tensor(g)
        p2.grad = ember.tensor(g)
        o1.step()
        o2.step()
    np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())


def test_param_groups_and_zero_grad():
    a, b = ember.randn(3, requires_grad=True), ember.randn(2, requires_grad=True)
    opt = ember.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    a.grad, b.grad = ember.ones(3), ember.ones(2)
    a0, b0 = a.detach().clone(), b.detach().clone()
    opt.step()
    np.testing.assert_allclose((a0 - a.detach()).numpy(), [0.1] * 3, rtol=1e-6)
    np.testing.assert_allclose((b0 - b.detach()).numpy(), [0.5] * 2, rtol=1e-6)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = ember.ones(3)
    opt.zero_grad(set_to_none=False)
    assert not np.any(a.grad.numpy())


def test_parameter_without_grad_is_skipped():
    a, b = ember.randn(3, requires_grad=True), ember.randn(3, requires_grad=True)
    b0 = b.detach().clone()
    opt = ember.optim.Adam([a, b])
    a.grad = ember.ones(3)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), b0.numpy())
    assert b not in opt.state or not opt.state[b]


def test_errors():
    a = ember.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        ember.optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ember.optim.Adam([a], lr=-1)
    with pytest.raises(ValueError, match="beta parameter"):
        ember.optim.Adam([a], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="more than one parameter group"):
        ember.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        ember.optim.SGD([a], lr=0.1, nesterov=True)
    opt = ember.optim.SGD([a], lr=0.1)
    a.grad = ember.ones(4)
    with pytest.raises(RuntimeError, match=r"^\[sgd\] gradient of shape \(4,\)"):
        opt.step()
    with pytest.raises(RuntimeError, match=r"^\[adam\] gradient 0 has shape \(4,\)"):  # the kernel checks too
        ember._C.adam_step([a._t], [ember.ones(4)._t], [a._t], [a._t], [], [0.1], [1.0], 0.1, 0.9, 0.99, 1e-8, 0.0,
                           False, False, False)


@needs_torch
@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch_on_least_squares(line_search):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((20, 5))
    y = rng.standard_normal(20)
    x0 = rng.standard_normal(5)
    ea, ey = ember.tensor(A), ember.tensor(y)
    ta, ty = torch.tensor(A), torch.tensor(y)
    ex, tx = ember.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    eo = ember.optim.LBFGS([ex], lr=1, max_iter=20, line_search_fn=line_search)
    to = torch.optim.LBFGS([tx], lr=1, max_iter=20, line_search_fn=line_search)

    def eclose():
        eo.zero_grad()
        r = (ea * ex).sum(1) - ey
        loss = (r * r).sum()
        loss.backward()
        return loss

    def tclose():
        to.zero_grad()
        loss = ((ta @ tx - ty) ** 2).sum()
        loss.backward()
        return loss
    for _ in range(3):
        le = float(eo.step(eclose))
        lt = float(to.step(tclose))
        assert abs(le - lt) <= 1e-8 * max(1.0, abs(lt))
    np.testing.assert_allclose(ex.detach().numpy(), tx.detach().numpy(), rtol=1e-7, atol=1e-9)
