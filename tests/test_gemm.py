"""CPU GEMM kernels (issue 3): every ISA path (reference, baseline, AVX2, AVX-512 where the CPU has
it) against a float64 numpy oracle with a relative error bound, over odd sizes (1, 7, 17, 63, 255,
257, 1000), zero-sized dims, every transpose combination, non-unit leading dims / stepped views,
batched products with broadcasting, alpha/beta, 16-bit inputs, and the fused epilogue
act(alpha*A@B + beta*C + bias) exposed as ember._C.gemm_epilogue."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from conftest import to_np, torch
from ember._tensor import _wrap

EPS = {ember.float32: 2.0 ** -23, ember.float64: 2.0 ** -52, ember.float16: 2.0 ** -10, ember.bfloat16: 2.0 ** -7}
_NT = ember.get_num_threads()


def _avx512_runs():
    ember._C.set_isa_cap("avx512")
    return ember._C.cpu_isa() == "avx512"


HAS_AVX512 = _avx512_runs()
ISAS = ["reference", "baseline", "avx2", pytest.param("avx512", marks=pytest.mark.skipif(
    not HAS_AVX512, reason="this CPU has no AVX-512 (the avx512 build compiles but cannot run here)"))]


@pytest.fixture(params=ISAS)
def isa(request):
    """Forces one kernel path for the test, then restores fast kernels / full ISA / thread count."""
    if request.param == "reference":
        ember.set_kernels("reference")
    else:
        ember._C.set_isa_cap(request.param)
        if request.param == "avx2" and ember._C.cpu_isa() != "avx2":
            pytest.skip("this CPU has no AVX2")
    yield request.param
    ember.set_kernels("fast")
    ember._C.set_isa_cap("avx512")
    ember._C.set_num_threads(_NT)


def fused(a, b, bias=None, c=None, out=None, **kw):
    """ember._C.gemm_epilogue on ember tensors: act(alpha * a @ b + beta * c + bias)."""
    u = lambda t: None if t is None else t._t
    return _wrap(ember._C.gemm_epilogue(a._t, b._t, bias=u(bias), c=u(c), out=u(out), **kw))


def rand(shape, seed):
    """Uniform(-2, 2) float64 test data."""
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(np.float64)


def operand(x, dtype, trans=False, ld_pad=0):
    """x (float64 numpy, 2-D or batched) as an ember tensor of `dtype` with the same values: stored
    transposed (a .mT view) when trans, and inside a wider buffer (row stride + ld_pad) when ld_pad."""
    stored = np.swapaxes(x, -1, -2) if trans else x
    if ld_pad:
        big = np.zeros(stored.shape[:-1] + (stored.shape[-1] + ld_pad,))
        big[..., : stored.shape[-1]] = stored
        t = ember.tensor(big, dtype=dtype)[..., : stored.shape[-1]]
    else:
        t = ember.tensor(np.ascontiguousarray(stored), dtype=dtype)
    return t.transpose(-1, -2) if trans else t


def f64(t):
    return to_np(t).astype(np.float64)


def check(res, exact, scale, dtype, k, slack=1.0):
    """|res - exact| <= slack * (2 K eps_acc + eps_out) * scale (scale: |A| @ |B| and the other
    magnitudes that enter), 16-bit floats accumulating in float32."""
    r = f64(res)
    assert r.shape == exact.shape, (r.shape, exact.shape)
    eps_acc = EPS[ember.float32] if dtype in (ember.float16, ember.bfloat16) else EPS[dtype]
    bound = slack * (2 * max(k, 1) * eps_acc + EPS[dtype]) * scale + 1e-300
    err = np.abs(r - exact)
    assert np.all(err <= bound), f"max err {err.max()} (bound there {bound.flat[np.argmax(err - bound)]})"


def rounded(t):
    return f64(t)  # the values the kernel actually multiplies (after rounding to the dtype)


# ---- sizes x ISA paths ----------------------------------------------------------------------------
SIZES = [(1, 7, 17), (7, 17, 63), (17, 63, 255), (63, 255, 257), (255, 63, 17), (257, 17, 1000),
         (1000, 63, 7), (63, 1000, 17), (255, 257, 63), (1, 1000, 257), (1000, 1, 255), (257, 255, 300)]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_sizes(isa, dtype):
    for i, (m, n, k) in enumerate(SIZES):
        if isa == "reference" and m * n * k > 5e6:
            continue  # the triple loop is slow; it is the oracle, not the subject
        a, b = operand(rand((m, k), i), dtype), operand(rand((k, n), 100 + i), dtype)
        A, B = rounded(a), rounded(b)
        check(ember.mm(a, b), A @ B, np.abs(A) @ np.abs(B), dtype, k)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("pad", [0, 3])
@pytest.mark.parametrize("mnk", [(37, 45, 70), (130, 70, 300), (200, 150, 600)])
def test_transposes_and_leading_dims(isa, ta, tb, pad, mnk):
    m, n, k = mnk
    dtype = ember.float32
    a = operand(rand((m, k), 1), dtype, ta, pad)
    b = operand(rand((k, n), 2), dtype, tb, pad)
    A, B = rounded(a), rounded(b)
    check(a @ b, A @ B, np.abs(A) @ np.abs(B), dtype, k)


# Shapes aimed at specific paths: narrow last column strip of the small path (N % 16 in 1..8),
# one row block (M <= MC) walking B in column chunks (N > 2048) over several K blocks, balanced row
# blocks (M = 300, 770), 8x8-transpose packing of full panels plus k remainders (K % 8 != 0).
PATH_SHAPES = [(100, 100, 40), (30, 100, 100), (13, 12, 5), (64, 70, 128), (20, 2100, 300), (300, 37, 520),
               (770, 40, 263)]


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_kernel_paths(isa, ta, tb):
    for i, (m, n, k) in enumerate(PATH_SHAPES):
        if isa == "reference" and m * n * k > 5e6:
            continue
        a = operand(rand((m, k), 40 + i), ember.float32, ta)
        b = operand(rand((k, n), 60 + i), ember.float32, tb)
        A, B = rounded(a), rounded(b)
        check(a @ b, A @ B, np.abs(A) @ np.abs(B), ember.float32, k)


def test_kernel_paths_column_bias_in_registers(isa):
    """The per-column bias is added in the micro-kernels' stores (full, edge-masked and narrow tiles,
    small and blocked paths, last K block only), after alpha/beta; every other shape adds a ReLU."""
    for i, (m, n, k) in enumerate(PATH_SHAPES):
        act = ("none", "relu")[i % 2]
        if isa == "reference" and m * n * k > 5e6:
            continue
        a, b = operand(rand((m, k), 40 + i), ember.float32), operand(rand((k, n), 60 + i), ember.float32, i % 2 == 1)
        bias, c = ember.tensor(rand((n,), 70 + i), dtype=ember.float32), ember.tensor(rand((m, n), 75), dtype=ember.float32)
        A, B, C, bb = rounded(a), rounded(b), rounded(c), rounded(bias)
        for beta in (0.0, 0.5):
            pre = 2.0 * (A @ B) + beta * C + bb[None, :]
            r = fused(a, b, bias=bias, c=c, alpha=2.0, beta=beta, act=act)
            check(r, ACTS[act](pre), 2.0 * (np.abs(A) @ np.abs(B)) + beta * np.abs(C) + np.abs(bb)[None, :],
                  ember.float32, k)


# Row-major A with N <= 256 (a linear layer's dX = dY W and X W^T into few features) reads A in place:
# edge rows (M % 6), several K blocks (K > KC = 256 here), B plain or transposed, padded leading dims.
INPLACE_A_SHAPES = [(1024, 128, 384), (259, 200, 600), (61, 256, 300), (7, 33, 520), (300, 129, 70), (45, 17, 257)]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("tb", [False, True])
def test_kernel_paths_a_in_place(isa, dtype, tb):
    for i, (m, n, k) in enumerate(INPLACE_A_SHAPES):
        if isa == "reference" and m * n * k > 5e6:
            continue
        a = operand(rand((m, k), 110 + i), dtype, ld_pad=3 * (i % 2))
        b = operand(rand((k, n), 120 + i), dtype, tb, ld_pad=5 * (i % 3 == 2))
        A, B = rounded(a), rounded(b)
        check(a @ b, A @ B, np.abs(A) @ np.abs(B), dtype, k)
        # nn.Linear's fused bias (in registers), beta, and an activation on top
        bias, c = ember.tensor(rand((n,), 130 + i), dtype=dtype), ember.tensor(rand((m, n), 140 + i), dtype=dtype)
        bb, C = rounded(bias), rounded(c)
        act = ("none", "relu", "gelu")[i % 3]
        pre = 0.5 * (A @ B) - 2.0 * C + bb[None, :]
        r = fused(a, b, bias=bias, c=c, alpha=0.5, beta=-2.0, act=act)
        check(r, ACTS[act](pre), 1.2 * (0.5 * (np.abs(A) @ np.abs(B)) + 2.0 * np.abs(C) + np.abs(bb)[None, :])
              + np.abs(pre), dtype, k)


def test_kernel_paths_a_in_place_matches_packed_path_bitwise(tmp_path):
    """The in-place-A path and the packed path (EMBER_GEMM_INPLACE_A_N=1 turns the former off) use the
    same K blocks and tiles, so they give the same bits (a thread's sub-product may take either)."""
    code = (
        "import sys, numpy as np, ember\n"
        "out = {}\n"
        "for i, (m, n, k) in enumerate([(1024, 128, 384), (259, 200, 600), (61, 256, 300), (7, 33, 520)]):\n"
        "    g = np.random.default_rng(i)\n"
        "    a = ember.tensor(g.uniform(-2, 2, (m, k)).astype(np.float32))\n"
        "    b = ember.tensor(g.uniform(-2, 2, (n, k)).astype(np.float32)).t()\n"
        "    bias = ember.tensor(g.uniform(-2, 2, (n,)).astype(np.float32))\n"
        "    out[f'p{i}'] = (a @ b).numpy()\n"
        "    out[f'l{i}'] = ember.nn.functional.linear(a, b.t(), bias).numpy()\n"
        "np.savez(sys.argv[1], **out)\n")
    res = {}
    for flag in ("256", "1"):
        env = dict(os.environ, EMBER_GEMM_INPLACE_A_N=flag)
        path = str(tmp_path / f"r{flag}.npz")
        subprocess.run([sys.executable, "-c", code, path], env=env, check=True, capture_output=True, text=True)
        res[flag] = np.load(path)
    for key in res["256"].files:
        np.testing.assert_array_equal(res["256"][key], res["1"][key], err_msg=key)


# Transposed A (a weight gradient's dY^T) packed 8 stored rows at a time across all full panels, the
# partial panel apart: 1 / 2 / many full panels, a partial one of 1-5 rows, K blocks with k % 8 != 0,
# leading dims that are not a multiple of 8 (the 8-wide loads are unaligned) and N on both sides of
# the in-place-A limit (256).
TRANS_A_SHAPES = [(6, 40, 300), (7, 20, 263), (12, 300, 257), (17, 33, 520), (131, 128, 1030), (384, 128, 1024),
                  (385, 70, 600)]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_kernel_paths_transposed_a(isa, dtype):
    for i, (m, n, k) in enumerate(TRANS_A_SHAPES):
        if isa == "reference" and m * n * k > 5e6:
            continue
        pad = (0, 3, 5)[i % 3]
        a = operand(rand((m, k), 200 + i), dtype, trans=True, ld_pad=pad)
        b = operand(rand((k, n), 210 + i), dtype)
        A, B = rounded(a), rounded(b)
        got = a @ b
        check(got, A @ B, np.abs(A) @ np.abs(B), dtype, k)
        # packing either layout of A gives the same panels, so the same bits as row-major A
        np.testing.assert_array_equal(to_np(got), to_np(a.contiguous() @ b), err_msg=str((m, n, k)))
        dw, db = weight_grad(a.t(), b)  # dW = g^T x with g = a^T (stored row-major): the fused row sums
        np.testing.assert_array_equal(to_np(dw), to_np(got), err_msg=str((m, n, k)))
        check(db, A.sum(1), np.abs(A).sum(1), dtype, k)


# Small path (no packing) edges: last column strips of 1-4 (128-bit vectors on AVX2) and 5-8 lanes,
# 2 x MR-row narrow calls plus a 1-11-row tail, short edge tiles of 1-4 rows (a 4-row kernel) and 5;
# the blocked path's edge tiles (M % 6 = 4 with K > 256) for comparison.
EDGE_SHAPES = [(100, 100, 40), (100, 97, 33), (99, 98, 20), (13, 3, 50), (25, 19, 64), (31, 2, 7), (5, 20, 9),
               (4, 36, 100), (100, 130, 300), (34, 33, 600)]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_kernel_paths_narrow_strips_and_short_edge_tiles(isa, dtype):
    for i, (m, n, k) in enumerate(EDGE_SHAPES):
        a = operand(rand((m, k), 220 + i), dtype, trans=i % 3 == 1)
        b = operand(rand((k, n), 230 + i), dtype, ld_pad=3 * (i % 2))
        A, B = rounded(a), rounded(b)
        check(a @ b, A @ B, np.abs(A) @ np.abs(B), dtype, k)
        # alpha/beta and a column bias (added in registers by the narrow kernels' masked loads)
        bias, c = ember.tensor(rand((n,), 240 + i), dtype=dtype), ember.tensor(rand((m, n), 250 + i), dtype=dtype)
        bb, C = rounded(bias), rounded(c)
        act = ("none", "relu")[i % 2]
        pre = -1.5 * (A @ B) + 0.5 * C + bb[None, :]
        r = fused(a, b, bias=bias, c=c, alpha=-1.5, beta=0.5, act=act)
        check(r, ACTS[act](pre), 1.2 * (1.5 * (np.abs(A) @ np.abs(B)) + 0.5 * np.abs(C) + np.abs(bb)[None, :])
              + np.abs(pre), dtype, k)


def test_kernel_paths_deterministic_across_threads():
    """Thread splits change which path a sub-product takes (one row block, small path); every
    element must still be reduced in the same order."""
    for i, (m, n, k) in enumerate(PATH_SHAPES + [(200, 2100, 300), (1000, 64, 70), (1024, 128, 384), (301, 250, 520)]):
        a = ember.tensor(rand((m, k), 80 + i), dtype=ember.float32)
        b = ember.tensor(rand((n, k), 90 + i), dtype=ember.float32).t()
        bias = ember.tensor(rand((n,), 99), dtype=ember.float32)
        try:
            ember._C.set_num_threads(1)
            one, one_e = to_np(a @ b), to_np(fused(a, b, bias, act="gelu"))
            ember._C.set_num_threads(max(2, _NT))
            two, two_e = to_np(a @ b), to_np(fused(a, b, bias, act="gelu"))
        finally:
            ember._C.set_num_threads(_NT)
        np.testing.assert_array_equal(one, two, err_msg=str((m, n, k)))
        np.testing.assert_array_equal(one_e, two_e, err_msg=str((m, n, k)))


def test_stepped_views_and_strided_output(isa):
    x = ember.tensor(rand((50, 140), 3), dtype=ember.float64)
    a = x[::2, ::2]             # 25 x 70, both strides > 1
    b = x[:70:, 1::2].t()[:, :33]  # 70 x 33, column-major, stepped
    A, B = rounded(a), rounded(b)
    out = ember.zeros((33, 25), dtype=ember.float64).t()  # non-contiguous out
    r = ember.mm(a, b, out=out)
    check(r, A @ B, np.abs(A) @ np.abs(B), ember.float64, 70)
    check(out, A @ B, np.abs(A) @ np.abs(B), ember.float64, 70)


def test_zero_sized_dims(isa):
    for m, n, k in [(0, 5, 3), (5, 0, 3), (5, 3, 0), (0, 0, 0)]:
        a, b = ember.zeros((m, k)), ember.zeros((k, n))
        r = ember.mm(a, b)
        assert tuple(r.shape) == (m, n)
        np.testing.assert_array_equal(to_np(r), np.zeros((m, n)))
    c = ember.tensor(rand((4, 6), 4), dtype=ember.float32)
    r = ember.addmm(c, ember.zeros((4, 0)), ember.zeros((0, 6)), beta=0.5, alpha=2.0)  # K == 0: beta * C
    np.testing.assert_allclose(to_np(r), 0.5 * to_np(c), rtol=1e-6)


# ---- batched, alpha / beta ---------------------------------------------------------------------------
@pytest.mark.parametrize("sa,sb", [((3, 1, 37, 20), (4, 20, 29)), ((6, 17, 63), (6, 63, 7)),
                                   ((2, 130, 64), (64, 130)), ((5, 1, 20), (5, 20, 1))])
def test_batched_broadcasting(isa, sa, sb):
    a = ember.tensor(rand(sa, 5), dtype=ember.float32)
    b = ember.tensor(rand(sb, 6), dtype=ember.float32).transpose(-1, -2).contiguous().transpose(-1, -2)
    A, B = rounded(a), rounded(b)
    check(ember.matmul(a, b), np.matmul(A, B), np.matmul(np.abs(A), np.abs(B)), ember.float32, sa[-1])


def test_bmm_transposed_operands(isa):
    a = operand(rand((8, 40, 70), 7), ember.float32, trans=True)  # (8, 40, 70) stored as (8, 70, 40)
    b = operand(rand((8, 70, 33), 8), ember.float32, trans=False, ld_pad=5)
    A, B = rounded(a), rounded(b)
    check(ember.bmm(a, b), np.matmul(A, B), np.matmul(np.abs(A), np.abs(B)), ember.float32, 70)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("alpha,beta", [(1.0, 0.0), (-1.5, 0.5), (0.25, 1.0), (2.0, -3.0)])
def test_alpha_beta(isa, dtype, alpha, beta):
    for m, n, k in [(7, 17, 63), (130, 90, 300)]:
        c = ember.tensor(rand((m, n), 9), dtype=dtype)
        a, b = ember.tensor(rand((m, k), 10), dtype=dtype), ember.tensor(rand((k, n), 11), dtype=dtype)
        A, B, C = rounded(a), rounded(b), rounded(c)
        r = ember.addmm(c, a, b, beta=beta, alpha=alpha)
        check(r, alpha * (A @ B) + beta * C, abs(alpha) * (np.abs(A) @ np.abs(B)) + abs(beta) * np.abs(C), dtype, k)
    bi = ember.tensor(rand((3, 20, 30), 12), dtype=dtype)
    b1, b2 = ember.tensor(rand((3, 20, 40), 13), dtype=dtype), ember.tensor(rand((3, 40, 30), 14), dtype=dtype)
    X, Y, Z = rounded(bi), rounded(b1), rounded(b2)
    r = ember.baddbmm(bi, b1, b2, beta=beta, alpha=alpha)
    check(r, alpha * np.matmul(Y, Z) + beta * X, abs(alpha) * np.matmul(np.abs(Y), np.abs(Z)) + abs(beta) * np.abs(X),
          dtype, 40)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_inputs_accumulate_in_float(isa, dtype):
    for m, n, k in [(17, 63, 255), (130, 70, 300)]:
        a, b = ember.tensor(rand((m, k), 15), dtype=dtype), ember.tensor(rand((k, n), 16), dtype=dtype)
        A, B = rounded(a), rounded(b)
        r = a @ b.t().contiguous().t()
        assert r.dtype is dtype
        check(r, A @ B, np.abs(A) @ np.abs(B), dtype, k)


def test_deterministic_across_threads():
    a = ember.tensor(rand((300, 700), 17), dtype=ember.float32)
    b = ember.tensor(rand((700, 290), 18), dtype=ember.float32)
    try:
        ember._C.set_num_threads(1)
        one = to_np(a @ b)
        ember._C.set_num_threads(max(2, _NT))
        two = to_np(a @ b)
    finally:
        ember._C.set_num_threads(_NT)
    np.testing.assert_array_equal(one, two)


# ---- fused epilogue ----------------------------------------------------------------------------------
def gelu(x, tanh=False):
    if tanh:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


ACTS = {"none": lambda x: x, "relu": lambda x: np.maximum(x, 0), "gelu": gelu,
        "gelu_tanh": lambda x: gelu(x, True)}


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("bias_dim", [None, -1, -2])
@pytest.mark.parametrize("mnk", [(7, 17, 63), (1, 40, 33), (40, 1, 33), (100, 100, 40), (130, 150, 600)])
def test_epilogue(isa, act, bias_dim, mnk):
    m, n, k = mnk
    dtype = ember.float32
    a = operand(rand((m, k), 19), dtype, trans=m > 50)
    b = operand(rand((k, n), 20), dtype, trans=n > 120)
    bias = None if bias_dim is None else ember.tensor(rand((n if bias_dim == -1 else m,), 21), dtype=dtype)
    c = ember.tensor(rand((m, n), 22), dtype=dtype)
    A, B, C = rounded(a), rounded(b), rounded(c)
    pre = 1.5 * (A @ B) - 0.5 * C
    scale = 1.5 * (np.abs(A) @ np.abs(B)) + 0.5 * np.abs(C)
    if bias is not None:
        bb = rounded(bias)
        pre = pre + (bb[None, :] if bias_dim == -1 else bb[:, None])
        scale = scale + np.abs(bb[None, :] if bias_dim == -1 else bb[:, None])
    r = fused(a, b, bias=bias, c=c, alpha=1.5, beta=-0.5, bias_dim=-1 if bias_dim is None else bias_dim, act=act)
    # activations are 1.13-Lipschitz at most; the activation's own rounding adds ~eps |out|
    check(r, ACTS[act](pre), 1.2 * scale + np.abs(pre), dtype, k)


def test_epilogue_batched_half_and_out():
    a = ember.tensor(rand((3, 20, 30), 23), dtype=ember.bfloat16)
    w = ember.tensor(rand((40, 30), 24), dtype=ember.bfloat16)
    bias = ember.tensor(rand((40,), 25), dtype=ember.bfloat16)
    out = ember.empty((3, 20, 40), dtype=ember.bfloat16)
    fused(a, w.t(), bias=bias, act="relu", out=out)  # nn.Linear + ReLU
    A, W, Bb = rounded(a), rounded(w), rounded(bias)
    pre = np.matmul(A, W.T) + Bb
    check(out, np.maximum(pre, 0), np.matmul(np.abs(A), np.abs(W.T)) + np.abs(Bb), ember.bfloat16, 30)


def test_epilogue_relu_keeps_nan_and_integer_relu():
    a = ember.tensor([[float("nan"), 1.0], [1.0, -5.0]])
    r = to_np(fused(a, ember.eye(2), act="relu"))
    assert math.isnan(r[0, 0]) and r[1, 1] == 0 and r[1, 0] == 1
    i = ember.tensor([[1, -2], [3, 4]], dtype=ember.int32)
    np.testing.assert_array_equal(to_np(fused(i, i, act="relu")),
                                  np.maximum(np.array([[1, -2], [3, 4]]) @ np.array([[1, -2], [3, 4]]), 0))


def test_epilogue_errors():
    a, b = ember.ones((3, 4)), ember.ones((4, 5))
    with pytest.raises(ValueError, match=r"\[gemm_epilogue\].*activation"):
        fused(a, b, act="swish")
    with pytest.raises(RuntimeError, match=r"\[gemm_epilogue\].*length 5"):
        fused(a, b, bias=ember.ones(3))
    with pytest.raises(ValueError, match=r"\[gemm_epilogue\].*bias_dim"):
        fused(a, b, bias=ember.ones(5), bias_dim=0)
    with pytest.raises(RuntimeError, match=r"\[gemm_epilogue\].*cannot be multiplied"):
        fused(a, a)
    i = ember.ones((2, 2), dtype=ember.int32)
    with pytest.raises(RuntimeError, match=r"\[gemm_epilogue\].*GELU"):
        fused(i, i, act="gelu")


def test_blocking_from_cache_sizes():
    info = ember._C.gemm_info("float32")
    assert info["l1"] >= 16 << 10 and info["l2"] >= 128 << 10
    assert info["MC"] % info["MR"] == 0 and info["NC"] % info["NR"] == 0
    # the packed B micro-panel (KC x NR) fits in L1, the packed A block (MC x KC) in L2
    assert info["KC"] * info["NR"] * 4 <= info["l1"] and info["MC"] * info["KC"] * 4 <= info["l2"]
    d = ember._C.gemm_info("float64")
    assert d["NR"] * 2 == info["NR"]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_epilogue_matches_torch_linear_gelu():
    x = ember.tensor(rand((33, 48), 26), dtype=ember.float32)
    w = ember.tensor(rand((20, 48), 27), dtype=ember.float32)
    bias = ember.tensor(rand((20,), 28), dtype=ember.float32)
    r = to_np(fused(x, w.t(), bias=bias, act="gelu"))
    ref = torch.nn.functional.gelu(torch.nn.functional.linear(torch.from_numpy(to_np(x)), torch.from_numpy(to_np(w)),
                                                              torch.from_numpy(to_np(bias)))).numpy()
    np.testing.assert_allclose(r, ref, rtol=1e-5, atol=1e-5)


def test_epilogue_row_bias_batched_and_strided_bias():
    # the batch of a folds into M for a plain product; a per-row bias must still index rows per item
    a = ember.tensor(rand((3, 20, 30), 29), dtype=ember.float64)
    b = ember.tensor(rand((30, 40), 30), dtype=ember.float64)
    wide = ember.tensor(rand((40,), 31), dtype=ember.float64)
    bias = wide[::2]  # length 20, stride 2
    r = fused(a, b, bias=bias, bias_dim=-2, act="gelu_tanh")
    A, B, Bb = rounded(a), rounded(b), rounded(bias)
    pre = np.matmul(A, B) + Bb[:, None]
    check(r, ACTS["gelu_tanh"](pre), 1.2 * (np.matmul(np.abs(A), np.abs(B)) + np.abs(Bb[:, None])) + np.abs(pre),
          ember.float64, 30)


def test_isa_env_alias():
    code = "import ember; print(ember._C.cpu_isa())"
    for var in ("EMBER_ISA", "EMBER_CPU_ISA"):
        env = dict(os.environ, **{var: "baseline"})
        env.pop("EMBER_ISA" if var == "EMBER_CPU_ISA" else "EMBER_CPU_ISA", None)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "baseline", (var, out.stdout, out.stderr)


# ---- nn.Linear's weight and bias gradients in one pass (_C.linear_weight_grad) -------------------------
def weight_grad(g, x, bias=True):
    dw, db = ember._C.linear_weight_grad(g._t, x._t, bias)
    return _wrap(dw), None if db is None else _wrap(db)


# (rows, out, in): blocked with A = g^T packed (one row block; several row blocks and K blocks), the
# small path, GEMV (out == 1, in == 1), and empty dims
WGRAD_SHAPES = [(1024, 384, 128), (700, 600, 70), (1030, 13, 300), (50, 30, 20), (37, 1, 9), (37, 9, 1),
                (0, 5, 4), (6, 5, 0), (6, 0, 4)]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_linear_weight_grad(isa, dtype):
    for i, (rows, fout, fin) in enumerate(WGRAD_SHAPES):
        if isa == "reference" and rows * fout * fin > 5e6:
            continue
        g = operand(rand((rows, fout), 150 + i), dtype, trans=i % 2 == 1, ld_pad=2 * (i % 3 == 1))
        x = operand(rand((rows, fin), 160 + i), dtype, ld_pad=3 * (i % 3 == 2))
        G, X = rounded(g), rounded(x)
        dw, db = weight_grad(g, x)
        check(dw, G.T @ X, np.abs(G.T) @ np.abs(X), dtype, rows)
        check(db, G.sum(0), np.abs(G).sum(0), dtype, rows)
        dw2, none = weight_grad(g, x, bias=False)
        assert none is None
        np.testing.assert_array_equal(to_np(dw2), to_np(dw))


def test_linear_weight_grad_half_int_and_threads():
    g, x = ember.tensor(rand((300, 40), 170), dtype=ember.bfloat16), ember.tensor(rand((300, 24), 171), dtype=ember.bfloat16)
    dw, db = weight_grad(g, x)
    G, X = rounded(g), rounded(x)
    assert dw.dtype is ember.bfloat16 and db.dtype is ember.bfloat16
    check(dw, G.T @ X, np.abs(G.T) @ np.abs(X), ember.bfloat16, 300)
    check(db, G.sum(0), np.abs(G).sum(0), ember.bfloat16, 300)
    gi = ember.tensor(np.arange(-30, 30).reshape(12, 5), dtype=ember.int32)
    xi = ember.tensor(np.arange(36).reshape(12, 3) % 7, dtype=ember.int32)
    dw, db = weight_grad(gi, xi)
    np.testing.assert_array_equal(to_np(dw), to_np(gi).T @ to_np(xi))
    np.testing.assert_array_equal(to_np(db), to_np(gi).sum(0))
    # each row sum is reduced in one order whatever the thread split (rows, columns of C, path)
    for i, (rows, fout, fin) in enumerate([(1024, 384, 128), (2000, 70, 600), (1024, 128, 512), (300, 500, 260)]):
        g = ember.tensor(rand((rows, fout), 180 + i), dtype=ember.float32)
        x = ember.tensor(rand((rows, fin), 190 + i), dtype=ember.float32)
        try:
            ember._C.set_num_threads(1)
            one = [to_np(t) for t in weight_grad(g, x)]
            ember._C.set_num_threads(max(2, _NT))
            two = [to_np(t) for t in weight_grad(g, x)]
        finally:
            ember._C.set_num_threads(_NT)
        np.testing.assert_array_equal(one[0], two[0])
        np.testing.assert_array_equal(one[1], two[1])


def test_linear_weight_grad_errors():
    with pytest.raises(RuntimeError, match=r"\[linear_weight_grad\].*2-D"):
        ember._C.linear_weight_grad(ember.ones(3)._t, ember.ones((3, 2))._t, True)
    with pytest.raises(RuntimeError, match=r"\[linear_weight_grad\].*same dtype"):
        ember._C.linear_weight_grad(ember.ones((3, 2))._t, ember.ones((3, 2), dtype=ember.float64)._t, True)
    with pytest.raises(RuntimeError, match=r"\[linear_weight_grad\].*same number of rows"):
        ember._C.linear_weight_grad(ember.ones((3, 2))._t, ember.ones((4, 2))._t, True)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("shape", [(4, 256, 128), (1024, 128), (3, 7, 33), (5, 128)])
def test_linear_grads_match_torch(shape):
    """F.linear backward (dx = g W, dW and db from one pass over g) against torch, 3-D and 2-D inputs,
    bias of shape (out,) and (1,) (broadcast), a non-contiguous 3-D input."""
    fin, fout = shape[-1], 3 * shape[-1] // 2 + 1
    xs, ws, bs = rand(shape, 200), rand((fout, fin), 201), rand((fout,), 202)
    gs = rand(shape[:-1] + (fout,), 203)
    for bias_shape in ((fout,), (1,)):
        b0 = bs[: bias_shape[0]]
        ex, ew, eb = (ember.tensor(a, dtype=ember.float32, requires_grad=True) for a in (xs, ws, b0))
        tx, tw, tb = (torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in (xs, ws, b0))
        ember.nn.functional.linear(ex.mT.contiguous().mT if ex.dim() == 3 else ex, ew, eb).backward(
            ember.tensor(gs, dtype=ember.float32))
        torch.nn.functional.linear(tx, tw, tb).backward(torch.tensor(gs, dtype=torch.float32))
        for e, t in ((ex, tx), (ew, tw), (eb, tb)):
            np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(gs).sum(0).max())
