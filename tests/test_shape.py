"""Shape/layout ops, pad and one_hot against numpy (always) and PyTorch (when installed)."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, make, needs_torch, to_np, to_torch, torch

NONCONTIG = [None, "T", "step", "expand"]
# pure data movement dispatches on element width: one dtype per width, plus the 16-bit floats
BYTE_DTYPES = [ember.bool, ember.int16, ember.bfloat16, ember.float32, ember.int64]


@pytest.fixture(params=["fast", "reference"])
def kernels(request):
    """Run a test with the fast kernels and again with the plain references."""
    before = ember.get_kernels()
    ember.set_kernels(request.param)
    yield request.param
    ember.set_kernels(before)


def raises(exc, op, fn, *args, **kwargs):
    with pytest.raises(exc) as e:
        fn(*args, **kwargs)
    assert f"[{op}]" in str(e.value), str(e.value)
    return str(e.value)


def same_bits(a, e):
    """Exact equality including nan, inf and the sign of zero."""
    a, e = np.asarray(to_np(a)), np.asarray(e)
    assert a.shape == e.shape and a.dtype == e.dtype, (a.shape, e.shape, a.dtype, e.dtype)
    assert a.tobytes() == e.tobytes()


# ---- cat / stack ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("nc", NONCONTIG)
@pytest.mark.parametrize("dim", [0, -1])
def test_cat_dtypes_layouts(dtype, nc, dim):
    a, b = make((3, 4), dtype, noncontig=nc, seed=1), make((3, 4), dtype, seed=2)
    c = make((3, 4), dtype, noncontig="T", seed=3)
    assert_close(ember.cat([a, b, c], dim), np.concatenate([to_np(a), to_np(b), to_np(c)], dim))


@pytest.mark.parametrize("shapes,dim", [([(2, 3, 4), (2, 5, 4)], 1), ([(1, 3), (4, 3), (2, 3)], 0),
                                        ([(2, 0), (2, 3)], 1), ([(0, 3), (0, 3)], 0), ([(5,), (0,), (2,)], 0),
                                        ([(2, 2, 1), (2, 2, 7)], -1), ([(100, 300), (100, 1)], 1),
                                        ([(70000,), (3,)], 0)])
def test_cat_shapes(shapes, dim, kernels):
    ts = [make(s, seed=i) for i, s in enumerate(shapes)]
    assert_close(ember.cat(ts, dim), np.concatenate([to_np(t) for t in ts], dim))


def test_cat_large_multithreaded_matches_reference():
    ts = [make((3, 200000), seed=1), make((3, 1000), seed=2), make((3, 5), ember.float64, seed=3)]
    before = ember.get_kernels()
    ember.set_kernels("fast")
    try:
        fast = ember.cat(ts, 1)
        ember.set_kernels("reference")
        ref = ember.cat(ts, 1)
    finally:
        ember.set_kernels(before)
    assert fast.dtype is ember.float64
    same_bits(fast, to_np(ref))


def test_cat_legacy_empty_is_skipped():
    a = make((2, 3))
    out = ember.cat([ember.zeros(0, dtype=ember.float64), a, ember.zeros(0)], 1)
    assert out.dtype is ember.float64 and out.shape == (2, 3)
    assert_close(out, to_np(a).astype(np.float64))
    assert ember.cat([ember.zeros(0), ember.zeros(0, dtype=ember.int32)]).shape == (0,)


@needs_torch
@pytest.mark.parametrize("da", ALL_DTYPES)
@pytest.mark.parametrize("db", [ember.bool, ember.uint8, ember.int8, ember.float16, ember.bfloat16])
def test_cat_mixed_dtypes_promote_like_torch(da, db):
    a, b = make((2, 3), da, seed=1), make((1, 3), db, seed=2)
    assert_close(ember.cat([a, b]), torch.cat([to_torch(a), to_torch(b)]))


def test_cat_extreme_values_bitwise(kernels):
    v = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e38], dtype=np.float32)
    a = ember.tensor(v)
    same_bits(ember.cat([a, a.flip(0)]), np.concatenate([v, v[::-1]]))
    same_bits(ember.stack([a, a], 1), np.stack([v, v], 1))


def test_cat_out():
    a, b = make((2, 3)), make((2, 3), seed=1)
    out = ember.empty(4, 3)
    r = ember.cat([a, b], out=out)
    assert r is out
    assert_close(out, np.concatenate([to_np(a), to_np(b)]))
    out64 = ember.zeros(4, 3, dtype=ember.float64)
    ember.cat([a, b], 0, out=out64)
    assert out64.dtype is ember.float64
    assert_close(out64, np.concatenate([to_np(a), to_np(b)]).astype(np.float64))
    resized = ember.empty(0)
    ember.cat([a, b], 1, out=resized)
    assert resized.shape == (2, 6)
    assert_close(resized, np.concatenate([to_np(a), to_np(b)], 1))
    # a non-contiguous out
    big = ember.zeros(3, 4)
    ember.cat([a.t(), b.t()], 1, out=big)
    assert_close(big, np.concatenate([to_np(a).T, to_np(b).T], 1))
    outT = ember.zeros(3, 4).t()
    ember.cat([a, b], 0, out=outT)
    assert_close(outT, np.concatenate([to_np(a), to_np(b)]))


def test_cat_aliases():
    a, b = make((2, 3)), make((2, 3), seed=1)
    e = np.concatenate([to_np(a), to_np(b)], 1)
    assert_close(ember.concat([a, b], 1), e)
    assert_close(ember.concatenate((a, b), axis=1), e)
    assert_close(ember.cat((a, b), dim=1), e)


@pytest.mark.parametrize("dtype", [ember.bool, ember.int16, ember.float32, ember.bfloat16])
@pytest.mark.parametrize("dim", [0, 2, -1])
@pytest.mark.parametrize("nc", [None, "T", "expand"])
def test_stack(dtype, dim, nc):
    ts = [make((3, 4), dtype, noncontig=nc, seed=i) for i in range(3)]
    assert_close(ember.stack(ts, dim), np.stack([to_np(t) for t in ts], dim))


def test_stack_0d_and_out():
    s = ember.stack([ember.tensor(1.5), ember.tensor(2.5)])
    assert_close(s, np.array([1.5, 2.5], dtype=np.float32))
    out = ember.empty(2, 3)
    a = make((3,))
    assert ember.stack([a, a], out=out) is out
    assert_close(out, np.stack([to_np(a)] * 2))


@pytest.mark.parametrize("fn", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 2), (2, 3, 2)], [(), ()]])
def test_stack_helpers_vs_numpy(fn, shapes):
    ts = [make(s, seed=i) for i, s in enumerate(shapes)]
    npfn = getattr(np, fn if fn != "row_stack" else "vstack")
    assert_close(getattr(ember, fn)(ts), npfn([to_np(t) for t in ts]))


def test_hstack_mixed_and_column_stack_mixed():
    a, b = ember.tensor(1.0), make((2,))
    assert_close(ember.hstack([a, b]), np.hstack([to_np(a), to_np(b)]))
    c, d = make((3,)), make((3, 2), seed=1)
    assert_close(ember.column_stack([c, d]), np.column_stack([to_np(c), to_np(d)]))
    out = ember.empty(2, 6)
    ember.hstack([make((2, 3)), make((2, 3))], out=out)
    assert out.shape == (2, 6)


# ---- split family (views) --------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("call", [("split", 2, 0), ("split", [1, 3, 1], 0), ("split", 3, 1), ("split", [0, 4], 1),
                                  ("chunk", 3, 0), ("chunk", 4, 1), ("chunk", 6, 0), ("tensor_split", 3, 0),
                                  ("tensor_split", [1, 4, 2, 9], 1), ("tensor_split", [-2], 0),
                                  ("unbind", 0), ("unbind", -1)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_splits_vs_torch(call, nc):
    x = make((5, 4), noncontig=nc)
    name, args = call[0], call[1:]
    got, exp = getattr(ember, name)(x, *args), getattr(torch, name)(to_torch(x), *args)
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        assert_close(g, e)
        assert g._t.same_storage(x._t)  # views
    meth = getattr(x, name)(*args)
    assert [tuple(m.shape) for m in meth] == [tuple(e.shape) for e in exp]


@needs_torch
def test_split_empty_and_tensor_sections():
    assert len(ember.split(ember.zeros(0), 0)) == 1
    assert [tuple(c.shape) for c in ember.chunk(ember.zeros(0, 2), 2)] == [(0, 2), (0, 2)]
    x = make((7,))
    for ios in [ember.tensor(3), ember.tensor([1, 3])]:
        got = ember.tensor_split(x, ios)
        exp = torch.tensor_split(to_torch(x), torch.tensor(ios.tolist()))
        assert [tuple(g.shape) for g in got] == [tuple(e.shape) for e in exp]


def test_unbind_values():
    x = make((2, 3, 4))
    for i, s in enumerate(ember.unbind(x, 1)):
        assert_close(s, to_np(x)[:, i])


@pytest.mark.parametrize("shapes", [[(2, 1), (3,)], [(1,), ()], [(4, 1, 3), (2, 1), (1, 1, 1)], [(0, 1), (3,)]])
def test_broadcast_tensors_and_shapes(shapes):
    ts = [make(s, seed=i) for i, s in enumerate(shapes)]
    exp = np.broadcast_arrays(*[to_np(t) for t in ts])
    got = ember.broadcast_tensors(*ts)
    for g, e in zip(got, exp):
        assert_close(g, e)
    assert ember.broadcast_shapes(*shapes) == np.broadcast_shapes(*shapes)
    assert isinstance(ember.broadcast_shapes(*shapes), ember.Size)


def test_broadcast_shapes_int_and_empty():
    assert ember.broadcast_shapes(3, (2, 1)) == (2, 3)
    assert ember.broadcast_shapes() == ()
    assert ember.broadcast_tensors() == ()


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(2, 3), (2, 3, 4), (4,), (0, 2)])
def test_meshgrid(indexing, sizes):
    ts = [make((n,), ember.int64, seed=i) for i, n in enumerate(sizes)]
    exp = np.meshgrid(*[to_np(t) for t in ts], indexing=indexing)
    got = ember.meshgrid(*ts, indexing=indexing)
    for g, e in zip(got, exp):
        assert_close(g, e)
    got_list = ember.meshgrid(ts, indexing=indexing)
    assert [tuple(g.shape) for g in got_list] == [e.shape for e in exp]


def test_meshgrid_0d_default_ij():
    a, b = ember.tensor(2), make((3,), ember.int64)
    g = ember.meshgrid(a, b)
    assert g[0].shape == (1, 3) and g[1].shape == (1, 3)


# ---- flip / roll / rot90 -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", BYTE_DTYPES)
@pytest.mark.parametrize("dims", [(0,), (-1,), (0, 2), ()])
@pytest.mark.parametrize("nc", NONCONTIG)
def test_flip(dtype, dims, nc):
    x = make((3, 4, 5), dtype, noncontig=nc)
    assert_close(ember.flip(x, dims), np.flip(to_np(x), dims) if dims else to_np(x))


def test_flip_method_forms_and_helpers():
    x = make((3, 4))
    e = np.flip(to_np(x), (0, 1))
    assert_close(x.flip(0, 1), e)
    assert_close(x.flip([0, 1]), e)
    assert_close(x.flip((0, 1)), e)
    assert_close(ember.fliplr(x), np.fliplr(to_np(x)))
    assert_close(ember.flipud(x), np.flipud(to_np(x)))
    assert_close(x.fliplr(), np.fliplr(to_np(x)))
    assert_close(ember.flip(ember.tensor(3.0), [0]), np.array(3.0, dtype=np.float32))
    assert ember.flip(ember.zeros(0, 3), [0, 1]).shape == (0, 3)


@pytest.mark.parametrize("dtype", [ember.uint8, ember.float64])
@pytest.mark.parametrize("shifts,dims", [(1, 0), (2, 1), (-7, 1), ((1, 2), (0, 1)), (5, None), (-3, None),
                                         ((1, 1), (1, 1)), (0, 0), (100, -1)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_roll(dtype, shifts, dims, nc):
    x = make((3, 4), dtype, noncontig=nc)
    if dims is not None and isinstance(dims, tuple) and dims[0] == dims[1]:
        exp = np.roll(to_np(x), sum(shifts), dims[0])
    else:
        exp = np.roll(to_np(x), shifts, dims)
    assert_close(ember.roll(x, shifts, dims), exp)
    assert_close(x.roll(shifts, dims), exp)


def test_roll_edge_cases():
    assert_close(ember.roll(ember.tensor(3), 1), np.array(3))
    assert ember.roll(ember.zeros(0, 3), 1, 0).shape == (0, 3)
    assert ember.roll(ember.zeros(0, 3), 1, 5).shape == (0, 3)  # PyTorch skips dim checks when empty


def test_cat_all_legacy_empty_ignores_dim():
    assert ember.cat([ember.zeros(0), ember.zeros(0)], 2).shape == (0,)


@pytest.mark.parametrize("k", [0, 1, 2, 3, -1, 5])
@pytest.mark.parametrize("dims", [(0, 1), (-1, -2), (0, 2)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_rot90(k, dims, nc):
    x = make((2, 3, 4), ember.int32, noncontig=nc)
    r = ember.rot90(x, k, dims)
    assert_close(r, np.rot90(to_np(x), k, dims))
    assert r.is_contiguous()
    assert_close(x.rot90(k, dims), np.rot90(to_np(x), k, dims))


# ---- repeat / tile / repeat_interleave --------------------------------------------------------
@pytest.mark.parametrize("dtype", [ember.bool, ember.bfloat16, ember.float64])
@pytest.mark.parametrize("reps", [(1, 1), (2, 3), (3, 1), (1, 4), (2, 1, 2), (0, 2), (2, 2, 2, 1)])
@pytest.mark.parametrize("nc", [None, "T", "expand"])
def test_repeat(dtype, reps, nc):
    x = make((2, 3), dtype, noncontig=nc)
    assert_close(x.repeat(*reps), np.tile(to_np(x), reps))
    assert_close(x.repeat(reps), np.tile(to_np(x), reps))


@pytest.mark.parametrize("reps", [(2,), (), (1, 2), (2, 1, 3), (3, 2, 1, 1)])
def test_tile(reps):
    x = make((2, 3), noncontig="T")
    assert_close(ember.tile(x, reps), np.tile(to_np(x), reps) if reps else to_np(x))
    assert_close(x.tile(*reps) if reps else x.tile(reps), np.tile(to_np(x), reps) if reps else to_np(x))


def test_repeat_0d():
    assert_close(ember.tensor(3).repeat(2), np.array([3, 3]))
    assert ember.tensor(3).repeat(()).shape == ()


@pytest.mark.parametrize("dtype", [ember.bool, ember.float32])
@pytest.mark.parametrize("repeats,dim", [(2, None), (3, 0), (2, 1), (0, 1), (1, -1), ([1, 0, 2], 1),
                                         ([2, 3], 0), ([4], 1), (3, None)])
@pytest.mark.parametrize("nc", [None, "step"])
def test_repeat_interleave(dtype, repeats, dim, nc):
    x = make((2, 3), dtype, noncontig=nc)
    rep = ember.tensor(repeats) if isinstance(repeats, list) else repeats
    np_rep = repeats[0] if isinstance(repeats, list) and len(repeats) == 1 else repeats
    assert_close(ember.repeat_interleave(x, rep, dim), np.repeat(to_np(x), np_rep, dim))
    assert_close(x.repeat_interleave(rep, dim), np.repeat(to_np(x), np_rep, dim))


def test_repeat_interleave_forms():
    r = ember.tensor([1, 2, 0, 3])
    assert_close(ember.repeat_interleave(r), np.repeat(np.arange(4), [1, 2, 0, 3]))
    r32 = ember.tensor([2, 1], dtype=ember.int32)
    out = ember.repeat_interleave(r32)
    assert out.dtype is ember.int32
    assert_close(out, np.array([0, 0, 1], dtype=np.int32))
    x = make((2, 3))
    assert ember.repeat_interleave(x, 2, dim=0, output_size=4).shape == (4, 3)
    assert ember.repeat_interleave(x, ember.tensor([1, 2]), dim=0, output_size=3).shape == (3, 3)
    assert_close(ember.repeat_interleave(x, ember.tensor([1, 2], dtype=ember.int32), dim=0),
                 np.repeat(to_np(x), [1, 2], 0))
    assert_close(ember.repeat_interleave(ember.tensor(3), 2), np.array([3, 3]))


# ---- tril / triu / diagonals ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", BYTE_DTYPES)
@pytest.mark.parametrize("k", [0, 1, -1, -5])
@pytest.mark.parametrize("nc", [None, "T", "expand"])
def test_tril_triu(dtype, k, nc):
    x = make((2, 4, 5), dtype, noncontig=nc)
    assert_close(ember.tril(x, k), np.tril(to_np(x), k))
    assert_close(ember.triu(x, diagonal=k), np.triu(to_np(x), k))
    assert_close(x.tril(k), np.tril(to_np(x), k))
    assert_close(x.triu(k), np.triu(to_np(x), k))


@pytest.mark.parametrize("shape", [(3, 3), (5, 2), (2, 5), (0, 3), (2, 0, 4), (3, 1, 70, 50)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_tril_inplace(shape, nc, kernels):
    x = make(shape, noncontig=nc)
    e_lo, e_up = np.tril(to_np(x), -1), np.triu(to_np(x), 1)
    y = x.clone() if nc is None else make(shape, noncontig=nc)
    assert x.tril_(-1) is x
    assert_close(x, e_lo)
    y.triu_(1)
    assert_close(y, e_up)


def test_tril_out_and_extremes():
    v = np.array([[np.nan, -0.0], [np.inf, -np.inf]], dtype=np.float32)
    same_bits(ember.tril(ember.tensor(v)), np.tril(v))
    out = ember.empty(2, 2)
    assert ember.triu(ember.tensor(v), out=out) is out
    same_bits(out, np.triu(v))


@needs_torch
@pytest.mark.parametrize("fn", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("args", [(3, 3), (3, 4, 1), (4, 3, -1), (0, 3), (3, 3, 10), (3, 3, -10), (1, 1), (7, 2, -3),
                                  (2, 7, 3), (5, 0), (6, 4, 2), (4, 6, -2)])
def test_tri_indices(fn, args):
    assert_close(getattr(ember, fn)(*args), getattr(torch, fn)(*args))
    got = getattr(ember, fn)(*args, dtype=ember.int32)
    assert got.dtype is ember.int32


@pytest.mark.parametrize("dtype", [ember.bool, ember.int64, ember.float32, ember.bfloat16])
@pytest.mark.parametrize("k", [0, 1, -2, 4])
def test_diag(dtype, k):
    v, m = make((3,), dtype), make((3, 4), dtype, noncontig="T")
    assert_close(ember.diag(v, k), np.diag(to_np(v), k))
    assert_close(ember.diag(m, k), np.diag(to_np(m), k))
    assert_close(v.diag(k), np.diag(to_np(v), k))
    assert_close(ember.diagflat(m, k), np.diagflat(to_np(m), k))


@needs_torch
@pytest.mark.parametrize("args", [(0, -2, -1), (1, 0, 2), (-1, -1, 0), (2, 1, 2), (0, 2, 0)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_diag_embed(args, nc):
    x = make((2, 3), noncontig=nc)
    assert_close(ember.diag_embed(x, *args), torch.diag_embed(to_torch(x), *args))
    assert_close(x.diag_embed(*args), torch.diag_embed(to_torch(x), *args))


@pytest.mark.parametrize("dtype", [ember.uint8, ember.int32, ember.int64, ember.float16, ember.float32, ember.float64])
@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (0, 3)])
def test_trace(dtype, shape):
    x = make(shape, dtype, noncontig="T")
    t = ember.trace(x)
    assert t.shape == () and t.dtype is (dtype if dtype.is_floating_point else ember.int64)
    assert_close(t, np.trace(to_np(x).astype(np.float64)), rtol=1e-3, atol=1e-3, check_dtype=False)
    assert_close(x.trace(), np.trace(to_np(x).astype(np.float64)), rtol=1e-3, atol=1e-3, check_dtype=False)


# ---- small products ------------------------------------------------------------------------------
@pytest.mark.parametrize("da,db", [(ember.float32, ember.float32), (ember.int64, ember.float32),
                                   (ember.int32, ember.int8), (ember.float16, ember.float16)])
def test_outer(da, db):
    a, b = make((4,), da), make((3,), db, noncontig="step")
    exp = np.outer(to_np(a), to_np(b)).astype(np.result_type(to_np(a), to_np(b)))
    assert_close(ember.outer(a, b), exp, check_dtype=False)
    assert_close(ember.ger(a, b), exp, check_dtype=False)
    assert_close(a.outer(b), exp, check_dtype=False)
    out = ember.empty(4, 3, dtype=ember.float64)
    assert ember.outer(a, b, out=out) is out


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64, ember.float16])
@pytest.mark.parametrize("sa,sb,dim", [((4, 3), (4, 3), None), ((3, 5), (3, 5), 0), ((2, 3, 4), (1, 3, 4), 1),
                                       ((1, 3), (6, 3), -1), ((3,), (3,), None)])
@pytest.mark.parametrize("nc", [None, "T"])
def test_cross(dtype, sa, sb, dim, nc):
    a, b = make(sa, dtype, noncontig=nc), make(sb, dtype, seed=1)
    axis = dim if dim is not None else next(i for i, s in enumerate(sa) if s == 3)
    exp = np.cross(to_np(a).astype(np.float64), to_np(b).astype(np.float64), axis=axis)
    assert_close(ember.cross(a, b, dim), exp, rtol=1e-2, atol=1e-2, check_dtype=False)
    assert ember.cross(a, b, dim).dtype is dtype
    assert_close(a.cross(b, dim), exp, rtol=1e-2, atol=1e-2, check_dtype=False)


@pytest.mark.parametrize("sa,sb", [((2, 2), (3,)), ((2, 3), (2, 2)), ((), (3,)), ((2, 1, 2), (3, 2)), ((0, 2), (2,))])
@pytest.mark.parametrize("dtype", [ember.int64, ember.float32])
def test_kron(sa, sb, dtype):
    a, b = make(sa, dtype), make(sb, dtype, seed=1)
    assert_close(ember.kron(a, b), np.kron(to_np(a), to_np(b)))
    assert_close(a.kron(b), np.kron(to_np(a), to_np(b)))


@pytest.mark.parametrize("fn", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
def test_atleast(fn, shape):
    x = make(shape)
    r = getattr(ember, fn)(x)
    assert_close(r, getattr(np, fn)(to_np(x)))
    assert r._t.same_storage(x._t)
    rs = getattr(ember, fn)(x, x)
    assert isinstance(rs, tuple) and len(rs) == 2
    rl = getattr(ember, fn)([x])
    assert isinstance(rl, tuple) and len(rl) == 1


def test_narrow_copy():
    x = make((3, 5), noncontig="T")
    r = ember.narrow_copy(x, 1, 1, 3)
    assert r.is_contiguous() and not r._t.same_storage(x._t)
    assert_close(r, to_np(x)[:, 1:4])
    assert_close(x.narrow_copy(0, 1, 2), to_np(x)[1:3])


# ---- pad ---------------------------------------------------------------------------------------
PADS_CONST = [(1, 1), (2, 0, 1, 3), (1, 1, 1, 1, 1, 1), (-1, 2), (-1, -1, 1, 0), ()]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("pad", PADS_CONST)
@pytest.mark.parametrize("nc", [None, "step"])
def test_pad_constant(dtype, pad, nc):
    x = make((2, 3, 4), dtype, noncontig=nc)
    value = True if dtype is ember.bool else 2
    got = F.pad(x, pad, value=value)
    a = to_np(x)
    # numpy: crop the negative parts, then pad the positive parts
    widths = [(0, 0)] * 3
    for i in range(len(pad) // 2):
        widths[2 - i] = (pad[2 * i], pad[2 * i + 1])
    sl = tuple(slice(max(-l, 0), a.shape[d] - max(-r, 0)) for d, (l, r) in enumerate(widths))
    exp = np.pad(a[sl], [(max(l, 0), max(r, 0)) for l, r in widths], constant_values=value)
    assert_close(got, exp)


NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 5), (2, 3)), ((2, 3, 5), (1, 2)), ((2, 3, 4), (2, 1, 1, 2)),
                                       ((1, 2, 3, 4), (3, 0, 2, 1)), ((1, 2, 3, 3, 4), (1, 2, 2, 1, 0, 2)),
                                       ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1))])
@pytest.mark.parametrize("dtype", [ember.int64, ember.bfloat16])
@pytest.mark.parametrize("nc", [None, "T"])
def test_pad_modes_vs_numpy(mode, shape, pad, dtype, nc):
    x = make(shape, dtype, noncontig=nc)
    widths = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        widths[len(shape) - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    assert_close(F.pad(x, pad, mode=mode), np.pad(to_np(x), widths, mode=NP_MODE[mode]))


@needs_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 1), (2, -1), (1, -3), (-1, -1), (-2, 0), (0, -2), (2, 2), (0, 0)])
def test_pad_negative_nonconstant_vs_torch(mode, pad):
    x = make((2, 3, 5))
    if mode == "reflect" and max(pad) >= 5:
        return
    assert_close(F.pad(x, pad, mode=mode), torch.nn.functional.pad(to_torch(x), pad, mode=mode))


@needs_torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((0, 2, 3), (1, 1)), ((1, 1, 2, 3), (-1, -2, 0, 0)), ((3, 4), (1, 2)),
                                       ((2, 3, 4), (1, 1, 2, 0))])
def test_pad_edge_shapes_vs_torch(mode, shape, pad):
    x = make(shape)
    assert_close(F.pad(x, pad, mode=mode), torch.nn.functional.pad(to_torch(x), pad, mode=mode))


def test_pad_values_and_extremes():
    x = make((2, 3), ember.int64)
    assert_close(F.pad(x, (1, 1), value=2.5), np.pad(to_np(x), ((0, 0), (1, 1)), constant_values=2))
    v = np.array([[np.nan, -0.0, np.inf]], dtype=np.float32)
    same_bits(F.pad(ember.tensor(v), (1, 1), value=-0.0), np.pad(v, ((0, 0), (1, 1)), constant_values=-0.0))
    same_bits(F.pad(ember.tensor(v), (2, 2), mode="reflect"), np.pad(v, ((0, 0), (2, 2)), mode="reflect"))
    assert_close(F.pad(x, (1, 1), "constant", -1), np.pad(to_np(x), ((0, 0), (1, 1)), constant_values=-1))
    assert_close(F.pad(ember.tensor(3.0), ()), np.array(3.0, dtype=np.float32))
    big = make((4, 300, 301))
    assert_close(F.pad(big, (5, 7, 3, 2), mode="reflect"),
                 np.pad(to_np(big), ((0, 0), (3, 2), (5, 7)), mode="reflect"))


# ---- one_hot ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (2, 3), (), (0,)])
@pytest.mark.parametrize("num_classes", [-1, 4, 7])
@pytest.mark.parametrize("nc", [None, "T"])
def test_one_hot(shape, num_classes, nc):
    x = make(shape, ember.int64, low=0, high=3, noncontig=nc)
    if len(shape) and shape[0] == 0 and num_classes == -1:
        return
    n = num_classes if num_classes > 0 else int(to_np(x).max()) + 1
    r = F.one_hot(x, num_classes)
    assert r.dtype is ember.int64
    assert_close(r, np.eye(n, dtype=np.int64)[to_np(x)])


# ---- properties --------------------------------------------------------------------------------
try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # hypothesis is optional
    given = None

if given is not None:
    shapes = st.lists(st.integers(0, 5), min_size=1, max_size=4)

    @settings(max_examples=40, deadline=None)
    @given(shape=shapes, data=st.data())
    def test_split_cat_roundtrip(shape, data):
        x = make(shape, ember.int32, seed=len(shape))
        dim = data.draw(st.integers(-len(shape), len(shape) - 1))
        size = data.draw(st.integers(1, 6))
        assert_close(ember.cat(ember.split(x, size, dim), dim), to_np(x))
        assert_close(ember.cat(ember.chunk(x, size, dim), dim) if shape[dim] else x, to_np(x))

    @settings(max_examples=40, deadline=None)
    @given(shape=shapes, data=st.data())
    def test_roll_flip_inverses(shape, data):
        x = make(shape, ember.float32, seed=len(shape))
        dim = data.draw(st.integers(-len(shape), len(shape) - 1))
        shift = data.draw(st.integers(-20, 20))
        assert_close(ember.roll(ember.roll(x, shift, dim), -shift, dim), to_np(x))
        assert_close(ember.flip(ember.flip(x, [dim]), [dim]), to_np(x))
        assert_close(ember.rot90(ember.rot90(x, 1, (0, dim)), -1, (0, dim)) if len(shape) > 1 and dim % len(shape)
                     else x, to_np(x))


# ---- fast kernels vs the plain references ---------------------------------------------------
FAST_VS_REF = {
    "cat": lambda x: ember.cat([x, x.flip(0), x.double()], 1),
    "stack": lambda x: ember.stack([x, x], 1),
    "flip": lambda x: ember.flip(x, (0, 1)),
    "flip_last": lambda x: x.flip(-1),
    "roll": lambda x: ember.roll(x, (3, -5), (0, 1)),
    "rot90": lambda x: ember.rot90(x, 1),
    "repeat": lambda x: x.repeat(2, 1, 3),
    "repeat_interleave": lambda x: ember.repeat_interleave(x, 3, dim=1),
    "repeat_interleave_t": lambda x: ember.repeat_interleave(x, ember.tensor([1, 0, 2] * 20 + [1] * 4), dim=0),
    "tril": lambda x: ember.tril(x, 3),
    "triu": lambda x: ember.triu(x, -2),
    "pad_constant": lambda x: F.pad(x, (3, -2, 1, 4), value=1.5),
    "pad_reflect": lambda x: F.pad(x.unsqueeze(0), (5, 4, 2, 3), mode="reflect"),
    "pad_replicate": lambda x: F.pad(x.unsqueeze(0), (5, 40, 2, 3), mode="replicate"),
    "pad_circular": lambda x: F.pad(x.unsqueeze(0), (-3, 40, 2, -3), mode="circular"),
}


@pytest.mark.parametrize("op", sorted(FAST_VS_REF))
@pytest.mark.parametrize("nc", [None, "T", "step"])
def test_fast_matches_reference(op, nc):
    x = make((64, 700), ember.float32, noncontig=nc)  # large enough to run multi-threaded
    before = ember.get_kernels()
    ember.set_kernels("fast")
    try:
        fast = FAST_VS_REF[op](x)
        ember.set_kernels("reference")
        ref = FAST_VS_REF[op](x)
    finally:
        ember.set_kernels(before)
    same_bits(fast, to_np(ref))


# ---- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("exc,op,call", [
    (RuntimeError, "cat", lambda: ember.cat([make((2, 3)), make((3, 4))], 1)),
    (RuntimeError, "cat", lambda: ember.cat([make((2, 3)), make((2, 3, 1))])),
    (RuntimeError, "cat", lambda: ember.cat([ember.tensor(1.0), make((2,))])),
    (IndexError, "cat", lambda: ember.cat([make((2, 3)), make((2, 3))], 2)),
    (ValueError, "cat", lambda: ember.cat([])),
    (TypeError, "cat", lambda: ember.cat(make((2, 3)))),
    (TypeError, "cat", lambda: ember.cat([make((2,)), 3])),
    (TypeError, "cat", lambda: ember.cat([make((2,)), make((2,))], out=ember.empty(4, dtype=ember.int64))),
    (RuntimeError, "stack", lambda: ember.stack([])),
    (RuntimeError, "stack", lambda: ember.stack([make((2, 3)), make((2, 4))])),
    (IndexError, "stack", lambda: ember.stack([make((2, 3))], 3)),
    (RuntimeError, "hstack", lambda: ember.hstack([])),
    (RuntimeError, "split", lambda: ember.split(make((5,)), [2, 2])),
    (RuntimeError, "split", lambda: ember.split(make((5,)), 0)),
    (RuntimeError, "split", lambda: ember.split(make((5,)), -1)),
    (RuntimeError, "split", lambda: ember.split(ember.tensor(1.0), 1)),
    (RuntimeError, "chunk", lambda: ember.chunk(make((5,)), 0)),
    (RuntimeError, "tensor_split", lambda: ember.tensor_split(make((5,)), 0)),
    (RuntimeError, "tensor_split", lambda: ember.tensor_split(make((5,)), ember.tensor([1.0]))),
    (IndexError, "unbind", lambda: ember.unbind(ember.tensor(1.0))),
    (RuntimeError, "broadcast_shapes", lambda: ember.broadcast_shapes((2, 1), (3, 2))),
    (ValueError, "broadcast_shapes", lambda: ember.broadcast_shapes((2, -1))),
    (RuntimeError, "broadcast_tensors", lambda: ember.broadcast_tensors(make((2, 2)), make((3,)))),
    (RuntimeError, "meshgrid", lambda: ember.meshgrid(make((2,)), make((2,), ember.int64))),
    (RuntimeError, "meshgrid", lambda: ember.meshgrid(make((2,)), make((2, 2)))),
    (RuntimeError, "meshgrid", lambda: ember.meshgrid(make((2,)), indexing="foo")),
    (RuntimeError, "flip", lambda: ember.flip(make((2, 3)), (0, 0))),
    (IndexError, "flip", lambda: ember.flip(make((2, 3)), (2,))),
    (RuntimeError, "fliplr", lambda: ember.fliplr(make((3,)))),
    (RuntimeError, "flipud", lambda: ember.flipud(ember.tensor(1.0))),
    (RuntimeError, "roll", lambda: ember.roll(make((2, 3)), (1, 2), (0,))),
    (RuntimeError, "roll", lambda: ember.roll(make((2, 3)), (1, 2))),
    (RuntimeError, "roll", lambda: ember.roll(make((2, 3)), (), ())),
    (IndexError, "roll", lambda: ember.roll(make((2, 3)), 1, 2)),
    (IndexError, "roll", lambda: ember.roll(ember.tensor(1.0), 1, 0)),
    (RuntimeError, "rot90", lambda: ember.rot90(make((2, 3)), 1, [0])),
    (RuntimeError, "rot90", lambda: ember.rot90(make((2, 3)), 1, [0, 0])),
    (RuntimeError, "rot90", lambda: ember.rot90(make((3,)), 1)),
    (IndexError, "rot90", lambda: ember.rot90(make((2, 3)), 1, [0, 2])),
    (RuntimeError, "repeat", lambda: make((2, 3)).repeat(2)),
    (RuntimeError, "repeat", lambda: make((2, 3)).repeat(-1, 1)),
    (TypeError, "repeat", lambda: make((2, 3)).repeat()),
    (RuntimeError, "repeat", lambda: ember.tile(make((2, 3)), (-1,))),
    (RuntimeError, "repeat_interleave", lambda: ember.repeat_interleave(make((2, 3)), -1, 0)),
    (RuntimeError, "repeat_interleave", lambda: ember.repeat_interleave(make((2, 3)), ember.tensor([1, -2]), 0)),
    (RuntimeError, "repeat_interleave", lambda: ember.repeat_interleave(make((2, 3)), ember.tensor([1, 2]), 1)),
    (RuntimeError, "repeat_interleave", lambda: ember.repeat_interleave(make((2, 3)), ember.tensor([[1, 2]]), 0)),
    (NotImplementedError, "repeat_interleave",
     lambda: ember.repeat_interleave(make((2, 3)), ember.tensor([1.0, 2.0]), 0)),
    (RuntimeError, "repeat_interleave", lambda: ember.repeat_interleave(make((2, 3)), 2, 0, output_size=5)),
    (RuntimeError, "repeat_interleave",
     lambda: ember.repeat_interleave(make((2, 3)), ember.tensor([1, 2]), 0, output_size=4)),
    (IndexError, "repeat_interleave", lambda: ember.repeat_interleave(ember.tensor(1.0), 2, 0)),
    (RuntimeError, "tril", lambda: ember.tril(make((3,)))),
    (RuntimeError, "triu", lambda: ember.triu(make((3,)))),
    (RuntimeError, "tril", lambda: make((3, 3), noncontig="expand").tril_()),
    (RuntimeError, "outer", lambda: ember.outer(make((3,)), make((2,)), out=ember.empty(3, 2, dtype=ember.int64))),
    (RuntimeError, "tril_indices", lambda: ember.tril_indices(-1, 3)),
    (NotImplementedError, "tril_indices", lambda: ember.tril_indices(3, 3, dtype=ember.float32)),
    (RuntimeError, "diag", lambda: ember.diag(ember.tensor(1.0))),
    (RuntimeError, "diag", lambda: ember.diag(make((2, 2, 2)))),
    (RuntimeError, "diag_embed", lambda: ember.diag_embed(make((2, 3)), 0, 0, 0)),
    (IndexError, "diag_embed", lambda: ember.diag_embed(make((2, 3)), 0, 0, 3)),
    (RuntimeError, "trace", lambda: ember.trace(make((3,)))),
    (NotImplementedError, "trace", lambda: ember.trace(make((2, 2), ember.bool))),
    (RuntimeError, "outer", lambda: ember.outer(make((3,)), make((2, 2)))),
    (RuntimeError, "outer", lambda: ember.outer(ember.tensor(1.0), make((2,)))),
    (RuntimeError, "cross", lambda: ember.cross(make((2, 3)), make((3,)))),
    (RuntimeError, "cross", lambda: ember.cross(make((3, 2)), make((3, 2)), dim=1)),
    (RuntimeError, "cross", lambda: ember.cross(make((2, 4)), make((2, 4)))),
    (RuntimeError, "cross", lambda: ember.cross(make((2, 3)), make((2, 3), ember.int64))),
    (RuntimeError, "cross", lambda: ember.cross(make((2, 3)), make((4, 3)))),
    (IndexError, "cross", lambda: ember.cross(make((2, 3)), make((2, 3)), dim=2)),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3)), (1,))),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3)), (1, 1, 1, 1, 1, 1))),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3)), (-2, -2))),
    (RuntimeError, "pad", lambda: F.pad(make((3, 3)), (1, -4))),
    (TypeError, "pad", lambda: F.pad(make((2, 3)), (1.0, 1))),
    (TypeError, "pad", lambda: F.pad(make((2, 3)), ember.tensor([1, 1]))),
    (NotImplementedError, "pad", lambda: F.pad(make((1, 2, 3)), (1, 1), mode="foo")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 3)), (1, 1), mode="reflect", value=1.0)),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 3)), (3, 3), mode="reflect")),
    (NotImplementedError, "pad", lambda: F.pad(make((1, 1, 2, 3)), (1, 1), mode="reflect")),
    (NotImplementedError, "pad", lambda: F.pad(make((6,)), (1, 1), mode="circular")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 3)), (4, 3), mode="circular")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 3)), (0, -4), mode="circular")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 0)), (1, 1), mode="replicate")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 2, 3)), (0, -3), mode="replicate")),
    (RuntimeError, "pad", lambda: F.pad(make((1, 1, 2, 3)), (-1, -2, -1, -1), mode="reflect")),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3), ember.uint8), (1, 1), value=-1)),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3), ember.int64), (1, 1), value=1e30)),
    (RuntimeError, "pad", lambda: F.pad(make((2, 3), ember.int32), (1, 1), value=float("nan"))),
    (RuntimeError, "one_hot", lambda: F.one_hot(ember.tensor([0, 2, 1]), 2)),
    (RuntimeError, "one_hot", lambda: F.one_hot(ember.tensor([0, -2, 1]), 5)),
    (RuntimeError, "one_hot", lambda: F.one_hot(ember.tensor([0, 2, 1], dtype=ember.int32), 5)),
    (RuntimeError, "one_hot", lambda: F.one_hot(ember.zeros(0, dtype=ember.int64))),
    (TypeError, "one_hot", lambda: F.one_hot([0, 1], 2)),
])
def test_errors(exc, op, call):
    raises(exc, op, call)


@pytest.mark.parametrize("call", [
    lambda x: x.repeat(2 ** 62, 4), lambda x: ember.repeat_interleave(x, 2 ** 62, 1),
    lambda x: F.pad(x, (2 ** 62, 2 ** 62)), lambda x: ember.diag(x.flatten(), 2 ** 62),
    lambda x: ember.diag_embed(x, -2 ** 62), lambda x: ember.tril_indices(2 ** 62, 2 ** 62),
    lambda x: ember.triu_indices(2 ** 40, 2 ** 20), lambda x: ember.kron(x.repeat(1, 2 ** 30), x.repeat(1, 2 ** 34)),
    lambda x: F.one_hot(ember.tensor([1, 2]), 2 ** 62)])
def test_huge_sizes_raise_cleanly(call):
    """Sizes whose element count overflows int64 raise instead of allocating a wrapped size."""
    with pytest.raises((RuntimeError, MemoryError)):
        call(ember.ones(2, 3))


def test_bad_input_leaves_inputs_untouched():
    a = make((2, 3))
    before = to_np(a)
    out = ember.zeros(4, 3)
    with pytest.raises(RuntimeError):
        ember.cat([a, make((2, 4))], 0, out=out)
    assert_close(a, before)
    assert (to_np(out) == 0).all()
    with pytest.raises(RuntimeError):
        ember.cat([a, a], 0, out=a)  # out overlapping an input
