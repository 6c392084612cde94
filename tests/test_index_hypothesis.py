"""Property tests: random index expressions (ints, stepped slices, None, Ellipsis, int arrays, bool
masks) checked against numpy for __getitem__ and __setitem__.

Integers are not mixed with advanced indices: there numpy treats the int as an advanced index while
PyTorch (and ember) apply it as a select first; that case is covered by explicit torch tests.
"""
import numpy as np
import pytest

import ember
from conftest import to_np, torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, example, given, settings, strategies as st  # noqa: E402


@st.composite
def index_case(draw):
    allow_adv = draw(st.integers(0, 2)) > 0
    ndim = draw(st.integers(1 if allow_adv else 0, 4))
    shape = tuple(draw(st.lists(st.integers(0 if not allow_adv else 1, 4), min_size=ndim, max_size=ndim)))
    items = []
    d = 0
    used_ell = False
    has_adv = False
    has_int = False
    n_items = draw(st.integers(1 if allow_adv else 0, ndim + 2))
    for _ in range(n_items):
        kinds = ["slice", "none"]
        if d < ndim:
            kinds += ["slice", "slice"]
            if shape[d] > 0 and not allow_adv:
                kinds.append("int")
            if allow_adv and not has_int:
                kinds += ["arr", "arr", "arr", "mask", "mask"]
        if not used_ell:
            kinds.append("ell")
        kind = draw(st.sampled_from(kinds))
        if kind == "slice":
            if d >= ndim:
                continue
            size = shape[d] if not used_ell else 4
            start = draw(st.one_of(st.none(), st.integers(-size - 2, size + 2)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 2, size + 2)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            items.append(slice(start, stop, step))
            d += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ell":
            items.append(Ellipsis)
            used_ell = True
        elif kind == "int":
            items.append(draw(st.integers(-shape[d], shape[d] - 1)))
            d += 1
            has_int = True
        elif kind == "arr":
            size = shape[d]
            if size == 0:
                arr = np.zeros(draw(st.sampled_from([(0,), (1, 0)])), dtype=np.int64)
            else:
                ishape = draw(st.sampled_from([(1,), (3,), (2, 1), (1, 3), (2, 3)]))
                arr = np.array(draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(ishape)),
                                             max_size=int(np.prod(ishape))))).reshape(ishape)
            items.append(arr)
            d += 1
            has_adv = True
        else:  # bool mask over 1 or 2 dims
            k = min(draw(st.integers(1, 2)), ndim - d)
            mshape = shape[d:d + k]
            m = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape)))),
                         dtype=bool).reshape(mshape)
            items.append(m)
            d += k
            has_adv = True
    if used_ell:
        # the ellipsis spans whatever the other items leave; drop items that no longer fit
        if d > ndim:
            return draw(index_case())
    elif d > ndim:
        return draw(index_case())
    return shape, tuple(items)


def _to_ember_index(items, as_tensor):
    out = []
    for it in items:
        if isinstance(it, np.ndarray):
            out.append(ember.tensor(it) if as_tensor else it)
        else:
            out.append(it)
    return tuple(out)


def _np_index_ok(a, idx):
    try:
        return a[idx], None
    except IndexError as e:
        return None, e


@settings(max_examples=100, deadline=None)
@given(index_case(), st.booleans())
def test_getitem_matches_numpy(case, as_tensor):
    shape, idx = case
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    expected, err = _np_index_ok(a, idx)
    t = ember.tensor(a)
    if err is not None:
        with pytest.raises(IndexError):
            t[_to_ember_index(idx, as_tensor)]
        return
    expected = _pytorch_placement(a, idx, expected)
    got = t[_to_ember_index(idx, as_tensor)]
    assert tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(to_np(got), expected)
    if not any(isinstance(i, np.ndarray) for i in idx) and got.numel():
        assert got._t.same_storage(t._t)  # basic indexing is a view


def _pytorch_placement(a, idx, expected):
    """With advanced indices, PyTorch is the oracle: numpy places advanced-index dims differently
    when they are separated only by an Ellipsis that expands to no dims, and ember follows PyTorch."""
    if torch is None or not any(isinstance(i, np.ndarray) for i in idx):
        return expected
    try:
        ref = torch.from_numpy(a)[tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx)]
    except (IndexError, RuntimeError, TypeError):
        return expected
    return ref.numpy()


@settings(max_examples=100, deadline=None)
@given(index_case(), st.sampled_from(["scalar", "full", "row"]), st.sampled_from(["float32", "int64", "float16"]))
# advanced indices separated by an Ellipsis of no dims (numpy and PyTorch place them differently)
@example(case=((3, 3, 1), (slice(None), np.array([0, 1, -1]), Ellipsis, np.array([0]))), vkind="full",
         dname="float32")
@example(case=((2, 1, 1), (slice(None), np.array([0]), Ellipsis, np.array([False]))), vkind="row", dname="float32")
def test_setitem_matches_numpy(case, vkind, dname):
    shape, idx = case
    npd = {"float32": np.float32, "int64": np.int64, "float16": np.float16}[dname]
    a = np.arange(int(np.prod(shape)), dtype=npd).reshape(shape)
    target, err = _np_index_ok(a, idx)
    if err is not None:
        return
    # unique positions only when values differ, so the result does not depend on write order
    if any(isinstance(i, np.ndarray) and i.dtype != bool for i in idx) and vkind != "scalar":
        probe = np.arange(a.size).reshape(shape)[idx]
        if len(np.unique(probe)) != probe.size:
            vkind = "scalar"
    # numpy and PyTorch place advanced-index dims differently when the advanced indices are separated
    # only by an Ellipsis that expands to no dims (ember follows PyTorch); a shaped value then means
    # different elements in the two libraries, so only a scalar value is compared with numpy there.
    if vkind != "scalar" and any(isinstance(i, np.ndarray) for i in idx):
        probe = np.arange(a.size).reshape(shape)
        if not np.array_equal(_pytorch_placement(probe, idx, probe[idx]), probe[idx]):
            vkind = "scalar"
    if vkind == "scalar":
        val = -7
        ev = val
    elif vkind == "full":
        # numpy and PyTorch place advanced-index dims differently when the advanced indices are
        # separated only by an Ellipsis that expands to no dims; a full-shaped value is then only
        # well defined for one of them, so such cases are left to the getitem test.
        assume(tuple(ember.tensor(a)[_to_ember_index(idx, True)].shape) == target.shape)  # without torch
        val = (np.arange(target.size).reshape(target.shape) * -1 - 1).astype(np.float64)
        ev = ember.tensor(val)  # float64 tensor: converted to the destination dtype
    else:
        if target.ndim == 0:
            return
        val = (np.arange(target.shape[-1]) + 100).astype(np.float64)
        ev = ember.tensor(val)
    t = ember.tensor(a)
    a[idx] = val
    t[_to_ember_index(idx, True)] = ev
    np.testing.assert_array_equal(to_np(t), a)
