"""Resampling: interpolate / Upsample (every mode, size or scale_factor, align_corners,
recompute_scale_factor), pixel_shuffle / pixel_unshuffle, unfold / fold, channel_shuffle and the
padding modules — forward and gradients against PyTorch, gradcheck in float64, modules, errors."""
import numpy as np
import pytest

import ember
from conftest import needs_torch
from gradutil import grad_case

try:
    import torch
except ImportError:
    torch = None

F = ember.nn.functional


def _t(x):
    return torch.from_numpy(x.detach().numpy().copy())


# ---- interpolate ------------------------------------------------------------------------------
INTERP_2D = [
    dict(scale_factor=2, mode="nearest"), dict(size=(5, 3), mode="nearest"), dict(scale_factor=1.7, mode="nearest"),
    dict(scale_factor=(0.6, 2.5), mode="nearest-exact"), dict(size=(7, 9), mode="nearest-exact"),
    dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2, mode="bilinear", align_corners=True),
    dict(size=(3, 8), mode="bilinear"), dict(scale_factor=0.5, mode="bilinear"),
    dict(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
    dict(scale_factor=1.3, mode="bicubic"), dict(size=(6, 5), mode="bicubic", align_corners=True),
    dict(size=(2, 3), mode="bicubic"), dict(size=(1, 1), mode="bilinear", align_corners=True),
    dict(size=(3, 2), mode="area"),
]


@pytest.mark.parametrize("kw", INTERP_2D)
def test_interpolate_2d_grad(kw):
    x = ember.randn(2, 2, 4, 5)
    grad_case(lambda m, x: m.nn.functional.interpolate(x, **kw), x, gradgrad=True)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=7, mode="nearest-exact"),
                                dict(scale_factor=2.5, mode="linear"), dict(size=3, mode="linear", align_corners=True),
                                dict(size=11, mode="linear", recompute_scale_factor=False)])
def test_interpolate_1d_grad(kw):
    grad_case(lambda m, x: m.nn.functional.interpolate(x, **kw), ember.randn(2, 3, 5), gradgrad=True)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(3, 4, 7), mode="trilinear"),
                                dict(scale_factor=(1.5, 0.5, 2), mode="trilinear", align_corners=True),
                                dict(size=(2, 5, 3), mode="nearest-exact")])
def test_interpolate_3d_grad(kw):
    grad_case(lambda m, x: m.nn.functional.interpolate(x, **kw), ember.randn(1, 2, 2, 3, 4), gradgrad=True)


def test_interpolate_noncontiguous():
    x = ember.randn(2, 5, 4, 3).permute(0, 3, 1, 2)   # channels-last memory
    grad_case(lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode="bilinear"), x)
    grad_case(lambda m, x: m.nn.functional.interpolate(x, size=(7, 6), mode="bicubic"), x)


@needs_torch
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
def test_interpolate_float32_matches_torch(mode):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((2, 3, 13, 11)).astype(np.float32))
    for kw in (dict(scale_factor=2), dict(scale_factor=1.37), dict(size=(5, 29))):
        a = F.interpolate(x, mode=mode, **kw)
        b = torch.nn.functional.interpolate(_t(x), mode=mode, **kw)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


def test_upsample_modules():
    x = ember.randn(1, 2, 3, 4)
    if torch is not None:
        for spec in ("Upsample(scale_factor=2)", "Upsample(size=(5, 7), mode='bilinear')",
                     "Upsample(scale_factor=(1.5, 2.0), mode='bicubic', align_corners=True)",
                     "UpsamplingNearest2d(scale_factor=3)", "UpsamplingBilinear2d(size=(4, 9))"):
            em, tm = eval("ember.nn." + spec), eval("torch.nn." + spec)
            assert repr(em) == repr(tm)
            np.testing.assert_allclose(em(x).numpy(), tm(_t(x)).numpy(), rtol=1e-5, atol=1e-6)
    y = F.upsample_bilinear(x, scale_factor=2)
    assert tuple(y.shape) == (1, 2, 6, 8)
    assert tuple(F.upsample_nearest(x, size=5).shape) == (1, 2, 5, 5)


@pytest.mark.parametrize("call,exc", [
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=2, scale_factor=2), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4)), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), scale_factor=2, align_corners=True), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=(2, 2, 2)), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), scale_factor=(2, 2, 2)), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=3, mode="linear"), NotImplementedError),
    (lambda: F.interpolate(ember.randn(1, 1, 4), size=3, mode="bilinear"), NotImplementedError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=3, mode="cubic"), NotImplementedError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=3, recompute_scale_factor=True), ValueError),
    (lambda: F.interpolate(ember.randn(1, 1, 4, 4), size=0), RuntimeError),
    (lambda: F.interpolate([1.0], size=2), TypeError),
])
def test_interpolate_errors(call, exc):
    with pytest.raises(exc, match=r"\[interpolate\]"):
        call()


