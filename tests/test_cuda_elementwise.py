"""The elementwise family on CUDA against the CPU (the reference): binary math, comparisons,
logical/bitwise ops, the ternary ops, the unary ops beyond the first slice, and every activation
forward, backward and double backward (test_cuda_ops.py covers the first slice).

Every GPU case runs the same call on "cuda" and on "cpu" and compares (cudautil.check). Without a
GPU they are skipped; the cases at the end that need no GPU check, in a CUDA build, that the ops
reach their CUDA kernels (through _C._as_fake_cuda) instead of the device guard.
"""
import math

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, HAS_CUDA, INT_DTYPES, needs_cuda
from cudautil import check, host, on_both, sample

F = ember.nn.functional
SIZES = [1, 31, 32, 33, 1000, 4097, (1 << 20) + 3]


def both(fn, *tensors, **kw):
    """check(fn on cuda copies, fn on the CPU tensors)."""
    g, c = on_both(fn, *tensors, **kw)
    check(g, c)


def layouts(fn, a, b):
    """fn(a, b) on both devices for: same shape, a transposed view, broadcast rows, a sliced view."""
    both(fn, a, b)
    both(lambda x, y: fn(x.t(), y.t()), a, b)
    both(lambda x, y: fn(x, y[:1]), a, b)
    both(lambda x, y: fn(x[:, 1:], y[:, :-1]), a, b)


# ---- binary math ------------------------------------------------------------------------------------
# (name, f, dtypes, b strictly positive)
BIN_MATH = [
    ("div_trunc", lambda a, b: ember.div(a, b, rounding_mode="trunc"), INT_DTYPES + FLOAT_DTYPES, True),
    ("div_floor", lambda a, b: ember.div(a, b, rounding_mode="floor"), INT_DTYPES + FLOAT_DTYPES, True),
    ("floor_divide", lambda a, b: ember.floor_divide(a, b), INT_DTYPES + FLOAT_DTYPES, True),
    ("remainder", lambda a, b: ember.remainder(a, b), INT_DTYPES + FLOAT_DTYPES, True),
    ("fmod", lambda a, b: ember.fmod(a, b), INT_DTYPES + FLOAT_DTYPES, True),
    ("pow", lambda a, b: ember.pow(a.abs() if a.is_floating_point() else a, b), INT_DTYPES + FLOAT_DTYPES, True),
    ("atan2", lambda a, b: ember.atan2(a, b), INT_DTYPES + FLOAT_DTYPES, False),
    ("hypot", lambda a, b: ember.hypot(a, b), FLOAT_DTYPES, False),
    ("copysign", lambda a, b: ember.copysign(a, b), INT_DTYPES + FLOAT_DTYPES, False),
    ("xlogy", lambda a, b: ember.xlogy(a, b), FLOAT_DTYPES, True),
    ("logaddexp", lambda a, b: ember.logaddexp(a, b), FLOAT_DTYPES, False),
    ("logaddexp2", lambda a, b: ember.logaddexp2(a, b), FLOAT_DTYPES, False),
    ("fmax", lambda a, b: ember.fmax(a, b), [ember.bool] + INT_DTYPES + FLOAT_DTYPES, False),
    ("fmin", lambda a, b: ember.fmin(a, b), [ember.bool] + INT_DTYPES + FLOAT_DTYPES, False),
    ("nextafter", lambda a, b: ember.nextafter(a, b), FLOAT_DTYPES, False),
]
BIN_MATH_CASES = [(n, f, d, p) for n, f, ds, p in BIN_MATH for d in ds]


@needs_cuda
@pytest.mark.parametrize("name,f,dtype,pos", BIN_MATH_CASES,
                         ids=[f"{n}-{d}" for n, _, d, _ in BIN_MATH_CASES])
def test_binary_math(name, f, dtype, pos):
    a = sample((9, 14), dtype, 1, low=-8.0, high=8.0)
    b = sample((9, 14), dtype, 2, positive=pos, low=-3.0, high=3.0)
    if name == "pow" and not dtype.is_floating_point:
        b = sample((9, 14), dtype, 2, positive=True, low=0.0, high=0.5)  # exponents 1..5
    layouts(f, a, b)


