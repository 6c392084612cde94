"""End-to-end: the same MLP from identical weights (via state_dict), fed the same batches, gives
per-step losses within 1e-5 of PyTorch for 50 steps (SGD with momentum, AdamW); and a short run
of the MNIST-1D main job."""
import numpy as np
import pytest

import ember
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def _mlp(nn):
    return nn.Sequential(nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))


@needs_torch
@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_losses_match_torch_for_50_steps(opt):
    torch.manual_seed(0)
    tm = _mlp(torch.nn)
    em = _mlp(ember.nn)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    if opt == "sgd":
        to, eo = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9), ember.optim.SGD(em.parameters(), lr=0.1,
                                                                                        momentum=0.9)
    else:
        to, eo = torch.optim.AdamW(tm.parameters(), lr=1e-3), ember.optim.AdamW(em.parameters(), lr=1e-3)
    rng = np.random.default_rng(1)
    for step in range(50):
        x = rng.standard_normal((100, 40)).astype(np.float32)
        y = rng.integers(0, 10, 100)
        to.zero_grad()
        eo.zero_grad()
        lt = torch.nn.functional.cross_entropy(tm(torch.from_numpy(x)), torch.from_numpy(y))
        le = ember.nn.functional.cross_entropy(em(ember.tensor(x)), ember.tensor(y))
        lt.backward()
        le.backward()
        to.step()
        eo.step()
        assert abs(float(le) - float(lt)) <= 1e-5, (step, float(le), float(lt))


def test_mnist1d_main_job_short_run(tmp_path):
    from ember.examples import mnist1d
    res = mnist1d.main(["--model", "both", "--epochs", "3", "--no-progress", "--save",
                        str(tmp_path / "m.safetensors")])
    r = res["mlp"]
    assert r["params"] == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10
    assert r["train_err"] < 80.0  # chance is 90%: three epochs must already learn something
    assert res["cnn"]["params"] == 2050 and res["cnn"]["train_err"] < 85.0
    sd = ember.load(tmp_path / "m-mlp.safetensors")
    assert sorted(sd) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    assert "1.weight" in ember.load(tmp_path / "m-cnn.safetensors")
