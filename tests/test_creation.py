"""Creation: arange/range/linspace/logspace/eye/empty_strided and the full/zeros/tensor edge cases,
against PyTorch (values and dtypes) where installed and numpy always."""
import warnings

import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, NP, assert_close, needs_torch, to_np, torch, torch_dtype

E = ember


def _tkw(kw):
    return {k: (torch_dtype(v) if k == "dtype" else v) for k, v in kw.items()}


# ---- arange -----------------------------------------------------------------------------------------
ARANGE_CASES = [
    ((10,), {}), ((0,), {}), ((2, 9), {}), ((2, 9, 3), {}), ((9, 2, -2), {}), ((-5, 5), {}),
    ((0, 1, 0.1), {}), ((0, 0.3, 0.1), {}), ((1, 4, 0.3), {}), ((1.5, -2.5, -0.5), {}), ((0.0, 10), {}),
    ((0, 5, 0.5), {"dtype": E.float64}), ((0, 1, 0.1), {"dtype": E.float64}), ((-1.0, 1.0, 0.3), {"dtype": E.float16}),
    ((-1.0, 1.0, 0.3), {"dtype": E.bfloat16}), ((0, 10, 3), {"dtype": E.int32}), ((0, 5.5, 1), {"dtype": E.int64}),
    ((0, 5.5, 1), {"dtype": E.int32}), ((0.5, 5, 1), {"dtype": E.int32}), ((-3, 7, 2), {"dtype": E.uint8}),
    ((0, 100, 7), {"dtype": E.int8}), ((0, 3), {"dtype": E.float32}), ((5, 5), {}), ((0, 100000, 3), {}),
    ((1e10, 1e10 + 5), {"dtype": E.float64}), ((0, 2**40, 2**37), {}),
]


@needs_torch
@pytest.mark.parametrize("args,kw", ARANGE_CASES)
def test_arange_matches_torch(args, kw):
    e, t = E.arange(*args, **kw), torch.arange(*args, **_tkw(kw))
    assert e.dtype._name == str(t.dtype).replace("torch.", "")
    assert_close(e, t, rtol=0, atol=0)


@pytest.mark.parametrize("args,n", [((0, 1, 0.1), 10), ((0, 0.3, 0.1), 3), ((1, 2, 0.25), 4), ((10,), 10),
                                    ((3, -3, -1), 6), ((0, 1, 0.3), 4), ((0, 1e-9, 1e-10), 10)])
def test_arange_length_and_numpy(args, n):
    e = E.arange(*args)
    assert e.shape == (n,)
    ref = np.arange(*args)
    np.testing.assert_allclose(to_np(e), ref.astype(to_np(e).dtype), rtol=1e-6)


def test_arange_dtype_inference():
    assert E.arange(5).dtype is E.int64
    assert E.arange(1, 5, 2).dtype is E.int64
    assert E.arange(5.0).dtype is E.float32
    assert E.arange(0, 5, 0.5).dtype is E.float32
    assert E.arange(E.tensor(5)).dtype is E.int64
    assert E.arange(E.tensor(5.0)).dtype is E.float32
    assert E.arange(np.int32(4)).dtype is E.int64
    assert E.arange(True, 3).dtype is E.int64
    assert E.arange(end=4).tolist() == [0, 1, 2, 3]
    assert E.arange(start=1, end=4, step=2).tolist() == [1, 3]
    try:
        E.set_default_dtype(E.float64)
        assert E.arange(0.5, 3).dtype is E.float64 and E.arange(3).dtype is E.int64
    finally:
        E.set_default_dtype(E.float32)
    assert E.arange(3, dtype=E.float64, requires_grad=True).requires_grad
    o = E.empty(0)
    assert E.arange(4, out=o) is o and o.tolist() == [0.0, 1.0, 2.0, 3.0] and o.dtype is E.float32


