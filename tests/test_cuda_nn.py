"""Softmax, the losses and the normalization layers on CUDA against the CPU (the reference).

Every GPU case runs the same call on "cuda" and on "cpu" (``on_both``) and compares results and
gradients with ``cudautil.check``. Row lengths cross the kernels' switch points: the warp-per-row
kernels take rows of <= 1024 elements (1, 7, 32, 33, 1000, 1024), the block-per-row kernels
longer ones (1025, 4099); softmax over a non-last dim takes the thread-per-column kernel, or the
block kernel when there are few columns and a long dim. Without a GPU those cases skip; the tests
at the end run without one and check that the ops reach their CUDA paths in a CUDA build (fake
CUDA tensors) and refuse mixed devices there.
"""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import FLOAT_DTYPES, HAS_CUDA, needs_cuda
from cudautil import check, on_both, sample

gpu = needs_cuda
BUILT_WITH_CUDA = "without CUDA" not in ember._C._cuda_unavailable_reason()
ROWS = [1, 7, 32, 33, 1000, 1024, 1025, 4099]


def grads(fn, *tensors, gout_seed=9):
    """(cuda grads, cpu grads) of the float leaves of `tensors` for fn(*tensors).backward(g)."""
    out = []
    for dev in ("cuda", "cpu"):
        leaves = [t.detach().to(dev).requires_grad_(t.is_floating_point()) if isinstance(t, ember.Tensor) else t
                  for t in tensors]
        y = fn(*leaves)
        g = sample(tuple(y.shape), y.dtype, seed=gout_seed).to(dev)
        y.backward(g)
        out.append([t.grad for t in leaves if isinstance(t, ember.Tensor) and t.is_floating_point()])
    return out


def loss_grads(fn, *tensors):
    """(cuda grads, cpu grads) of the float leaves for a reduced (0-d) loss fn(*tensors)."""
    out = []
    for dev in ("cuda", "cpu"):
        leaves = [t.detach().to(dev).requires_grad_(t.is_floating_point()) if isinstance(t, ember.Tensor) else t
                  for t in tensors]
        y = fn(*leaves)
        if y.dim() == 0:
            y.backward()
        else:
            y.backward(sample(tuple(y.shape), y.dtype, seed=5).to(dev))
        out.append([t.grad for t in leaves if isinstance(t, ember.Tensor) and t.is_floating_point()])
    return out


def check_grads(pair, **kw):
    cuda_g, cpu_g = pair
    assert len(cuda_g) == len(cpu_g)
    for a, b in zip(cuda_g, cpu_g):
        assert (a is None) == (b is None)
        if a is not None:
            check(a, b, **kw)


# ---- softmax / log_softmax ---------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("C", ROWS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_softmax_last_dim(C, dtype, log):
    f = F.log_softmax if log else F.softmax
    x = sample((3, C), dtype, seed=C)
    check(*on_both(f, x, dim=-1))
    check_grads(grads(lambda t: f(t, dim=-1), x))


@gpu
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape,dim", [((4, 33, 5), 1), ((2, 1025, 3), 1), ((3000, 3), 0), ((5, 7, 40), 0),
                                       ((2, 3, 4, 5), 2), ((1, 1, 1), 1)])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
def test_softmax_strided_dims(shape, dim, dtype, log):
    f = F.log_softmax if log else F.softmax
    x = sample(shape, dtype, seed=len(shape))
    check(*on_both(f, x, dim=dim))
    check_grads(grads(lambda t: f(t, dim=dim), x))


@gpu
@pytest.mark.parametrize("log", [False, True])
def test_softmax_noncontiguous_and_special(log):
    f = F.log_softmax if log else F.softmax
    x = sample((40, 70), ember.float32)
    check(*on_both(lambda t: f(t.t(), dim=1), x))                # transposed
    check(*on_both(lambda t: f(t[::2, 5:], dim=-1), x))          # sliced
    check(*on_both(lambda t: f(t[:1].expand(6, 70), dim=1), x))  # expanded
    check(*on_both(lambda t: f(t, dim=0, dtype=ember.float64), x))  # dtype= casts first
    check(*on_both(f, ember.tensor(1.5), dim=0))                 # 0-d
    check(*on_both(f, ember.zeros(0, 5), dim=1))                 # empty
    inf = float("inf")
    special = ember.tensor([[0.0, -inf, 1.0], [-inf, -inf, -inf], [float("nan"), 0.0, 1.0], [1e4, -1e4, 0.0]])
    check(*on_both(f, special, dim=1))


