"""softmax / log_softmax / softmin: forward vs PyTorch and numpy over dims, shapes, dtypes and
layouts (strided dims use the transposed kernel), extreme inputs, gradients (gradcheck, double
backward), the reference kernels, modules and errors."""
import warnings

import numpy as np
import pytest

import ember
from conftest import assert_close, make, needs_torch, to_torch, torch, torch_dtype
from gradutil import grad_case

F = ember.nn.functional


def np_softmax(x, dim, log=False):
    x = x.astype(np.float64)
    m = np.max(x, axis=dim, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=dim, keepdims=True)
    return (x - m - np.log(s)) if log else e / s


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((5, 33), 1), ((5, 33), 0), ((3, 17, 70), 1), ((3, 4, 5, 6), 2),
                                       ((2, 3, 4), -1), ((4, 1000), 1), ((1000, 3), 0), ((2, 130, 3), 1)])
@pytest.mark.parametrize("log", [False, True])
def test_forward_vs_numpy(shape, dim, log):
    x = make(shape, seed=len(shape) + dim, low=-8, high=8)
    y = (F.log_softmax if log else F.softmax)(x, dim)
    assert_close(y, np_softmax(x.numpy(), dim, log), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("kernels", ["fast", "reference"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_fast_and_reference_agree_with_numpy(kernels, dtype):
    ember.set_kernels(kernels)
    x = make((6, 40, 9), dtype=dtype, low=-20, high=20)
    for dim in range(3):
        for log in (False, True):
            r = np_softmax(x.numpy(), dim, log)
            y = (F.log_softmax if log else F.softmax)(x, dim)
            tol = 1e-12 if dtype is ember.float64 else 2e-6
            assert_close(y, r, rtol=tol, atol=tol)


@needs_torch
@pytest.mark.parametrize("noncontig", ["T", "step", "expand"])
def test_noncontiguous_inputs(noncontig):
    x = make((6, 8, 10), noncontig=noncontig)
    for dim in range(3):
        assert_close(F.softmax(x, dim), torch.softmax(to_torch(x), dim), rtol=1e-5, atol=1e-6)
        assert_close(x.log_softmax(dim), torch.log_softmax(to_torch(x), dim), rtol=1e-5, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_inputs_compute_in_float32(dtype):
    x = make((4, 50), dtype=dtype)
    for fn, tf in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
        y = fn(x, 1)
        assert y.dtype is dtype
        assert_close(y, tf(to_torch(x), 1))


@needs_torch
def test_dtype_argument_casts_first():
    x = make((3, 5))
    y = F.softmax(x, 1, dtype=ember.float64)
    assert y.dtype is ember.float64
    assert_close(y, torch.softmax(to_torch(x), 1, dtype=torch.float64))
    assert x.softmax(0, dtype=ember.float64).dtype is ember.float64


@needs_torch
def test_extreme_inputs():
    big = ember.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3e38, 3e38, 1.0]])
    ninf = float("-inf")
    rows = ember.tensor([[ninf, ninf, ninf], [ninf, 0.0, 1.0], [float("nan"), 0.0, 1.0]])
    for x in (big, rows):
        for fn, tf in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
            assert_close(fn(x, 1), tf(to_torch(x), 1))
            assert_close(fn(x, 0), tf(to_torch(x), 0))


def test_all_neg_inf_row_is_nan_like_pytorch():
    x = ember.full((2, 4), float("-inf"))
    assert np.isnan(F.softmax(x, 1).numpy()).all()


def test_empty_and_zero_dim():
    e = ember.zeros(0, 5)
    assert tuple(F.softmax(e, 1).shape) == (0, 5)
    assert tuple(F.log_softmax(e, 0).shape) == (0, 5)
    s = ember.tensor(3.0)
    assert F.softmax(s, 0).item() == 1.0
    assert F.log_softmax(s, -1).item() == 0.0


@needs_torch
def test_softmin_and_implicit_dim():
    x = make((3, 4, 5))
    assert_close(F.softmin(x, 2), torch.nn.functional.softmin(to_torch(x), 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(F.softmax(x), torch.nn.functional.softmax(to_torch(x)))       # 3-D: dim 0
        x2 = make((3, 4))
        assert_close(F.log_softmax(x2), torch.nn.functional.log_softmax(to_torch(x2)))  # 2-D: dim 1


@pytest.mark.parametrize("shape,dim", [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1), ((4,), 0), ((), 0)])
def test_grad_softmax(shape, dim):
    x = make(shape, seed=3)
    grad_case(lambda m, a: m.nn.functional.softmax(a, dim), x, gradgrad=True)
    grad_case(lambda m, a: m.nn.functional.log_softmax(a, dim), x, gradgrad=True)
    grad_case(lambda m, a: m.nn.functional.softmin(a, dim), x)


def test_grad_methods_and_noncontiguous():
    x = make((4, 6), noncontig="T")
    grad_case(lambda m, a: a.softmax(0) * a.log_softmax(1), x, gradgrad=True)


def test_backward_is_one_node_calling_cpp():
    x = ember.randn(3, 4, requires_grad=True)
    y = F.softmax(x, 1)
    assert y.grad_fn.name() == "SoftmaxBackward0"
    assert F.log_softmax(x, 1).grad_fn.name() == "LogSoftmaxBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "AccumulateGrad"


@needs_torch
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_backward_float32_vs_torch(dim):
    x = make((5, 37, 6), seed=1)
    g = make((5, 37, 6), seed=2)
    for log in (False, True):
        xe = x.clone().requires_grad_()
        xt = to_torch(x).requires_grad_()
        (F.log_softmax if log else F.softmax)(xe, dim).backward(g)
        (torch.log_softmax if log else torch.softmax)(xt, dim).backward(to_torch(g))
        assert_close(xe.grad, xt.grad, rtol=1e-4, atol=1e-5)


def test_top_level_names():
    from ember.nn._functional import softmax as mod
    assert mod.TOP_LEVEL == ["softmax", "log_softmax"]
    for name in mod.TOP_LEVEL:
        assert callable(getattr(mod, name))


def test_errors():
    with pytest.raises(TypeError, match=r"\[softmax\]"):
        F.softmax([1.0, 2.0], 0)
    with pytest.raises(IndexError, match=r"softmax"):
        F.softmax(ember.randn(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"\[log_softmax\]"):
        F.log_softmax(ember.tensor([1, 2, 3]), 0)
    with pytest.raises(TypeError, match=r"\[softmax\]"):
        F.softmax(ember.randn(2, 3), 1.0)


@needs_torch
def test_modules():
    x = make((2, 3, 4, 5))
    for name, kw in (("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}), ("Softmin", {"dim": 2}),
                     ("Softmax2d", {})):
        m, t = getattr(ember.nn, name)(**kw), getattr(torch.nn, name)(**kw)
        assert_close(m(x), t(to_torch(x)), rtol=1e-5, atol=1e-6)
        assert repr(m) == repr(t)
    with pytest.raises(ValueError, match="Softmax2d"):
        ember.nn.Softmax2d()(ember.randn(3, 4))


@needs_torch
def test_long_rows_online_max_and_special_values():
    # rows longer than the one-pass kernel's chunk (512): the max grows chunk by chunk (ascending row),
    # leading chunks of -inf (optionally with a nan), +inf in a later chunk, a lone finite value at
    # the end, tails that are not a vector multiple
    C = 1301
    rows = [np.linspace(-20, 30, C), np.linspace(30, -20, C), np.full(C, -np.inf), np.full(C, -np.inf),
            np.full(C, -np.inf), np.random.default_rng(0).normal(0, 5, C), np.full(C, -np.inf)]
    rows[2][700:] = np.random.default_rng(1).normal(0, 1, C - 700)
    rows[3][3] = np.nan
    rows[3][900:] = 1.0
    rows[4][1300] = -7.5
    rows[5][1100] = np.inf
    a = np.stack(rows).astype(np.float32)
    x = ember.tensor(a)
    t = torch.from_numpy(a)
    for log in (False, True):
        f, tf = (F.log_softmax, torch.log_softmax) if log else (F.softmax, torch.softmax)
        assert_close(f(x, 1), tf(t, 1), rtol=2e-6, atol=1e-6)
    tgt = np.array([5, 1000, 800, 950, 1300, 1100, 0])
    for red in ("none", "sum"):
        ce = F.cross_entropy(x, ember.tensor(tgt), reduction=red)
        assert_close(ce, torch.nn.functional.cross_entropy(t, torch.from_numpy(tgt), reduction=red),
                     rtol=2e-6, atol=1e-5)


@needs_torch
def test_float32_log_softmax_accuracy_vs_float64():
    # the one-pass sum uses a cheaper exp (terms are only summed): the error against float64 stays
    # within twice PyTorch's own float32 error
    a = np.random.default_rng(3).normal(0, 4, (64, 3000)).astype(np.float32)
    ref = torch.log_softmax(torch.from_numpy(a).double(), 1).numpy()
    err = np.abs(F.log_softmax(ember.tensor(a), 1).numpy().astype(np.float64) - ref).max()
    err_torch = np.abs(torch.log_softmax(torch.from_numpy(a), 1).numpy().astype(np.float64) - ref).max()
    assert err <= 2 * err_torch, (err, err_torch)
    ce = F.cross_entropy(ember.tensor(a), ember.zeros(64, dtype=ember.int64), reduction="none").numpy()
    ce_ref = torch.nn.functional.cross_entropy(torch.from_numpy(a).double(), torch.zeros(64, dtype=torch.int64),
                                               reduction="none").numpy()
    ce_t = torch.nn.functional.cross_entropy(torch.from_numpy(a), torch.zeros(64, dtype=torch.int64),
                                             reduction="none").numpy()
    assert np.abs(ce - ce_ref).max() <= 2 * np.abs(ce_t - ce_ref).max()


def _special_rows(a):
    """Write -inf runs, a nan, a +inf and an all -inf row into the float32 matrix a (in place)."""
    a[1, :] = -np.inf
    a[2, : a.shape[1] // 2] = -np.inf
    a[3, 5] = np.nan
    a[4, a.shape[1] - 1] = np.inf
    a[5, 7::3] = -np.inf
    return a


def _check_log_softmax_grad(dx, x, g):
    """dx = g - p sum(g) (p = softmax(x) over the last dim) against float64: each element within
    1e-5 of |g| + p sum|g| (the terms cancel, and sum(g) is summed in float32, as in PyTorch, so its
    rounding scales with sum|g|)."""
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    z = np.exp(x64 - x64.max(axis=1, keepdims=True))
    p = z / z.sum(axis=1, keepdims=True)
    err = np.abs(dx - (g64 - p * g64.sum(axis=1, keepdims=True)))
    assert (err <= 1e-5 * (np.abs(g64) + p * np.abs(g64).sum(axis=1, keepdims=True)) + 1e-7).all(), err.max()


@needs_torch
@pytest.mark.parametrize("C", [2051, 4096])
def test_large_outputs_streaming_path_vs_reference_and_torch(C):
    # outputs from 8 MiB up are written with streaming stores (an aligned body between scalar ends:
    # C = 2051 misaligns every row), the exp pass prefetches the next row; the same rows through
    # the reference kernels and PyTorch, special values included, softmax and log_softmax
    rows = (8 << 20) // (4 * C) + 3
    a = _special_rows(np.random.default_rng(7).normal(0, 6, (rows, C)).astype(np.float32))
    x, t = ember.tensor(a), torch.from_numpy(a)
    for fn, tf in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
        y = fn(x, 1)
        # against float64 (rounded): PyTorch's own float32 log_softmax is off by up to 1.5e-6 here
        assert_close(y, tf(t.double(), 1).float(), rtol=2e-6, atol=1e-6)
        ember.set_kernels("reference")
        try:
            r = fn(x, 1)
        finally:
            ember.set_kernels("fast")
        assert_close(y, r.numpy(), rtol=2e-6, atol=1e-6)
    assert_close(F.softmax(x[:, 1:], 1), torch.softmax(t[:, 1:], 1), rtol=2e-6, atol=1e-6)  # strided rows
    # the softmax backward writes dx of this size with streaming stores too (finite rows: the special
    # rows give nan gradients in both libraries)
    xf = np.random.default_rng(9).normal(0, 6, (rows, C)).astype(np.float32)
    g = np.random.default_rng(8).normal(0, 1, xf.shape).astype(np.float32)
    xe, xt = ember.tensor(xf).requires_grad_(), torch.from_numpy(xf).requires_grad_()
    F.softmax(xe, 1).backward(ember.tensor(g))
    torch.softmax(xt, 1).backward(torch.from_numpy(g))
    assert_close(xe.grad, xt.grad, rtol=1e-4, atol=2e-6)  # y (g - s): g - s cancels; s summed in another order
    # and log_softmax's (g - exp(y) sum(g)), masked (-inf) logits included: their dx is g exactly
    xf[:, 5::13] = -np.inf
    xe = ember.tensor(xf).requires_grad_()
    F.log_softmax(xe, 1).backward(ember.tensor(g))
    _check_log_softmax_grad(xe.grad.numpy(), xf, g)
    assert (xe.grad.numpy()[:, 5::13] == g[:, 5::13]).all()


@needs_torch
def test_float32_softmax_relative_error_over_exp_range():
    # the 8-lane exp of the written probabilities: each row holds its max (0) and values spread over
    # [-87, 0], lengths that are not a multiple of 8, 32 or 64; the relative error of every
    # probability in the normal range (>= 2^-122: below, the float32 denormals themselves lose
    # relative precision) against float64 stays below 1e-6 (the exp alone measures 3.9e-7)
    rng = np.random.default_rng(11)
    for C in (4093, 37, 8, 3):
        a = rng.uniform(-87, 0, (16, C)).astype(np.float32)
        a[:, rng.integers(0, C)] = 0.0
        ref = torch.softmax(torch.from_numpy(a).double(), 1).numpy()
        y = F.softmax(ember.tensor(a), 1).numpy().astype(np.float64)
        keep = ref >= 2.0 ** -122
        rel = np.abs(y - ref)[keep] / ref[keep]
        assert rel.max() < 1e-6, (C, rel.max())


def test_baseline_isa_softmax_and_cross_entropy():
    # the non-AVX2 build of the same kernels (EMBER_CPU_ISA=baseline), in a fresh process, against
    # float64 numpy: rows shorter than a vector, odd lengths, a streaming-size output, special values
    import os
    import subprocess
    import sys
    code = r"""
import numpy as np, ember
F = ember.nn.functional
assert ember._C.cpu_isa() == "baseline", ember._C.cpu_isa()
rng = np.random.default_rng(5)
for shape in ((9, 3), (7, 1301), (520, 4099)):
    a = rng.normal(0, 5, shape).astype(np.float32)
    a[1, : shape[1] // 2] = -np.inf
    x = ember.tensor(a)
    d = a.astype(np.float64)
    m = d.max(1, keepdims=True)
    lse = m + np.log(np.exp(d - m).sum(1, keepdims=True))
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), np.exp(d - lse), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy(), d - lse, rtol=2e-6, atol=2e-5)
    tgt = rng.integers(0, shape[1], shape[0])
    tgt[1] = shape[1] - 1
    ce = F.cross_entropy(x, ember.tensor(tgt), reduction="none").numpy()
    np.testing.assert_allclose(ce, (lse[:, 0] - d[np.arange(shape[0]), tgt]), rtol=2e-6, atol=2e-5)
print("ok")
"""
    env = dict(os.environ, EMBER_CPU_ISA="baseline")
    env.pop("EMBER_ISA", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@needs_torch
@pytest.mark.parametrize("C", [515, 1029, 4100])
def test_log_sum_exp_chunks_with_far_outliers(C):
    # the one-read log-sum-exp skips the exp's clamp for chunks (512 floats) whose min is within 87.3
    # of the running max: finite outliers far below the max (-200: exp underflows to 0) and -inf in
    # some chunks, a max that only appears in a later chunk (earlier chunks were checked against a
    # smaller max), a nan in an otherwise clean chunk; log_softmax and cross_entropy vs PyTorch
    rng = np.random.default_rng(C)
    a = rng.normal(0, 3, (6, C)).astype(np.float32)
    a[0, 3] = -200.0
    a[1, C - 2] = -1e30
    a[2, 100] = -np.inf
    a[3, C - 1] = 95.0  # the max in the last chunk: every earlier chunk's d now reaches below -87.3
    a[4, 600 % C] = np.nan
    a[5, :] = rng.uniform(-80, 0, C)
    x, t = ember.tensor(a), torch.from_numpy(a)
    assert_close(F.log_softmax(x, 1), torch.log_softmax(t, 1), rtol=2e-6, atol=2e-6)
    tgt = np.arange(6) * 7 % C
    assert_close(F.cross_entropy(x, ember.tensor(tgt), reduction="none"),
                 torch.nn.functional.cross_entropy(t, torch.from_numpy(tgt), reduction="none"), rtol=2e-6, atol=2e-5)


@needs_torch
@pytest.mark.parametrize("rows", [7, (8 << 20) // (4 * 1029) + 2])
def test_softmax_rows_with_and_without_clamp(rows):
    # the float32 softmax forward takes each row's min with its max and skips the exp's clamp when the
    # min is within 87.3 of the max: rows on both sides of that boundary (a far finite outlier, -inf,
    # a min just above and just below max - 87.34), a nan in an otherwise clean row; small outputs and
    # streamed ones (>= 8 MiB, through the per-thread scratch row); against PyTorch and float64
    C = 1029
    rng = np.random.default_rng(rows)
    a = rng.normal(0, 3, (rows, C)).astype(np.float32)
    a[0, 3] = -200.0
    a[1, C - 2] = -1e30
    a[2, 100] = -np.inf
    a[3, :] = rng.uniform(-87.0, 0.0, C)
    a[3, 0] = 0.0
    a[4, :] = rng.uniform(-87.6, 0.0, C)
    a[4, 1] = 0.0
    a[4, 2] = -87.5
    a[5, 600] = np.nan
    x, t = ember.tensor(a), torch.from_numpy(a)
    y = F.softmax(x, 1)
    assert_close(y, torch.softmax(t, 1), rtol=2e-6, atol=1e-7)
    ref = torch.softmax(torch.from_numpy(a).double(), 1).numpy()
    yn = y.numpy().astype(np.float64)
    assert np.isnan(yn[5]).all()
    ty = torch.softmax(t, 1).numpy().astype(np.float64)
    keep = ref >= 2.0 ** -122
    keep[5] = False
    rel = np.where(keep, np.abs(yn - ref), 0) / np.where(keep, ref, 1)
    rel_torch = np.where(keep, np.abs(ty - ref), 0) / np.where(keep, ref, 1)
    # rows 3 and 4 have max 0, so x - max is exact and the error is the exp's own; elsewhere x - max
    # itself rounds (half an ulp of |x - max| ~ 20 is 9.5e-7 relative after exp), as in PyTorch
    assert rel[3:5].max() < 1e-6, rel[3:5].max()
    assert rel.max() <= max(2e-6, 2 * rel_torch.max()), (rel.max(), rel_torch.max())
    assert (yn[4][ref[4] < 2.0 ** -126] <= 2.0 ** -125).all()  # below the clamp: 0 or tiny, never garbage


def _lse_rows():
    """float32 rows for the one-pass log-sum-exp (reference 2^N from x[0], lower clamp, chunks of
    1024 checked against 100 binades above the reference): each (name, row)."""
    rng = np.random.default_rng(21)
    out = []
    for C in (1, 7, 8, 9, 31, 1024, 1029, 3003):  # under one vector, tails, exactly one chunk
        out.append((f"normal C={C}", rng.normal(0, 3, C)))
    r = rng.normal(0, 1, 4000)
    r[1500] = 150.0  # 104 binades above x[0]: the reference moves up in the second chunk
    out.append(("rebase in chunk 2", r))
    r = rng.normal(0, 1, 4000)
    r[3], r[2100], r[3999] = 80.0, 300.0, 2000.0  # three moves, the last in the tail chunk
    out.append(("three rebases", r))
    r = rng.normal(0, 1, 1030)
    r[1027] = 200.0  # the move is due in the scalar tail (1030 = 1024 + 6)
    out.append(("rebase in the tail", r))
    r = rng.normal(50, 1, 2000)
    r[0] = -100.0  # x[0] far below the max: the first chunk moves the reference up
    out.append(("x0 low", r))
    r = rng.normal(0, 1, 2000)
    r[::7] = -200.0  # below the clamp (x[0] - 87): terms that cannot show
    r[5::11] = -np.inf
    out.append(("clamped and -inf", r))
    out.append(("large positive", rng.normal(5000, 4, 2000)))
    out.append(("large negative", rng.normal(-9000, 4, 2000)))
    out.append(("spread 80", rng.uniform(-80, 0, 2003)))
    for name, v in (("x0 -inf", -np.inf), ("x0 nan", np.nan), ("x0 2e4", 2e4), ("x0 +inf", np.inf)):
        r = rng.normal(0, 1, 1500)
        r[0] = v  # rows the one-pass loop does not take
        out.append((name, r))
    for name, (i, v) in (("+inf inside", (1200, np.inf)), ("nan inside", (700, np.nan)), ("2e4 inside", (900, 2e4))):
        r = rng.normal(0, 1, 1500)
        r[i] = v
        out.append((name, r))
    return [(n, r.astype(np.float32)) for n, r in out]


def _cross_entropy_vs_float64(a, tgt, loss_tol, grad_tol):
    """cross_entropy(a, tgt, reduction="none") and its gradient (of the summed loss) against PyTorch
    in float64; loss_tol, grad_tol: (rtol, atol)."""
    xe, xt = ember.tensor(a).requires_grad_(), torch.from_numpy(a).double().requires_grad_()
    le = F.cross_entropy(xe, ember.tensor(tgt), reduction="none")
    lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(tgt), reduction="none")
    assert_close(le.detach(), lt.detach().float(), rtol=loss_tol[0], atol=loss_tol[1])
    le.sum().backward()
    lt.sum().backward()
    assert_close(xe.grad, xt.grad.float(), rtol=grad_tol[0], atol=grad_tol[1])


@needs_torch
@pytest.mark.parametrize("name,row", _lse_rows(), ids=[n for n, _ in _lse_rows()])
def test_one_pass_logsumexp_rows(name, row):
    # log_softmax and cross_entropy (loss and gradient) of each row, alone and as 4 rows of a batch,
    # against PyTorch in float64 (PyTorch's float32 log_softmax is less accurate than both)
    a = np.stack([row, row[::-1].copy(), np.roll(row, 3), row])
    t = torch.from_numpy(a).double()
    for x, tt in ((a[:1], t[:1]), (a, t)):
        y = F.log_softmax(ember.tensor(x), 1)
        assert_close(y, torch.log_softmax(tt, 1).float(), rtol=2e-6, atol=1e-6)
        _cross_entropy_vs_float64(x, np.arange(len(x)) * 5 % x.shape[1], (2e-6, 1e-6), (1e-5, 1e-7))


@needs_torch
@pytest.mark.parametrize("center", [-3e6, -2e5, 9.9e3, 4e4, 1e6])
def test_softmax_family_large_magnitude_logits(center):
    # the exp against a power-of-two reference near the max holds only while |x| log2e fits its
    # rounding constant's binade (|x| < 3.6e5): rows far outside (and inside) that range, spread over
    # a few units, as softmax, log_softmax and cross_entropy (and its gradient), against float64 PyTorch
    rng = np.random.default_rng(int(abs(center)) % 1000)
    a = (center + rng.normal(0, 3, (6, 1037))).astype(np.float32)
    t = torch.from_numpy(a).double()
    assert_close(F.softmax(ember.tensor(a), 1), torch.softmax(t, 1).float(), rtol=2e-6, atol=1e-7)
    assert_close(F.log_softmax(ember.tensor(a), 1), torch.log_softmax(t, 1).float(), rtol=2e-6, atol=2e-6)
    _cross_entropy_vs_float64(a, rng.integers(0, 1037, 6), (2e-6, 2e-6), (5e-6, 1e-9))


@needs_torch
@pytest.mark.parametrize("C", [1, 7, 8, 1029, 8192])
def test_logsumexp_last_dim_rows(C):
    # float32 logsumexp over the last dim of a contiguous tensor takes the softmax family's row
    # kernel: values spread and shifted, -inf rows (-inf), +inf (inf), nan (nan), keepdim, a 3-d
    # input; against float64 PyTorch (a transposed view takes the generic reduction)
    rng = np.random.default_rng(C)
    a = (rng.normal(0, 5, (2, 9, C)) + rng.normal(0, 30, (2, 9, 1))).astype(np.float32)
    a[0, 1] = -np.inf
    a[0, 2, C // 2] = np.inf
    a[1, 3, C - 1] = np.nan
    a[1, 4, : C // 2] = -np.inf
    t = torch.from_numpy(a).double()
    for keepdim in (False, True):
        assert_close(ember.logsumexp(ember.tensor(a), -1, keepdim=keepdim),
                     torch.logsumexp(t, -1, keepdim=keepdim).float(), rtol=1e-6, atol=1e-6)
    b = a[0].T.copy()
    assert_close(ember.logsumexp(ember.tensor(b).t(), 1), torch.logsumexp(torch.from_numpy(b).double().t(), 1).float(),
                 rtol=1e-6, atol=1e-6)


def test_cross_entropy_never_negative_when_one_logit_dominates():
    # log sum exp(x - max) >= 0 (the max's own term is 1): rounding in the one-pass sum must not turn
    # the loss of a confidently right prediction negative, nor its log-probability positive
    rng = np.random.default_rng(5)
    for C, lo, hi in ((1000, -50.0, 50.0), (4096, 0.0, 40.0), (2051, 3000.0, 3090.0), (64, -7.0, 30.0)):
        a = rng.uniform(lo - 1, lo, (64, C)).astype(np.float32)
        tgt = rng.integers(0, C, 64)
        a[np.arange(64), tgt] = hi + rng.uniform(-1e-3, 1e-3, 64).astype(np.float32)
        loss = F.cross_entropy(ember.tensor(a), ember.tensor(tgt), reduction="none").numpy()
        assert (loss >= 0).all() and (loss < 1e-6).all(), (C, loss.min(), loss.max())
        assert (F.log_softmax(ember.tensor(a), 1).numpy() <= 0).all()


@needs_torch
def test_log_softmax_streamed_rows_both_directions():
    # a streamed log_softmax output row runs backwards when x lies just below y modulo 4 KiB (4K
    # aliasing between its loads and stores) and forwards otherwise: x at 32 offsets (128-byte steps)
    # inside a larger buffer, so both directions run, each result against PyTorch
    C = 2048
    rows = (8 << 20) // (4 * C) + 1
    a = np.random.default_rng(12).normal(0, 4, (rows, C)).astype(np.float32)
    base = ember.empty(rows * C + 1024)
    seen = set()
    for k in range(0, 1024, 32):
        x = base[k:k + rows * C].view(rows, C)
        x.copy_(ember.tensor(a))
        y = F.log_softmax(x, 1)
        seen.add(((x.data_ptr() - y.data_ptr()) & 4095) >= 4096 - 512)
        assert_close(y, torch.log_softmax(torch.from_numpy(a), 1), rtol=2e-6, atol=2e-6)
    assert seen == {False, True}
    # the backward's streamed dx row runs backwards when g (or y) lies just below dx modulo 4 KiB: g
    # at the same 32 offsets, each gradient against float64 (where dx lands is the allocator's choice,
    # so which offsets alias is not asserted here)
    g = np.random.default_rng(13).normal(0, 1, (rows, C)).astype(np.float32)
    for k in range(0, 1024, 32):
        ge = base[k:k + rows * C].view(rows, C)
        ge.copy_(ember.tensor(g))
        xe = ember.tensor(a).requires_grad_()
        F.log_softmax(xe, 1).backward(ge)
        _check_log_softmax_grad(xe.grad.numpy(), a, g)
