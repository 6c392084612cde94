"""Gradients of indexing (getitem / setitem) and of gather / scatter / index_* / masked_* / take /
put / take_along_dim: finite differences and PyTorch parity (``grad_case``), in-place forms,
history rebasing, and error cases."""
import numpy as np
import pytest

import ember
from gradutil import grad_case, const

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _i(*v):
    return ember.tensor(list(v), dtype=ember.int64)


def _idx(rows):
    return ember.tensor(rows, dtype=ember.int64)


# ---- getitem: basic (views) ---------------------------------------------------------------------

@pytest.mark.parametrize("idx", [
    0, -1, (1, 2), slice(1, 3), slice(None, None, 2), (slice(None), slice(1, None, 2)),
    (Ellipsis, 1), (None, 0), (0, None, slice(1, 3)), Ellipsis, (slice(None), slice(None)), (1, Ellipsis, None),
    (slice(-2, None), -3),
])
def test_getitem_basic(idx):
    x = ember.randn(3, 4)
    grad_case(lambda m, a: a[idx], x, gradgrad=True)


def test_getitem_basic_is_view_named_as_torch():
    x = ember.randn(3, 4, requires_grad=True)
    assert x[0].grad_fn.name() == "SelectBackward0"
    assert x[1:3].grad_fn.name() == "SliceBackward0"
    assert x[None].grad_fn.name() == "UnsqueezeBackward0"
    assert x[...].grad_fn.name() == "AliasBackward0"
    assert x[:, 0].grad_fn.name() == "SelectBackward0"
    v = x[1:, ::2]
    assert v._base is x
    # a view shares storage with its input
    y = x * 1
    w = y[1]
    with ember.no_grad():
        w.fill_(5.0)
    assert float(y[1, 0]) == 5.0


def test_getitem_noncontiguous_and_0d():
    x = ember.randn(4, 3)
    grad_case(lambda m, a: a[:, 1:][::2, ::2], x, gradgrad=True)            # index of a strided view
    grad_case(lambda m, a: a[:, ::2][[0, 2, 0]], x, gradgrad=True)
    grad_case(lambda m, a: a.expand(2, 4, 3)[1, 1:, ::2], x, gradgrad=True)
    s = ember.randn(())
    grad_case(lambda m, a: a[None], s, gradgrad=True)
    grad_case(lambda m, a: a[...] * 2, s)


def test_getitem_empty_slice():
    x = ember.randn(3, 4)
    grad_case(lambda m, a: a[2:2], x)
    grad_case(lambda m, a, i: a[i], x, ember.tensor([], dtype=ember.int64))


# ---- getitem: advanced --------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: _i(0, 2, 0, -1),                                   # duplicates and negative indices
    lambda: (slice(None), _i(1, 1, -4)),
    lambda: (_i(0, 2, 2), _i(3, 0, 3)),                        # paired, repeated pairs
    lambda: (_idx([[0, 1], [2, 0]]), slice(1, 3)),
    lambda: (1, _i(0, 0, 3)),                                  # int + tensor
    lambda: (Ellipsis, _i(2, 2)),
    lambda: (_i(0, 1), None, _i(1, 1)),
    lambda: [0, 2, 0],                                         # a list
    lambda: ([0, 1], [1, 2]),
    lambda: (_i(0), slice(None), ),
])
def test_getitem_advanced(make):
    x = ember.randn(3, 4)
    idx = make()
    grad_case(lambda m, a: a[_torchify(m, idx)], x, gradgrad=True)


def _torchify(m, idx):
    """The same index for ember or torch (index tensors converted)."""
    if m is ember or torch is None:
        return idx
    if isinstance(idx, ember.Tensor):
        return torch.from_numpy(idx.numpy().copy())
    if isinstance(idx, tuple):
        return tuple(_torchify(m, i) for i in idx)
    return idx


