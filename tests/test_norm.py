"""batch_norm, layer_norm, rms_norm, group_norm, instance_norm: forward and gradients vs PyTorch
and finite differences over shapes and options, running-statistics parity over several training
steps then eval, zero-variance channels, reference kernels, modules and errors."""
import numpy as np
import pytest

import ember
from conftest import assert_close, make, needs_torch, to_torch, torch
from gradutil import const, grad_case

F = ember.nn.functional


def tt(x):
    return None if x is None else to_torch(x)


def _grads_vs_torch(ye, yt, g, x, w, b):
    """Backpropagate g through ember's ye and PyTorch's yt; compare the (ember, torch) leaf pairs."""
    ye.backward(g)
    yt.backward(to_torch(g))
    assert_close(x[0].grad, x[1].grad, rtol=1e-3, atol=1e-4)
    assert_close(w[0].grad, w[1].grad, rtol=1e-3, atol=1e-2)
    assert_close(b[0].grad, b[1].grad, rtol=1e-3, atol=1e-2)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 2), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training_grad(shape, affine):
    x = make(shape, seed=1)
    if affine:
        grad_case(lambda m, a, w, b: m.nn.functional.batch_norm(a, None, None, w, b, True), x, ember.randn(3),
                  ember.randn(3))
    else:
        grad_case(lambda m, a: m.nn.functional.batch_norm(a, None, None, training=True, eps=1e-3), x)


