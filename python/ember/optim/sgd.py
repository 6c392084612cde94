"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch.optim.SGD)."""
from .. import _C
from .optimizer import Optimizer, _check_range

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent; the momentum buffer starts as the first gradient, as PyTorch."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_range(self, "learning rate", lr)
        _check_range(self, "momentum value", momentum)
        _check_range(self, "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("[SGD] Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _step_group(self, group):
        ps, gs = self._params_with_grad(group, "sgd")
        if not ps:
            return
        momentum = group["momentum"]
        bufs, first = [], []
        if momentum != 0:
            for p in ps:
                st = self.state[p]
                b = st.get("momentum_buffer")
                first.append(b is None)
                if b is None:
                    b = st["momentum_buffer"] = p.detach().new_zeros(p.shape)
                bufs.append(b._t)
        _C.sgd_step([p._t for p in ps], gs, bufs, first, float(group["lr"]), float(momentum),
                    float(group["dampening"]), float(group["weight_decay"]), bool(group["nesterov"]),
                    bool(group["maximize"]))
