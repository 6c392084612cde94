"""The Adam family (torch.optim.Adam, AdamW, Adamax, NAdam, RAdam): the per-step scalar coefficients
are computed here in Python floats exactly as PyTorch computes them; the element math is one fused
C++ call per parameter group."""
import math

from .. import _C
from .optimizer import Optimizer, _check_range

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _check_betas(opt, lr, betas, eps, weight_decay):
    _check_range(opt, "learning rate", lr)
    _check_range(opt, "epsilon value", eps)
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"[{type(opt).__name__}] Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"[{type(opt).__name__}] Invalid beta parameter at index 1: {betas[1]}")
    _check_range(opt, "weight_decay value", weight_decay)


class Adam(Optimizer):
    """Adam (``amsgrad``, ``maximize``; ``decoupled_weight_decay=True`` is AdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_betas(self, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "adam")
        if not ps:
            return
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        amsgrad = group["amsgrad"]
        m, v, vmax, step_size, bc2_sqrt = [], [], [], [], []
        for p in ps:
            step = self._next_step(p)
            m.append(self._state_tensor(p, "exp_avg")._t)
            v.append(self._state_tensor(p, "exp_avg_sq")._t)
            if amsgrad:
                vmax.append(self._state_tensor(p, "max_exp_avg_sq")._t)
            step_size.append(lr / (1 - beta1 ** step))
            bc2_sqrt.append((1 - beta2 ** step) ** 0.5)
        _C.adam_step([p._t for p in ps], gs, m, v, vmax, step_size, bc2_sqrt, lr, float(beta1), float(beta2),
                     float(group["eps"]), float(group["weight_decay"]), bool(group["decoupled_weight_decay"]),
                     bool(amsgrad), bool(group["maximize"]))


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_betas(self, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "adamax")
        if not ps:
            return
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        m, u, clr = [], [], []
        for p in ps:
            step = self._next_step(p)
            m.append(self._state_tensor(p, "exp_avg")._t)
            u.append(self._state_tensor(p, "exp_inf")._t)
            clr.append(lr / (1 - beta1 ** step))
        _C.adamax_step([p._t for p in ps], gs, m, u, clr, float(beta1), float(beta2), float(group["eps"]),
                       float(group["weight_decay"]), bool(group["maximize"]))


class NAdam(Optimizer):
    """Adam with Nesterov momentum and the momentum-decay schedule of Dozat (2016)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_betas(self, lr, betas, eps, weight_decay)
        _check_range(self, "momentum_decay", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize, capturable=capturable,
                                      differentiable=differentiable))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "nadam")
        if not ps:
            return
        beta1, beta2 = group["betas"]
        lr, md = float(group["lr"]), group["momentum_decay"]
        m, v, bc2, c_grad, c_avg = [], [], [], [], []
        for p in ps:
            step = self._next_step(p)
            st = self.state[p]
            if "mu_product" not in st:
                from .._ops.creation import tensor
                st["mu_product"] = tensor(1.0)
            m.append(self._state_tensor(p, "exp_avg")._t)
            v.append(self._state_tensor(p, "exp_avg_sq")._t)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
            st["mu_product"].mul_(mu)  # a float32 tensor, rounded like PyTorch's state
            mu_product = st["mu_product"].item()
            bc2.append(1 - beta2 ** step)
            c_grad.append(-lr * (1.0 - mu) / (1.0 - mu_product))
            c_avg.append((-lr * mu_next) / (1.0 - mu_product * mu_next))
        _C.nadam_step([p._t for p in ps], gs, m, v, bc2, c_grad, c_avg, lr, float(beta1), float(beta2),
                      float(group["eps"]), float(group["weight_decay"]), bool(group["decoupled_weight_decay"]),
                      bool(group["maximize"]))


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2019)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_betas(self, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, foreach=foreach,
                                      maximize=maximize, capturable=capturable, differentiable=differentiable))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "radam")
        if not ps:
            return
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        m, v, bc1, bc2s, rect, rectified = [], [], [], [], [], []
        rho_inf = 2 / (1 - beta2) - 1
        for p in ps:
            step = self._next_step(p)
            m.append(self._state_tensor(p, "exp_avg")._t)
            v.append(self._state_tensor(p, "exp_avg_sq")._t)
            b1, b2 = 1 - beta1 ** step, 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * (beta2 ** step) / b2
            bc1.append(b1)
            bc2s.append(b2 ** 0.5)
            ok = rho_t > 5.0
            rectified.append(ok)
            rect.append(math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                        if ok else 1.0)
        _C.radam_step([p._t for p in ps], gs, m, v, bc1, bc2s, rect, rectified, lr, float(beta1), float(beta2),
                      float(group["eps"]), float(group["weight_decay"]), bool(group["decoupled_weight_decay"]),
                      bool(group["maximize"]))
