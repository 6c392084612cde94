"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d forward, every gradient (gradcheck in
float64 + PyTorch), double backward, fast vs reference kernels, modules, and bad input."""
import math

import numpy as np
import pytest

import ember
from conftest import needs_torch
from gradutil import grad_case

try:
    import torch
except ImportError:
    torch = None


def rnd(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed + len(shape) * 7 + sum(shape)).standard_normal(shape))


def F(m):
    return m.nn.functional


# ---- conv forward + all gradients (gradcheck + PyTorch) ----------------------------------------------
CONV_CASES = [
    # (nsp, N, C, O, spatial, k, kwargs)
    (1, 2, 3, 4, (9,), (3,), {}),
    (1, 2, 3, 4, (9,), (3,), dict(stride=2, padding=1)),
    (1, 2, 4, 6, (10,), (3,), dict(groups=2, dilation=2, padding=2)),
    (1, 3, 1, 5, (12,), (3,), dict(stride=2)),                       # the book's shape, shrunk
    (1, 2, 3, 4, (8,), (4,), dict(padding="same")),                 # even kernel: asymmetric pad
    (1, 2, 3, 4, (8,), (3,), dict(padding="valid")),
    (1, 1, 2, 2, (5,), (2,), dict(stride=4)),                       # stride > kernel
    (2, 2, 3, 4, (6, 5), (3, 3), {}),
    (2, 2, 3, 4, (6, 7), (3, 2), dict(stride=(2, 1), padding=(1, 2))),
    (2, 1, 4, 4, (5, 5), (3, 3), dict(groups=4, padding=1)),        # depthwise
    (2, 2, 4, 8, (5, 6), (3, 3), dict(groups=4, stride=2, padding=1)),  # depthwise, multiplier 2
    (2, 2, 4, 6, (6, 6), (2, 3), dict(groups=2, dilation=(2, 1), padding=(1, 1))),
    (2, 2, 3, 5, (4, 5), (1, 1), {}),                               # 1x1 as GEMM
    (2, 2, 4, 6, (4, 5), (1, 1), dict(groups=2)),
    (2, 2, 3, 4, (5, 5), (1, 1), dict(stride=2)),
    (2, 2, 3, 4, (6, 6), (4, 2), dict(padding="same", dilation=(1, 2))),
    (3, 2, 2, 3, (4, 5, 4), (2, 3, 2), {}),
    (3, 1, 2, 4, (5, 4, 5), (3, 2, 3), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)),
]


def _conv_fn(nsp):
    return f"conv{nsp}d"


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv_grads(case, bias):
    nsp, N, C, O, sp, k, kw = case
    groups = kw.get("groups", 1)
    x, w = rnd(N, C, *sp), rnd(O, C // groups, *k, seed=1)
    name = _conv_fn(nsp)
    if bias:
        b = rnd(O, seed=2)
        grad_case(lambda m, x, w, b: getattr(F(m), name)(x, w, b, **kw), x, w, b)
    else:
        grad_case(lambda m, x, w: getattr(F(m), name)(x, w, **kw), x, w)


@needs_torch
@pytest.mark.parametrize("nsp", [1, 2])
def test_conv_gradgrad(nsp):
    sp, k = ((7,), (3,)) if nsp == 1 else ((5, 4), (3, 2))
    x, w, b = rnd(2, 4, *sp), rnd(4, 2, *k, seed=1), rnd(4, seed=2)
    grad_case(lambda m, x, w, b: getattr(F(m), _conv_fn(nsp))(x, w, b, stride=2, padding=1, groups=2),
              x, w, b, gradgrad=True)
    grad_case(lambda m, x, w: getattr(F(m), _conv_fn(nsp))(x, w, padding="same", dilation=2), x,
              rnd(3, 4, *k, seed=3), gradgrad=True)


@needs_torch
def test_conv_gradgrad_depthwise_and_3d():
    grad_case(lambda m, x, w: F(m).conv2d(x, w, groups=3, padding=1), rnd(1, 3, 4, 4), rnd(6, 1, 3, 3, seed=1),
              gradgrad=True)
    grad_case(lambda m, x, w: F(m).conv3d(x, w, stride=(1, 2, 1)), rnd(1, 2, 3, 4, 3), rnd(2, 2, 2, 2, 2, seed=1),
              gradgrad=True)


# ---- conv_transpose ------------------------------------------------------------------------------------
TRANSPOSE_CASES = [
    (1, 2, 3, 4, (6,), (3,), {}),
    (1, 2, 4, 6, (5,), (3,), dict(stride=2, padding=1, output_padding=1, groups=2)),
    (1, 2, 2, 3, (5,), (2,), dict(stride=3, dilation=2, output_padding=1)),
    (2, 2, 3, 4, (4, 5), (3, 3), dict(stride=2, padding=1, output_padding=1)),
    (2, 1, 4, 4, (4, 4), (3, 2), dict(groups=4, stride=(1, 2), dilation=(2, 1))),
    (2, 2, 4, 2, (3, 3), (1, 1), dict(groups=2)),
    (1, 2, 2, 4, (5,), (3,), dict(groups=2, dilation=2, output_padding=1)),  # depthwise; backward crops
    (2, 1, 3, 3, (4, 3), (3, 2), dict(groups=3, dilation=(2, 3), output_padding=(1, 2), padding=(1, 0))),
    (3, 1, 2, 3, (3, 4, 3), (2, 3, 2), dict(stride=(2, 1, 2), padding=(0, 1, 1), output_padding=(1, 0, 0))),
]


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=[str(i) for i in range(len(TRANSPOSE_CASES))])
def test_conv_transpose_grads(case, bias):
    nsp, N, C, O, sp, k, kw = case
    groups = kw.get("groups", 1)
    x, w = rnd(N, C, *sp), rnd(C, O // groups, *k, seed=1)
    name = f"conv_transpose{nsp}d"
    if bias:
        grad_case(lambda m, x, w, b: getattr(F(m), name)(x, w, b, **kw), x, w, rnd(O, seed=2))
    else:
        grad_case(lambda m, x, w: getattr(F(m), name)(x, w, **kw), x, w)


@needs_torch
def test_conv_transpose_gradgrad():
    grad_case(lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
              rnd(2, 3, 5), rnd(3, 2, 3, seed=1), rnd(2, seed=2), gradgrad=True)
    grad_case(lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2, groups=2), rnd(1, 4, 3, 3),
              rnd(4, 1, 2, 3, seed=1), gradgrad=True)


# ---- layouts and shapes ----------------------------------------------------------------------------------
@needs_torch
def test_noncontiguous_and_channels_last_inputs():
    x = rnd(2, 5, 6, 3).permute(0, 3, 1, 2)          # (2, 3, 5, 6) channels-last strides
    w = rnd(4, 3, 3, 3, seed=1).transpose(2, 3)      # non-contiguous weight
    grad_case(lambda m, x, w: F(m).conv2d(x, w, padding=1), x, w)
    xs = rnd(2, 3, 12)[:, :, ::2]                     # stepped view
    grad_case(lambda m, x, w: F(m).conv1d(x, w, stride=2), xs, rnd(4, 3, 2, seed=2))


@needs_torch
def test_unbatched_input():
    grad_case(lambda m, x, w, b: F(m).conv1d(x, w, b, padding=1), rnd(3, 7), rnd(4, 3, 3, seed=1), rnd(4, seed=2))
    grad_case(lambda m, x, w: F(m).conv2d(x, w), rnd(2, 4, 4), rnd(3, 2, 2, 2, seed=1))
    grad_case(lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2), rnd(2, 3, 3), rnd(2, 3, 2, 2, seed=1))


@needs_torch
def test_empty_batch():
    x = ember.zeros(0, 3, 5, 5)
    w = rnd(4, 3, 3, 3).float()
    y = ember.nn.functional.conv2d(x, w, padding=1)
    assert tuple(y.shape) == (0, 4, 5, 5)
    xt = torch.zeros(0, 3, 5, 5, requires_grad=True)
    wt = torch.from_numpy(w.numpy()).requires_grad_()
    torch.nn.functional.conv2d(xt, wt, padding=1).sum().backward()
    xe = x.clone().requires_grad_()
    we = w.clone().requires_grad_()
    ember.nn.functional.conv2d(xe, we, padding=1).sum().backward()
    np.testing.assert_array_equal(we.grad.numpy(), wt.grad.numpy())
    assert tuple(xe.grad.shape) == (0, 3, 5, 5)


@needs_torch
def test_grad_fn_name():
    x = rnd(1, 2, 5).float().requires_grad_()
    y = ember.nn.functional.conv1d(x, rnd(3, 2, 3).float())
    assert y.grad_fn.name() == "ConvolutionBackward0"
    y = ember.nn.functional.conv_transpose1d(x, rnd(2, 3, 3).float())
    assert y.grad_fn.name() == "ConvolutionBackward0"


# ---- fast kernels vs reference kernels, float32, random shapes ------------------------------------------------
def _run_all(fn, x, w, kw):
    xe = x.clone().requires_grad_()
    we = w.clone().requires_grad_()
    y = fn(xe, we, **kw)
    g = ember.tensor(np.random.default_rng(5).standard_normal(tuple(y.shape)).astype(np.float32))
    y.backward(g)
    return y.detach().numpy(), xe.grad.numpy(), we.grad.numpy()


@pytest.mark.parametrize("seed", range(12))
def test_fast_vs_reference(seed):
    r = np.random.default_rng(100 + seed)
    nsp = int(r.integers(1, 4))
    groups = int(r.choice([1, 1, 2, 3]))
    depthwise = r.random() < 0.25
    cg = 1 if depthwise else int(r.integers(1, 5))
    C, og = cg * groups, int(r.integers(1, 5))
    k = [int(r.integers(1, 4)) for _ in range(nsp)]
    st = [int(r.integers(1, 3)) for _ in range(nsp)]
    dl = [int(r.integers(1, 3)) for _ in range(nsp)]
    pd = [int(r.integers(0, 3)) for _ in range(nsp)]
    sp = [int(r.integers(dl[i] * (k[i] - 1) + 1, 9 if nsp < 3 else 6)) for i in range(nsp)]
    N = int(r.integers(1, 5))
    x = ember.tensor(r.standard_normal([N, C] + sp).astype(np.float32))
    transposed = r.random() < 0.3
    if transposed:
        w = ember.tensor(r.standard_normal([C, og] + k).astype(np.float32))
        op = [min(st[i], dl[i]) - 1 if max(st[i], dl[i]) > 1 else 0 for i in range(nsp)]
        fn = getattr(ember.nn.functional, f"conv_transpose{nsp}d")
        kw = dict(stride=st, padding=[0] * nsp, output_padding=op, dilation=dl, groups=groups)
    else:
        w = ember.tensor(r.standard_normal([og * groups, cg] + k).astype(np.float32))
        fn = getattr(ember.nn.functional, f"conv{nsp}d")
        kw = dict(stride=st, padding=pd, dilation=dl, groups=groups)
    ember.set_kernels("fast")
    fast = _run_all(fn, x, w, kw)
    ember.set_kernels("reference")
    ref = _run_all(fn, x, w, kw)
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("shape", [
    (4, 16, 32, (10, 10), 3, 1, 1),   # implicit GEMM, one tile
    (2, 64, 64, (24, 24), 3, 1, 1),   # K * P over the tile budget: several column tiles
    (3, 32, 32, (9, 9), 3, 2, 32),    # depthwise, strided
    (1, 48, 24, (7, 7), 1, 1, 1),     # 1x1
    (6, 32, 40, (6, 6), 1, 1, 1),     # 1x1, several images per GEMM block
    (8, 64, 32, (4, 4), 3, 1, 2),     # small images grouped into one block, groups
])
def test_larger_float32_vs_torch(shape):
    N, C, O, sp, k, s, g = shape
    r = np.random.default_rng(1)
    x = r.standard_normal((N, C) + sp).astype(np.float32)
    w = (r.standard_normal((O, C // g, k, k)) / math.sqrt(C // g * k * k)).astype(np.float32)
    gy = r.standard_normal((N, O, (sp[0] + 2 * (k // 2) - k) // s + 1, (sp[1] + 2 * (k // 2) - k) // s + 1))
    gy = gy.astype(np.float32)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, stride=s, padding=k // 2, groups=g)
    yt.backward(torch.tensor(gy))
    xe, we = ember.tensor(x).requires_grad_(), ember.tensor(w).requires_grad_()
    ye = ember.nn.functional.conv2d(xe, we, stride=s, padding=k // 2, groups=g)
    ye.backward(ember.tensor(gy))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-3, atol=1e-3)


# ---- the dedicated fast paths: Winograd F(2x2,3x3) and the register-blocked depthwise forward -------------
def _torch_vs_ember_conv(x, w, b, gy, kw, tol_y=1e-4, tol_w=1e-3, noncontig=False):
    """Forward, input and weight (and bias) gradients of ember's conv2d against torch's."""
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if b is not None else None
    yt = torch.nn.functional.conv2d(xt, wt, bt, **kw)
    yt.backward(torch.tensor(gy))
    if noncontig:  # same values, transposed storage
        xe = ember.tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2))).transpose(2, 3).detach().requires_grad_()
    else:
        xe = ember.tensor(x).requires_grad_()
    we = ember.tensor(w).requires_grad_()
    be = ember.tensor(b).requires_grad_() if b is not None else None
    ye = ember.nn.functional.conv2d(xe, we, be, **kw)
    assert ye.shape == tuple(yt.shape)
    ye.backward(ember.tensor(gy))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=tol_y, atol=tol_y)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=tol_y, atol=tol_y)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=tol_w, atol=tol_w)
    if b is not None:
        np.testing.assert_allclose(be.grad.numpy(), bt.grad.numpy(), rtol=tol_w, atol=tol_w)


@needs_torch
@pytest.mark.parametrize("N,C,O,H,W,p,bias,nc", [
    (2, 16, 16, 8, 8, 1, True, False),     # even sizes, one tile block
    (3, 17, 19, 7, 9, 1, True, False),     # odd sizes: partial edge tiles in both dims
    (1, 16, 32, 5, 5, 0, False, False),    # no padding
    (2, 32, 16, 6, 11, 2, True, True),     # padding 2 (input grad runs with padding 0), non-contiguous
    (1, 24, 16, 3, 3, 1, False, False),    # one output tile row
    (2, 20, 24, 1, 4, 2, True, False),     # a single input row
    (5, 16, 16, 2, 2, 1, True, False),     # several tiny images in one block
    (2, 16, 40, 33, 31, 1, True, False),   # several tile blocks per image
])
@pytest.mark.parametrize("threads", [1, 2])
def test_winograd_3x3_matches_torch(N, C, O, H, W, p, bias, nc, threads):
    """float32 3x3 stride-1 ungrouped convs with >= 16 channels run Winograd F(2x2,3x3) (forward,
    input gradient as the flipped-kernel forward, weight gradient in the transformed domain)."""
    r = np.random.default_rng(N * 1000 + C + H)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = (r.standard_normal((O, C, 3, 3)) / math.sqrt(C * 9)).astype(np.float32)
    b = r.standard_normal(O).astype(np.float32) if bias else None
    gy = r.standard_normal((N, O, H + 2 * p - 2, W + 2 * p - 2)).astype(np.float32)
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        _torch_vs_ember_conv(x, w, b, gy, dict(padding=p), noncontig=nc)
    finally:
        ember.set_num_threads(old)


@needs_torch
@pytest.mark.parametrize("H,W,p", [(35, 37, 1), (9, 40, 0), (6, 17, 2)])
def test_stride2_packing_matches_torch(H, W, p):
    """float32 stride-2 convs pack patch rows with the AVX2 even-column gather (vector loads must
    stay inside the input plane: the last row and column are part of the cases)."""
    r = np.random.default_rng(H * W)
    x = r.standard_normal((2, 5, H, W)).astype(np.float32)
    w = (r.standard_normal((6, 5, 3, 3)) / 6).astype(np.float32)
    b = r.standard_normal(6).astype(np.float32)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=2, padding=p)
    gy = r.standard_normal(tuple(yt.shape)).astype(np.float32)
    _torch_vs_ember_conv(x, w, b, gy, dict(stride=2, padding=p))


def test_winograd_weight_grad_deterministic():
    """Per-thread partial sums are combined in a fixed order: repeated runs are bitwise equal."""
    from ember._tensor import _wrap
    r = np.random.default_rng(3)
    x = ember.tensor(r.standard_normal((8, 16, 12, 12)).astype(np.float32))
    gy = ember.tensor(r.standard_normal((8, 32, 12, 12)).astype(np.float32))
    old = ember.get_num_threads()
    ember.set_num_threads(2)
    try:
        outs = [_wrap(ember._C.conv_backward_weight(gy._t, x._t, [32, 16, 3, 3], [1, 1], [1, 1], [1, 1], 1,
                                                    "conv2d")).numpy() for _ in range(3)]
    finally:
        ember.set_num_threads(old)
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])


@needs_torch
@pytest.mark.parametrize("N,C,O,H,W", [(4, 64, 64, 4, 4), (3, 48, 40, 5, 3)])
def test_winograd_weight_grad_xi_split(N, C, O, H, W):
    """Deep layers on tiny images with several threads transform every tile at once and split the
    16 transformed-domain GEMMs over threads (no per-thread partials): the result matches torch
    and is bitwise the same at 2 and 3 threads (each dU[xi] is one GEMM over all tiles)."""
    from ember._tensor import _wrap
    r = np.random.default_rng(N + C + H)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    gy = r.standard_normal((N, O, H, W)).astype(np.float32)
    ref = torch.nn.grad.conv2d_weight(torch.tensor(x, dtype=torch.float64), (O, C, 3, 3),
                                      torch.tensor(gy, dtype=torch.float64), padding=1).numpy()
    old = ember.get_num_threads()
    res = {}
    try:
        for t in (1, 2, 3):
            ember.set_num_threads(t)
            res[t] = _wrap(ember._C.conv_backward_weight(ember.tensor(gy)._t, ember.tensor(x)._t, [O, C, 3, 3], [1, 1],
                                                         [1, 1], [1, 1], 1, "conv2d")).numpy()
    finally:
        ember.set_num_threads(old)
    np.testing.assert_array_equal(res[2], res[3])
    for t in (1, 2):
        np.testing.assert_allclose(res[t], ref, rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("N,C,O,H,W,k,s,p,threads", [
    (3, 3, 64, 12, 10, 3, 1, 1, 1),    # first layer: K = 27 < O = 64
    (3, 3, 64, 12, 10, 3, 1, 1, 2),
    (2, 2, 20, 9, 13, 3, 2, 0, 2),     # stride 2, K = 18 < 20
    (4, 1, 8, 7, 6, (1, 5), 1, (0, 2), 1),  # C = 1 runs the direct kernels (not this path): K = 5 < 8
])
def test_weight_grad_few_patch_rows(N, C, O, H, W, k, s, p, threads):
    """Implicit-GEMM weight gradients with fewer patch rows than output channels (K < O) accumulate
    the transposed gradient; forward, input and weight gradients still match torch."""
    r = np.random.default_rng(N + C + O + H)
    kk = k if isinstance(k, tuple) else (k, k)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = (r.standard_normal((O, C) + kk) / math.sqrt(C * kk[0] * kk[1])).astype(np.float32)
    b = r.standard_normal(O).astype(np.float32)
    kw = dict(stride=s, padding=p)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kw)
    gy = r.standard_normal(tuple(yt.shape)).astype(np.float32)
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        _torch_vs_ember_conv(x, w, b, gy, kw)
    finally:
        ember.set_num_threads(old)


@needs_torch
@pytest.mark.parametrize("shape", [(32, 64, 32, 32), (3, 5, 7, 3), (2, 4, 19)])
def test_bias_grad_parallel_lanes(shape):
    """The bias gradient sums each plane in 16 fixed lanes, parallel over channels: same bits at 1 and
    2 threads, and close to a float64 sum (odd plane sizes exercise the lane tail)."""
    from ember._tensor import _wrap
    gy = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    old = ember.get_num_threads()
    res = []
    try:
        for t in (1, 2):
            ember.set_num_threads(t)
            res.append(_wrap(ember._C.conv_backward_bias(ember.tensor(gy)._t, "conv2d")).numpy())
    finally:
        ember.set_num_threads(old)
    np.testing.assert_array_equal(res[0], res[1])
    ref = gy.astype(np.float64).sum(axis=tuple(i for i in range(len(shape)) if i != 1))
    np.testing.assert_allclose(res[0], ref, rtol=1e-5, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("N,C,O,H,W,k,s,p,d", [
    (2, 15, 7, 9, 11, 3, 2, 1, 1),     # O not a multiple of 6, pixels not a multiple of 16
    (2, 16, 20, 17, 33, 3, 2, 1, 1),   # panels spanning two output rows, vector gather rows
    (2, 6, 13, 8, 19, 5, 2, 2, 1),     # 5x5 kernel
    (1, 16, 6, 9, 9, 3, 2, 0, 2),      # dilation
    (2, 32, 9, 6, 5, 2, 3, 1, 1),      # stride 3, even kernel
    (2, 160, 6, 6, 6, 1, 2, 0, 1),     # 1x1 stride 2, several rows per panel
    (1, 16, 30, 10, 12, 3, (2, 1), 1, 1),  # stride only along H
])
def test_strided_microkernel_forward_matches_torch(N, C, O, H, W, k, s, p, d):
    """float32 strided ungrouped convs (K = C*kh*kw >= 128) run the 6x16 conv micro-kernel forward and
    weight gradient (the input gradient stays on the implicit GEMM)."""
    r = np.random.default_rng(N + C + O + H + W)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = (r.standard_normal((O, C, k, k)) / math.sqrt(C * k * k)).astype(np.float32)
    b = r.standard_normal(O).astype(np.float32)
    kw = dict(stride=s, padding=p, dilation=d)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kw)
    gy = r.standard_normal(tuple(yt.shape)).astype(np.float32)
    _torch_vs_ember_conv(x, w, b, gy, kw, noncontig=(N == 1))


def test_strided_microkernel_two_threads_deterministic():
    r = np.random.default_rng(11)
    x = r.standard_normal((6, 16, 13, 15)).astype(np.float32)
    w = (r.standard_normal((10, 16, 3, 3)) / 12).astype(np.float32)
    gy = r.standard_normal((6, 10, 7, 8)).astype(np.float32)
    old = ember.get_num_threads()
    try:
        res = []
        for t in (1, 2, 2):
            ember.set_num_threads(t)
            xe, we = ember.tensor(x).requires_grad_(), ember.tensor(w).requires_grad_()
            ember.nn.functional.conv2d(xe, we, stride=2, padding=1).backward(ember.tensor(gy))
            res.append(we.grad.numpy())
    finally:
        ember.set_num_threads(old)
    np.testing.assert_array_equal(res[1], res[2])            # same thread count: bitwise equal
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-5)


def test_winograd_matches_reference_kernels():
    r = np.random.default_rng(7)
    x = ember.tensor(r.standard_normal((3, 16, 9, 10)).astype(np.float32))
    w = ember.tensor((r.standard_normal((18, 16, 3, 3)) / 12).astype(np.float32))
    kw = dict(stride=1, padding=1)
    fast = _run_all(ember.nn.functional.conv2d, x, w, kw)
    ember.set_kernels("reference")
    try:
        ref = _run_all(ember.nn.functional.conv2d, x, w, kw)
    finally:
        ember.set_kernels("fast")
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("C,H,W,k,p,d,dtype", [
    (4, 9, 13, 3, 1, 1, np.float32),   # rows not a multiple of 4, columns not a multiple of 8
    (3, 4, 16, 3, 1, 1, np.float32),   # exact row/column blocks
    (5, 7, 21, 3, 0, 1, np.float32),   # no padding
    (2, 6, 5, 3, 2, 2, np.float32),    # dilation (generic tap loop)
    (3, 8, 19, 5, 2, 1, np.float32),   # 5x5 (unrolled 25 taps)
    (2, 5, 3, 3, 1, 1, np.float32),    # narrower than one vector
    (3, 9, 13, 3, 1, 1, np.float64),   # float64
])
def test_depthwise_forward_fast_path(C, H, W, k, p, d, dtype):
    r = np.random.default_rng(C * H * W)
    x = r.standard_normal((2, C, H, W)).astype(dtype)
    w = r.standard_normal((2 * C, 1, k, k)).astype(dtype)  # channel multiplier 2
    b = r.standard_normal(2 * C).astype(dtype)
    kw = dict(padding=p, dilation=d, groups=C)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    gy = r.standard_normal(tuple(yt.shape)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    _torch_vs_ember_conv(x, w, b, gy, kw, tol_y=tol, tol_w=100 * tol, noncontig=(W % 2 == 1))


@needs_torch
@pytest.mark.parametrize("N,C,m,H,W,p,threads", [
    (2, 3, 1, 9, 13, 1, 1),     # columns not a multiple of 8: a masked last column block
    (3, 4, 2, 5, 3, 1, 2),      # narrower than one vector, channel multiplier 2, two threads
    (2, 2, 1, 16, 16, 0, 1),    # exact column blocks, no padding
    (1, 3, 1, 7, 8, 2, 2),      # padding 2
    (2, 2, 3, 4, 6, 3, 1),      # padding 3: zero taps at every border, multiplier 3
    (4, 5, 1, 32, 33, 1, 2),    # several images accumulated per channel, two threads
])
def test_depthwise_3x3_weight_grad_fast_path(N, C, m, H, W, p, threads):
    """float32 3x3 stride-1 depthwise weight gradient (9 x 8-lane register accumulators per channel,
    AVX2) and input gradient (the flipped-kernel forward) against torch, forward included."""
    r = np.random.default_rng(N * 100 + C * 10 + W)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = r.standard_normal((m * C, 1, 3, 3)).astype(np.float32)
    b = r.standard_normal(m * C).astype(np.float32)
    kw = dict(padding=p, groups=C)
    gy = r.standard_normal((N, m * C, H + 2 * p - 2, W + 2 * p - 2)).astype(np.float32)
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        _torch_vs_ember_conv(x, w, b, gy, kw, tol_y=1e-4, tol_w=1e-3, noncontig=(W % 2 == 1))
    finally:
        ember.set_num_threads(old)


def test_depthwise_3x3_weight_grad_deterministic_and_inf():
    """Channels are split over threads, each summed in a fixed order: 1 and 2 threads give the same bits.
    An inf in the last input column reaches only the taps that read it (the masked lanes of the last
    column block must not turn 0 * inf into nan in the other taps)."""
    from ember._tensor import _wrap
    r = np.random.default_rng(7)
    x = r.standard_normal((3, 8, 10, 13)).astype(np.float32)
    gy = np.abs(r.standard_normal((3, 8, 10, 13))).astype(np.float32) + 0.1
    res = []
    old = ember.get_num_threads()
    try:
        for t in (1, 2):
            ember.set_num_threads(t)
            res.append(_wrap(ember._C.conv_backward_weight(ember.tensor(gy)._t, ember.tensor(x)._t, [8, 1, 3, 3],
                                                           [1, 1], [1, 1], [1, 1], 8, "conv2d")).numpy())
        np.testing.assert_array_equal(res[0], res[1])
        x[1, 2, 4, 12] = np.inf  # last column: read by taps kw = 1, 2 only (kw = 0 pairs it with column 13)
        gw = _wrap(ember._C.conv_backward_weight(ember.tensor(gy)._t, ember.tensor(x)._t, [8, 1, 3, 3],
                                                 [1, 1], [1, 1], [1, 1], 8, "conv2d")).numpy()
    finally:
        ember.set_num_threads(old)
    assert np.isposinf(gw[2, 0, :, 1:]).all() and np.isfinite(gw[2, 0, :, 0]).all()
    assert np.isfinite(np.delete(gw, 2, axis=0)).all()


@needs_torch
@pytest.mark.parametrize("nsp,N,C,m,sp,k,kw", [
    (1, 5, 1, 15, (40,), (3,), dict(stride=2)),                     # the book's Conv1d(1, 15, 3, stride=2)
    (1, 3, 1, 4, (41,), (3,), dict(stride=2, padding=1)),           # odd length, padded
    (1, 2, 3, 2, (23,), (5,), dict(stride=3, padding=2, dilation=2)),  # stride 3, dilation: phases 0..2
    (1, 2, 2, 1, (37,), (4,), dict(stride=2, padding=3)),           # even kernel, padding past a tap
    (2, 2, 4, 1, (9, 11), (3, 3), dict(stride=2, padding=1)),       # depthwise stride 2
    (2, 2, 3, 2, (10, 13), (3, 5), dict(stride=(1, 2), padding=(1, 2))),  # stride along W only
    (2, 2, 3, 2, (13, 10), (5, 3), dict(stride=(2, 1), padding=(2, 0))),  # stride along H only
    (2, 1, 2, 3, (8, 9), (2, 2), dict(stride=3, dilation=2)),       # stride > kernel: unread columns
    (2, 2, 2, 1, (7, 6), (5, 5), dict(padding=2)),                  # stride 1 5x5, weight grad generic path
    (3, 2, 2, 2, (5, 6, 7), (3, 3, 3), dict(stride=(1, 2, 2), padding=1)),  # 3-D
])
@pytest.mark.parametrize("threads", [1, 2])
def test_direct_phase_split_paths(nsp, N, C, m, sp, k, kw, threads):
    """C/groups == 1 convs of any stride run on zero-padded, phase-split input planes (every tap a
    unit-stride loop) in all three directions: forward, input and weight gradients against torch."""
    r = np.random.default_rng(N * 31 + C * 7 + sum(sp))
    x = r.standard_normal((N, C) + sp).astype(np.float32)
    w = r.standard_normal((m * C, 1) + k).astype(np.float32)
    b = r.standard_normal(m * C).astype(np.float32)
    conv = f"conv{nsp}d"
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    yt = getattr(torch.nn.functional, conv)(xt, wt, bt, groups=C, **kw)
    gy = r.standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(gy))
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        xe, we, be = (ember.tensor(a).requires_grad_() for a in (x, w, b))
        ye = getattr(ember.nn.functional, conv)(xe, we, be, groups=C, **kw)
        ye.backward(ember.tensor(gy))
    finally:
        ember.set_num_threads(old)
    for e, t in ((ye, yt), (xe.grad, xt.grad), (we.grad, wt.grad), (be.grad, bt.grad)):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=1e-4)


def test_direct_weight_grad_inf_stays_in_its_taps():
    """Strided 1-D weight gradient: an inf input reaches only the taps that read it (the lanes past the
    last output column are not accumulated, so no 0 * inf nan appears elsewhere)."""
    from ember._tensor import _wrap
    r = np.random.default_rng(5)
    x = r.standard_normal((2, 1, 40)).astype(np.float32)
    x[1, 0, 39] = np.inf  # stride 2, k 3, no padding: column 39 is read by no tap (19 outputs reach column 38)
    x[0, 0, 37] = np.inf  # column 37 = 2*18 + 1: tap 1 only
    gy = np.abs(r.standard_normal((2, 4, 19))).astype(np.float32) + 0.1
    gw = _wrap(ember._C.conv_backward_weight(ember.tensor(gy)._t, ember.tensor(x)._t, [4, 1, 3], [2], [0], [1], 1,
                                             "conv1d")).numpy()
    assert np.isposinf(gw[:, 0, 1]).all()
    assert np.isfinite(gw[:, 0, 0]).all() and np.isfinite(gw[:, 0, 2]).all()


@pytest.mark.parametrize("N,C,H,W,p,bias", [
    (2, 3, 9, 13, 1, True),    # fused path: masked last column block
    (3, 4, 5, 3, 0, False),    # narrower than a vector, no bias gradient asked
    (1, 5, 8, 16, 2, True),    # padding 2 (the input gradient's flipped conv has padding 0)
    (2, 3, 7, 6, 3, True),     # padding 3: not covered by the fused kernel, the three kernels run
])
def test_conv_backward_fused_matches_separate(N, C, H, W, p, bias):
    """ember._C.conv_backward (one pass over grad_output for float32 depthwise 3x3 stride 1) gives the
    gradients of the three separate kernels, at 1 and 2 threads with the same bits, and of the
    reference kernels; flags leave the gradients not asked for as None."""
    r = np.random.default_rng(N + C * 3 + H * 5 + W)
    x = ember.tensor(r.standard_normal((N, C, H, W)).astype(np.float32))._t
    w = ember.tensor(r.standard_normal((C, 1, 3, 3)).astype(np.float32))._t
    gy = ember.tensor(r.standard_normal((N, C, H + 2 * p - 2, W + 2 * p - 2)).astype(np.float32))._t
    a, pp = [1, 1], [p, p]
    C_ = ember._C
    sep = [C_.conv_backward_input(gy, w, [N, C, H, W], a, pp, a, C, "conv2d"),
           C_.conv_backward_weight(gy, x, [C, 1, 3, 3], a, pp, a, C, "conv2d"),
           C_.conv_backward_bias(gy, "conv2d")]
    sep = [ember._tensor._wrap(t).numpy() for t in sep]
    old = ember.get_num_threads()
    outs = []
    try:
        for t in (1, 2):
            ember.set_num_threads(t)
            outs.append(C_.conv_backward(gy, x, w, a, pp, a, C, True, True, bias, "conv2d"))
        ember.set_kernels("reference")
        ref = C_.conv_backward(gy, x, w, a, pp, a, C, True, True, bias, "conv2d")
    finally:
        ember.set_kernels("fast")
        ember.set_num_threads(old)
    for res in outs + [ref]:
        assert (res[2] is None) == (not bias)
        for i in range(3 if bias else 2):
            np.testing.assert_allclose(ember._tensor._wrap(res[i]).numpy(), sep[i], rtol=1e-4, atol=1e-4)
    for i in range(3 if bias else 2):
        np.testing.assert_array_equal(ember._tensor._wrap(outs[0][i]).numpy(), ember._tensor._wrap(outs[1][i]).numpy())


def test_conv_backward_errors_name_the_op():
    """conv_backward on inconsistent input raises the separate kernels' errors (op named), not a crash."""
    C_ = ember._C
    x = ember.randn(2, 4, 5, 5)._t
    w = ember.randn(4, 1, 3, 3)._t
    with pytest.raises(RuntimeError, match=r"\[conv2d\]"):  # grad_output with the wrong channel count
        C_.conv_backward(ember.randn(2, 3, 5, 5)._t, x, w, [1, 1], [1, 1], [1, 1], 4, True, True, True, "conv2d")
    with pytest.raises(RuntimeError, match=r"\[conv2d\]"):  # float64 grad_output with float32 input
        C_.conv_backward(ember.randn(2, 4, 5, 5, dtype=ember.float64)._t, x, w, [1, 1], [1, 1], [1, 1], 4, True, True,
                         False, "conv2d")
    with pytest.raises(RuntimeError, match=r"\[conv2d\]"):  # groups 0
        C_.conv_backward(ember.randn(2, 4, 5, 5)._t, x, w, [1, 1], [1, 1], [1, 1], 0, True, True, True, "conv2d")


