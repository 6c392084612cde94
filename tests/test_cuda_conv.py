"""Convolution, pooling and resampling on CUDA against the CPU (the reference: test_conv.py,
test_pool.py and test_resample.py check the CPU against PyTorch).

Every GPU case runs the same call on "cuda" and on "cpu", backpropagates the same upstream
gradient on both, and compares the output and every input gradient (input, weight, bias).
Without a GPU these cases are skipped; the device checks run without one in a CUDA build (on a
fake CUDA tensor, `_C._as_fake_cuda`, whose memory is never touched because the check fires first).
"""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import HAS_CUDA, needs_cuda
from cudautil import check, sample

F32_64 = [ember.float32, ember.float64]
FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]


def _tol(dtype):
    """(rtol, atol) for results that sum many products in another order than the CPU."""
    if dtype is ember.float64:
        return 1e-9, 1e-9
    if dtype is ember.float32:
        return 2e-4, 2e-4
    # 16-bit: gradients that sum several terms (overlapping windows; max-pool backward adds with
    # atomicAdd in the element type, in another order than the CPU) round differently
    if dtype is ember.float16:
        return 1e-2, 5e-2
    return 5e-2, 2.5e-1


def _leaf(t, dev):
    return t.detach().to(dev).requires_grad_(True)


def both_grad(fn, *inputs, seed=11, rtol=None, atol=None, index_out=False):
    """fn(*leaves) on cuda and on cpu (float CPU tensors in `inputs` become leaves on each device,
    other tensors are moved, anything else is passed as is); backward with the same upstream
    gradient; compares outputs and the gradient of every leaf."""
    res = {}
    for dev in ("cuda", "cpu"):
        args, leaves = [], []
        for t in inputs:
            if isinstance(t, ember.Tensor) and t.is_floating_point():
                leaf = _leaf(t, dev)
                leaves.append(leaf)
                args.append(leaf)
            elif isinstance(t, ember.Tensor):
                args.append(t.to(dev))
            else:
                args.append(t)
        out = fn(*args)
        y = out[0] if isinstance(out, tuple) else out
        y.backward(sample(tuple(y.shape), y.dtype, seed=seed).to(dev))
        res[dev] = (out, [leaf.grad for leaf in leaves])
    (out_g, grads_g), (out_c, grads_c) = res["cuda"], res["cpu"]
    if isinstance(out_c, tuple):
        check(out_g[0].detach(), out_c[0].detach(), rtol, atol)
        if index_out:
            check(out_g[1], out_c[1])
    else:
        check(out_g.detach(), out_c.detach(), rtol, atol)
    for gg, gc in zip(grads_g, grads_c):
        assert gg is not None and gc is not None
        check(gg, gc, rtol, atol)


