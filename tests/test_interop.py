"""numpy and DLPack interop: zero-copy both ways, lifetimes, dtypes."""
import gc

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, make, needs_torch, to_np, torch


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d is not ember.bfloat16])
def test_numpy_from_dlpack_zero_copy(dtype):
    t = make((3, 5), dtype).t()
    a = np.from_dlpack(t)
    assert a.shape == (5, 3)
    np.testing.assert_array_equal(a, to_np(t))
    assert np.shares_memory(a, t.numpy())


def test_from_dlpack_numpy_shares_memory():
    a = np.arange(10, dtype=np.float32)[::2]
    t = ember.from_dlpack(a)
    a[1] = 100
    assert t.tolist() == [0, 100, 4, 6, 8]


def test_dlpack_lifetime():
    t = ember.from_dlpack(np.arange(1000, dtype=np.float64))
    gc.collect()
    assert t.numpy().sum() == 499500
    a = np.from_dlpack(ember.ones(100))
    gc.collect()
    assert a.sum() == 100


@needs_torch
@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool"])
def test_torch_roundtrip(name):
    x = torch.arange(12).reshape(3, 4).to(getattr(torch, name))[:, 1:]
    e = ember.from_dlpack(x)
    assert e.dtype._name == name and e.shape == (3, 3) and e.stride() == x.stride()
    back = torch.from_dlpack(e)
    assert back.data_ptr() == x.data_ptr()
    assert torch.equal(back, x)


@needs_torch
def test_torch_writes_visible():
    e = ember.zeros(4)
    tt = torch.from_dlpack(e)
    tt += 2
    assert e.tolist() == [2, 2, 2, 2]


def test_from_dlpack_rejects_garbage():
    with pytest.raises(TypeError, match=r"\[from_dlpack\]"):
        ember.from_dlpack(3)
