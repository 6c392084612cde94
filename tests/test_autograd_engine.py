"""The autograd engine through user-defined Functions (built-in ops are wired by the autograd issue)."""
import gc
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Function
from conftest import to_np


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = ember.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return Mul.apply(g, y)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (Mul.apply(g, b) if ctx.needs_input_grad[0] else None,
                Mul.apply(g, a) if ctx.needs_input_grad[1] else None)


class Sum(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.sum()

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.shape)


class WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g * 3.0  # wrong on purpose


def leaf(vals, dtype=ember.float64):
    return ember.tensor(vals, dtype=dtype, requires_grad=True)


def test_chain_and_accumulation():
    x = leaf([0.5, 1.0, 2.0])
    loss = Sum.apply(Mul.apply(Exp.apply(x), x))  # sum(x * e^x)
    assert loss.grad_fn.name() == "SumBackward" and not loss.is_leaf and x.is_leaf
    loss.backward(retain_graph=True)
    expected = np.exp([0.5, 1, 2]) * (1 + np.array([0.5, 1, 2]))
    np.testing.assert_allclose(to_np(x.grad), expected)
    loss.backward()
    np.testing.assert_allclose(to_np(x.grad), 2 * expected)


def test_backward_twice_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = Sum.apply(Exp.apply(x))
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_inplace_modification_of_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    a = ember.tensor([3.0, 4.0], dtype=ember.float64)
    y = Sum.apply(Mul.apply(x, a))
    a.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_implicit_grad_needs_scalar_and_requires_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        Exp.apply(x).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(2).backward()


def test_grad_modes():
    x = leaf([1.0])
    with ember.no_grad():
        assert not Exp.apply(x).requires_grad
        with ember.enable_grad():
            assert Exp.apply(x).requires_grad
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f(t):
        return Exp.apply(t)
    assert not f(x).requires_grad
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()
    with ember.inference_mode():
        assert not Exp.apply(x).requires_grad


def test_autograd_grad_and_allow_unused():
    x, z = leaf([2.0]), leaf([5.0])
    y = Sum.apply(Mul.apply(x, x))
    (gx,) = ember.autograd.grad(y, x, retain_graph=True)
    np.testing.assert_allclose(to_np(gx), [4.0])
    assert x.grad is None  # grad() does not accumulate
    with pytest.raises(RuntimeError, match="not have been used"):
        ember.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = ember.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None


def test_double_backward_hessian_vector_product():
    x = leaf([0.3, -1.2, 2.0])
    y = Sum.apply(Mul.apply(Mul.apply(x, x), x))  # sum x^3
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    (h,) = ember.autograd.grad(Sum.apply(g), x)  # d/dx sum(3x^2) = 6x
    np.testing.assert_allclose(to_np(h), 6 * np.array([0.3, -1.2, 2.0]))


def test_hooks_and_retain_grad():
    x = leaf([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(to_np(g)) or g * 2)
    mid = Exp.apply(x)
    mid.retain_grad()
    mid.register_hook(lambda g: g * 10)
    Sum.apply(mid).backward()
    np.testing.assert_allclose(to_np(mid.grad), [10.0, 10.0])
    np.testing.assert_allclose(seen[0], 10 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(to_np(x.grad), 20 * np.exp([1.0, 2.0]))
    handle.remove()
    x.grad = None
    Sum.apply(Exp.apply(x)).backward()
    np.testing.assert_allclose(to_np(x.grad), np.exp([1.0, 2.0]))


def test_backward_inputs_restricts_accumulation():
    x, z = leaf([1.0]), leaf([2.0])
    y = Sum.apply(Mul.apply(x, z))
    y.backward(inputs=[z])
    assert x.grad is None and to_np(z.grad).tolist() == [1.0]


def test_non_differentiable_outputs_and_needs_input_grad():
    class SortLike(Function):
        @staticmethod
        def forward(ctx, x):
            idx = ember.argsort(x)
            ctx.mark_non_differentiable(idx)
            ctx.flags = ctx.needs_input_grad
            return x * 1.0, idx

        @staticmethod
        def backward(ctx, g, gi):
            return g
    x = leaf([3.0, 1.0])
    v, i = SortLike.apply(x)
    assert v.requires_grad and not i.requires_grad


def test_anomaly_mode_names_the_op():
    class NanGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")
    x = leaf([1.0])
    with ember.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="NanGradBackward"):
            Sum.apply(NanGrad.apply(x)).backward()


def test_graph_is_freed():
    x = leaf([1.0, 2.0])
    y = Exp.apply(x)
    node = weakref.ref(y.grad_fn)
    Sum.apply(y).backward()
    del y
    gc.collect()
    assert node() is None


def test_gradcheck_catches_wrong_backward():
    x = leaf([0.7, -0.4])
    assert ember.autograd.gradcheck(lambda t: Mul.apply(Exp.apply(t), t), (x,))
    assert ember.autograd.gradgradcheck(lambda t: Mul.apply(Mul.apply(t, t), t), (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(lambda t: WrongGrad.apply(t), (x,))
    assert not ember.autograd.gradcheck(lambda t: WrongGrad.apply(t), (x,), raise_exception=False)


def test_two_outputs_of_one_node_as_roots():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2.0 + gb * 3.0
    x = leaf([1.0, 2.0])
    a, b = Two.apply(x)
    ember.autograd.backward([a, b], [ember.ones(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64)])
    np.testing.assert_allclose(to_np(x.grad), [5.0, 5.0])
