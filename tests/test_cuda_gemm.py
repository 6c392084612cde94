"""Matrix products on CUDA against the CPU (the reference; test_matmul.py / test_gemm.py check the CPU
against numpy and PyTorch): mm, bmm, matmul in every broadcasting form, addmm, addbmm, baddbmm,
addmv, mv, dot, vdot, outer, addr, linear (fused bias), einsum, tensordot, alpha/beta, out=, K=0 and
empty shapes, transposed / sliced / expanded operands, the TF32 switch, gradients, and errors.

GPU cases are marked ``needs_cuda`` (skipped, with the reason, without a GPU). The cases at the end
run everywhere: the precision switches, and the device checks through ``_C._as_fake_cuda``.

Tolerances: operands are uniform in [-3, 3], so an entry of a K-term product has magnitude about
3 * sqrt(K) and the CPU and GPU differ only in summation order (fp32/fp64) or in the final
rounding to a 16-bit type; TF32 rounds the inputs to 10 mantissa bits. Each tolerance is a few
units of the result dtype (or of TF32) at that magnitude: proportional to sqrt(K).
"""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import HAS_CUDA, needs_cuda, torch
from cudautil import check, host, sample

FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
EPS = {ember.float64: 2.2e-16, ember.float32: 1.2e-7, ember.float16: 9.8e-4, ember.bfloat16: 7.8e-3}
TF32_EPS = 9.8e-4


def tol(dtype, K, eps=None):
    """(rtol, atol) for a K-term product of [-3, 3] operands in `dtype`."""
    e = EPS[dtype] if eps is None else eps
    scale = 3.0 * math.sqrt(max(K, 1)) * 3.0
    if dtype in (ember.float16, ember.bfloat16) or eps is not None:
        return 4 * e, 4 * e * scale
    return 64 * e, 16 * e * scale * math.sqrt(max(K, 1))


def cmp(g, c, K):
    r, a = tol(c.dtype, K)
    check(g, c, rtol=r, atol=a)


def mat(shape, dtype, seed, layout="n"):
    """A CPU matrix of `shape` (..., R, C): contiguous ("n"), a transposed view ("t"), a view with a
    column step of 2 ("s"), or a view starting one element in (unaligned for 16-byte loads, "o")."""
    *lead, R, C = shape
    if layout == "n":
        return sample(shape, dtype, seed)
    if layout == "t":
        return sample(tuple(lead) + (C, R), dtype, seed).transpose(-1, -2)
    if layout == "s":
        return sample(tuple(lead) + (R, 2 * C), dtype, seed)[..., ::2]
    if layout == "o":
        flat = sample((int(np.prod(shape)) + 1,), dtype, seed)
        return flat[1:].reshape(shape)
    raise ValueError(layout)


def both(fn, *ts):
    """fn on cuda copies and on the CPU originals."""
    return fn(*[t.cuda() if isinstance(t, ember.Tensor) else t for t in ts]), fn(*ts)


SHAPES = [(1, 1, 1), (17, 33, 65), (128, 128, 128), (257, 129, 511), (5, 300, 2)]


# ---- mm over shapes, dtypes and the four trans combinations -----------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("M,N,K", SHAPES)
@pytest.mark.parametrize("la,lb", [("n", "n"), ("t", "n"), ("n", "t"), ("t", "t")])
def test_mm_layouts(dtype, M, N, K, la, lb):
    a, b = mat((M, K), dtype, 1, la), mat((K, N), dtype, 2, lb)
    g, c = both(ember.mm, a, b)
    cmp(g, c, K)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("la,lb", [("s", "n"), ("n", "s"), ("o", "o"), ("s", "t"), ("t", "o")])
def test_mm_strided_and_unaligned(dtype, la, lb):
    M, N, K = 67, 45, 131
    a, b = mat((M, K), dtype, 3, la), mat((K, N), dtype, 4, lb)
    g, c = both(ember.mm, a, b)
    cmp(g, c, K)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16])
