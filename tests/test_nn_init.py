"""nn.init: gains and fans as PyTorch, moments of every initializer over large tensors, structure of
eye_/dirac_/orthogonal_/sparse_, no_grad on parameters, generator=, errors."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def param(*shape):
    return nn.Parameter(ember.empty(*shape))


def arr(t):
    return t.detach().numpy()


@needs_torch
def test_calculate_gain_matches_torch():
    for nl, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                  ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None),
                  ("conv_transpose3d", None)]:
        assert init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


@needs_torch
def test_fan_in_fan_out_matches_torch():
    for shape in [(3, 4), (8, 3, 5), (6, 2, 3, 3), (4, 2, 1, 2, 3), (0, 5)]:
        assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


def test_uniform_normal_constant_moments():
    ember.manual_seed(0)
    p = param(400, 500)
    assert init.uniform_(p, -2.0, 3.0) is p
    a = arr(p)
    assert a.min() >= -2 and a.max() < 3 and abs(a.mean() - 0.5) < 0.02 and abs(a.var() - 25 / 12) < 0.03
    init.normal_(p, 1.5, 0.5)
    a = arr(p)
    assert abs(a.mean() - 1.5) < 0.005 and abs(a.std() - 0.5) < 0.005
    init.constant_(p, 0.25)
    assert np.all(arr(p) == 0.25)
    init.ones_(p)
    assert np.all(arr(p) == 1)
    init.zeros_(p)
    assert not np.any(arr(p))
    assert p.requires_grad and p.is_leaf and p.grad_fn is None  # filled under no_grad


@needs_torch
def test_trunc_normal_moments():
    ember.manual_seed(1)
    p = param(500, 400)
    init.trunc_normal_(p, mean=0.5, std=1.0, a=-0.5, b=2.0)
    a = arr(p)
    assert a.min() >= -0.5 and a.max() <= 2.0
    ref = torch.nn.init.trunc_normal_(torch.empty(500, 400), mean=0.5, std=1.0, a=-0.5, b=2.0).numpy()
    assert abs(a.mean() - ref.mean()) < 0.01 and abs(a.std() - ref.std()) < 0.01


@pytest.mark.parametrize("fn,expect_std", [
    (lambda t: init.xavier_uniform_(t), math.sqrt(2 / (300 + 200))),
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(2 / (300 + 200))),
    (lambda t: init.xavier_normal_(t), math.sqrt(2 / (300 + 200))),
    (lambda t: init.kaiming_uniform_(t), math.sqrt(2 / (1 + 0.01 ** 2)) / math.sqrt(300)),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(300) / math.sqrt(3)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2) / math.sqrt(200)),
    (lambda t: init.kaiming_normal_(t, nonlinearity="tanh"), 5 / 3 / math.sqrt(300)),
])
def test_scaled_init_std(fn, expect_std):
    ember.manual_seed(2)
    p = param(200, 300)
    fn(p)
    a = arr(p)
    assert abs(a.mean()) < 0.02 * expect_std * 10
    assert abs(a.std() - expect_std) < 0.02 * expect_std


def test_conv_shaped_fans():
    ember.manual_seed(3)
    p = param(64, 32, 3, 3)
    init.kaiming_normal_(p, mode="fan_in", nonlinearity="relu")
    assert abs(arr(p).std() - math.sqrt(2 / (32 * 9))) < 0.02 * math.sqrt(2 / (32 * 9))


def test_eye_and_dirac():
    p = param(3, 5)
    init.eye_(p)
    np.testing.assert_array_equal(arr(p), np.eye(3, 5))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))
    w = param(4, 2, 3, 3)
    init.dirac_(w)
    a = arr(w)
    assert a.sum() == 2 and a[0, 0, 1, 1] == 1 and a[1, 1, 1, 1] == 1 and a[2].sum() == 0
    w2 = param(4, 2, 3)
    init.dirac_(w2, groups=2)
    a2 = arr(w2)
    assert a2[0, 0, 1] == 1 and a2[1, 1, 1] == 1 and a2[2, 0, 1] == 1 and a2[3, 1, 1] == 1 and a2.sum() == 4
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(ember.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ember.empty(3, 2, 3), groups=2)


@needs_torch
def test_dirac_matches_torch():
    for shape, groups in [((6, 4, 3, 3), 1), ((6, 2, 3, 5), 3), ((2, 4, 2, 2, 2), 1)]:
        np.testing.assert_array_equal(arr(init.dirac_(ember.empty(*shape), groups)),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3), (3, 3)])
def test_orthogonal(shape):
    ember.manual_seed(4)
    p = param(*shape)
    init.orthogonal_(p, gain=2.0)
    a = arr(p).reshape(shape[0], -1).astype(np.float64)
    rows, cols = a.shape
    if rows >= cols:
        np.testing.assert_allclose(a.T @ a, 4 * np.eye(cols), atol=1e-5)
    else:
        np.testing.assert_allclose(a @ a.T, 4 * np.eye(rows), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(ember.empty(3))


def test_sparse():
    ember.manual_seed(5)
    p = param(10, 300)
    init.sparse_(p, sparsity=0.3, std=0.5)
    a = arr(p)
    assert np.all((a == 0).sum(0) == 3)  # ceil(0.3 * 10) zeros in every column
    nz = a[a != 0]
    assert abs(nz.std() - 0.5) < 0.03
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(ember.empty(2, 2, 2), 0.1)


def test_generator_argument_reproducible():
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
               init.kaiming_normal_, init.trunc_normal_, init.orthogonal_):
        a = fn(ember.empty(5, 4), generator=ember.Generator().manual_seed(7))
        b = fn(ember.empty(5, 4), generator=ember.Generator().manual_seed(7))
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_zero_element_and_deprecated_aliases():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))
    with pytest.warns(FutureWarning):
        init.xavier_uniform(ember.empty(2, 2))
    with pytest.raises(TypeError, match=r"^\[uniform_\]"):
        init.uniform_(np.zeros(3))
