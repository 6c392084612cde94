"""The first CUDA kernels against the CPU (the reference), and the device guard.

Every case runs the same op on "cpu" and on "cuda" and compares the results (the CPU path is
already checked against numpy/PyTorch by the family tests). Without a GPU everything here is
skipped with the reason; the device-guard tests that need no GPU live in test_cuda_runtime.py.
"""
import numpy as np
import pytest

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES, needs_cuda, torch
from cudautil import check, host, sample

pytestmark = needs_cuda

ALL = [ember.bool] + INT_DTYPES + FLOAT_DTYPES


# ---- fill / copy / cast -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL)
def test_fill(dtype):
    v = True if dtype is ember.bool else 3
    g = ember.full((5, 7), v, dtype=dtype, device="cuda")
    check(g, ember.full((5, 7), v, dtype=dtype))
    g.t().fill_(0)  # strided fill
    assert not host(g).any()
    z = ember.zeros(0, device="cuda")
    z.fill_(1)


@pytest.mark.parametrize("src", ALL)
@pytest.mark.parametrize("dst", [ember.bool, ember.uint8, ember.int32, ember.int64, ember.float16, ember.bfloat16,
                                 ember.float32, ember.float64])
def test_cast(src, dst):
    x = sample((4, 6), src)
    check(x.cuda().to(dst), x.to(dst))
    check(x.cuda().t().to(dst), x.t().to(dst))        # strided source
    o = ember.zeros(6, 4, dtype=dst, device="cuda")
    o.t().copy_(x.cuda())                              # strided destination
    check(o, x.t().to(dst).contiguous())


def test_copy_overlap_and_broadcast():
    a = ember.arange(12.0).reshape(3, 4)
    ga = a.cuda()
    ga.copy_(ga.t().t())                               # self copy
    check(ga, a)
    row = ember.arange(4.0, device="cuda")
    m = ember.zeros(3, 4, device="cuda")
    m.copy_(row)
    check(m, ember.arange(4.0).expand(3, 4).contiguous())
    big = ember.arange(1 << 20, dtype=ember.float32)
    check(big.cuda().clone(), big)
    check(big.cuda().contiguous(), big)


def test_high_dim_strided_copy():
    x = sample((2, 3, 2, 3, 2, 3, 2, 3, 2), ember.float32)
    p = x.permute(8, 0, 7, 1, 6, 2, 5, 3, 4)
    check(p.cuda().contiguous(), p.contiguous())
    check(x.cuda().permute(8, 0, 7, 1, 6, 2, 5, 3, 4).contiguous(), p.contiguous())


# ---- binary -------------------------------------------------------------------------------------------
BIN = [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
       ("div", lambda a, b: a / b), ("maximum", lambda a, b: ember.maximum(a, b)),
       ("minimum", lambda a, b: ember.minimum(a, b))]


@pytest.mark.parametrize("name,f", BIN, ids=[n for n, _ in BIN])
@pytest.mark.parametrize("dtype", ALL)
def test_binary_same_shape(name, f, dtype):
    if dtype is ember.bool and name == "sub":
        pytest.skip("bool subtraction is an error on every device")
    a, b = sample((33, 17), dtype, 1), sample((33, 17), dtype, 2, positive=(name == "div"))
    check(f(a.cuda(), b.cuda()), f(a, b))


@pytest.mark.parametrize("name,f", BIN, ids=[n for n, _ in BIN])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.int64])
def test_binary_broadcast_strided_scalar(name, f, dtype):
    a, b = sample((4, 1, 5), dtype, 1), sample((3, 1), dtype, 2, positive=True)
    check(f(a.cuda(), b.cuda()), f(a, b))                          # broadcasting
    c = sample((6, 8), dtype, 3)
    check(f(c.cuda().t(), c.cuda().t()), f(c.t(), c.t()))          # strided operands
    if name not in ("maximum", "minimum"):                          # (those take tensors only)
        check(f(a.cuda(), 2), f(a, 2))                              # python scalar
        check(f(3, b.cuda()), f(3, b))                              # reversed scalar
    s = ember.tensor(2, dtype=dtype)                                # 0-d CPU tensor joins a cuda op
    check(f(a.cuda(), s), f(a, s))
    check(f(s, a.cuda()), f(s, a))


