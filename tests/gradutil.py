"""One-line gradient tests: ``grad_case(lambda m, x, y: m.add(x, y), x, y)``.

``f(m, *args)`` is called with ``m = ember`` and, when PyTorch is installed, ``m = torch`` on the
same values. Floating ember tensors among ``args`` become float64 leaves that require grad
(wrap one in ``const(t)`` to keep it out of differentiation); other arguments pass unchanged.
The check runs finite-difference ``gradcheck`` (and ``gradgradcheck`` with ``gradgrad=True``),
then compares the forward values and the gradients for a random upstream gradient with PyTorch.
"""
import numpy as np

import ember
from ember.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:
    torch = None


class const:
    """Marks a floating tensor argument that must not require grad."""

    def __init__(self, t):
        self.t = t


def _prepare(args):
    e_args, diff = [], []
    for a in args:
        if isinstance(a, const):
            e_args.append(a.t.detach().double() if a.t.is_floating_point() else a.t)
            diff.append(False)
        elif isinstance(a, ember.Tensor) and a.is_floating_point():
            e_args.append(a.detach().double().clone().requires_grad_())
            diff.append(True)
        else:
            e_args.append(a)
            diff.append(False)
    return e_args, diff


def _to_torch(a, diff):
    if isinstance(a, ember.Tensor):
        t = torch.from_numpy(a.detach().numpy().copy())
        return t.requires_grad_() if diff else t
    if isinstance(a, (list, tuple)) and any(isinstance(x, ember.Tensor) for x in a):
        return type(a)(_to_torch(x, False) for x in a)
    return a


def _outs(o):
    o = o if isinstance(o, (tuple, list)) else (o,)
    return [x for x in o if isinstance(x, (ember.Tensor,)) or (torch is not None and isinstance(x, torch.Tensor))]


def _np(x):
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    return x.detach().numpy()


def grad_case(f, *args, gradgrad=False, torch_f=None, atol=1e-5, rtol=1e-3, check_torch=True, seed=0):
    """Check ember's gradients of ``f`` by finite differences and against PyTorch. Returns the
    ember output (for extra assertions)."""
    e_args, diff = _prepare(args)
    idx = [i for i, d in enumerate(diff) if d]
    assert idx, "grad_case needs at least one floating tensor argument"

    def fe(*xs):
        full = list(e_args)
        for i, x in zip(idx, xs):
            full[i] = x
        out = f(ember, *full)
        outs = [o for o in _outs(out) if o.is_floating_point()]
        return tuple(outs) if len(outs) != 1 else outs[0]

    diff_inputs = tuple(e_args[i] for i in idx)
    assert gradcheck(fe, diff_inputs, atol=atol, rtol=rtol)
    if gradgrad:
        assert gradgradcheck(fe, diff_inputs, atol=atol, rtol=rtol)
    out_e = f(ember, *e_args)
    if torch is None or not check_torch:
        return out_e
    t_args = [_to_torch(a, d) for a, d in zip(e_args, diff)]
    out_t = (torch_f or f)(torch, *t_args)
    oe, ot = _outs(out_e), _outs(out_t)
    assert len(oe) == len(ot), (len(oe), len(ot))
    rng = np.random.default_rng(seed)
    ge, gt = [], []
    for a, b in zip(oe, ot):
        assert tuple(a.shape) == tuple(b.shape), (tuple(a.shape), tuple(b.shape))
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-7, atol=1e-9, equal_nan=True)
        if a.is_floating_point() and a.requires_grad and b.requires_grad:
            g = rng.standard_normal(tuple(a.shape))
            ge.append((a, ember.tensor(g)))
            gt.append((b, torch.from_numpy(g)))
    if not ge:
        return out_e
    gr_e = ember.autograd.grad([a for a, _ in ge], [e_args[i] for i in idx], [g for _, g in ge], allow_unused=True)
    gr_t = torch.autograd.grad([a for a, _ in gt], [t_args[i] for i in idx], [g for _, g in gt], allow_unused=True)
    for k, (a, b) in enumerate(zip(gr_e, gr_t)):
        if b is None:
            assert a is None or not np.any(_np(a)), f"input {k}: torch gives no gradient, ember a nonzero one"
            continue
        assert a is not None, f"input {k}: ember gives no gradient, torch does"
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-7, atol=1e-9, err_msg=f"gradient of input {k}")
    return out_e