# ---- convolution -------------------------------------------------------------------------------------
# (C_in, C_out, kernel, kwargs): general (im2col + GEMM), grouped, pointwise, depthwise and
# channel-multiplier (C/groups == 1: direct kernels).
CONV2D = [
    (4, 6, (3, 3), dict()),
    (4, 6, (3, 3), dict(stride=2, padding=1)),
    (4, 6, (3, 2), dict(padding="same", dilation=(2, 1))),
    (4, 6, (2, 3), dict(stride=(2, 3), padding=(2, 1), dilation=(1, 2))),
    (4, 6, (3, 3), dict(groups=2, padding=1)),
    (4, 8, (1, 1), dict()),                        # pointwise: no im2col
    (4, 8, (1, 1), dict(stride=2)),
    (4, 4, (3, 3), dict(groups=4, padding=1)),     # depthwise
    (4, 8, (3, 3), dict(groups=4, stride=2)),      # channel multiplier 2
    (1, 5, (3, 3), dict(padding=2, dilation=2)),   # single input channel
]


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("spec", CONV2D)
def test_conv2d(spec, bias, dtype):
    c, o, k, kw = spec
    g = kw.get("groups", 1)
    x = sample((2, c, 9, 11), dtype, seed=1)
    w = sample((o, c // g) + k, dtype, seed=2, low=-1, high=1)
    b = sample((o,), dtype, seed=3) if bias else None
    r, a = _tol(dtype)
    if bias:
        both_grad(lambda x, w, b: F.conv2d(x, w, b, **kw), x, w, b, rtol=r, atol=a)
    else:
        both_grad(lambda x, w: F.conv2d(x, w, None, **kw), x, w, rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
@pytest.mark.parametrize("groups", [1, 3, 6])
def test_conv1d_conv3d(groups, dtype):
    r, a = _tol(dtype)
    x1 = sample((3, 6, 37), dtype, seed=4)
    w1 = sample((6, 6 // groups, 4), dtype, seed=5, low=-1, high=1)
    b1 = sample((6,), dtype, seed=6)
    both_grad(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=3, dilation=2, groups=groups), x1, w1, b1,
              rtol=r, atol=a)
    both_grad(lambda x, w, b: F.conv1d(x, w, b, padding="same", groups=groups), x1, w1, b1, rtol=r, atol=a)
    x3 = sample((2, 6, 5, 6, 7), dtype, seed=7)
    w3 = sample((6, 6 // groups, 2, 3, 2), dtype, seed=8, low=-1, high=1)
    b3 = sample((6,), dtype, seed=9)
    both_grad(lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), groups=groups), x3, w3, b3,
              rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
def test_conv_noncontiguous_unbatched_and_block_sizes(dtype):
    r, a = _tol(dtype)
    w = sample((5, 3, 3, 3), dtype, seed=2, low=-1, high=1)
    # transposed spatial dims, a sliced channel dim, and an expanded (stride 0) batch
    xt = sample((2, 3, 11, 9), dtype, seed=1)
    both_grad(lambda x, w: F.conv2d(x.transpose(2, 3), w, padding=1), xt, w, rtol=r, atol=a)
    xs = sample((2, 6, 9, 9), dtype, seed=3)
    both_grad(lambda x, w: F.conv2d(x[:, ::2], w), xs, w, rtol=r, atol=a)
    xe = sample((1, 3, 8, 8), dtype, seed=4).expand(3, 3, 8, 8)   # forward only (its grad is a sum)
    check(F.conv2d(xe.cuda(), w.cuda(), stride=2), F.conv2d(xe, w, stride=2), rtol=r, atol=a)
    both_grad(lambda x, w: F.conv2d(x, w.transpose(0, 1).transpose(0, 1)), xt, w, rtol=r, atol=a)
    # unbatched input
    both_grad(lambda x, w: F.conv2d(x, w, padding=1), sample((3, 7, 6), dtype, seed=5), w, rtol=r, atol=a)
    # outputs / inputs that cross block boundaries (31, 32, 33, 1000, 4097 and 2^20+3 wide rows)
    for n in (31, 32, 33, 1000, 4097):
        both_grad(lambda x, w: F.conv1d(x, w, padding=1), sample((2, 3, n), dtype, seed=n),
                  sample((4, 3, 3), dtype, seed=n + 1, low=-1, high=1), rtol=r, atol=a)
        both_grad(lambda x, w: F.conv1d(x, w, padding=1, groups=3), sample((2, 3, n), dtype, seed=n),
                  sample((3, 1, 3), dtype, seed=n + 2, low=-1, high=1), rtol=r, atol=a)
    both_grad(lambda x, w: F.conv1d(x, w), sample((1, 2, (1 << 20) + 3), dtype, seed=9),
              sample((3, 2, 3), dtype, seed=10, low=-1, high=1), rtol=r, atol=a)


@needs_cuda
def test_conv_empty_batch():
    x = sample((0, 3, 8, 8), ember.float32)
    w = sample((4, 3, 3, 3), ember.float32, seed=1)
    b = sample((4,), ember.float32, seed=2)
    both_grad(lambda x, w, b: F.conv2d(x, w, b), x, w, b)
    both_grad(lambda x, w, b: F.conv_transpose2d(x, w.transpose(0, 1), b), x, w, b)


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
def test_conv_chunked_column_buffer(dtype, monkeypatch):
    # a 1-byte budget: one image per chunk in forward, input and weight gradients
    monkeypatch.setenv("EMBER_CUDA_CONV_COL_BYTES", "1")
    r, a = _tol(dtype)
    x = sample((5, 4, 7, 8), dtype, seed=1)
    w = sample((6, 2, 3, 3), dtype, seed=2, low=-1, high=1)
    b = sample((6,), dtype, seed=3)
    both_grad(lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), x, w, b, rtol=r, atol=a)
    both_grad(lambda x, w, b: F.conv2d(x, w, b, stride=2, groups=2), x, w, b, rtol=r, atol=a)
    wp = sample((6, 4, 1, 1), dtype, seed=4)
    both_grad(lambda x, w: F.conv2d(x, w), x, wp, rtol=r, atol=a)


TRANSPOSED = [
    (4, 6, (3, 3), dict()),
    (4, 6, (3, 3), dict(stride=2, padding=1, output_padding=1)),
    (4, 6, (2, 3), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), dilation=(1, 2))),
    (4, 6, (3, 3), dict(stride=2, groups=2)),
    (4, 4, (3, 3), dict(stride=2, groups=4, padding=1)),    # depthwise
    (4, 8, (1, 1), dict()),
]


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
@pytest.mark.parametrize("spec", TRANSPOSED)
def test_conv_transpose2d(spec, dtype):
    c, o, k, kw = spec
    g = kw.get("groups", 1)
    r, a = _tol(dtype)
    x = sample((2, c, 5, 6), dtype, seed=1)
    w = sample((c, o // g) + k, dtype, seed=2, low=-1, high=1)
    b = sample((o,), dtype, seed=3)
    both_grad(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), x, w, b, rtol=r, atol=a)
    both_grad(lambda x, w: F.conv_transpose2d(x, w, None, **kw), x, w, rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", F32_64)
def test_conv_transpose1d_3d(dtype):
    r, a = _tol(dtype)
    both_grad(lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2, dilation=2),
              sample((2, 4, 9), dtype, seed=1), sample((4, 3, 3), dtype, seed=2, low=-1, high=1),
              sample((3,), dtype, seed=3), rtol=r, atol=a)
    both_grad(lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=(1, 0, 0), groups=2),
              sample((2, 4, 3, 4, 3), dtype, seed=4), sample((4, 2, 2, 3, 2), dtype, seed=5, low=-1, high=1),
              sample((4,), dtype, seed=6), rtol=r, atol=a)


@needs_cuda
def test_conv_modules_and_double_backward():
    ember.manual_seed(0)
    m = ember.nn.Conv2d(3, 4, 3, padding=1)
    mc = ember.nn.Conv2d(3, 4, 3, padding=1)
    mc.load_state_dict(m.state_dict())
    mc = mc.cuda()
    x = sample((2, 3, 6, 7), ember.float32)
    check(mc(x.cuda()).detach(), m(x).detach(), *_tol(ember.float32))
    # second order: the gradient of (dL/dx . v) w.r.t. the weight
    v = sample((2, 3, 6, 7), ember.float32, seed=5)
    res = {}
    for dev in ("cuda", "cpu"):
        xx = _leaf(x, dev)
        w = _leaf(sample((4, 3, 3, 3), ember.float32, seed=2), dev)
        y = F.conv2d(xx, w, padding=1)
        (gx,) = ember.autograd.grad(y, xx, grad_outputs=sample(tuple(y.shape), ember.float32, seed=3).to(dev),
                                    create_graph=True)
        (gx * v.to(dev)).backward(ember.ones_like(gx))
        res[dev] = w.grad
    check(res["cuda"], res["cpu"], *_tol(ember.float32))


# ---- pooling -----------------------------------------------------------------------------------------
MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
    dict(kernel_size=2, stride=3, ceil_mode=True),
    dict(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=True),
]


def _with_nan(x):
    a = x.float().numpy().copy()
    a.reshape(-1)[5] = np.nan
    a.reshape(-1)[17] = np.inf
    return ember.tensor(a).to(x.dtype)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kw", MAX2D)
def test_max_pool2d(kw, dtype):
    r, a = _tol(dtype)
    x = sample((2, 3, 9, 10), dtype, seed=1)
    both_grad(lambda x: F.max_pool2d(x, return_indices=True, **kw), x, rtol=r, atol=a, index_out=True)
    xt = sample((2, 3, 10, 9), dtype, seed=2)
    both_grad(lambda x: F.max_pool2d(x.transpose(2, 3), **kw), xt, rtol=r, atol=a)
    xn = _with_nan(x)
    gi, ci = F.max_pool2d(xn.cuda(), return_indices=True, **kw), F.max_pool2d(xn, return_indices=True, **kw)
    check(gi, ci)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_max_pool1d_3d_unbatched_and_sizes(dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.max_pool1d(x, 4, 3, 2, dilation=2, ceil_mode=True, return_indices=True),
              sample((2, 3, 33), dtype, seed=1), rtol=r, atol=a, index_out=True)
    both_grad(lambda x: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), return_indices=True),
              sample((2, 2, 5, 7, 6), dtype, seed=2), rtol=r, atol=a, index_out=True)
    both_grad(lambda x: F.max_pool2d(x, 2), sample((3, 8, 9), dtype, seed=3), rtol=r, atol=a)   # unbatched
    for n in (1, 31, 32, 33, 1000, 4097, (1 << 20) + 3):
        both_grad(lambda x: F.max_pool1d(x, 2, 1, 1, ceil_mode=True), sample((1, 1, n), dtype, seed=n), rtol=r,
                  atol=a)


