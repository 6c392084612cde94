"""Unary elementwise math: values against numpy/PyTorch, PyTorch's dtype rules, out=/in-place,
non-contiguous/empty/0-d inputs, extreme values, fast kernels against the reference kernels,
and the error cases."""
import math

import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, assert_close, make, needs_torch, to_np, to_torch, torch

# op -> (low, high) of the test inputs (each op's natural domain)
FLOAT_OPS = {
    "exp": (-10, 10), "exp2": (-10, 10), "expm1": (-5, 5), "log": (0.05, 5), "log2": (0.05, 5),
    "log10": (0.05, 5), "log1p": (-0.9, 5), "sqrt": (0, 5), "rsqrt": (0.05, 5), "sin": (-10, 10),
    "cos": (-10, 10), "tan": (-1.4, 1.4), "asin": (-0.99, 0.99), "acos": (-0.99, 0.99), "atan": (-5, 5),
    "sinh": (-5, 5), "cosh": (-5, 5), "tanh": (-5, 5), "asinh": (-5, 5), "acosh": (1, 8),
    "atanh": (-0.95, 0.95), "sigmoid": (-8, 8), "erf": (-3, 3), "erfc": (-3, 3), "erfinv": (-0.99, 0.99),
    "lgamma": (0.1, 8), "digamma": (0.1, 8), "reciprocal": (0.2, 5), "neg": (-3, 3), "abs": (-3, 3),
    "sign": (-3, 3), "sgn": (-3, 3), "square": (-3, 3), "floor": (-3, 3), "ceil": (-3, 3), "round": (-3, 3),
    "trunc": (-3, 3), "frac": (-3, 3),
}
PRED_OPS = ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "logical_not"]
ALIASES = {"negative": "neg", "absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
           "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "fix": "trunc"}
# numpy oracles (float64), for runs without PyTorch
NP_REF = {"exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10,
          "log1p": np.log1p, "sqrt": np.sqrt, "rsqrt": lambda a: 1 / np.sqrt(a), "sin": np.sin, "cos": np.cos,
          "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
          "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
          "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "erf": np.vectorize(math.erf), "erfc": np.vectorize(math.erfc),
          "lgamma": np.vectorize(math.lgamma), "reciprocal": np.reciprocal, "neg": np.negative, "abs": np.abs,
          "sign": np.sign, "sgn": np.sign, "square": np.square, "floor": np.floor, "ceil": np.ceil, "round": np.round,
          "trunc": np.trunc, "frac": lambda a: a - np.trunc(a)}
SPECIALS = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-45, -1e-45, 1e-38, 3e38, -3e38, 1.0, -1.0,
            0.5, -0.5, 1.5, 2.5, -2.5, 88.7, 88.8, -87.3, -103.9, -104.5, 89.5, 128.0, -150.0, 1e-7, 8192.0, 8193.0,
            1e5, 1e30, 2.0, 3.0, -2.0, -3.7, 1e-30]


