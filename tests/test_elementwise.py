"""Binary/ternary elementwise ops against PyTorch (and numpy): dtypes, promotion, broadcasting,
non-contiguous inputs, empty/0-d tensors, extreme values, operators, in-place/out= forms, errors."""
import math

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, make, needs_torch, to_np, to_torch, torch

pytestmark = needs_torch

INF, NAN = math.inf, math.nan


def _raises_like(fn_e, fn_t):
    """Run both; when torch raises, ember must raise the same exception type."""
    try:
        expected = fn_t()
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            fn_e()
        return None, None
    return fn_e(), expected


def check(fn_e, fn_t, *args, tol_dtype=None, **kw):
    """fn_e(*ember args) vs fn_t(*torch args): same exception type, or same dtype/shape/values."""
    targs = [to_torch(a) if isinstance(a, ember.Tensor) else a for a in args]
    got, exp = _raises_like(lambda: fn_e(*args, **kw), lambda: fn_t(*targs, **kw))
    if exp is None:
        return
    if isinstance(exp, torch.Tensor):
        assert_close(got, exp, dtype=tol_dtype)
    else:
        assert got == exp


def arr(shape, dtype, seed=0, nonzero=False, low=-3, high=3):
    """numpy data for `dtype` (as float64/int64/bool), optionally without zeros."""
    rng = np.random.default_rng(seed)
    if dtype is ember.bool:
        a = rng.random(shape) > 0.5
        return np.ones(shape, bool) if nonzero else a
    if dtype.is_floating_point:
        a = np.round(rng.uniform(low, high, size=shape), 2)
    else:
        a = rng.integers(0 if dtype is ember.uint8 else low, high + 1, size=shape)
    if nonzero:
        a = np.where(a == 0, 1, a)
    return a


def T(a, dtype=None):
    return ember.tensor(a, dtype=dtype)


# ---- every binary op over every dtype (same dtype on both sides) ------------------------------
BINARY = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow", "atan2", "hypot",
          "maximum", "minimum", "fmax", "fmin", "copysign", "xlogy", "logaddexp", "logaddexp2", "nextafter", "eq",
          "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
          "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "float_power", "ldexp", "subtract", "multiply",
          "divide", "greater", "greater_equal", "less", "less_equal", "not_equal", "arctan2"]
DIVLIKE = {"floor_divide", "remainder", "fmod"}


@pytest.mark.parametrize("op", BINARY)
def test_binary_op_dtype(op):
    for dtype in ALL_DTYPES:  # unsupported dtypes must raise what torch raises
        a = T(arr((3, 5), dtype, 1), dtype)
        b = T(arr((3, 5), dtype, 2, nonzero=op in DIVLIKE, low=0 if "shift" in op else -3), dtype)
        if op == "ldexp":
            b = T(arr((3, 5), ember.int64, 2), ember.int64)
        check(getattr(ember, op), getattr(torch, op), a, b)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "floor_divide",
                                "remainder", "pow", "atan2", "logical_xor", "bitwise_or", "fmax"])
@pytest.mark.parametrize("da,db", [(ember.int32, ember.float16), (ember.uint8, ember.int8), (ember.bool, ember.float32),
                                   (ember.int64, ember.bfloat16), (ember.float16, ember.bfloat16),
                                   (ember.int16, ember.int64), (ember.bool, ember.uint8)], ids=str)
def test_binary_promotion(op, da, db):
    a = T(arr((4,), da, 3, nonzero=True), da)
    b = T(arr((4,), db, 4, nonzero=True), db)
    check(getattr(ember, op), getattr(torch, op), a, b)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
                                "eq", "lt", "ge", "atan2", "copysign", "xlogy", "bitwise_and", "logical_or",
                                "bitwise_left_shift"])
def test_tensor_scalar(op):
    fe, ft = getattr(ember, op), getattr(torch, op)
    for dtype in [ember.uint8, ember.int32, ember.int64, ember.float16, ember.bfloat16, ember.float32, ember.bool]:
        a = T(arr((5,), dtype, 5, nonzero=True), dtype)
        for scalar in [2, 2.5, True, -1]:
            check(lambda x: fe(x, scalar), lambda x: ft(x, scalar), a)
            check(lambda x: fe(scalar, x), lambda x: ft(scalar, x), a)  # TypeError where torch wants a tensor
        z = T(arr((), dtype, 6, nonzero=True), dtype)  # 0-d tensors rank below dimensioned ones
        check(lambda x, y: fe(x, y), lambda x, y: ft(x, y), a, z)


@pytest.mark.parametrize("op", ["add", "mul", "div", "remainder", "maximum", "lt", "pow", "fmod", "hypot", "where"])
@pytest.mark.parametrize("sa,sb", [((3, 1, 4), (2, 4)), ((1,), (2, 3)), ((2, 3), ()), ((0, 3), (1, 3)), ((), ()),
                                   ((5, 0), (5, 1))], ids=str)
