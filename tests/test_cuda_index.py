"""CUDA kernels of the index / shape / creation families, compared with the CPU results: embedding
(forward, backward, padding_idx), index_select, gather / scatter (src, value, reduce=), scatter_add,
scatter_reduce, index_add_ / index_copy_ / index_fill_, take / put_, index_put_, advanced indexing
(get and set, integer and bool), masked_fill / masked_select / masked_scatter, nonzero / argwhere /
where(cond); cat / stack, pad (all modes, forward and backward), tril / triu, flip, roll, repeat, tile,
diag / diag_embed, trace, cross, one_hot, repeat_interleave; factories with device='cuda'. Out-of-range indices on
the GPU raise the CPU's errors.

The GPU cases skip without a usable GPU. The device checks (operands on two devices) run here even
without one, on `_as_fake_cuda` tensors: they must raise before any kernel would run.
"""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import HAS_CUDA, needs_cuda
from cudautil import check, on_both, sample

no_cuda = pytest.mark.skipif(HAS_CUDA, reason="fake CUDA tensors are host memory: only without a usable GPU")

FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
ALL = FLOATS + [ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8, ember.bool]
SIZES = [1, 31, 32, 33, 1000, 4097]


def idx(n, high, seed=0, unique=False, negative=False):
    rng = np.random.default_rng(seed)
    a = rng.permutation(high)[:n] if unique else rng.integers(0, high, size=n)
    if negative:
        a = np.where(rng.random(a.shape) < 0.5, a - high, a)
    return ember.tensor(a.astype(np.int64))


def cu(t):
    return t.cuda()


# ---- embedding ------------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16, ember.float64])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_forward_backward(dtype, padding_idx):
    w = sample((50, 33), dtype).requires_grad_(True)
    i = idx(200, 50, seed=1).reshape(10, 20)
    wg = w.detach().cuda().requires_grad_(True)
    og = F.embedding(i.cuda(), wg, padding_idx=padding_idx)
    oc = F.embedding(i, w, padding_idx=padding_idx)
    check(og, oc)
    gy = sample(tuple(oc.shape), dtype, seed=2)
    og.backward(gy.cuda())
    oc.backward(gy)
    check(wg.grad, w.grad)


@needs_cuda
def test_embedding_module_and_out_of_range():
    emb = ember.nn.Embedding(10, 4)
    emb_g = ember.nn.Embedding(10, 4).cuda()
    emb_g.weight.data.copy_(emb.weight.data.cuda())
    i = ember.tensor([[1, 2, 9], [0, 0, 5]])
    check(emb_g(i.cuda()), emb(i))
    with pytest.raises(IndexError, match=r"\[embedding\]"):
        emb_g(ember.tensor([1, 10]).cuda())


@needs_cuda
def test_embedding_bag_sum():
    w = sample((20, 6), ember.float32)
    i2 = idx(12, 20, seed=60).reshape(3, 4)
    check(*on_both(lambda a, b: F.embedding_bag(a, b, mode="sum"), i2, w))
    i1, offs = idx(10, 20, seed=61), ember.tensor([0, 3, 3, 7])
    check(*on_both(lambda a, b, c: F.embedding_bag(a, b, c, mode="sum"), i1, w, offs))


# ---- along a dim ------------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dtype, dim):
    x = sample((7, 9, 5), dtype)
    i = idx(11, x.shape[dim], seed=3)
    check(*on_both(lambda a, b: ember.index_select(a, dim, b), x, i))
    xt = x.transpose(0, 2)
    check(*on_both(lambda a, b: ember.index_select(a, dim, b), xt, idx(5, xt.shape[dim], seed=33)))
    check(*on_both(lambda a, b: ember.index_select(a, dim, b), x, i.to(ember.int32)))


