"""nn.utils: clip_grad_norm_ / clip_grad_value_ / get_total_norm vs torch.nn.utils, and
parameters_to_vector / vector_to_parameters."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import utils
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def _params_with_grads(seed, m, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    out = []
    for s in shapes:
        p = m.nn.Parameter(m.tensor(rng.standard_normal(s).astype(np.float32)))
        p.grad = m.tensor((rng.standard_normal(s) * scale).astype(np.float32))
        out.append(p)
    return out


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    pe, pt = _params_with_grads(0, ember), _params_with_grads(0, torch)
    nt = float(norm_type)
    te = utils.clip_grad_norm_(pe, max_norm, norm_type=nt)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=nt)
    assert isinstance(te, ember.Tensor) and te.dim() == 0
    np.testing.assert_allclose(te.item(), tt.item(), rtol=1e-5)
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_generator_and_no_grads():
    p = nn.Parameter(ember.ones(4))
    p.grad = ember.full((4,), 3.0)
    total = utils.clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(6.0)
    np.testing.assert_allclose(p.grad.numpy(), np.full(4, 3.0 / (6.0 + 1e-6)), rtol=1e-6)
    m = nn.Linear(3, 2)
    assert utils.clip_grad_norm_(m.parameters(), 1.0).item() == 0.0  # no grads yet
    m(ember.ones(5, 3)).sum().backward()
    w = m.weight.grad
    utils.clip_grad_norm_(m.parameters(), 1e-3)  # a generator of parameters
    assert m.weight.grad is w  # scaled in place
    total = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in m.parameters()))
    assert total == pytest.approx(1e-3, rel=1e-3)


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    t = utils.clip_grad_norm_(p, 1.0, foreach=True)
    assert math.isinf(t.item())
    with pytest.raises(TypeError, match=r"^\[clip_grad_norm_\]"):
        utils.clip_grad_norm_(p, "big")


def test_clip_grad_norm_does_not_record_graph():
    m = nn.Linear(2, 2)
    m(ember.ones(1, 2)).sum().backward()
    utils.clip_grad_norm_(m.parameters(), 0.1)
    assert all(p.grad.grad_fn is None and not p.grad.requires_grad for p in m.parameters())


@needs_torch
def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    pe, pt = _params_with_grads(1, ember), _params_with_grads(1, torch)
    te = utils.get_total_norm([p.grad for p in pe], 3.0)
    tt = torch.nn.utils.get_total_norm([p.grad for p in pt], 3.0)
    np.testing.assert_allclose(te.item(), tt.item(), rtol=1e-5)
    utils.clip_grads_with_norm_(pe, 0.3, te)
    torch.nn.utils.clip_grads_with_norm_(pt, 0.3, tt)
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


@needs_torch
def test_clip_grad_value_matches_torch():
    pe, pt = _params_with_grads(2, ember, scale=2.0), _params_with_grads(2, torch, scale=2.0)
    assert utils.clip_grad_value_(pe, 0.7) is None
    torch.nn.utils.clip_grad_value_(pt, 0.7)
    for a, b in zip(pe, pt):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    with pytest.raises(TypeError, match=r"^\[clip_grad_value_\]"):
        utils.clip_grad_value_(pe, None)


def test_parameters_to_vector_and_back():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = utils.parameters_to_vector(m.parameters())
    expect = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    np.testing.assert_array_equal(vec.detach().numpy(), expect)
    params = list(m.parameters())
    utils.vector_to_parameters(ember.arange(float(vec.numel())), m.parameters())
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m[1].bias.detach().numpy(), [10.0])
    assert all(p.requires_grad and p.is_leaf for p in m.parameters())
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        utils.vector_to_parameters([1.0], m.parameters())
    with pytest.raises(RuntimeError, match=r"^\[vector_to_parameters\]"):
        utils.vector_to_parameters(ember.ones(3), m.parameters())


def test_parameters_to_vector_is_differentiable():
    m = nn.Linear(2, 2)
    v = utils.parameters_to_vector(m.parameters())
    (v * ember.arange(6.0)).sum().backward()
    np.testing.assert_array_equal(m.weight.grad.numpy(), np.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(m.bias.grad.numpy(), [4.0, 5.0])


@needs_torch
def test_functional_call_matches_torch_and_restores():
    from ember.nn.utils.stateless import functional_call
    me, mt = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)), torch.nn.Sequential(torch.nn.Linear(3, 2),
                                                                                   torch.nn.Linear(2, 1))
    rng = np.random.default_rng(0)
    new = {k: rng.standard_normal(tuple(v.shape)).astype(np.float32) for k, v in mt.state_dict().items()}
    pe = {k: ember.tensor(v, requires_grad=True) for k, v in new.items()}
    pt = {k: torch.tensor(v, requires_grad=True) for k, v in new.items()}
    x = rng.standard_normal((4, 3)).astype(np.float32)
    before = me[0].weight.detach().numpy().copy()
    ye = functional_call(me, pe, (ember.tensor(x),))
    yt = torch.func.functional_call(mt, pt, (torch.from_numpy(x),))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    for k in new:
        np.testing.assert_allclose(pe[k].grad.numpy(), pt[k].grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert isinstance(me[0].weight, nn.Parameter) and me[0].weight.grad is None
    np.testing.assert_array_equal(me[0].weight.detach().numpy(), before)
    with pytest.raises(RuntimeError, match="missing keys"):
        functional_call(me, {"0.weight": pe["0.weight"]}, (ember.tensor(x),), strict=True)
    with pytest.raises(AttributeError, match=r"^\[functional_call\]"):
        functional_call(me, {"0.nope": pe["0.weight"]}, (ember.tensor(x),))
    assert isinstance(me[0].weight, nn.Parameter)


def test_functional_call_tied_weights():
    from ember.nn.utils.stateless import functional_call

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.e, self.d = nn.Embedding(4, 3), nn.Linear(3, 4, bias=False)
            self.d.weight = self.e.weight

        def forward(self, x):
            return self.d(x)

    m = Tied()
    x = ember.ones(2, 3)
    out = functional_call(m, {"e.weight": ember.zeros(4, 3)}, (x,))
    assert not np.any(out.detach().numpy())  # the tied alias d.weight was replaced too
    out2 = functional_call(m, {"e.weight": ember.zeros(4, 3)}, (x,), tie_weights=False)
    np.testing.assert_allclose(out2.detach().numpy(), m(x).detach().numpy())