def test_broadcast_shapes(op, sa, sb):
    a = T(arr(sa, ember.float32, 7), ember.float32)
    b = T(arr(sb, ember.float32, 8, nonzero=True), ember.float32)
    if op == "where":
        c = T(arr(sa, ember.bool, 9))
        check(ember.where, torch.where, c, a, b)
    else:
        check(getattr(ember, op), getattr(torch, op), a, b)


@pytest.mark.parametrize("kind", ["T", "step", "expand"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "floor_divide", "eq", "pow",
                                "logical_and", "bitwise_xor", "atan2"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.int32, ember.float16], ids=lambda d: d._name)
def test_noncontiguous(op, kind, dtype):
    a = make((4, 6), dtype, seed=1, noncontig=kind)
    b = make((4, 6), dtype, seed=2, low=1, high=4, noncontig="T" if kind != "T" else "step")
    check(getattr(ember, op), getattr(torch, op), a, b)
    check(getattr(ember, op), getattr(torch, op), b, a.float() if op != "bitwise_xor" else a)


# ---- extreme values ---------------------------------------------------------------------------
EXTREME = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, INF, -INF, NAN, 1e10, -1e-3, 3.0]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
                                "minimum", "fmax", "fmin", "atan2", "hypot", "copysign", "xlogy", "logaddexp",
                                "logaddexp2", "nextafter", "eq", "lt", "ge", "logical_and", "float_power"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16], ids=lambda d: d._name)
def test_extreme_values(op, dtype):
    grid_a, grid_b = np.meshgrid(np.array(EXTREME), np.array(EXTREME))
    if op == "copysign" and dtype is ember.bfloat16:
        grid_b = np.nan_to_num(grid_b, nan=1.0)  # the sign of a bf16 nan differs by conversion path
    a, b = T(grid_a.ravel(), dtype), T(grid_b.ravel(), dtype)
    check(getattr(ember, op), getattr(torch, op), a, b)
    if op in ("div", "remainder", "floor_divide", "fmod"):
        check(lambda x, y: getattr(ember, op)(x, y), lambda x, y: getattr(torch, op)(x, y), a.flip(0) if hasattr(a, "flip") else b, a)


def test_signed_zero_and_nan_semantics():
    # maximum/minimum: nan wins and ties keep the first operand; fmax/fmin ignore nan
    assert str(to_np(ember.maximum(T([-0.0, 0.0, NAN, 1.0]), T([0.0, -0.0, 1.0, NAN])))) == "[-0.  0. nan nan]"
    assert str(to_np(ember.fmax(T([-0.0, NAN, 1.0, NAN]), T([0.0, 1.0, NAN, NAN])))) == "[-0.  1.  1. nan]"
    assert str(to_np(ember.remainder(T([-0.0, 5.0, -5.0]), T([3.0, -3.0, 3.0])))) == "[-0. -1.  1.]"
    assert str(to_np(ember.fmod(T([-0.0, 5.0, -5.0]), T([3.0, -3.0, 3.0])))) == "[-0.  2. -2.]"
    assert str(to_np(ember.floor_divide(T([-0.0, 5.0, -5.0, 1.0]), T([3.0, -3.0, 3.0, 0.0])))) == "[-0. -2. -2. inf]"
    assert str(to_np(T([-0.0, -INF, 4.0]) ** 0.5)) == "[-0. nan  2.]"  # pow(., 0.5) is sqrt, as PyTorch


@pytest.mark.parametrize("dtype", [ember.int8, ember.int32, ember.int64, ember.uint8], ids=lambda d: d._name)
def test_integer_edge_values(dtype):
    info = np.iinfo(dtype._np)
    vals = [info.min, info.min + 1, -7, -1, 0, 1, 7, info.max] if info.min < 0 else [0, 1, 7, 200, info.max]
    a = T(np.repeat(vals, len(vals)), dtype)
    b = T(np.tile(vals, len(vals)), dtype)
    bnz = T(np.tile([v if v != 0 else 3 for v in vals], len(vals)), dtype)
    for op in ["add", "sub", "mul", "maximum", "minimum", "eq", "lt", "bitwise_and", "bitwise_xor"]:
        check(getattr(ember, op), getattr(torch, op), a, b)
    for op in ["floor_divide", "remainder", "fmod"]:  # INT_MIN // -1 wraps instead of trapping
        check(getattr(ember, op), getattr(torch, op), a, bnz)
    # torch itself traps on INT_MIN / -1 with rounding_mode='trunc': compare without -1 divisors
    bt = T(np.tile([v if v not in (0, -1) else 3 for v in vals], len(vals)), dtype)
    check(lambda x, y: ember.div(x, y, rounding_mode="trunc"), lambda x, y: torch.div(x, y, rounding_mode="trunc"),
          a, bt)
    if info.min < 0:
        m = T([info.min], dtype)
        assert to_np(ember.div(m, T([-1], dtype), rounding_mode="trunc")).tolist() == [info.min]  # wraps, no trap
    sh = T(np.tile([0, 1, 3, 7, 8, 31, 63, 64, 100], 3), dtype)
    v = T(np.repeat([1, 5, vals[-1]], 9), dtype)
    check(ember.bitwise_left_shift, torch.bitwise_left_shift, v, sh)
    check(ember.bitwise_right_shift, torch.bitwise_right_shift, v, sh)
    if info.min < 0:
        neg = T(np.repeat([-1, -8, info.min], 9), dtype)
        check(ember.bitwise_right_shift, torch.bitwise_right_shift, neg, sh)
        check(ember.bitwise_left_shift, torch.bitwise_left_shift, v, -sh if hasattr(sh, "__neg__") else sh)