@needs_cuda
@pytest.mark.parametrize("n", SIZES + [2 ** 20 + 3])
def test_index_select_sizes(n):
    x = sample((n,), ember.float32)
    i = idx(min(n, 5000), n, seed=4)
    check(*on_both(lambda a, b: a.index_select(0, b), x, i))
    x2 = sample((min(n, 4097), 3), ember.float32)
    i2 = idx(17, x2.shape[0], seed=5)
    check(*on_both(lambda a, b: a.index_select(0, b), x2, i2))
    check(*on_both(lambda a, b: a.index_select(0, b), x2[:, 1], i2))  # strided


@needs_cuda
def test_index_select_empty_and_scalar():
    x = sample((4, 3), ember.float32)
    check(*on_both(lambda a, b: a.index_select(0, b), x, ember.tensor([], dtype=ember.int64)))
    s = sample((), ember.float32)
    check(*on_both(lambda a, b: a.index_select(0, b), s, ember.tensor([0])))


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", [0, 1])
def test_gather(dtype, dim):
    x = sample((6, 8), dtype)
    i = idx(6 * 8, x.shape[dim], seed=6).reshape(6, 8)
    check(*on_both(lambda a, b: ember.gather(a, dim, b), x, i))
    check(*on_both(lambda a, b: ember.gather(a, dim, b), x.t(), (i % 6)[:6, :6].t()))  # strided index too
    check(*on_both(lambda a, b: ember.gather(a, dim, b), x, i[:3, :4]))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_gather_backward(dtype):
    x = sample((6, 8), dtype).requires_grad_(True)
    i = idx(6 * 5, 8, seed=7).reshape(6, 5)
    yg, yc = on_both(lambda a, b: ember.gather(a, 1, b), x, i)
    check(yg, yc)
    g = sample((6, 5), dtype, seed=8)
    xg = x.detach().cuda().requires_grad_(True)
    ember.gather(xg, 1, i.cuda()).backward(g.cuda())
    ember.gather(x, 1, i).backward(g)
    check(xg.grad, x.grad)


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_scatter_src_value_unique(dtype):
    x = sample((5, 12), dtype)
    src = sample((5, 7), dtype, seed=9)
    i = ember.stack([idx(7, 12, seed=s, unique=True) for s in range(5)])  # unique per row: deterministic
    check(*on_both(lambda a, b, c: a.scatter(1, b, c), x, i, src))
    check(*on_both(lambda a, b: a.scatter(1, b, 1), x, i))
    i0 = ember.stack([idx(5, 5, seed=s, unique=True) for s in range(3)], 1)  # (5, 3) along dim 0
    check(*on_both(lambda a, b, c: a.scatter(0, b, c), x, i0, src))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int64, ember.int32, ember.int8])
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_arg(dtype, reduce):
    x = sample((4, 9), dtype, positive=True, low=0.5, high=1.5)
    src = sample((4, 20), dtype, seed=10, positive=True, low=0.5, high=1.5)
    i = idx(80, 9, seed=11).reshape(4, 20)
    yg, yc = on_both(lambda a, b, c: a.scatter(1, b, c, reduce=reduce), x, i, src)
    check(yg, yc, rtol=1e-2 if dtype is ember.float16 else None)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16, ember.int64,
                                   ember.int32, ember.int16, ember.uint8])
@pytest.mark.parametrize("n", [1, 33, 4097])
def test_scatter_add(dtype, n):
    x = sample((3, 40), dtype)
    src = sample((3, n), dtype, seed=12)
    i = idx(3 * n, 40, seed=13).reshape(3, n)
    yg, yc = on_both(lambda a, b, c: ember.scatter_add(a, 1, b, c), x, i, src)
    lowp = dtype in (ember.float16, ember.bfloat16)  # 16-bit sums in another order: errors grow with n
    check(yg, yc, rtol=5e-2 if lowp else None, atol=0.05 * (1 + n ** 0.5) if lowp else None)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int64, ember.int32])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(dtype, reduce, include_self):
    x = sample((3, 10), dtype, positive=True, low=0.5, high=1.5)
    src = sample((3, 25), dtype, seed=14, positive=True, low=0.5, high=1.5)
    i = idx(75, 10, seed=15).reshape(3, 25)
    yg, yc = on_both(lambda a, b, c: a.scatter_reduce(1, b, c, reduce, include_self=include_self), x, i, src)
    check(yg, yc, rtol=1e-2 if dtype is ember.float16 else None)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.int64, ember.bool])