@needs_cuda
@pytest.mark.parametrize("name,f", [(n, f) for n, f, _, _ in BIN_MATH], ids=[n for n, *_ in BIN_MATH])
def test_binary_math_scalars_and_out(name, f):
    a = sample((7, 5), ember.float32, 3)
    b = sample((7, 5), ember.float32, 4, positive=True)
    s = ember.tensor(1.5)  # a 0-d CPU tensor joins a cuda op
    both(lambda x: f(x, s), a)
    both(lambda y: f(s, y), b)
    r = f(a.cuda(), b.cuda().abs() + 0.5)
    check(r, f(a, b.abs() + 0.5))
    for n in (0, 1, 33, 4097):                                        # edge sizes, vector tails
        x, y = sample((n,), ember.float32, n), sample((n,), ember.float32, n + 1, positive=True)
        both(f, x, y)


@needs_cuda
def test_binary_math_special_values():
    v = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, float("inf"), float("-inf"), float("nan"), 1e-30, 7.0]
    for dtype in (ember.float32, ember.float64, ember.float16):
        a = ember.tensor([[x] * len(v) for x in v], dtype=dtype)
        b = ember.tensor([v] * len(v), dtype=dtype)
        for name, f, ds, _ in BIN_MATH:
            if dtype in ds and name != "pow":
                both(f, a, b)
        both(ember.pow, a, b)


