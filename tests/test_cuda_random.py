"""Random numbers on CUDA: the Philox contract (philox.h) says element i of a request is a pure
function of (seed, offset, i), so a CUDA generator seeded like the CPU one must give the CPU's
numbers: bit for bit for uniform, float normal, bernoulli and integer draws (compared with exact
equality, never allclose), up to CUDA's libm rounding for the double-evaluated distributions.

GPU cases are marked per test (``needs_cuda``); the generator bookkeeping tests run everywhere."""
import numpy as np
import pytest

import ember
from conftest import needs_cuda
from cudautil import host

SIZES = [1, 3, 4, 5, 31, 33, 1000, 4097, (1 << 20) + 3]
FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]


def _bits(t):
    """A numpy array whose equality is bitwise equality of the values (NaN-safe)."""
    a = t.detach().cpu()
    if a.dtype is ember.bfloat16:
        return a.view(ember.int16).numpy()
    a = a.numpy()
    return a.view({8: np.int64, 4: np.int32, 2: np.int16, 1: np.int8}[a.itemsize]) if a.dtype.kind == "f" else a


def assert_same_bits(g, c):
    assert g.is_cuda and not c.is_cuda
    assert g.dtype is c.dtype and tuple(g.shape) == tuple(c.shape)
    np.testing.assert_array_equal(_bits(g), _bits(c))


def both(seed, fn):
    """fn('cuda') and fn('cpu') after seeding both generators with `seed`."""
    ember.manual_seed(seed)
    ember.cuda.manual_seed(seed)
    return fn("cuda"), fn("cpu")


# ---- the generator bookkeeping (no GPU needed) ----------------------------------------------------------
def test_cuda_generators_exist_and_seed():
    g = ember._C.cuda_generator(0)
    g.manual_seed(1234)
    assert g.initial_seed() == 1234 and g.offset() == 0
    ember.manual_seed(77)  # torch.manual_seed seeds every CUDA device as well
    assert ember._C.cuda_generator(0).initial_seed() == 77
    assert ember._C.cuda_generator(3).initial_seed() == 77
    ember.cuda.manual_seed_all(5)
    assert ember._C.cuda_generator(1).initial_seed() == 5
    assert ember.initial_seed() == 77  # the CPU generator is separate
    with pytest.raises(RuntimeError, match="device index"):
        ember._C.cuda_generator(-1)


def test_cuda_generator_is_separate_from_cpu():
    ember.manual_seed(3)
    before = ember._C.cuda_generator(0).offset()
    ember.rand(100)  # a CPU draw advances only the CPU generator
    assert ember._C.cuda_generator(0).offset() == before
    assert ember.default_generator.get_offset() == 100


# ---- bit-exact agreement with the CPU -------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_bit_exact(n, dtype):
    g, c = both(11, lambda d: ember.rand(n, dtype=dtype, device=d))
    assert_same_bits(g, c)
    assert (host(g) >= 0).all() and (host(g) < 1).all()


@needs_cuda
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16])
def test_randn_bit_exact(n, dtype):
    g, c = both(12, lambda d: ember.randn(n, dtype=dtype, device=d))
    assert_same_bits(g, c)


@needs_cuda
@pytest.mark.parametrize("n", [1, 5, 1000, 4097])
def test_randn_float64_close(n):
    # float64 normals evaluate log/sin/cos in double: CUDA's libm may differ in the last ulp
    g, c = both(13, lambda d: ember.randn(n, dtype=ember.float64, device=d))
    np.testing.assert_allclose(host(g), host(c), rtol=1e-13, atol=1e-13)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_ranges_and_views(dtype):
    def run(d):
        x = ember.empty(6, 7, dtype=dtype, device=d)
        x.uniform_(-2.5, 4.0)
        y = ember.empty(7, 6, dtype=dtype, device=d).t()  # a transposed view: the row-major order of the view
        y.uniform_(10, 10.5)
        z = ember.empty(5, dtype=dtype, device=d).uniform_(1.0, 1.0)  # empty range: every value is `from`
        return x, y, z
    (gx, gy, gz), (cx, cy, cz) = both(14, run)
    for g, c in ((gx, cx), (gy, cy), (gz, cz)):
        assert_same_bits(g, c)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_inplace_and_offsets(dtype):
    def run(d):
        a = ember.empty(333, dtype=dtype, device=d).normal_(1.5, 0.25)
        b = ember.empty(2, 50, dtype=dtype, device=d)[:, ::2].normal_()  # strided view
        return a, b
    (ga, gb), (ca, cb) = both(15, run)
    if dtype is ember.float64:
        np.testing.assert_allclose(host(ga), host(ca), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(host(gb), host(cb), rtol=1e-13, atol=1e-13)
    else:
        assert_same_bits(ga, ca)
        assert_same_bits(gb, cb)
    assert ember._C.cuda_generator(0).offset() == ember.default_generator.get_offset() == 333 + 50


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8, ember.bool,
                                   ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_random_and_randint_bit_exact(dtype):
    def run(d):
        out = [ember.empty(4097, dtype=dtype, device=d).random_()]
        if dtype is not ember.bool:
            out.append(ember.empty(1000, dtype=dtype, device=d).random_(0, 7))
            out.append(ember.empty(3, 11, dtype=dtype, device=d).random_(5))
            out.append(ember.randint(-3 if dtype not in (ember.uint8,) else 0, 100, (257,), dtype=dtype, device=d))
        return out
    gs, cs = both(16, run)
    for g, c in zip(gs, cs):
        assert_same_bits(g, c)


@needs_cuda
def test_random_full_int64_range():
    g, c = both(17, lambda d: ember.empty(1001, dtype=ember.int64, device=d).random_(-(1 << 63), None))
    assert_same_bits(g, c)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bool, ember.uint8, ember.int64])