@pytest.mark.parametrize("dim", [0, 1])
def test_index_add_copy_fill(dtype, dim):
    x = sample((6, 7), dtype)
    n = 9 if dim == 0 else 11
    src = sample((n, 7) if dim == 0 else (6, n), dtype, seed=16)
    i = idx(n, x.shape[dim], seed=17)
    yg, yc = on_both(lambda a, b, c: a.clone().index_add_(dim, b, c), x, i, src)
    check(yg, yc, rtol=1e-2 if dtype is ember.float16 else None, atol=1e-2 if dtype is ember.float16 else None)
    if dtype is not ember.bool:
        check(*on_both(lambda a, b, c: a.clone().index_add_(dim, b, c, alpha=2), x, i, src),
              rtol=1e-2 if dtype is ember.float16 else None, atol=5e-2 if dtype is ember.float16 else None)
    u = idx(min(n, x.shape[dim]), x.shape[dim], seed=18, unique=True)
    srcu = src.narrow(dim, 0, u.shape[0]).contiguous()
    check(*on_both(lambda a, b, c: a.clone().index_copy_(dim, b, c), x, u, srcu))
    check(*on_both(lambda a, b: a.clone().index_fill_(dim, b, 1), x, idx(4, x.shape[dim], seed=19, negative=True)))


@needs_cuda
def test_index_add_backward_and_noncontiguous():
    x = sample((8, 5), ember.float32).requires_grad_(True)
    src = sample((12, 5), ember.float32, seed=20).requires_grad_(True)
    i = idx(12, 8, seed=21)
    xg, sg = x.detach().cuda().requires_grad_(True), src.detach().cuda().requires_grad_(True)
    yg, yc = ember.index_add(xg, 0, i.cuda(), sg), ember.index_add(x, 0, i, src)
    check(yg, yc)
    g = sample((8, 5), ember.float32, seed=22)
    yg.backward(g.cuda())
    yc.backward(g)
    check(xg.grad, x.grad)
    check(sg.grad, src.grad)
    xt = sample((5, 8), ember.float32).t()
    check(*on_both(lambda a, b, c: a.clone().index_add_(0, b, c), xt, i, src.detach()))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.float16, ember.bool])
def test_take_put(dtype):
    x = sample((5, 6), dtype)
    i = idx(17, 30, seed=23, negative=True).reshape(17)
    check(*on_both(lambda a, b: ember.take(a, b), x, i))
    check(*on_both(lambda a, b: ember.take(a, b), x.t(), i.reshape(1, 17)))
    u = idx(10, 30, seed=24, unique=True)
    src = sample((10,), dtype, seed=25)
    check(*on_both(lambda a, b, c: a.clone().put_(b, c), x, u, src))
    check(*on_both(lambda a, b, c: a.t().clone().put_(b, c), x, u, src))
    if dtype is not ember.bool:
        d = idx(10, 30, seed=26)
        check(*on_both(lambda a, b, c: a.clone().put_(b, c, accumulate=True), x, d, src),
              rtol=1e-2 if dtype is ember.float16 else None, atol=1e-2 if dtype is ember.float16 else None)


