"""The training path on CUDA against the CPU: fused optimizer steps, fused scaled dot-product
attention (forward and gradients), Module.to/cuda/cpu, save/load with map_location, DataLoader
pin_memory, gradient clipping and a short end-to-end training run.

GPU cases are marked ``needs_cuda`` (skipped with the reason when no GPU is usable). The cases
at the end need no GPU: device checks that run before any kernel, routing logic, the device
metadata of saved files, and (in a CUDA build without a GPU) that ops on fake CUDA tensors reach
the CUDA path instead of the device guard.
"""
import json
import math
import os
import struct

import numpy as np
import pytest

import ember
from conftest import HAS_CUDA, needs_cuda
from cudautil import check, host, sample

F = ember.nn.functional


def fake_cuda(t):
    """A CPU buffer labelled cuda:0 (never let a kernel touch it on a real GPU)."""
    from ember._tensor import _wrap
    return _wrap(ember._C._as_fake_cuda(t._t))


# ---- fused optimizer steps ------------------------------------------------------------------------------
O = ember.optim
OPTIMS = [
    ("sgd", lambda ps: O.SGD(ps, lr=0.1)),
    ("sgd_momentum", lambda ps: O.SGD(ps, lr=0.1, momentum=0.9)),
    ("sgd_dampening_wd", lambda ps: O.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("sgd_nesterov_max", lambda ps: O.SGD(ps, lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("adam", lambda ps: O.Adam(ps, lr=0.01)),
    ("adam_amsgrad_wd", lambda ps: O.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("adam_maximize", lambda ps: O.Adam(ps, lr=0.01, maximize=True)),
    ("adamw", lambda ps: O.AdamW(ps, lr=0.01)),
    ("adamw_amsgrad", lambda ps: O.AdamW(ps, lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("rmsprop", lambda ps: O.RMSprop(ps, lr=0.01)),
    ("rmsprop_centered_mom", lambda ps: O.RMSprop(ps, lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
    ("rmsprop_centered", lambda ps: O.RMSprop(ps, lr=0.01, centered=True)),
    ("rmsprop_mom_max", lambda ps: O.RMSprop(ps, lr=0.01, momentum=0.5, maximize=True)),
    ("adagrad", lambda ps: O.Adagrad(ps, lr=0.1)),
    ("adagrad_wd_decay", lambda ps: O.Adagrad(ps, lr=0.1, weight_decay=0.1, lr_decay=0.01)),
    ("adadelta", lambda ps: O.Adadelta(ps, lr=1.0)),
    ("adadelta_wd_max", lambda ps: O.Adadelta(ps, lr=0.5, weight_decay=0.1, maximize=True)),
    ("adamax", lambda ps: O.Adamax(ps, lr=0.01)),
    ("adamax_wd", lambda ps: O.Adamax(ps, lr=0.01, weight_decay=0.1)),
    ("nadam", lambda ps: O.NAdam(ps, lr=0.01)),
    ("nadam_decoupled", lambda ps: O.NAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("radam", lambda ps: O.RAdam(ps, lr=0.01)),
    ("radam_wd_decoupled", lambda ps: O.RAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]
# sizes: tiny, odd 2-D, empty, one that spans several 16K-element chunks
SHAPES = [(5,), (33, 7), (0,), (70001,)]


def run_optim(make, device, dtype, steps, shapes=SHAPES, seed=0):
    """(params, optimizer) after `steps` steps with reproducible gradients."""
    params = [ember.nn.Parameter(sample(s, dtype, seed=seed + i).to(device)) for i, s in enumerate(shapes)]
    opt = make(params)
    for k in range(steps):
        for i, p in enumerate(params):
            p.grad = sample(p.shape, dtype, seed=1000 * (k + 1) + i).to(device)
        opt.step()
    return params, opt


def compare_states(opt_g, ps_g, opt_c, ps_c, **tol):
    for pg, pc in zip(ps_g, ps_c):
        check(pg.detach(), pc.detach(), **tol)
        sg, sc = opt_g.state[pg], opt_c.state[pc]
        assert sorted(sg) == sorted(sc)
        for key, vc in sc.items():
            vg = sg[key]
            if not isinstance(vc, ember.Tensor):
                assert vg == vc, key
            elif key in ("step", "mu_product"):  # scalar bookkeeping stays on the host, as torch
                np.testing.assert_array_equal(host(vg), host(vc))
            else:
                assert vg.is_cuda, f"optimizer state {key!r} should live on the parameter's device"
                check(vg, vc, **tol)


@needs_cuda
@pytest.mark.parametrize("name,make", OPTIMS, ids=[o[0] for o in OPTIMS])
def test_optimizer_steps_match_cpu(name, make):
    steps = 7 if name.startswith("radam") else 4  # RAdam rectifies from step 6 on
    ps_g, opt_g = run_optim(make, "cuda", ember.float32, steps)
    ps_c, opt_c = run_optim(make, "cpu", ember.float32, steps)
    compare_states(opt_g, ps_g, opt_c, ps_c)


@needs_cuda
@pytest.mark.parametrize("name", ["sgd_momentum", "adam_amsgrad_wd", "rmsprop_centered_mom", "adadelta", "nadam"])
def test_optimizer_steps_bitwise(name):
    """The kernels repeat the CPU's float math op for op with explicitly rounded intrinsics (no FMA
    contraction), so float32/float64 results are expected to be identical."""
    make = dict(OPTIMS)[name]
    for dt in (ember.float32, ember.float64):
        ps_g, opt_g = run_optim(make, "cuda", dt, 3, shapes=[(1000,), (17,)])
        ps_c, opt_c = run_optim(make, "cpu", dt, 3, shapes=[(1000,), (17,)])
        for pg, pc in zip(ps_g, ps_c):
            np.testing.assert_array_equal(host(pg), host(pc))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float64, ember.float16, ember.bfloat16])
@pytest.mark.parametrize("name", ["sgd_momentum", "adam", "adamw_amsgrad", "rmsprop_centered_mom", "radam"])
def test_optimizer_dtypes(name, dtype):
    make = dict(OPTIMS)[name]
    steps = 7 if name == "radam" else 3
    shapes = [(5,), (1000,), (20000,)]
    ps_g, opt_g = run_optim(make, "cuda", dtype, steps, shapes)
    ps_c, opt_c = run_optim(make, "cpu", dtype, steps, shapes)
    compare_states(opt_g, ps_g, opt_c, ps_c)


@needs_cuda
def test_optimizer_mixed_dtypes_and_missing_grads():
    """A group mixing dtypes (one launch per dtype) and a parameter without a gradient."""
    def run(device):
        ps = [ember.nn.Parameter(sample((300,), dt, seed=i).to(device))
              for i, dt in enumerate([ember.float32, ember.float16, ember.float32, ember.float64])]
        opt = O.Adam(ps, lr=0.01)
        for k in range(3):
            for i, p in enumerate(ps):
                p.grad = None if i == 2 else sample(p.shape, p.dtype, seed=50 + 10 * k + i).to(device)
            opt.step()
        return ps
    for g, c in zip(run("cuda"), run("cpu")):
        check(g.detach(), c.detach())


@needs_cuda
def test_optimizer_state_dict_moves_to_param_device():
    """A state saved on the CPU, loaded into an optimizer over CUDA parameters: the moments move to
    the GPU, the step counter stays on the host; further steps match the CPU run."""
    make = dict(OPTIMS)["nadam"]
    ps_c, opt_c = run_optim(make, "cpu", ember.float32, 2, shapes=[(40,), (3, 3)])
    ps_g = [ember.nn.Parameter(p.detach().cuda()) for p in ps_c]
    opt_g = make(ps_g)
    opt_g.load_state_dict(opt_c.state_dict())
    st = opt_g.state[ps_g[0]]
    assert st["exp_avg"].is_cuda and not st["step"].is_cuda and not st["mu_product"].is_cuda
    for k in range(2):
        for i, (pc, pg) in enumerate(zip(ps_c, ps_g)):
            g = sample(pc.shape, ember.float32, seed=77 + 10 * k + i)
            pc.grad, pg.grad = g, g.cuda()
        opt_c.step()
        opt_g.step()
    compare_states(opt_g, ps_g, opt_c, ps_c)


@needs_cuda
def test_optimizer_mixed_devices_error():
    p = ember.nn.Parameter(ember.ones(4, device="cuda"))
    with pytest.raises(RuntimeError, match=r"\[adam\] Expected all tensors to be on the same device"):
        ember._C.adam_step([p._t], [ember.ones(4)._t], [ember.zeros(4, device="cuda")._t],
                           [ember.zeros(4, device="cuda")._t], [], [0.1], [1.0], 0.1, 0.9, 0.999, 1e-8, 0.0,
                           False, False, False)


# ---- scaled dot-product attention ----------------------------------------------------------------------
# (N, Hq, Hk, L, S, E, Ev)
SDPA_SHAPES = [
    (2, 3, 3, 33, 33, 16, 16),
    (1, 2, 2, 65, 100, 64, 64),
    (2, 2, 2, 1, 1, 64, 64),
    (1, 2, 2, 130, 70, 80, 80),
    (1, 1, 1, 64, 64, 128, 128),
    (1, 2, 2, 40, 50, 32, 64),
    (2, 4, 2, 31, 47, 64, 64),  # GQA
    (1, 8, 1, 17, 9, 16, 16),  # GQA with one kv head
]


def sdpa_case(shape, dtype, seed=0):
    N, Hq, Hk, L, S, E, Ev = shape
    q = sample((N, Hq, L, E), dtype, seed=seed, low=-1, high=1)
    k = sample((N, Hk, S, E), dtype, seed=seed + 1, low=-1, high=1)
    v = sample((N, Hk, S, Ev), dtype, seed=seed + 2, low=-1, high=1)
    g = sample((N, Hq, L, Ev), dtype, seed=seed + 3, low=-1, high=1)
    return q, k, v, g


def sdpa_both(q, k, v, g, **kw):
    """(out, dq, dk, dv) on cuda and on cpu."""
    res = []
    for dev in ("cuda", "cpu"):
        qq, kk, vv = (t.detach().to(dev).requires_grad_(True) for t in (q, k, v))
        extra = {key: (val.to(dev) if isinstance(val, ember.Tensor) else val) for key, val in kw.items()}
        out = F.scaled_dot_product_attention(qq, kk, vv, **extra)
        out.backward(g.to(dev))
        res.append((out.detach(), qq.grad, kk.grad, vv.grad))
    return res


def sdpa_tol(dtype):
    return {ember.float32: dict(rtol=2e-4, atol=2e-5), ember.float64: dict(rtol=1e-9, atol=1e-11),
            ember.float16: dict(rtol=1e-2, atol=1e-2), ember.bfloat16: dict(rtol=4e-2, atol=4e-2)}[dtype]


@needs_cuda
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SDPA_SHAPES, ids=[str(s) for s in SDPA_SHAPES])
def test_sdpa_matches_cpu(shape, causal):
    q, k, v, g = sdpa_case(shape, ember.float32)
    gqa = shape[1] != shape[2]
    (og, *gg), (oc, *gc) = sdpa_both(q, k, v, g, is_causal=causal, enable_gqa=gqa)
    check(og, oc, **sdpa_tol(ember.float32))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(ember.float32))


@needs_cuda
@pytest.mark.parametrize("dtype", [ember.float64, ember.float16, ember.bfloat16])
def test_sdpa_dtypes(dtype):
    q, k, v, g = sdpa_case((2, 2, 2, 70, 45, 64, 64), dtype)
    (og, *gg), (oc, *gc) = sdpa_both(q, k, v, g, is_causal=True)
    check(og, oc, **sdpa_tol(dtype))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(dtype))


@needs_cuda
@pytest.mark.parametrize("kind", ["bool_2d", "bool_4d_dead_rows", "float_broadcast", "bool_causal"])
def test_sdpa_masks(kind):
    N, H, L, S, E = 2, 2, 37, 70, 32
    q, k, v, g = sdpa_case((N, H, H, L, S, E, E), ember.float32, seed=5)
    rng = np.random.default_rng(7)
    causal = False
    if kind == "bool_2d":
        mask = ember.tensor(rng.uniform(size=(L, S)) > 0.3)
    elif kind == "bool_4d_dead_rows":
        m = rng.uniform(size=(N, H, L, S)) > 0.5
        m[0, 1, 3, :] = False  # a row that sees no key: zeros, zero gradients
        m[1, 0, :, 5] = False
        mask = ember.tensor(m)
    elif kind == "float_broadcast":
        mask = ember.tensor(rng.normal(size=(N, 1, L, S))).to(ember.float32)
    else:
        mask = ember.tensor(rng.uniform(size=(1, H, L, S)) > 0.2)
        causal = True
    (og, *gg), (oc, *gc) = sdpa_both(q, k, v, g, attn_mask=mask, is_causal=causal)
    check(og, oc, **sdpa_tol(ember.float32))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(ember.float32))
    if kind == "bool_4d_dead_rows":
        assert not host(og)[0, 1, 3].any() and not host(gg[0])[0, 1, 3].any()


@needs_cuda
def test_sdpa_strided_and_3d_inputs():
    # (N, L, H, E) storage viewed as (N, H, L, E): non-contiguous q/k/v, read through strides
    base = sample((2, 40, 3, 64), ember.float32, seed=3, low=-1, high=1)
    q = base.transpose(1, 2)
    k = sample((2, 3, 64, 50), ember.float32, seed=4, low=-1, high=1).transpose(-1, -2)
    v = sample((2, 50, 3, 64), ember.float32, seed=6, low=-1, high=1).transpose(1, 2)
    g = sample((2, 3, 40, 64), ember.float32, seed=8)
    assert not q.is_contiguous() and not k.is_contiguous()
    (og, *gg), (oc, *gc) = sdpa_both(q, k, v, g, is_causal=True)
    check(og, oc, **sdpa_tol(ember.float32))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(ember.float32))
    # 3-D (no batch dim) and a custom scale
    q3, k3, v3, g3 = (t[0] for t in sdpa_case((1, 4, 4, 20, 30, 16, 16), ember.float32))
    (og, *gg), (oc, *gc) = sdpa_both(q3, k3, v3, g3, scale=0.3)
    check(og, oc, **sdpa_tol(ember.float32))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(ember.float32))


@needs_cuda
def test_sdpa_large_head_dim_and_dropout_take_reference_path():
    q, k, v, g = sdpa_case((1, 2, 2, 20, 24, 160, 160), ember.float32)
    (og, *gg), (oc, *gc) = sdpa_both(q, k, v, g, is_causal=True)
    check(og, oc, **sdpa_tol(ember.float32))
    for a, b in zip(gg, gc):
        check(a, b, **sdpa_tol(ember.float32))
    qg, kg, vg = (t.cuda() for t in sdpa_case((1, 2, 2, 20, 24, 32, 32), ember.float32)[:3])
    out = F.scaled_dot_product_attention(qg, kg, vg, dropout_p=0.5)
    assert out.is_cuda and tuple(out.shape) == (1, 2, 20, 32) and np.isfinite(host(out)).all()


@needs_cuda
def test_sdpa_empty_and_mixed_devices():
    q = ember.zeros(1, 2, 0, 16, device="cuda")
    k = ember.zeros(1, 2, 5, 16, device="cuda")
    out = F.scaled_dot_product_attention(q, k, k)
    assert out.is_cuda and tuple(out.shape) == (1, 2, 0, 16)
    q = ember.zeros(1, 2, 4, 16, device="cuda")
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention.*same device.*cuda:0 and cpu"):
        F.scaled_dot_product_attention(q, ember.zeros(1, 2, 4, 16), q)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention.*same device"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(4, 4, dtype=ember.bool))


@needs_cuda
def test_multihead_attention_module_on_cuda():
    ember.manual_seed(0)
    m = ember.nn.MultiheadAttention(32, 4, batch_first=True)
    x = sample((2, 9, 32), ember.float32, seed=2, low=-1, high=1)
    mg = ember.nn.MultiheadAttention(32, 4, batch_first=True)
    mg.load_state_dict(m.state_dict())
    mg.cuda()
    xc, xg = x.clone().requires_grad_(True), x.cuda().requires_grad_(True)
    oc, _ = m(xc, xc, xc, need_weights=False)
    og, _ = mg(xg, xg, xg, need_weights=False)
    check(og.detach(), oc.detach(), rtol=2e-4, atol=2e-5)
    oc.sum().backward()
    og.sum().backward()
    check(xg.grad, xc.grad, rtol=2e-4, atol=2e-5)


# ---- modules, save/load, data loading, clipping ---------------------------------------------------------
def small_net():
    return ember.nn.Sequential(ember.nn.Linear(6, 8), ember.nn.BatchNorm1d(8), ember.nn.ReLU(),
                               ember.nn.Linear(8, 3))


@needs_cuda
def test_module_to_cuda_round_trip():
    ember.manual_seed(0)
    net = small_net()
    before = {k: host(v).copy() for k, v in net.state_dict().items()}
    params = list(net.parameters())
    for p in params:
        p.grad = ember.ones_like(p)
    assert net.to("cuda") is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]  # optimizers keep their params
    for name, t in net.state_dict().items():
        assert t.is_cuda, name
    assert all(p.grad.is_cuda for p in net.parameters())
    assert net[1].num_batches_tracked.dtype is ember.int64
    net.cpu()
    for name, t in net.state_dict().items():
        assert not t.is_cuda
        np.testing.assert_array_equal(host(t), before[name])
    net.cuda().to(ember.float64)
    assert net[0].weight.is_cuda and net[0].weight.dtype is ember.float64
    assert net[1].num_batches_tracked.dtype is ember.int64
    net.to("cpu", non_blocking=True)
    assert not net[0].weight.is_cuda


@needs_cuda
def test_save_load_cuda_tensors(tmp_path):
    path = str(tmp_path / "m.safetensors")
    sd = {"w": sample((3, 4), ember.float32).cuda(), "b": sample((4,), ember.bfloat16).cuda(),
          "c": sample((2,), ember.float32)}
    ember.save(sd, path)
    back = ember.load(path)
    assert back["w"].is_cuda and back["b"].is_cuda and not back["c"].is_cuda
    for k in sd:
        np.testing.assert_array_equal(host(back[k]), host(sd[k]))
    cpu = ember.load(path, map_location="cpu")
    assert not any(t.is_cuda for t in cpu.values())
    on_gpu = ember.load(path, map_location=ember.device("cuda"))
    assert all(t.is_cuda for t in on_gpu.values())
    mapped = ember.load(path, map_location={"cuda:0": "cpu"})
    assert not mapped["w"].is_cuda
    seen = []
    fn = ember.load(path, map_location=lambda t, loc: seen.append(loc) or t)
    assert sorted(seen) == ["cpu", "cuda:0", "cuda:0"] and not fn["w"].is_cuda
    # an optimizer state dict with CUDA state round-trips too
    p = ember.nn.Parameter(ember.ones(5, device="cuda"))
    opt = O.Adam([p], lr=0.1)
    p.grad = ember.ones(5, device="cuda")
    opt.step()
    ember.save(opt.state_dict(), path)
    st = ember.load(path)
    assert st["state"][0]["exp_avg"].is_cuda


@needs_cuda
def test_dataloader_pin_memory_and_non_blocking():
    ds = ember.utils.data.TensorDataset(ember.arange(40.).reshape(20, 2), ember.arange(20))
    dl = ember.utils.data.DataLoader(ds, batch_size=6, pin_memory=True)
    seen = []
    for xb, yb in dl:
        assert xb.is_pinned() and yb.is_pinned()
        xg, yg = xb.to("cuda", non_blocking=True), yb.to("cuda", non_blocking=True)
        seen.append((xg, yg))
    ember.cuda.synchronize()
    xs = np.concatenate([host(x) for x, _ in seen])
    np.testing.assert_array_equal(xs, np.arange(40.).reshape(20, 2))
    dl = ember.utils.data.DataLoader(ds, batch_size=4, pin_memory=True,
                                     collate_fn=lambda b: {"x": ember.stack([t[0] for t in b]), "tag": "ok"})
    batch = next(iter(dl))
    assert batch["x"].is_pinned() and batch["tag"] == "ok"


@needs_cuda
def test_clip_grad_on_cuda():
    def run(device):
        ps = [ember.nn.Parameter(ember.zeros(s, device=device)) for s in [(30,), (5, 7)]]
        for i, p in enumerate(ps):
            p.grad = sample(p.shape, ember.float32, seed=i).to(device)
        total = ember.nn.utils.clip_grad_norm_(ps, 1.5)
        t_inf = ember.nn.utils.clip_grad_norm_(ps, 0.5, norm_type=math.inf)
        ember.nn.utils.clip_grad_value_(ps, 0.1)
        return [total, t_inf] + [p.grad for p in ps]
    g, c = run("cuda"), run("cpu")
    assert g[0].is_cuda  # the norm stays on the device (no host sync)
    check(g, c)


DROPOUTS = [
    ("dropout", lambda x, p: F.dropout(x, p, training=True), (6, 50)),
    ("dropout_inplace", lambda x, p: F.dropout(x.clone(), p, training=True, inplace=True), (6, 50)),
    ("dropout1d", lambda x, p: F.dropout1d(x, p, training=True), (4, 6, 5)),
    ("dropout2d", lambda x, p: F.dropout2d(x, p, training=True), (4, 6, 3, 2)),
    ("dropout3d", lambda x, p: F.dropout3d(x, p, training=True), (6, 2, 2, 3)),
    ("alpha_dropout", lambda x, p: F.alpha_dropout(x, p, training=True), (6, 50)),
    ("feature_alpha_dropout", lambda x, p: F.feature_alpha_dropout(x, p, training=True), (4, 6, 5)),
]


@needs_cuda
@pytest.mark.parametrize("name,fn,shape", DROPOUTS, ids=[d[0] for d in DROPOUTS])
def test_dropout_mask_on_input_device(name, fn, shape):
    x = (sample(shape, ember.float32, seed=3).abs() + 0.5).to("cuda")
    for p in (0.3, 1.0):
        out = fn(x, p)
        assert out.is_cuda and out.shape == x.shape
        ratio = (out / x).cpu().numpy()
        if name.startswith(("alpha", "feature_alpha")):
            continue  # affine noise: the device and shape are the point here
        keep = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        assert np.all(np.isclose(ratio, 0.0) | np.isclose(ratio, keep, rtol=1e-5))


@needs_cuda
def test_dropout_backward_on_cuda():
    x = (sample((8, 16), ember.float32, seed=4).abs() + 0.5).to("cuda").requires_grad_()
    out = F.dropout(x, 0.4, training=True)
    out.sum().backward()
    assert x.grad.is_cuda
    np.testing.assert_allclose(x.grad.cpu().numpy(), (out / x).detach().cpu().numpy(), rtol=1e-5)


@pytest.mark.parametrize("p", [0.5, 1.0])
def test_dropout_noise_is_built_on_the_input_device(monkeypatch, p):
    # no GPU needed: every creation call made for the mask must name the input's device
    import ember._ops.creation as creation
    seen = []
    for fname in ("empty", "zeros"):
        orig = getattr(creation, fname)

        def spy(*args, _orig=orig, _name=fname, **kw):
            seen.append((_name, kw.get("device")))
            return _orig(*args, **kw)
        monkeypatch.setattr(creation, fname, spy)
    x = ember.ones(3, 4)
    F.dropout(x, p, training=True)
    F.dropout2d(ember.ones(2, 3, 2, 2), p, training=True)
    assert seen and all(d is not None and str(d) == str(x.device) for _, d in seen), seen


@needs_cuda
@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_mlp_training_run_matches_cpu(optim):
    """20 steps of a small MLP on the GPU and on the CPU from the same weights and batches."""
    ember.manual_seed(0)
    net_c = ember.nn.Sequential(ember.nn.Linear(20, 64), ember.nn.ReLU(), ember.nn.Linear(64, 64),
                                ember.nn.GELU(), ember.nn.Linear(64, 5))
    net_g = ember.nn.Sequential(ember.nn.Linear(20, 64), ember.nn.ReLU(), ember.nn.Linear(64, 64),
                                ember.nn.GELU(), ember.nn.Linear(64, 5))
    net_g.load_state_dict(net_c.state_dict())
    net_g.to("cuda")

    def make(ps):
        return O.SGD(ps, lr=0.05, momentum=0.9) if optim == "sgd" else O.AdamW(ps, lr=3e-3)
    opt_c, opt_g = make(net_c.parameters()), make(net_g.parameters())
    rng = np.random.default_rng(0)
    losses_c, losses_g = [], []
    for step in range(20):
        x = ember.tensor(rng.normal(size=(32, 20))).to(ember.float32)
        y = ember.tensor(rng.integers(0, 5, size=32))
        for net, opt, xb, yb, losses in ((net_c, opt_c, x, y, losses_c),
                                         (net_g, opt_g, x.pin_memory().to("cuda", non_blocking=True),
                                          y.to("cuda"), losses_g)):
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            ember.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            losses.append(loss.detach())
    np.testing.assert_allclose([float(v) for v in losses_g], [float(v) for v in losses_c], rtol=1e-3, atol=1e-4)
    assert float(losses_c[-1]) < float(losses_c[0])
    for pg, pc in zip(net_g.parameters(), net_c.parameters()):
        check(pg.detach(), pc.detach(), rtol=1e-3, atol=1e-4)


# ---- without a GPU --------------------------------------------------------------------------------------
def test_optimizer_device_check_runs_before_any_kernel():
    p, g = ember.zeros(3), ember.ones(3)
    with pytest.raises(RuntimeError, match=r"\[sgd\] Expected all tensors to be on the same device, but found at "
                                           r"least two devices, cuda:0 and cpu!"):
        ember._C.sgd_step([fake_cuda(p)._t], [g._t], [], [], 0.1, 0.0, 0.0, 0.0, False, False)
    with pytest.raises(RuntimeError, match=r"\[adam\] Expected all tensors to be on the same device"):
        ember._C.adam_step([p._t], [g._t], [fake_cuda(p)._t], [p._t], [], [0.1], [1.0], 0.1, 0.9, 0.999, 1e-8,
                           0.0, False, False, False)


def test_sdpa_device_checks_without_gpu():
    q = ember.zeros(1, 2, 4, 16)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention.*same device.*cuda:0 and cpu!"):
        F.scaled_dot_product_attention(fake_cuda(q), q, q)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention.*same device"):
        ember._C.attention_forward(fake_cuda(q)._t, q._t, q._t, None, False, 1.0)


def test_sdpa_routing():
    from ember.nn._functional import attention as A
    q64, q160 = ember.zeros(1, 2, 4, 64), ember.zeros(1, 2, 4, 160)
    assert A._use_fused(fake_cuda(q64), fake_cuda(q64), fake_cuda(q64), None, 0.0, False)
    assert not A._use_fused(fake_cuda(q160), fake_cuda(q160), fake_cuda(q160), None, 0.0, False)
    assert A._use_fused(q160, q160, q160, None, 0.0, False)  # the CPU kernel has no head-dim limit
    assert not A._use_fused(fake_cuda(q64), fake_cuda(q64), fake_cuda(q64), None, 0.1, False)


@pytest.mark.skipif(HAS_CUDA or not ember._C.has_cuda, reason="needs a CUDA build without a usable GPU")
def test_fake_cuda_reaches_cuda_kernels():
    """In a CUDA build the fused entry points take the CUDA path (which then fails: no GPU) instead
    of the CPU kernels' device guard."""
    q = ember.zeros(1, 2, 4, 16)
    with pytest.raises(RuntimeError) as e:
        ember._C.attention_forward(fake_cuda(q)._t, fake_cuda(q)._t, fake_cuda(q)._t, None, False, 1.0)
    assert "not implemented for 'cuda'" not in str(e.value) and "CUDA" in str(e.value)
    p = ember.zeros(3)
    with pytest.raises(RuntimeError) as e:
        ember._C.sgd_step([fake_cuda(p)._t], [fake_cuda(p)._t], [], [], 0.1, 0.0, 0.0, 0.0, False, False)
    assert "not implemented for 'cuda'" not in str(e.value) and "CUDA" in str(e.value)


def write_with_devices(path, tensors, devices):
    """A file as ember.save writes it for tensors saved from `devices` (name -> "cuda:0")."""
    ember.save(tensors, path)
    with open(path, "rb") as fh:
        data = fh.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header["__metadata__"]["ember_devices"] = json.dumps(devices)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hb)) + hb + data[8 + n:])