def test_binary_alpha_promotion_and_out():
    a, b = sample((5, 5), ember.float32, 1), sample((5, 5), ember.float64, 2)
    check(ember.add(a.cuda(), b.cuda(), alpha=2.5), ember.add(a, b, alpha=2.5))     # float32 + float64
    check(ember.sub(a.cuda(), b.cuda(), alpha=-1), ember.sub(a, b, alpha=-1))
    i = sample((5, 5), ember.int32, 3)
    check(i.cuda() / 3, i / 3)                                                       # int true division
    check(ember.add(i.cuda(), i.cuda(), alpha=3), ember.add(i, i, alpha=3))
    check(a.cuda() + i.cuda(), a + i)
    h = sample((5, 5), ember.float16, 4)
    check(h.cuda() * 1.5, h * 1.5)                                                   # weak scalar keeps f16
    out = ember.empty(5, 5, device="cuda")
    r = ember.add(a.cuda(), a.cuda(), out=out)
    assert r is out
    check(out, a + a)
    ref = (a + 1) * 2
    g = a.cuda()
    g += 1                                                                           # in place
    g.mul_(2)
    check(g, ref)
    big = sample((1 << 20,), ember.float32, 5)
    check(big.cuda() + big.cuda(), big + big)                                        # vectorized path
    check(big.cuda()[1:] + big.cuda()[:-1], big[1:] + big[:-1])                     # misaligned


def test_binary_edge_sizes():
    for n in (0, 1, 3, 4, 5, 1023, 4097):
        a, b = sample((n,), ember.float32, n), sample((n,), ember.float32, n + 1)
        check(a.cuda() * b.cuda(), a * b)
    z = ember.tensor(1.5)
    check(z.cuda() + z.cuda(), z + z)                                                # 0-d on device


# ---- unary --------------------------------------------------------------------------------------------
UN = ["neg", "abs", "square", "reciprocal", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
      "sin", "cos", "tan", "tanh", "sigmoid", "erf", "floor", "ceil", "trunc"]
POSITIVE = {"log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal"}


@pytest.mark.parametrize("name", UN)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_unary_float(name, dtype):
    x = sample((37, 29), dtype, 7, positive=name in POSITIVE)
    f = getattr(ember, name)
    check(f(x.cuda()), f(x))
    check(f(x.cuda().t()), f(x.t()))                                                  # strided


@pytest.mark.parametrize("name", ["neg", "abs", "square", "exp", "sqrt", "sigmoid", "floor"])
@pytest.mark.parametrize("dtype", [ember.int8, ember.int32, ember.int64, ember.uint8])
def test_unary_integer_inputs(name, dtype):
    x = sample((6, 5), dtype, 8, positive=True)
    f = getattr(ember, name)
    check(f(x.cuda()), f(x))


def test_unary_out_and_inplace():
    x = sample((8, 8), ember.float32, 9)
    ref = ember.exp(x)
    g = x.cuda()
    g.exp_()
    check(g, ref)
    out = ember.empty(8, 8, device="cuda")
    ember.sin(x.cuda(), out=out)
    check(out, ember.sin(x))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_activations(dtype):
    F = ember.nn.functional
    x = sample((16, 33), dtype, 10)
    x = ember.where(ember.arange(33) == 5, ember.tensor(float("nan"), dtype=dtype), x)  # a nan column
    for f in (F.relu, lambda t: F.gelu(t), lambda t: F.gelu(t, approximate="tanh"), ember.sigmoid, ember.tanh, F.silu):
        check(f(x.cuda()), f(x))
    ref = F.relu(x)
    g = x.cuda()
    F.relu(g, inplace=True)
    check(g, ref)


# ---- the device guard ---------------------------------------------------------------------------------
def test_op_without_cuda_kernel_raises():
    g = ember.ones(4, 4, device="cuda")
    guard = r"^\[\w+\] (not implemented for 'cuda'|.*cuda:0)"  # the guard, or a family's own device check
    with pytest.raises(RuntimeError, match=guard):
        ember.unique(g, dim=0)  # CPU-only variant (sort itself has a CUDA kernel)
    check(g == g, ember.ones(4, 4, dtype=ember.bool))  # comparisons have CUDA kernels now
    g2 = g + 1  # the process is fine afterwards
    assert g2.is_cuda


def test_mixed_devices_raise():
    g, c = ember.ones(3, device="cuda"), ember.ones(3)
    msg = "Expected all tensors to be on the same device, but found at least two devices"
    with pytest.raises(RuntimeError, match=msg):
        g + c
    with pytest.raises(RuntimeError, match=msg):
        c * g
    with pytest.raises(RuntimeError, match=msg):
        ember.add(c, c, out=ember.empty(3, device="cuda"))
    with pytest.raises(RuntimeError, match="same device|not implemented for 'cuda'"):
        ember.matmul(c.reshape(1, 3), g.reshape(3, 1))


def test_cuda_tensor_numpy_is_type_error():
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        ember.ones(2, device="cuda").numpy()


@pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="needs PyTorch with CUDA")
def test_against_torch_cuda():
    x = sample((64, 64), ember.float32, 11)
    tx = torch.from_numpy(x.numpy()).cuda()
    for name in ("exp", "tanh", "sigmoid", "sqrt"):
        e = getattr(ember, name)(x.abs().cuda())
        t = getattr(torch, name)(tx.abs())
        np.testing.assert_allclose(host(e), t.cpu().numpy(), rtol=1e-5, atol=1e-6)