# ---- advanced indexing ------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.float16, ember.bool, ember.uint8])
def test_getitem_advanced(dtype):
    x = sample((6, 7, 8), dtype)
    i = idx(5, 6, seed=27, negative=True)
    j = idx(5, 8, seed=28)
    check(*on_both(lambda a, b: a[b], x, i))
    i7 = i[:4] % 7
    check(*on_both(lambda a, b, c: a[b, :, c], x, i, j))          # non-adjacent: index dims first
    check(*on_both(lambda a, b, c: a[:, b, c], x, i7, j[:4]))     # adjacent
    check(*on_both(lambda a, b: a[1:5, b], x, i7))
    check(*on_both(lambda a, b: a.transpose(0, 2)[b], x, j))
    m = sample((6, 7, 8), ember.bool, seed=29)
    check(*on_both(lambda a, b: a[b], x, m))
    check(*on_both(lambda a, b: a[b], x, m[:, :, 0]))
    check(*on_both(lambda a, b: a[:, b], x, m[0]))
    # a CPU index / list into a CUDA tensor (PyTorch moves it)
    check(x.cuda()[i], x[i])
    check(x.cuda()[[0, 2, 2]], x[[0, 2, 2]])
    check(x.cuda()[m], x[m])


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int32, ember.float16, ember.bool])
def test_setitem_advanced(dtype):
    x = sample((6, 7), dtype)
    u = idx(4, 6, seed=30, unique=True)
    v = sample((4, 7), dtype, seed=31)

    def put(a, b, c):
        a = a.clone()
        a[b] = c
        return a
    check(*on_both(put, x, u, v))
    check(*on_both(lambda a, b: put(a, b, 1), x, u))
    m = sample((6, 7), ember.bool, seed=32)
    check(*on_both(lambda a, b: put(a, b, 0), x, m))
    w = sample((int(m.sum()),), dtype, seed=33)
    check(*on_both(put, x, m, w))
    r, c = idx(5, 6, seed=34, unique=True), idx(5, 7, seed=35, unique=True)

    def put2(a, b, cc, val):
        a = a.clone()
        a[b, cc] = val
        return a
    check(*on_both(put2, x, r, c, sample((5,), dtype, seed=36)))
    xg = x.cuda()
    xg[u] = v.cuda()[0]  # broadcast value
    xc = x.clone()
    xc[u] = v[0]
    check(xg, xc)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64, ember.float16])
def test_index_put_accumulate(dtype):
    x = sample((10, 4), dtype)
    i = idx(30, 10, seed=37)
    v = sample((30, 4), dtype, seed=38)
    tol = dict(rtol=5e-2, atol=0.1) if dtype is ember.float16 else {}
    check(*on_both(lambda a, b, c: a.clone().index_put_((b,), c, accumulate=True), x, i, v), **tol)
    j = idx(30, 4, seed=39)
    check(*on_both(lambda a, b, c, d: a.clone().index_put_((b, c), d, accumulate=True), x, i, j, v[:, 0]), **tol)


@needs_cuda
def test_getitem_backward():
    x = sample((6, 5), ember.float32).requires_grad_(True)
    i = idx(9, 6, seed=40)
    xg = x.detach().cuda().requires_grad_(True)
    g = sample((9, 5), ember.float32, seed=41)
    xg[i.cuda()].backward(g.cuda())
    x[i].backward(g)
    check(xg.grad, x.grad)


# ---- masks / nonzero -----------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_masked_fill(dtype):
    x = sample((9, 13), dtype)
    m = sample((9, 13), ember.bool, seed=42)
    check(*on_both(lambda a, b: a.masked_fill(b, 1), x, m))
    check(*on_both(lambda a, b: a.masked_fill(b, 0), x.t(), m.t()))
    check(*on_both(lambda a, b: a.masked_fill(b[0], 1), x, m))            # broadcast mask
    check(*on_both(lambda a, b, c: a.masked_fill(b, c), x, m, ember.tensor(1).to(dtype)))  # 0-d tensor value
    check(x.cuda().masked_fill(m.cuda(), ember.tensor(1).to(dtype)), x.masked_fill(m, ember.tensor(1).to(dtype)))