# ---- modules ----------------------------------------------------------------------------------------------
MODULES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="circular"), (2, 2, 7)),
    ("Conv2d", (4, 6, 3), dict(padding=1, groups=2, bias=False), (2, 4, 5, 5)),
    ("Conv2d", (3, 4, (3, 2)), dict(padding=(1, 2), padding_mode="reflect", dilation=(1, 2)), (2, 3, 5, 6)),
    ("Conv2d", (3, 3, 3), dict(padding=1, padding_mode="replicate", groups=3), (1, 3, 4, 4)),
    ("Conv3d", (2, 3, 2), dict(stride=(1, 2, 1), padding="valid"), (1, 2, 3, 4, 3)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, padding=1, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, groups=2, dilation=2, bias=False), (1, 4, 3, 3)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 2, 3, 2)),
]


@needs_torch
@pytest.mark.parametrize("spec", MODULES, ids=[m[0] + str(i) for i, m in enumerate(MODULES)])
def test_module_matches_torch(spec):
    name, args, kw, xshape = spec
    me = getattr(ember.nn, name)(*args, **kw).double()
    mt = getattr(torch.nn, name)(*args, **kw).double()
    assert repr(me) == repr(mt)
    assert list(me.state_dict().keys()) == list(mt.state_dict().keys())
    for k, v in me.state_dict().items():
        assert tuple(v.shape) == tuple(mt.state_dict()[k].shape)
        mt.state_dict()[k].copy_(torch.from_numpy(v.numpy()))
    x = np.random.default_rng(3).standard_normal(xshape)
    xe, xt = ember.tensor(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    ye, yt = me(xe), mt(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(4).standard_normal(tuple(yt.shape))
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    for (k, p), (_, q) in zip(me.named_parameters(), mt.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=k)


def test_module_init_bounds():
    ember.manual_seed(0)
    m = ember.nn.Conv2d(8, 16, 3)
    fan_in = 8 * 9
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) gives the same bound for the weight
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (16, 8, 3, 3) and b.shape == (16,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    mt = ember.nn.ConvTranspose1d(4, 6, 3, groups=2)
    assert tuple(mt.weight.shape) == (4, 3, 3)
    assert np.abs(mt.weight.detach().numpy()).max() <= 1 / math.sqrt(3 * 3)


@needs_torch
def test_conv_transpose_output_size():
    me = ember.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    mt = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    for size in [(7, 7), (8, 8), (1, 3, 8, 7)]:
        assert tuple(me(ember.tensor(x), output_size=size).shape) == tuple(mt(torch.tensor(x), output_size=size).shape)
    with pytest.raises(ValueError, match=r"\[ConvTranspose2d\]"):
        me(ember.tensor(x), output_size=(9, 9))


def test_module_unbatched_and_train_step():
    ember.manual_seed(0)
    net = ember.nn.Sequential(ember.nn.Conv1d(1, 4, 3, stride=2), ember.nn.Conv1d(4, 2, 3))
    x = ember.randn(8, 1, 20)
    opt = ember.optim.SGD(net.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = (net(x) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert tuple(net(ember.randn(1, 20)).shape) == (2, 7)


# ---- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, exc, match", [
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 2, 3, 3), groups=3), RuntimeError, "conv2d.*channels"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3)), RuntimeError, r"\[conv2d\].*weight"),
    (lambda f: f.conv2d(ember.randn(1, 4, 2, 2), ember.randn(6, 4, 3, 3)), RuntimeError,
     r"\[conv2d\].*Kernel size can't be greater"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5, 5), ember.randn(6, 4, 3, 3)), RuntimeError, r"\[conv2d\].*input"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), stride=2, padding="same"), RuntimeError,
     r"\[conv2d\].*strided"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), padding="foo"), RuntimeError,
     r"\[conv2d\] Invalid padding"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), groups=0), RuntimeError, r"\[conv2d\]"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), stride=0), RuntimeError, r"\[conv2d\]"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), padding=-1), RuntimeError, r"\[conv2d\]"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), stride=(1, 1, 1)), RuntimeError,
     r"\[conv2d\].*stride"),
    (lambda f: f.conv2d(ember.randn(1, 4, 5, 5), ember.randn(6, 4, 3, 3), ember.randn(5)), RuntimeError,
     r"\[conv2d\].*bias"),
    (lambda f: f.conv1d(ember.randn(1, 4, 5), ember.randn(6, 4, 3).double()), RuntimeError, r"\[conv1d\].*type"),
    (lambda f: f.conv1d([1.0], ember.randn(6, 4, 3)), TypeError, r"\[conv1d\]"),
    (lambda f: f.conv1d(ember.ones(1, 4, 5, dtype=ember.int64), ember.ones(6, 4, 3, dtype=ember.int64)),
     RuntimeError, r"\[conv1d\]"),
    (lambda f: f.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 2, 3, 3), stride=2, output_padding=2),
     RuntimeError, r"\[conv_transpose2d\].*output padding"),
    (lambda f: f.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(3, 2, 3, 3)), RuntimeError,
     r"\[conv_transpose2d\].*channels"),
    (lambda f: f.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 2, 3, 3), padding="same"), TypeError,
     r"\[conv_transpose2d\]"),
])
def test_functional_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(ember.nn.functional)