# ---- pixel shuffle, channel shuffle -----------------------------------------------------------
def test_pixel_shuffle_grad():
    grad_case(lambda m, x: m.nn.functional.pixel_shuffle(x, 2), ember.randn(2, 8, 3, 2), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.pixel_shuffle(x, 3), ember.randn(9, 2, 1), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.pixel_shuffle(x, 1), ember.randn(1, 2, 2, 4, 3))
    grad_case(lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), ember.randn(2, 3, 4, 6), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.pixel_unshuffle(x.transpose(2, 3), 3), ember.randn(1, 2, 6, 3))


def test_channel_shuffle_grad():
    x = ember.randn(2, 6, 3, 2)
    for g in (1, 2, 3, 6):
        grad_case(lambda m, x: m.nn.functional.channel_shuffle(x, g), x, gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.channel_shuffle(x, 2), ember.randn(2, 4, 5))


def test_shuffle_results_do_not_alias_input():
    x = ember.randn(1, 4, 2, 2)
    for y in (F.pixel_shuffle(x, 1), F.pixel_unshuffle(x, 1), F.channel_shuffle(x, 1)):
        y.add_(1.0)
    np.testing.assert_array_equal(F.pixel_shuffle(x, 1).numpy(), x.numpy())
    assert float((F.pixel_shuffle(x, 1) - x).abs().sum()) == 0.0


@needs_torch
def test_shuffle_modules():
    x = ember.randn(2, 8, 4, 6)
    for spec in ("PixelShuffle(2)", "PixelUnshuffle(2)", "ChannelShuffle(4)"):
        em, tm = eval("ember.nn." + spec), eval("torch.nn." + spec)
        assert repr(em) == repr(tm)
        np.testing.assert_array_equal(em(x).numpy(), tm(_t(x)).numpy())


@pytest.mark.parametrize("call,name", [
    (lambda: F.pixel_shuffle(ember.randn(5, 2, 2), 2), "pixel_shuffle"),
    (lambda: F.pixel_shuffle(ember.randn(4, 2), 2), "pixel_shuffle"),
    (lambda: F.pixel_shuffle(ember.randn(1, 4, 2, 2), 0), "pixel_shuffle"),
    (lambda: F.pixel_unshuffle(ember.randn(1, 4, 3, 2), 2), "pixel_unshuffle"),
    (lambda: F.pixel_unshuffle(ember.randn(1, 4, 2, 3), 2), "pixel_unshuffle"),
    (lambda: F.channel_shuffle(ember.randn(1, 5, 2, 2), 2), "channel_shuffle"),
    (lambda: F.channel_shuffle(ember.randn(1, 4, 2, 2), 0), "channel_shuffle"),
    (lambda: F.channel_shuffle(ember.randn(4, 2), 2), "channel_shuffle"),
])
def test_shuffle_errors(call, name):
    with pytest.raises(RuntimeError, match=r"\[" + name + r"\]"):
        call()


# ---- unfold / fold ----------------------------------------------------------------------------
UNFOLD = [dict(kernel_size=2), dict(kernel_size=(2, 3), padding=1, stride=(1, 2)),
          dict(kernel_size=3, dilation=2, padding=2, stride=2), dict(kernel_size=(1, 4), stride=3)]


@pytest.mark.parametrize("kw", UNFOLD)
def test_unfold_grad(kw):
    grad_case(lambda m, x: m.nn.functional.unfold(x, **kw), ember.randn(2, 3, 5, 6), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.unfold(x, **kw), ember.randn(2, 5, 6))  # unbatched


@pytest.mark.parametrize("kw", UNFOLD)
def test_fold_grad(kw):
    out = (5, 6)
    n = ember.nn.functional.unfold(ember.zeros(1, 2, *out), **kw).shape
    grad_case(lambda m, x: m.nn.functional.fold(x, out, **kw), ember.randn(2, n[1], n[2]), gradgrad=True)
    grad_case(lambda m, x: m.nn.functional.fold(x, out, **kw), ember.randn(n[1], n[2]))


def test_unfold_noncontiguous():
    x = ember.randn(2, 6, 5, 3).permute(0, 3, 1, 2)
    grad_case(lambda m, x: m.nn.functional.unfold(x, 3, padding=1), x)