def test_getitem_bool_masks():
    x = ember.randn(3, 4)
    full = ember.tensor(np.random.default_rng(1).random((3, 4)) > 0.4)
    rows = ember.tensor([True, False, True])
    grad_case(lambda m, a, k: a[k], x, full, gradgrad=True)
    grad_case(lambda m, a, k: a[k], x, rows, gradgrad=True)
    grad_case(lambda m, a, k: a[:, k], x, ember.tensor([True, False, False, True]), gradgrad=True)
    grad_case(lambda m, a, k: a[k, 1:], x, rows)
    assert x.requires_grad_()[full].grad_fn.name() == "IndexBackward0"


def test_getitem_duplicates_accumulate_deterministically():
    x = ember.randn(5, requires_grad=True)
    i = ember.tensor([1, 1, 1, 4, -1, 0] * 50)
    x[i].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [50, 150, 0, 0, 100])


def test_getitem_3d_mixed():
    x = ember.randn(2, 3, 4)
    grad_case(lambda m, a, i: a[:, i, 1::2], x, _i(2, 0, 2), gradgrad=True)
    grad_case(lambda m, a, i, j: a[i, :, j], x, _i(1, 0), _i(3, 3))


def test_getitem_of_no_grad_tensor_stays_plain():
    x = ember.randn(3, 4)
    assert not x[0].requires_grad and not x[[0, 1]].requires_grad
    w = ember.randn(3, requires_grad=True)
    with ember.no_grad():
        assert not w[0].requires_grad


def test_getitem_errors_on_grad_path():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(IndexError, match=r"^\[index\]"):
        x[3]
    with pytest.raises(IndexError, match=r"^\[index\]"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"^\[index\]"):
        x[ember.tensor([0.5])]


# ---- setitem ------------------------------------------------------------------------------------

def _set(idx):
    def f(m, a, v):
        y = a * 1
        y[_torchify(m, idx)] = v
        return y
    return f


@pytest.mark.parametrize("idx,vshape", [
    (0, (4,)), ((1, slice(1, 3)), (2,)), (slice(None, None, 2), (1, 4)), ((slice(None), 1), ()),
    ((Ellipsis, 2), (3,)), ((slice(1, None), slice(None, None, 3)), (2, 2)),
    (1, (1, 1, 4)),                                            # leading size-1 dims of the value are dropped
])
def test_setitem_basic_value_requires_grad(idx, vshape):
    x, v = ember.randn(3, 4), ember.randn(*vshape)
    grad_case(_set(idx), x, v, gradgrad=True)


@pytest.mark.parametrize("make,vshape", [
    (lambda: _i(0, 2), (2, 4)),
    (lambda: _i(2, -3), (4,)),                                 # negative index
    (lambda: (_i(0, 1, 2), _i(3, 3, 0)), (3,)),
    (lambda: (slice(None), _i(1, 3)), (3, 1)),
    (lambda: ember.tensor([[True, False, True, False]] * 3), ()),
])
def test_setitem_advanced_value_requires_grad(make, vshape):
    x, v = ember.randn(3, 4), ember.randn(*vshape)
    grad_case(_set(make()), x, v, gradgrad=True)


def _dup_case(f, *args):
    """A write with duplicate targets: the gradient (checked by finite differences) goes to the
    element that won the write; PyTorch instead gives every duplicate the gradient."""
    grad_case(f, *args, check_torch=False)