def test_integer_pow():
    base = T([0, 1, -1, 2, -2, 3, 5])
    for e in [T([-1, -1, -1, -1, -3, 0, 2]), T([3, 0, 5, 62, 63, 40, 27])]:
        check(ember.pow, torch.pow, base, e)
    for e in [0, 1, 2, 3, 7]:
        check(lambda x: x ** e, lambda x: x ** e, base)
        check(lambda x: x ** e, lambda x: x ** e, T([3, -3, 100], ember.int8))
    check(lambda x: 2 ** x, lambda x: 2 ** x, T([-1, 0, 3, 62]))
    check(lambda x: 0 ** x, lambda x: 0 ** x, T([-1, 0, 3]))


@pytest.mark.parametrize("e", [0, 1, 2, 3, 0.5, -0.5, -1, -2, 1.5, -3, 2.0])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [ember.int64, ember.bool], ids=lambda d: d._name)
def test_pow_scalar_exponent(e, dtype):
    x = T(np.concatenate([arr((20,), dtype, 3, low=0.1 if dtype.is_floating_point else 1),
                          np.array([0, 1, -0.0, INF, NAN, -2]) if dtype.is_floating_point else np.array([0, 1, 2])]),
          dtype)
    check(lambda t: ember.pow(t, e), lambda t: torch.pow(t, e), x)
    check(lambda t: t ** e, lambda t: t ** e, x)


# ---- fast kernels vs reference ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int32, ember.float16, ember.int8],
                         ids=lambda d: d._name)
def test_fast_matches_reference(dtype):
    a = make((67, 129), dtype, seed=3)
    b = make((67, 129), dtype, seed=4, low=1, high=5)
    row = make((129,), dtype, seed=5)
    cases = [lambda: a + b, lambda: a - row, lambda: a * b, lambda: a / b, lambda: ember.maximum(a, b),
             lambda: ember.minimum(row, a), lambda: ember.add(a, b, alpha=3), lambda: ember.sub(a, 2, alpha=2),
             lambda: a.t() * b.t(), lambda: a ** 2, lambda: b ** 3, lambda: ember.where(a > b, a, b),
             lambda: ember.clamp(a, -1, 1)]
    if dtype.is_floating_point:
        cases += [lambda: b ** -1, lambda: b ** -2, lambda: b ** 0.5, lambda: 2.5 / a]
    fast = [to_np(c()) for c in cases]
    try:
        ember.set_kernels("reference")
        ref = [to_np(c()) for c in cases]
    finally:
        ember.set_kernels("fast")
    for f, r in zip(fast, ref):
        rt = 1e-5 if dtype in (ember.float32, ember.float64) else 1e-3  # FMA contraction in the AVX2 build
        np.testing.assert_allclose(f.astype(np.float64), r.astype(np.float64), rtol=rt, equal_nan=True)


def test_streaming_store_path_matches_numpy():
    # > 2M float32 elements takes the AVX2 streaming-store path (odd offset: unaligned start)
    a, b = make((2_200_001,), seed=1), make((2_200_001,), seed=2, low=1, high=4)
    na, nb = to_np(a), to_np(b)
    for f in [lambda x, y: x + y, lambda x, y: x / y]:
        assert_close(f(a, b), f(na, nb))
    out = ember.empty(2_200_002).narrow(0, 1, 2_200_000)  # output starting off a 32-byte boundary
    ember.mul(a.narrow(0, 1, 2_200_000), b.narrow(0, 0, 2_200_000), out=out)
    assert_close(out, na[1:] * nb[:-1])


def test_large_parallel_add_matches_numpy():
    a, b = make((300, 1000), seed=1), make((300, 1000), seed=2)
    assert_close(a + b, to_np(a) + to_np(b))
    assert_close(ember.where(a > 0, a, b), np.where(to_np(a) > 0, to_np(a), to_np(b)))
    assert_close(a * b.t().t(), to_np(a) * to_np(b))