def test_load_map_location_without_gpu(tmp_path):
    path = str(tmp_path / "dev.safetensors")
    w, b = sample((3, 2), ember.float32), sample((2,), ember.float32)
    write_with_devices(path, {"w": w, "b": b}, {"w": "cuda:0"})
    for ml in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}):
        d = ember.load(path, map_location=ml)
        assert not d["w"].is_cuda
        np.testing.assert_array_equal(host(d["w"]), host(w))
    seen = {}
    d = ember.load(path, map_location=lambda t, loc: seen.setdefault(tuple(t.shape), loc) and t)
    assert seen == {(3, 2): "cuda:0", (2,): "cpu"}
    if not HAS_CUDA:
        with pytest.raises(RuntimeError, match="map_location"):
            ember.load(path)
    with pytest.raises(TypeError, match="map_location"):
        ember.load(path, map_location=lambda t, loc: 3)


@pytest.mark.skipif(HAS_CUDA, reason="checks the no-GPU fallback")
def test_pin_memory_without_gpu_warns_once_and_loads():
    import ember.utils.data.dataloader as dl_mod
    dl_mod._pin_warned = False
    ds = ember.utils.data.TensorDataset(ember.arange(6.), ember.arange(6))
    with pytest.warns(UserWarning, match="pin_memory"):
        batches = list(ember.utils.data.DataLoader(ds, batch_size=4, pin_memory=True))
    assert [tuple(x.shape) for x, _ in batches] == [(4,), (2,)]


def test_pin_memory_helper_rebuilds_containers(monkeypatch):
    import collections
    import ember.utils.data.dataloader as dl_mod
    pinned = []
    monkeypatch.setattr(ember.Tensor, "pin_memory", lambda self: pinned.append(tuple(self.shape)) or self)
    monkeypatch.setattr(ember.Tensor, "is_pinned", lambda self: False)
    P = collections.namedtuple("P", "a b")
    out = dl_mod._pin_memory({"x": [ember.zeros(2), (ember.zeros(3), "s")], "p": P(ember.zeros(4), 1)})
    assert isinstance(out["p"], P) and out["x"][1][1] == "s"
    assert sorted(pinned) == [(2,), (3,), (4,)]
