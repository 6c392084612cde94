"""Matrix products: matmul/@ (broadcasting, 1-D rules), mm, bmm, mv, dot, vdot, inner, addmm, addmv,
addbmm, baddbmm (+ in-place and out=), einsum, tensordot, multi_dot, chain_matmul, matrix_power,
linalg.vecdot — against numpy (float64 oracle, error bound scaled by K), torch where installed, and
the reference kernels (fast == reference within rounding; fast is thread-count deterministic)."""
import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, NP, make, needs_torch, to_np, to_torch, torch, torch_dtype

EPS = {ember.float32: 2.0 ** -23, ember.float64: 2.0 ** -52, ember.float16: 2.0 ** -10, ember.bfloat16: 2.0 ** -7}


def check_product(res, expected, scale, dtype, k):
    """|res - exact| <= (2 K eps_acc + eps_out) * scale, scale = |A| |B| (the same product of absolute
    values), exact = the float64 product of the (already rounded) inputs; 16-bit floats accumulate in
    float32. Integer results must be exact."""
    r = to_np(res).astype(np.float64)
    assert r.shape == np.shape(expected), (r.shape, np.shape(expected))
    if dtype in INT_DTYPES:
        np.testing.assert_array_equal(to_np(res), np.asarray(expected).astype(NP[dtype]))
        return
    eps_acc = EPS[ember.float32] if dtype in (ember.float16, ember.bfloat16) else EPS[dtype]
    bound = (2 * max(k, 1) * eps_acc + EPS[dtype]) * scale + 1e-30
    err = np.abs(r - expected)
    assert np.all(err <= bound), f"max err {err.max()} > bound {np.max(bound)}"


def check_mm(res, a, b, dtype=None, fn=np.matmul):
    """res vs fn(a, b) (float64), with the error bound of fn(|a|, |b|) over K = a's last dim."""
    A, B = f64(a), f64(b)
    dtype = dtype or a.dtype
    exact = fn(A.astype(np.int64), B.astype(np.int64)) if dtype in INT_DTYPES else fn(A, B)
    check_product(res, exact, fn(np.abs(A), np.abs(B)), dtype, A.shape[-1] if A.ndim else 1)


def f64(t):
    return to_np(t).astype(np.float64)


# ---- matmul: shapes and broadcasting ---------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((1, 1), (1, 1)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 6)),
    ((4, 1, 2, 3), (1, 7, 3, 2)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((2, 1, 3), (3,)),
    ((6, 7, 9), (9, 1)), ((1, 9), (6, 9, 7)), ((2, 1, 1, 3), (1, 1, 3, 1)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes(sa, sb):
    a, b = make(sa, seed=1), make(sb, seed=2)
    r = ember.matmul(a, b)
    assert r.dtype is ember.float32 and r.is_contiguous()
    check_mm(r, a, b)
    check_mm(a @ b, a, b)


@needs_torch
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes_torch(sa, sb):
    a, b = make(sa, seed=3), make(sb, seed=4)
    e = torch.matmul(to_torch(a), to_torch(b))
    r = ember.matmul(a, b)
    assert tuple(r.shape) == tuple(e.shape)
    np.testing.assert_allclose(to_np(r), e.numpy(), rtol=1e-5, atol=1e-5)


# Sizes around the tile edges (MR=6, NR=8/16/32), K beyond one KC block (256), N beyond NC (4096).
EDGE_SIZES = [(1, 1, 1), (1, 17, 5), (17, 1, 5), (7, 9, 3), (13, 33, 70), (97, 65, 257), (130, 250, 300),
              (3, 4100, 7), (64, 64, 64), (6, 16, 600)]


@pytest.mark.parametrize("m,n,k", EDGE_SIZES)
def test_matmul_sizes_float32(m, n, k):
    a, b = make((m, k), seed=5), make((k, n), seed=6)
    check_mm(a @ b, a, b)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("m,n,k", [(5, 7, 3), (37, 29, 300), (1, 40, 33), (40, 1, 33), (1, 1, 77)])
def test_matmul_float_dtypes(dtype, m, n, k):
    a, b = make((m, k), dtype, seed=7), make((k, n), dtype, seed=8)
    r = a @ b
    assert r.dtype is dtype
    check_mm(r, a, b)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES)
def test_matmul_dtypes_torch(dtype):
    a, b = make((4, 6, 50), dtype, seed=9), make((50, 7), dtype, seed=10)
    e = torch.matmul(to_torch(a), to_torch(b))
    r = ember.matmul(a, b)
    assert r.dtype is dtype
    if dtype in INT_DTYPES:
        np.testing.assert_array_equal(to_np(r), e.numpy())  # both wrap around the same way
    else:
        check_product(r, e.double().numpy(), np.abs(f64(a)) @ np.abs(f64(b)), dtype, 50)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_matmul_int_dtypes(dtype):
    a, b = make((9, 21), dtype, seed=11), make((21, 13), dtype, seed=12)
    r = a @ b
    assert r.dtype is dtype
    np.testing.assert_array_equal(to_np(r), (to_np(a).astype(np.int64) @ to_np(b).astype(np.int64)).astype(NP[dtype]))


def test_matmul_int_wraps_like_torch_and_numpy():
    a = ember.full((2, 300), 100, dtype=ember.int8)
    b = ember.full((300, 2), 100, dtype=ember.int8)
    expected = (np.full((2, 300), 100, np.int64) @ np.full((300, 2), 100, np.int64)).astype(np.int8)
    np.testing.assert_array_equal(to_np(a @ b), expected)
    big = ember.full((2, 3), 2 ** 40, dtype=ember.int64)
    np.testing.assert_array_equal(to_np(big @ big.mT), np.full((2, 2), 3 * 2 ** 80 % 2 ** 64, np.uint64).astype(np.int64))


# ---- strided / transposed / broadcast operands -----------------------------------------------------
@pytest.mark.parametrize("ka", [None, "T", "step", "expand"])
@pytest.mark.parametrize("kb", [None, "T", "step", "expand"])
def test_matmul_noncontiguous(ka, kb):
    a, b = make((20, 35), seed=13, noncontig=ka), make((35, 18), seed=14, noncontig=kb)
    check_mm(a @ b, a, b)


def test_matmul_transposed_views():
    a, b = make((40, 30), seed=15), make((50, 40), seed=16)
    check_mm(a.T @ b.T, a.T, b.T)
    check_mm(b @ a, b, a)
    x = make((3, 30, 20), seed=17)
    check_mm(x.mT @ x, x.mT, x)
    check_mm(x.transpose(0, 2) @ x.permute(2, 0, 1), x.transpose(0, 2), x.permute(2, 0, 1))


def test_matmul_expanded_batch_does_not_copy_semantics():
    a = make((1, 8, 5), seed=18).expand(6, 8, 5)
    b = make((6, 5, 4), seed=19)
    check_mm(a @ b, a, b)
    w = make((5, 4), seed=20).expand(6, 5, 4)
    x = make((6, 8, 5), seed=21)
    check_mm(x @ w, x, w)


def test_matmul_inputs_not_modified():
    a, b = make((30, 20), seed=22), make((20, 10), seed=23)
    a0, b0 = to_np(a).copy(), to_np(b).copy()
    _ = a @ b
    np.testing.assert_array_equal(to_np(a), a0)
    np.testing.assert_array_equal(to_np(b), b0)


# ---- fast vs reference, ISA variants, determinism ----------------------------------------------------
_NT = ember.get_num_threads()


@pytest.fixture
def kernels():
    """Restores the kernel mode, ISA cap and thread count a test changes."""
    yield
    ember.set_kernels("fast")
    ember._C.set_isa_cap("avx512")
    ember._C.set_num_threads(_NT)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [ember.int32, ember.uint8])