def test_mm_block_edges(dtype):
    # sizes around the tile edges (128 / 64) and the k-step (8 / 16 / 32)
    for M, N, K in [(127, 129, 7), (128, 64, 9), (129, 255, 33), (64, 65, 31), (256, 256, 17)]:
        a, b = mat((M, K), dtype, M, "n"), mat((K, N), dtype, N, "t")
        g, c = both(ember.mm, a, b)
        cmp(g, c, K)


@needs_cuda
@pytest.mark.parametrize("dtype,shape", [
    (ember.float32, (64, 64, 65536)), (ember.float64, (100, 130, 5000)), (ember.float16, (64, 64, 20000)),
    (ember.bfloat16, (3, 40, 50, 3000)), (ember.float32, (2, 130, 7, 9000)),
])
def test_split_k(dtype, shape):
    # few output tiles and a long k: the k range is split over blocks and reduced in a second pass
    *lead, M, N, K = shape
    a, b = mat(tuple(lead) + (M, K), dtype, 1), mat(tuple(lead) + (K, N), dtype, 2, "t")
    cmp(*both(ember.matmul, a, b), K)
    inp = sample((N,), dtype, 3)
    cmp(*both(lambda i, x, y: ember.addmm(i, x, y, beta=0.5, alpha=-1.5), inp, a.reshape(-1, K)[:M], b.reshape(-1, N)[:K]), K)
    x, w, bias = sample((8, K), dtype, 4), sample((16, K), dtype, 5), sample((16,), dtype, 6)
    cmp(*both(F.linear, x, w, bias), K)


@needs_cuda
def test_split_k_tf32():
    a, b = mat((64, 8192), ember.float32, 1), mat((8192, 96), ember.float32, 2)
    ref = ember.mm(a, b)
    try:
        ember.backends.cuda.matmul.allow_tf32 = True
        g = ember.mm(a.cuda(), b.cuda())
    finally:
        ember.backends.cuda.matmul.allow_tf32 = False
    r, at = tol(ember.float32, 8192, TF32_EPS)
    check(g, ref, rtol=r, atol=at)


@needs_cuda
def test_mm_tf32():
    M, N, K = 257, 129, 511
    a, b = mat((M, K), ember.float32, 5), mat((K, N), ember.float32, 6, "t")
    ref = ember.mm(a, b)
    old = ember.backends.cuda.matmul.allow_tf32
    try:
        ember.backends.cuda.matmul.allow_tf32 = True
        g = ember.mm(a.cuda(), b.cuda())
        ember.set_float32_matmul_precision("high")
        g2 = ember.mm(a.cuda(), b.t().contiguous().t().cuda())
    finally:
        ember.backends.cuda.matmul.allow_tf32 = old
    r, at = tol(ember.float32, K, TF32_EPS)
    check(g, ref, rtol=r, atol=at)
    check(g2, ref, rtol=r, atol=at)
    # full precision again
    cmp(ember.mm(a.cuda(), b.cuda()), ref, K)


# ---- batched products and matmul's broadcasting ---------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_bmm_and_baddbmm(dtype):
    B, M, N, K = 3, 33, 17, 40
    a, b = mat((B, M, K), dtype, 1), mat((B, K, N), dtype, 2, "t")
    cmp(*both(ember.bmm, a, b), K)
    inp = sample((B, M, N), dtype, 3)
    cmp(*both(lambda i, x, y: ember.baddbmm(i, x, y, beta=0.5, alpha=-2), inp, a, b), K)
    cmp(*both(lambda i, x, y: ember.baddbmm(i, x, y), sample((N,), dtype, 4), a, b), K)
    cmp(*both(lambda i, x, y: ember.addbmm(i, x, y, beta=2, alpha=0.5), sample((M, N), dtype, 5), a, b), B * K)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("sa,sb", [
    ((7,), (7,)), ((7,), (7, 5)), ((6, 7), (7,)), ((2, 6, 7), (7,)), ((7,), (2, 7, 5)),
    ((2, 3, 6, 7), (7, 5)), ((6, 7), (4, 7, 5)), ((2, 1, 6, 7), (1, 3, 7, 5)), ((3, 1, 7), (3, 7, 1)),
    ((1, 6, 7), (4, 7, 5)),
])
def test_matmul_broadcasting(dtype, sa, sb):
    a, b = sample(sa, dtype, 1), sample(sb, dtype, 2)
    cmp(*both(ember.matmul, a, b), sa[-1])
    cmp(*both(lambda x, y: x @ y, a, b), sa[-1])