@gpu
def test_softmax_large_rows_and_batches():
    x = sample((2100, 50), ember.float32, seed=3)    # many warp rows: several grid-stride steps
    check(*on_both(F.softmax, x, dim=1))
    y = sample((2, (1 << 20) + 3), ember.float32, seed=4)
    check(*on_both(F.log_softmax, y, dim=1))


@gpu
def test_softmax_backward_mixed_devices():
    y = F.softmax(sample((3, 4), ember.float32), dim=1)
    with pytest.raises(RuntimeError, match=r"\[softmax_backward\] Expected all tensors to be on the same device"):
        ember._C.softmax_backward(y._t, y.cuda()._t, 1, False)


# ---- cross_entropy / nll_loss --------------------------------------------------------------------------
def _targets(n, C, seed, ignore=None):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, C, size=n)
    if ignore is not None and n > 2:
        t[1] = ignore
    return ember.tensor(t.astype(np.int64))


@gpu
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("C", [1, 7, 33, 1000, 1025, 4099])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_cross_entropy_class_targets(C, dtype, reduction):
    x = sample((6, C), dtype, seed=C)
    t = _targets(6, C, C, ignore=-100)
    check(*on_both(F.cross_entropy, x, t, reduction=reduction))
    check_grads(loss_grads(lambda a, b: F.cross_entropy(a, b, reduction=reduction), x, t))


@gpu
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("C", [5, 1100])
def test_cross_entropy_options(C, reduction, weighted, ls):
    x = sample((9, C), ember.float32, seed=1)
    t = _targets(9, C, 2, ignore=3 if C > 3 else None)
    w = sample((C,), ember.float32, seed=3, positive=True) if weighted else None
    fn = lambda a, b, ww=None: F.cross_entropy(a, b, weight=ww, ignore_index=3, reduction=reduction,
                                               label_smoothing=ls)
    args = (x, t, w) if weighted else (x, t)
    check(*on_both(fn, *args))
    cuda_g, cpu_g = loss_grads(lambda a, b, *r: fn(a, b, *[ww.detach() for ww in r]), *args)
    check(cuda_g[0], cpu_g[0])


@gpu
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.bfloat16])
def test_cross_entropy_spatial_and_1d(dtype):
    x = sample((2, 5, 3, 4), dtype, seed=1)
    t = ember.tensor(np.random.default_rng(0).integers(0, 5, size=(2, 3, 4)).astype(np.int64))
    for red in ("mean", "sum", "none"):
        check(*on_both(F.cross_entropy, x, t, reduction=red, label_smoothing=0.2))
        check_grads(loss_grads(lambda a, b: F.cross_entropy(a, b, reduction=red, label_smoothing=0.2), x, t))
    x1 = sample((7,), dtype, seed=2)
    check(*on_both(F.cross_entropy, x1, ember.tensor(3)))
    check_grads(loss_grads(lambda a, b: F.cross_entropy(a, b), x1, ember.tensor(3)))
    # non-contiguous logits
    xt = sample((6, 4), dtype, seed=3)
    check(*on_both(lambda a, b: F.cross_entropy(a.t(), b), xt, _targets(4, 6, 1)))