# ---- div rounding modes / alpha / rsub --------------------------------------------------------
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", [ember.int64, ember.int8, ember.uint8, ember.float32, ember.float16, ember.bool],
                         ids=lambda d: d._name)
def test_div_rounding_mode(mode, dtype):
    a = T(arr((12,), dtype, 1, low=-9, high=9), dtype)
    b = T(arr((12,), dtype, 2, nonzero=True), dtype)
    check(lambda x, y: ember.div(x, y, rounding_mode=mode), lambda x, y: torch.div(x, y, rounding_mode=mode), a, b)
    check(lambda x: x.div(3, rounding_mode=mode), lambda x: x.div(3, rounding_mode=mode), a)


def test_alpha_and_rsub():
    a, b = make((3, 4), seed=1), make((3, 4), seed=2)
    check(lambda x, y: ember.add(x, y, alpha=2.5), lambda x, y: torch.add(x, y, alpha=2.5), a, b)
    check(lambda x, y: ember.sub(x, y, alpha=-2), lambda x, y: torch.sub(x, y, alpha=-2), a, b)
    check(lambda x: ember.add(x, 2, alpha=3), lambda x: torch.add(x, 2, alpha=3), a)
    check(lambda x: ember.rsub(x, 5, alpha=2), lambda x: torch.rsub(x, 5, alpha=2), a)
    check(lambda x, y: ember.rsub(x, y), lambda x, y: torch.rsub(x, y), a, b)
    check(lambda x, y: ember.add(x, y, alpha=True), lambda x, y: torch.add(x, y, alpha=True),
          T([True, False]), T([False, False]))
    i = T([1, 2])
    check(lambda x: ember.add(x, x, alpha=2.0), lambda x: torch.add(x, x, alpha=2.0), i)


# ---- where / clamp / lerp / addcmul / addcdiv -------------------------------------------------
@pytest.mark.parametrize("x,y", [
    ("f32", "f32"), ("i32", "f16"), ("i32", 2.5), ("f16", 2.5), (1, 2.5), (1, 2), (True, 3), ("f16", "f64_0d"),
    ("i64", True), ("u8", -1), ("bf16", "i64"), ("b", "b")], ids=str)
def test_where_promotion(x, y):
    vals = {"f32": (ember.float32, (2, 3)), "i32": (ember.int32, (3,)), "f16": (ember.float16, (2, 1)),
            "f64_0d": (ember.float64, ()), "i64": (ember.int64, (3,)), "u8": (ember.uint8, (3,)),
            "bf16": (ember.bfloat16, (1, 3)), "b": (ember.bool, (3,))}

    def build(v, seed):
        if isinstance(v, str):
            d, s = vals[v]
            return T(arr(s, d, seed), d)
        return v
    c = T(arr((2, 3), ember.bool, 0))
    check(ember.where, torch.where, c, build(x, 1), build(y, 2))


def test_where_noncontig_and_method():
    a, b = make((4, 5), noncontig="T", seed=1), make((4, 5), noncontig="expand", seed=2)
    c = a > 0
    check(ember.where, torch.where, c, a, b)
    check(lambda x, cc, y: x.where(cc, y), lambda x, cc, y: x.where(cc, y), a, c, b)
    e = make((0, 5))
    check(ember.where, torch.where, e > 0, e, 1.0)


def test_where_single_argument():
    c = T([[True, False], [False, True]])
    got, exp = ember.where(c), torch.where(to_torch(c))
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        assert_close(g, e)


@pytest.mark.parametrize("lo,hi", [(-1, 1), (None, 0.5), (0, None), (2, 1), (NAN, None), (None, NAN), ("t", "t"),
                                   ("t", None), (None, "t"), (-1.5, "t"), ("t64", None)], ids=str)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.int32, ember.int64, ember.uint8, ember.float64],
                         ids=lambda d: d._name)
def test_clamp(lo, hi, dtype):
    x = T(np.concatenate([arr((10,), dtype, 1, low=-3, high=3),
                          [NAN, INF, -INF, -0.0] if dtype.is_floating_point else [0, 1, 2, 3]]), dtype)

    def bound(v, seed):
        if v == "t":
            return T(arr((14,), dtype, seed, low=-2, high=2), dtype)
        if v == "t64":
            return T(arr((1,), ember.float64, seed), ember.float64)
        return v
    lo_, hi_ = bound(lo, 2), bound(hi, 3)
    if isinstance(lo_, float) and math.isnan(lo_) and not dtype.is_floating_point:
        return
    check(lambda t, a, b: ember.clamp(t, a, b), lambda t, a, b: torch.clamp(t, a, b), x, lo_, hi_)
    check(lambda t, a, b: t.clip(min=a, max=b), lambda t, a, b: t.clip(min=a, max=b), x, lo_, hi_)
    if lo is not None:
        check(lambda t, a: ember.clamp_min(t, a), lambda t, a: torch.clamp_min(t, a), x, lo_)
    if hi is not None:
        check(lambda t, b: ember.clamp_max(t, b), lambda t, b: torch.clamp_max(t, b), x, hi_)
    check(lambda t, a, b: t.clone().clamp_(a, b), lambda t, a, b: t.clone().clamp_(a, b), x, lo_, hi_)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [ember.int64], ids=lambda d: d._name)