@needs_cuda
def test_matmul_expanded_and_permuted_batches():
    a = sample((1, 5, 9), ember.float32, 1).expand(4, 5, 9)          # batch stride 0
    b = sample((9, 4, 6), ember.float32, 2).permute(1, 0, 2)          # batch stride 6, rows 24
    cmp(*both(ember.matmul, a, b), 9)
    c = sample((2, 3, 4, 8, 5), ember.float64, 3).permute(2, 0, 1, 3, 4)  # non-mergeable batch dims
    d = sample((5, 7), ember.float64, 4)
    cmp(*both(ember.matmul, c, d), 5)


@needs_cuda
def test_many_batches_beyond_grid_z():
    # 70000 batch items: more than gridDim.z's 65535 (the kernels loop over the rest)
    a, b = sample((70000, 2, 3), ember.float32, 1), sample((70000, 3, 2), ember.float32, 2)
    cmp(*both(ember.bmm, a, b), 3)
    v = sample((70000, 3, 1), ember.float32, 3)
    cmp(*both(ember.bmm, a, v), 3)


# ---- vector forms: mv, addmv, dot, vdot, outer, addr ---------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 31, 32, 33, 1000, 4097])
def test_mv_dot_sizes(dtype, n):
    m = 37
    A, At, v, w = mat((m, n), dtype, 1), mat((m, n), dtype, 2, "t"), sample((n,), dtype, 3), sample((n,), dtype, 4)
    cmp(*both(ember.mv, A, v), n)
    cmp(*both(ember.mv, At, v), n)          # unit stride along the outputs: the column kernel
    cmp(*both(ember.matmul, v, A.t()), n)     # vector @ matrix (M == 1)
    cmp(*both(ember.matmul, v, At.t()), n)
    cmp(*both(ember.dot, v, w), n)
    cmp(*both(ember.vdot, v, w), n)
    cmp(*both(ember.dot, sample((2 * n,), dtype, 5)[::2], w), n)  # strided operand


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_long_dot_and_gemv(dtype):
    n = 2 ** 20 + 3
    v, w = sample((n,), dtype, 1), sample((n,), dtype, 2)
    cmp(*both(ember.dot, v, w), n)
    A = sample((3, n), dtype, 3)
    cmp(*both(ember.mv, A, v), n)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_addmv_outer_addr(dtype):
    m, n = 40, 70
    A, v, inp = sample((m, n), dtype, 1), sample((n,), dtype, 2), sample((m,), dtype, 3)
    cmp(*both(lambda i, a, x: ember.addmv(i, a, x, beta=0.5, alpha=2), inp, A, v), n)
    cmp(*both(lambda i, a, x: ember.addmv(i, a, x), sample((1,), dtype, 4), A, v), n)
    x, y = sample((m,), dtype, 5), sample((n,), dtype, 6)
    cmp(*both(ember.outer, x, y), 1)
    cmp(*both(lambda i, a, b: ember.addr(i, a, b, beta=-1, alpha=3), sample((m, n), dtype, 7), x, y), 1)


# ---- addmm: alpha / beta / broadcast input / beta = 0 ignores NaN ------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, -2), (0, 1), (0, 3), (2, 0)])
def test_addmm_alpha_beta(dtype, beta, alpha):
    M, N, K = 33, 65, 20
    a, b = mat((M, K), dtype, 1, "t"), mat((K, N), dtype, 2)
    for inp in (sample((M, N), dtype, 3), sample((N,), dtype, 4), sample((M, 1), dtype, 5)):
        cmp(*both(lambda i, x, y: ember.addmm(i, x, y, beta=beta, alpha=alpha), inp, a, b), K)