@gpu
@pytest.mark.parametrize("ls", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("C", [4, 1500])
def test_cross_entropy_probability_targets(C, weighted, ls):
    x = sample((5, C), ember.float32, seed=1)
    p = F.softmax(sample((5, C), ember.float32, seed=2), dim=1)
    w = sample((C,), ember.float32, seed=3, positive=True) if weighted else None
    for red in ("mean", "sum", "none"):
        fn = lambda a, b: F.cross_entropy(a, b, weight=None if w is None else w.to(a.device), reduction=red,
                                          label_smoothing=ls)
        check(*on_both(fn, x, p))
        check_grads(loss_grads(fn, x, p))  # grads of the logits and of the probability target


@gpu
def test_cross_entropy_all_ignored_and_empty():
    x = sample((3, 4), ember.float32)
    t = ember.tensor([-100, -100, -100])
    check(*on_both(F.cross_entropy, x, t))            # 0 / 0 = nan, as the CPU
    check(*on_both(F.cross_entropy, x, t, reduction="sum"))
    check(*on_both(F.cross_entropy, ember.zeros(0, 4), ember.zeros(0, dtype=ember.int64), reduction="sum"))


@gpu
def test_cross_entropy_errors():
    x = sample((3, 4), ember.float32).cuda()
    with pytest.raises(IndexError, match=r"\[cross_entropy\] Target 7 is out of bounds"):
        F.cross_entropy(x, ember.tensor([0, 7, 1]).cuda())
    with pytest.raises(IndexError, match=r"\[nll_loss\] Target -2 is out of bounds"):
        F.nll_loss(x, ember.tensor([0, -2, 1]).cuda())
    with pytest.raises(RuntimeError, match=r"\[cross_entropy\] Expected all tensors to be on the same device"):
        F.cross_entropy(x, ember.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match=r"\[cross_entropy\] Expected all tensors to be on the same device"):
        F.cross_entropy(x, ember.tensor([0, 1, 1]).cuda(), weight=ember.ones(4))
    ember.cuda.synchronize()  # the process stays usable after the errors
    check(F.cross_entropy(x, ember.tensor([0, 1, 1]).cuda()), F.cross_entropy(x.cpu(), ember.tensor([0, 1, 1])))


@gpu
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_nll_loss(dtype, reduction, weighted):
    x = F.log_softmax(sample((8, 6), ember.float32, seed=1), dim=1).to(dtype)
    t = _targets(8, 6, 4, ignore=2)
    w = sample((6,), ember.float32, seed=3, positive=True) if weighted else None
    fn = lambda a, b: F.nll_loss(a, b, weight=None if w is None else w.to(a.device), ignore_index=2,
                                 reduction=reduction)
    check(*on_both(fn, x, t))
    check_grads(loss_grads(fn, x, t))
    xs = sample((2, 3, 5), dtype, seed=2)  # spatial
    ts = ember.tensor(np.random.default_rng(1).integers(0, 3, size=(2, 5)).astype(np.int64))
    fs = lambda a, b: F.nll_loss(a, b, reduction=reduction)
    check(*on_both(fs, xs, ts))
    check_grads(loss_grads(fs, xs, ts))


# ---- binary cross-entropies ------------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_binary_cross_entropy(dtype, reduction, weighted):
    x = sample((4, 33), dtype, seed=1, low=0.01, high=0.99)
    t = sample((4, 33), dtype, seed=2, low=0.0, high=1.0)
    w = sample((33,), dtype, seed=3, positive=True) if weighted else None
    fn = lambda a, b: F.binary_cross_entropy(a, b, weight=None if w is None else w.to(a.device), reduction=reduction)
    check(*on_both(fn, x, t))
    check_grads(loss_grads(fn, x, t))  # input and target grads


@gpu
def test_binary_cross_entropy_range_error():
    x = ember.tensor([0.5, 1.5]).cuda()
    with pytest.raises(RuntimeError, match=r"\[binary_cross_entropy\] all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(x, ember.tensor([1.0, 0.0]).cuda())


@gpu
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_bce_with_logits(dtype, reduction, options):
    x = sample((5, 17), dtype, seed=1, low=-20, high=20)
    t = sample((5, 17), dtype, seed=2, low=0.0, high=1.0)
    w = sample((17,), dtype, seed=3, positive=True) if options in ("weight", "both") else None
    pw = sample((17,), dtype, seed=4, positive=True) if options in ("pos_weight", "both") else None
    dev = lambda v, a: None if v is None else v.to(a.device)
    fn = lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=dev(w, a), pos_weight=dev(pw, a),
                                                         reduction=reduction)
    check(*on_both(fn, x, t))
    check_grads(loss_grads(fn, x, t))


# ---- huber / smooth_l1 -------------------------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("kind", ["huber", "smooth_l1"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_huber_smooth_l1(kind, reduction, dtype):
    p = 0.7
    fn = (lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=p)) if kind == "huber" else \
         (lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=p))
    for shape in [(3, 7), (1000,), (4097,), ((1 << 20) + 3,)]:
        x, t = sample(shape, dtype, seed=1), sample(shape, dtype, seed=2)
        check(*on_both(fn, x, t))
    x, t = sample((6, 5), dtype, seed=1), sample((6, 5), dtype, seed=2)
    check_grads(loss_grads(fn, x, t))
    check(*on_both(lambda a, b: fn(a.t(), b.t()[:1].expand(5, 6)), x, t))  # non-contiguous, expanded target
    check(*on_both(fn, ember.zeros(0), ember.zeros(0)))  # empty: mean is nan, sum 0
    half_cpu = ember.tensor(0.5, dtype=dtype)  # a 0-d CPU target joins a CUDA input
    check(fn(x.cuda(), half_cpu), fn(x, half_cpu))