def test_duplicate_writes_grad_goes_to_the_written_element():
    x = ember.randn(3, 4)
    _dup_case(_set(_i(2, -1)), x, ember.randn(4))               # one value row written twice: counted once
    _dup_case(_set(_i(2, 0, 2)), x, ember.randn(3, 4))          # two value rows compete for row 2
    _dup_case(_set((_i(0, 0), _i(1, 1))), x, ember.randn(2))
    _dup_case(lambda m, a, v, i: a.index_put((i,), v), x, ember.randn(2, 4), _i(1, 1))
    _dup_case(lambda m, a, s, j: a.scatter(1, j, s), x, ember.randn(3, 2), _idx([[0, 3], [1, 1], [2, 0]]))
    _dup_case(lambda m, a, s, i: a.index_copy(0, i, s), x, ember.randn(3, 4), _i(2, 0, 2))
    _dup_case(lambda m, a, s, i: a.put(i, s), x, ember.randn(3), _i(5, 5, -7))
    _dup_case(lambda m, a, s, i: a.index_copy(0, i, s), ember.randn(3), ember.randn(()), ember.tensor(1))
    w = ember.zeros(4)
    s = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w.scatter(0, _i(1, 1, 1), s).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [0, 0, 1])       # the last write wins, as the forward


def test_setitem_number_and_constant_value():
    x = ember.randn(3, 4)
    grad_case(_set((slice(None), 0)), x, const(ember.randn(3)))

    def f(m, a):
        y = a * 2
        y[1] = 7.0
        y[_torchify(m, _i(0, 0))] = 3.0
        return y
    grad_case(f, x)


def test_setitem_into_plain_tensor_records_history():
    w = ember.randn(4, requires_grad=True)
    buf = ember.zeros(3, 4)
    buf[1] = w * 2
    assert buf.requires_grad and buf.grad_fn.name() == "CopySlicesBackward0"
    buf[[0, 2]] = w
    assert buf.grad_fn.name() == "IndexPutBackward0"
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.full(4, 4.0))


def test_setitem_on_view_of_nonleaf():
    def f(m, a, v):
        y = a * 1
        row = y[1]
        row[1:3] = v
        return y
    grad_case(f, ember.randn(3, 4), ember.randn(2))

    def g(m, a, v):
        y = a + 1
        y[:, 2][_torchify(m, _i(0, 2))] = v * 3
        return y * a
    grad_case(g, ember.randn(3, 4), ember.randn(2))


def test_setitem_then_use_old_value_graph():
    def f(m, a, v):
        y = a * a
        z = y[0] + 1          # read before the write keeps the old value
        y[0] = v
        return y.sum(0) + z
    grad_case(f, ember.randn(3, 4), ember.randn(4))


def test_setitem_leaf_requiring_grad_raises_and_no_grad_works():
    w = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[Tensor.__setitem__\] a leaf Variable that requires grad"):
        w[0] = 1
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad"):
        w[[0, 1]] = ember.randn(2, requires_grad=True)
    with ember.no_grad():
        w[0] = 1
    assert float(w[0]) == 1.0 and w.is_leaf and w.requires_grad


def test_setitem_saved_tensor_modified_is_detected():
    a = ember.randn(3, requires_grad=True)
    b = a * 1
    c = b * b
    b[0] = 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# ---- gather / scatter ---------------------------------------------------------------------------

def test_gather():
    x = ember.randn(3, 4)
    idx = _idx([[0, 0, 3], [1, 3, 1], [2, 2, 2]])
    grad_case(lambda m, a, i: m.gather(a, 1, i), x, idx, gradgrad=True)
    grad_case(lambda m, a, i: a.gather(0, i), x, _idx([[2, 0, 0, 1], [2, 2, 1, 0]]), gradgrad=True)
    grad_case(lambda m, a, i: a[:, ::2].gather(-1, i), x, _idx([[0, 0], [1, 1], [1, 0]]), gradgrad=True)
    grad_case(lambda m, a, i: a.gather(0, i), ember.randn(()), ember.tensor(0))
    assert x.requires_grad_().gather(1, idx).grad_fn.name() == "GatherBackward0"


def test_gather_out_argument():
    x = ember.randn(3, 4, requires_grad=True)
    out = ember.empty(3, 1)
    ember.gather(x, 1, _idx([[1], [2], [1]]), out=out)
    out.sum().backward()
    assert x.grad.numpy().sum() == 3.0 and x.grad.numpy()[1, 2] == 1.0


