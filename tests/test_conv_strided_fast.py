"""Fast float32 paths of strided and first-layer convolutions (conv_direct_gemm_avx2.cpp) against
PyTorch and against ember's own reference kernels: the stride-phase input gradient (each phase a
stride-1 conv of grad_output with a sub-kernel, written straight into its quarter of grad_input)
and the pixel-lane weight gradient for few patch rows (a first layer: K = C*kh*kw = 27)."""
import math

import numpy as np
import pytest

import ember
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def _problem(N, C, O, H, W, k, s, p, d, seed):
    r = np.random.default_rng(seed)
    kk = k if isinstance(k, tuple) else (k, k)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = (r.standard_normal((O, C) + kk) / math.sqrt(C * kk[0] * kk[1])).astype(np.float32)
    b = r.standard_normal(O).astype(np.float32)
    out = [(L + 2 * pp - dd * (kv - 1) - 1) // ss + 1
           for L, kv, ss, pp, dd in zip((H, W), kk, _pair(s), _pair(p), _pair(d))]
    gy = r.standard_normal((N, O, *out)).astype(np.float32)
    return x, w, b, gy


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _ember_grads(x, w, b, gy, kw, noncontig=False):
    if noncontig:  # same values, transposed storage
        xe = ember.tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2))).transpose(2, 3).detach().requires_grad_()
    else:
        xe = ember.tensor(x).requires_grad_()
    we, be = ember.tensor(w).requires_grad_(), ember.tensor(b).requires_grad_()
    y = ember.nn.functional.conv2d(xe, we, be, **kw)
    y.backward(ember.tensor(gy))
    return y.detach().numpy(), xe.grad.numpy(), we.grad.numpy(), be.grad.numpy()


def _torch_grads(x, w, b, gy, kw):
    xt, wt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    y = torch.nn.functional.conv2d(xt, wt, bt, **kw)
    y.backward(torch.tensor(gy, dtype=torch.float64))
    return y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def _check(got, want, K):
    # float32 sums of K (forward / input gradient) or N*P (weight gradient) products vs float64
    for name, a, e in zip(("y", "gx", "gw", "gb"), got, want):
        scale = max(1.0, float(np.abs(e).max()))
        np.testing.assert_allclose(a, e, rtol=2e-5 * math.sqrt(K), atol=2e-5 * math.sqrt(K) * scale, err_msg=name)


def _with_threads(t, f):
    old = ember.get_num_threads()
    ember.set_num_threads(t)
    try:
        return f()
    finally:
        ember.set_num_threads(old)


# (N, C, O, H, W, k, stride, padding, dilation): ungrouped float32 2-D convs with K = C*kh*kw >= 128
STRIDED = [
    (2, 16, 12, 8, 8, 3, 2, 1, 1),        # ResNet-like, C and O multiples of 6 / 16 not needed
    (3, 15, 7, 9, 11, 3, 2, 1, 1),        # odd sizes: column phases of width 6 and 5, rows 5 and 4
    (2, 16, 20, 17, 33, 3, 2, 1, 1),      # wide rows: vector interleave plus a scalar tail
    (2, 14, 13, 8, 19, 5, 2, 2, 1),       # 5x5: 3x3 / 3x2 / 2x3 / 2x2 sub-kernels
    (1, 16, 6, 9, 9, 3, 2, 0, 2),         # dilation 2 with stride 2: odd phases have no taps (zeros)
    (2, 32, 9, 6, 5, 2, 3, 1, 1),         # stride 3 > kernel 2: some phases without taps
    (2, 130, 6, 6, 7, 1, 2, 0, 1),        # 1x1 stride 2: 3 of 4 phases are zero
    (1, 16, 30, 10, 12, 3, (2, 1), 1, 1),  # stride along H only
    (1, 16, 11, 7, 12, 3, (1, 2), (0, 2), 1),  # stride along W only, asymmetric pad per dim
    (2, 16, 8, 10, 10, 3, 2, 2, 1),       # padding 2: negative sub-kernel offsets
    (2, 16, 8, 12, 9, 3, 3, 0, 2),        # stride 3, dilation 2: taps spaced 2 apart per phase
    (1, 64, 24, 32, 32, 3, 2, 1, 1),      # the ResNet 64->128 geometry (fewer channels)
    (2, 16, 8, 5, 4, 4, 2, 1, 1),         # even kernel, last input row/column untouched (zeros)
    (3, 16, 8, 1, 9, 3, 2, 1, 1),         # a single input row
]