@needs_torch
def test_fold_unfold_modules():
    x = ember.randn(2, 3, 6, 7)
    for spec in ("Unfold(3, padding=1)", "Unfold((2, 3), dilation=2, stride=(2, 1))"):
        em, tm = eval("ember.nn." + spec), eval("torch.nn." + spec)
        assert repr(em) == repr(tm)
        np.testing.assert_array_equal(em(x).numpy(), tm(_t(x)).numpy())
    c = ember.randn(2, 12, 56)
    em, tm = ember.nn.Fold((6, 7), 2, padding=1), torch.nn.Fold((6, 7), 2, padding=1)
    assert repr(em) == repr(tm)
    np.testing.assert_allclose(em(c).numpy(), tm(_t(c)).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call,name", [
    (lambda: F.unfold(ember.randn(4, 4), 2), "unfold"),
    (lambda: F.unfold(ember.randn(1, 1, 4, 4), 0), "unfold"),
    (lambda: F.unfold(ember.randn(1, 1, 2, 2), 3), "unfold"),
    (lambda: F.unfold(ember.randn(1, 1, 4, 4), 2, stride=0), "unfold"),
    (lambda: F.fold(ember.randn(1, 5, 9), (4, 4), 2), "fold"),
    (lambda: F.fold(ember.randn(1, 4, 8), (4, 4), 2), "fold"),
    (lambda: F.fold(ember.randn(4), (4, 4), 2), "fold"),
])
def test_fold_unfold_errors(call, name):
    with pytest.raises(RuntimeError, match=r"\[" + name + r"\]"):
        call()


@needs_torch
@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.unfold(m.randn(1, 1, 2, 2), 3),
    lambda m: m.nn.functional.fold(m.randn(1, 5, 9), (4, 4), 2),
    lambda m: m.nn.functional.fold(m.randn(1, 4, 8), (4, 4), 2),
    lambda m: m.nn.functional.pixel_shuffle(m.randn(5, 2, 2), 2),
    lambda m: m.nn.functional.interpolate(m.randn(1, 1, 4, 4), size=3, mode="linear"),
    lambda m: m.nn.functional.interpolate(m.randn(1, 1, 4, 4), size=2, scale_factor=2),
])
def test_error_types_match_torch(call):
    with pytest.raises(Exception) as te:
        call(torch)
    with pytest.raises(type(te.value)):
        call(ember)


# ---- padding modules --------------------------------------------------------------------------
PADS = ["ZeroPad1d(2)", "ZeroPad2d((1, 0, 2, 1))", "ZeroPad3d(1)", "ConstantPad1d((1, 2), 3.5)",
        "ConstantPad2d(1, -1.0)", "ConstantPad3d((1, 0, 0, 1, 1, 0), 2.0)", "ReflectionPad1d(2)",
        "ReflectionPad2d((1, 2, 0, 1))", "ReflectionPad3d(1)", "ReplicationPad1d((0, 3))", "ReplicationPad2d(2)",
        "ReplicationPad3d((1, 0, 1, 2, 0, 1))", "CircularPad1d(1)", "CircularPad2d((1, 2, 2, 1))", "CircularPad3d(1)"]


@needs_torch
@pytest.mark.parametrize("spec", PADS)
def test_padding_modules(spec):
    em, tm = eval("ember.nn." + spec), eval("torch.nn." + spec)
    assert repr(em) == repr(tm)
    assert em.padding == tm.padding
    nsp = int(spec.split("d(")[0][-1])
    x = ember.randn(*((2, 2) + (4, 3, 5)[:nsp]))
    grad_case(lambda m, x: eval("m.nn." + spec)(x), x)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 7), dict(size=12, mode="linear")), ((2, 3, 7), dict(scale_factor=0.6, mode="nearest")),
    ((2, 3, 5, 6), dict(scale_factor=2, mode="bilinear")), ((2, 3, 5, 6), dict(size=(9, 4), mode="bicubic")),
    ((1, 2, 5, 6), dict(size=(3, 11), mode="bicubic", align_corners=True)),
    ((1, 2, 5, 6), dict(scale_factor=(1.5, 0.7), mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(size=(5, 2, 8), mode="trilinear")), ((1, 2, 3, 4, 5), dict(scale_factor=2))])
def test_interpolate_fast_matches_reference(shape, kw):
    # the reference evaluates the full tensor-product of taps per output (not separable)
    for dt in (ember.float64, ember.float32):
        x = ember.randn(*shape).to(dt).requires_grad_()
        y = F.interpolate(x, **kw)
        g = ember.randn(*y.shape).to(dt)
        (gx,) = ember.autograd.grad(y, x, g)
        ember.set_kernels("reference")
        try:
            yr = F.interpolate(x, **kw)
            (gr,) = ember.autograd.grad(yr, x, g)
        finally:
            ember.set_kernels("fast")
        tol = 1e-12 if dt == ember.float64 else 2e-6
        np.testing.assert_allclose(y.detach().numpy(), yr.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(gx.numpy(), gr.numpy(), rtol=tol, atol=tol * 10)