def test_scatter_src_and_value():
    x = ember.randn(3, 4)
    i = _idx([[0, 3], [1, 2], [2, 0]])
    grad_case(lambda m, a, s, j: m.scatter(a, 1, j, s), x, ember.randn(3, 2), i)
    grad_case(lambda m, a, j: a.scatter(1, j, 2.5), x, i)
    grad_case(lambda m, a, s, j: a.scatter(0, j, s), x, ember.randn(2, 4), _idx([[2, 0, 1, 0], [1, 1, 2, 1]]))
    grad_case(lambda m, a, s, j: a.scatter(1, j, s), x, ember.randn(3, 1), _idx([[0], [2], [3]]))


def test_scatter_src_larger_than_index():
    x = ember.randn(3, 4, requires_grad=True)
    src = ember.randn(4, 5, requires_grad=True)
    i = _idx([[0, 1], [2, 3]])
    out = x.scatter_add(1, i, src)
    g = ember.randn(3, 4)
    out.backward(g)
    expect = np.zeros((4, 5))
    expect[:2, :2] = np.take_along_axis(g.numpy()[:2], i.numpy(), 1)
    np.testing.assert_allclose(src.grad.numpy(), expect)
    # PyTorch's backward fails here (it returns an index-shaped gradient for the larger src)
    grad_case(lambda m, a, s: m.scatter(a, 1, i, s), ember.randn(3, 4), ember.randn(4, 5), check_torch=False)
    grad_case(lambda m, a, s, j: a.scatter(1, j, s), ember.randn(3, 4), ember.randn(3, 3), _idx([[0], [2], [3]]),
              check_torch=False)
    grad_case(lambda m, a, s: m.scatter_reduce(a, 1, i, s, "amax"), ember.randn(3, 4), ember.randn(3, 3),
              check_torch=False)


def test_scatter_add():
    x = ember.randn(3, 4)
    i = _idx([[0, 0, 3], [1, 3, 1], [2, 2, 2]])
    grad_case(lambda m, a, s, j: m.scatter_add(a, 1, j, s), x, ember.randn(3, 3), i, gradgrad=True)
    grad_case(lambda m, s, j: m.zeros(3, 4, dtype=m.float64).scatter_add(0, j, s), ember.randn(2, 4),
              _idx([[0, 0, 2, 2], [0, 1, 2, 2]]), gradgrad=True)


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    x, src = ember.randn(3, 4), ember.randn(3, 5)
    i = _idx([[0, 0, 3, 1, 0], [2, 2, 2, 2, 1], [1, 3, 3, 0, 3]])
    grad_case(lambda m, a, s, j: m.scatter_reduce(a, 1, j, s, reduce, include_self=include_self), x, src, i,
              gradgrad=True)
    grad_case(lambda m, a, s, j: a.scatter_reduce(0, j, s, reduce, include_self=include_self),
              ember.randn(4), ember.randn(6), _i(0, 0, 3, 3, 3, 1))


def test_scatter_reduce_prod_with_zeros():
    x = ember.tensor([1.5, 0.0, 2.0, -1.0], dtype=ember.float64)
    src = ember.tensor([0.0, 3.0, 2.0, 0.5, 0.0, -2.0], dtype=ember.float64)
    i = _i(0, 0, 1, 1, 2, 2)
    for inc in (True, False):
        grad_case(lambda m, a, s, j: a.scatter_reduce(0, j, s, "prod", include_self=inc), x, src, i, gradgrad=True)


def test_scatter_reduce_amax_ties_split_evenly():
    x = ember.tensor([1.0, 5.0], dtype=ember.float64)
    src = ember.tensor([1.0, 1.0, 0.0], dtype=ember.float64)
    a = x.clone().requires_grad_()
    s = src.clone().requires_grad_()
    a.scatter_reduce(0, _i(0, 0, 0), s, "amax").sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1 / 3, 1])
    np.testing.assert_allclose(s.grad.numpy(), [1 / 3, 1 / 3, 0])


