"""nn.Module and the containers against torch.nn: registration and its errors, traversal order,
shared parameters, hooks, train/eval, conversion, state_dict / load_state_dict, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def build(m):
    """The same nested model in ember (m=ember) or PyTorch (m=torch)."""
    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.nn.Linear(4, 4)
            self.drop = m.nn.Dropout(0.1)
            self.register_buffer("steps", m.zeros(1, dtype=m.int64))
            self.register_buffer("cache", m.zeros(2), persistent=False)

        def forward(self, x):
            return self.drop(self.fc(x)) + x

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = m.nn.Embedding(10, 4, padding_idx=0)
            self.blocks = m.nn.ModuleList([Block(), Block()])
            self.heads = m.nn.ModuleDict({"a": m.nn.Linear(4, 2), "b": m.nn.Linear(4, 3, bias=False)})
            self.seq = m.nn.Sequential(m.nn.Linear(4, 4), m.nn.Identity(), m.nn.Flatten(0))
            self.scale = m.nn.Parameter(m.ones(1))

        def forward(self, idx):
            h = self.emb(idx)
            for b in self.blocks:
                h = b(h)
            h = self.seq[0](h) * self.scale
            return self.heads["a"](h).sum() + self.heads["b"](h).sum()

    return Net()


def to_torch_state(sd):
    return OrderedDict((k, torch.from_numpy(v.detach().numpy().copy())) for k, v in sd.items())


def to_ember_state(sd):
    return OrderedDict((k, ember.tensor(v.detach().numpy().copy())) for k, v in sd.items())


# ---- registration ---------------------------------------------------------------------------------
def test_setattr_registers_parameters_modules_buffers():
    m = nn.Module()
    m.w = nn.Parameter(ember.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("b", ember.zeros(3))
    m.plain = ember.ones(1)
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["b"]
    assert "plain" in m.__dict__
    m.b = ember.ones(3)  # reassigning a buffer keeps it a buffer
    assert m._buffers["b"] is m.b
    m.w = None
    assert m._parameters["w"] is None and m.w is None
    m.sub = None
    assert m._modules["sub"] is None
    m.w = nn.Parameter(ember.ones(1))
    assert isinstance(m.w, nn.Parameter)
    del m.w, m.sub, m.b
    assert not m._parameters and not m._modules and not m._buffers
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'w'"):
        m.w


def test_reassigning_kind_moves_the_name():
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(ember.ones(1))  # a module slot becomes a parameter
    assert "x" not in m._modules and "x" in m._parameters
    m.y = ember.ones(1)
    m.y = nn.Parameter(ember.ones(1))
    assert "y" not in m.__dict__ and "y" in m._parameters


def test_assignment_errors_match_pytorch():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'ember.FloatTensor' as parameter 'weight' "
                                        r"\(torch.nn.Parameter or None expected\)"):
        m.weight = ember.ones(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as parameter 'bias'"):
        m.bias = 3
    s = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(TypeError, match=r"cannot assign 'str' as child module '0' \(torch.nn.Module or None "
                                        r"expected\)"):
        setattr(s, "0", "x")
    b = nn.Module()
    b.register_buffer("buf", ember.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'float' as buffer 'buf' \(torch.Tensor or None expected\)"):
        b.buf = 1.0


def test_register_errors():
    m = nn.Module()
    m.a = 1
    with pytest.raises(KeyError, match="attribute 'a' already exists"):
        m.register_buffer("a", ember.ones(1))
    with pytest.raises(KeyError, match="attribute 'a' already exists"):
        m.register_parameter("a", None)
    with pytest.raises(KeyError, match="parameter name can"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", None)
    with pytest.raises(TypeError, match="parameter name should be a string"):
        m.register_parameter(3, None)
    with pytest.raises(TypeError, match=r"cannot assign 'ember.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", ember.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'list' object to buffer 'q'"):
        m.register_buffer("q", [1])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(KeyError, match="module name can"):
        m.add_module("c.d", nn.Identity())
    w = ember.ones(2, requires_grad=True)
    nonleaf = nn.Parameter(ember.ones(2))
    nonleaf.grad_fn = (w * 2).grad_fn
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'nl'"):
        m.register_parameter("nl", nonleaf)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()
    with pytest.raises(TypeError):
        nn.Module(1)


def test_forward_missing():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(1)


def test_get_submodule_parameter_buffer():
    net = build(ember)
    assert net.get_submodule("blocks.1.fc") is net.blocks[1].fc
    assert net.get_submodule("") is net
    assert net.get_parameter("blocks.0.fc.weight") is net.blocks[0].fc.weight
    assert net.get_parameter("scale") is net.scale
    assert net.get_buffer("blocks.0.steps") is net.blocks[0].steps
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("blocks.nope")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Module"):
        net.get_submodule("scale")
    with pytest.raises(AttributeError, match="`steps` is not an nn.Parameter"):
        net.get_parameter("blocks.0.steps")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        net.get_buffer("emb.weight")


def test_dir_lists_registered_names():
    net = build(ember)
    d = dir(net)
    for k in ("emb", "blocks", "scale", "forward", "training"):
        assert k in d
    assert "0" not in dir(net.blocks) and "steps" in dir(net.blocks[0])


# ---- traversal -------------------------------------------------------------------------------------
@needs_torch
def test_traversal_names_and_order_match_torch():
    e, t = build(ember), build(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_parameters(prefix="net", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="net", recurse=False)]
    assert [n for n, _ in e.blocks.named_parameters(prefix="x")] == \
        [n for n, _ in t.blocks.named_parameters(prefix="x")]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.children())) == 4 and len(list(e.buffers())) == 4


def test_shared_parameters_counted_once():
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, nn.ReLU() if hasattr(nn, "ReLU") else nn.Identity(), a)
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4
    assert len(list(net.named_modules())) == 3
    assert len(list(net.named_modules(remove_duplicate=False))) == 4
    # tied weights across different modules
    e, d = nn.Embedding(5, 3), nn.Linear(3, 5, bias=False)
    d.weight = e.weight
    tied = nn.ModuleList([e, d])
    assert len(list(tied.parameters())) == 1
    assert list(tied.state_dict()) == ["0.weight", "1.weight"]  # state_dict keeps both names, like PyTorch


# ---- modes and grads ----------------------------------------------------------------------------------
def test_train_eval_apply_requires_grad_zero_grad():
    net = build(ember)
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Embedding"
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(ember.tensor([1, 2, 3])).backward()
    assert all(p.grad is not None for p in net.parameters())
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not np.any(g.numpy()) for p, g in zip(net.parameters(), grads))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


# ---- conversion ---------------------------------------------------------------------------------------
def test_to_double_keeps_parameter_identity_and_converts_grads():
    net = build(ember)
    params = list(net.parameters())
    net(ember.tensor([1, 2])).backward()
    out = net.double()
    assert out is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype is ember.float64 and isinstance(p, nn.Parameter) for p in net.parameters())
    assert all(p.grad.dtype is ember.float64 for p in net.parameters())
    assert net.blocks[0].steps.dtype is ember.int64  # integer buffers keep their dtype
    assert net.blocks[0].cache.dtype is ember.float64
    net.float()
    assert all(p.dtype is ember.float32 for p in net.parameters())
    net.to(ember.float64)
    assert net.scale.dtype is ember.float64
    net.to("cpu", ember.float32)
    assert net.scale.dtype is ember.float32
    net.to(ember.zeros(1, dtype=ember.float64))
    assert net.scale.dtype is ember.float64
    net.half()
    assert net.scale.dtype is ember.float16
    net.bfloat16()
    assert net.scale.dtype is ember.bfloat16
    net.type(ember.float32)
    assert net.scale.dtype is ember.float32
    assert net.cpu() is net
    assert all(p.requires_grad and p.is_leaf for p in net.parameters())
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(ember.int32)


def test_deepcopy():
    net = build(ember)
    c = copy.deepcopy(net)
    assert c.emb.weight is not net.emb.weight
    np.testing.assert_array_equal(c.emb.weight.detach().numpy(), net.emb.weight.detach().numpy())
    assert isinstance(c.emb.weight, nn.Parameter) and c.emb.weight.requires_grad
    with ember.no_grad():
        c.scale.fill_(5)
    assert net.scale.item() == 1


# ---- state dict --------------------------------------------------------------------------------------
@needs_torch
def test_state_dict_keys_order_shapes_match_torch():
    e, t = build(ember), build(torch)
    se, st = e.state_dict(), t.state_dict()
    assert list(se) == list(st)
    assert [tuple(v.shape) for v in se.values()] == [tuple(v.shape) for v in st.values()]
    assert "blocks.0.cache" not in se  # non-persistent
    assert all(not v.requires_grad for v in se.values())
    kv = e.state_dict(keep_vars=True)
    assert all(kv[n] is p for n, p in e.named_parameters())
    assert e.state_dict(keep_vars=True)["scale"] is e.scale
    assert list(e.state_dict(prefix="model.")) == ["model." + k for k in st]
    assert list(se._metadata) == list(st._metadata)


@needs_torch
def test_weights_roundtrip_ember_numpy_torch_and_back():
    e, t = build(ember), build(torch)
    r = t.load_state_dict(to_torch_state(e.state_dict()))
    assert not r.missing_keys and not r.unexpected_keys
    idx = np.array([1, 4, 0, 7])
    e.eval()
    t.eval()
    ye, yt = e(ember.tensor(idx)), t(torch.from_numpy(idx))
    np.testing.assert_allclose(ye.item(), yt.item(), rtol=1e-5)
    ye.backward()
    yt.backward()
    for (n, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    # and back: a fresh ember model loads torch's weights
    e2 = build(ember)
    out = e2.load_state_dict(to_ember_state(t.state_dict()))
    assert repr(out) == "<All keys matched successfully>"
    for (n, a), b in zip(e2.state_dict().items(), t.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)


def test_load_state_dict_copies_in_place_under_no_grad():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    w = a.weight
    a.load_state_dict(b.state_dict())
    assert a.weight is w and a.weight.requires_grad and a.weight.grad_fn is None
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    # numpy arrays are accepted too
    a.load_state_dict({k: v.numpy() * 0 for k, v in b.state_dict().items()})
    assert not np.any(a.weight.detach().numpy())


def test_load_state_dict_strict_errors():
    net = nn.Sequential(nn.Linear(3, 2))
    sd = net.state_dict()
    sd["extra"] = ember.ones(1)
    del sd["0.bias"]
    with pytest.raises(RuntimeError) as ei:
        net.load_state_dict(sd)
    msg = str(ei.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:\n\t")
    assert 'Missing key(s) in state_dict: "0.bias". ' in msg
    assert 'Unexpected key(s) in state_dict: "extra". ' in msg
    r = net.load_state_dict(sd, strict=False)
    assert r.missing_keys == ["0.bias"] and r.unexpected_keys == ["extra"]
    assert "missing_keys=['0.bias']" in repr(r)
    bad = net.state_dict()
    bad["0.weight"] = ember.ones(4, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with shape "
                                           r"ember.Size\(\[4, 3\]\) from checkpoint, the shape in current model is "
                                           r"ember.Size\(\[2, 3\]\)."):
        net.load_state_dict(bad, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])


def test_load_from_state_dict_override_and_hooks():
    class Renamed(nn.Linear):
        def _load_from_state_dict(self, sd, prefix, meta, strict, missing, unexpected, errors):
            if prefix + "w" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "w")
            super()._load_from_state_dict(sd, prefix, meta, strict, missing, unexpected, errors)

    m = nn.Sequential(Renamed(2, 2))
    src = nn.Linear(2, 2)
    r = m.load_state_dict({"0.w": src.weight.detach(), "0.bias": src.bias.detach()})
    assert not r.missing_keys
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), src.weight.detach().numpy())
    calls = []
    m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(list(keys.missing_keys)))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(prefix))
    m.load_state_dict({"0.weight": src.weight.detach()}, strict=False)
    m.state_dict()
    assert calls == [["0.bias"], ""]


# ---- hooks ---------------------------------------------------------------------------------------------
def test_forward_hooks_fire_in_order_and_can_replace():
    m = nn.Linear(2, 2)
    log = []
    m.register_forward_pre_hook(lambda mod, args: log.append("pre1"))
    h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    m.register_forward_pre_hook(lambda mod, args: log.append("pre0"), prepend=True)
    m.register_forward_hook(lambda mod, args, out: log.append("post1"))
    m.register_forward_hook(lambda mod, args, out: out + 1)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", kwargs)), with_kwargs=True)
    y = m(ember.ones(3, 2))
    assert log == ["pre0", "pre1", "post1", ("kw", {})]
    np.testing.assert_allclose(y.detach().numpy(), np.broadcast_to(m.bias.detach().numpy() + 1, (3, 2)), rtol=1e-6)
    h.remove()
    y2 = m(ember.ones(3, 2))
    assert not np.allclose(y2.detach().numpy(), y.detach().numpy())


def test_forward_pre_hook_with_kwargs_and_always_call():
    class M(nn.Module):
        def forward(self, x, scale=1.0):
            if scale < 0:
                raise ValueError("negative")
            return x * scale

    m = M()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 3.0}), with_kwargs=True)
    assert m(ember.ones(1)).item() == 3.0
    m2 = M()
    seen = []
    m2.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError):
        m2(ember.ones(1), scale=-1.0)
    assert seen == [None]
    m3 = M()
    m3.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m3(ember.ones(1))


@needs_torch
def test_full_backward_hooks_match_torch():
    def run(m):
        lin = m.nn.Linear(3, 2)
        with m.no_grad():
            lin.weight.copy_(m.arange(6.0).reshape(2, 3) / 10)
            lin.bias.fill_(0.5)
        log = []
        lin.register_full_backward_pre_hook(
            lambda mod, go: log.append(("pre", [g.detach().numpy().copy() for g in go])))
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(
            ("bw", [None if g is None else g.detach().numpy().copy() for g in gi],
             [g.detach().numpy().copy() for g in go])))
        x = m.ones(4, 3, requires_grad=True)
        (lin(x) * 2).sum().backward()
        return log, x.grad.numpy().copy()

    le, xe = run(ember)
    lt, xt = run(torch)
    assert [e[0] for e in le] == [t[0] for t in lt] == ["pre", "bw"]
    for a, b in zip(le[0][1], lt[0][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for a, b in zip(le[1][1] + le[1][2], lt[1][1] + lt[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(xe, xt, rtol=1e-6)


def test_full_backward_hook_replaces_grad_input_and_pre_hook_grad_output():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda mod, gi, go: tuple(g * 0 for g in gi))
    x = ember.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert not np.any(x.grad.numpy())
    assert np.any(lin.weight.grad.numpy())  # parameters' grads are not grad_input

    lin2 = nn.Linear(2, 2)
    lin2.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
    x2 = ember.ones(1, 2, requires_grad=True)
    lin2(x2).sum().backward()
    np.testing.assert_allclose(lin2.weight.grad.numpy(), 3 * np.ones((2, 2)), rtol=1e-6)


def test_full_backward_hook_inputs_without_grad():
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, len(go))))
    lin(ember.ones(1, 2)).sum().backward()
    assert seen == [((None,), 1)]


# ---- containers ----------------------------------------------------------------------------------------
def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(1, 1), nn.Identity(), nn.Linear(1, 2)
    s = nn.Sequential(a, b, c)
    assert s[0] is a and s[-1] is c and len(s) == 3 and list(s) == [a, b, c]
    sl = s[1:]
    assert isinstance(sl, nn.Sequential) and list(sl) == [b, c] and list(sl._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    d = nn.Identity()
    s[1] = d
    assert s[1] is d
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[0] is d
    s.append(a)
    s.insert(0, b)
    assert list(s) == [b, d, c, a]
    s.extend([nn.Identity()])
    assert len(s) == 5
    p = s.pop(1)
    assert p is d and len(s) == 4 and list(s._modules) == ["0", "1", "2", "3"]
    s2 = s + nn.Sequential(nn.Identity())
    assert len(s2) == 5 and len(s) == 4
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        s + [1]
    named = nn.Sequential(OrderedDict([("first", nn.Linear(2, 3)), ("second", nn.Identity())]))
    assert list(named._modules) == ["first", "second"] and named.first is named[0]
    assert named(ember.ones(4, 2)).shape == (4, 3)
    del named[-1]
    assert list(named._modules) == ["0"]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.Identity())
    ml.insert(1, nn.Identity())
    ml.extend([nn.Identity()])
    ml += [nn.Identity()]
    assert len(ml) == 7 and isinstance(ml[1], nn.Identity) and isinstance(ml[-1], nn.Identity)
    assert len(ml[1:3]) == 2 and isinstance(ml[1:3], nn.ModuleList)
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(6)]
    assert isinstance(ml.pop(0), nn.Identity) and len(ml) == 5
    assert len(list(ml.parameters())) == 4
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(3)
    with pytest.raises(IndexError):
        ml[10]
    with pytest.raises(NotImplementedError):
        ml(1)
    md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = nn.Identity()
    md.update([("d", nn.Identity())])
    assert list(md) == ["b", "a", "c", "d"]
    assert isinstance(md.pop("a"), nn.Identity) and "a" not in md
    del md["c"]
    assert [k for k, _ in md.items()] == ["b", "d"] and len(list(md.values())) == 2
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        md.update([("x", nn.Identity(), 1)])
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(ember.ones(2)), ember.zeros(3)])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(ember.ones(1))
    pl.extend([ember.ones(4)])
    assert len(pl) == 4 and pl[-1].shape == (4,)
    assert len(pl[1:3]) == 2
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    pl[0] = ember.full((2,), 7.0)
    assert isinstance(pl[0], nn.Parameter) and pl[0][0].item() == 7.0
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        pl.extend(ember.ones(2))
    pd = nn.ParameterDict({"b": ember.ones(1), "a": nn.Parameter(ember.ones(2))})
    assert list(pd) == ["a", "b"]  # a plain dict is inserted sorted, like PyTorch
    pd["c"] = ember.zeros(3)
    assert isinstance(pd["c"], nn.Parameter) and "c" in pd and len(pd) == 3
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert pd.get("zz") is None and pd.pop("b").shape == (1,)
    assert list(pd.keys()) == ["a", "c"]
    with pytest.raises(TypeError, match="cannot be used as a key as it is not a string"):
        pd[1] = ember.ones(1)
    pd2 = pd | nn.ParameterDict(OrderedDict([("z", ember.ones(1))]))
    assert list(pd2) == ["a", "c", "z"]


# ---- repr ----------------------------------------------------------------------------------------------
@needs_torch
def test_repr_matches_torch_for_nested_model():
    def model(m):
        return m.nn.Sequential(
            m.nn.Linear(2, 3),
            m.nn.ModuleList([m.nn.Linear(3, 3) for _ in range(3)] + [m.nn.Dropout(0.2)]),
            m.nn.ModuleDict({"emb": m.nn.Embedding(4, 2, padding_idx=0), "bag": m.nn.EmbeddingBag(4, 2, mode="sum")}),
            m.nn.Sequential(OrderedDict(flat=m.nn.Flatten(), un=m.nn.Unflatten(1, (1, 3)))),
            m.nn.ModuleList(),
            m.nn.Bilinear(2, 2, 1, bias=False))
    assert repr(model(ember)) == repr(model(torch))
    assert repr(build(ember)).replace("ember.", "torch.") == repr(build(torch))


@needs_torch
def test_parameter_container_reprs_match_torch():
    pe = nn.ParameterList([nn.Parameter(ember.ones(2)), nn.Parameter(ember.ones(2, 3).double())])
    pt = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2, 3).double())])
    assert repr(pe).replace("ember.", "torch.") == repr(pt)
    de = nn.ParameterDict({"a": nn.Parameter(ember.ones(2)), "b": ember.ones(1, 1)})
    dt = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.ones(2)), "b": torch.ones(1, 1)})
    assert repr(de).replace("ember.", "torch.") == repr(dt)


def test_extra_repr_multiline():
    class M(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    class N(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = M()

    assert repr(M()) == "M(\n  a=1\n  b=2\n)"
    assert repr(N()) == "N(\n  (m): M(\n    a=1\n    b=2\n  )\n)"


# ---- Parameter -------------------------------------------------------------------------------------------
@needs_torch
def test_parameter_basics():
    p = nn.Parameter(ember.ones(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2)))
    assert not nn.Parameter(ember.ones(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    d = p.data
    assert not isinstance(d, nn.Parameter) and not d.requires_grad
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ember.ones(2, dtype=ember.int64))
    assert not nn.Parameter(ember.ones(2, dtype=ember.int64), requires_grad=False).requires_grad


def test_nested_hooks_fire_children_first():
    log = []
    outer = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Identity()))
    for name, m in outer.named_modules():
        m.register_forward_pre_hook(lambda mod, args, n=name: log.append("pre:" + n))
        m.register_forward_hook(lambda mod, args, out, n=name: log.append("post:" + n))
    outer(ember.ones(1, 2))
    assert log == ["pre:", "pre:0", "post:0", "pre:1", "pre:1.0", "post:1.0", "post:1", "post:"]


def test_load_state_dict_assign_and_positional_state_dict_args():
    a = nn.Linear(2, 2)
    src = {"weight": ember.ones(2, 2), "bias": ember.zeros(2)}
    a.load_state_dict(src, assign=True)
    assert isinstance(a.weight, nn.Parameter) and a.weight.requires_grad
    np.testing.assert_array_equal(a.weight.detach().numpy(), np.ones((2, 2)))
    dest = OrderedDict()
    out = a.state_dict(dest, "p.")
    assert out is dest and list(dest) == ["p.weight", "p.bias"]


def test_hook_handles_as_context_manager():
    m = nn.Identity()
    seen = []
    with m.register_forward_hook(lambda mod, args, out: seen.append(1)):
        m(ember.ones(1))
    m(ember.ones(1))
    assert seen == [1] and not m._forward_hooks


@needs_torch
def test_sgd_steps_track_torch():
    """Five manual SGD steps with clipping on a 2-layer linear model follow PyTorch's trajectory."""
    def make(m):
        return m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Linear(8, 1))

    e, t = make(ember), make(torch)
    e.load_state_dict(to_ember_state(t.state_dict()))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    for _ in range(5):
        losses = []
        for m, mod, clip in ((ember, e, nn.utils.clip_grad_norm_), (torch, t, torch.nn.utils.clip_grad_norm_)):
            mod.zero_grad()
            d = mod(m.tensor(x)) - m.tensor(y)
            loss = (d * d).mean()
            loss.backward()
            clip(mod.parameters(), 0.5)
            with m.no_grad():
                for p in mod.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-4)
    for a, b in zip(e.state_dict().values(), t.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_missing_super_init_is_reported():
    class Bad(nn.Module):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    with pytest.raises(AttributeError, match="super"):
        Bad()(1)


@needs_torch
def test_full_backward_hook_two_inputs_one_constant():
    def run(m):
        bil = m.nn.Bilinear(2, 3, 1)
        with m.no_grad():
            bil.weight.fill_(0.5)
            bil.bias.fill_(0.0)
        seen = []
        bil.register_full_backward_hook(lambda mod, gi, go: seen.append(
            [None if g is None else g.detach().numpy().copy() for g in gi]))
        a = m.ones(4, 2, requires_grad=True)
        c = m.ones(4, 3)
        out = bil(a, c)
        out.sum().backward()
        return seen, c.requires_grad

    (se, ce), (st, ct) = run(ember), run(torch)
    assert len(se) == len(st) == 1 and ce is ct is False
    for a, b in zip(se[0], st[0]):  # the constant input's slot is zeros in PyTorch too
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_global_module_hooks():
    from ember.nn.modules import module as M
    log = []
    handles = [M.register_module_forward_pre_hook(lambda mod, args: log.append(("pre", type(mod).__name__))),
               M.register_module_forward_hook(lambda mod, args, out: log.append(("post", type(mod).__name__))),
               M.register_module_full_backward_hook(lambda mod, gi, go: log.append(("bw", type(mod).__name__)))]
    try:
        net = nn.Sequential(nn.Linear(2, 2))
        net[0].register_forward_pre_hook(lambda mod, args: log.append(("local-pre", "Linear")))
        net(ember.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        for h in handles:
            h.remove()
    assert log == [("pre", "Sequential"), ("pre", "Linear"), ("local-pre", "Linear"), ("post", "Linear"),
                   ("post", "Sequential"), ("bw", "Linear"), ("bw", "Sequential")]  # PyTorch's order
    log.clear()
    nn.Identity()(ember.ones(1))
    assert log == []


def test_buffer_marker_registers_buffers():
    m = nn.Module()
    m.x = nn.Buffer(ember.ones(2), persistent=False)
    m.y = nn.Buffer(ember.zeros(1))
    assert list(m._buffers) == ["x", "y"] and m._non_persistent_buffers_set == {"x"}
    assert list(m.state_dict()) == ["y"]
    assert isinstance(m.y, nn.Buffer) and not isinstance(ember.ones(1), nn.Buffer)
    assert type(m.y) is ember.Tensor
    m.p = nn.Parameter(ember.ones(1))
    with pytest.raises(TypeError, match="as parameter 'p'"):  # as PyTorch: a parameter slot takes Parameters
        m.p = nn.Buffer(ember.ones(1))
    m.q = ember.ones(1)
    m.q = nn.Buffer(ember.ones(1))  # a plain attribute becomes a buffer
    assert "q" in m._buffers and "q" not in m.__dict__