AVG = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1), divisor_override=4),
]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kw", AVG)
def test_avg_pool2d(kw, dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.avg_pool2d(x, **kw), sample((2, 3, 9, 10), dtype, seed=1), rtol=r, atol=a)
    both_grad(lambda x: F.avg_pool2d(x[:, :, ::2], **kw), sample((2, 3, 18, 10), dtype, seed=2), rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_avg_pool1d_3d(dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.avg_pool1d(x, 4, 3, 2, ceil_mode=True, count_include_pad=False),
              sample((2, 3, 33), dtype, seed=1), rtol=r, atol=a)
    both_grad(lambda x: F.avg_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), divisor_override=5),
              sample((2, 2, 5, 7, 6), dtype, seed=2), rtol=r, atol=a)
    both_grad(lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True), sample((1, 2, 6, 5, 7), dtype, seed=3),
              rtol=r, atol=a)
    for n in (31, 4097, (1 << 20) + 3):
        both_grad(lambda x: F.avg_pool1d(x, 3, 2, 1), sample((1, 1, n), dtype, seed=n), rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("size", [1, 3, (2, 5), (7, 13), (None, 4)])
def test_adaptive_pool2d(size, dtype):
    r, a = _tol(dtype)
    x = sample((2, 3, 9, 10), dtype, seed=1)
    both_grad(lambda x: F.adaptive_avg_pool2d(x, size), x, rtol=r, atol=a)
    both_grad(lambda x: F.adaptive_max_pool2d(x, size, return_indices=True), x, rtol=r, atol=a, index_out=True)
    xt = sample((2, 3, 10, 9), dtype, seed=2)
    both_grad(lambda x: F.adaptive_avg_pool2d(x.transpose(2, 3), size), xt, rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_adaptive_pool1d_3d_and_global(dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.adaptive_avg_pool1d(x, 5), sample((2, 3, 17), dtype, seed=1), rtol=r, atol=a)
    both_grad(lambda x: F.adaptive_max_pool1d(x, 5, return_indices=True), sample((2, 3, 17), dtype, seed=2),
              rtol=r, atol=a, index_out=True)
    both_grad(lambda x: F.adaptive_avg_pool3d(x, (2, 3, 4)), sample((2, 2, 5, 7, 6), dtype, seed=3), rtol=r, atol=a)
    # global average pooling: a warp per plane below 2048 elements, a block per plane from there
    for shape in ((4, 3, 1, 1), (2, 5, 7, 9), (300, 7, 7, 7), (2, 3, 1, 2047), (2, 3, 2048, 1), (2, 3, 70, 70),
                  (1, 1, 1025, 1025)):
        both_grad(lambda x: F.adaptive_avg_pool2d(x, 1), sample(shape, dtype, seed=5), rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_max_unpool(dtype):
    r, a = _tol(dtype)
    x = sample((2, 3, 8, 9), dtype, seed=1)
    yc, ic = F.max_pool2d(x, 2, return_indices=True)
    both_grad(lambda y, i: F.max_unpool2d(y, i, 2, output_size=(8, 9)), yc.detach(), ic, rtol=r, atol=a)
    y1, i1 = F.max_pool1d(sample((2, 3, 11), dtype, seed=2), 3, 2, 1, return_indices=True)
    both_grad(lambda y, i: F.max_unpool1d(y, i, 3, 2, 1), y1.detach(), i1, rtol=r, atol=a)


@needs_cuda
def test_pool_empty_batch():
    x = sample((0, 3, 6, 6), ember.float32)
    both_grad(lambda x: F.max_pool2d(x, 2), x)
    both_grad(lambda x: F.avg_pool2d(x, 2), x)
    both_grad(lambda x: F.adaptive_avg_pool2d(x, 2), x)
    both_grad(lambda x: F.adaptive_max_pool2d(x, 2), x)


# ---- resampling ----------------------------------------------------------------------------------------
INTERP = [
    dict(scale_factor=2, mode="nearest"),
    dict(size=(7, 5), mode="nearest"),
    dict(size=(7, 5), mode="nearest-exact"),
    dict(scale_factor=1.7, mode="bilinear", align_corners=False),
    dict(size=(4, 13), mode="bilinear", align_corners=True),
    dict(size=(3, 4), mode="bilinear", align_corners=False),   # downsampling
    dict(scale_factor=2, mode="bicubic", align_corners=False),
    dict(size=(5, 12), mode="bicubic", align_corners=True),
    dict(size=(4, 5), mode="area"),                             # adaptive average pooling
]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kw", INTERP)
def test_interpolate2d(kw, dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.interpolate(x, **kw), sample((2, 3, 6, 8), dtype, seed=1), rtol=r, atol=a)
    both_grad(lambda x: F.interpolate(x.transpose(2, 3), **kw), sample((2, 3, 8, 6), dtype, seed=2), rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate1d_3d(align_corners, dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.interpolate(x, size=17, mode="linear", align_corners=align_corners),
              sample((2, 3, 7), dtype, seed=1), rtol=r, atol=a)
    both_grad(lambda x: F.interpolate(x, scale_factor=(1.5, 2, 0.5), mode="trilinear", align_corners=align_corners),
              sample((2, 2, 4, 5, 6), dtype, seed=2), rtol=r, atol=a)
    both_grad(lambda x: F.interpolate(x, size=(3, 9, 4), mode="nearest"), sample((1, 2, 4, 5, 6), dtype, seed=3),
              rtol=r, atol=a)
    both_grad(lambda x: F.interpolate(x, size=4097, mode="linear", align_corners=align_corners),
              sample((1, 2, 33), dtype, seed=4), rtol=r, atol=a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_fold_unfold_and_shuffles(dtype):
    r, a = _tol(dtype)
    both_grad(lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
              sample((2, 3, 7, 8), dtype, seed=1), rtol=r, atol=a)
    cols = F.unfold(sample((2, 3, 7, 8), dtype, seed=2), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    both_grad(lambda c: F.fold(c, (7, 8), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), cols.detach(),
              rtol=r, atol=a)
    both_grad(lambda x: F.unfold(x, 3), sample((3, 9, 10), dtype, seed=3), rtol=r, atol=a)   # unbatched
    both_grad(lambda x: F.pixel_shuffle(x, 2), sample((2, 8, 3, 5), dtype, seed=4), rtol=r, atol=a)
    both_grad(lambda x: F.pixel_unshuffle(x, 2), sample((2, 2, 6, 4), dtype, seed=5), rtol=r, atol=a)
    both_grad(lambda x: F.channel_shuffle(x, 3), sample((2, 6, 3, 4), dtype, seed=6), rtol=r, atol=a)


# ---- device checks -------------------------------------------------------------------------------------
_needs_cuda_build = pytest.mark.skipif(not ember._C.has_cuda, reason="needs a CUDA build of ember")
MIXED = r"\[(\w+)\] Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"


def _gpu(t):
    """The tensor on the GPU, or (without a usable GPU) a fake CUDA view of its memory: the device
    checks below fire before any kernel could touch it."""
    if HAS_CUDA:
        return t.cuda()
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@_needs_cuda_build
def test_conv_mixed_devices():
    x, w, b = ember.randn(2, 3, 6, 6), ember.randn(4, 3, 3, 3), ember.randn(4)
    with pytest.raises(RuntimeError, match=MIXED) as e:
        F.conv2d(_gpu(x), w)
    assert "conv2d" in str(e.value)
    with pytest.raises(RuntimeError, match=MIXED):
        F.conv2d(x, _gpu(w))
    with pytest.raises(RuntimeError, match=MIXED):
        F.conv2d(_gpu(x), _gpu(w), b)
    with pytest.raises(RuntimeError, match=MIXED):
        F.conv_transpose2d(_gpu(x), ember.randn(3, 4, 3, 3))
    with pytest.raises(RuntimeError, match=MIXED):
        ember._C.conv_backward_weight(_gpu(ember.randn(2, 4, 4, 4))._t, x._t, [4, 3, 3, 3], [1, 1], [0, 0], [1, 1], 1,
                                      "conv2d")
    with pytest.raises(RuntimeError, match=MIXED):
        ember._C.conv_backward_input(_gpu(ember.randn(2, 4, 4, 4))._t, w._t, [2, 3, 6, 6], [1, 1], [0, 0], [1, 1], 1,
                                     "conv2d")


@_needs_cuda_build
def test_pool_index_mixed_devices():
    y, i = F.max_pool2d(ember.randn(2, 3, 6, 6), 2, return_indices=True)
    with pytest.raises(RuntimeError, match=MIXED) as e:
        F.max_unpool2d(_gpu(y), i, 2)
    assert "max_unpool2d" in str(e.value)
    with pytest.raises(RuntimeError, match=MIXED):
        ember._C.pool_gather(_gpu(ember.randn(2, 3, 6, 6))._t, i._t, 2)