@needs_cuda
def test_addmm_beta_zero_ignores_nan_and_inplace():
    a, b = sample((9, 4), ember.float32, 1), sample((4, 6), ember.float32, 2)
    inp = ember.full((9, 6), float("nan"))
    g = ember.addmm(inp.cuda(), a.cuda(), b.cuda(), beta=0)
    assert not np.isnan(host(g)).any()
    cmp(g, ember.mm(a, b), 4)
    s_cpu, s_gpu = sample((9, 6), ember.float32, 3), sample((9, 6), ember.float32, 3).cuda()
    s_cpu.addmm_(a, b, beta=0.5, alpha=2)
    s_gpu.addmm_(a.cuda(), b.cuda(), beta=0.5, alpha=2)
    cmp(s_gpu, s_cpu, 4)
    bb_cpu, bb_gpu = sample((2, 9, 6), ember.float32, 4), sample((2, 9, 6), ember.float32, 4).cuda()
    x, y = sample((2, 9, 4), ember.float32, 5), sample((2, 4, 6), ember.float32, 6)
    bb_cpu.baddbmm_(x, y, beta=-1)
    bb_gpu.baddbmm_(x.cuda(), y.cuda(), beta=-1)
    cmp(bb_gpu, bb_cpu, 4)


# ---- K = 0, empty shapes, out= ---------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_k_zero_and_empty(dtype):
    a, b = ember.empty(5, 0, dtype=dtype), ember.empty(0, 7, dtype=dtype)
    cmp(*both(ember.mm, a, b), 0)                      # zeros
    inp = sample((5, 7), dtype, 1)
    cmp(*both(lambda i, x, y: ember.addmm(i, x, y, beta=2), inp, a, b), 0)
    cmp(*both(lambda i, x, y: ember.addmm(i, x, y, beta=0), ember.full((5, 7), float("nan"), dtype=dtype), a, b), 0)
    cmp(*both(ember.mm, ember.empty(0, 4, dtype=dtype), sample((4, 3), dtype, 2)), 4)
    cmp(*both(ember.mm, sample((3, 4), dtype, 3), ember.empty(4, 0, dtype=dtype)), 4)
    cmp(*both(ember.bmm, ember.empty(0, 3, 4, dtype=dtype), ember.empty(0, 4, 2, dtype=dtype)), 4)
    cmp(*both(ember.dot, ember.empty(0, dtype=dtype), ember.empty(0, dtype=dtype)), 0)
    cmp(*both(ember.mv, ember.empty(3, 0, dtype=dtype), ember.empty(0, dtype=dtype)), 0)


@needs_cuda
def test_out_argument():
    a, b = sample((20, 30), ember.float32, 1), sample((30, 10), ember.float32, 2)
    ref = ember.mm(a, b)
    out = ember.empty(20, 10, device="cuda")
    r = ember.mm(a.cuda(), b.cuda(), out=out)
    assert r is out
    cmp(out, ref, 30)
    out_t = ember.empty(10, 20, device="cuda").t()      # non-contiguous out: computed, then copied
    ember.matmul(a.cuda(), b.cuda(), out=out_t)
    cmp(out_t, ref, 30)
    o = ember.empty((), device="cuda")
    ember.dot(a[0].cuda(), a[1].cuda(), out=o)
    cmp(o, ember.dot(a[0], a[1]), 30)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.mm(a.cuda(), b.cuda(), out=ember.empty(20, 10))


# ---- linear (fused bias), einsum, tensordot, multi_dot, matrix_power -----------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_linear(dtype):
    x, w, bias = sample((4, 6, 50), dtype, 1), sample((30, 50), dtype, 2), sample((30,), dtype, 3)
    cmp(*both(F.linear, x, w, bias), 50)
    cmp(*both(F.linear, x, w), 50)
    cmp(*both(F.linear, x[0, 0], w, bias), 50)            # 1-D input: the GEMV path with the bias
    cmp(*both(F.linear, x.transpose(0, 1), w, bias), 50)  # strided batch
    cmp(*both(F.linear, x, w, sample((1,), dtype, 4)), 50)  # broadcasting bias: the addmm path


