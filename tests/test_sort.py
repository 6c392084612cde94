"""Sort family: sort/argsort/msort, topk, kthvalue, median/nanmedian, mode, unique(_consecutive),
bincount, histc, searchsorted, bucketize — against PyTorch (stable sort semantics) and numpy."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, make, needs_torch, to_np, to_torch, torch

NUM_DTYPES = INT_DTYPES + FLOAT_DTYPES
NONCONTIG = [None, "T", "step", "expand"]
nan, inf = float("nan"), float("inf")


# torch.mode's threaded CPU path costs ~35 ms a call on a busy 2-core box
pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(params=["fast", "reference"])
def kernels(request):
    ember.set_kernels(request.param)
    yield request.param
    ember.set_kernels("fast")


def special(dtype, n=40, seed=0):
    """A 1-D float tensor with duplicates, inf, -inf, nan, -0.0 and 0.0 mixed in."""
    rng = np.random.default_rng(seed)
    base = rng.integers(-3, 4, size=n).astype(np.float64)
    base[rng.choice(n, 12, replace=False)] = [nan, inf, -inf, -0.0, 0.0, nan, 1e4, -1e4, -0.0, inf, 0.5, nan]
    return ember.tensor(base, dtype=dtype)


def eq(actual, expected):
    """Exact comparison (values and dtype) against a torch tensor, NaN == NaN."""
    assert_close(actual, expected, rtol=0, atol=0)


def gathered(x, idx, dim):
    return np.take_along_axis(to_np(x).reshape(x.shape), to_np(idx), axis=dim) if x.dim() else to_np(x)


# ---- sort ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("noncontig", NONCONTIG)
def test_sort_matches_torch(dtype, noncontig, kernels):
    x = make((4, 6, 5), dtype, low=-2, high=2, noncontig=noncontig)  # many ties: checks stability
    for dim, descending in ((0, False), (1, True), (-1, False), (-1, True)):
        v, i = ember.sort(x, dim=dim, descending=descending)
        tv, ti = torch.sort(to_torch(x), dim=dim, descending=descending, stable=True)
        eq(v, tv)
        eq(i, ti)
        assert v.is_contiguous() and i.is_contiguous()


@needs_torch
@pytest.mark.parametrize("dtype", NUM_DTYPES + [ember.bool])
@pytest.mark.parametrize("n", [1, 63, 65, 300, 5000])
def test_sort_long_rows_radix(dtype, n, kernels):
    x = make((3, n), dtype, low=-50, high=50, seed=n)
    for desc in (False, True):
        v, i = x.sort(descending=desc)
        tv, ti = torch.sort(to_torch(x), descending=desc, stable=True)
        eq(v, tv)
        eq(i, ti)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("n", [40, 400])
def test_sort_special_values(dtype, n, kernels):
    x = special(dtype, n)
    for desc in (False, True):
        v, i = ember.sort(x, descending=desc, stable=True)
        tv, ti = torch.sort(to_torch(x), descending=desc, stable=True)
        eq(v, tv)
        eq(i, ti)
        a, b = to_np(v).astype(np.float64), tv.double().numpy()
        ok = ~np.isnan(b)
        assert (np.signbit(a[ok]) == np.signbit(b[ok])).all()  # -0.0 kept in place


@pytest.mark.parametrize("dtype", [ember.int64, ember.int8, ember.uint8, ember.float32, ember.float16])
def test_sort_extreme_ints_and_numpy(dtype):
    info = np.iinfo(np.dtype(dtype._name)) if not dtype.is_floating_point else np.finfo(np.dtype(dtype._name))
    a = np.array([info.max, info.min, 0, 1, info.max, info.min, 2], dtype=np.dtype(dtype._name))
    v, i = ember.sort(ember.tensor(a, dtype=dtype))
    np.testing.assert_array_equal(to_np(i), np.argsort(a, kind="stable"))
    np.testing.assert_array_equal(to_np(v), np.sort(a))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_fast_matches_reference_all_ops(dtype):
    x = make((6, 150), dtype, low=-40, high=40, seed=97, noncontig="T")

    def run():
        out = [*ember.sort(x, 1), *ember.sort(x, 0, True), *ember.mode(x, 1), *ember.unique(x, return_inverse=True)]
        if dtype is not ember.bool:
            out += [*ember.topk(x, 9, 1), *ember.topk(x, 3, 0, largest=False), *ember.kthvalue(x, 77, 1), *ember.kthvalue(x, 3, 1),
                    *ember.median(x, 1), *ember.nanmedian(x, 0), ember.median(x)]
        return [to_np(t) for t in out]
    fast = run()
    ember.set_kernels("reference")
    try:
        ref = run()
    finally:
        ember.set_kernels("fast")
    for a, b in zip(fast, ref):
        np.testing.assert_array_equal(a, b)


def test_sort_fast_equals_reference_large():
    x = make((7, 3000), ember.float32, seed=3)
    fast = ember.sort(x, dim=1, descending=True)
    ember.set_kernels("reference")
    try:
        ref = ember.sort(x, dim=1, descending=True)
    finally:
        ember.set_kernels("fast")
    eq(fast.values, to_torch(ref.values)) if torch is not None else None
    np.testing.assert_array_equal(to_np(fast.indices), to_np(ref.indices))
    np.testing.assert_array_equal(to_np(fast.values), to_np(ref.values))


@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.int16, ember.float16])
def test_sort_one_long_row_parallel_radix(dtype):
    x = make((300001,), dtype, low=-30000, high=30000, seed=83)
    for desc in (False, True):
        v, i = ember.sort(x, descending=desc)
        a = to_np(x)
        exp = np.argsort(-a.astype(np.float64) if desc else a, kind="stable")
        np.testing.assert_array_equal(to_np(i), exp)
        np.testing.assert_array_equal(to_np(v), a[exp])


def test_sort_many_rows_parallel():
    x = make((6000, 9), ember.int32, low=-3, high=3, seed=5)
    v, i = ember.sort(x, dim=1)
    a = to_np(x)
    np.testing.assert_array_equal(to_np(i), np.argsort(a, axis=1, kind="stable"))
    np.testing.assert_array_equal(to_np(v), np.sort(a, axis=1))


def test_sort_0d_and_empty():
    v, i = ember.sort(ember.tensor(3.5))
    assert v.shape == () and v.item() == 3.5 and i.item() == 0
    v, i = ember.sort(ember.zeros(3, 0), dim=1)
    assert v.shape == (3, 0) and i.shape == (3, 0) and i.dtype is ember.int64
    v, i = ember.sort(ember.zeros(0, 4), dim=1)
    assert v.shape == (0, 4)


def test_sort_does_not_modify_input_and_namedtuple():
    x = make((5, 4), ember.float64, seed=2)
    before = to_np(x).copy()
    r = x.sort(0)
    np.testing.assert_array_equal(to_np(x), before)
    values, indices = r
    assert r.values is values and r.indices is indices and type(r).__name__ == "sort"


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float32, ember.int16, ember.bfloat16])
def test_argsort_msort(dtype):
    x = make((5, 7), dtype, low=-3, high=3, noncontig="T")
    eq(ember.argsort(x, dim=0, descending=True), torch.sort(to_torch(x), dim=0, descending=True, stable=True).indices)
    eq(x.argsort(), torch.sort(to_torch(x), stable=True).indices)
    eq(ember.argsort(x, stable=True), torch.argsort(to_torch(x), stable=True))
    eq(ember.msort(x), torch.msort(to_torch(x)))
    eq(x.msort(), torch.msort(to_torch(x)))


def test_sort_out():
    x = make((3, 4), ember.float32)
    vo, io = ember.empty(3, 4), ember.empty(3, 4, dtype=ember.int64)
    r = ember.sort(x, out=(vo, io))
    assert r.values is vo
    np.testing.assert_array_equal(to_np(vo), np.sort(to_np(x), axis=-1))
    with pytest.raises(RuntimeError, match=r"\[sort\]"):
        ember.sort(x, out=(ember.empty(3, 4, dtype=ember.float64), io))
    vo, io = ember.empty(0), ember.empty(0, dtype=ember.int64)  # resized like PyTorch's out=
    r = ember.topk(x, 2, out=(vo, io))
    assert r.values is vo and vo.shape == (3, 2) and io.shape == (3, 2)
    np.testing.assert_array_equal(to_np(vo), -np.sort(-to_np(x), axis=-1)[:, :2])
    o = ember.empty(0)
    ember.histc(x, 4, out=o)
    assert o.shape == (4,) and to_np(o).sum() == 12


# ---- topk ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", NUM_DTYPES)
@pytest.mark.parametrize("noncontig", NONCONTIG)
def test_topk_matches_torch(dtype, noncontig):
    x = make((5, 9, 4), dtype, low=-20, high=20, noncontig=noncontig, seed=7)
    for dim, k in ((1, 3), (0, 5), (-1, 1), (1, 9), (1, 0)):
        for largest in (True, False):
            v, i = ember.topk(x, k, dim=dim, largest=largest)
            tv, _ = torch.topk(to_torch(x), k, dim=dim, largest=largest)
            eq(v, tv)
            np.testing.assert_array_equal(gathered(x, i, dim), to_np(v))
            # ties resolve like a stable sort
            ref = torch.sort(to_torch(x), dim=dim, descending=largest, stable=True).indices.narrow(dim, 0, k)
            eq(i, ref)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_topk_special(dtype, kernels):
    x = special(dtype, 200)
    for k in (1, 7, 200):
        for largest in (True, False):
            v, i = x.topk(k, largest=largest, sorted=True)
            eq(v, torch.topk(to_torch(x), k, largest=largest).values)


def test_topk_0d_and_errors():
    v, i = ember.topk(ember.tensor(2.0), 1)
    assert v.shape == () and v.item() == 2.0 and i.item() == 0
    with pytest.raises(RuntimeError, match=r"\[topk\].*k out of range"):
        ember.topk(ember.ones(3), 4)
    with pytest.raises(RuntimeError, match=r"\[topk\]"):
        ember.topk(ember.ones(3), -1)
    with pytest.raises(RuntimeError, match=r"\[topk\].*bool"):
        ember.topk(ember.ones(3, dtype=ember.bool), 1)
    with pytest.raises(IndexError, match=r"\[topk\]"):
        ember.topk(ember.ones(3), 1, dim=1)
    with pytest.raises(TypeError, match=r"\[topk\]"):
        ember.topk(ember.ones(3), 1.5)
    assert ember.topk(ember.zeros(3, 0), 0).values.shape == (3, 0)


# ---- kthvalue / median / nanmedian / mode ---------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", NUM_DTYPES)
@pytest.mark.parametrize("noncontig", [None, "T", "step"])
def test_kthvalue_matches_torch(dtype, noncontig):
    x = make((4, 7, 5), dtype, low=-100, high=100, noncontig=noncontig, seed=11)
    for dim, k in ((1, 1), (1, 4), (1, 7), (0, 2), (-1, 5)):
        for keepdim in (False, True):
            v, i = ember.kthvalue(x, k, dim, keepdim)
            tv, ti = torch.kthvalue(to_torch(x), k, dim, keepdim)
            eq(v, tv)
            g = gathered(x, i if keepdim else i.unsqueeze(dim), dim)
            np.testing.assert_array_equal(g.reshape(v.shape), to_np(v))


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_kthvalue_median_nan(dtype, kernels):
    x = ember.tensor([[3., 1., nan, 1.], [nan, nan, 2., -0.0], [5., 4., 3., 2.]], dtype=dtype)
    for k in (1, 2, 3, 4):
        r, t = x.kthvalue(k), to_torch(x).kthvalue(k)
        eq(r.values, t.values)
        eq(r.indices, t.indices)
    for f in ("median", "nanmedian"):
        r, t = getattr(x, f)(1), getattr(to_torch(x), f)(1)
        eq(r.values, t.values)
        eq(r.indices, t.indices)
        eq(getattr(ember, f)(x), getattr(torch, f)(to_torch(x)))
        eq(getattr(ember, f)(x[2]),
           getattr(torch, f)(to_torch(x)[2]))


@needs_torch
@pytest.mark.parametrize("dtype", NUM_DTYPES)
@pytest.mark.parametrize("noncontig", [None, "T", "expand"])
def test_median_matches_torch(dtype, noncontig):
    x = make((6, 5, 4), dtype, low=-50, high=50, noncontig=noncontig, seed=13)
    eq(ember.median(x), torch.median(to_torch(x)))
    eq(x.nanmedian(), to_torch(x).nanmedian())
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            for f in ("median", "nanmedian"):
                v, i = getattr(ember, f)(x, dim, keepdim=keepdim)
                tv, ti = getattr(torch, f)(to_torch(x), dim, keepdim=keepdim)
                eq(v, tv)
                g = gathered(x, i if keepdim else i.unsqueeze(dim), dim)
                np.testing.assert_array_equal(g.reshape(v.shape), to_np(v))


@needs_torch
def test_median_ties_match_stable_order():
    x = ember.tensor([[2, 1, 2, 1], [1, 1, 1, 0], [7, 7, 7, 7]])
    r, t = x.median(1), to_torch(x).median(1)
    eq(r.values, t.values)
    eq(r.indices, t.indices)


@needs_torch
def test_median_empty_and_0d():
    eq(ember.median(ember.tensor([], dtype=ember.float32)), torch.median(torch.tensor([])))
    eq(ember.nanmedian(ember.tensor([nan, nan])), torch.nanmedian(torch.tensor([nan, nan])))
    eq(ember.median(ember.tensor(4.0)), torch.median(torch.tensor(4.0)))
    r = ember.median(ember.tensor(4), 0)
    assert r.values.shape == () and r.indices.item() == 0
    r = ember.median(ember.zeros(0, 2), 1)
    assert r.values.shape == (0,)
    with pytest.raises(IndexError, match=r"\[median\].*non-zero size"):
        ember.median(ember.zeros(0, 2), 0)
    with pytest.raises(NotImplementedError, match=r"\[median\]"):
        ember.median(ember.tensor([True, False]))
    with pytest.raises(IndexError, match=r"\[kthvalue\]"):
        ember.kthvalue(ember.zeros(0), 1)
    with pytest.raises(RuntimeError, match=r"\[kthvalue\].*out of range"):
        ember.kthvalue(ember.ones(3), 4)
    with pytest.raises(RuntimeError, match=r"\[kthvalue\].*out of range"):
        ember.kthvalue(ember.ones(3), 0)
    with pytest.raises(IndexError, match=r"\[nanmedian\]"):
        ember.nanmedian(ember.ones(3), 2)


@needs_torch
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("noncontig", [None, "T"])
def test_mode_matches_torch(dtype, noncontig):
    x = make((5, 12, 3), dtype, low=-2, high=2, noncontig=noncontig, seed=17)
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            v, i = ember.mode(x, dim, keepdim)
            tv, ti = torch.mode(to_torch(x), dim, keepdim)
            eq(v, tv)
            eq(i, ti)


@needs_torch
def test_mode_special_and_errors():
    for data in ([1., -0.0, 0.0, 3.], [1., 0.0, -0.0, 3.], [-0.0, 0.0]):
        x = ember.tensor(data)
        r, t = x.mode(), to_torch(x).mode()
        eq(r.values, t.values)
        eq(r.indices, t.indices)
        assert np.signbit(r.values.item()) == np.signbit(t.values.item())
    # NaN != NaN, so NaNs never form a run (PyTorch's unstable CPU sort makes its index arbitrary here)
    r = ember.tensor([2., nan, nan, 1.]).mode()
    assert r.values.item() == 1.0 and r.indices.item() == 3
    r = ember.tensor(5).mode()
    assert r.values.item() == 5 and r.indices.item() == 0
    with pytest.raises(IndexError, match=r"\[mode\]"):
        ember.mode(ember.zeros(0))
    with pytest.raises(TypeError, match=r"\[mode\]"):
        ember.mode([1, 2])


# ---- unique -----------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("noncontig", [None, "T", "expand"])
def test_unique_matches_torch(dtype, noncontig):
    x = make((4, 9), dtype, low=-4, high=4, noncontig=noncontig, seed=19)
    for inv in (False, True):
        for cnt in (False, True):
            r = ember.unique(x, return_inverse=inv, return_counts=cnt)
            t = torch.unique(to_torch(x), return_inverse=inv, return_counts=cnt)
            if not (inv or cnt):
                r, t = (r,), (t,)
            assert len(r) == len(t)
            for a, b in zip(r, t):
                eq(a, b)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.float64])
def test_unique_special(dtype):
    x = special(dtype, 60)
    v, inv, c = x.unique(return_inverse=True, return_counts=True)
    tv, tinv, tc = torch.unique(to_torch(x), return_inverse=True, return_counts=True)
    eq(v, tv)
    eq(c, tc)
    # each NaN is its own value; PyTorch numbers the NaNs in an arbitrary order, ember in input order
    xn = to_np(x)
    ok = ~np.isnan(xn)
    np.testing.assert_array_equal(to_np(inv)[ok], tinv.numpy()[ok])
    np.testing.assert_array_equal(to_np(v)[to_np(inv)], xn)
    assert (np.diff(to_np(inv)[~ok]) > 0).all()
    for a, b in zip(ember.unique_consecutive(x, return_inverse=True, return_counts=True),
                    torch.unique_consecutive(to_torch(x), return_inverse=True, return_counts=True)):
        eq(a, b)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.int64, ember.float32, ember.bool, ember.uint8])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_unique_dim_matches_torch(dtype, dim):
    x = make((6, 4, 3), dtype, low=0, high=1, seed=23)
    for fn in ("unique", "unique_consecutive"):
        r = getattr(ember, fn)(x, return_inverse=True, return_counts=True, dim=dim)
        t = getattr(torch, fn)(to_torch(x), return_inverse=True, return_counts=True, dim=dim)
        for a, b in zip(r, t):
            eq(a, b)


@needs_torch
def test_unique_consecutive_matches_torch():
    x = ember.tensor([1, 1, 2, 2, 3, 1, 1, 2])
    for a, b in zip(x.unique_consecutive(True, True), torch.unique_consecutive(to_torch(x), True, True)):
        eq(a, b)
    y = ember.tensor([[1, 2], [1, 2], [3, 4], [1, 2]])
    for a, b in zip(ember.unique_consecutive(y, return_counts=True, dim=0),
                    torch.unique_consecutive(to_torch(y), return_counts=True, dim=0)):
        eq(a, b)
    eq(ember.unique_consecutive(x), torch.unique_consecutive(to_torch(x)))


def test_unique_edge_cases():
    v, inv, c = ember.unique(ember.tensor(5), return_inverse=True, return_counts=True)
    assert v.tolist() == [5] and inv.shape == () and inv.item() == 0 and c.tolist() == [1]
    v, inv = ember.unique(ember.zeros(0, 3), return_inverse=True)
    assert v.shape == (0,) and inv.shape == (0, 3)
    v, inv, c = ember.unique(ember.zeros(0, 3), dim=0, return_inverse=True, return_counts=True)
    assert v.shape == (0, 3) and inv.shape == (0,) and c.shape == (0,)
    with pytest.raises(RuntimeError, match=r"\[unique\].*0 sized"):
        ember.unique(ember.zeros(3, 0), dim=0)
    with pytest.raises(IndexError, match=r"\[unique\]"):
        ember.unique(ember.tensor(5), dim=0)
    with pytest.raises(IndexError, match=r"\[unique\]"):
        ember.unique(ember.ones(2, 2), dim=2)
    big = make((20000,), ember.int32, low=-1000, high=1000, seed=29)
    v, c = ember.unique(big, return_counts=True)
    nv, nc = np.unique(to_np(big), return_counts=True)
    np.testing.assert_array_equal(to_np(v), nv)
    np.testing.assert_array_equal(to_np(c), nc)


# ---- bincount / histc -------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_bincount_matches_torch(dtype):
    x = make((50,), dtype, low=0, high=9, seed=31)
    eq(ember.bincount(x), torch.bincount(to_torch(x)))
    eq(x.bincount(minlength=20), to_torch(x).bincount(minlength=20))
    for wd in (ember.float32, ember.float64, ember.int64, ember.float16):
        w = make((50,), wd, seed=37)
        eq(ember.bincount(x, weights=w), torch.bincount(to_torch(x), weights=to_torch(w)))
    eq(ember.bincount(ember.tensor([], dtype=ember.int64), minlength=3),
       torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3))
    xs = make((60,), dtype, low=0, high=9, seed=3, noncontig="step")
    eq(ember.bincount(xs), torch.bincount(to_torch(xs)))


def test_bincount_large_parallel_and_errors():
    x = make((300000,), ember.int64, low=0, high=1000, seed=41)
    np.testing.assert_array_equal(to_np(ember.bincount(x)), np.bincount(to_np(x)))
    with pytest.raises(RuntimeError, match=r"\[bincount\].*non-negative"):
        ember.bincount(ember.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match=r"\[bincount\].*1-d"):
        ember.bincount(ember.tensor([[1, 2]]))
    with pytest.raises(NotImplementedError, match=r"\[bincount\]"):
        ember.bincount(ember.tensor([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match=r"\[bincount\]"):
        ember.bincount(ember.tensor([True, False]))
    with pytest.raises(RuntimeError, match=r"\[bincount\].*minlength"):
        ember.bincount(ember.tensor([1, 2]), minlength=-1)
    with pytest.raises(RuntimeError, match=r"\[bincount\].*weights"):
        ember.bincount(ember.tensor([1, 2]), weights=ember.tensor([1.0]))
    with pytest.raises(TypeError, match=r"\[bincount\]"):
        ember.bincount([1, 2])


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("noncontig", [None, "T"])
def test_histc_matches_torch(dtype, noncontig):
    x = make((30, 7), dtype, low=-5, high=5, noncontig=noncontig, seed=43)
    for bins, lo, hi in ((10, 0, 0), (7, -3, 3), (1, 0, 0), (100, -5, 5), (4, 10, 20)):
        eq(ember.histc(x, bins=bins, min=lo, max=hi), torch.histc(to_torch(x), bins=bins, min=lo, max=hi))
    edges = ember.tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10.], dtype=dtype)
    eq(edges.histc(3, 0, 10), torch.histc(to_torch(edges), 3, 0, 10))
    eq(ember.histc(ember.tensor([1., 1., 1.], dtype=dtype), bins=4),
       torch.histc(torch.tensor([1., 1., 1.]).to(to_torch(edges).dtype), bins=4))


@needs_torch
def test_histc_special_and_errors():
    x = ember.tensor([1., nan, 2., inf, -inf, 0.5])
    eq(ember.histc(x, 4, 0, 2), torch.histc(to_torch(x), 4, 0, 2))
    eq(ember.histc(ember.tensor([], dtype=ember.float32), 3), torch.histc(torch.tensor([]), 3))
    big = make((200000,), ember.float32, seed=47)
    eq(ember.histc(big, 50), torch.histc(to_torch(big), 50))
    with pytest.raises(RuntimeError, match=r"\[histc\].*not finite"):
        ember.histc(x)
    with pytest.raises(RuntimeError, match=r"\[histc\].*larger than min"):
        ember.histc(x, 3, 3, 1)
    with pytest.raises(RuntimeError, match=r"\[histc\].*bins"):
        ember.histc(x, 0)
    with pytest.raises(NotImplementedError, match=r"\[histc\]"):
        ember.histc(ember.tensor([1, 2]))


# ---- searchsorted / bucketize ------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", NUM_DTYPES)
def test_searchsorted_matches_torch(dtype):
    seq = ember.sort(make((20,), dtype, low=-10, high=10, seed=53)).values
    vals = make((3, 8), dtype, low=-12, high=12, seed=59)
    for right in (False, True):
        eq(ember.searchsorted(seq, vals, right=right), torch.searchsorted(to_torch(seq), to_torch(vals), right=right))
        eq(ember.searchsorted(seq, vals, side="right" if right else "left", out_int32=True),
           torch.searchsorted(to_torch(seq), to_torch(vals), right=right, out_int32=True))
        eq(ember.bucketize(vals, seq, right=right), torch.bucketize(to_torch(vals), to_torch(seq), right=right))
    seq2 = ember.sort(make((3, 10), dtype, low=-10, high=10, seed=61, noncontig="T"), dim=1).values
    eq(ember.searchsorted(seq2, vals), torch.searchsorted(to_torch(seq2), to_torch(vals)))
    vt = make((3, 8), dtype, low=-12, high=12, seed=5, noncontig="T")
    eq(ember.searchsorted(seq2, vt, right=True), torch.searchsorted(to_torch(seq2), to_torch(vt), right=True))


@needs_torch
def test_searchsorted_special_sorter_scalars():
    s = ember.tensor([1., 2., 2., 3., nan])
    v = ember.tensor([2., nan, 0., 5., 3., -0.0])
    for right in (False, True):
        eq(ember.searchsorted(s, v, right=right), torch.searchsorted(to_torch(s), to_torch(v), right=right))
    u = ember.tensor([3, 1, 2, 9, -4])
    srt = ember.argsort(u)
    q = ember.tensor([2, 5, -10, 10])
    eq(ember.searchsorted(u, q, sorter=srt), torch.searchsorted(to_torch(u), to_torch(q), sorter=to_torch(srt)))
    eq(ember.searchsorted(ember.tensor([1, 2, 3]), 2), torch.searchsorted(torch.tensor([1, 2, 3]), 2))
    eq(ember.searchsorted(ember.tensor([1, 2, 3]), 2.5), torch.searchsorted(torch.tensor([1, 2, 3]), 2.5))
    eq(ember.searchsorted(ember.tensor([1, 2, 3]), ember.tensor([2.5, 3.0])),
       torch.searchsorted(torch.tensor([1, 2, 3]), torch.tensor([2.5, 3.0])))
    eq(ember.bucketize(3, ember.tensor([1, 3, 5])), torch.bucketize(3, torch.tensor([1, 3, 5])))
    eq(ember.searchsorted(ember.tensor([], dtype=ember.float32), ember.tensor([1.5])), torch.searchsorted(torch.tensor([]), torch.tensor([1.5])))
    assert ember.searchsorted(ember.tensor([1., 2.]), ember.zeros(0)).shape == (0,)
    big = ember.sort(make((1000,), ember.float64, seed=67)).values
    bv = make((50000,), ember.float64, seed=71)
    np.testing.assert_array_equal(to_np(ember.searchsorted(big, bv)), np.searchsorted(to_np(big), to_np(bv)))


def test_searchsorted_errors():
    s = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*opposites"):
        ember.searchsorted(s, s, side="left", right=True)
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*side"):
        ember.searchsorted(s, s, side="up")
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*positive dimension"):
        ember.searchsorted(ember.tensor(3), s)
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*\(2, 3\)"):
        ember.searchsorted(ember.tensor([[1, 2, 3], [4, 5, 6]]), ember.tensor([[2, 5, 6]]))
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*out of range"):
        ember.searchsorted(s, s, sorter=ember.tensor([0, 1, 5]))
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*same size"):
        ember.searchsorted(s, s, sorter=ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"\[searchsorted\].*long"):
        ember.searchsorted(s, s, sorter=ember.tensor([0, 1, 2], dtype=ember.int32))
    with pytest.raises(NotImplementedError, match=r"\[searchsorted\]"):
        ember.searchsorted(ember.tensor([False, True]), ember.tensor([True]))
    with pytest.raises(RuntimeError, match=r"\[bucketize\].*1 dimension"):
        ember.bucketize(s, ember.tensor([[1, 2]]))
    with pytest.raises(TypeError, match=r"\[searchsorted\]"):
        ember.searchsorted([1, 2], s)


def test_type_errors_name_op():
    x = ember.ones(3)
    with pytest.raises(TypeError, match=r"\[sort\]"):
        ember.sort([3, 1])
    with pytest.raises(TypeError, match=r"\[argsort\]"):
        x.argsort(True)
    with pytest.raises(TypeError, match=r"\[sort\]"):
        x.sort(descending=1)
    with pytest.raises(IndexError, match=r"\[sort\]"):
        x.sort(1)
    with pytest.raises(TypeError, match=r"\[kthvalue\]"):
        x.kthvalue(None)
    with pytest.raises(TypeError, match=r"\[histc\]"):
        ember.histc(x, 3, "a", 2)


# ---- properties (hypothesis) ------------------------------------------------------------------
hyp = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_floats = hnp.arrays(np.float32, st.integers(0, 300),
                     elements=st.floats(-1e6, 1e6, width=32) | st.sampled_from([0.0, -0.0, nan, inf, -inf]))


@settings(max_examples=25, deadline=None)
@given(_floats)
def test_property_sort_is_numpy_stable_argsort(a):
    v, i = ember.sort(ember.from_numpy(a))
    np.testing.assert_array_equal(to_np(i), np.argsort(a, kind="stable"))
    d = ember.sort(ember.from_numpy(a), descending=True).values
    np.testing.assert_array_equal(to_np(d)[~np.isnan(to_np(d))], np.sort(a[~np.isnan(a)])[::-1])


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 200), elements=st.integers(-20, 20)),
       hnp.arrays(np.int64, st.integers(0, 50), elements=st.integers(-25, 25)))
def test_property_searchsorted_unique_vs_numpy(a, q):
    s = np.sort(a)
    for side in ("left", "right"):
        np.testing.assert_array_equal(to_np(ember.searchsorted(ember.from_numpy(s), ember.from_numpy(q), side=side)),
                                      np.searchsorted(s, q, side=side))
    v, inv, c = ember.unique(ember.from_numpy(a), return_inverse=True, return_counts=True)
    nv, ninv, nc = np.unique(a, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(to_np(v), nv)
    np.testing.assert_array_equal(to_np(inv), ninv.reshape(a.shape))
    np.testing.assert_array_equal(to_np(c), nc)
    if a.size:
        k = 1 + a.size // 3
        np.testing.assert_array_equal(to_np(ember.kthvalue(ember.from_numpy(a), k).values), np.sort(a)[k - 1])
        np.testing.assert_array_equal(to_np(ember.topk(ember.from_numpy(a), k).values), np.sort(a)[::-1][:k])