@needs_cuda
def test_python_style_rounding_and_remainder_signs():
    a = ember.tensor([7, -7, 7, -7, 0, -128, 127], dtype=ember.int8)
    b = ember.tensor([2, 2, -2, -2, 3, -1, -1], dtype=ember.int8)
    for f in (lambda x, y: ember.div(x, y, rounding_mode="floor"), lambda x, y: ember.div(x, y, rounding_mode="trunc"),
              ember.remainder, ember.fmod):
        both(f, a, b)
    x = ember.tensor([5.5, -5.5, 5.5, -5.5, 1e308, -0.0], dtype=ember.float64)
    y = ember.tensor([2.0, 2.0, -2.0, -2.0, 1e-308, 3.0], dtype=ember.float64)
    for f in (ember.floor_divide, ember.remainder, ember.fmod):
        both(f, x, y)


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_division_by_zero_is_defined_on_cuda(dtype):
    # The CPU raises ZeroDivisionError; CUDA does not check (a device sync) and gives 0.
    a = ember.tensor([5, 7, 0, 3], dtype=dtype).cuda()
    z = ember.zeros(4, dtype=dtype, device="cuda")
    for f in (lambda x, y: ember.div(x, y, rounding_mode="trunc"), ember.floor_divide, ember.remainder, ember.fmod):
        r = f(a, z)
        assert r.is_cuda and r.dtype is dtype
        assert (host(r) == 0).all()
    assert (host(a // 0) == 0).all()


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("e", [0, 1, 2, 3, 0.5, -0.5, -1, -2, 1.7, -2.3])
def test_pow_scalar_exponent_float(dtype, e):
    x = sample((13, 11), dtype, 5, positive=True)
    both(lambda t: ember.pow(t, e), x)
    both(lambda t: t.t() ** e, x)
    z = ember.tensor([0.0, -0.0, float("inf"), float("nan"), -2.0], dtype=dtype)
    both(lambda t: t ** e, z)


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("e", [0, 1, 2, 3, 5, 13])
def test_pow_scalar_exponent_int(dtype, e):
    x = sample((13, 11), dtype, 6)
    both(lambda t: t ** e, x)
    both(lambda t: 2 ** t.abs().clamp(max=6), x)                   # scalar base, tensor exponent


@needs_cuda
def test_pow_bool_and_inplace_out():
    m = sample((5, 4), ember.bool, 7)
    both(lambda t: t ** 0, m)
    both(lambda t: t ** 1, m)
    x = sample((5, 4), ember.float32, 8, positive=True)
    g = x.cuda()
    g.pow_(2.5)
    check(g, x ** 2.5)
    out = ember.empty(5, 4, dtype=ember.float64, device="cuda")   # out of another dtype: a cast copy
    ember.pow(x.cuda(), 3, out=out)
    check(out, (x ** 3).double())


# ---- comparisons, logical, bitwise --------------------------------------------------------------------
CMP = [("eq", lambda a, b: a == b), ("ne", lambda a, b: a != b), ("lt", lambda a, b: a < b),
       ("le", lambda a, b: a <= b), ("gt", lambda a, b: a > b), ("ge", lambda a, b: a >= b)]


@needs_cuda
@pytest.mark.parametrize("name,f", CMP, ids=[n for n, _ in CMP])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_compare(name, f, dtype):
    a = sample((17, 9), dtype, 1, low=-2, high=2)
    b = sample((17, 9), dtype, 2, low=-2, high=2)
    layouts(f, a, b)
    both(lambda x: f(x, 0), a)                                      # python scalar
    both(lambda x: f(1, x), a)


@needs_cuda
@pytest.mark.parametrize("name,f", CMP, ids=[n for n, _ in CMP])
def test_compare_mixed_dtypes_and_nan(name, f):
    a = sample((6, 7), ember.int32, 3)
    b = sample((6, 7), ember.float32, 4)
    both(f, a, b)
    both(f, sample((6, 7), ember.float16, 5), sample((6, 7), ember.float64, 6))
    both(f, sample((6, 7), ember.uint8, 5), sample((6, 7), ember.int8, 6))
    both(lambda x: f(x, 2.5), a)
    n = ember.tensor([float("nan"), 1.0, float("inf"), -float("inf"), 0.0, -0.0])
    both(f, n, n.flip(0))
    both(f, ember.tensor(1.0), ember.tensor(2.0))                   # 0-d on the device
    both(f, ember.empty(0, 3), ember.empty(0, 3))                   # empty
    out = ember.empty(6, 7, dtype=ember.bool, device="cuda")
    r = getattr(ember, name)(a.cuda(), b.cuda(), out=out)
    assert r is out
    check(out, f(a, b))


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
def test_compare_sizes(n):
    a, b = sample((n,), ember.float32, 1), sample((n,), ember.float32, 2)
    both(lambda x, y: x < y, a, b)
    both(lambda x, y: x[1:] == y[:-1], a, b)                        # misaligned (no vector path)
    h = sample((n,), ember.float16, 3)
    both(lambda x: x >= 0, h)


@needs_cuda
@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_logical(op, dtype):
    f = getattr(ember, op)
    a = sample((11, 6), dtype, 1, low=-1, high=1)
    b = sample((11, 6), dtype, 2, low=-1, high=1)
    layouts(f, a, b)
    both(f, a, sample((11, 6), ember.float32, 3))                  # mixed dtypes


@needs_cuda
@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES)
def test_bitwise(op, dtype):
    f = getattr(ember, op)
    a, b = sample((10, 7), dtype, 1), sample((10, 7), dtype, 2)
    layouts(f, a, b)
    both(lambda x, y: f(x, 3) if dtype is not ember.bool else f(x, True), a, b)
    both(lambda x, y: x & y if op == "bitwise_and" else (x | y if op == "bitwise_or" else x ^ y), a, b)


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_shifts(dtype):
    a = sample((8, 9), dtype, 1)
    bits = 8 * np.dtype(np.int64 if dtype is ember.int64 else np.int32 if dtype is ember.int32 else
                        np.int16 if dtype is ember.int16 else np.int8).itemsize
    s = ember.tensor(np.arange(-2, 70) % (bits + 4) - 2, dtype=ember.int64)[:9].to(dtype)
    for f in (ember.bitwise_left_shift, ember.bitwise_right_shift, lambda x, y: x << y, lambda x, y: x >> y):
        both(f, a, s)
        both(lambda x: f(x, 3), a)
    both(lambda x, y: x.t() << y.t()[:1].abs(), a, a)


# ---- ternary ------------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_where(dtype):
    c = sample((12, 10), ember.bool, 1)
    a, b = sample((12, 10), dtype, 2), sample((12, 10), dtype, 3)
    both(ember.where, c, a, b)
    both(lambda m, x, y: ember.where(m.t(), x.t(), y), c, a, b.t().contiguous())
    both(lambda m, x, y: ember.where(m[:, :1], x, y[:1]), c, a, b)   # broadcasting
    if dtype is not ember.bool:
        both(lambda m, x: ember.where(m, x, 0), c, a)                 # python scalars
        both(lambda m, x: ember.where(m, 2, x), c, a)
    both(lambda m, x, y: ember.where(m.to(ember.uint8), x, y), c, a, b)  # uint8 condition
    both(lambda m, x, y: ember.where(m, x, y.float()), c, a, b)          # promotion


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
def test_where_sizes(n):
    c, a = sample((n,), ember.bool, 1), sample((n,), ember.float32, 2)
    both(lambda m, x: ember.where(m, x, -x), c, a)
    both(lambda m, x: ember.where(m[1:], x[:-1], 0.0), c, a)


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES + FLOAT_DTYPES)
def test_clamp(dtype):
    x = sample((15, 8), dtype, 1, low=-5, high=5)
    lo, hi = sample((15, 8), dtype, 2, low=-3, high=0), sample((8,), dtype, 3, low=0, high=3)
    both(lambda t: ember.clamp(t, -1, 2), x)
    both(lambda t: ember.clamp(t, min=-1), x)
    both(lambda t: ember.clamp(t, max=1), x)
    both(lambda t, l, h: ember.clamp(t, l, h), x, lo, hi)          # tensor bounds, broadcast hi
    both(lambda t, l: ember.clamp(t.t(), min=l.t()), x, lo)
    both(lambda t, h: ember.clip(t, max=h), x, hi)
    both(lambda t: ember.clamp(t, 2, -1), x)                        # min > max gives max
    g = x.cuda()
    g.clamp_(-1, 1)
    check(g, x.clamp(-1, 1))