@needs_torch
def test_error_types_match_torch():
    # the same bad calls raise the same exception types in PyTorch
    cases = [
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(6, 2, 3, 3), groups=3),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 2, 2), m.randn(6, 4, 3, 3)),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(6, 4, 3)),
        lambda m: m.nn.functional.conv_transpose1d(m.randn(1, 4, 5), m.randn(4, 2, 3), stride=2, output_padding=3),
        lambda m: m.nn.Conv2d(4, 4, 3, groups=3),
        lambda m: m.nn.Conv2d(4, 4, 3, padding="foo"),
        lambda m: m.nn.Conv2d(4, 4, 3, padding_mode="foo"),
        lambda m: m.nn.Conv2d(4, 4, 3, stride=2, padding="same"),
    ]
    for c in cases:
        types = []
        for m in (ember, torch):
            try:
                c(m)
                types.append(None)
            except Exception as ex:  # noqa: BLE001 - comparing the types
                types.append(type(ex))
        assert types[0] is not None and types[0] is types[1], types


@pytest.mark.parametrize("kw, match", [
    (dict(groups=3), "in_channels must be divisible by groups"),
    (dict(groups=0), "groups must be a positive integer"),
    (dict(padding="foo"), "Invalid padding string"),
    (dict(padding_mode="foo"), "padding_mode must be one of"),
    (dict(stride=2, padding="same"), "padding=.same. is not supported for strided"),
])
def test_module_errors(kw, match):
    with pytest.raises(ValueError, match=r"\[Conv2d\] " + match):
        ember.nn.Conv2d(4, 4, 3, **kw)
    with pytest.raises(ValueError, match=r"\[ConvTranspose1d\]"):
        ember.nn.ConvTranspose1d(4, 4, 3, padding_mode="reflect")


@needs_torch
def test_gradgrad_asymmetric_same_padding():
    # even kernel: PyTorch pads one more element on the high side; the double-backward convs
    # must reproduce that (negative high padding crops instead)
    grad_case(lambda m, x, w: F(m).conv1d(x, w, padding="same"), rnd(2, 2, 7), rnd(3, 2, 4, seed=1), gradgrad=True)
    grad_case(lambda m, x, w: F(m).conv2d(x, w, stride=3), rnd(1, 2, 7, 8), rnd(2, 2, 2, 2, seed=1), gradgrad=True)