def test_scatter_reduce_amax_excluded_self_takes_no_share():
    # include_self=False: an excluded old value that ties with the result gets no share of the
    # gradient and takes none from the source (PyTorch counts it in the split)
    s0 = ember.tensor([3.0, 5.0], dtype=ember.float64, requires_grad=True)
    src = ember.tensor([3.0, 1.0], dtype=ember.float64, requires_grad=True)
    out = s0.scatter_reduce(0, _i(0, 0), src, "amax", include_self=False)
    out.backward(ember.ones(2, dtype=ember.float64))
    np.testing.assert_allclose(out.detach().numpy(), [3, 5])
    np.testing.assert_allclose(src.grad.numpy(), [1, 0])
    np.testing.assert_allclose(s0.grad.numpy(), [0, 1])


def test_scatter_with_reduce_is_not_differentiable():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"^\[scatter\]"):
        ember.zeros(3).scatter(0, _i(0, 1), x[:2], reduce="add")


# ---- index_* along a dim ------------------------------------------------------------------------

def test_index_select():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, i: m.index_select(a, 1, i), x, _i(0, 3, 3, 1), gradgrad=True)
    grad_case(lambda m, a, i: a.index_select(0, i), x, _i(2, 2, 0), gradgrad=True)
    grad_case(lambda m, a, i: a[::2].index_select(-1, i), x, _i(1, 1), gradgrad=True)
    grad_case(lambda m, a, i: a.index_select(0, i), x, ember.tensor(1), gradgrad=True)     # 0-d index
    grad_case(lambda m, a, i: a.index_select(0, i), x, ember.tensor([], dtype=ember.int64))


@pytest.mark.parametrize("alpha", [1, -2.5])
def test_index_add(alpha):
    x = ember.randn(3, 4)
    grad_case(lambda m, a, s, i: m.index_add(a, 0, i, s, alpha=alpha), x, ember.randn(4, 4), _i(0, 2, 0, 2),
              gradgrad=True)
    grad_case(lambda m, a, s, i: a.index_add(1, i, s, alpha=alpha), x, ember.randn(3, 2), _i(3, 3))


def test_index_copy():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, s, i: m.index_copy(a, 0, i, s), x, ember.randn(2, 4), _i(2, 0))
    grad_case(lambda m, a, s, i: a.index_copy(1, i, s), x, ember.randn(3, 2), _i(3, 1))


def test_index_fill():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, i: m.index_fill(a, 1, i, -1.5), x, _i(0, 3, 0))
    grad_case(lambda m, a, v, i: a.index_fill(0, i, v), x, ember.randn(()), _i(1, 2, 1))   # tensor value


def test_index_put():
    x = ember.randn(3, 4)
    for acc in (False, True):
        grad_case(lambda m, a, v, i, j: m.index_put(a, (i, j), v, accumulate=acc), x, ember.randn(3),
                  _i(0, 2, 0), _i(1, 3, 1) if acc else _i(1, 3, 2))
        grad_case(lambda m, a, v, i: a.index_put((i,), v, accumulate=acc), x, ember.randn(4),
                  _i(2, 2, 0) if acc else _i(2, -2, 0))
        grad_case(lambda m, a, v, k: a.index_put((k,), v, accumulate=acc), x, ember.randn(()),
                  ember.tensor([True, False, True]))
    # None means a whole dim (PyTorch's Python binding does not take None: compare with arange)
    grad_case(lambda m, a, v, i: a.index_put((None, i), v, accumulate=True), x, ember.randn(3, 2), _i(1, 1),
              torch_f=lambda m, a, v, i: a.index_put((m.arange(3)[:, None], i), v, accumulate=True))


# ---- masks --------------------------------------------------------------------------------------

