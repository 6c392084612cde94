"""LR schedulers: the same per-step learning rates as torch.optim.lr_scheduler."""
import numpy as np
import pytest

import ember
from conftest import needs_torch

try:
    import torch
except ImportError:
    torch = None


def _pair(opt_name="SGD", groups=2, **okw):
    okw.setdefault("lr", 0.1)
    ep = [ember.zeros(2, requires_grad=True) for _ in range(groups)]
    tp = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    eo = getattr(ember.optim, opt_name)([{"params": [p], "lr": okw["lr"] * (i + 1)} for i, p in enumerate(ep)], **okw)
    to = getattr(torch.optim, opt_name)([{"params": [p], "lr": okw["lr"] * (i + 1)} for i, p in enumerate(tp)], **okw)
    return eo, to


def _compare(make, steps=40, opt_name="SGD", metric=None, **okw):
    eo, to = _pair(opt_name, **okw)
    es, ts = make(ember.optim.lr_scheduler, eo), make(torch.optim.lr_scheduler, to)
    for i in range(steps):
        eo.step()
        to.step()
        if metric is not None:
            es.step(metric(i))
            ts.step(metric(i))
        else:
            es.step()
            ts.step()
        np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15, err_msg=f"step {i}")
        for ge, gt in zip(eo.param_groups, to.param_groups):
            assert ge["lr"] == pytest.approx(gt["lr"], rel=1e-12, abs=1e-15)
            for k in ("momentum", "betas"):
                if k in gt:
                    assert np.allclose(ge[k], gt[k], rtol=1e-12), (k, ge[k], gt[k])


CASES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=12),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=15, power=2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=9, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e),
    "LambdaLR-list": lambda m, o: m.LambdaLR(o, lr_lambda=[lambda e: 0.9 ** e, lambda e: 1 / (1 + e)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.97),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=41),
    "OneCycleLR-3phase-linear": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=41, three_phase=True,
                                                          anneal_strategy="linear", pct_start=0.25),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-tri2": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5,
                                             mode="triangular2"),
    "CyclicLR-exp": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range",
                                            gamma=0.95),
    "SequentialLR": lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.2, total_iters=5),
                                                    m.ExponentialLR(o, gamma=0.9)], milestones=[6]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=4),
                                                         m.ExponentialLR(o, gamma=0.9)]),
}


@needs_torch
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    _compare(CASES[name], momentum=0.9)


@needs_torch
def test_one_cycle_cycles_adam_betas():
    _compare(lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=30), steps=30, opt_name="Adam", lr=0.01)


@needs_torch
@pytest.mark.parametrize("kw", [dict(), dict(mode="max", factor=0.5, patience=2, cooldown=1, threshold_mode="abs"),
                                dict(patience=0, min_lr=[0.05, 0.02])])
def test_reduce_on_plateau(kw):
    metric = (lambda i: 1.0 / (1 + i) if i < 10 else 0.1) if kw.get("mode") != "max" else (lambda i: min(i, 8) * 0.1)
    _compare(lambda m, o: m.ReduceLROnPlateau(o, **kw), metric=metric)


def test_state_dict_round_trip():
    p = ember.zeros(2, requires_grad=True)
    o = ember.optim.SGD([p], lr=1.0)
    s = ember.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)
    for _ in range(5):
        o.step()
        s.step()
    sd = s.state_dict()
    o2 = ember.optim.SGD([p], lr=1.0)
    s2 = ember.optim.lr_scheduler.StepLR(o2, step_size=3, gamma=0.1)
    s2.load_state_dict(sd)
    assert s2.step_size == 2 and s2.last_epoch == 5 and s2.get_last_lr() == s.get_last_lr()


def test_errors():
    p = ember.zeros(2, requires_grad=True)
    o = ember.optim.SGD([p], lr=1.0)
    with pytest.raises(TypeError):
        ember.optim.lr_scheduler.StepLR(object(), 2)
    with pytest.raises(ValueError):
        ember.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0)
    s = ember.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=2)
    s.step()
    s.step()
    with pytest.raises(ValueError, match="total steps"):
        s.step()
    with pytest.raises(ValueError):
        ember.optim.lr_scheduler.CyclicLR(ember.optim.Adagrad([p]), 0.1, 1.0)