@needs_cuda
@pytest.mark.parametrize("n", SIZES + [2 ** 20 + 3])
def test_masked_select_nonzero_sizes(n):
    x = sample((n,), ember.float32, seed=43)
    m = x > 0.5
    check(*on_both(lambda a, b: ember.masked_select(a, b), x, m))
    check(*on_both(lambda a: ember.nonzero(a), m))
    check(*on_both(lambda a, b: a[b], x, m))
    e = ember.zeros(n, dtype=ember.bool)
    check(*on_both(lambda a: ember.nonzero(a), e))


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_masked_select_scatter_nonzero(dtype):
    x = sample((5, 6, 7), dtype)
    m = sample((5, 6, 7), ember.bool, seed=44)
    check(*on_both(lambda a, b: ember.masked_select(a, b), x, m))
    check(*on_both(lambda a, b: ember.masked_select(a, b), x.transpose(0, 2), m.transpose(0, 2)))
    check(*on_both(lambda a, b: ember.masked_select(a, b), x, m[0, 0]))  # broadcast mask
    check(*on_both(lambda a: ember.nonzero(a), x))
    check(*on_both(lambda a: ember.nonzero(a), x.transpose(0, 1)))
    check(*on_both(lambda a: ember.argwhere(a), x))
    check(*on_both(lambda a: ember.where(a), x))
    check(*on_both(lambda a: ember.nonzero(a, as_tuple=True), x))
    src = sample((300,), dtype, seed=45)
    check(*on_both(lambda a, b, c: a.masked_scatter(b, c), x, m, src))
    check(*on_both(lambda a, b, c: a.clone().masked_scatter_(b, c), x.transpose(0, 1), m.transpose(0, 1), src))
    check(*on_both(lambda a: ember.nonzero(a), ember.tensor(3).to(dtype)))
    check(*on_both(lambda a: ember.nonzero(a), ember.zeros(0, 4, dtype=dtype)))


@needs_cuda
def test_masked_backward():
    x = sample((4, 5), ember.float32).requires_grad_(True)
    m = sample((4, 5), ember.bool, seed=46)
    xg = x.detach().cuda().requires_grad_(True)
    g = sample((int(m.sum()),), ember.float32, seed=47)
    ember.masked_select(xg, m.cuda()).backward(g.cuda())
    ember.masked_select(x, m).backward(g)
    check(xg.grad, x.grad)
    xg.grad = None
    x.grad = None
    g2 = sample((4, 5), ember.float32, seed=48)
    xg.masked_fill(m.cuda(), 0.0).backward(g2.cuda())
    x.masked_fill(m, 0.0).backward(g2)
    check(xg.grad, x.grad)


# ---- errors on the GPU -----------------------------------------------------------------------------------