@needs_cuda
def test_gemm_epilogue_activations():
    a, b, bias = sample((70, 40), ember.float32, 1), sample((40, 90), ember.float32, 2), sample((90,), ember.float32, 3)
    rb = sample((70,), ember.float32, 4)
    for act in ("none", "relu", "gelu", "gelu_tanh"):
        g = ember._C.gemm_epilogue(a.cuda()._t, b.cuda()._t, bias.cuda()._t, None, 1, 0, -1, act, None)
        c = ember._C.gemm_epilogue(a._t, b._t, bias._t, None, 1, 0, -1, act, None)
        from ember._tensor import _wrap
        cmp(_wrap(g), _wrap(c), 40)
        g = ember._C.gemm_epilogue(a.cuda()._t, b.cuda()._t, rb.cuda()._t, None, 2, 0, -2, act, None)
        c = ember._C.gemm_epilogue(a._t, b._t, rb._t, None, 2, 0, -2, act, None)
        cmp(_wrap(g), _wrap(c), 40)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
@pytest.mark.parametrize("eq,shapes", [
    ("bij,bjk->bik", [(3, 5, 6), (3, 6, 4)]),
    ("ij,jk", [(5, 6), (6, 4)]),
    ("i,i->", [(9,), (9,)]),
    ("ij->", [(5, 6)]),
    ("ij->j", [(5, 6)]),
    ("ii->i", [(5, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 8), (2, 3, 7, 8)]),
    ("...ij,...jk->...ik", [(2, 1, 4, 5), (3, 5, 2)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("i,j->ij", [(4,), (6,)]),
])
def test_einsum(dtype, eq, shapes):
    ops = [sample(s, dtype, i) for i, s in enumerate(shapes)]
    K = max(max(s) for s in shapes) ** 2
    cmp(*both(lambda *t: ember.einsum(eq, *t), *ops), K)


@needs_cuda
def test_tensordot_multi_dot_matrix_power_inner():
    a, b = sample((3, 4, 5), ember.float32, 1), sample((4, 5, 6), ember.float32, 2)
    cmp(*both(lambda x, y: ember.tensordot(x, y, dims=2), a, b), 20)
    ms = [sample((4, 7), ember.float64, 3), sample((7, 2), ember.float64, 4), sample((2, 9), ember.float64, 5)]
    cmp(*both(lambda *t: ember.linalg.multi_dot(list(t)), *ms), 7)
    sq = sample((2, 6, 6), ember.float64, 6) / 3
    for n in (0, 1, 3):
        cmp(*both(lambda x: ember.matrix_power(x, n), sq), 6 ** 3)
    cmp(*both(ember.inner, sample((3, 5), ember.float32, 7), sample((4, 5), ember.float32, 8)), 5)


# ---- gradients -----------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("sa,sb", [((6, 7), (7, 5)), ((2, 3, 6, 7), (7, 5)), ((7,), (2, 7, 5)), ((2, 1, 6, 7), (3, 7, 5))])
def test_matmul_backward(dtype, sa, sb):
    def run(dev):
        a = sample(sa, dtype, 1).to(dev).requires_grad_()
        b = sample(sb, dtype, 2).to(dev).requires_grad_()
        y = ember.matmul(a, b)
        y.backward(sample(tuple(y.shape), dtype, 3).to(dev))
        return a.grad, b.grad
    (ga, gb), (ca, cb) = run("cuda"), run("cpu")
    cmp(ga, ca, 64)
    cmp(gb, cb, 64)


@needs_cuda
@pytest.mark.parametrize("bias", [True, False])
def test_linear_backward(bias):
    def run(dev):
        x = sample((4, 5, 12), ember.float32, 1).to(dev).requires_grad_()
        w = sample((8, 12), ember.float32, 2).to(dev).requires_grad_()
        b = sample((8,), ember.float32, 3).to(dev).requires_grad_() if bias else None
        y = F.linear(x, w, b)
        y.backward(sample(tuple(y.shape), ember.float32, 4).to(dev))
        return [t.grad for t in (x, w, b) if t is not None]
    for g, c in zip(run("cuda"), run("cpu")):
        cmp(g, c, 20)


# ---- errors on cuda --------------------------------------------------------------------------------------
@needs_cuda
def test_errors_on_cuda():
    g, c = ember.ones(3, 3, device="cuda"), ember.ones(3, 3)
    same = r"Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=same):
        ember.matmul(g, c)
    with pytest.raises(RuntimeError, match=same):
        ember.mm(c, g)
    with pytest.raises(RuntimeError, match=same):
        ember.addmm(c, g, g)
    with pytest.raises(RuntimeError, match=same):
        F.linear(g, g, ember.ones(3))
    with pytest.raises(RuntimeError, match=same):
        ember.einsum("ij,jk", g, c)
    gi = ember.ones(3, 3, dtype=ember.int64, device="cuda")
    with pytest.raises(RuntimeError, match=r"^\[matmul\] \"addmm_cuda\" not implemented for 'Long'"):
        ember.matmul(gi, gi)
    with pytest.raises(RuntimeError, match=r"^\[mm\] mat1 and mat2 shapes cannot be multiplied"):
        ember.mm(g, ember.ones(4, 2, device="cuda"))
    with pytest.raises(RuntimeError, match=r"^\[matmul\] expected m1 and m2 to have the same dtype"):
        ember.matmul(g, g.double())
    assert (g + 1).is_cuda  # the process is fine afterwards


@pytest.mark.skipif(torch is None or not HAS_CUDA or not torch.cuda.is_available(), reason="needs PyTorch with CUDA")
def test_against_torch_cuda():
    a, b = sample((300, 200), ember.float32, 1), sample((200, 100), ember.float32, 2)
    e = ember.mm(a.cuda(), b.cuda())
    t = torch.from_numpy(a.numpy()).cuda() @ torch.from_numpy(b.numpy()).cuda()
    np.testing.assert_allclose(host(e), t.cpu().numpy(), rtol=1e-4, atol=1e-3)


# ---- without a GPU: switches and the device checks ---------------------------------------------------------
def test_precision_switches():
    m = ember.backends.cuda.matmul
    assert m.allow_tf32 is False  # PyTorch's default
    assert ember.get_float32_matmul_precision() == "highest"
    try:
        m.allow_tf32 = True
        assert ember.get_float32_matmul_precision() == "high"
        ember.set_float32_matmul_precision("medium")
        assert m.allow_tf32 is True and ember.get_float32_matmul_precision() == "medium"
        ember.set_float32_matmul_precision("highest")
        assert m.allow_tf32 is False
        with pytest.raises(RuntimeError, match="set_float32_matmul_precision"):
            ember.set_float32_matmul_precision("fast")
        with pytest.raises(AttributeError, match="Unknown attribute"):
            m.allow_tf64 = True
        assert m.allow_fp16_reduced_precision_reduction is True
    finally:
        m.allow_tf32 = False
    assert isinstance(ember.backends.cuda.is_built(), bool)


def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@pytest.mark.skipif(HAS_CUDA, reason="fake CUDA tensors are for machines without a GPU")
def test_mixed_devices_refused_before_any_kernel():
    c = ember.ones(3, 3)
    g = _fake(ember.ones(3, 3))
    msg = r"Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    for call in (lambda: ember.matmul(g, c), lambda: ember.matmul(c, g), lambda: ember.mm(c, g),
                 lambda: ember.addmm(c, g, g), lambda: ember.bmm(c[None], g[None]), lambda: ember.dot(c[0], g[0]),
                 lambda: ember.mv(g, c[0]), lambda: ember.einsum("ij,jk->ik", c, g),
                 lambda: ember.tensordot(g, c, dims=1), lambda: ember.linalg.multi_dot([c, g, c]),
                 lambda: ember.mm(c, c, out=g), lambda: F.linear(c, g)):
        with pytest.raises(RuntimeError, match=msg):
            call()


@pytest.mark.skipif(HAS_CUDA, reason="fake CUDA tensors are for machines without a GPU")
def test_fake_cuda_product_takes_the_device_path():
    # A product of two (fake) CUDA tensors allocates its result on the device: without a GPU that is
    # where it stops (a CPU kernel would have run on the host memory and returned a CPU tensor).
    g = _fake(ember.ones(3, 3))
    for call in (lambda: ember.matmul(g, g), lambda: ember.einsum("ij,jk", g, g), lambda: F.linear(g, g)):
        with pytest.raises(RuntimeError, match=r"cuda|CUDA"):
            call()