@pytest.mark.parametrize("args,kw,exc", [
    ((0, 5, 0), {}, RuntimeError), ((5, 0, 1), {}, RuntimeError), ((0, 5, -1), {}, RuntimeError),
    ((0, float("inf")), {}, RuntimeError), ((float("nan"), 5), {}, RuntimeError),
    ((0, 5, 0.5), {"dtype": E.int64}, RuntimeError), ((3,), {"dtype": E.bool}, RuntimeError),
    ((3,), {"dtype": E.int64, "requires_grad": True}, RuntimeError), (("a",), {}, TypeError),
    ((E.ones(2),), {}, RuntimeError),
])
def test_arange_errors(args, kw, exc):
    with pytest.raises(exc, match="arange"):
        E.arange(*args, **kw)


@pytest.mark.skipif(E.cuda.is_available(), reason="checks the errors of a machine without a GPU")
def test_factories_cuda_without_gpu():
    for make_on_cuda in (lambda: E.arange(3, device="cuda"), lambda: E.eye(2, device="cuda"),
                         lambda: E.tensor([1], device="cuda")):
        with pytest.raises(RuntimeError, match="cuda"):
            make_on_cuda()


def test_range_inclusive_deprecated():
    with pytest.warns(UserWarning, match="deprecated"):
        r = E.range(0, 5)
    assert r.dtype is E.float32 and r.tolist() == [0, 1, 2, 3, 4, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert E.range(0, 5, 2, dtype=E.int64).tolist() == [0, 2, 4]
        assert E.range(1, 0, -0.25, dtype=E.float64).tolist() == [1, 0.75, 0.5, 0.25, 0]
        assert E.range(3).tolist() == [0, 1, 2, 3]
        with pytest.raises(RuntimeError, match=r"\[range\]"):
            E.range(0, 5, 0)
        with pytest.raises(RuntimeError, match=r"\[range\]"):
            E.range(5, 0, 1)


# ---- linspace / logspace ---------------------------------------------------------------------------
LINSPACE_CASES = [
    (0, 10, 5, {}), (0, 1, 11, {}), (-3.5, 2.25, 7, {}), (5, -5, 6, {}), (0, 1, 1, {}), (0, 1, 0, {}),
    (1, 1, 4, {}), (0, 1, 100001, {}), (0, 1, 11, {"dtype": E.float64}), (0, 10, 4, {"dtype": E.int64}),
    (-7, 7, 6, {"dtype": E.int32}), (0, 255, 9, {"dtype": E.uint8}), (0, 10, 4, {"dtype": E.int16}),
    (-1, 1, 9, {"dtype": E.float16}), (-1, 1, 9, {"dtype": E.bfloat16}), (2, 3, 2, {}), (0.1, 0.7, 3, {}),
]


@needs_torch
@pytest.mark.parametrize("a,b,n,kw", LINSPACE_CASES)
def test_linspace_matches_torch(a, b, n, kw):
    e, t = E.linspace(a, b, n, **kw), torch.linspace(a, b, n, **_tkw(kw))
    assert_close(e, t, rtol=2e-6 if e.dtype is E.float32 else None, atol=1e-6 if e.dtype is E.float32 else None)


@pytest.mark.parametrize("a,b,n", [(0, 10, 5), (-3.5, 2.25, 7), (0, 1, 1), (0, 1, 0), (5, -5, 1001)])
def test_linspace_numpy(a, b, n):
    e = E.linspace(a, b, n, dtype=E.float64)
    np.testing.assert_allclose(e.numpy(), np.linspace(a, b, n), rtol=1e-14, atol=1e-14)
    if n > 1:
        assert e.numpy()[0] == a and e.numpy()[-1] == b  # both ends exact


LOGSPACE_CASES = [(0, 3, 4, 10.0, {}), (0, 3, 4, 2.0, {}), (-2, 2, 9, 10.0, {}), (0, 3, 4, 10.0, {"dtype": E.int64}),
                  (0, 1, 1, 10.0, {}), (0, 1, 0, 10.0, {}), (1, -1, 5, 3.0, {"dtype": E.float64}),
                  (0, 2, 5, 10.0, {"dtype": E.float16}), (0, 4, 5, 2.0, {"dtype": E.int32}), (0.5, 2.5, 5, 2.0, {})]


@needs_torch
@pytest.mark.parametrize("a,b,n,base,kw", LOGSPACE_CASES)
def test_logspace_matches_torch(a, b, n, base, kw):
    assert_close(E.logspace(a, b, n, base, **kw), torch.logspace(a, b, n, base, **_tkw(kw)))


@pytest.mark.parametrize("a,b,n,base", [(0, 3, 4, 10.0), (-2, 2, 9, 2.0), (1, 1, 1, 10.0)])
def test_logspace_numpy(a, b, n, base):
    np.testing.assert_allclose(E.logspace(a, b, n, base=base, dtype=E.float64).numpy(),
                               np.logspace(a, b, n, base=base), rtol=1e-13)


def test_linspace_logspace_misc():
    assert E.linspace(0, 1, 5).dtype is E.float32 and E.linspace(0, 10, 5).dtype is E.float32
    assert E.linspace(E.tensor(0.0), E.tensor(1.0), 3).tolist() == [0.0, 0.5, 1.0]
    assert E.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert E.linspace(0, 1, 3, requires_grad=True).requires_grad
    o = E.empty(3, dtype=E.float64)
    assert E.linspace(0, 1, 3, out=o) is o and o.tolist() == [0.0, 0.5, 1.0]
    for fn in (E.linspace, E.logspace):
        with pytest.raises(RuntimeError, match=fn.__name__):
            fn(0, 1, -1)
        with pytest.raises(TypeError, match=fn.__name__):
            fn(0, 1, 2.5)
        with pytest.raises(TypeError, match=fn.__name__):
            fn(0, 1)
        with pytest.raises(RuntimeError, match=fn.__name__):
            fn(0, 1, 3, dtype=E.int64, requires_grad=True)


# ---- eye / empty_strided ---------------------------------------------------------------------------
@pytest.mark.parametrize("n,m", [(0, None), (1, None), (3, None), (2, 4), (4, 2), (3, 0), (0, 3)])
@pytest.mark.parametrize("dtype", [E.float32, E.float64, E.int64, E.bool, E.float16, E.bfloat16, E.uint8])
def test_eye(n, m, dtype):
    e = E.eye(n, m, dtype=dtype)
    assert e.dtype is dtype
    np.testing.assert_array_equal(to_np(e), np.eye(n, m).astype(to_np(e).dtype))


def test_eye_misc():
    assert E.eye(2).dtype is E.float32 and E.eye(2, requires_grad=True).requires_grad
    assert E.eye(n=2, m=3).shape == (2, 3)
    o = E.empty(0)
    assert E.eye(2, out=o) is o and o.shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"\[eye\]"):
        E.eye(-1)
    with pytest.raises(RuntimeError, match=r"\[eye\]"):
        E.eye(2, -1)
    with pytest.raises(TypeError, match=r"\[eye\]"):
        E.eye(2.5)