@needs_cuda
def test_out_of_range_errors_cuda():
    x = ember.ones(4, 5, device="cuda")
    bad = ember.tensor([0, 7, 1], device="cuda")
    with pytest.raises(IndexError, match=r"\[index_select\] index 7 is out of bounds for dimension 0 with size 4"):
        x.index_select(0, bad)
    with pytest.raises(RuntimeError, match=r"\[gather\] index 7 is out of bounds for dimension 1 with size 5"):
        x.gather(1, bad.reshape(1, 3))
    with pytest.raises(RuntimeError, match=r"\[scatter\] index 7 is out of bounds"):
        x.scatter(1, bad.reshape(1, 3), 1.0)
    with pytest.raises(IndexError, match=r"index 7 is out of bounds for dimension 0 with size 4"):
        x[bad]
    with pytest.raises(IndexError, match=r"\[take\] out of range: tried to access index 20 on a tensor of 20"):
        ember.take(x, ember.tensor([20], device="cuda"))
    with pytest.raises(IndexError, match=r"\[index_add_\] index -1 is out of bounds"):
        x.index_add_(0, ember.tensor([-1], device="cuda"), ember.ones(1, 5, device="cuda"))
    check(x, ember.ones(4, 5))  # unchanged by the failed ops
    with pytest.raises(RuntimeError, match=r"\[one_hot\] Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor([0, 3], device="cuda"), 3)
    with pytest.raises(RuntimeError, match=r"\[masked_scatter_\] Number of elements of source < number of ones"):
        x.masked_scatter_(ember.ones(4, 5, dtype=ember.bool, device="cuda"), ember.ones(3, device="cuda"))


@needs_cuda
def test_device_mismatch_cuda():
    x = ember.ones(4, 5, device="cuda")
    msg = r"Expected all tensors to be on the same device, but found at least two devices"
    with pytest.raises(RuntimeError, match=msg):
        x.index_select(0, ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=msg):
        x.gather(1, ember.tensor([[0]]))
    with pytest.raises(RuntimeError, match=msg):
        ember.masked_select(x, ember.ones(4, 5, dtype=ember.bool))


# ---- shape copies ---------------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
def test_cat_stack(dtype):
    a, b, c = sample((3, 4), dtype), sample((5, 4), dtype, seed=1), sample((3, 2), dtype, seed=2)
    check(*on_both(lambda x, y: ember.cat([x, y]), a, b))
    check(*on_both(lambda x, y: ember.cat([x, y], 1), a, c))
    check(*on_both(lambda x, y: ember.cat([x.t(), y.t()], 1), a, b))
    check(*on_both(lambda x, y: ember.stack([x, y], 1), a, a))
    check(*on_both(lambda x, y: ember.hstack([x, y]), a, c))
    check(*on_both(lambda x, y: ember.vstack([x, y]), a, b))
    check(*on_both(lambda x, y: ember.cat([x, y[:0]]), a, b))


@needs_cuda
def test_cat_large_and_mixed_dtype_and_backward():
    a, b = sample((2 ** 20 + 3,), ember.float32), sample((4097,), ember.float32, seed=3)
    check(*on_both(lambda x, y: ember.cat([x, y]), a, b))
    check(*on_both(lambda x, y: ember.cat([x, y]), sample((3,), ember.int32), sample((2,), ember.float32)))
    x = sample((3, 4), ember.float32).requires_grad_(True)
    xg = x.detach().cuda().requires_grad_(True)
    g = sample((6, 4), ember.float32, seed=5)
    ember.cat([xg, xg * 2]).backward(g.cuda())
    ember.cat([x, x * 2]).backward(g)
    check(xg.grad, x.grad)


@needs_cuda
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.float64])
def test_pad_forward_backward(mode, dtype):
    for shape, pad in [((2, 3, 9), (2, 3)), ((2, 3, 6, 7), (1, 2, 3, 1)), ((1, 2, 4, 5, 6), (1, 1, 2, 0, 1, 3))]:
        x = sample(shape, dtype).requires_grad_(True)
        kw = {"value": 1.5} if mode == "constant" else {}
        yg, yc = on_both(lambda t: F.pad(t, pad, mode=mode, **kw), x)
        check(yg, yc)
        g = sample(tuple(yc.shape), dtype, seed=6)
        xg = x.detach().cuda().requires_grad_(True)
        F.pad(xg, pad, mode=mode, **kw).backward(g.cuda())
        x.grad = None
        F.pad(x, pad, mode=mode, **kw).backward(g)
        check(xg.grad, x.grad, rtol=1e-2 if dtype is ember.float16 else None,
              atol=1e-2 if dtype is ember.float16 else None)
    check(*on_both(lambda t: F.pad(t, (-1, 2)), sample((3, 5), ember.int64)))  # negative pad crops


@needs_cuda
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("k", [-2, 0, 1, 5])
def test_tril_triu(dtype, k):
    x = sample((3, 5, 6), dtype)
    check(*on_both(lambda t: ember.tril(t, k), x))
    check(*on_both(lambda t: ember.triu(t, k), x))
    check(*on_both(lambda t: ember.triu(t.transpose(1, 2), k), x))
    check(*on_both(lambda t: t.clone().tril_(k), x))
    check(*on_both(lambda t: t.transpose(1, 2).contiguous().triu_(k), x))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.bool, ember.float16, ember.int8])