def test_masked_fill():
    x = ember.randn(3, 4)
    mask = ember.tensor(np.random.default_rng(0).random((3, 4)) > 0.5)
    col = ember.tensor([True, False, False, True])
    grad_case(lambda m, a, k: m.masked_fill(a, k, 2.0), x, mask, gradgrad=True)
    grad_case(lambda m, a, k: a.masked_fill(k, -1.0), x, col, gradgrad=True)                   # broadcast mask
    grad_case(lambda m, a, v, k: a.masked_fill(k, v), x, ember.randn(()), col, gradgrad=True)  # tensor value
    grad_case(lambda m, a, k: a.masked_fill(k, 0.0), ember.randn(4), ember.tensor([[True] * 4, [False, True] * 2]),
              gradgrad=True)                                                                   # mask broadcasts input


def test_masked_scatter():
    x = ember.randn(3, 4)
    mask = ember.tensor(np.random.default_rng(2).random((3, 4)) > 0.5)
    grad_case(lambda m, a, s, k: m.masked_scatter(a, k, s), x, ember.randn(20), mask, gradgrad=True)
    grad_case(lambda m, a, s, k: a.masked_scatter(k, s), x, ember.randn(3, 4), ember.tensor([False, True, True, False]),
              gradgrad=True)


def test_masked_select():
    x = ember.randn(3, 4)
    mask = ember.tensor(np.random.default_rng(3).random((3, 4)) > 0.5)
    grad_case(lambda m, a, k: m.masked_select(a, k), x, mask, gradgrad=True)
    grad_case(lambda m, a, k: a.masked_select(k), x, ember.tensor([True, False, True, True]), gradgrad=True)
    grad_case(lambda m, a, k: a.masked_select(k), ember.randn(4), ember.tensor([[True, False] * 2, [True] * 4]),
              gradgrad=True)
    grad_case(lambda m, a, k: a.masked_select(k), x, ember.zeros(3, 4, dtype=ember.bool))


# ---- flat indexing ------------------------------------------------------------------------------

def test_take():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, i: m.take(a, i), x, _idx([[0, 11, 0], [-1, 5, 5]]), gradgrad=True)
    grad_case(lambda m, a, i: a[:, 1::2].take(i), x, _i(1, 1, 5), gradgrad=True)


def test_put():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, s, i: a.put(i, s), x, ember.randn(3), _i(0, 11, -2))
    grad_case(lambda m, a, s, i: a.put(i, s, accumulate=True), x, ember.randn(2, 2), _idx([[0, 0], [-1, 3]]),
              gradgrad=True)


def test_take_along_dim():
    x = ember.randn(3, 4)
    grad_case(lambda m, a, i: m.take_along_dim(a, i, 1), x, _idx([[0, 0], [3, 1], [2, 3]]), gradgrad=True)
    grad_case(lambda m, a, i: m.take_along_dim(a, i, dim=0), x, _idx([[2, 0, 0, 1]]))          # broadcast index
    grad_case(lambda m, a, i: m.take_along_dim(a, i, 1), ember.randn(1, 4), _idx([[0], [3], [3]]))  # broadcast input
    grad_case(lambda m, a, i: a.take_along_dim(i), x, _i(11, 0, 0), gradgrad=True)              # flattened
    assert x.requires_grad_().take_along_dim(_idx([[0], [1], [2]]), 1).grad_fn.name() == "GatherBackward0"


# ---- in-place method forms ----------------------------------------------------------------------