# ---- layer_norm / rms_norm ---------------------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
@pytest.mark.parametrize("D", ROWS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_layer_norm(D, dtype, affine):
    x = sample((5, D), dtype, seed=D)
    w = sample((D,), dtype, seed=1) if affine != "none" else None
    b = sample((D,), dtype, seed=2) if affine == "both" else None
    args = [x] + [v for v in (w, b) if v is not None]

    def fn(a, *p):
        ww = p[0] if len(p) > 0 else None
        bb = p[1] if len(p) > 1 else None
        return F.layer_norm(a, (D,), ww, bb, eps=1e-5)
    check(*on_both(fn, *args))
    check_grads(grads(fn, *args))


@gpu
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
def test_layer_norm_shapes(dtype):
    x = sample((3, 4, 6, 5), dtype, seed=1)
    w, b = sample((6, 5), dtype, seed=2), sample((6, 5), dtype, seed=3)
    fn = lambda a, ww, bb: F.layer_norm(a, (6, 5), ww, bb)
    check(*on_both(fn, x, w, b))
    check_grads(grads(fn, x, w, b))
    check(*on_both(lambda a: F.layer_norm(a.transpose(0, 3), (3,)), x))  # non-contiguous input
    check_grads(grads(lambda a: F.layer_norm(a.transpose(0, 3), (3,)), x))
    big = sample((2100, 64), dtype, seed=4)  # many rows: several chunks of the dweight/dbias sums
    wb = sample((64,), dtype, seed=5)
    check_grads(grads(lambda a, ww: F.layer_norm(a, (64,), ww), big, wb))
    e = ember.zeros(0, 8, dtype=dtype)      # no rows: zero dweight/dbias
    check_grads(grads(lambda a, ww, bb: F.layer_norm(a, (8,), ww, bb), e, sample((8,), dtype), sample((8,), dtype)))


@gpu
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("D", [1, 33, 1024, 1025, 4099])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_rms_norm(D, dtype, weighted):
    x = sample((4, D), dtype, seed=D)
    w = sample((D,), dtype, seed=1) if weighted else None
    fn = (lambda a, ww: F.rms_norm(a, (D,), ww, eps=1e-6)) if weighted else (lambda a: F.rms_norm(a, (D,)))
    args = (x, w) if weighted else (x,)
    check(*on_both(fn, *args))
    check_grads(grads(fn, *args))


# ---- group_norm ------------------------------------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("shape,G", [((2, 6, 5, 4), 3), ((3, 4, 7), 1), ((2, 8), 8), ((1, 32, 40, 40), 4),
                                     ((2, 4, 1100), 2), ((1, 8, 100, 100), 2)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_group_norm(shape, G, affine, dtype):
    C = shape[1]
    x = sample(shape, dtype, seed=C)
    if affine:
        w, b = sample((C,), dtype, seed=1), sample((C,), dtype, seed=2)
        fn = lambda a, ww, bb: F.group_norm(a, G, ww, bb, eps=1e-5)
        args = (x, w, b)
    else:
        fn = lambda a: F.group_norm(a, G)
        args = (x,)
    check(*on_both(fn, *args))
    check_grads(grads(fn, *args))


@gpu
def test_instance_norm_input_stats():
    x = sample((2, 3, 6, 5), ember.float32)
    w, b = sample((3,), ember.float32, seed=1), sample((3,), ember.float32, seed=2)
    fn = lambda a, ww, bb: F.instance_norm(a, weight=ww, bias=bb)
    check(*on_both(fn, x, w, b))
    check_grads(grads(fn, x, w, b))


# ---- batch_norm ---------------------------------------------------------------------------------------------------------
@gpu
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 7), (3, 4, 5, 6), (2, 2, 70, 70)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_batch_norm_training(shape, affine, dtype):
    C = shape[1]
    x = sample(shape, dtype, seed=C)
    outs = []
    for dev in ("cuda", "cpu"):
        rm = sample((C,), ember.float32, seed=7).to(dev)
        rv = sample((C,), ember.float32, seed=8, positive=True).to(dev)
        xd = x.to(dev)
        w = sample((C,), dtype, seed=1).to(dev) if affine else None
        b = sample((C,), dtype, seed=2).to(dev) if affine else None
        y = F.batch_norm(xd, rm, rv, w, b, training=True, momentum=0.2, eps=1e-5)
        outs.append((y, rm, rv))
    for g, c in zip(*outs):
        check(g, c)
    if affine:
        fn = lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True)
        check_grads(grads(fn, x, sample((C,), dtype, seed=1), sample((C,), dtype, seed=2)))
    else:
        check_grads(grads(lambda a: F.batch_norm(a, None, None, training=True), x))