@pytest.mark.parametrize("sa,sb", [((37, 300), (300, 29)), ((4, 7, 19), (19, 1)), ((1, 70), (3, 70, 9)),
                                   ((5, 2, 3), (5, 3, 4)), ((2, 9, 8), (8, 600))])
def test_fast_matches_reference(kernels, dtype, sa, sb):
    a, b = make(sa, dtype, seed=24), make(sb, dtype, seed=25)
    ember.set_kernels("reference")
    ref = a @ b
    ember.set_kernels("fast")
    fast = a @ b
    assert fast.dtype is ref.dtype is dtype
    if dtype in INT_DTYPES:
        np.testing.assert_array_equal(to_np(fast), to_np(ref))
        return
    # both are within the bound of the exact product, so within twice of each other
    eps_acc = EPS[ember.float32] if dtype in (ember.float16, ember.bfloat16) else EPS[dtype]
    bound = 2 * (2 * sa[-1] * eps_acc + EPS[dtype]) * np.matmul(np.abs(f64(a)), np.abs(f64(b)))
    assert np.all(np.abs(f64(fast) - f64(ref)) <= bound + 1e-30)


@pytest.mark.parametrize("isa", ["baseline", "avx2"])
def test_isa_variants(kernels, isa):
    a, b = make((45, 270), seed=26), make((270, 38), seed=27)
    ember._C.set_isa_cap(isa)
    check_mm(a @ b, a, b)
    d = make((9, 31), ember.float64, seed=28)
    check_mm(d @ d.T, d, d.T)
    h = make((9, 31), ember.float16, seed=28)
    check_mm(h @ h.T, h, h.T)
    i = make((9, 31), ember.int16, seed=28)
    check_mm(i @ i.T, i, i.T)


def test_deterministic_across_thread_counts(kernels):
    a, b = make((150, 400), seed=29), make((400, 170), seed=30)
    x = make((8, 40, 50), seed=31)
    ember._C.set_num_threads(1)
    r1, x1, v1 = to_np(a @ b), to_np(x @ x.mT), to_np(a @ b.select(1, 0))
    ember._C.set_num_threads(2)
    r2, x2, v2 = to_np(a @ b), to_np(x @ x.mT), to_np(a @ b.select(1, 0))
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(v1, v2)


# ---- empty, 0-d, extreme values ----------------------------------------------------------------------
@pytest.mark.parametrize("sa,sb", [((0, 3), (3, 4)), ((2, 0), (0, 4)), ((2, 3), (3, 0)), ((0,), (0,)),
                                   ((0, 2, 3), (3, 4)), ((2, 0, 3), (2, 3, 4)), ((3, 0), (0,))])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.int64])
def test_matmul_empty(sa, sb, dtype):
    a, b = ember.ones(*sa, dtype=dtype), ember.ones(*sb, dtype=dtype)
    r = a @ b
    expected = np.matmul(np.ones(sa), np.ones(sb))
    assert tuple(r.shape) == expected.shape
    np.testing.assert_array_equal(f64(r), expected)


