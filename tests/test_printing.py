"""Tensor printing matches PyTorch's format character for character (dtype names aside)."""
import numpy as np
import pytest

import ember
from conftest import needs_torch, torch

CASES = [
    np.array([1.0, 2, 3]), np.array([0.1, 2.5, -3]), np.array([1e5, 1.5]), np.array([[1, 2], [3, 4]]),
    np.array([1, 2], dtype=np.int32), np.array([np.nan, 1.0, -np.inf]), np.arange(2000, dtype=np.float32) / 7,
    np.array([True, False]), np.zeros((0, 3), dtype=np.float32), np.array(3.5), np.array([1e-5, 1.0]),
    np.random.default_rng(0).standard_normal((4, 30)).astype(np.float32), np.array([0.0, 0.0]),
    np.array([-1.0, 2.0]), np.arange(24.0).reshape(2, 3, 4), np.array([1, 2], dtype=np.float16),
    np.zeros(0, dtype=np.int64), np.arange(3000).reshape(30, 100), np.array([1e10, -2e-3]), np.array(7),
    np.array([[np.inf]]), np.full((2, 2), -0.5),
]


@needs_torch
@pytest.mark.parametrize("i", range(len(CASES)))
def test_repr_matches_torch(i):
    c = CASES[i]
    assert repr(ember.tensor(c)).replace("ember.", "torch.") == repr(torch.tensor(c))


@needs_torch
def test_printoptions():
    try:
        ember.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        c = np.array([0.12345, 1.5])
        assert repr(ember.tensor(c)).replace("ember.", "torch.") == repr(torch.tensor(c))
        ember.set_printoptions(sci_mode=True)
        torch.set_printoptions(sci_mode=True)
        assert repr(ember.tensor(c)).replace("ember.", "torch.") == repr(torch.tensor(c))
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_repr_suffixes():
    t = ember.zeros(2)
    t.requires_grad_()
    assert repr(t) == "tensor([0., 0.], requires_grad=True)"
    assert repr(ember.zeros(2, dtype=ember.bfloat16)) == "tensor([0., 0.], dtype=ember.bfloat16)"
    assert str(ember.tensor(1.5)) == "tensor(1.5000)"