@needs_cuda
def test_clamp_nan():
    x = ember.tensor([float("nan"), -2.0, 0.5, 3.0, float("inf")])
    both(lambda t: ember.clamp(t, -1.0, 1.0), x)
    both(lambda t: ember.clamp(t, float("nan"), 1.0), x)
    both(lambda t: ember.clamp(t, max=float("nan")), x)
    both(lambda t: ember.clamp(t, t.flip(0), None), x)
    both(lambda t: ember.clamp(t.half(), -1, 1), x)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_lerp_addcmul_addcdiv(dtype):
    s, e = sample((9, 12), dtype, 1), sample((9, 12), dtype, 2)
    w = sample((9, 12), dtype, 3, low=-0.5, high=1.5)
    both(lambda a, b: ember.lerp(a, b, 0.3), s, e)
    both(lambda a, b: ember.lerp(a, b, 1.0), s, e)
    both(ember.lerp, s, e, w)
    both(lambda a, b, c: ember.lerp(a.t(), b.t(), c[:1].t()), s, e, w)
    both(lambda a, b, c: ember.addcmul(a, b, c, value=0.5), s, e, w)
    both(lambda a, b, c: ember.addcdiv(a, b, c.abs() + 0.1, value=-2), s, e, w)
    both(lambda a, b, c: ember.addcmul(a[:1], b.t().t(), c), s, e, w)
    g = s.cuda()
    g.addcmul_(e.cuda(), w.cuda(), value=2)
    check(g, ember.addcmul(s, e, w, value=2))


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_addcmul_integer(dtype):
    x, a, b = sample((6, 7), dtype, 1), sample((6, 7), dtype, 2), sample((6, 7), dtype, 3)
    both(lambda p, q, r: ember.addcmul(p, q, r, value=3), x, a, b)