@needs_torch
def test_eye_torch():
    assert_close(E.eye(3, 5, dtype=E.int32), torch.eye(3, 5, dtype=torch.int32))


@pytest.mark.parametrize("size,stride", [((2, 3), (3, 1)), ((2, 3), (1, 2)), ((4,), (2,)), ((), ()), ((2, 0), (1, 1)),
                                         ((3, 2), (0, 1))])
def test_empty_strided(size, stride):
    t = E.empty_strided(size, stride, dtype=E.float64)
    assert t.shape == size and t.stride() == stride and t.dtype is E.float64
    t.fill_(2.0)
    assert np.all(to_np(t) == 2.0)


def test_empty_strided_errors():
    with pytest.raises(RuntimeError, match="empty_strided"):
        E.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError, match="empty_strided"):
        E.empty_strided((2, 3), (1, -2))
    with pytest.raises(RuntimeError, match="empty_strided"):
        E.empty_strided((2, -3), (1, 1))
    assert E.empty_strided((2, 2), (2, 1), requires_grad=True).requires_grad


# ---- full / zeros / ones / tensor edge cases ---------------------------------------------------------
def test_full_and_out():
    assert E.full((2,), 3).dtype is E.int64 and E.full((2,), True).dtype is E.bool
    assert E.full((2,), 1.5).dtype is E.float32 and E.full([], 2.0).shape == ()
    assert E.full((2, 2), 7, dtype=E.int8).tolist() == [[7, 7], [7, 7]]
    with pytest.raises(TypeError, match=r"\[full\]"):
        E.full(3, 1.0)
    o = E.empty(2, 2)
    assert E.zeros(2, 2, out=o) is o and o.tolist() == [[0, 0], [0, 0]]
    assert E.ones(2, 2, out=o) is o and o.tolist() == [[1, 1], [1, 1]]
    o2 = E.empty(0, dtype=E.int32)
    E.full((3,), 5, out=o2)
    assert o2.shape == (3,) and o2.dtype is E.int32 and o2.tolist() == [5, 5, 5]
    with pytest.raises(RuntimeError, match=r"\[zeros\]"):
        E.zeros(2, dtype=E.int64, requires_grad=True)