def test_bernoulli_bit_exact(dtype):
    def run(d):
        a = ember.empty(4097, dtype=dtype, device=d).bernoulli_(0.3)
        p = ember.linspace(0, 1, 1000, device="cpu").to(d)
        b = ember.empty(1000, dtype=dtype, device=d).bernoulli_(p)
        c = ember.empty(4, 1000, dtype=dtype, device=d).bernoulli_(p)  # p broadcast over rows
        return a, b, c
    gs, cs = both(18, run)
    for g, c in zip(gs, cs):
        assert_same_bits(g, c)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_bernoulli_functional(dtype):
    probs = ember.rand(37, 41, dtype=dtype)
    g, c = both(19, lambda d: ember.bernoulli(probs.to(d)))
    assert_same_bits(g, c)
    g, c = both(19, lambda d: ember.bernoulli(probs.to(d), 0.75))
    assert_same_bits(g, c)


@needs_cuda
def test_bernoulli_p_device_mismatch():
    x = ember.empty(4, device="cuda")
    with pytest.raises(RuntimeError, match=r"Expected all tensors to be on the same device, but found at least two "
                                           r"devices, cuda:0 and cpu!"):
        x.bernoulli_(ember.full((4,), 0.5))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
@pytest.mark.parametrize("name,args", [("exponential_", (1.5,)), ("cauchy_", (0.5, 2.0)), ("log_normal_", (0.1, 0.5)),
                                       ("geometric_", (0.3,))])
def test_double_evaluated_distributions_close(dtype, name, args):
    g, c = both(20, lambda d: getattr(ember.empty(4097, dtype=dtype, device=d), name)(*args))
    rtol = {ember.float64: 1e-12, ember.float32: 1e-6, ember.float16: 1e-3, ember.bfloat16: 1e-2}[dtype]
    gh, ch = host(g).astype(np.float64), host(c).astype(np.float64)
    if name == "cauchy_":  # tan near its poles amplifies a last-ulp difference of the argument
        close = np.isclose(gh, ch, rtol=rtol * 100, atol=0)
        assert close.mean() > 0.999
    else:
        np.testing.assert_allclose(gh, ch, rtol=rtol, atol=0)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.uint8])
def test_geometric_integer_dtypes(dtype):
    g, c = both(21, lambda d: ember.empty(1000, dtype=dtype, device=d).geometric_(0.2))
    assert (host(g) >= 1).all()
    assert (host(g) == host(c)).mean() > 0.999  # integers: equal unless log differs exactly at a boundary


@needs_cuda
@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 4097])
def test_randperm_bit_exact(n):
    g, c = both(22, lambda d: ember.randperm(n, device=d))
    assert_same_bits(g, c)
    assert sorted(host(g).tolist()) == list(range(n))


@needs_cuda
@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_bit_exact(replacement):
    probs = ember.rand(5, 40) + 0.01
    g, c = both(23, lambda d: ember.multinomial(probs.to(d), 17, replacement))
    assert_same_bits(g, c)
    g, c = both(23, lambda d: ember.multinomial(probs[0].to(d), 3, replacement))
    assert_same_bits(g, c)


@needs_cuda
def test_multinomial_errors_on_cuda():
    with pytest.raises(RuntimeError, match=r"\[multinomial\] probability tensor contains either `inf`, `nan` or "
                                           r"element < 0"):
        ember.multinomial(ember.tensor([0.5, -1.0], device="cuda"), 1)


