"""Per-coordinate adaptive methods: RMSprop, Adagrad, Adadelta (as torch.optim), one fused C++ call
per parameter group."""
from .. import _C
from .optimizer import Optimizer, _check_range

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop (``centered`` normalizes by the variance estimate; optional momentum)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_range(self, "learning rate", lr)
        _check_range(self, "epsilon value", eps)
        _check_range(self, "momentum value", momentum)
        _check_range(self, "weight_decay value", weight_decay)
        _check_range(self, "alpha value", alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "rmsprop")
        if not ps:
            return
        sq, ga, bufs = [], [], []
        for p in ps:
            self._next_step(p)
            sq.append(self._state_tensor(p, "square_avg")._t)
            if group["momentum"] > 0:
                bufs.append(self._state_tensor(p, "momentum_buffer")._t)
            if group["centered"]:
                ga.append(self._state_tensor(p, "grad_avg")._t)
        _C.rmsprop_step([p._t for p in ps], gs, sq, ga, bufs, float(group["lr"]), float(group["alpha"]),
                        float(group["eps"]), float(group["weight_decay"]), float(group["momentum"]),
                        bool(group["centered"]), bool(group["maximize"]))


class Adagrad(Optimizer):
    """Adagrad with learning-rate decay and an initial accumulator value."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_range(self, "learning rate", lr)
        _check_range(self, "lr_decay value", lr_decay)
        _check_range(self, "weight_decay value", weight_decay)
        _check_range(self, "initial_accumulator_value value", initial_accumulator_value)
        _check_range(self, "epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # PyTorch creates the state eagerly
            for p in group["params"]:
                st = self.state[p]
                from .._ops.creation import full_like, tensor
                st["step"] = tensor(0.0)
                st["sum"] = full_like(p.detach(), group["initial_accumulator_value"]).contiguous()

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "adagrad")
        if not ps:
            return
        sums, clr = [], []
        lr, decay = float(group["lr"]), group["lr_decay"]
        for p in ps:
            step = self._next_step(p)
            sums.append(self._state_tensor(p, "sum")._t)
            clr.append(lr / (1 + (step - 1) * decay))
        _C.adagrad_step([p._t for p in ps], gs, sums, clr, float(group["weight_decay"]), float(group["eps"]),
                        bool(group["maximize"]))


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_range(self, "learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"[Adadelta] Invalid rho value: {rho}")
        _check_range(self, "epsilon value", eps)
        _check_range(self, "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      capturable=capturable, maximize=maximize, differentiable=differentiable))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "adadelta")
        if not ps:
            return
        sq, acc = [], []
        for p in ps:
            self._next_step(p)
            sq.append(self._state_tensor(p, "square_avg")._t)
            acc.append(self._state_tensor(p, "acc_delta")._t)
        _C.adadelta_step([p._t for p in ps], gs, sq, acc, float(group["lr"]), float(group["rho"]),
                         float(group["eps"]), float(group["weight_decay"]), bool(group["maximize"]))