@pytest.mark.parametrize("data,dtype", [([1, 2, 3], E.int64), ([1.5, 2], E.float32), ([True, False], E.bool),
                                        ([[1, 2], [3, 4]], E.int64), ([], E.float32), (3, E.int64), (2.5, E.float32),
                                        ([1, 2.5], E.float32), ([[]], E.float32), (np.float64(1.5), E.float64),
                                        ([np.int32(1), np.int32(2)], E.int32), ([float("inf"), -0.0, float("nan")], E.float32)])
def test_tensor_inference(data, dtype):
    t = E.tensor(data)
    assert t.dtype is dtype
    np.testing.assert_array_equal(to_np(t), np.asarray(data, dtype=NP[dtype]))


@needs_torch
@pytest.mark.parametrize("data", [[1, 2, 3], [1.5, 2], [True, False], [[1, 2], [3, 4]], [], 3, 2.5, [[]], [1, True],
                                  [[1.0, 2], [3, 4]], [2**40, -(2**40)], [np.float64(1.5), 2], [np.int8(3)],
                                  [np.int8(3), 300], [np.float32(1.5), 2.0], [[True], [2]], range(4),
                                  [range(2), range(2)], [2**63 - 1, 1], ((1, 2), [3, 4]), [np.float16(1), True]])
def test_tensor_matches_torch(data):
    e, t = E.tensor(data), torch.tensor(data)
    assert e.dtype._name == str(t.dtype).replace("torch.", "") and tuple(e.shape) == tuple(t.shape)
    assert_close(e, t)


@needs_torch
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
def test_tensor_of_arrays_and_tensors():
    data = [np.array([1.0, 2.0], dtype=np.float32), [3, 4]]
    assert_close(E.tensor(data), torch.tensor(data))
    e = E.tensor([E.tensor(1.5, dtype=E.float64), 2.5])
    assert e.dtype is E.float64 and e.tolist() == [1.5, 2.5]


def test_tensor_edge_cases():
    assert E.tensor([1, 2], dtype=E.float16).dtype is E.float16
    assert E.tensor([1.7, -1.7], dtype=E.int32).tolist() == [1, -1]  # truncation, as PyTorch
    assert E.tensor(E.tensor([1, 2])).tolist() == [1, 2]
    assert E.tensor([E.tensor(1.5), E.tensor(2.5)]).tolist() == [1.5, 2.5]
    assert E.tensor(np.arange(6).reshape(2, 3)[:, ::2]).tolist() == [[0, 2], [3, 5]]
    assert E.tensor(np.arange(4)[::-1].copy()).tolist() == [3, 2, 1, 0]
    assert E.tensor(np.arange(4)[::-1]).tolist() == [3, 2, 1, 0]  # negative strides copy
    x = E.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad
    with pytest.raises(RuntimeError, match=r"\[tensor\]"):
        E.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match=r"\[tensor\]"):
        E.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        E.tensor([1, "a"])
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        E.tensor(None)