@needs_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_isclose_allclose_equal(dtype):
    a = sample((8, 9), dtype, 1)
    b = a.clone()
    if dtype.is_floating_point:
        b = a + sample((8, 9), dtype, 2) * 1e-3
    both(lambda x, y: ember.isclose(x, y, rtol=1e-4, atol=1e-3), a, b)
    both(lambda x, y: ember.isclose(x, y[:1]), a, b)
    assert ember.allclose(a.cuda(), b.cuda(), rtol=0.1, atol=0.1) == ember.allclose(a, b, rtol=0.1, atol=0.1)
    assert ember.equal(a.cuda(), a.cuda().clone())
    assert ember.equal(a.cuda(), b.cuda()) == ember.equal(a, b)
    if dtype.is_floating_point:
        n = ember.tensor([float("nan"), 1.0, float("inf")], dtype=dtype)
        both(lambda x: ember.isclose(x, x, equal_nan=True), n)
        both(lambda x: ember.isclose(x, x), n)


# ---- unary --------------------------------------------------------------------------------------------
# (name, fn, input range)
UN_FLOAT = [
    ("sign", ember.sign, (-3, 3)), ("sgn", ember.sgn, (-3, 3)), ("round", ember.round, (-5, 5)),
    ("round_dec2", lambda t: ember.round(t, decimals=2), (-5, 5)),
    ("round_dec-1", lambda t: ember.round(t, decimals=-1), (-50, 50)),
    ("frac", ember.frac, (-5, 5)), ("asin", ember.asin, (-0.99, 0.99)), ("acos", ember.acos, (-0.99, 0.99)),
    ("atan", ember.atan, (-5, 5)), ("sinh", ember.sinh, (-4, 4)), ("cosh", ember.cosh, (-4, 4)),
    ("asinh", ember.asinh, (-5, 5)), ("acosh", ember.acosh, (1.01, 6)), ("atanh", ember.atanh, (-0.95, 0.95)),
    ("erfc", ember.erfc, (-3, 3)), ("erfinv", ember.erfinv, (-0.99, 0.99)), ("lgamma", ember.lgamma, (0.1, 6)),
    ("digamma", ember.digamma, (0.1, 6)), ("digamma_neg", ember.digamma, (-4.9, -0.1)),
    ("logit", ember.logit, (0.02, 0.98)), ("logit_eps", lambda t: ember.logit(t, eps=0.1), (-0.5, 1.5)),
    ("nan_to_num", ember.nan_to_num, (-3, 3)), ("positive", ember.positive, (-3, 3)),
    ("negative", ember.negative, (-3, 3)),
]


@needs_cuda
@pytest.mark.parametrize("name,f,rng", UN_FLOAT, ids=[n for n, *_ in UN_FLOAT])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_unary_float_ops(name, f, rng, dtype):
    x = sample((23, 19), dtype, 7, low=rng[0], high=rng[1])
    both(f, x)
    both(lambda t: f(t.t()), x)                                      # strided
    both(lambda t: f(t[3:, 1:]), x)                                   # sliced, misaligned
    both(f, x[0, 0].clone().reshape(()))                            # 0-d


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
def test_unary_special_values(dtype):
    v = ember.tensor([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, float("inf"), float("-inf"), float("nan")],
                     dtype=dtype)
    for name, f, _ in UN_FLOAT:
        both(f, v)
    both(lambda t: ember.nan_to_num(t, nan=1.0, posinf=2.0, neginf=-3.0), v)
    both(lambda t: ember.digamma(t - 3), v)                          # poles at negative integers


@needs_cuda
@pytest.mark.parametrize("dtype", INT_DTYPES + [ember.bool])
def test_unary_integer_ops(dtype):
    x = sample((9, 8), dtype, 3)
    if dtype is not ember.bool:
        for f in (ember.sign, ember.sgn, ember.neg, ember.abs, ember.round, ember.nan_to_num):
            both(f, x)
    both(ember.bitwise_not, x)
    both(lambda t: ~t.t(), x)
    for f in (ember.sin, ember.erfinv, ember.lgamma, ember.atan, ember.logit):   # integers compute in float
        both(f, x)


@needs_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_predicates(dtype):
    if dtype.is_floating_point:
        x = ember.tensor([0.0, -0.0, 1.5, -2.0, float("inf"), float("-inf"), float("nan")] * 5, dtype=dtype)
    else:
        x = sample((35,), dtype, 4)
    for f in (ember.isnan, ember.isinf, ember.isposinf, ember.isneginf, ember.isfinite, ember.signbit,
              ember.logical_not):
        both(f, x)
        both(lambda t: f(t[1:]), x)
        both(lambda t: f(t.reshape(5, 7).t()), x)
    out = ember.empty(35, dtype=ember.float32, device="cuda")       # logical_not may write any dtype
    ember.logical_not(x.cuda(), out=out)
    check(out, ember.logical_not(x).float())


