"""Random: the Philox stream contract, generators and state, determinism across threads and kernel
paths, distribution statistics (fixed seeds, so bounds never flake), ranges, and error cases."""
import math
import warnings

import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, NP, needs_torch, to_np, torch

M32 = 0xFFFFFFFF


# ---- a numpy model of philox.h: the documented stream layout, reproduced independently ----------
def np_philox(c0, c1, c2, c3, k0, k1):
    c = [np.asarray(x, dtype=np.uint64) & M32 for x in (c0, c1, c2, c3)]
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [((p1 >> np.uint64(32)) ^ c[1] ^ k0) & M32, p1 & M32, ((p0 >> np.uint64(32)) ^ c[3] ^ k1) & M32, p0 & M32]
        k0 = (k0 + np.uint64(0x9E3779B9)) & np.uint64(M32)
        k1 = (k1 + np.uint64(0xBB67AE85)) & np.uint64(M32)
    return c


def model_words(seed, offset, nblocks):
    b = np.arange(nblocks, dtype=np.uint64)
    return np_philox(b & M32, b >> np.uint64(32), np.full_like(b, offset & M32), np.full_like(b, offset >> 32),
                     seed & M32, seed >> 32)


def model_rand_f32(seed, offset, n):
    r = model_words(seed, offset, (n + 3) // 4)
    w = np.stack(r, axis=1).reshape(-1)[:n]  # element i = block i // 4, lane i % 4
    return ((w >> np.uint64(8)).astype(np.float64) * 2.0 ** -24).astype(np.float32)


def model_rand_f64(seed, offset, n):
    r = model_words(seed, offset, (n + 1) // 2)
    lo = np.stack([r[0], r[2]], axis=1).reshape(-1)[:n]
    hi = np.stack([r[1], r[3]], axis=1).reshape(-1)[:n]
    return (((hi << np.uint64(32)) | lo) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


@pytest.mark.parametrize("ctr,key,expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((M32,) * 4, (M32,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_known_answers(ctr, key, expected):  # Random123's published vectors
    assert tuple(ember._C.philox4x32_10(list(ctr), list(key))) == expected
    assert tuple(int(x) for x in np_philox(*ctr, *key)) == expected


@pytest.mark.parametrize("seed", [0, 123456789, 2**64 - 1])
def test_stream_layout_matches_documented_model(seed):
    g = ember.Generator().manual_seed(seed)
    a = ember.rand(1001, generator=g)
    b = ember.rand(37, generator=g, dtype=ember.float64)
    np.testing.assert_array_equal(a.numpy(), model_rand_f32(seed, 0, 1001))
    np.testing.assert_array_equal(b.numpy(), model_rand_f64(seed, 1001, 37))  # offset advanced by 1001
    assert g.get_offset() == 1001 + 37


def test_randn_matches_documented_box_muller():
    n = 4000
    z = ember.randn(n, generator=ember.Generator().manual_seed(5)).numpy().astype(np.float64)
    w = np.stack(model_words(5, 0, n // 4), axis=1).reshape(-1).astype(np.float64)
    a = (np.floor(w[0::2] / 256) + 1) * 2.0 ** -24  # u24o of word 2k
    b = np.floor(w[1::2] / 256) * 2.0 ** -24        # u24 of word 2k + 1
    rad = np.sqrt(-2 * np.log(a))
    ref = np.empty(n)
    ref[0::2], ref[1::2] = rad * np.cos(2 * np.pi * b), rad * np.sin(2 * np.pi * b)
    np.testing.assert_allclose(z, ref, rtol=1e-6, atol=1e-6)
    zd = ember.randn(n, dtype=ember.float64, generator=ember.Generator().manual_seed(5)).numpy()
    assert np.all(np.isfinite(zd)) and abs(zd.mean()) < 0.1


# ---- determinism ----------------------------------------------------------------------------------
def _all_ops(g):
    x = ember.empty(5, 7)
    return [ember.rand(3, 5, generator=g), ember.randn(101, generator=g), ember.randn(9, generator=g, dtype=ember.float64),
            ember.randint(-5, 17, (4, 6), generator=g), ember.randperm(50, generator=g),
            ember.multinomial(ember.tensor([[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]]), 3, generator=g),
            ember.multinomial(ember.tensor([0.3, 0.7]), 20, True, generator=g),
            ember.bernoulli(ember.full((17,), 0.3), generator=g), ember.normal(ember.zeros(4), ember.ones(4), generator=g),
            x.clone().uniform_(-2, 3, generator=g), x.clone().normal_(1, 2, generator=g),
            x.clone().exponential_(2, generator=g), x.clone().geometric_(0.2, generator=g),
            x.clone().cauchy_(generator=g), x.clone().log_normal_(generator=g), x.clone().bernoulli_(0.4, generator=g),
            x.clone().random_(generator=g), ember.rand(3, dtype=ember.float16, generator=g),
            ember.randn(3, dtype=ember.bfloat16, generator=g),
            ember.rand(4099, generator=g), ember.randn(5001, generator=g),  # the tiled fast kernels, with tails
            ember.empty(3001).uniform_(1.0, 1.0 + 2 ** -20, generator=g), ember.empty(2000).normal_(-3, 0.1, generator=g)]


def _same(xs, ys):
    assert len(xs) == len(ys)
    for a, b in zip(xs, ys):
        assert a.dtype is b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_same_seed_same_numbers():
    _same(_all_ops(ember.Generator().manual_seed(7)), _all_ops(ember.Generator().manual_seed(7)))
    a = to_np(ember.rand(50, generator=ember.Generator().manual_seed(7)))
    b = to_np(ember.rand(50, generator=ember.Generator().manual_seed(8)))
    assert not np.array_equal(a, b)


def test_reference_kernels_match_fast():
    fast = _all_ops(ember.Generator().manual_seed(11))
    try:
        ember.set_kernels("reference")
        ref = _all_ops(ember.Generator().manual_seed(11))
    finally:
        ember.set_kernels("fast")
    _same(fast, ref)


@pytest.mark.parametrize("make", [
    lambda g: ember.rand(100003, generator=g),
    lambda g: ember.randn(100003, generator=g, dtype=ember.float64),
    lambda g: ember.randint(0, 1000, (100003,), generator=g),
    lambda g: ember.empty(300, 301).t().uniform_(generator=g),
    lambda g: ember.bernoulli(ember.full((90001,), 0.5), generator=g),
    lambda g: ember.multinomial(ember.ones(64, 512), 100, generator=g),
])
def test_thread_count_independent(make):
    old = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        a = make(ember.Generator().manual_seed(5))
        ember.set_num_threads(2)
        b = make(ember.Generator().manual_seed(5))
    finally:
        ember.set_num_threads(old)
    np.testing.assert_array_equal(to_np(a), to_np(b))


def test_views_get_row_major_numbers():
    g = ember.Generator()
    a = ember.empty(3, 4).t()  # non-contiguous (4, 3) view
    a.uniform_(generator=g.manual_seed(1))
    np.testing.assert_array_equal(a.numpy(), ember.rand(4, 3, generator=g.manual_seed(1)).numpy())
    base = ember.zeros(4, 6)
    v = base.unfold(1, 1, 2).squeeze(-1)  # every other column
    v.normal_(generator=g.manual_seed(2))
    np.testing.assert_array_equal(base.numpy()[:, 1::2], 0)
    np.testing.assert_array_equal(base.numpy()[:, ::2], ember.randn(4, 3, generator=g.manual_seed(2)).numpy())


# ---- generator state ------------------------------------------------------------------------------
def test_default_generator_seeding_and_state():
    ember.manual_seed(42)
    assert ember.initial_seed() == 42 and ember.default_generator.initial_seed() == 42
    a = ember.rand(10)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.shape == (16,)
    assert int.from_bytes(bytes(state.tolist()[8:]), "little") == 10  # offset advanced by the element count
    b = ember.randn(5)
    ember.set_rng_state(state)
    np.testing.assert_array_equal(ember.randn(5).numpy(), b.numpy())
    assert ember.manual_seed(42) is ember.default_generator
    np.testing.assert_array_equal(ember.rand(10).numpy(), a.numpy())
    assert ember.random.manual_seed(42) is ember.default_generator
    np.testing.assert_array_equal(ember.rand(10).numpy(), a.numpy())


def test_generator_api():
    g = ember.Generator(device="cpu")
    assert g.device.type == "cpu"
    assert g.initial_seed() == 67280421310721  # PyTorch's default seed
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    st = g.get_state()
    x = ember.rand(4, generator=g)
    assert g.set_state(st) is g
    np.testing.assert_array_equal(ember.rand(4, generator=g).numpy(), x.numpy())
    h = ember.Generator().manual_seed(3)
    ember.manual_seed(3)
    ember.rand(100)  # the default generator moving doesn't touch h
    np.testing.assert_array_equal(ember.rand(4, generator=h).numpy(),
                                  ember.rand(4, generator=ember.Generator().manual_seed(3)).numpy())


def test_seed_and_fork_rng():
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    assert ember.random.seed is ember.seed and ember.random.initial_seed() == s
    ember.manual_seed(9)
    before = ember.random.get_rng_state()
    with ember.random.fork_rng():
        ember.rand(100)
    np.testing.assert_array_equal(ember.random.get_rng_state().numpy(), before.numpy())
    ember.random.set_rng_state(before)


@pytest.mark.parametrize("bad,exc", [(1.5, TypeError), ("a", TypeError), (2**64, ValueError), (-(2**63) - 1, ValueError)])
def test_generator_seed_errors(bad, exc):
    with pytest.raises(exc, match=r"\[manual_seed\]"):
        ember.Generator().manual_seed(bad)


def test_state_errors():
    with pytest.raises(TypeError, match=r"\[set_state\]"):
        ember.Generator().set_state([1, 2])
    with pytest.raises(TypeError, match=r"\[set_state\]"):
        ember.Generator().set_state(ember.zeros(16))
    with pytest.raises(RuntimeError, match=r"\[set_state\]"):
        ember.Generator().set_state(ember.zeros(3, dtype=ember.uint8))
    with pytest.raises(TypeError, match=r"\[rand\]"):
        ember.rand(3, generator=5)
    with pytest.raises(RuntimeError, match="cuda"):
        ember.Generator(device="cuda")


# ---- shapes, dtypes, ranges -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_rand_range_and_dtype(dtype):
    g = ember.Generator().manual_seed(0)
    x = ember.rand(4000, dtype=dtype, generator=g)
    a = to_np(x)
    assert x.dtype is dtype and a.min() >= 0 and a.max() < 1 and len(np.unique(a)) > 100
    y = ember.empty(3000, dtype=dtype).uniform_(-1, 0.5, generator=g)
    b = to_np(y)
    assert b.min() >= -1 and b.max() < 0.5


def test_shapes_and_sizes():
    assert ember.rand(2, 3).shape == (2, 3) and ember.rand((2, 3)).shape == (2, 3) and ember.rand([4]).shape == (4,)
    assert ember.rand(size=(2, 1)).shape == (2, 1)
    assert ember.rand(()).shape == () and ember.randn(()).dim() == 0
    assert ember.rand(0, 3).shape == (0, 3) and ember.randn(0).numel() == 0
    assert ember.randint(5, (0,)).shape == (0,)
    g = ember.Generator().manual_seed(0)
    ember.rand(0, generator=g)
    assert g.get_offset() == 0
    assert ember.rand(2, requires_grad=True).requires_grad
    assert ember.randn(2, dtype=ember.float64).dtype is ember.float64
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.rand(2).dtype is ember.float64 and ember.randn(2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("dtype", INT_DTYPES + [ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_randint_range(dtype):
    lo, hi = (0, 7) if dtype is ember.uint8 else (-4, 9)
    x = ember.randint(lo, hi, (3000,), dtype=dtype, generator=ember.Generator().manual_seed(1))
    a = to_np(x)
    assert x.dtype is dtype
    assert a.min() == lo and a.max() == hi - 1 and np.all(a == np.round(a))
    counts = np.bincount((a - lo).astype(np.int64), minlength=hi - lo)
    expected = len(a) / (hi - lo)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 40  # 12 dof: p < 1e-4 for a correct sampler; fixed seed


def test_randint_forms():
    g = ember.Generator()
    assert ember.randint(3, (50,), generator=g).max().item() <= 2
    a = ember.randint(3, (50,), generator=g.manual_seed(0)).numpy()
    b = ember.randint(0, 3, (50,), generator=g.manual_seed(0)).numpy()
    c = ember.randint(low=0, high=3, size=(50,), generator=g.manual_seed(0)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert ember.randint(10, size=(2, 2)).dtype is ember.int64
    x = ember.zeros(3, 4, dtype=ember.int32)
    y = ember.randint_like(x, 5)
    assert y.shape == (3, 4) and y.dtype is ember.int32 and 0 <= y.numpy().min() and y.numpy().max() < 5
    z = ember.randint_like(x, 10, 20)
    assert 10 <= z.numpy().min() and z.numpy().max() < 20
    big = ember.randint(-2**62, 2**62, (1000,), generator=g.manual_seed(3)).numpy()
    assert big.min() < -2**60 and big.max() > 2**60


@pytest.mark.parametrize("dtype", INT_DTYPES + [ember.bool, ember.float16, ember.bfloat16, ember.float32,
                                                 ember.float64])
def test_random_full_range(dtype):
    x = ember.empty(5000, dtype=dtype).random_(generator=ember.Generator().manual_seed(2))
    a = to_np(x).astype(np.float64)
    top = {ember.float16: 2**11, ember.bfloat16: 2**8, ember.float32: 2**24, ember.float64: 2**53,
           ember.bool: 1}.get(dtype)
    top = top if top is not None else np.iinfo(NP[dtype]).max
    assert a.min() >= 0 and a.max() <= top and np.all(a == np.round(a))
    if top < 5000:
        assert a.max() == top  # inclusive upper end


def test_random_from_to():
    g = ember.Generator().manual_seed(4)
    a = ember.empty(2000, dtype=ember.int8).random_(-128, 128, generator=g).numpy()
    assert a.min() == -128 and a.max() == 127
    b = ember.empty(2000, dtype=ember.int64).random_(5, generator=g).numpy()
    assert b.min() == 0 and b.max() == 4
    c = ember.empty(2000, dtype=ember.int16).random_(30000, None, generator=g).numpy()
    assert c.min() >= 30000 and c.max() <= 32767
    d = ember.empty(4000, dtype=ember.int64).random_(-(2**63), None, generator=g).numpy()
    assert d.min() < -(2**61) and d.max() > 2**61  # the whole int64 range
    e = ember.empty(100).random_(**{"from": 3, "to": 6}, generator=g).numpy()
    assert e.min() >= 3 and e.max() <= 5


# ---- statistics (fixed seeds; bounds at many standard errors) --------------------------------------
def _ks_stat(samples, cdf):
    x = np.sort(samples.astype(np.float64))
    n = len(x)
    c = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))


_erf = np.vectorize(math.erf)


def test_uniform_stats():
    a = ember.rand(200000, generator=ember.Generator().manual_seed(10)).numpy().astype(np.float64)
    assert abs(a.mean() - 0.5) < 0.005 and abs(a.var() - 1 / 12) < 0.002
    assert _ks_stat(a, lambda x: x) < 1.63 / math.sqrt(len(a)) * 1.5  # KS at alpha = 0.01


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_normal_stats(dtype):
    z = ember.randn(100000, dtype=dtype, generator=ember.Generator().manual_seed(12)).numpy().astype(np.float64)
    assert abs(z.mean()) < 0.02 and abs(z.var() - 1) < 0.02
    assert abs((z ** 3).mean()) < 0.05 and abs((z ** 4).mean() - 3) < 0.1
    assert _ks_stat(z[:20000], lambda x: 0.5 * (1 + _erf(x / math.sqrt(2)))) < 1.63 / math.sqrt(20000) * 1.5
    y = ember.empty(50000, dtype=dtype).normal_(3, 0.5, generator=ember.Generator().manual_seed(13)).numpy()
    assert abs(y.mean() - 3) < 0.02 and abs(y.std() - 0.5) < 0.02


def test_other_distribution_stats():
    g = ember.Generator().manual_seed(14)
    e = ember.empty(100000, dtype=ember.float64).exponential_(2.0, generator=g).numpy()
    assert e.min() > 0 and abs(e.mean() - 0.5) < 0.01 and abs(e.var() - 0.25) < 0.01
    geo = ember.empty(100000).geometric_(0.25, generator=g).numpy()
    assert geo.min() >= 1 and np.all(geo == np.round(geo)) and abs(geo.mean() - 4) < 0.06
    gi = ember.empty(1000, dtype=ember.int64).geometric_(0.5, generator=g).numpy()
    assert gi.min() >= 1 and abs(gi.mean() - 2) < 0.2
    c = ember.empty(100001).cauchy_(1.0, 2.0, generator=g).numpy().astype(np.float64)
    assert abs(np.median(c) - 1.0) < 0.05 and abs(np.percentile(c, 75) - np.percentile(c, 25) - 4.0) < 0.15
    ln = ember.empty(100000, dtype=ember.float64).log_normal_(0.5, 0.25, generator=g).numpy()
    assert ln.min() > 0 and abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01
    b = ember.empty(100000).bernoulli_(0.3, generator=g).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01


def test_bernoulli():
    g = ember.Generator().manual_seed(15)
    p = ember.tensor([0.0, 1.0, 0.25, 0.75] * 5000)
    x = ember.bernoulli(p, generator=g)
    a = x.numpy().reshape(-1, 4)
    assert x.dtype is ember.float32 and x.shape == p.shape
    assert np.all(a[:, 0] == 0) and np.all(a[:, 1] == 1)
    assert abs(a[:, 2].mean() - 0.25) < 0.02 and abs(a[:, 3].mean() - 0.75) < 0.02
    assert ember.bernoulli(ember.full((3,), 0.5, dtype=ember.float64)).dtype is ember.float64
    assert p.bernoulli(generator=g).shape == p.shape
    assert np.all(ember.bernoulli(ember.zeros(10), 1.0).numpy() == 1)  # fixed-p overload
    for dt in [ember.bool, ember.int32, ember.float16, ember.bfloat16]:
        y = ember.zeros(50, dtype=dt).bernoulli_(1.0)
        assert y.dtype is dt and np.all(to_np(y) == 1)
    t = ember.zeros(4, 3).bernoulli_(ember.tensor([0.0, 1.0, 0.0]))  # broadcast tensor p
    np.testing.assert_array_equal(t.numpy(), np.tile([0.0, 1.0, 0.0], (4, 1)))
    x0 = ember.bernoulli(ember.tensor(0.7))
    assert x0.dim() == 0


def test_randperm():
    g = ember.Generator().manual_seed(16)
    for n in [0, 1, 2, 10, 1000]:
        p = ember.randperm(n, generator=g)
        assert p.dtype is ember.int64 and p.shape == (n,)
        np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(n))
    for dt in [ember.int32, ember.int16, ember.uint8, ember.float32, ember.float16, ember.float64]:
        p = ember.randperm(200, dtype=dt, generator=g)
        assert p.dtype is dt
        np.testing.assert_array_equal(np.sort(to_np(p)), np.arange(200))
    # every position sees every value: first element over many draws is roughly uniform
    firsts = np.array([ember.randperm(5, generator=g).numpy()[0] for _ in range(1000)])
    assert np.bincount(firsts, minlength=5).min() > 150


def test_multinomial():
    g = ember.Generator().manual_seed(17)
    w = ember.tensor([[1.0, 0.0, 3.0, 2.0, 4.0], [0.0, 0.0, 1.0, 1.0, 0.0]])
    s = ember.multinomial(w, 2, generator=g)
    assert s.dtype is ember.int64 and s.shape == (2, 2)
    for _ in range(50):
        s = ember.multinomial(w[0], 4, generator=g).numpy()
        assert len(set(s)) == 4 and 1 not in s  # no repeats; zero weight never drawn
    s2 = ember.multinomial(ember.tensor([0.0, 0.0, 1.0, 1.0, 0.0]), 2, generator=g).numpy()
    assert sorted(s2) == [2, 3]
    r = ember.multinomial(ember.tensor([1.0, 0.0, 3.0]), 40000, replacement=True, generator=g).numpy()
    assert r.shape == (40000,) and 1 not in r
    assert abs((r == 2).mean() - 0.75) < 0.01
    # first draw without replacement follows the weights
    firsts = ember.multinomial(ember.tensor([[1.0, 2.0, 7.0]] * 20000), 2, generator=g).numpy()[:, 0]
    assert abs((firsts == 2).mean() - 0.7) < 0.015 and abs((firsts == 0).mean() - 0.1) < 0.01
    assert ember.multinomial(ember.ones(0, 4), 2).shape == (0, 2)
    assert ember.tensor([0.2, 0.8], dtype=ember.float64).multinomial(3, True).shape == (3,)


def test_normal_overloads():
    g = ember.Generator().manual_seed(18)
    m = ember.tensor([0.0, 10.0, -10.0])
    a = ember.normal(m, 1e-3, generator=g)
    assert a.shape == (3,) and a.dtype is ember.float32 and np.allclose(a.numpy(), m.numpy(), atol=0.01)
    b = ember.normal(5.0, ember.tensor([0.0, 0.0]), generator=g)
    np.testing.assert_array_equal(b.numpy(), [5.0, 5.0])
    c = ember.normal(ember.zeros(2, 1), ember.ones(3), generator=g)
    assert c.shape == (2, 3)
    d = ember.normal(2.0, 3.0, (4, 5), generator=g)
    assert d.shape == (4, 5) and d.dtype is ember.float32
    e = ember.normal(2.0, 3.0, size=(3,), dtype=ember.float64)
    assert e.dtype is ember.float64
    f = ember.normal(ember.zeros(3, dtype=ember.float64), ember.ones(3), generator=g)
    assert f.dtype is ember.float64
    big = ember.normal(ember.full((50000,), 2.0), ember.full((50000,), 3.0), generator=g).numpy()
    assert abs(big.mean() - 2) < 0.05 and abs(big.std() - 3) < 0.05
    # same seed: normal(mean, std) == mean + std * randn
    z = ember.randn(6, generator=ember.Generator().manual_seed(1)).numpy()
    y = ember.normal(ember.ones(6), ember.full((6,), 2.0), generator=ember.Generator().manual_seed(1)).numpy()
    np.testing.assert_allclose(y, 1 + 2 * z, rtol=1e-6)


def test_like_and_out():
    x = ember.zeros(2, 3, dtype=ember.float64)
    assert ember.rand_like(x).dtype is ember.float64 and ember.randn_like(x).shape == (2, 3)
    assert ember.rand_like(x, dtype=ember.float16).dtype is ember.float16
    o = ember.empty(4)
    r = ember.rand(4, out=o, generator=ember.Generator().manual_seed(3))
    assert r is o
    np.testing.assert_array_equal(o.numpy(), ember.rand(4, generator=ember.Generator().manual_seed(3)).numpy())
    o2 = ember.empty(0, dtype=ember.int64)
    ember.randperm(5, out=o2)
    assert o2.shape == (5,)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16bit_outputs(dtype):
    g = ember.Generator().manual_seed(19)
    z = to_np(ember.randn(20000, dtype=dtype, generator=g)).astype(np.float64)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    u = to_np(ember.empty(5000, dtype=dtype).uniform_(0.0, 1.0, generator=g))
    assert u.max() < 1 and u.min() >= 0
    # an interval a few ulps wide still never returns `to`
    top = 1 + 2 ** -7  # 8 float16 ulps, 1 bfloat16 ulp above 1
    v = to_np(ember.empty(5000, dtype=dtype).uniform_(1.0, top, generator=g)).astype(np.float64)
    assert v.min() >= 1.0 and v.max() < top


@needs_torch
def test_statistics_agree_with_torch():
    # Different generators, same distributions: compare moments of large samples.
    torch.manual_seed(0)
    ember.manual_seed(0)
    for ef, tf in [(lambda: ember.rand(100000), lambda: torch.rand(100000)),
                   (lambda: ember.randn(100000), lambda: torch.randn(100000)),
                   (lambda: ember.empty(100000).exponential_(), lambda: torch.empty(100000).exponential_())]:
        a, b = ef().numpy().astype(np.float64), tf().numpy().astype(np.float64)
        assert abs(a.mean() - b.mean()) < 0.03 and abs(a.std() - b.std()) < 0.03


# ---- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,exc,op", [
    (lambda: ember.rand(3, dtype=ember.int64), NotImplementedError, "uniform_"),
    (lambda: ember.randn(3, dtype=ember.int32), NotImplementedError, "normal_"),
    (lambda: ember.zeros(3).uniform_(1, 0), RuntimeError, "uniform_"),
    (lambda: ember.zeros(3).normal_(0, -1), RuntimeError, "normal_"),
    (lambda: ember.randint(5, 5, (3,)), RuntimeError, "random_"),
    (lambda: ember.randint(0, 300, (3,), dtype=ember.int8), RuntimeError, "random_"),
    (lambda: ember.randint(-1, 3, (3,), dtype=ember.uint8), RuntimeError, "random_"),
    (lambda: ember.randint(0, 3, (3,), requires_grad=True), RuntimeError, "randint"),
    (lambda: ember.randint(0, 2.5, (3,)), TypeError, "randint"),
    (lambda: ember.randint(3), TypeError, "randint"),
    (lambda: ember.randperm(-1), RuntimeError, "randperm"),
    (lambda: ember.randperm(300, dtype=ember.int8), RuntimeError, "randperm"),
    (lambda: ember.randperm(2.5), TypeError, "randperm"),
    (lambda: ember.bernoulli(ember.tensor([0.5, 1.5])), RuntimeError, "bernoulli"),
    (lambda: ember.bernoulli(ember.tensor([0.5, float("nan")])), RuntimeError, "bernoulli"),
    (lambda: ember.bernoulli(ember.tensor([1, 0])), NotImplementedError, "bernoulli"),
    (lambda: ember.bernoulli([0.5]), TypeError, "bernoulli"),
    (lambda: ember.zeros(3).bernoulli_(1.5), RuntimeError, "bernoulli_"),
    (lambda: ember.zeros(3).bernoulli_(ember.full((2,), 0.5)), RuntimeError, "bernoulli_"),
    (lambda: ember.zeros(3).bernoulli_(ember.tensor([1, 0, 1])), NotImplementedError, "bernoulli_"),
    (lambda: ember.multinomial(ember.tensor([1, 2]), 1), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([1.0, 2.0]), 0), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([1.0, 2.0]), 3), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([1.0, -1.0]), 1), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([1.0, float("inf")]), 1), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([1.0, float("nan")]), 1), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.tensor([0.0, 0.0]), 1), RuntimeError, "multinomial"),
    (lambda: ember.multinomial(ember.ones(2, 2, 2), 1), RuntimeError, "multinomial"),
    (lambda: ember.normal(ember.tensor([1, 2]), 1.0), NotImplementedError, "normal"),
    (lambda: ember.normal(0.0, -1.0, (2,)), RuntimeError, "normal"),
    (lambda: ember.normal(ember.zeros(2), ember.tensor([1.0, -1.0])), RuntimeError, "normal"),
    (lambda: ember.normal(ember.zeros(2), ember.ones(3)), RuntimeError, "normal"),
    (lambda: ember.normal(0.0, 1.0), TypeError, "normal"),
    (lambda: ember.zeros(2, dtype=ember.int64).exponential_(), RuntimeError, "exponential_"),
    (lambda: ember.zeros(2).exponential_(0), RuntimeError, "exponential_"),
    (lambda: ember.zeros(2).geometric_(1), RuntimeError, "geometric_"),
    (lambda: ember.zeros(2).geometric_(0), RuntimeError, "geometric_"),
    (lambda: ember.zeros(2).cauchy_(0, -1), RuntimeError, "cauchy_"),
    (lambda: ember.zeros(2).log_normal_(0, 0), RuntimeError, "log_normal_"),
    (lambda: ember.zeros(2, dtype=ember.int8).random_(0, 300), RuntimeError, "random_"),
    (lambda: ember.zeros(2, dtype=ember.int8).random_(-200, 3), RuntimeError, "random_"),
    (lambda: ember.zeros(2).random_(5, 5), RuntimeError, "random_"),
    (lambda: ember.zeros(1, 3).expand(4, 3).uniform_(), RuntimeError, "uniform_"),
    (lambda: ember.rand(3, device="cuda"), RuntimeError, "cuda"),
    (lambda: ember.rand(2.5), TypeError, "rand"),
])
def test_errors(fn, exc, op):
    with pytest.raises(exc, match=rf"\[{op}\]|{op}"):
        fn()


def test_errors_leave_input_and_state_untouched():
    x = ember.ones(3)
    g = ember.Generator().manual_seed(1)
    with pytest.raises(RuntimeError):
        x.uniform_(1, 0, generator=g)
    np.testing.assert_array_equal(x.numpy(), 1)
    assert g.get_offset() == 0