_INPLACE = {
    "scatter_": lambda y, s, m: y.scatter_(1, _ti(m, [[0, 2], [1, 2], [3, 0]]), s[:, :2]),
    "scatter_value": lambda y, s, m: y.scatter_(1, _ti(m, [[0, 2], [1, 1], [3, 0]]), 1.5),
    "scatter_add_": lambda y, s, m: y.scatter_add_(1, _ti(m, [[0, 0], [1, 1], [3, 0]]), s[:, 1:3]),
    "scatter_reduce_": lambda y, s, m: y.scatter_reduce_(1, _ti(m, [[0, 0], [1, 3], [3, 0]]), s[:, :2], "mean",
                                                         include_self=False),
    "index_add_": lambda y, s, m: y.index_add_(0, _ti(m, [2, 2]), s[:2], alpha=2),
    "index_copy_": lambda y, s, m: y.index_copy_(1, _ti(m, [3, 0]), s[:, :2]),
    "index_fill_": lambda y, s, m: y.index_fill_(0, _ti(m, [1]), -2.0),
    "index_put_": lambda y, s, m: y.index_put_((_ti(m, [0, 2]), _ti(m, [1, 1])), s[0, :2], accumulate=True),
    "masked_fill_": lambda y, s, m: y.masked_fill_(_tb(m, [True, False, True, False]), s[0, 0]),
    "masked_scatter_": lambda y, s, m: y.masked_scatter_(_tb(m, [False, True, True, False]), s),
    "put_": lambda y, s, m: y.put_(_ti(m, [0, 5, 5]), s[1, :3], accumulate=True),
}


def _ti(m, v):
    return m.tensor(v, dtype=m.int64)


def _tb(m, v):
    return m.tensor(v, dtype=m.bool)


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_forms(name):
    op = _INPLACE[name]

    def f(m, a, s):
        y = a * 1
        r = op(y, s, m)
        assert r is y
        return y * a
    grad_case(f, ember.randn(3, 4), ember.randn(3, 4))


def test_inplace_forms_rebase_history_and_guard_leaves():
    w = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[index_fill\] a leaf Variable that requires grad"):
        w.index_fill_(0, _i(0), 1.0)
    with pytest.raises(RuntimeError, match=r"^\[masked_fill\] a leaf Variable"):
        w.masked_fill_(ember.tensor([True, False, False, False]), 0.0)
    with ember.no_grad():
        w.index_fill_(0, _i(0), 1.0)
    assert float(w[0, 0]) == 1.0
    y = w * 1
    y.index_add_(0, _i(1, 1), ember.ones(2, 4))
    assert y.grad_fn.name() == "IndexAddBackward0"
    buf = ember.zeros(3, 4)
    buf.scatter_add_(0, _idx([[0, 1, 2, 0]]), w[:1])
    assert buf.requires_grad
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.r_[np.ones((1, 4)), np.zeros((2, 4))])


def test_inplace_on_view_of_nonleaf():
    def f(m, a, s):
        y = a * 1
        y[1:].index_add_(1, _ti(m, [0, 0, 2]), s)
        return y
    grad_case(f, ember.randn(3, 4), ember.randn(2, 3))


# ---- indices are never differentiable; error messages name the op ------------------------------

def test_indices_not_differentiable():
    x = ember.randn(3, 4, requires_grad=True)
    i = _idx([[0], [1], [2]])
    out = x.gather(1, i)
    assert [n for n, _ in out.grad_fn.next_functions][1:] == [None, None]
    assert not ember.nonzero(x > 0).requires_grad


def test_errors_name_the_op_on_grad_path():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[gather\]"):
        x.gather(1, _idx([[5]]))
    with pytest.raises(TypeError, match=r"^\[index_select\]"):
        x.index_select(0, [0, 1])
    with pytest.raises(RuntimeError, match=r"^\[scatter_reduce_?\]"):
        x.scatter_reduce(0, _idx([[0]]), ember.randn(1, 1), "median")
    with pytest.raises(RuntimeError, match=r"^\[take_along_dim\]"):
        x.take_along_dim(_i(0, 1), 0)
    with pytest.raises(RuntimeError, match=r"^\[masked_fill\]"):
        x.masked_fill(ember.tensor([True, False]), 1.0)
    with pytest.raises(RuntimeError, match=r"^\[masked_fill_?\]"):
        x.masked_fill(ember.tensor([True, False, True, True]), ember.randn(2))


# ---- random index expressions against PyTorch ---------------------------------------------------