@needs_cuda
def test_unary_inplace_and_out():
    x = sample((8, 8), ember.float32, 9, low=-0.9, high=0.9)
    for name in ("asin_", "atanh_", "erfinv_", "frac_", "sign_", "round_"):
        g = x.cuda()
        getattr(g, name)()
        ref = x.clone()
        getattr(ref, name)()
        check(g, ref)
    out = ember.empty(8, 8, device="cuda")
    ember.acos(x.cuda(), out=out)
    check(out, ember.acos(x))
    g = x.cuda()
    g.t().nan_to_num_(0.0)                                            # in place on a strided view
    check(g, x)


# ---- activations --------------------------------------------------------------------------------------
ACTS = [
    ("relu", F.relu), ("relu6", F.relu6), ("leaky_relu", lambda t: F.leaky_relu(t, 0.2)),
    ("hardtanh", lambda t: F.hardtanh(t, -0.5, 1.5)), ("elu", lambda t: F.elu(t, 1.3)), ("selu", F.selu),
    ("celu", lambda t: F.celu(t, 0.7)), ("gelu", F.gelu), ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")),
    ("silu", F.silu), ("mish", F.mish), ("sigmoid", F.sigmoid), ("tanh", F.tanh),
    ("softplus", lambda t: F.softplus(t, beta=2.0, threshold=3.0)), ("softsign", F.softsign),
    ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid), ("logsigmoid", F.logsigmoid),
    ("threshold", lambda t: F.threshold(t, 0.3, -2.0)), ("tanhshrink", F.tanhshrink),
    ("softshrink", lambda t: F.softshrink(t, 0.6)), ("hardshrink", lambda t: F.hardshrink(t, 0.6)),
]


def _act_input(dtype, shape=(16, 37), seed=10):
    x = sample(shape, dtype, seed, low=-5, high=5)
    special = ember.tensor([float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 3.0, -3.0], dtype=dtype)
    return ember.cat([x.flatten(), special]).reshape(-1)


@needs_cuda
@pytest.mark.parametrize("name,f", ACTS, ids=[n for n, _ in ACTS])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_activation_forward(name, f, dtype):
    x = _act_input(dtype)
    both(f, x)
    both(lambda t: f(t[1:]), x)                                      # misaligned
    m = sample((12, 9), dtype, 11, low=-4, high=4)
    both(lambda t: f(t.t()), m)                                      # strided
    both(f, m[0, 0].clone().reshape(()))                            # 0-d
    both(f, ember.empty(0, 3, dtype=dtype))                          # empty


@needs_cuda
@pytest.mark.parametrize("name,f", ACTS, ids=[n for n, _ in ACTS])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.bfloat16])
def test_activation_backward(name, f, dtype):
    x = sample((19, 23), dtype, 12, low=-4, high=4)
    g = sample((19, 23), dtype, 13)

    def grad_of(t, gr):
        t = t.detach().requires_grad_(True)
        f(t).backward(gr)
        return t.grad
    both(grad_of, x, g)
    both(lambda t, gr: grad_of(t.t(), gr.t()), x, g)                   # strided


DBWD = ("elu", "gelu", "gelu_tanh", "silu", "mish", "sigmoid", "tanh", "softplus", "softsign", "logsigmoid",
        "tanhshrink", "hardswish")


@needs_cuda
@pytest.mark.parametrize("name,f", [a for a in ACTS if a[0] in DBWD], ids=[n for n, _ in ACTS if n in DBWD])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_activation_double_backward(name, f, dtype):
    x = sample((7, 11), dtype, 14, low=-3, high=3)
    g = sample((7, 11), dtype, 15)
    gg = sample((7, 11), dtype, 16)

    def gradgrad(t, gr, ggr):
        t = t.detach().requires_grad_(True)
        gr = gr.detach().requires_grad_(True)
        (dx,) = ember.autograd.grad(f(t), t, gr, create_graph=True)
        dx.backward(ggr)
        return t.grad, gr.grad
    both(gradgrad, x, g, gg)