def test_addmm_k0_uses_beta_and_beta0_ignores_nan():
    inp = ember.full((2, 4), 3.0)
    r = ember.addmm(inp, ember.ones(2, 0), ember.ones(0, 4), beta=2)
    np.testing.assert_array_equal(to_np(r), np.full((2, 4), 6.0))
    nan = ember.full((2, 4), float("nan"))
    r = ember.addmm(nan, make((2, 3)), make((3, 4)), beta=0)
    assert np.isfinite(to_np(r)).all()
    r = ember.addmm(nan, ember.ones(2, 0), ember.ones(0, 4), beta=0)
    np.testing.assert_array_equal(to_np(r), np.zeros((2, 4)))


def test_matmul_inf_nan_propagate():
    a = make((4, 5), seed=32)
    b = make((5, 3), seed=33)
    an = to_np(a)
    an[1, 2] = np.inf
    an[2, 0] = np.nan
    a2 = ember.tensor(an)
    with np.errstate(invalid="ignore"):
        expected = an.astype(np.float64) @ f64(b)
    r = to_np(a2 @ b)
    np.testing.assert_array_equal(np.isnan(r), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(r), np.isinf(expected))
    fin = np.isfinite(expected)
    np.testing.assert_allclose(r[fin], expected[fin], rtol=1e-5, atol=1e-5)


def test_matmul_half_overflow_and_large_float():
    h = ember.full((2, 4), 200.0, dtype=ember.float16)
    assert np.isinf(to_np(h @ h.T)).all()  # 160000 > float16 max, like torch
    big = ember.full((3, 3), 1e30)
    r = to_np(big @ big)
    assert np.isinf(r).all()
    d = ember.full((3, 3), 1e30, dtype=ember.float64)
    np.testing.assert_allclose(to_np(d @ d), np.full((3, 3), 3e60), rtol=1e-14)


def test_matmul_negative_zero_and_tiny():
    z = ember.tensor([[-0.0, -0.0]])
    o = ember.tensor([[1.0], [1.0]])
    assert to_np(z @ o)[0, 0] == 0.0
    t = ember.full((2, 2), 1e-30)
    np.testing.assert_allclose(to_np(t @ t), np.full((2, 2), 2e-60).astype(np.float32), rtol=1e-5, atol=0)


