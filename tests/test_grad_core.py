"""Autograd through built-in ops: dispatch, in-place rebase, views, validation (the op families'
gradients are tested in test_grad_<family>.py)."""
import gc
import weakref

import numpy as np
import pytest

import ember
from gradutil import grad_case, const


def test_add_sub_mul_div_broadcast():
    x, y = ember.randn(3, 4), ember.randn(4)
    grad_case(lambda m, a, b: a + b * 2 - a / (b * b + 1), x, y, gradgrad=True)
    grad_case(lambda m, a, b: m.add(a, b, alpha=3) - m.sub(b, a, alpha=0.5), x, y)
    grad_case(lambda m, a: 2 - a * 3 + 1 / (a * a + 1), x)


def test_constant_operand_gets_no_grad():
    x, y = ember.randn(2, 3), ember.randn(2, 3)
    grad_case(lambda m, a, b: a * b, x, const(y))


def test_floor_division_has_zero_grad():
    x = ember.randn(5, requires_grad=True)
    ember.div(x, 0.7, rounding_mode="floor").sum().backward()
    assert x.grad is not None and not np.any(x.grad.numpy())


def test_inplace_on_nonleaf_rebases_history():
    x = ember.randn(3, requires_grad=True)
    y = x * 2
    y.mul_(x)            # y = 2x * x
    y += 1
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy(), rtol=1e-6)


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)  # allowed without grad recording (optimizer updates)


def test_inplace_on_plain_tensor_with_grad_input():
    w = ember.randn(3, requires_grad=True)
    buf = ember.zeros(3)
    buf.add_(w * 3)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3, 3, 3])


def test_modifying_saved_tensor_is_detected():
    a = ember.randn(3, requires_grad=True)
    b = a * 1
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_backward_twice_raises():
    a = ember.randn(3, requires_grad=True)
    c = (a * a).sum()
    c.backward()
    with pytest.raises(RuntimeError, match="second time"):
        c.backward()


def test_mixed_dtype_grad_is_cast_to_input_dtype():
    a = ember.randn(3, requires_grad=True)                       # float32
    b = ember.randn(3, dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64


def test_graph_is_freed_after_backward():
    a = ember.randn(100, requires_grad=True)
    b = a * 2
    ref = weakref.ref(b)
    c = (b * b).sum()
    del b
    c.backward()
    gc.collect()
    assert ref() is None


def test_per_op_node_names_and_edges():
    a = ember.randn(2, requires_grad=True)
    b = a * 3 + a
    assert b.grad_fn.name() == "AddBackward0"
    names = sorted(n.name() for n, _ in b.grad_fn.next_functions if n is not None)
    assert names == ["AccumulateGrad", "MulBackward0"]


def test_out_argument_on_grad_path():
    a = ember.randn(3, requires_grad=True)
    out = ember.empty(3)
    ember.mul(a, 2, out=out)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2, 2, 2])


def test_training_step_creates_no_reference_cycles():
    # everything a step allocates (graph nodes, ctx, saved tensors, grads) must be freed by
    # reference counting alone: with the cycle collector off, nothing is left for it to find
    model = ember.nn.Sequential(ember.nn.Linear(6, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3))
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = ember.randn(5, 6), ember.tensor([0, 1, 2, 1, 0])

    def step():
        opt.zero_grad()
        loss = ember.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    step()
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            step()
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_create_graph_then_release():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    ref = weakref.ref(g.grad_fn)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy(), rtol=1e-12)
    del g, y
    gc.collect()
    assert ref() is None


def _mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = ember.tanh(x @ w1 + b1)
    return ember.nn.functional.cross_entropy(h @ w2 + b2, y) + (w1 * w1).sum() * 1e-2


def test_hessian_vector_product_matches_finite_differences():
    rng = np.random.default_rng(0)
    shapes = [(5, 7), (7,), (7, 3), (3,)]
    vals = [rng.standard_normal(s) * 0.5 for s in shapes]
    vecs = [rng.standard_normal(s) for s in shapes]
    x, y = ember.tensor(rng.standard_normal((6, 5))), ember.tensor([0, 1, 2, 0, 1, 2])

    def grads_at(shift):
        ps = [ember.tensor(v + shift * d, requires_grad=True) for v, d in zip(vals, vecs)]
        return [g.numpy() for g in ember.autograd.grad(_mlp_loss(ps, x, y), ps)]
    ps = [ember.tensor(v, requires_grad=True) for v in vals]
    gs = ember.autograd.grad(_mlp_loss(ps, x, y), ps, create_graph=True)
    dot = sum((g * ember.tensor(d)).sum() for g, d in zip(gs, vecs))
    hv = ember.autograd.grad(dot, ps)
    eps = 1e-5
    plus, minus = grads_at(eps), grads_at(-eps)
    for h, p, m in zip(hv, plus, minus):
        np.testing.assert_allclose(h.numpy(), (p - m) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 1))
    xv = rng.standard_normal((8, 4))

    def penalty(lib, w, x):
        out = lib.nn.functional.softplus(x @ w).sum()
        (g,) = lib.autograd.grad(out, x, create_graph=True)
        return ((g.norm(2, dim=1) - 1) ** 2).mean()
    ew, ex = ember.tensor(w, requires_grad=True), ember.tensor(xv, requires_grad=True)
    tw, tx = torch.tensor(w, requires_grad=True), torch.tensor(xv, requires_grad=True)
    pe, pt = penalty(ember, ew, ex), penalty(torch, tw, tx)
    pe.backward()
    pt.backward()
    np.testing.assert_allclose(float(pe), float(pt), rtol=1e-10)
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=1e-8)
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-8)


def test_detect_anomaly_names_the_builtin_forward_op():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    ember.autograd.set_detect_anomaly(True)
    try:
        y = ember.sqrt(x)            # d sqrt / dx at 0 is inf
        with pytest.raises(RuntimeError, match="SqrtBackward0") as ei:
            (y * 0 + y).sum().backward()
        assert "test_grad_core.py" in str(ei.value)  # the forward call site is in the report
    finally:
        ember.autograd.set_detect_anomaly(False)