def ulp_diff(a, b):
    """Distance in float32 ulps (nan == nan; nan vs number is huge)."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    ai = a.view(np.int32).astype(np.int64)
    bi = b.view(np.int32).astype(np.int64)
    ai = np.where(ai < 0, -(ai & 0x7FFFFFFF), ai)
    bi = np.where(bi < 0, -(bi & 0x7FFFFFFF), bi)
    d = np.abs(ai - bi)
    d[np.isnan(a) & np.isnan(b)] = 0
    d[np.isnan(a) ^ np.isnan(b)] = 1 << 40
    return d


@pytest.fixture
def reference_kernels():
    ember.set_kernels("reference")
    yield
    ember.set_kernels("fast")


def _ref_outputs(op, t):
    ember.set_kernels("reference")
    try:
        return getattr(ember, op)(t)
    finally:
        ember.set_kernels("fast")


# ---- values against the oracles --------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", sorted(FLOAT_OPS))
def test_float_op_matches_torch(op, dtype):
    lo, hi = FLOAT_OPS[op]
    x = make((7, 13), dtype, low=lo, high=hi, seed=3)
    r = getattr(ember, op)(x)
    e = getattr(torch, op)(to_torch(x))
    rtol, atol = {ember.float32: (2e-5, 2e-6), ember.float64: (1e-10, 1e-12)}.get(dtype, (None, None))
    if dtype in (ember.float16, ember.bfloat16):  # rounding of a float result may land one 16-bit ulp away
        rtol, atol = (2e-3, 2e-3) if dtype is ember.float16 else (1.6e-2, 1e-2)
    assert_close(r, e, rtol=rtol, atol=atol)


@pytest.mark.parametrize("op", sorted(NP_REF))
def test_float_op_matches_numpy(op):
    lo, hi = FLOAT_OPS[op]
    x = make((5, 11), ember.float64, low=lo, high=hi, seed=4)
    assert_close(getattr(ember, op)(x), NP_REF[op](to_np(x)).astype(np.float64), rtol=1e-9, atol=1e-12)
    x32 = make((5, 11), ember.float32, low=lo, high=hi, seed=4)
    assert_close(getattr(ember, op)(x32), NP_REF[op](to_np(x32).astype(np.float64)), rtol=2e-5, atol=2e-6,
                 check_dtype=False)


@needs_torch
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("op", sorted(FLOAT_OPS) + PRED_OPS + ["nan_to_num"])
def test_special_values_match_torch(op, dtype):
    vals = SPECIALS
    if op in ("sinh", "cosh"):  # torch's float32 sinh/cosh overflow early (at 88.8 the result is finite)
        vals = [v for v in vals if v != 88.8]
    x = ember.tensor(vals, dtype=dtype)
    r = getattr(ember, op)(x)
    e = getattr(torch, op)(to_torch(x))
    rtol = 4e-6 if dtype is ember.float32 else 1e-12
    if op in ("digamma", "lgamma", "sinh", "cosh", "tan", "erfinv") and dtype is ember.float32:
        rtol = 1e-4  # torch's float32 forms of these lose a few more bits than ours
    assert_close(r, e, rtol=rtol, atol=1e-30)
    if op not in PRED_OPS:  # signs of zeros and infinities agree
        a, b = to_np(r), e.numpy()
        mask = (a == 0) | np.isinf(a)
        np.testing.assert_array_equal(np.signbit(a[mask]), np.signbit(b[mask]))


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", PRED_OPS)
def test_predicates_match_torch(op, dtype):
    vals = [v for v in SPECIALS if not (op == "signbit" and math.isnan(v))]  # nan's sign bit is unspecified
    x = ember.tensor(vals, dtype=dtype)
    assert_close(getattr(ember, op)(x), getattr(torch, op)(to_torch(x)))


# ---- PyTorch's dtype rules on integer and bool inputs ----------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", [ember.bool] + INT_DTYPES)
@pytest.mark.parametrize("op", sorted(FLOAT_OPS) + PRED_OPS + ["bitwise_not", "nan_to_num", "logit"])
def test_integer_and_bool_dtype_rules(op, dtype):
    x = make((4, 5), dtype, low=-3, high=3, seed=5)
    try:
        e = getattr(torch, op)(to_torch(x))
    except Exception as exc:  # ember raises the same Python exception type, naming the op
        with pytest.raises(type(exc), match=rf"\[{op}\]|{op}"):
            getattr(ember, op)(x)
        return
    r = getattr(ember, op)(x)
    assert_close(r, e, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("op", ["exp", "sin", "sqrt", "sigmoid", "erf", "reciprocal", "lgamma"])
def test_float_op_on_int_uses_default_dtype(op):
    x = ember.tensor([1, 2, 3])
    assert getattr(ember, op)(x).dtype is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert getattr(ember, op)(x).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_integer_wraparound_matches_torch_semantics():
    m = ember.tensor([-128, 127, 0, -1], dtype=ember.int8)
    assert ember.neg(m).tolist() == [-128, -127, 0, 1]
    assert ember.abs(m).tolist() == [-128, 127, 0, 1]
    assert ember.square(ember.tensor([16, 200], dtype=ember.uint8)).tolist() == [0, 64]
    big = ember.tensor([-(2 ** 63), 5], dtype=ember.int64)
    assert ember.neg(big).tolist() == [-(2 ** 63), -5]
    assert ember.sign(ember.tensor([-7, 0, 9])).tolist() == [-1, 0, 1]
    assert ember.bitwise_not(ember.tensor([0, 5, -1])).tolist() == [-1, -6, 0]
    assert ember.bitwise_not(ember.tensor([True, False])).tolist() == [False, True]
    assert ember.bitwise_not(ember.tensor([0, 255], dtype=ember.uint8)).tolist() == [255, 0]


# ---- specific numerics -------------------------------------------------------------------------
def test_sign_of_nan_is_zero_and_signbit_of_negative_zero():
    x = ember.tensor([float("nan"), -0.0, 0.0, -2.0, float("inf")])
    assert to_np(ember.sign(x)).tolist() == [0.0, 0.0, 0.0, -1.0, 1.0]
    assert ember.signbit(x).tolist() == [False, True, False, True, False]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_round_half_to_even(dtype):
    x = ember.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, -3.51], dtype=dtype)
    assert to_np(ember.round(x)).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 3.0, -4.0]


@needs_torch
@pytest.mark.parametrize("decimals", [1, 2, 3, -1, -2])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_round_decimals_matches_torch(decimals, dtype):
    x = ember.tensor([0.25, 0.35, 1.2345, -0.15, 12345.678, 1250.0, 1350.0, -15.0, float("nan")], dtype=dtype)
    assert_close(ember.round(x, decimals=decimals), torch.round(to_torch(x), decimals=decimals), rtol=0, atol=0)
    assert_close(x.round(decimals=decimals), torch.round(to_torch(x), decimals=decimals), rtol=0, atol=0)


def test_round_integers():
    x = ember.tensor([15, -25])
    assert ember.round(x).tolist() == [15, -25] and ember.round(x).dtype is ember.int64
    with pytest.raises(NotImplementedError, match=r"\[round\]"):
        ember.round(x, decimals=-1)


@needs_torch
@pytest.mark.parametrize("eps", [None, 0.0, 0.1, 0.49])
def test_logit_eps(eps):
    x = ember.tensor([0.0, 1.0, 0.5, -0.1, 1.2, 0.05, 0.97, float("nan")])
    assert_close(ember.logit(x, eps), torch.logit(to_torch(x), eps), rtol=1e-6, atol=1e-7)
    assert_close(x.logit(eps=eps), torch.logit(to_torch(x), eps=eps), rtol=1e-6, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_nan_to_num_defaults_and_values(dtype):
    x = ember.tensor([float("nan"), float("inf"), -float("inf"), 1.5, -0.0], dtype=dtype)
    assert_close(ember.nan_to_num(x), torch.nan_to_num(to_torch(x)), rtol=0, atol=0)
    assert_close(ember.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-5.0),
                 torch.nan_to_num(to_torch(x), nan=1.0, posinf=2.0, neginf=-5.0), rtol=0, atol=0)
    assert_close(ember.nan_to_num(x, posinf=1e10), torch.nan_to_num(to_torch(x), posinf=1e10), rtol=0, atol=0)


def test_nan_to_num_integer_is_a_copy():
    x = ember.tensor([1, 2, 3], dtype=ember.int32)
    r = ember.nan_to_num(x, nan=5.0)
    assert r.dtype is ember.int32 and r.tolist() == [1, 2, 3]
    r.fill_(0)
    assert x.tolist() == [1, 2, 3]


def test_poles_and_edges():
    inf, nan = float("inf"), float("nan")
    for dt in (ember.float32, ember.float64):
        assert to_np(ember.erfinv(ember.tensor([1.0, -1.0, 0.0, 1.5], dtype=dt))).tolist()[:3] == [inf, -inf, 0.0]
        assert np.isnan(to_np(ember.erfinv(ember.tensor([1.5], dtype=dt))))[0]
        d = to_np(ember.digamma(ember.tensor([0.0, -0.0, -1.0, -2.0, inf, -inf], dtype=dt)))
        assert d[0] == -inf and d[1] == inf and np.isnan(d[2]) and np.isnan(d[3]) and d[4] == inf and np.isnan(d[5])
        g = to_np(ember.lgamma(ember.tensor([0.0, -1.0, -2.0, 1.0, 2.0, -inf, inf], dtype=dt)))
        assert g.tolist() == [inf, inf, inf, 0.0, 0.0, inf, inf]
        assert to_np(ember.rsqrt(ember.tensor([0.0, -0.0, inf], dtype=dt))).tolist() == [inf, -inf, 0.0]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_erfinv_inverts_erf(dtype):
    y = ember.tensor(np.concatenate([np.linspace(-0.999999, 0.999999, 401), [1e-30, -1e-12, 0.9999999]]), dtype=dtype)
    back = ember.erf(ember.erfinv(y))
    assert_close(back, to_np(y), rtol=1e-6 if dtype is ember.float32 else 1e-12, atol=1e-7 if dtype is ember.float32 else 1e-15)


# ---- fast kernels against the reference kernels -----------------------------------------------
FAST_OPS = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sigmoid", "tanh", "sinh", "cosh", "sin",
            "cos", "tan", "atan", "asin", "acos", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "reciprocal", "erf",
            "neg", "abs", "sign", "square", "floor", "ceil", "round", "trunc", "frac"]


def _wide_float32(seed=11):
    rng = np.random.default_rng(seed)
    n = 20000
    parts = [rng.uniform(-10, 10, n), rng.uniform(-100, 100, n), rng.uniform(-1, 1, n), rng.uniform(-1e4, 1e4, n // 4),
             np.exp(rng.uniform(-100, 88, n)) * rng.choice([-1, 1], n), np.exp(rng.uniform(-103, -87, n // 4)),
             np.array(SPECIALS)]
    bit_patterns = rng.integers(0, 2 ** 32, 20000, dtype=np.uint64).astype(np.uint32).view(np.float32)  # every exponent
    return np.concatenate([np.concatenate(parts).astype(np.float32), bit_patterns])


@pytest.mark.parametrize("op", FAST_OPS)
def test_fast_float32_within_few_ulp_of_reference(op):
    x = ember.tensor(_wide_float32())
    fast = to_np(getattr(ember, op)(x))
    ref = to_np(_ref_outputs(op, x))
    d = ulp_diff(fast, ref)
    assert d.max() <= 4, (op, int(d.max()), float(to_np(x)[np.argmax(d)]))


@pytest.mark.parametrize("op", ["exp", "log", "tanh", "sigmoid", "sin", "erf", "expm1", "atan"])
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_fast_16bit_matches_reference(op, dtype):
    lo, hi = FLOAT_OPS[op]
    x = make((33, 17), dtype, low=lo, high=hi, seed=8)
    fast, ref = getattr(ember, op)(x), _ref_outputs(op, x)
    assert_close(fast, ref, rtol=1e-2 if dtype is ember.bfloat16 else 1e-3, atol=1e-3)


@pytest.mark.parametrize("op", ["sin", "cos", "tan"])
def test_trig_large_arguments_fall_back(op):
    x = ember.tensor([1e5, -3e6, 8192.5, 1e20, 0.3, float("inf"), float("nan"), 123456.7] * 20)
    d = ulp_diff(to_np(getattr(ember, op)(x)), to_np(_ref_outputs(op, x)))
    assert d.max() <= 4


def test_reference_mode_switch(reference_kernels):
    assert ember.get_kernels() == "reference"
    x = make((3, 4), ember.float32)
    assert_close(ember.exp(x), np.exp(to_np(x)))


# ---- layouts: non-contiguous, empty, 0-d, large (multi-threaded) --------------------------------
@pytest.mark.parametrize("layout", ["T", "step", "expand"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int32])
@pytest.mark.parametrize("op", ["exp", "tanh", "neg", "abs", "floor", "isnan", "sigmoid", "sqrt"])
def test_non_contiguous(op, dtype, layout):
    x = make((6, 9), dtype, low=0.1, high=3, seed=2, noncontig=layout)
    r = getattr(ember, op)(x)
    assert r.is_contiguous() and r.shape == x.shape
    e = getattr(ember, op)(x.contiguous())
    assert_close(r, e, rtol=0, atol=0)


@pytest.mark.parametrize("op", ["exp", "neg", "isnan", "round", "logical_not", "bitwise_not"])
def test_empty_and_zero_dim(op):
    dt = ember.int64 if op == "bitwise_not" else ember.float32
    e = getattr(ember, op)(ember.empty((0, 3), dtype=dt))
    assert e.shape == (0, 3)
    z = ember.tensor(2.0 if dt is ember.float32 else 2, dtype=dt)
    r = getattr(ember, op)(z)
    assert r.shape == ()
    ref = {"exp": math.exp(2), "neg": -2, "isnan": False, "round": 2.0, "logical_not": False, "bitwise_not": -3}[op]
    assert r.item() == pytest.approx(ref)


def test_large_tensor_multithreaded_matches_single_thread():
    x = make((300, 1000), ember.float32, low=-5, high=5, seed=9)
    n = ember.get_num_threads()
    ember._C.set_num_threads(1)
    try:
        one = {op: getattr(ember, op)(x) for op in ("exp", "tanh", "sin", "floor")}
    finally:
        ember._C.set_num_threads(n)
    for op, r in one.items():
        assert_close(getattr(ember, op)(x), r, rtol=0, atol=0)


# ---- out= and in-place -------------------------------------------------------------------------
def test_out_argument():
    x = make((3, 4), ember.float32, low=0.1, high=2)
    out = ember.empty((3, 4))
    r = ember.exp(x, out=out)
    assert r is out
    assert_close(out, np.exp(to_np(x)))
    o64 = ember.empty((3, 4), dtype=ember.float64)
    ember.log(x, out=o64)  # float32 result cast into float64 out
    assert_close(o64, np.log(to_np(x).astype(np.float64)), rtol=1e-6)
    ob = ember.empty((3, 4), dtype=ember.float32)
    ember.logical_not(ember.tensor([[1, 0, 2, 0]] * 3), out=ob)
    assert to_np(ob).tolist() == [[0.0, 1.0, 0.0, 1.0]] * 3
    oi = ember.empty(3, dtype=ember.float64)
    ember.sqrt(ember.tensor([4, 9, 16]), out=oi)
    assert to_np(oi).tolist() == [2.0, 3.0, 4.0]


def test_out_into_a_view_and_overlapping_out():
    base = ember.zeros((4, 4))
    x = make((4, 4), ember.float32, seed=1)
    ember.neg(x, out=base.t())
    assert_close(base.t(), -to_np(x))
    y = make((4, 4), ember.float32, seed=2)
    expected = np.exp(to_np(y)).T
    ember.exp(y, out=y.t())  # out overlaps the input in a different order: computed via a temporary
    assert_close(y, expected)


@pytest.mark.parametrize("op", ["exp", "neg", "abs", "floor", "sigmoid", "tanh", "sin", "logical_not", "sign",
                                "erf", "digamma"])
def test_inplace(op):
    x = make((5, 6), ember.float32, low=0.1, high=3, seed=6)
    expected = getattr(ember, op)(x).float()
    v = x._version
    r = getattr(x, op + "_")()
    assert r is x and x._version > v
    assert_close(x, to_np(expected))


def test_inplace_on_noncontiguous_view():
    x = make((4, 6), ember.float32, seed=3)
    before = to_np(x)
    x.t().exp_()
    assert_close(x, np.exp(before))


def test_inplace_on_integer_with_float_result_raises():
    x = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"\[exp\].*result type Float can't be cast to the desired output type Long"):
        x.exp_()
    assert x.tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError, match=r"\[sigmoid\]"):
        ember.tensor([True]).sigmoid_()
    x.neg_()
    assert x.tolist() == [-1, -2, -3]


def test_inplace_on_expanded_tensor_raises():
    x = ember.tensor([[1.0, 2.0]]).expand(3, 2)
    with pytest.raises(RuntimeError, match=r"\[exp\].*single memory location"):
        x.exp_()


def test_aliases_methods_and_operators():
    x = make((3, 4), ember.float32, low=-0.9, high=0.9)
    for alias, canon in ALIASES.items():
        assert getattr(ember, alias) is getattr(ember, canon)
        assert_close(getattr(x, alias)(), getattr(ember, canon)(x), rtol=0, atol=0)
    assert_close(-x, -to_np(x))
    assert_close(abs(x), np.abs(to_np(x)))
    assert (+x) is x and ember.positive(x) is x
    assert (~ember.tensor([1, 2])).tolist() == [-2, -3]
    assert (~ember.tensor([True, False])).tolist() == [False, True]
    assert x.exp().dtype is ember.float32 and x.sigmoid().shape == x.shape
    assert ember.isreal(x).dtype is ember.bool and bool(ember.isreal(x).numpy().all())
    y = x.clone()
    y.arcsin_()
    assert_close(y, np.arcsin(to_np(x)), rtol=2e-5)


# ---- errors --------------------------------------------------------------------------------------
def test_errors():
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match=r"\[neg\] Negation, the `-` operator, on a bool tensor"):
        -b
    with pytest.raises(RuntimeError, match=r"\[positive\]"):
        +b
    with pytest.raises(NotImplementedError, match=r"\[abs\]"):
        ember.abs(b)
    with pytest.raises(RuntimeError, match=r"\[bitwise_not\].*float32"):
        ember.bitwise_not(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"\[bitwise_not\]"):
        ~ember.tensor([1.0])
    with pytest.raises(NotImplementedError, match=r"\[frac\]"):
        ember.frac(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=r"\[floor\]"):
        ember.floor(b)
    with pytest.raises(TypeError, match=r"\[exp\]"):
        ember.exp([1.0, 2.0])
    with pytest.raises(TypeError, match=r"\[exp\]"):
        ember.exp(ember.tensor([1.0]), out=[0.0])
    with pytest.raises(TypeError, match=r"\[round\]"):
        ember.round(ember.tensor([1.0]), decimals=1.5)
    with pytest.raises(TypeError, match=r"\[nan_to_num\]"):
        ember.nan_to_num(ember.tensor([1.0]), nan="x")


def test_out_errors():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"\[exp\].*result type Float can't be cast to the desired output type Long"):
        ember.exp(x, out=ember.empty(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"\[exp\].*\(3,\)"):
        ember.exp(x, out=ember.empty(3))
    with pytest.raises(RuntimeError, match=r"\[floor\].*Found dtype Long but expected Float"):
        ember.floor(x, out=ember.empty(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"\[neg\].*Found dtype Int but expected Long"):
        ember.neg(ember.tensor([1, 2]), out=ember.empty(2, dtype=ember.int32))
    with pytest.raises(RuntimeError, match=r"\[signbit\].*non-boolean"):
        ember.signbit(x, out=ember.empty(2))
    with pytest.raises(RuntimeError, match=r"\[isposinf\].*non-boolean"):
        ember.isposinf(x, out=ember.empty(2))
    o = ember.empty(2)
    ember.exp(x, out=o)
    assert_close(o, np.exp([1.0, 2.0]))


@needs_torch
def test_out_error_types_match_torch():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError):
        torch.floor(to_torch(x), out=torch.empty(2, dtype=torch.int64))
    with pytest.raises(RuntimeError):
        ember.floor(x, out=ember.empty(2, dtype=ember.int64))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_fast_16bit_conversions_bit_exact(dtype):
    vals = np.array([0, -0.0, 1e-7, 6e-8, 3e-8, 65504, 65520, 1e5, -1e5, np.nan, np.inf, -np.inf, 5.96e-8, 1.5,
                     2049, 2051, 1e-40, 3e38] * 3, dtype=np.float32)
    x = ember.tensor(vals, dtype=dtype)
    for op in ("neg", "abs", "floor", "nan_to_num"):
        fast, ref = to_np(getattr(ember, op)(x)), to_np(_ref_outputs(op, x))
        np.testing.assert_array_equal(fast.view(np.uint32 if fast.dtype == np.float32 else np.uint16),
                                      ref.view(np.uint32 if ref.dtype == np.float32 else np.uint16))