# The C++ entry points directly (every ActOp, also those whose double backward is identically 0).
ACT_C = [("relu", ()), ("leaky_relu", (0.2,)), ("hardtanh", (-1.0, 1.0)), ("elu", (1.3, 1.0, 1.0)),
         ("gelu", ()), ("gelu_tanh", ()), ("silu", ()), ("mish", ()), ("sigmoid", ()), ("tanh", ()),
         ("softplus", (2.0, 3.0)), ("softsign", ()), ("hardswish", ()), ("hardsigmoid", ()), ("logsigmoid", ()),
         ("threshold", (0.3, -2.0)), ("tanhshrink", ()), ("softshrink", (0.5,)), ("hardshrink", (0.5,))]


@needs_cuda
@pytest.mark.parametrize("name,params", ACT_C, ids=[n for n, _ in ACT_C])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_activation_kernels_direct(name, params, dtype):
    from ember._tensor import _wrap
    op = getattr(ember._C.ActOp, name)
    prm = tuple(params) + (0.0,) * (3 - len(params))
    s, g, gg = (sample((13, 10), dtype, 30 + k, low=-4, high=4) for k in range(3))

    def run(s, g, gg):
        return (_wrap(ember._C.activation_forward(op, s._t, *prm, None)),
                _wrap(ember._C.activation_backward(op, g._t, s._t, *prm)),
                _wrap(ember._C.activation_double_backward(op, gg._t, g._t, s._t, *prm)),
                _wrap(ember._C.activation_backward(op, g.t()._t, s.t()._t, *prm)))
    both(run, s, g, gg)


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
def test_activation_sizes(n):
    x = sample((n,), ember.float32, 17, low=-4, high=4)
    both(F.gelu, x)
    both(lambda t: F.silu(t[1:]), x)
    h = x.half()
    both(F.hardswish, h)


@needs_cuda
def test_activation_inplace_and_integer_relu():
    x = sample((9, 9), ember.float32, 18)
    for f, fi in ((F.relu, F.relu_), (F.elu, F.elu_), (F.hardtanh, F.hardtanh_), (F.leaky_relu, F.leaky_relu_),
                  (lambda t: F.threshold(t, 0.1, 5.0), lambda t: F.threshold_(t, 0.1, 5.0))):
        g = x.cuda()
        fi(g)
        check(g, f(x))
        g = x.cuda()
        fi(g.t())                                                     # strided in-place
        check(g, f(x))
    i = sample((9, 9), ember.int32, 19)
    both(F.relu, i)
    both(F.relu6, i)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_prelu(dtype):
    x = sample((4, 3, 5, 6), dtype, 20)
    w = sample((3,), dtype, 21, low=0.0, high=0.5)
    both(F.prelu, x, w)
    both(F.prelu, x, w[:1])                                          # one shared weight
    both(lambda t, a: F.prelu(t.transpose(2, 3), a), x, w)
    g = sample((4, 3, 5, 6), dtype, 22)
    wv = w.reshape(1, 3, 1, 1)
    gc = ember._C.prelu_backward(g.cuda()._t, x.cuda()._t, wv.cuda()._t)
    cc = ember._C.prelu_backward(g._t, x._t, wv._t)
    from ember._tensor import _wrap
    check([_wrap(t) for t in gc], [_wrap(t) for t in cc])


