"""Property tests (hypothesis): broadcasting, type promotion, views vs copies."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember
from conftest import ALL_DTYPES, NP, needs_torch, to_np, torch

settings.register_profile("ember", max_examples=60, deadline=None)
settings.load_profile("ember")


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
def test_broadcast_add_matches_numpy(shapes):
    sa, sb = shapes.input_shapes
    a = np.arange(int(np.prod(sa)), dtype=np.float64).reshape(sa)
    b = np.arange(int(np.prod(sb)), dtype=np.float64).reshape(sb) * 10
    out = ember.tensor(a) + ember.tensor(b)
    assert out.shape == shapes.result_shape
    np.testing.assert_array_equal(to_np(out), a + b)


@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_broadcast_errors_are_runtime_errors(sa, sb):
    try:
        expected = np.broadcast_shapes(tuple(sa), tuple(sb))
    except ValueError:
        expected = None
    a, b = ember.zeros(*sa), ember.zeros(*sb)
    if expected is None:
        with pytest.raises(RuntimeError, match=r"\[add\] The size of tensor a"):
            a + b
    else:
        assert (a + b).shape == expected


@needs_torch
@given(st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES), st.booleans(), st.booleans(),
       st.sampled_from([None, 2, 2.5, True]))
def test_promotion_matches_torch(da, db, a0d, b0d, scalar):
    ta = torch.zeros(() if a0d else (2,), dtype=getattr(torch, da._name))
    tb = torch.zeros(() if b0d else (2,), dtype=getattr(torch, db._name))
    ea = ember.zeros(() if a0d else (2,), dtype=da)
    eb = ember.zeros(() if b0d else (2,), dtype=db)
    assert ember.result_type(ea, eb)._name == str(torch.result_type(ta, tb)).replace("torch.", "")
    if scalar is not None:
        assert ember.result_type(ea, scalar)._name == str(torch.result_type(ta, scalar)).replace("torch.", "")
    if not (da is ember.bool and db is ember.bool):
        assert (ea + eb).dtype._name == str((ta + tb).dtype).replace("torch.", "")


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), st.data())
def test_permute_view_reshape_roundtrip(shape, data):
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    t = ember.tensor(a)
    perm = data.draw(st.permutations(range(len(shape))))
    p = t.permute(*perm)
    np.testing.assert_array_equal(to_np(p), a.transpose(perm))
    assert p.data_ptr() == t.data_ptr()  # a view
    r = p.reshape(-1)
    np.testing.assert_array_equal(to_np(r), a.transpose(perm).reshape(-1))
    # reshape is a view exactly when numpy could do it without copying
    shares = r.untyped_storage_ptr() == t.untyped_storage_ptr()
    try:
        v = a.transpose(perm).view()
        v.shape = (-1,)
        np_view = True
    except AttributeError:
        np_view = False
    assert shares == np_view or a.size <= 1


@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), st.data())
def test_views_alias_and_copies_do_not(shape, data):
    a = np.zeros(shape, dtype=np.float32)
    t = ember.tensor(a)
    d = data.draw(st.integers(0, len(shape) - 1))
    n = shape[d]
    start = data.draw(st.integers(0, n - 1))
    length = data.draw(st.integers(1, n - start))
    v = t.narrow(d, start, length)
    c = v.clone()
    v.fill_(1)
    assert to_np(t).sum() == v.numel()
    assert to_np(c).sum() == 0