def test_flip_roll_repeat_tile(dtype):
    x = sample((4, 5, 6), dtype)
    check(*on_both(lambda t: ember.flip(t, (0, 2)), x))
    check(*on_both(lambda t: ember.flip(t.transpose(0, 2), (1,)), x))
    check(*on_both(lambda t: ember.roll(t, (2, -1), (0, 2)), x))
    check(*on_both(lambda t: ember.roll(t, 7), x))
    check(*on_both(lambda t: t.repeat(2, 1, 3), x))
    check(*on_both(lambda t: t.repeat(2, 1, 1, 2), x))
    check(*on_both(lambda t: ember.tile(t, (2,)), x))
    check(*on_both(lambda t: ember.rot90(t, 1, (0, 1)), x))
    check(*on_both(lambda t: t.repeat_interleave(3, dim=1), x))
    check(*on_both(lambda t, r: t.repeat_interleave(r, dim=0), x, ember.tensor([1, 0, 2, 3])))
    check(*on_both(lambda r: ember.repeat_interleave(r), ember.tensor([1, 0, 2, 3])))
    check(*on_both(lambda t: ember.flip(t, (0,)), sample((2 ** 20 + 3,), dtype)))


@needs_cuda
def test_flip_repeat_backward():
    x = sample((4, 5), ember.float32).requires_grad_(True)
    xg = x.detach().cuda().requires_grad_(True)
    g = sample((8, 15), ember.float32, seed=7)
    ember.flip(xg, (1,)).repeat(2, 3).backward(g.cuda())
    ember.flip(x, (1,)).repeat(2, 3).backward(g)
    check(xg.grad, x.grad)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.bool])
def test_diag_one_hot(dtype):
    v = sample((5,), dtype)
    m = sample((5, 7), dtype)
    for k in (-2, 0, 3):
        check(*on_both(lambda t: ember.diag(t, k), v))
        check(*on_both(lambda t: ember.diag(t, k), m))
        check(*on_both(lambda t: ember.diag_embed(t, k), m))
    check(*on_both(lambda t: ember.diagonal(t, 1).contiguous(), m))
    c = idx(33, 7, seed=8).reshape(3, 11)
    check(*on_both(lambda t: F.one_hot(t), c))
    check(*on_both(lambda t: F.one_hot(t, 9), c))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int64, ember.int32, ember.uint8])
def test_trace_cross(dtype):
    for shape in [(5, 7), (33, 33), (0, 3), (1000, 3)]:
        check(*on_both(lambda t: ember.trace(t), sample(shape, dtype)),
              rtol=1e-2 if dtype is ember.float16 else None, atol=5e-2 if dtype is ember.float16 else None)
    a, b = sample((4, 3, 5), dtype), sample((4, 3, 5), dtype, seed=1)
    tol = dict(rtol=1e-2, atol=5e-2) if dtype is ember.float16 else {}
    check(*on_both(lambda x, y: ember.cross(x, y, dim=1), a, b), **tol)
    check(*on_both(lambda x, y: ember.cross(x, y, dim=0), a.transpose(0, 1), b[:1].transpose(0, 1)), **tol)


# ---- creation -------------------------------------------------------------------------------------------

@needs_cuda
def test_factories_on_device():
    for dt in (ember.float32, ember.int64, ember.float16):
        check(ember.arange(0, 100, 3, dtype=dt, device="cuda"), ember.arange(0, 100, 3, dtype=dt))
        check(ember.linspace(-1, 5, 37, dtype=dt, device="cuda"), ember.linspace(-1, 5, 37, dtype=dt))
        check(ember.eye(5, 7, dtype=dt, device="cuda"), ember.eye(5, 7, dtype=dt))
        check(ember.full((3, 4), 2, dtype=dt, device="cuda"), ember.full((3, 4), 2, dtype=dt))
    check(ember.logspace(0, 3, 10, device="cuda"), ember.logspace(0, 3, 10))
    check(ember.tril_indices(5, 6, 1, device="cuda"), ember.tril_indices(5, 6, 1))
    check(ember.triu_indices(5, 6, -1, device="cuda"), ember.triu_indices(5, 6, -1))
    check(ember.tensor([[1, 2], [3, 4]], device="cuda"), ember.tensor([[1, 2], [3, 4]]))
    x = ember.ones(3, 2)
    check(ember.zeros_like(x, device="cuda"), ember.zeros_like(x))
    check(ember.ones_like(x.cuda()), ember.ones_like(x))
    check(ember.full_like(x.cuda(), 7), ember.full_like(x, 7))