# ---- errors -----------------------------------------------------------------------------------------
def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"\[matmul\] shapes \(2, 3\) and \(4, 5\) cannot be multiplied"):
        make((2, 3)) @ make((4, 5))
    with pytest.raises(RuntimeError, match=r"\[matmul\] shapes \(3,\) and \(4,\) cannot be multiplied"):
        ember.matmul(make((3,)), make((4,)))
    with pytest.raises(RuntimeError, match=r"\[matmul\].*at least 1D.*0D and 1D"):
        ember.matmul(ember.tensor(1.0), make((3,)))
    with pytest.raises(RuntimeError, match=r"\[matmul\] expected m1 and m2 to have the same dtype, but got: "
                                           r"float32 != float64"):
        make((2, 3)) @ make((3, 4), ember.float64)
    with pytest.raises(NotImplementedError, match=r"\[matmul\].*Bool"):
        make((2, 3), ember.bool) @ make((3, 4), ember.bool)
    with pytest.raises(RuntimeError, match=r"\[matmul\].*size of tensor a \(2\) must match.*\(3\)"):
        make((2, 2, 3)) @ make((3, 3, 4))
    with pytest.raises(TypeError, match=r"\[matmul\]"):
        ember.matmul(make((2, 2)), [[1, 0], [0, 1]])
    with pytest.raises(RuntimeError, match=r"\[matmul\] Expected out tensor to have dtype float32, but got float64"):
        ember.matmul(make((2, 3)), make((3, 4)), out=ember.empty(2, 4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"\[matmul\] out tensor has shape \(3, 3\)"):
        ember.matmul(make((2, 3)), make((3, 4)), out=ember.empty(3, 3))
    with pytest.raises(TypeError):
        make((2, 2)) @ 3


def test_product_op_errors():
    with pytest.raises(RuntimeError, match=r"\[mm\] mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        ember.mm(make((2, 3)), make((4, 5)))
    with pytest.raises(RuntimeError, match=r"\[mm\] self must be a matrix"):
        ember.mm(make((2, 3, 1)), make((3, 5)))
    with pytest.raises(RuntimeError, match=r"\[mm\] mat2 must be a matrix"):
        ember.mm(make((2, 3)), make((3,)))
    with pytest.raises(RuntimeError, match=r"\[mm\] expected m1 and m2 to have the same dtype"):
        ember.mm(make((2, 3)), make((3, 4), ember.float16))
    with pytest.raises(RuntimeError, match=r"\[bmm\] batch1 must be a 3D tensor"):
        ember.bmm(make((2, 3)), make((3, 4)))
    with pytest.raises(RuntimeError, match=r"\[bmm\] Expected size for first two dimensions of batch2 tensor to be: "
                                           r"\[2, 3\] but got: \[3, 3\]"):
        ember.bmm(make((2, 2, 3)), make((3, 3, 4)))
    with pytest.raises(RuntimeError, match=r"\[mv\] size mismatch"):
        ember.mv(make((2, 3)), make((4,)))
    with pytest.raises(RuntimeError, match=r"\[mv\]"):
        ember.mv(make((2, 3)), make((3, 1)))
    with pytest.raises(RuntimeError, match=r"\[dot\] 1D tensors expected, but got 2D and 1D tensors"):
        ember.dot(make((3, 1)), make((3,)))
    with pytest.raises(RuntimeError, match=r"\[dot\] inconsistent tensor size"):
        ember.dot(make((3,)), make((4,)))
    with pytest.raises(RuntimeError, match=r"\[dot\] expected both vectors to have same dtype"):
        ember.dot(make((3,)), make((3,), ember.float64))
    with pytest.raises(NotImplementedError, match=r"\[dot\].*Bool"):
        ember.dot(make((3,), ember.bool), make((3,), ember.bool))
    with pytest.raises(RuntimeError, match=r"\[vdot\] inconsistent tensor size"):
        ember.vdot(make((3,)), make((4,)))
    with pytest.raises(RuntimeError, match=r"\[inner\] inner\(\) the last dimension must match"):
        ember.inner(make((2, 3)), make((4,)))
    with pytest.raises(RuntimeError, match=r"\[inner\] both inputs should have same dtype"):
        ember.inner(make((2, 3)), make((3,), ember.float64))
    with pytest.raises(RuntimeError, match=r"\[addmm\] input of shape \(3, 5\) cannot be broadcast"):
        ember.addmm(make((3, 5)), make((2, 3)), make((3, 5)))
    with pytest.raises(RuntimeError, match=r"\[addmm\] self and mat2 must have the same dtype"):
        ember.addmm(make((5,), ember.float64), make((2, 3)), make((3, 5)))
    with pytest.raises(RuntimeError, match=r"\[addmv\] size mismatch"):
        ember.addmv(make((3,)), make((2, 3)), make((3,)))
    with pytest.raises(RuntimeError, match=r"\[addbmm\] Expected size for first two dimensions of batch2"):
        ember.addbmm(make((2, 4)), make((3, 2, 3)), make((2, 3, 4)))
    with pytest.raises(RuntimeError, match=r"\[baddbmm\] input of shape"):
        ember.baddbmm(make((2, 2, 4)), make((3, 2, 3)), make((3, 3, 4)))
    with pytest.raises(TypeError, match=r"\[addmm\] argument 'beta'"):
        ember.addmm(make((2, 5)), make((2, 3)), make((3, 5)), beta="x")


# ---- mm, bmm, mv, dot, vdot, inner ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.bfloat16, ember.int16])
def test_mm_bmm_mv_dot(dtype):
    a, b = make((7, 11), dtype, seed=34), make((11, 5), dtype, seed=35)
    check_mm(ember.mm(a, b), a, b)
    check_mm(a.mm(b), a, b)
    x, y = make((4, 7, 11), dtype, seed=36), make((4, 11, 5), dtype, seed=37)
    check_mm(ember.bmm(x, y), x, y)
    check_mm(x.bmm(y), x, y)
    v = make((11,), dtype, seed=38)
    check_mm(ember.mv(a, v), a, v)
    check_mm(a.mv(v), a, v)
    check_mm(ember.dot(v, v), v, v, fn=np.dot)
    check_mm(v.dot(v), v, v, fn=np.dot)
    check_mm(ember.vdot(v, v), v, v, fn=np.vdot)
    assert ember.dot(v, v).dim() == 0 and ember.dot(v, v).dtype is dtype


def test_inner_shapes():
    a, b = make((2, 3, 4), seed=39), make((5, 4), seed=40)
    check_mm(ember.inner(a, b), a, b, fn=np.inner)
    check_mm(a.inner(b), a, b, fn=np.inner)
    s = ember.tensor(2.5)
    np.testing.assert_allclose(to_np(ember.inner(s, b)), 2.5 * f64(b), rtol=1e-6)
    np.testing.assert_allclose(to_np(ember.inner(b, s)), 2.5 * f64(b), rtol=1e-6)
    v = make((4,), seed=41)
    check_mm(ember.inner(v, v), v, v, fn=np.inner)


def test_out_variants():
    a, b = make((6, 5), seed=42), make((5, 4), seed=43)
    out = ember.empty(6, 4)
    v0 = out._version
    r = ember.matmul(a, b, out=out)
    assert r is out and out._version > v0
    check_mm(out, a, b)
    outT = ember.empty(4, 6).T  # non-contiguous out
    ember.mm(a, b, out=outT)
    check_mm(outT, a, b)
    s = ember.empty(())
    ember.dot(a.select(1, 0), a.select(1, 1), out=s)
    np.testing.assert_allclose(s.item(), f64(a)[:, 0] @ f64(a)[:, 1], rtol=1e-5)
    # out aliasing an input is computed through a temporary
    sq = make((5, 5), seed=44)
    expected = f64(sq) @ f64(sq)
    ember.mm(sq, sq, out=sq)
    np.testing.assert_allclose(to_np(sq), expected, rtol=1e-5, atol=1e-5)


# ---- add* forms ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0), (-1, 0.25)])
def test_addmm_addmv_baddbmm_addbmm(beta, alpha):
    m1, m2 = make((3, 4), seed=45), make((4, 5), seed=46)
    inp = make((5,), seed=47)
    expected = beta * f64(inp) + alpha * (f64(m1) @ f64(m2))
    np.testing.assert_allclose(to_np(ember.addmm(inp, m1, m2, beta=beta, alpha=alpha)), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(inp.addmm(m1, m2, beta=beta, alpha=alpha)), expected, rtol=1e-5, atol=1e-5)
    v, iv = make((4,), seed=48), make((3,), seed=49)
    np.testing.assert_allclose(to_np(ember.addmv(iv, m1, v, beta=beta, alpha=alpha)),
                               beta * f64(iv) + alpha * (f64(m1) @ f64(v)), rtol=1e-5, atol=1e-5)
    b1, b2, ib = make((6, 3, 4), seed=50), make((6, 4, 5), seed=51), make((3, 1), seed=52)
    np.testing.assert_allclose(to_np(ember.baddbmm(ib, b1, b2, beta=beta, alpha=alpha)),
                               beta * f64(ib) + alpha * (f64(b1) @ f64(b2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ember.addbmm(ib, b1, b2, beta=beta, alpha=alpha)),
                               beta * f64(ib) + alpha * (f64(b1) @ f64(b2)).sum(0), rtol=1e-5, atol=1e-4)


def test_inplace_add_forms():
    m1, m2 = make((3, 4), seed=53), make((4, 5), seed=54)
    s = make((3, 5), seed=55)
    expected = 0.5 * f64(s) + 2 * (f64(m1) @ f64(m2))
    assert s.addmm_(m1, m2, beta=0.5, alpha=2) is s
    np.testing.assert_allclose(to_np(s), expected, rtol=1e-5, atol=1e-5)
    y = make((3,), seed=56)
    v = make((4,), seed=57)
    expected = f64(y) + f64(m1) @ f64(v)
    y.addmv_(m1, v)
    np.testing.assert_allclose(to_np(y), expected, rtol=1e-5, atol=1e-5)
    b1, b2 = make((2, 3, 4), seed=58), make((2, 4, 5), seed=59)
    z = make((2, 3, 5), seed=60)
    expected = f64(z) + f64(b1) @ f64(b2)
    z.baddbmm_(b1, b2)
    np.testing.assert_allclose(to_np(z), expected, rtol=1e-5, atol=1e-5)
    w = make((3, 5), seed=61)
    expected = 3 * f64(w) + (f64(b1) @ f64(b2)).sum(0)
    w.addbmm_(b1, b2, beta=3)
    np.testing.assert_allclose(to_np(w), expected, rtol=1e-5, atol=1e-5)
    # self aliasing a factor goes through a temporary
    q = make((4, 4), seed=62)
    expected = f64(q) + f64(q) @ f64(q)
    q.addmm_(q, q)
    np.testing.assert_allclose(to_np(q), expected, rtol=1e-5, atol=1e-5)
    # a non-contiguous self is updated in place
    t = make((5, 3), seed=63).T
    expected = f64(t) + f64(m1) @ f64(m2)
    t.addmm_(m1, m2)
    np.testing.assert_allclose(to_np(t), expected, rtol=1e-5, atol=1e-5)


@needs_torch
def test_add_forms_int_and_half_match_torch():
    i1, i2, ii = make((3, 4), ember.int32, seed=64), make((4, 5), ember.int32, seed=65), make((3, 5), ember.int32, seed=66)
    e = torch.addmm(to_torch(ii), to_torch(i1), to_torch(i2), beta=2, alpha=3)
    np.testing.assert_array_equal(to_np(ember.addmm(ii, i1, i2, beta=2, alpha=3)), e.numpy())
    e = torch.addmm(to_torch(ii), to_torch(i1), to_torch(i2), beta=1.7, alpha=2.9)  # floats truncate for ints
    np.testing.assert_array_equal(to_np(ember.addmm(ii, i1, i2, beta=1.7, alpha=2.9)), e.numpy())
    h1, h2, hi = make((3, 40), ember.float16, seed=67), make((4, 40, 5), ember.float16, seed=68), make((3, 5), ember.float16)
    e = torch.addbmm(to_torch(hi), to_torch(h1).expand(4, 3, 40), to_torch(h2), beta=0.5, alpha=2).float().numpy()
    r = ember.addbmm(hi, h1.expand(4, 3, 40), h2, beta=0.5, alpha=2)
    np.testing.assert_allclose(to_np(r).astype(np.float32), e, rtol=4e-3, atol=4e-2)


# ---- einsum -------------------------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ba,cb", [(2, 3), (4, 2)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("ij", [(2, 3)]),
    ("ji", [(2, 3)]), ("i,i", [(3,), (3,)]), ("i,i->i", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
    ("i,j->", [(2,), (3,)]), ("i,j", [(2,), (3,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("bhqk,bhkd->bqhd", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    ("...ij,...jk->...ik", [(2, 4, 3), (2, 3, 5)]), ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("i...->...", [(2, 3, 4)]), ("...ii->...i", [(2, 3, 3)]), ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("abc,cd,bd->a", [(2, 3, 4), (4, 5), (3, 5)]),
    ("iij->j", [(3, 3, 4)]), ("iji->ij", [(3, 4, 3)]), ("aab,bc->ac", [(3, 3, 4), (4, 5)]),
    ("ab,ab->", [(3, 4), (3, 4)]), ("ij,ij->ij", [(2, 3), (2, 3)]), ("ijk,ikl->ijl", [(2, 0, 3), (2, 3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("Ab,bC->AC", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]), ("ijkl->lkji", [(2, 3, 1, 4)]), ("i,i->", [(0,), (0,)]),
    ("i,->i", [(3,), ()]), (",->", [(), ()]), ("iii->i", [(3, 3, 3)]), ("a...,a...->...", [(3, 2, 2), (3, 2, 2)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]), ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 5), (5, 6)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum_vs_numpy(eq, shapes):
    ops = [make(s, ember.float64, seed=70 + i) for i, s in enumerate(shapes)]
    r = ember.einsum(eq, *ops)
    expected = np.einsum(eq.replace(" ", ""), *[f64(o) for o in ops])
    assert tuple(r.shape) == expected.shape
    np.testing.assert_allclose(f64(r), expected, rtol=1e-12, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("eq,shapes", EINSUM_CASES + [("i,i->i", [(1,), (3,)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]),
                                                      ("ij,jk->ik", [(2, 1), (3, 4)])])
def test_einsum_vs_torch(eq, shapes):
    ops = [make(s, seed=90 + i) for i, s in enumerate(shapes)]
    e = torch.einsum(eq, *[to_torch(o) for o in ops])
    r = ember.einsum(eq, ops)  # list form
    assert tuple(r.shape) == tuple(e.shape)
    np.testing.assert_allclose(to_np(r), e.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.int32])
def test_einsum_dtypes(dtype):
    a, b = make((2, 3, 4), dtype, seed=110), make((4, 5), dtype, seed=111)
    r = ember.einsum("bij,jk->bik", a, b)
    assert r.dtype is dtype
    check_mm(r, a, b, fn=lambda x, y: np.einsum("bij,jk->bik", x, y))


def test_einsum_noncontiguous_and_sublist():
    a = make((5, 4), seed=112, noncontig="T")
    b = make((4, 6), seed=113, noncontig="step")
    np.testing.assert_allclose(to_np(ember.einsum("ij,jk->ki", a, b)), np.einsum("ij,jk->ki", f64(a), f64(b)),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ember.einsum(a, [0, 1], b, [1, 2], [2, 0])), np.einsum("ij,jk->ki", f64(a), f64(b)),
                               rtol=1e-5, atol=1e-5)
    c = make((3, 1, 4), seed=114).expand(3, 5, 4)
    np.testing.assert_allclose(to_np(ember.einsum("abc,cd->abd", c, b)), np.einsum("abc,cd->abd", f64(c), f64(b)),
                               rtol=1e-5, atol=1e-5)


def test_einsum_errors():
    a, b = make((2, 3)), make((4, 5))
    with pytest.raises(RuntimeError, match=r"\[einsum\].*subscript j has size 4 for operand 1 which does not "
                                           r"broadcast with previously seen size 3"):
        ember.einsum("ij,jk", a, b)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*fewer operands were provided"):
        ember.einsum("ij,jk->ik", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*more operands were provided"):
        ember.einsum("ij->ij", a, b)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*output subscript k does not appear"):
        ember.einsum("ij->ik", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*subscript i is repeated for operand 0 but the sizes don't "
                                           r"match, 3 != 2"):
        ember.einsum("ii->i", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*output subscript j appears more than once"):
        ember.einsum("ij->jj", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*number of subscripts in the equation \(1\) does not match"):
        ember.einsum("i->", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*invalid subscript given at index 1"):
        ember.einsum("i?->", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*more than one ellipsis"):
        ember.einsum("...i...->i", a)
    with pytest.raises(RuntimeError, match=r"\[einsum\].*same dtype"):
        ember.einsum("ij,jk->ik", a, make((3, 4), ember.float64))
    with pytest.raises(TypeError, match=r"\[einsum\]"):
        ember.einsum("ij->ij", [[1.0]])


# ---- tensordot, multi_dot, chain_matmul, matrix_power, vecdot ------------------------------------------
@pytest.mark.parametrize("sa,sb,dims", [((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])),
                                        ((2, 3), (4, 5), 0), ((3, 4), (4, 5), 1), ((2, 3, 4), (2, 3, 4), 3),
                                        ((2, 3, 4), (4, 2), ([0, 2], [1, 0])), ((0, 3), (3, 2), 1),
                                        ((2, 3), (3, 2), ([-1], [-2]))])
def test_tensordot(sa, sb, dims):
    a, b = make(sa, ember.float64, seed=120), make(sb, ember.float64, seed=121)
    r = ember.tensordot(a, b, dims=dims)
    expected = np.tensordot(f64(a), f64(b), axes=dims)
    assert tuple(r.shape) == expected.shape
    np.testing.assert_allclose(f64(r), expected, rtol=1e-12, atol=1e-12)


def test_tensordot_errors_and_out():
    a, b = make((2, 3)), make((4, 5))
    with pytest.raises(RuntimeError, match=r"\[tensordot\] contracted dimensions need to match"):
        ember.tensordot(a, b, dims=1)
    with pytest.raises(RuntimeError, match=r"\[tensordot\] both dimension lists should have same length"):
        ember.tensordot(a, make((3, 5)), dims=([1], [0, 1]))
    with pytest.raises(RuntimeError, match=r"\[tensordot\] tensordot expects dims >= 0"):
        ember.tensordot(a, b, dims=-1)
    with pytest.raises(RuntimeError, match=r"\[tensordot\] tensordot expects dims < ndim_a or ndim_b"):
        ember.tensordot(a, b, dims=3)
    with pytest.raises(IndexError, match=r"\[tensordot\]"):
        ember.tensordot(a, make((3, 5)), dims=([5], [0]))
    with pytest.raises(RuntimeError, match=r"\[tensordot\] dim 1 appears multiple times"):
        ember.tensordot(make((2, 3, 3)), make((3, 3)), dims=([1, 1], [0, 1]))
    out = ember.empty(2, 5)
    ember.tensordot(a, make((3, 5), seed=3), dims=1, out=out)
    np.testing.assert_allclose(to_np(out), f64(a) @ f64(make((3, 5), seed=3)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4, 5), (5,)], [(10, 2), (2, 30), (30, 3), (3, 40)],
                                    [(4,), (4, 6)], [(3, 5), (5,)]])
def test_multi_dot(shapes):
    ts = [make(s, ember.float64, seed=130 + i) for i, s in enumerate(shapes)]
    r = ember.linalg.multi_dot(ts)
    expected = np.linalg.multi_dot([f64(t) for t in ts])
    assert tuple(r.shape) == np.shape(expected)
    np.testing.assert_allclose(f64(r), expected, rtol=1e-12, atol=1e-12)


def test_multi_dot_chain_matmul_errors():
    with pytest.raises(RuntimeError, match=r"\[multi_dot\] multi_dot\(\): expected at least 2 tensors but got 1"):
        ember.linalg.multi_dot([make((2, 3))])
    with pytest.raises(RuntimeError, match=r"\[multi_dot\].*tensors 0 and 1 with shapes \(2, 3\) and \(4, 5\) cannot"):
        ember.linalg.multi_dot([make((2, 3)), make((4, 5))])
    with pytest.raises(RuntimeError, match=r"\[multi_dot\].*the first tensor must be 1D or 2D but got 3D"):
        ember.linalg.multi_dot([make((2, 3, 3)), make((3, 4))])
    with pytest.raises(RuntimeError, match=r"\[multi_dot\].*tensor 1 must be 2D but got 1D"):
        ember.linalg.multi_dot([make((2, 3)), make((3,)), make((3, 4))])
    with pytest.raises(RuntimeError, match=r"\[multi_dot\].*same dtype"):
        ember.linalg.multi_dot([make((2, 3)), make((3, 4), ember.float64)])
    with pytest.raises(RuntimeError, match=r"\[chain_matmul\] Tensor dimension is 1, expected 2"):
        ember.chain_matmul(make((3,)))
    a, b, c = make((2, 3), seed=1), make((3, 4), seed=2), make((4, 2), seed=3)
    np.testing.assert_allclose(to_np(ember.chain_matmul(a, b, c)), f64(a) @ f64(b) @ f64(c), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(to_np(ember.chain_matmul(a)), to_np(a))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8])
@pytest.mark.parametrize("dtype", [ember.float64, ember.int64])
def test_matrix_power(n, dtype):
    a = make((2, 3, 3), dtype, low=-2, high=2, seed=140)
    r = ember.matrix_power(a, n)
    expected = np.linalg.matrix_power(to_np(a), n)
    assert r.dtype is dtype and tuple(r.shape) == expected.shape
    np.testing.assert_allclose(f64(r), expected, rtol=1e-12)
    np.testing.assert_allclose(f64(a.matrix_power(n)), expected, rtol=1e-12)
    np.testing.assert_allclose(f64(ember.linalg.matrix_power(a, n)), expected, rtol=1e-12)


def test_matrix_power_errors():
    with pytest.raises(RuntimeError, match=r"\[matrix_power\] A must be batches of square matrices, but they are 2 by "
                                           r"3 matrices"):
        ember.matrix_power(make((2, 3)), 2)
    with pytest.raises(NotImplementedError, match=r"\[matrix_power\].*inverse"):
        ember.matrix_power(make((3, 3)), -1)
    with pytest.raises(TypeError, match=r"\[matrix_power\]"):
        ember.matrix_power(make((3, 3)), 1.5)


@pytest.mark.parametrize("sx,sy,dim", [((3, 4), (3, 4), -1), ((2, 3, 4), (4,), -1), ((2, 3, 4), (3, 1), 1),
                                       ((5,), (5,), 0), ((2, 1, 4), (3, 4), -1), ((4, 3), (1, 3), 0)])
def test_vecdot(sx, sy, dim):
    x, y = make(sx, ember.float64, seed=150), make(sy, ember.float64, seed=151)
    X, Y = np.broadcast_arrays(f64(x), f64(y))
    expected = (X * Y).sum(axis=dim)
    r = ember.linalg.vecdot(x, y, dim=dim)
    assert tuple(r.shape) == expected.shape
    np.testing.assert_allclose(f64(r), expected, rtol=1e-12, atol=1e-12)


def test_linalg_namespace():
    for name in ("matmul", "multi_dot", "vecdot", "matrix_power"):
        assert hasattr(ember.linalg, name)
    a, b = make((2, 3), seed=1), make((3, 4), seed=2)
    np.testing.assert_allclose(to_np(ember.linalg.matmul(a, b)), f64(a) @ f64(b), rtol=1e-5, atol=1e-5)


def test_rmatmul_and_methods():
    a, b = make((2, 3), seed=1), make((3, 4), seed=2)
    c = make((4, 2), seed=3)
    r = a.__rmatmul__(c)  # c @ a via the reflected operator
    np.testing.assert_allclose(to_np(r), f64(c) @ f64(a), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(a.matmul(b)), f64(a) @ f64(b), rtol=1e-5, atol=1e-5)


# ---- property test ---------------------------------------------------------------------------------------
try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.integers(1, 3), min_size=0, max_size=2), st.lists(st.integers(1, 3), min_size=0, max_size=2),
           st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.booleans(), st.booleans())
    def test_matmul_property(ba, bb, m, n, k, ta, tb):
        ba = [x if x == 1 or not bb or i >= len(bb) else x for i, x in enumerate(ba)]
        shape_a, shape_b = tuple(ba) + (m, k), tuple(bb) + (k, n)
        try:
            np.broadcast_shapes(tuple(ba), tuple(bb))
        except ValueError:
            return
        a = make(shape_a, ember.float64, seed=m * 100 + k, noncontig="T" if ta and len(shape_a) >= 2 else None)
        b = make(shape_b, ember.float64, seed=n * 100 + k, noncontig="T" if tb and len(shape_b) >= 2 else None)
        np.testing.assert_allclose(f64(a @ b), f64(a) @ f64(b), rtol=1e-12, atol=1e-12)


def test_half_subnormal_and_special_inputs(kernels):
    vals = np.array([[6e-6, -3e-6, 1e-7, 0.5], [np.inf, 1.0, 2.0, 3.0], [np.nan, 0.0, 0.0, 0.0]], np.float16)
    a = ember.tensor(vals)
    b = ember.tensor(np.array([[2.0], [1.0], [4.0], [0.0]], np.float16))
    with np.errstate(invalid="ignore"):
        expected = (vals.astype(np.float32) @ np.array([[2.0], [1.0], [4.0], [0.0]], np.float32)).astype(np.float16)
    for mode in ("fast", "reference"):
        ember.set_kernels(mode)
        for r in (a @ b, a @ b.expand(4, 3)):  # gemv and blocked paths
            got = to_np(r)[:, :1]
            np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
            np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


# ---- F.linear: one GEMM with the bias in its epilogue ---------------------------------------------
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
@pytest.mark.parametrize("xshape,perm", [((7, 5), None), ((5,), None), ((2, 3, 5), None), ((3, 2, 5), (1, 0, 2)),
                                         ((2, 1, 3, 300), None), ((0, 5), None), ((130, 5), None)])
@pytest.mark.parametrize("bias", ["vec", None, "one"])
def test_linear_fused_forward(dtype, xshape, perm, bias):
    import ember.nn.functional as F
    rng = np.random.default_rng(3)
    k = xshape[-1]
    x = ember.tensor(rng.uniform(-2, 2, xshape), dtype=dtype)
    if perm is not None:
        x = x.permute(*perm)  # non-contiguous batch: walked through its strides
    w = ember.tensor(rng.uniform(-2, 2, (37, k)), dtype=dtype)
    b = {"vec": ember.tensor(rng.uniform(-2, 2, (37,)), dtype=dtype), None: None,
         "one": ember.tensor(rng.uniform(-2, 2, (1,)), dtype=dtype)}[bias]
    y = F.linear(x, w, b)
    X, W = to_np(x).astype(np.float64), to_np(w).astype(np.float64)
    B = 0.0 if b is None else to_np(b).astype(np.float64)
    assert y.dtype is dtype and tuple(y.shape) == tuple(x.shape[:-1]) + (37,)
    check_product(y, X @ W.T + B, np.abs(X) @ np.abs(W).T + np.abs(B), dtype, k)


def test_linear_takes_the_fused_epilogue():
    """F.linear is the epilogue GEMM (bias added once at the end), bit for bit, for K over one KC block."""
    import ember.nn.functional as F
    from ember._tensor import _wrap
    x, w, b = ember.randn(2, 50, 700), ember.randn(96, 700), ember.randn(96)
    fused = _wrap(ember._C.gemm_epilogue(x._t, w.t()._t, bias=b._t))
    np.testing.assert_array_equal(F.linear(x, w, b).numpy(), fused.numpy())
    with ember.no_grad():
        np.testing.assert_array_equal(ember.nn.Linear(700, 96)(x).shape, (2, 50, 96))


@needs_torch
@pytest.mark.parametrize("xshape", [(4, 3), (2, 3, 3), (3,)])
def test_linear_fused_grads(xshape):
    from gradutil import grad_case
    x, w, b = ember.randn(*xshape), ember.randn(5, 3), ember.randn(5)
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x, w, b), x, w, b, gradgrad=True)
    grad_case(lambda m, x, w: m.nn.functional.linear(x, w), x, w, gradgrad=True)
    x3 = ember.randn(3, 2, 3)
    grad_case(lambda m, x, w, b: m.nn.functional.linear(x.permute(1, 0, 2), w, b), x3, w, b, gradgrad=True)


def test_linear_fused_errors():
    import ember.nn.functional as F
    with pytest.raises(RuntimeError, match=r"^\[linear\] .*cannot be multiplied"):
        F.linear(ember.randn(2, 3, 4), ember.randn(5, 3), ember.randn(5))
    with pytest.raises(RuntimeError, match=r"^\[linear\] .*dtype"):
        F.linear(ember.randn(2, 3), ember.randn(5, 3), ember.randn(5).double())
    with pytest.raises(RuntimeError, match=r"^\[linear\]"):
        F.linear(ember.randn(2, 3), ember.randn(5, 3), ember.randn(4))
    with pytest.raises(RuntimeError, match=r"^\[linear\] .*0-D"):
        F.linear(ember.tensor(1.0), ember.randn(5, 1))