def _random_index(rng, shape, unique):
    """A random index over ``shape``: ints, stepped slices, None, Ellipsis, int arrays (with
    duplicates and negatives unless ``unique``) and bool masks."""
    items, d, n_adv = [], 0, 0
    while d < len(shape) and rng.random() < 0.8:
        kind = rng.choice(["int", "slice", "slice", "none", "ell", "arr", "mask"])
        size = shape[d]
        if kind == "int":
            items.append(int(rng.integers(-size, size)))
            d += 1
        elif kind == "slice":
            a, b = rng.integers(-size - 1, size + 1, 2)
            items.append(slice(int(a) if rng.random() < 0.7 else None, int(b) if rng.random() < 0.5 else None,
                               int(rng.integers(1, 3))))
            d += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ell":
            items.append(Ellipsis)      # the rest of the dims
            break
        elif kind == "arr" and (n_adv == 0 or not unique):
            vals = rng.permutation(size)[:2] if unique else rng.integers(-size, size, 3)
            items.append(ember.tensor(vals.astype(np.int64)))
            d += 1
            n_adv += 1
        elif kind == "mask":
            items.append(ember.tensor(rng.random(size) > 0.4))
            d += 1
            n_adv += 1
    return tuple(items)


@needs_torch
def test_random_getitem_and_setitem_against_torch():
    rng = np.random.default_rng(7)
    shape = (3, 4, 5)
    done = 0
    for _ in range(150):
        idx = _random_index(rng, shape, unique=False)
        x = ember.randn(*shape, dtype=ember.float64)
        try:
            with ember.no_grad():
                region = x[idx]
        except (IndexError, RuntimeError):
            continue
        xt = torch.from_numpy(x.numpy().copy()).requires_grad_()
        xe = x.requires_grad_()
        g = np.random.default_rng(done).standard_normal(tuple(region.shape))
        xe[idx].backward(ember.tensor(g))
        xt[_torchify(torch, idx)].backward(torch.from_numpy(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, err_msg=repr(idx))
        done += 1
    assert done > 80
    done = 0
    while done < 20:
        idx = _random_index(rng, shape, unique=True)
        with ember.no_grad():
            try:
                region = ember.zeros(*shape)[idx]
            except (IndexError, RuntimeError):
                continue
        if region.numel() == 0:
            continue
        vshape = tuple(region.shape)[1:] if region.dim() and rng.random() < 0.3 else tuple(region.shape)
        grad_case(_set(idx), ember.randn(*shape), ember.randn(*vshape))
        done += 1


def test_float32_and_half_grads_keep_the_input_dtype():
    for dt in (ember.float32, ember.float16):
        x = ember.randn(3, 4).to(dt).requires_grad_()
        y = x[[0, 0, 2]].sum() + x.gather(1, _idx([[1], [1], [0]])).sum() + x.masked_select(x > 0).sum()
        y.backward()
        assert x.grad.dtype is dt
        expect = np.zeros((3, 4))
        expect[0] += 2
        expect[2] += 1
        expect[[0, 1, 2], [1, 1, 0]] += 1
        expect += x.detach().float().numpy() > 0
        np.testing.assert_allclose(x.grad.float().numpy(), expect)


def test_index_modified_after_forward_is_detected():
    x = ember.randn(3, 4, requires_grad=True)
    i = _idx([[0], [1], [2]])
    y = x.gather(1, i)
    i.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_double_backward_through_getitem_and_gather():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    a, b = x[_i(0, 0, 3)], x.gather(0, _i(1, 1))
    y = (a * a).sum() + (b * b * b).sum()
    g, = ember.autograd.grad(y, x, create_graph=True)
    h, = ember.autograd.grad(g.sum(), x)
    xv = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), [4 * xv[0], 6 * xv[1] ** 2, 0, 2 * xv[3]])
    np.testing.assert_allclose(h.numpy(), [4, 12 * xv[1], 0, 2])