# ---- without a GPU: device checks before any kernel ------------------------------------------------------

def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@no_cuda
@pytest.mark.parametrize("name,call", [
    ("index_select", lambda g, c: ember.index_select(g, 0, c)),
    ("gather", lambda g, c: ember.gather(g, 0, c.reshape(2, 1))),
    ("scatter_", lambda g, c: g.scatter_(0, c.reshape(2, 1), 1.0)),
    ("scatter_src", lambda g, c: g.scatter_(0, c.reshape(2, 1), ember.ones(2, 1))),
    ("scatter_add_", lambda g, c: g.scatter_add_(0, c.reshape(2, 1), ember.ones(2, 1))),
    ("scatter_reduce_", lambda g, c: g.scatter_reduce_(0, c.reshape(2, 1), ember.ones(2, 1), "amax")),
    ("index_add_", lambda g, c: g.index_add_(0, c, ember.ones(2, 3))),
    ("index_copy_", lambda g, c: g.index_copy_(0, c, ember.ones(2, 3))),
    ("index_fill_", lambda g, c: g.index_fill_(0, c, 1.0)),
    ("take", lambda g, c: ember.take(g, c)),
    ("put_", lambda g, c: g.put_(c, ember.ones(2))),
    ("masked_select", lambda g, c: ember.masked_select(g, ember.ones(3, 3, dtype=ember.bool))),
    ("masked_fill_", lambda g, c: g.masked_fill_(ember.ones(3, 3, dtype=ember.bool), 1.0)),
    ("masked_scatter_", lambda g, c: g.masked_scatter_(ember.ones(3, 3, dtype=ember.bool), ember.ones(9))),
    ("cat", lambda g, c: ember.cat([g, ember.ones(3, 3)])),
])
def test_device_mismatch_before_kernels(name, call):
    g = _fake(ember.ones(3, 3))
    c = ember.tensor([0, 2])
    with pytest.raises(RuntimeError, match=r"Expected all tensors to be on the same device, but found at least two "
                                           r"devices, (cuda:0 and cpu|cpu and cuda:0)!"):
        call(g, c)


@no_cuda
def test_index_on_other_device_than_cpu_self():
    c = ember.ones(3, 3)
    g = _fake(ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"indices should be either on cpu or on the same device as the indexed "
                                           r"tensor \(cpu\)"):
        c[g]


@no_cuda
@pytest.mark.parametrize("name,call", [
    ("index_select", lambda g, i, m: ember.index_select(g, 0, i)),
    ("gather", lambda g, i, m: ember.gather(g, 0, i.reshape(2, 1))),
    ("take", lambda g, i, m: ember.take(g, i)),
    ("nonzero", lambda g, i, m: ember.nonzero(m)),
    ("masked_select", lambda g, i, m: ember.masked_select(g, m)),
])
def test_fake_cuda_reaches_the_cuda_path(name, call):
    """All operands 'on cuda' (host memory labelled cuda:0): a CUDA build takes its CUDA path, which fails
    at the first runtime call without a driver; a CPU-only build stops at the device guard instead."""
    g, i = _fake(ember.ones(3, 3)), _fake(ember.tensor([0, 2]))
    m = _fake(ember.ones(3, 3, dtype=ember.bool))
    cpu_only = "without CUDA support" in ember._C._cuda_unavailable_reason()
    pattern = r"not implemented for 'cuda'" if cpu_only else r"CUDA error|CUDA is not available"
    with pytest.raises(RuntimeError, match=pattern):
        call(g, i, m)