def test_lerp(dtype):
    s = T(arr((3, 4), dtype, 1), dtype)
    e = T(arr((4,), dtype, 2), dtype)
    w = T(np.array([0.0, 0.3, 0.5, 1.0]), dtype if dtype.is_floating_point else ember.float32)
    for wt in [0.0, 0.25, 0.5, 1.0, 1.7, -0.5, w]:
        check(ember.lerp, torch.lerp, s, e, wt)
    check(lambda a, b: a.clone().lerp_(b, 0.3), lambda a, b: a.clone().lerp_(b, 0.3), s, e)


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("dtypes", [(ember.float32,) * 3, (ember.float16,) * 3, (ember.int64,) * 3,
                                    (ember.float32, ember.int32, ember.float64), (ember.int32, ember.int32, ember.float16),
                                    (ember.bool,) * 3], ids=str)
@pytest.mark.parametrize("value", [1, 2, 0.5, -1.5])
def test_addcmul_addcdiv(op, dtypes, value):
    x, a, b = (T(arr(s, d, i, nonzero=True), d) for i, (s, d) in enumerate(zip([(2, 3), (3,), (2, 1)], dtypes)))
    check(lambda *t: getattr(ember, op)(*t, value=value), lambda *t: getattr(torch, op)(*t, value=value), x, a, b)


# ---- isclose / allclose / equal ---------------------------------------------------------------
def test_isclose_allclose_equal():
    a = T([1.0, INF, -INF, NAN, 1e10, 0.0, 1.0, -0.0])
    b = T([1.0 + 1e-6, INF, INF, NAN, 1.00001e10, 1e-9, 1.1, 0.0])
    for kw in [{}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 1e-8, "rtol": 0}, {"rtol": 0, "atol": 0}]:
        check(lambda x, y: ember.isclose(x, y, **kw), lambda x, y: torch.isclose(x, y, **kw), a, b)
        check(lambda x, y: ember.allclose(x, y, **kw), lambda x, y: torch.allclose(x, y, **kw), a, b)
    check(ember.isclose, torch.isclose, T([1, 2, 3]), T([1, 3, 3]))
    check(lambda x, y: ember.isclose(x, y, atol=1, rtol=0), lambda x, y: torch.isclose(x, y, atol=1, rtol=0),
          T([1, 2, 3]), T([1, 3, 5]))
    check(ember.isclose, torch.isclose, T([True, False]), T([True, True]))
    check(ember.allclose, torch.allclose, T([1.0, 1.0]), T([1.0]))
    check(ember.isclose, torch.isclose, T([1.0]), T([1.0], ember.float64))  # dtype mismatch raises
    check(lambda x, y: ember.isclose(x, y, rtol=-1), lambda x, y: torch.isclose(x, y, rtol=-1), a, b)
    assert a.isclose(a).dtype is ember.bool and a.allclose(a, equal_nan=True) is True
    assert ember.equal(T([1, 2]), T([1, 2])) is True
    assert ember.equal(T([1, 2]), T([1, 3])) is False
    assert ember.equal(T([1.0]), T([1.0, 1.0])) is False
    assert ember.equal(T([NAN]), T([NAN])) is False
    assert ember.equal(T([1.0]), T([1])) == torch.equal(torch.tensor([1.0]), torch.tensor([1]))
    assert ember.equal(make((0, 3)), make((0, 3))) is True


# ---- operators --------------------------------------------------------------------------------
OPERATORS = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": lambda x, y: x / y,
    "//": lambda x, y: x // y, "%": lambda x, y: x % y, "**": lambda x, y: x ** y, "&": lambda x, y: x & y,
    "|": lambda x, y: x | y, "^": lambda x, y: x ^ y, "<<": lambda x, y: x << y, ">>": lambda x, y: x >> y,
    "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y, "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
}