@needs_cuda
def test_like_factories_follow_the_input_device():
    x = ember.zeros(3, 4, device="cuda")
    for t in (ember.rand_like(x), ember.randn_like(x), ember.randint_like(x, 10), ember.randint_like(x, 2, 5)):
        assert t.is_cuda and tuple(t.shape) == (3, 4)
    assert not ember.rand_like(x, device="cpu").is_cuda
    g, c = both(24, lambda d: ember.randint_like(ember.zeros(50, dtype=ember.int32, device=d), 3, 9))
    assert_same_bits(g, c)


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_normal_tensor_parameters(dtype):
    mean = ember.linspace(-3, 3, 60, dtype=dtype).reshape(6, 10)
    std = ember.linspace(0.1, 2, 10, dtype=dtype)
    g, c = both(25, lambda d: ember.normal(mean.to(d), std.to(d)))
    np.testing.assert_allclose(host(g), host(c), rtol=1e-6 if dtype is ember.float32 else 1e-12, atol=1e-6)
    g, c = both(25, lambda d: ember.normal(mean.to(d), 2.0))
    np.testing.assert_allclose(host(g), host(c), rtol=1e-6 if dtype is ember.float32 else 1e-12, atol=1e-6)
    g, c = both(25, lambda d: ember.normal(0.5, std.to(d)))
    np.testing.assert_allclose(host(g), host(c), rtol=1e-6 if dtype is ember.float32 else 1e-12, atol=1e-6)
    g, c = both(25, lambda d: ember.normal(1.0, 3.0, (4, 9), dtype=dtype, device=d))
    np.testing.assert_allclose(host(g), host(c), rtol=1e-6 if dtype is ember.float32 else 1e-12, atol=1e-6)


@needs_cuda
def test_rng_state_roundtrip():
    ember.cuda.manual_seed(99)
    assert ember.cuda.initial_seed() == 99
    st = ember.cuda.get_rng_state()
    assert st.dtype is ember.uint8 and tuple(st.shape) == (16,) and not st.is_cuda
    a = ember.rand(1000, device="cuda")
    ember.cuda.set_rng_state(st)
    b = ember.rand(1000, device="cuda")
    np.testing.assert_array_equal(_bits(a), _bits(b))
    states = ember.cuda.get_rng_state_all()
    assert len(states) == ember.cuda.device_count()
    ember.cuda.set_rng_state_all(states)


@needs_cuda
def test_explicit_generator_on_cuda():
    g1 = ember.Generator(device="cuda").manual_seed(5)
    g2 = ember.Generator().manual_seed(5)
    a = ember.rand(4097, generator=g1, device="cuda")
    b = ember.rand(4097, generator=g2)
    assert_same_bits(a, b)


@needs_cuda
def test_statistics_sanity():
    ember.cuda.manual_seed(0)
    x = host(ember.randn(1 << 20, device="cuda"))
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    u = host(ember.rand(1 << 20, device="cuda"))
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01


@needs_cuda
def test_errors_on_cuda():
    x = ember.empty(4, device="cuda")
    with pytest.raises(RuntimeError, match=r"\[uniform_\] uniform_ expects to return a \[from, to\) range"):
        x.uniform_(2, 1)
    with pytest.raises(RuntimeError, match=r"\[normal_\] normal expects std >= 0.0"):
        x.normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"\[bernoulli_\] bernoulli_ expects p to be in \[0, 1\]"):
        x.bernoulli_(1.5)
    with pytest.raises(RuntimeError, match=r"\[random_\] random_ expects 'from' to be less than 'to'"):
        ember.empty(3, dtype=ember.int64, device="cuda").random_(5, 2)


# ---- without a GPU: a CUDA build routes CUDA tensors to the CUDA kernels ----------------------------------
def _fake(t):
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


@pytest.mark.skipif(ember.cuda.is_available(), reason="a fake CUDA tensor would reach the real kernels")
@pytest.mark.parametrize("call", [lambda g: g.uniform_(), lambda g: g.normal_(), lambda g: g.bernoulli_(0.5),
                                  lambda g: g.exponential_(), lambda g: g.random_(0, 5), lambda g: g.geometric_(0.5)])
def test_fake_cuda_reaches_the_cuda_path(call):
    g = _fake(ember.zeros(8))
    with pytest.raises(RuntimeError) as e:
        call(g)
    msg = str(e.value)
    if ember._C.has_cuda:  # the CUDA kernel launch was attempted (and failed for want of a device)
        assert "CUDA error" in msg or "CUDA is not available" in msg, msg
    else:  # a CPU-only build: the device guard (or a temporary on cuda refused for want of CUDA support)
        assert "not implemented for 'cuda'" in msg or "has no CUDA support" in msg, msg