@gpu
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_batch_norm_eval(dtype):
    C = 4
    x = sample((3, C, 5), dtype, seed=1)
    rm = sample((C,), ember.float32, seed=7)
    rv = sample((C,), ember.float32, seed=8, positive=True)
    w, b = sample((C,), dtype, seed=1), sample((C,), dtype, seed=2)
    fn = lambda a, ww, bb: F.batch_norm(a, rm.to(a.device), rv.to(a.device), ww, bb, training=False)
    check(*on_both(fn, x, w, b))
    check_grads(grads(fn, x, w, b))
    check(*on_both(lambda a: F.batch_norm(a.transpose(0, 2), rm.to(a.device), rv.to(a.device)), x))


@gpu
def test_norm_mixed_devices():
    x = sample((3, 4), ember.float32).cuda()
    with pytest.raises(RuntimeError, match=r"\[layer_norm\] Expected all tensors to be on the same device"):
        F.layer_norm(x, (4,), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"\[batch_norm\] Expected all tensors to be on the same device"):
        F.batch_norm(x, ember.zeros(4), ember.ones(4), training=True)


# ---- without a GPU: the CUDA paths are reached (CUDA build) -------------------------------------------------------
# _C._as_fake_cuda labels a CPU buffer as cuda:0. In a CUDA build without a usable GPU an op that
# reaches its CUDA path fails at its first CUDA call (not with the device guard's "not implemented
# for 'cuda'"), and mixed devices are refused before any CUDA call. Only without a GPU: with one,
# the kernels would run on host memory.
no_gpu = pytest.mark.skipif(HAS_CUDA, reason="checks the behaviour without a usable GPU")
cuda_build = pytest.mark.skipif(not BUILT_WITH_CUDA, reason="ember was built without CUDA support")


def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


FAKE_CALLS = [
    ("softmax", lambda g: F.softmax(g, dim=1)),
    ("log_softmax", lambda g: F.log_softmax(g, dim=0)),
    ("cross_entropy", lambda g: F.cross_entropy(g, _fake(ember.tensor([0, 1, 2])))),
    ("nll_loss", lambda g: F.nll_loss(g, _fake(ember.tensor([0, 1, 2])))),
    ("binary_cross_entropy_with_logits", lambda g: F.binary_cross_entropy_with_logits(g, g)),
    ("huber_loss", lambda g: F.huber_loss(g, g)),
    ("smooth_l1_loss", lambda g: F.smooth_l1_loss(g, ember.tensor(0.5))),
    ("layer_norm", lambda g: F.layer_norm(g, (3,))),
    ("rms_norm", lambda g: F.rms_norm(g, (3,))),
    ("group_norm", lambda g: F.group_norm(g, 3)),
    ("batch_norm", lambda g: F.batch_norm(g, None, None, training=True)),
]


@no_gpu
@cuda_build
@pytest.mark.parametrize("name,call", FAKE_CALLS, ids=[n for n, _ in FAKE_CALLS])
def test_fake_cuda_reaches_cuda_path(name, call):
    g = _fake(ember.ones(3, 3))
    with pytest.raises(RuntimeError) as e:
        call(g)
    msg = str(e.value)
    assert "not implemented for 'cuda'" not in msg and "only CPU tensors" not in msg, msg
    assert "CUDA" in msg, msg


@no_gpu
@cuda_build
def test_fake_cuda_mixed_devices_refused():
    g = _fake(ember.ones(3, 3))
    same = r"Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=r"^\[cross_entropy\] " + same):
        F.cross_entropy(g, ember.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"^\[nll_loss\] " + same):
        F.nll_loss(g, _fake(ember.tensor([0, 1, 2])), weight=ember.ones(3))
    with pytest.raises(RuntimeError, match=r"^\[layer_norm\] " + same):
        F.layer_norm(g, (3,), ember.ones(3))
    with pytest.raises(RuntimeError, match=r"^\[group_norm\] " + same):
        F.group_norm(g, 3, ember.ones(3))
    with pytest.raises(RuntimeError, match=r"^\[batch_norm\] " + same):
        F.batch_norm(g, ember.zeros(3), ember.ones(3), training=True)
    with pytest.raises(RuntimeError, match=r"^\[huber_loss\] " + same):
        F.huber_loss(g, ember.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"^\[binary_cross_entropy\] " + same):
        F.binary_cross_entropy(g, ember.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"^\[softmax_backward\] Expected all tensors to be on the same device"):
        ember._C.softmax_backward(g._t, ember.ones(3, 3)._t, 1, False)


@no_gpu
@pytest.mark.skipif(BUILT_WITH_CUDA, reason="the CPU-only build's behaviour")
@pytest.mark.parametrize("name,call", FAKE_CALLS, ids=[n for n, _ in FAKE_CALLS])
def test_fake_cuda_refused_in_cpu_build(name, call):
    g = _fake(ember.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"^\[\w+\] (not implemented for 'cuda'|.*cuda:0)"):
        call(g)
