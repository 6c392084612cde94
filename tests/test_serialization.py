"""ember.save / ember.load (safetensors): bitwise round trips, nested optimizer-like state,
cross-loading files written by safetensors.torch, refusal of pickles, corrupt/truncated files."""
import collections
import os
import struct

import numpy as np
import pytest

import ember
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None
try:
    import safetensors.torch as st_torch
except ImportError:
    st_torch = None


ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _bits(t):
    return t.view(ember.int16).numpy() if t.dtype is ember.bfloat16 else t.numpy()


def test_round_trip_every_dtype_bitwise(tmp_path):
    rng = np.random.default_rng(0)
    sd = collections.OrderedDict()
    for name in ALL:
        t = ember.tensor(rng.standard_normal((3, 4)) * 100).to(getattr(ember, name))
        sd[f"w.{name}"] = t
    sd["scalar"] = ember.tensor(3.5)
    sd["empty"] = ember.zeros(0, 3)
    sd["strided"] = ember.arange(12.0).reshape(3, 4).t()
    p = tmp_path / "m.safetensors"
    ember.save(sd, p)
    back = ember.load(p)
    assert isinstance(back, collections.OrderedDict) and list(back) == list(sd)
    for k, v in sd.items():
        assert back[k].dtype is v.dtype and tuple(back[k].shape) == tuple(v.shape)
        np.testing.assert_array_equal(_bits(back[k]), _bits(v.contiguous()))


def test_nested_structure_round_trip(tmp_path):
    state = {"state": {0: {"step": ember.tensor(3.0), "exp_avg": ember.ones(2)}, 1: {"momentum_buffer": None}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "name": "g",
                               "params": [0, 1], "inf": float("inf")}]}
    p = tmp_path / "opt.safetensors"
    ember.save(state, p)
    back = ember.load(p)
    assert back["param_groups"][0]["betas"] == (0.9, 0.999) and back["param_groups"][0]["params"] == [0, 1]
    assert back["param_groups"][0]["inf"] == float("inf")
    assert set(back["state"]) == {0, 1} and back["state"][1]["momentum_buffer"] is None
    assert back["state"][0]["step"].item() == 3.0


def test_optimizer_state_through_file(tmp_path):
    p = ember.randn(4, requires_grad=True)
    opt = ember.optim.Adam([p], lr=0.01)
    p.grad = ember.ones(4)
    opt.step()
    ember.save(opt.state_dict(), tmp_path / "o.safetensors")
    opt2 = ember.optim.Adam([p], lr=0.5)
    opt2.load_state_dict(ember.load(tmp_path / "o.safetensors"))
    assert opt2.param_groups[0]["lr"] == 0.01
    np.testing.assert_array_equal(opt2.state[p]["exp_avg"].numpy(), opt.state[p]["exp_avg"].numpy())


@pytest.mark.skipif(st_torch is None or torch is None, reason="needs torch and safetensors")
def test_load_file_written_by_safetensors_torch(tmp_path):
    sd = {"fc.weight": torch.randn(3, 4), "fc.bias": torch.randn(3), "h": torch.randn(2).to(torch.bfloat16),
          "i": torch.arange(5)}
    p = str(tmp_path / "t.safetensors")
    st_torch.save_file(sd, p)
    back = ember.load(p)
    assert set(back) == set(sd)
    for k, v in sd.items():
        assert back[k].dtype._name == str(v.dtype).replace("torch.", "")
        np.testing.assert_array_equal(back[k].float().numpy(), v.float().numpy())
    # and torch's safetensors reads ember's files
    ember.save({"a": ember.arange(6.0).reshape(2, 3)}, tmp_path / "e.safetensors")
    t = st_torch.load_file(str(tmp_path / "e.safetensors"))
    np.testing.assert_array_equal(t["a"].numpy(), np.arange(6.0, dtype=np.float32).reshape(2, 3))


@needs_torch
def test_pickle_is_refused_with_conversion_advice(tmp_path):
    p = tmp_path / "m.pt"
    torch.save({"w": torch.ones(2)}, p)
    with pytest.raises(RuntimeError, match="pickle.*save_file"):
        ember.load(p)


@pytest.mark.parametrize("damage", ["truncate_data", "truncate_header", "bad_json", "bad_offsets", "empty"])
def test_corrupt_files_raise_clear_errors(tmp_path, damage):
    p = tmp_path / "m.safetensors"
    ember.save({"w": ember.ones(10), "b": ember.zeros(3)}, p)
    raw = p.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    if damage == "truncate_data":
        raw = raw[:-5]
    elif damage == "truncate_header":
        raw = raw[:8 + n // 2]
    elif damage == "bad_json":
        raw = raw[:8] + b"{" * n + raw[8 + n:]
    elif damage == "bad_offsets":
        raw = raw.replace(b'"data_offsets":[0,40]', b'"data_offsets":[0,44]')
        assert b"[0,44]" in raw
    else:
        raw = b""
    p.write_bytes(raw)
    with pytest.raises(ValueError, match=r"\[load\]"):
        ember.load(p)


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match=r"\[save\].*no pickle"):
        ember.save({"f": lambda x: x}, tmp_path / "x.safetensors")
    assert not os.path.exists(tmp_path / "x.safetensors")


def test_failed_load_leaves_the_model_unchanged(tmp_path):
    m = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4), ember.nn.Linear(4, 2))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    sd = {k: ember.ones(v.shape, dtype=v.dtype) for k, v in m.state_dict().items()}
    sd["2.weight"] = ember.ones(5, 5)                 # wrong shape, after other keys that load fine
    ember.save(sd, tmp_path / "bad.safetensors")
    with pytest.raises(RuntimeError, match="size mismatch for 2.weight"):
        m.load_state_dict(ember.load(tmp_path / "bad.safetensors"))
    sd["2.weight"] = ember.ones(2, 4)
    sd["1.num_batches_tracked"] = ember.tensor(1.5)  # a float into an int64 buffer would truncate
    with pytest.raises(RuntimeError, match="dtype mismatch for 1.num_batches_tracked"):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy(), err_msg=k)
    del sd["1.num_batches_tracked"]
    with pytest.raises(RuntimeError, match="Missing key"):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy(), err_msg=k)
    sd["1.num_batches_tracked"] = ember.tensor(3)
    m.load_state_dict(sd)                              # a good load goes through
    assert float(m[0].weight.sum()) == 12.0 and int(m[1].num_batches_tracked) == 3