@pytest.mark.parametrize("sym", list(OPERATORS))
@pytest.mark.parametrize("dtype", [ember.int64, ember.float32, ember.bool, ember.uint8], ids=lambda d: d._name)
def test_operators(sym, dtype):
    f = OPERATORS[sym]
    a = T(arr((2, 3), dtype, 1, low=0 if sym in ("<<", ">>") else -3), dtype)
    b = T(arr((3,), dtype, 2, nonzero=True, low=0 if sym in ("<<", ">>") else -3), dtype)
    check(f, f, a, b)
    for s in [2, 3.5, True]:  # forward and reflected forms with Python numbers
        check(lambda x: f(x, s), lambda x: f(x, s), a)
        check(lambda x: f(s, x), lambda x: f(s, x), b)
    check(lambda x: f(x, np.float32(2.0)), lambda x: f(x, 2.0), a)


@pytest.mark.parametrize("sym", ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>="])
def test_inplace_operators(sym):
    for dtype in [ember.int32, ember.float32, ember.float16, ember.bool]:
        for other in ["tensor", "row", 2, 1.5, True, "big"]:
            _check_inplace(sym, dtype, other)


def _check_inplace(sym, dtype, other):
    code = compile(f"x {sym} y", "<inplace>", "exec")

    def run(x, y):
        ns = {"x": x, "y": y}
        exec(code, ns)
        return ns["x"]
    base = arr((2, 3), dtype, 1, nonzero=True, low=0)
    if other in ("tensor", "row", "big"):
        shape = {"tensor": (2, 3), "row": (3,), "big": (4, 2, 3)}[other]
        ye = T(arr(shape, dtype, 2, nonzero=True, low=0), dtype)
        yt = to_torch(ye)
    else:
        ye = yt = other
    xe, xt = T(base, dtype), to_torch(T(base, dtype))
    ptr = xe.data_ptr()
    try:
        expected = run(xt, yt)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            run(xe, ye)
        assert_close(xe, T(base, dtype))  # a rejected in-place op leaves self untouched
        return
    got = run(xe, ye)
    assert got is xe and xe.data_ptr() == ptr
    assert_close(got, expected)


def test_inplace_methods_and_aliasing():
    a = make((4, 4), seed=1)
    t = to_torch(a)
    r = a.add_(a.t())  # partial overlap (torch refuses it): ember reads the original values
    assert r is a
    assert_close(a, t + t.t())
    a = make((3, 4), seed=2)
    t = to_torch(a)
    a.mul_(a)
    assert_close(a, t.mul_(t))
    for name, args in [("sub_", (1.5,)), ("div_", (2,)), ("pow_", (2,)), ("remainder_", (1.5,)), ("fmod_", (1.5,)),
                       ("atan2_", (T([1.0]),)), ("copysign_", (-1.0,)), ("hypot_", (T([1.0]),)), ("lt_", (0,)),
                       ("eq_", (0.5,)), ("maximum", (T([0.0]),)), ("clamp_", (-1, 1)), ("xlogy_", (2.0,)),
                       ("float_power", (2,)), ("true_divide_", (4,)), ("floor_divide_", (0.7,)),
                       ("logical_or_", (T([0.0]),)), ("nextafter_", (T([INF]),)), ("addcmul_", (T([2.0]), T([3.0]))),
                       ("addcdiv_", (T([2.0]), T([3.0]))), ("lerp_", (T([1.0]), 0.5))]:
        x = make((2, 3), seed=3)
        xt = to_torch(x)
        targs = [to_torch(v) if isinstance(v, ember.Tensor) else v for v in args]
        assert_close(getattr(x, name)(*args), getattr(xt, name)(*targs))
        if name.endswith("_"):
            assert_close(x, xt)
    d = make((3,), ember.float64)
    dt_ = to_torch(d)
    assert_close(d.float_power_(2), dt_.float_power_(2))


def test_out_argument():
    a, b = make((2, 3), seed=1), make((2, 3), seed=2)
    out = ember.empty(2, 3)
    r = ember.add(a, b, out=out)
    assert r is out
    assert_close(out, to_np(a) + to_np(b))
    o64 = ember.empty(2, 3, dtype=ember.float64)
    ember.mul(a, b, out=o64)
    assert_close(o64, to_np(a).astype(np.float64) * to_np(b), rtol=1e-6)
    of = ember.empty(2, 3)
    ember.lt(a, b, out=of)  # bool result cast into a float output
    assert_close(of, (to_np(a) < to_np(b)).astype(np.float32))
    for fn, args in [(ember.where, (a > 0, a, b)), (ember.clamp, (a, -1, 1)), (ember.lerp, (a, b, 0.5)),
                     (ember.addcmul, (a, a, b)), (ember.pow, (a, 2)), (ember.div, (a, b)), (ember.maximum, (a, b))]:
        o = ember.empty(2, 3)
        assert fn(*args, out=o) is o
        assert_close(o, fn(*args))
    with pytest.raises(RuntimeError, match=r"\[add\]"):
        ember.add(a, b, out=ember.empty(3, 2))
    with pytest.raises(RuntimeError, match=r"\[add\]"):
        ember.add(a, b, out=ember.empty(2, 3, dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"\[float_power\]"):
        ember.float_power(a, 2, out=ember.empty(2, 3))
    with pytest.raises(TypeError, match=r"\[add\]"):
        ember.add(a, b, out=np.zeros((2, 3)))


def test_hash_is_identity():
    a, b = T([1, 2]), T([1, 2])
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2 and hash(a) != hash(b)
    assert (a == None) is False and (a != "x") is True  # noqa: E711


def test_empty_and_zero_dim():
    e = make((0, 4))
    for op in ["add", "floor_divide", "pow", "eq", "maximum", "logical_and", "atan2"]:
        check(getattr(ember, op), getattr(torch, op), e, make((4,)))
    z = T(2.5)
    check(lambda x: x + 1, lambda x: x + 1, z)
    check(lambda x: x * x, lambda x: x * x, z)
    check(lambda x: ember.where(x > 1, x, 0), lambda x: torch.where(x > 1, x, 0), z)
    check(lambda x: ember.clamp(x, 0, 1), lambda x: torch.clamp(x, 0, 1), z)
    ei = T(np.zeros((0,), np.int64))
    check(lambda x: x // x, lambda x: x // x, ei)  # no zero divisor among zero elements


# ---- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,exc,name", [
    (lambda: T([True]) - T([False]), RuntimeError, "sub"),
    (lambda: T([True]) - 1, RuntimeError, "sub"),
    (lambda: ember.sub(T([1.0]), True), RuntimeError, "sub"),
    (lambda: 1 - T([True]), RuntimeError, "sub"),
    (lambda: T([1, 2]) ** -1, RuntimeError, "pow"),
    (lambda: ember.pow(T([1, 2]), -2), RuntimeError, "pow"),
    (lambda: T([5]) // T([0]), RuntimeError, "floor_divide"),
    (lambda: T([5]) % 0, RuntimeError, "remainder"),
    (lambda: ember.fmod(T([5], ember.int8), 0), RuntimeError, "fmod"),
    (lambda: ember.div(T([5]), T([0]), rounding_mode="trunc"), RuntimeError, "div"),
    (lambda: ember.div(T([5]), 0, rounding_mode="floor"), RuntimeError, "div"),
    (lambda: 7 // T([0, 1]), RuntimeError, "floor_divide"),
    (lambda: ember.div(T([5.0]), 2, rounding_mode="round"), RuntimeError, "div"),
    (lambda: T([1.0]) & T([1.0]), NotImplementedError, "bitwise_and"),
    (lambda: T([1.0]) << 1, NotImplementedError, "bitwise_left_shift"),
    (lambda: T([True]) << T([True]), NotImplementedError, "bitwise_left_shift"),
    (lambda: ember.hypot(T([1]), T([1])), NotImplementedError, "hypot"),
    (lambda: ember.logaddexp(T([1]), T([1])), NotImplementedError, "logaddexp"),
    (lambda: ember.floor_divide(T([True]), T([True])), NotImplementedError, "floor_divide"),
    (lambda: ember.clamp(T([1.0])), RuntimeError, "clamp"),
    (lambda: ember.clamp(T([True]), min=True), NotImplementedError, "clamp"),
    (lambda: ember.where(T([1.0, 0.0]), T([1.0]), T([2.0])), RuntimeError, "where"),
    (lambda: ember.where(T([True, False]), T([1.0, 2.0, 3.0]), 0.0), RuntimeError, "where"),
    (lambda: ember.lerp(T([1.0]), T([1.0], ember.float64), 0.5), RuntimeError, "lerp"),
    (lambda: ember.lerp(T([1.0]), T([2.0]), T([0.5], ember.float64)), RuntimeError, "lerp"),
    (lambda: ember.lerp(T([1]), T([2]), 0.5), NotImplementedError, "lerp"),
    (lambda: ember.addcdiv(T([1]), T([1]), T([2])), RuntimeError, "addcdiv"),
    (lambda: ember.isclose(T([1.0]), T([1.0], ember.float64)), RuntimeError, "isclose"),
    (lambda: ember.isclose(T([1.0]), T([1.0]), atol=-1), RuntimeError, "isclose"),
    (lambda: T([1.0, 2.0]) + T([1.0, 2.0, 3.0]), RuntimeError, "add"),
    (lambda: ember.maximum(T([1.0, 2.0]), T([[1.0], [2.0], [3.0]]).t()), RuntimeError, "maximum"),
    (lambda: ember.add(T([1]), T([1]), alpha=1.5), RuntimeError, "add"),
    (lambda: T([1]).add_(1.5), RuntimeError, "add"),
    (lambda: T([1]).clamp_(min=0.5), RuntimeError, "clamp"),
    (lambda: T([True]).add_(T([1])), RuntimeError, "add"),
    (lambda: T([1.0]).mul_(ember.ones(2, 2)), RuntimeError, "mul"),
    (lambda: ember.ones(1).expand(3).add_(1), RuntimeError, "add"),
    (lambda: ember.add(T([1.0]), "a"), TypeError, "add"),
    (lambda: ember.add(1, 2), TypeError, "add"),
    (lambda: ember.mul(T([1.0]), [1.0]), TypeError, "mul"),
    (lambda: ember.where(T([True]), T([1.0]), "x"), TypeError, "where"),
    (lambda: ember.clamp([1.0], 0, 1), TypeError, "clamp"),
    (lambda: ember.isclose(T([1.0]), 1.0), TypeError, "isclose"),
    (lambda: ember.add(T([1.0]), 1 + 2j), TypeError, "add"),
])
def test_errors(fn, exc, name):
    with pytest.raises(exc, match=rf"\[{name}\]"):
        fn()


def test_operator_type_errors():
    with pytest.raises(TypeError):
        T([1.0]) + "a"
    with pytest.raises(TypeError):
        T([1.0]) < "a"
    with pytest.raises(TypeError):
        [1] @ T([1.0]) if False else T([1.0]) - object()


def test_rejected_ops_leave_inputs_untouched():
    x = T([4, 5, 6])
    with pytest.raises(RuntimeError):
        x //= T([1, 0, 1])
    assert to_np(x).tolist() == [4, 5, 6]
    y = T([4.0, 5.0])
    with pytest.raises(RuntimeError):
        y.add_(ember.ones(3, 2))
    assert to_np(y).tolist() == [4.0, 5.0]


# ---- properties -------------------------------------------------------------------------------
try:
    from hypothesis import assume, given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.integers(-2**31, 2**31 - 1), min_size=1, max_size=20),
           st.lists(st.integers(-1000, 1000).filter(lambda v: v != 0), min_size=1, max_size=20))
    def test_floor_divide_remainder_identity(xs, ys):
        n = min(len(xs), len(ys))
        a, b = T(xs[:n]), T(ys[:n])
        q, r = a // b, a % b
        assert to_np(q * b + r).tolist() == xs[:n]
        assert to_np(q).tolist() == [x // y for x, y in zip(xs[:n], ys[:n])]
        assert to_np(r).tolist() == [x % y for x, y in zip(xs[:n], ys[:n])]

    @settings(max_examples=30, deadline=None)
    # No subnormals: PyTorch's CPU kernels treat them as zero (fmod(1, 1e-45) is nan there, while
    # ember, like C's fmod, returns the exact 0.0).
    @given(st.lists(st.floats(width=32, allow_subnormal=False) | st.floats(-1e3, 1e3, width=32, allow_subnormal=False),
                    min_size=1, max_size=16),
           st.lists(st.floats(width=32, allow_subnormal=False) | st.floats(-1e3, 1e3, width=32, allow_subnormal=False),
                    min_size=1, max_size=16))
    def test_float_ops_match_torch(xs, ys):
        n = min(len(xs), len(ys))
        # PyTorch's vectorized remainder/fmod go through x / y, which overflows float32 for huge
        # quotients (it then returns nan where ember, like C's fmod, returns the exact remainder)
        assume(all(y == 0 or y != y or not math.isfinite(x) or abs(x / y) < 1e38 for x, y in zip(xs[:n], ys[:n])))
        a, b = T(xs[:n]), T(ys[:n])
        for op in ["floor_divide", "remainder", "fmod", "maximum", "fmin", "logaddexp", "atan2", "copysign"]:
            check(getattr(ember, op), getattr(torch, op), a, b)


def test_streamed_binary_loops_both_directions():
    # float32 add/sub/mul/div of >= 8 MiB write with streaming stores, backwards when an input lies
    # just below the output modulo 4 KiB (4K aliasing): a at 32 offsets (128-byte steps) inside a
    # larger buffer, so both directions run (asserted from the addresses); exact against numpy
    n = (1 << 21) + 37
    an = np.random.default_rng(51).normal(0, 1, n).astype(np.float32)
    bn = np.random.default_rng(52).normal(0, 1, n).astype(np.float32)
    b = ember.tensor(bn)
    base = ember.empty(n + 1024)
    seen = set()
    for k in range(0, 1024, 32):
        a = base[k:k + n]
        a.copy_(ember.tensor(an))
        for op in (np.add, np.subtract, np.multiply, np.divide):
            out = {np.add: a + b, np.subtract: a - b, np.multiply: a * b, np.divide: a / b}[op]
            seen.add(((a.data_ptr() - out.data_ptr()) & 4095) >= 4096 - 512)
            np.testing.assert_array_equal(out.numpy(), op(an, bn))
    assert seen == {False, True}