# ---- errors on cuda -----------------------------------------------------------------------------------
@needs_cuda
def test_errors_on_cuda():
    g = ember.ones(3, device="cuda")
    c = ember.ones(3)
    same = "Expected all tensors to be on the same device, but found at least two devices"
    with pytest.raises(RuntimeError, match=same):
        ember.where(g > 0, g, c)
    with pytest.raises(RuntimeError, match=same):
        ember.clamp(g, min=c)
    with pytest.raises(RuntimeError, match=same):
        ember.lerp(g, c, 0.5)
    with pytest.raises(RuntimeError, match=same):
        ember.addcmul(g, g, c)
    with pytest.raises(RuntimeError, match=same):
        g < c
    with pytest.raises(RuntimeError, match=same):
        ember.isclose(g, c)
    with pytest.raises(RuntimeError, match=r"^\[prelu\].*same device"):
        F.prelu(g.reshape(1, 3), c)
    with pytest.raises(NotImplementedError, match=r"bitwise_and"):
        ember.bitwise_and(g, g)
    with pytest.raises(NotImplementedError, match=r"hypot"):
        ember.hypot(g.int(), g.int())
    with pytest.raises(RuntimeError, match=r"^\[clamp\] At least one of 'min' or 'max' must not be None"):
        ember.clamp(g)
    with pytest.raises(NotImplementedError, match=r"relu|activation|leaky_relu"):
        F.leaky_relu(g.int())


# ---- without a GPU: the ops reach their CUDA kernels ----------------------------------------------------
# _C._as_fake_cuda views host memory as cuda:0. With out= tensors of the result dtype nothing is
# allocated on the device, so the first CUDA call an op makes is its kernel launcher's: in a CUDA build
# without a usable GPU that raises a CUDA error, where an op without a CUDA path would raise the device
# guard's "not implemented for 'cuda'" instead.
no_gpu_cuda_build = pytest.mark.skipif(HAS_CUDA or not ember._C.has_cuda,
                                       reason="checks a CUDA build on a machine without a usable GPU")


def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


FAKE_CALLS = [
    ("floor_divide", lambda a, b, o, m: ember.floor_divide(a, b, out=o)),
    ("remainder", lambda a, b, o, m: ember.remainder(a, b, out=o)),
    ("pow", lambda a, b, o, m: ember.pow(a, b, out=o)),
    ("pow_scalar", lambda a, b, o, m: ember.pow(a, 2.5, out=o)),
    ("atan2", lambda a, b, o, m: ember.atan2(a, b, out=o)),
    ("logaddexp", lambda a, b, o, m: ember.logaddexp(a, b, out=o)),
    ("lt", lambda a, b, o, m: ember.lt(a, b, out=m)),
    ("logical_and", lambda a, b, o, m: ember.logical_and(m, m, out=m)),
    ("where", lambda a, b, o, m: ember.where(m, a, b, out=o)),
    ("clamp", lambda a, b, o, m: ember.clamp(a, -1, 1, out=o)),
    ("clamp_tensor", lambda a, b, o, m: ember.clamp(a, min=b, out=o)),
    ("lerp", lambda a, b, o, m: ember.lerp(a, b, 0.5, out=o)),
    ("addcdiv", lambda a, b, o, m: ember.addcdiv(a, a, b, out=o)),
    ("asin", lambda a, b, o, m: ember.asin(a, out=o)),
    ("digamma", lambda a, b, o, m: ember.digamma(a, out=o)),
    ("signbit", lambda a, b, o, m: ember.signbit(a, out=m)),
    ("round_decimals", lambda a, b, o, m: ember.round(a, decimals=2, out=o)),
    ("nan_to_num", lambda a, b, o, m: ember.nan_to_num(a, out=o)),
    ("mish_", lambda a, b, o, m: F.mish(a, inplace=True)),
    ("elu_", lambda a, b, o, m: F.elu_(a)),
    ("softplus", lambda a, b, o, m: ember._C.activation_forward(ember._C.ActOp.softplus, a._t, 1.0, 20.0, 0.0, o._t)),
]


@no_gpu_cuda_build
@pytest.mark.parametrize("name,call", FAKE_CALLS, ids=[n for n, _ in FAKE_CALLS])
def test_ops_reach_cuda_kernels(name, call):
    a, b, o = (_fake(ember.ones(4, 4)) for _ in range(3))
    m = _fake(ember.ones(4, 4, dtype=ember.bool))
    with pytest.raises(RuntimeError) as e:
        call(a, b, o, m)
    msg = str(e.value)
    assert "not implemented for 'cuda'" not in msg, msg
    assert "CUDA error" in msg, msg