def test_batch_norm_eval_grad():
    x = make((4, 3, 5), seed=2)
    rm, rv = ember.randn(3, dtype=ember.float64), ember.rand(3, dtype=ember.float64) + 0.5
    grad_case(lambda m, a, w, b: m.nn.functional.batch_norm(
        a, rm if m is ember else to_torch(rm), rv if m is ember else to_torch(rv), w, b, False), x, ember.randn(3),
        ember.randn(3))


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, 0.5])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_batch_norm_running_stats_update(momentum, dtype):
    x = make((8, 4, 6), dtype=dtype, seed=3, low=-2, high=5)
    rm, rv = ember.zeros(4, dtype=dtype), ember.ones(4, dtype=dtype)
    trm, trv = to_torch(rm), to_torch(rv)
    for _ in range(3):
        y = F.batch_norm(x, rm, rv, training=True, momentum=momentum)
        r = torch.nn.functional.batch_norm(to_torch(x), trm, trv, training=True, momentum=momentum)
        assert_close(y, r, rtol=1e-5, atol=1e-5)
    assert_close(rm, trm, rtol=1e-6, atol=1e-6)
    assert_close(rv, trv, rtol=1e-6, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_batch_norm_float32_fast_and_reference(kernels):
    ember.set_kernels(kernels)
    x = make((8, 5, 7, 9), seed=4, low=50, high=60)   # offset data: the statistics must not cancel
    w, b, g = ember.randn(5), ember.randn(5), make((8, 5, 7, 9), seed=5)
    xe, we, be = (v.clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    y = F.batch_norm(xe, None, None, we, be, True)
    r = torch.nn.functional.batch_norm(xt, None, None, wt, bt, True)
    assert_close(y.detach(), r, rtol=1e-4, atol=1e-4)
    y.backward(g)
    r.backward(to_torch(g))
    for a, c in ((xe, xt), (we, wt), (be, bt)):
        assert_close(a.grad, c.grad, rtol=1e-3, atol=1e-3)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("shape", [(16, 32, 97, 97), (3, 5, 37), (2, 4, 9, 11)], ids=["large", "3d", "4d"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_channels_float32_streamed(kernels, shape, training):
    # outputs of at least half the L3 (the 19 MiB case; every size under EMBER_NORM_STREAM_BYTES=0, see
    # test_norm_streaming_stores_forced_on_small_outputs) write y and dx with streaming stores;
    # spatial sizes that leave channel rows unaligned (scalar heads and tails); training and eval
    ember.set_kernels(kernels)
    C = shape[1]
    x, g = make(shape, seed=31, low=-2, high=4), make(shape, seed=32)
    w, b = make((C,), seed=33), make((C,), seed=34)
    rm, rv = make((C,), seed=35), make((C,), seed=36, low=0.5, high=2.0)
    xe, we, be = (v.clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    ye = F.batch_norm(xe, None if training else rm, None if training else rv, we, be, training)
    yt = torch.nn.functional.batch_norm(xt, None if training else to_torch(rm), None if training else to_torch(rv),
                                        wt, bt, training)
    assert_close(ye.detach(), yt.detach(), rtol=1e-4, atol=1e-4)
    _grads_vs_torch(ye, yt, g, (xe, xt), (we, wt), (be, bt))


@needs_torch
def test_batch_norm_zero_variance_channel():
    x = make((4, 3, 5))
    x[:, 1] = 2.5
    y = F.batch_norm(x, None, None, training=True)
    assert_close(y, torch.nn.functional.batch_norm(to_torch(x), None, None, training=True), rtol=1e-5, atol=1e-4)
    assert np.abs(y.numpy()[:, 1]).max() < 1e-4      # exactly 0 up to rounding (PyTorch: -1.5e-5)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_norms_half_inputs(dtype):
    x = make((4, 6, 5), dtype=dtype)
    assert_close(F.batch_norm(x, None, None, training=True), torch.nn.functional.batch_norm(
        to_torch(x), None, None, training=True))
    assert_close(F.layer_norm(x, (5,)), torch.nn.functional.layer_norm(to_torch(x), (5,)))
    assert_close(F.group_norm(x, 2), torch.nn.functional.group_norm(to_torch(x), 2))


@pytest.mark.parametrize("shape,norm", [((3, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((4,), (4,))])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm_grad(shape, norm, affine):
    x = make(shape, seed=6)
    w = ember.randn(*norm) if affine != "none" else None
    b = ember.randn(*norm) if affine == "both" else None
    if affine == "none":
        grad_case(lambda m, a: m.nn.functional.layer_norm(a, norm), x, gradgrad=True)
    elif affine == "weight":
        grad_case(lambda m, a, ww: m.nn.functional.layer_norm(a, norm, ww), x, w, gradgrad=True)
    else:
        grad_case(lambda m, a, ww, bb: m.nn.functional.layer_norm(a, norm, ww, bb, 1e-3), x, w, b, gradgrad=True)


def test_layer_norm_noncontiguous():
    grad_case(lambda m, a, w: m.nn.functional.layer_norm(a, (3,), w), make((4, 3), noncontig="T"), ember.randn(3))


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_layer_norm_float32_vs_torch(kernels):
    ember.set_kernels(kernels)
    x, w, b, g = make((64, 96), seed=7, low=-20, high=40), ember.randn(96), ember.randn(96), make((64, 96), seed=8)
    xe, we, be = (v.clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    y, r = F.layer_norm(xe, (96,), we, be), torch.nn.functional.layer_norm(xt, (96,), wt, bt)
    assert_close(y.detach(), r, rtol=1e-4, atol=1e-5)
    y.backward(g)
    r.backward(to_torch(g))
    for a, c in ((xe, xt), (we, wt), (be, bt)):
        assert_close(a.grad, c.grad, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("shape,norm", [((3, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_rms_norm_grad(shape, norm):
    x = make(shape, seed=9)
    grad_case(lambda m, a, w: m.nn.functional.rms_norm(a, norm, w, 1e-5), x, ember.randn(*norm))
    grad_case(lambda m, a: m.nn.functional.rms_norm(a, norm), x)


@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((2, 4, 3, 3), 2), ((3, 4), 4), ((2, 4, 2, 2, 2), 1)])
def test_group_norm_grad(shape, groups):
    x = make(shape, seed=10)
    grad_case(lambda m, a, w, b: m.nn.functional.group_norm(a, groups, w, b), x, ember.randn(shape[1]),
              ember.randn(shape[1]))
    grad_case(lambda m, a: m.nn.functional.group_norm(a, groups, eps=1e-3), x)


@needs_torch
def test_group_norm_zero_variance_group():
    x = make((2, 4, 6))
    x[0, :2] = 1.0
    assert_close(F.group_norm(x, 2), torch.nn.functional.group_norm(to_torch(x), 2), rtol=1e-5, atol=1e-5)


def test_instance_norm_grad():
    x = make((2, 3, 5), seed=11)
    grad_case(lambda m, a, w, b: m.nn.functional.instance_norm(a, weight=w, bias=b), x, ember.randn(3),
              ember.randn(3))


@needs_torch
def test_instance_norm_running_stats():
    x = make((4, 3, 6, 2), seed=12)
    rm, rv = ember.zeros(3), ember.ones(3)
    trm, trv = to_torch(rm), to_torch(rv)
    for _ in range(2):
        assert_close(F.instance_norm(x, rm, rv, momentum=0.2), torch.nn.functional.instance_norm(
            to_torch(x), trm, trv, momentum=0.2), rtol=1e-5, atol=1e-5)
    assert_close(rm, trm, rtol=1e-5, atol=1e-6)
    assert_close(rv, trv, rtol=1e-5, atol=1e-6)
    assert_close(F.instance_norm(x, rm, rv, use_input_stats=False), torch.nn.functional.instance_norm(
        to_torch(x), trm, trv, use_input_stats=False), rtol=1e-5, atol=1e-5)


def test_one_node_each():
    x = ember.randn(4, 3, 5, requires_grad=True)
    assert F.batch_norm(x, None, None, training=True).grad_fn.name() == "NativeBatchNormBackward0"
    assert F.layer_norm(x, (5,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F.group_norm(x, 3).grad_fn.name() == "NativeGroupNormBackward0"


def test_double_backward_of_batch_norm_raises():
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    g, = ember.autograd.grad((F.batch_norm(x, None, None, training=True) ** 2).sum() if False else
                             F.batch_norm(x, None, None, training=True).sum(), [x], create_graph=True)
    with pytest.raises(NotImplementedError, match="batch_norm"):
        g.sum().backward()


def test_errors():
    x = ember.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"\[batch_norm\] Expected more than 1 value per channel"):
        F.batch_norm(ember.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"\[batch_norm\] running_mean and running_var must be defined"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(RuntimeError, match=r"\[batch_norm\] weight should contain 3 elements"):
        F.batch_norm(x, None, None, ember.ones(4), training=True)
    with pytest.raises(RuntimeError, match=r"\[layer_norm\] Given normalized_shape=\[5\]"):
        F.layer_norm(x, (5,))
    with pytest.raises(RuntimeError, match=r"\[layer_norm\] Expected weight to be of same shape"):
        F.layer_norm(x, (4,), ember.ones(3))
    with pytest.raises(RuntimeError, match=r"\[group_norm\] Expected number of channels in input to be divisible"):
        F.group_norm(x, 2)
    with pytest.raises(TypeError, match=r"\[layer_norm\]"):
        F.layer_norm([1.0], (1,))
    with pytest.raises(RuntimeError, match=r"\[batch_norm\] expected a floating input"):
        F.batch_norm(ember.ones(2, 3, dtype=ember.int64), None, None, training=True)


@needs_torch
@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (6, 4)), ("BatchNorm1d", (5, 4, 3)), ("BatchNorm2d", (3, 4, 3, 2)),
                                        ("BatchNorm3d", (2, 4, 2, 2, 3))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_modules_training_then_eval(name, shape, momentum):
    m, tm = getattr(ember.nn, name)(4, momentum=momentum), getattr(torch.nn, name)(4, momentum=momentum)
    assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    assert m.num_batches_tracked.dtype is ember.int64
    for step in range(3):
        x = make(shape, seed=20 + step, low=-1, high=3)
        assert_close(m(x).detach(), tm(to_torch(x)), rtol=1e-5, atol=1e-5)
    for k, v in m.state_dict().items():
        assert_close(v.detach(), tm.state_dict()[k], rtol=1e-5, atol=1e-6)
    m.eval()
    tm.eval()
    x = make(shape, seed=30)
    assert_close(m(x).detach(), tm(to_torch(x)).detach(), rtol=1e-5, atol=1e-5)


@needs_torch
def test_batchnorm_module_options():
    for kw in ({"affine": False}, {"track_running_stats": False}, {"affine": False, "track_running_stats": False},
               {"bias": False}):
        m, tm = ember.nn.BatchNorm1d(3, **kw), torch.nn.BatchNorm1d(3, **kw)
        assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
        x = make((5, 3))
        assert_close(m(x).detach(), tm(to_torch(x)), rtol=1e-5, atol=1e-5)
        m.eval()
        tm.eval()
        assert_close(m(x).detach(), tm(to_torch(x)).detach(), rtol=1e-5, atol=1e-5)
        assert repr(m) == repr(tm)
    with pytest.raises(ValueError, match="BatchNorm2d"):
        ember.nn.BatchNorm2d(3)(ember.randn(2, 3))


@needs_torch
def test_other_norm_modules():
    x = make((2, 4, 6))
    cases = [("LayerNorm", (6,), {}), ("LayerNorm", ((4, 6),), {"bias": False}), ("RMSNorm", (6,), {}),
             ("GroupNorm", (2, 4), {}), ("GroupNorm", (2, 4), {"bias": False}), ("InstanceNorm1d", (4,), {}), ("InstanceNorm1d", (4,), {"affine": True}),
             ("InstanceNorm1d", (4,), {"track_running_stats": True})]
    for name, args, kw in cases:
        m, tm = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
        assert list(m.state_dict().keys()) == list(tm.state_dict().keys()), name
        assert_close(m(x).detach(), tm(to_torch(x)), rtol=1e-5, atol=1e-5)
        assert repr(m) == repr(tm)
    x2 = make((4, 3, 3))
    assert_close(ember.nn.InstanceNorm2d(4)(x2).detach(), torch.nn.InstanceNorm2d(4)(to_torch(x2)), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="GroupNorm"):
        ember.nn.GroupNorm(3, 4)


@pytest.mark.parametrize("shape,size", [((2, 5, 7), 3), ((2, 6, 4, 5), 2), ((1, 4, 3, 2, 2), 5), ((3, 3, 4), 1)])
def test_local_response_norm_matches_torch(shape, size):
    torch = pytest.importorskip("torch")
    from gradutil import grad_case
    x = ember.randn(*shape)
    grad_case(lambda m, t: m.nn.functional.local_response_norm(t, size, alpha=0.5, beta=0.75, k=2.0), x)
    mod = ember.nn.LocalResponseNorm(size)
    assert repr(mod) == repr(torch.nn.LocalResponseNorm(size))
    with pytest.raises(ValueError, match="local_response_norm"):
        ember.nn.functional.local_response_norm(ember.randn(2, 3), 2)


@needs_torch
def test_layer_norm_one_pass_statistics_are_accurate():
    # the float32 statistics read each block once (shifted sums); an outlier first element or a
    # large offset falls back to two passes: errors vs float64 stay within 4x PyTorch's float32 ones
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (6, 5000)).astype(np.float32)  # rows longer than one 2048-element block
    a[0, 0] = 1e4                                        # outlier shift
    a[1] += 1e4                                          # large offset, small spread
    a[2, :] = 3.0                                        # zero variance
    a[3, 2048] = -5e3                                    # outlier at the start of the second block
    a[4] *= 1e-3
    for shape in ((5000,), (50, 100)):
        x = a.reshape(6, *shape)
        ref = torch.nn.functional.layer_norm(torch.from_numpy(x).double(), shape).numpy()
        got = F.layer_norm(ember.tensor(x), shape).numpy().astype(np.float64)
        tor = torch.nn.functional.layer_norm(torch.from_numpy(x), shape).numpy().astype(np.float64)
        assert np.abs(got - ref).max() <= 4 * np.abs(tor - ref).max() + 1e-6


@needs_torch
def test_layer_norm_large_output_streaming_stores():
    # >= 16 MiB of output takes the streaming-store path; 1025 columns leave rows unaligned
    x = make((4100, 1025), seed=3)
    w, b = make((1025,), seed=4), make((1025,), seed=5)
    assert_close(F.layer_norm(x, (1025,), w, b), torch.nn.functional.layer_norm(
        to_torch(x), (1025,), to_torch(w), to_torch(b)), rtol=1e-4, atol=1e-5)
    assert_close(F.layer_norm(x, (1025,)), torch.nn.functional.layer_norm(to_torch(x), (1025,)), rtol=1e-4, atol=1e-5)
    # the backward's dx (as large) is streamed too
    g = make((4100, 1025), seed=6)
    xe, we, be = (v.clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    _grads_vs_torch(F.layer_norm(xe, (1025,), we, be), torch.nn.functional.layer_norm(xt, (1025,), wt, bt), g,
                    (xe, xt), (we, wt), (be, bt))


@needs_torch
@pytest.mark.parametrize("shape,groups", [((2, 6, 8, 8), 3), ((3, 4, 37), 2), ((2, 4, 50, 50), 4), ((1, 5, 3), 5)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_group_norm_backward_vector_rows(shape, groups, affine, dtype):
    # rows (spatial sizes) long enough for the vectorized one-pass sums: tails, > one 2048 block
    rng = np.random.default_rng(7)
    xn = rng.standard_normal(shape).astype(dtype)
    gn = rng.standard_normal(shape).astype(dtype)
    wn, bn = rng.standard_normal(shape[1]).astype(dtype), rng.standard_normal(shape[1]).astype(dtype)
    x, t = ember.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    w, tw = ember.tensor(wn, requires_grad=True), torch.tensor(wn, requires_grad=True)
    b, tb = ember.tensor(bn, requires_grad=True), torch.tensor(bn, requires_grad=True)
    ye = F.group_norm(x, groups, w, b) if affine else F.group_norm(x, groups)
    yt = torch.nn.functional.group_norm(t, groups, tw, tb) if affine else torch.nn.functional.group_norm(t, groups)
    ye.backward(ember.tensor(gn))
    yt.backward(torch.tensor(gn))
    tol = 2e-4 if dtype == "float32" else 1e-10
    assert_close(ye.detach(), yt.detach(), rtol=tol, atol=tol)
    assert_close(x.grad, t.grad, rtol=tol, atol=tol)
    if affine:
        assert_close(w.grad, tw.grad, rtol=tol, atol=tol * 10)
        assert_close(b.grad, tb.grad, rtol=tol, atol=tol * 10)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_group_norm_large_output_streaming_stores(kernels):
    # >= 16 MiB of y / dx takes the streaming-store paths (forward affine, backward dx); 129x129
    # spatial leaves channel rows unaligned (scalar heads/tails); fast and reference vs PyTorch
    ember.set_kernels(kernels)
    shape = (4, 64, 129, 129)
    x, g = make(shape, seed=3), make(shape, seed=6)
    w, b = make((64,), seed=4), make((64,), seed=5)
    xe, we, be = (v.clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    ye, yt = F.group_norm(xe, 8, we, be), torch.nn.functional.group_norm(xt, 8, wt, bt)
    assert_close(ye.detach(), yt.detach(), rtol=1e-4, atol=1e-4)
    _grads_vs_torch(ye, yt, g, (xe, xt), (we, wt), (be, bt))
    assert_close(F.group_norm(x, 8), torch.nn.functional.group_norm(to_torch(x), 8), rtol=1e-4, atol=1e-4)


def _group_norm_vs_torch(x, g, groups, w, b, tol):
    """y, dx, dweight, dbias of group_norm(x) with upstream gradient g against PyTorch."""
    xe, we, be = (v.detach().clone().requires_grad_() for v in (x, w, b))
    xt, wt, bt = (to_torch(v).requires_grad_() for v in (x, w, b))
    ye, yt = F.group_norm(xe, groups, we, be), torch.nn.functional.group_norm(xt, groups, wt, bt)
    assert_close(ye.detach(), yt.detach(), rtol=tol, atol=tol)
    ye.backward(g)
    yt.backward(to_torch(g))
    assert_close(xe.grad, xt.grad, rtol=10 * tol, atol=tol)
    assert_close(we.grad, wt.grad, rtol=10 * tol, atol=100 * tol)
    assert_close(be.grad, bt.grad, rtol=10 * tol, atol=100 * tol)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,groups", [((9, 6, 1100), 3), ((3, 6, 130), 3), ((2, 4, 5000), 1), ((4, 8, 3), 8),
                                          ((1, 2, 64), 1)])
def test_group_norm_float32_pipelined_blocks(kernels, threads, shape, groups):
    # the float32 fast path reads block q + 1 while it writes block q, in 128-element pieces of each
    # channel row: rows shorter and longer than a piece and than a 2048 block, tails, one block,
    # odd block counts split over 2 threads; x and dy as non-contiguous views
    ember.set_kernels(kernels)
    saved = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        x, g = make(shape, seed=21, noncontig="step"), make(shape, seed=22, noncontig="step")
        w, b = make((shape[1],), seed=23), make((shape[1],), seed=24)
        _group_norm_vs_torch(x, g, groups, w, b, 1e-4)
    finally:
        ember.set_num_threads(saved)


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_group_norm_float32_far_first_element(kernels):
    # the fast statistics sum x - x[0] per block; a first element far from the block's mean (an
    # outlier) takes the two-pass fallback, a large common offset must not cancel either
    ember.set_kernels(kernels)
    shape = (3, 4, 20000)
    xn = np.random.default_rng(25).standard_normal(shape).astype(np.float32)
    xn[0, 0, 0] = 1e4             # block (0, 0): outlier first element
    xn[1, 2:4] += 500.0           # block (1, 1): offset 500, unit spread
    xn[2, 0, 0] = -300.0          # block (2, 0): moderate outlier
    x = ember.tensor(xn)
    g, w, b = make(shape, seed=26), make((4,), seed=27), make((4,), seed=28)
    _group_norm_vs_torch(x, g, 2, w, b, 2e-4)


@needs_torch
def test_norm_streaming_stores_forced_on_small_outputs():
    # EMBER_NORM_STREAM_BYTES=0 (read once per process, so in a subprocess): every float output takes
    # the streaming-store path, so the group_norm pipelined pieces and the layer_norm rows above run
    # it at small, unaligned sizes
    import os
    import subprocess
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, EMBER_NORM_STREAM_BYTES="0",
               PYTHONPATH=os.pathsep.join(filter(None, [pkg, os.environ.get("PYTHONPATH")])))
    sel = ("(fast and (pipelined_blocks or far_first or backward_rows_float32 or (channels_float32_streamed and not large)))"
           " or both_directions")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(here, "test_norm.py"),
                        "-k", sel], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and " failed" not in r.stdout


@needs_torch
@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("D", [5, 24, 128, 133])
@pytest.mark.parametrize("kind,need_x", [("layer", True), ("layer_noaffine", True), ("rms", True),
                                          ("rms_noweight", True), ("layer", False), ("rms", False)])
def test_layer_norm_backward_rows_float32(kernels, D, kind, need_x):
    # the float32 one-pass row backward (vector body + scalar tail, dweight/dbias accumulators):
    # dx, dweight, dbias vs PyTorch, also with x not requiring grad (dweight/dbias only)
    ember.set_kernels(kernels)
    x, g = make((70, D), seed=11, low=-4, high=6), make((70, D), seed=12)
    w, b = make((D,), seed=13), make((D,), seed=14)
    affine = kind in ("layer", "rms")
    xe, we, be = x.clone().requires_grad_(need_x), w.clone().requires_grad_(), b.clone().requires_grad_()
    xt, wt, bt = to_torch(x).requires_grad_(need_x), to_torch(w).requires_grad_(), to_torch(b).requires_grad_()
    if kind.startswith("layer"):
        ye = F.layer_norm(xe, (D,), we if affine else None, be if affine else None)
        yt = torch.nn.functional.layer_norm(xt, (D,), wt if affine else None, bt if affine else None)
    else:
        ye = F.rms_norm(xe, (D,), we if affine else None, 1e-5)
        yt = torch.nn.functional.rms_norm(xt, (D,), wt if affine else None, 1e-5)
    ye.backward(g)
    yt.backward(to_torch(g))
    if need_x:
        assert_close(xe.grad, xt.grad, rtol=1e-3, atol=1e-4)
    if affine:
        assert_close(we.grad, wt.grad, rtol=1e-3, atol=1e-4)
        if kind == "layer":
            assert_close(be.grad, bt.grad, rtol=1e-3, atol=1e-4)


@needs_torch
def test_norm_streamed_loops_both_directions():
    # the streaming-store loops run backwards when an input lies just below the output modulo 4 KiB
    # (4K aliasing): x at 32 offsets (128-byte steps) inside a larger buffer, so both directions run
    # (asserted from the addresses); layer_norm and batch_norm forward and backward, group_norm forward,
    # against PyTorch. Streams at this size only under EMBER_NORM_STREAM_BYTES=0 (see
    # test_norm_streaming_stores_forced_on_small_outputs); otherwise it checks the plain-store paths.
    shape = (6, 8, 133)
    n = 6 * 8 * 133
    xn = np.random.default_rng(41).normal(1, 2, shape).astype(np.float32)
    gn = np.random.default_rng(42).normal(0, 1, shape).astype(np.float32)
    base = ember.empty(n + 1024)
    seen = set()
    for k in range(0, 1024, 32):
        x = base[k:k + n].view(*shape)
        x.copy_(ember.tensor(xn))
        xe = x.detach().requires_grad_()
        xt = torch.from_numpy(xn).requires_grad_()
        for fe, ft in ((lambda v: F.layer_norm(v, (133,)), lambda v: torch.nn.functional.layer_norm(v, (133,))),
                       (lambda v: F.batch_norm(v, None, None, training=True),
                        lambda v: torch.nn.functional.batch_norm(v, None, None, training=True)),
                       (lambda v: F.group_norm(v, 4), lambda v: torch.nn.functional.group_norm(v, 4))):
            xe.grad, xt.grad = None, None
            ye, yt = fe(xe), ft(xt)
            seen.add(((x.data_ptr() - ye.data_ptr()) & 4095) >= 4096 - 512)
            assert_close(ye.detach(), yt.detach(), rtol=1e-4, atol=1e-4)
            ye.backward(ember.tensor(gn))
            yt.backward(torch.from_numpy(gn))
            assert_close(xe.grad, xt.grad, rtol=1e-3, atol=1e-4)
    assert seen == {False, True}
