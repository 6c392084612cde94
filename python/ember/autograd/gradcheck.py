"""Finite-difference gradient checks (float64), as torch.autograd.gradcheck / gradgradcheck."""
import numpy as np

from .._tensor import Tensor
from . import engine

__all__ = ["gradcheck", "gradgradcheck"]


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _numerical_jacobian(fn, inputs, k, eps):
    """d(outputs)/d(inputs[k]) by central differences: rows are input elements, columns outputs."""
    x = inputs[k]
    base = x.detach().clone()

    def at(j, delta):
        p = base.clone()
        flat = p.reshape(-1)
        flat[j] = flat[j].item() + delta
        p.requires_grad_(x.requires_grad)
        outs = _as_tuple(fn(*[p if i == k else t for i, t in enumerate(inputs)]))
        return [o.detach().clone() for o in outs]

    cols = []
    for j in range(base.numel()):
        plus, minus = at(j, eps), at(j, -eps)
        cols.append(np.concatenate([((pl - mi) / (2 * eps)).numpy().reshape(-1) for pl, mi in zip(plus, minus)]))
    return np.stack(cols, axis=0) if cols else np.zeros((0, 0))


def _analytical_jacobian(fn, inputs, diff_idx):
    outs = _as_tuple(fn(*inputs))
    n_out = sum(o.numel() for o in outs)
    jac = {k: np.zeros((inputs[k].numel(), n_out)) for k in diff_idx}
    col = 0
    from .._ops.creation import zeros_like
    for oi, o in enumerate(outs):
        for j in range(o.numel()):
            gos = [zeros_like(x) for x in outs]
            gos[oi].reshape(-1)[j] = 1.0
            grads = engine.grad([x for x in outs if x.requires_grad], [inputs[k] for k in diff_idx],
                                [g for x, g in zip(outs, gos) if x.requires_grad], retain_graph=True,
                                allow_unused=True)
            for k, g in zip(diff_idx, grads):
                if g is not None:
                    jac[k][:, col] = g.numpy().reshape(-1)
            col += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **kwargs):
    """Compare analytical gradients of ``func`` with central finite differences (use float64 inputs)."""
    inputs = _as_tuple(inputs)
    diff_idx = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for k in diff_idx:
        if inputs[k].dtype._name != "float64":
            import warnings
            warnings.warn("[gradcheck] inputs should be float64 for reliable finite differences")
    analytical = _analytical_jacobian(func, inputs, diff_idx)
    for k in diff_idx:
        numerical = _numerical_jacobian(func, inputs, k, eps)
        a = analytical[k]
        if not np.allclose(a, numerical, rtol=rtol, atol=atol):
            if raise_exception:
                raise RuntimeError(f"[gradcheck] Jacobian mismatch for output 0 with respect to input {k},\n"
                                   f"numerical:{numerical}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **kwargs):
    """gradcheck of the first derivative (checks double backward through create_graph=True)."""
    inputs = _as_tuple(inputs)
    diff_idx = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        from .._ops.random import randn_like
        grad_outputs = tuple(randn_like(o, dtype=o.dtype) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)

    def first(*xs):
        o = _as_tuple(func(*xs))
        gs = engine.grad(list(o), [xs[k] for k in diff_idx], list(grad_outputs), create_graph=True,
                         allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