@needs_torch
@pytest.mark.parametrize("case", STRIDED, ids=[str(i) for i in range(len(STRIDED))])
def test_strided_grads_match_torch(case):
    N, C, O, H, W, k, s, p, d = case
    x, w, b, gy = _problem(*case, seed=sum(case[:5]))
    kw = dict(stride=s, padding=p, dilation=d)
    _check(_ember_grads(x, w, b, gy, kw, noncontig=(N == 1)), _torch_grads(x, w, b, gy, kw), max(C * 9, N * H * W))


@pytest.mark.parametrize("case", STRIDED[:6], ids=[str(i) for i in range(6)])
def test_strided_fast_matches_reference_kernels(case):
    x, w, b, gy = _problem(*case, seed=7)
    kw = dict(stride=case[6], padding=case[7], dilation=case[8])
    fast = _ember_grads(x, w, b, gy, kw)
    ember.set_kernels("reference")
    try:
        ref = _ember_grads(x, w, b, gy, kw)
    finally:
        ember.set_kernels("fast")
    for name, a, e in zip(("y", "gx", "gw", "gb"), fast, ref):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-4, err_msg=name)


# few patch rows (K = C*kh*kw < 64): the first layer of a CNN and its relatives
FIRST = [
    (3, 3, 64, 12, 11, 3, 1, 1, 1),       # K = 27, 132 pixels: a masked 4-pixel tail
    (2, 3, 64, 32, 32, 3, 1, 1, 1),       # the ResNet-on-CIFAR first layer geometry
    (2, 2, 13, 9, 13, 3, 2, 0, 1),        # stride 2, K = 18 (not a multiple of 3), O = 13 (not of 4)
    (3, 4, 7, 7, 6, (1, 5), 1, (0, 2), 1),  # 1x5 kernel
    (2, 3, 5, 11, 11, 3, 1, 2, 2),        # dilation 2
    (1, 2, 6, 4, 3, 3, 1, 1, 1),          # fewer pixels than one vector
    (2, 7, 9, 8, 8, 3, 1, 0, 1),          # K = 63
]


@needs_torch
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", FIRST, ids=[str(i) for i in range(len(FIRST))])
def test_first_layer_grads_match_torch(case, threads):
    N, C, O, H, W, k, s, p, d = case
    x, w, b, gy = _problem(*case, seed=sum(case[:5]) + threads)
    kw = dict(stride=s, padding=p, dilation=d)
    got = _with_threads(threads, lambda: _ember_grads(x, w, b, gy, kw, noncontig=(N == 1)))
    _check(got, _torch_grads(x, w, b, gy, kw), max(C * 9, N * H * W))


@pytest.mark.parametrize("case,threads,idx", [
    ((5, 24, 18, 13, 15, 3, 2, 1, 1), (1, 2), 1),  # phase input gradient: one fixed sum per element
    ((6, 3, 16, 10, 9, 3, 1, 1, 1), (2, 2), 2),    # pixel-lane weight gradient: partials in fixed order
])
def test_bitwise_reproducible(case, threads, idx):
    """The strided input gradient is bitwise equal for any thread count; the first-layer weight
    gradient for a given thread count."""
    x, w, b, gy = _problem(*case, seed=3)
    kw = dict(stride=case[6], padding=case[7])
    r = [_with_threads(t, lambda: _ember_grads(x, w, b, gy, kw))[idx] for t in threads]
    np.testing.assert_array_equal(r[0], r[1])
