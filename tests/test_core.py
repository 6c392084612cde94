"""Core: dtypes, promotion, views, copies, numpy interop, creation basics, error types."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, NP, assert_close, make, needs_torch, to_np, torch


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_roundtrip_numpy(dtype):
    t = make((3, 4), dtype)
    a = to_np(t)
    assert a.shape == (3, 4)
    back = ember.tensor(a, dtype=dtype)
    assert_close(back, a)


def test_from_numpy_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t.fill_(7)
    assert (a == 7).all()
    n = t.numpy()
    n[1, 1] = -1
    assert a[1, 1] == -1


def test_numpy_keeps_storage_alive():
    t = ember.ones(1000)
    a = t.numpy()
    del t
    assert a.sum() == 1000


@pytest.mark.parametrize("a,b", [(ember.bool, ember.uint8), (ember.uint8, ember.int8), (ember.int8, ember.int64),
                                 (ember.float16, ember.bfloat16), (ember.int64, ember.float16),
                                 (ember.float32, ember.float64), (ember.bool, ember.float16)])
@needs_torch
def test_promote_types_matches_torch(a, b):
    expected = torch.promote_types(getattr(torch, a._name), getattr(torch, b._name))
    assert ember.promote_types(a, b)._name == str(expected).replace("torch.", "")


@needs_torch
@pytest.mark.parametrize("da", ALL_DTYPES)
@pytest.mark.parametrize("kind", ["dim", "zero", "int", "float", "bool"])
def test_result_type_matches_torch(da, kind):
    ta = torch.zeros(2, dtype=getattr(torch, da._name))
    ea = ember.zeros(2, dtype=da)
    other = {"dim": (torch.zeros(2, dtype=torch.int32), ember.zeros(2, dtype=ember.int32)),
             "zero": (torch.tensor(1.5, dtype=torch.float64), ember.tensor(1.5, dtype=ember.float64)),
             "int": (3, 3), "float": (2.5, 2.5), "bool": (True, True)}[kind]
    expected = torch.result_type(ta, other[0])
    assert ember.result_type(ea, other[1])._name == str(expected).replace("torch.", "")


def test_tensor_inference():
    assert ember.tensor([1, 2]).dtype is ember.int64
    assert ember.tensor([1.0, 2]).dtype is ember.float32
    assert ember.tensor([True, False]).dtype is ember.bool
    assert ember.tensor(3.5).dim() == 0
    assert ember.tensor(np.zeros(3, dtype=np.float64)).dtype is ember.float64
    assert ember.tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert ember.tensor([]).shape == (0,)
    with pytest.raises(ValueError):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        ember.tensor(["a"])


def test_default_dtype():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert (ember.tensor([1, 2]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.get_default_dtype() is ember.float32


def test_views_share_storage():
    t = ember.zeros(4, 6)
    v = t.view(6, 4)
    v.fill_(3)
    assert to_np(t).sum() == 72
    tr = t.t()
    assert tr.shape == (6, 4) and tr.stride() == (1, 6) and not tr.is_contiguous()
    assert tr.contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match=r"\[view\]"):
        tr.view(24)
    r = tr.reshape(24)
    assert r.is_contiguous() and r.shape == (24,)
    np.testing.assert_array_equal(to_np(r), to_np(t).T.reshape(24))


@pytest.mark.parametrize("shape,new", [((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((24,), (2, -1, 3)),
                                       ((1, 5), (5, 1)), ((0, 3), (3, 0)), ((), (1,)), ((1,), ())])
def test_view_shapes(shape, new):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = ember.tensor(a)
    assert_close(t.view(*new), a.reshape(new))


def test_view_errors():
    t = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"\[view\].*invalid for input of size 6"):
        t.view(4, 2)
    with pytest.raises(RuntimeError, match=r"only one dimension can be inferred"):
        t.view(-1, -1)
    with pytest.raises(IndexError, match=r"\[transpose\] Dimension out of range"):
        t.transpose(0, 2)
    with pytest.raises(RuntimeError, match=r"\[expand\]"):
        t.expand(4, 3)
    with pytest.raises(RuntimeError, match=r"\[permute\]"):
        t.permute(0, 0)
    with pytest.raises(IndexError, match=r"\[select\] index 5 is out of bounds"):
        t.select(1, 5)


def test_permute_expand_squeeze():
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    t = ember.tensor(a)
    assert_close(t.permute(2, 0, 1), a.transpose(2, 0, 1))
    assert_close(t.movedim(0, -1), np.moveaxis(a, 0, -1))
    assert_close(ember.tensor(a[:, :1]).expand(2, 5, 4), np.broadcast_to(a[:, :1], (2, 5, 4)))
    assert ember.zeros(1, 3, 1).squeeze().shape == (3,)
    assert ember.zeros(1, 3, 1).squeeze(0).shape == (3, 1)
    assert ember.zeros(1, 3, 1).squeeze((0, 2)).shape == (3,)
    assert ember.zeros(3).unsqueeze(0).unsqueeze(-1).shape == (1, 3, 1)
    assert ember.zeros(2, 3, 4).flatten(1).shape == (2, 12)
    assert ember.zeros(2, 12).unflatten(1, (3, -1)).shape == (2, 3, 4)


def test_narrow_select_unfold_diagonal():
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    t = ember.tensor(a)
    assert_close(t.narrow(1, 2, 3), a[:, 2:5])
    assert_close(t.select(0, -1), a[-1])
    assert_close(t.diagonal(), np.diagonal(a))
    assert_close(t.diagonal(2), np.diagonal(a, 2))
    assert_close(t.diagonal(-1), np.diagonal(a, -1))
    u = ember.tensor(np.arange(7.0)).unfold(0, 3, 2)
    assert_close(u, np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]], dtype=np.float32))


@pytest.mark.parametrize("src", ALL_DTYPES)
@pytest.mark.parametrize("dst", ALL_DTYPES)
def test_casts_match_numpy(src, dst):
    t = make((17,), src, low=-5, high=5)
    out = t.to(dst)
    assert out.dtype is dst
    ref = to_np(t)
    if dst is ember.bfloat16:
        ref32 = ref.astype(np.float32)
        assert_close(out, ref32, rtol=1e-2, atol=1e-2)
        return
    if src.is_floating_point and not dst.is_floating_point and dst is not ember.bool:
        ref = np.trunc(ref.astype(np.float64)).astype(np.int64).astype(NP[dst])
    else:
        ref = ref.astype(NP[dst])
    assert_close(out, ref)


def test_copy_broadcast_and_convert():
    t = ember.zeros(3, 4, dtype=ember.float64)
    t.copy_(ember.tensor([1, 2, 3, 4], dtype=ember.int32))
    np.testing.assert_array_equal(to_np(t), np.tile([1, 2, 3, 4], (3, 1)))
    with pytest.raises(RuntimeError, match=r"\[copy_\]"):
        t.copy_(ember.zeros(5))
    with pytest.raises(TypeError, match=r"\[copy_\]"):
        t.copy_([1, 2])


def test_overlapping_copy():
    t = ember.tensor(np.arange(10, dtype=np.float32))
    t.narrow(0, 1, 9).copy_(t.narrow(0, 0, 9))
    np.testing.assert_array_equal(to_np(t), np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8], dtype=np.float32))


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_half_rounding_matches_numpy():
    vals = np.array([0.1, 1e-5, 6e-8, 65504, 65520, 1e6, -0.0, np.inf, -np.inf, 2049, 2051, 3e-5], dtype=np.float32)
    t = ember.tensor(vals).half()
    np.testing.assert_array_equal(to_np(t), vals.astype(np.float16))
    back = t.float()
    np.testing.assert_array_equal(to_np(back), vals.astype(np.float16).astype(np.float32))


@needs_torch
def test_bfloat16_rounding_matches_torch():
    vals = np.array([0.1, 1e-5, 3.14159, 1e30, -2.5, 65504, 1.00390625, 1.01171875], dtype=np.float32)
    t = ember.tensor(vals).bfloat16().float()
    np.testing.assert_array_equal(to_np(t), torch.from_numpy(vals).bfloat16().float().numpy())


def test_item_and_conversions():
    assert ember.tensor(2.5).item() == 2.5
    assert int(ember.tensor([7])) == 7
    assert float(ember.tensor(1)) == 1.0
    assert bool(ember.tensor([True]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ember.ones(2))
    with pytest.raises(RuntimeError):
        ember.ones(2).item()
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert len(ember.zeros(5, 2)) == 5
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_metadata():
    t = ember.zeros(2, 3, dtype=ember.float64)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(-1) == 3
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6 and t.nelement() == 6
    assert t.element_size() == 8 and t.stride() == (3, 1) and t.storage_offset() == 0
    assert t.device == ember.device("cpu") and str(t.device) == "cpu"
    assert t.T.shape == (3, 2) and t.mT.shape == (3, 2)
    assert ember.Size([2, 3]).numel() == 6
    assert repr(ember.float32) == "ember.float32"
    assert ember.float is ember.float32 and ember.long is ember.int64 and ember.half is ember.float16


def test_finfo_iinfo():
    assert ember.finfo(ember.float32).eps == np.finfo(np.float32).eps
    assert ember.finfo(ember.bfloat16).bits == 16
    assert ember.iinfo(ember.int8).min == -128
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)


def test_creation_basics():
    assert_close(ember.zeros(2, 3), np.zeros((2, 3), np.float32))
    assert_close(ember.ones((2,), dtype=ember.int32), np.ones(2, np.int32))
    f = ember.full((2, 2), 7)
    assert f.dtype is ember.int64 and f.tolist() == [[7, 7], [7, 7]]
    assert ember.full((2,), 1.5).dtype is ember.float32
    assert ember.full((2,), True).dtype is ember.bool
    assert ember.zeros_like(f).dtype is ember.int64
    assert ember.empty(0, 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match=r"negative dimension"):
        ember.empty(-1)
    with pytest.raises(TypeError):
        ember.zeros(2.5)


def test_devices():
    assert ember.device("cuda:1").index == 1
    with pytest.raises(RuntimeError):
        ember.device("tpu")
    if not ember.cuda.is_available():  # on a GPU machine, tests/test_cuda_*.py cover transfers
        assert ember.cuda.device_count() == 0
        with pytest.raises(RuntimeError, match="cuda"):
            ember.zeros(2).to("cuda")


def test_reference_kernel_switch():
    a, b = make((50, 70)), make((70,), seed=1)
    fast = to_np(a + b)
    ember.set_kernels("reference")
    try:
        assert ember.get_kernels() == "reference"
        ref = to_np(a + b)
    finally:
        ember.set_kernels("fast")
    np.testing.assert_allclose(fast, ref, rtol=1e-6)


def test_allocator_reuses_blocks():
    before = ember._C.allocator_stats()
    for _ in range(20):
        ember.empty(1 << 20)
    after = ember._C.allocator_stats()
    assert after["num_cache_hits"] - before["num_cache_hits"] >= 19


@pytest.mark.parametrize("shape,perm", [((70, 33), (1, 0)), ((3, 64, 40), (0, 2, 1)), ((33, 2, 65), (2, 1, 0)),
                                        ((128, 128), (1, 0))])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int8, ember.float16])
def test_transposed_copy_tiles(shape, perm, dtype):
    a = make(shape, dtype)
    out = a.permute(*perm).contiguous()
    np.testing.assert_array_equal(to_np(out), to_np(a).transpose(perm))
    ember.set_kernels("reference")
    try:
        ref = a.permute(*perm).contiguous()
    finally:
        ember.set_kernels("fast")
    np.testing.assert_array_equal(to_np(out), to_np(ref))
