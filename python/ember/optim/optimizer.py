"""``Optimizer``: the base class of ember.optim, with torch.optim's param_groups/state layout.

Subclasses implement ``_step_group(group)``: collect the group's parameters that have a gradient
and their state tensors, then make ONE fused C++ call (``ember._C.<name>_step``) that updates all
of them; the only Python loop is over parameters, never over elements.
"""
import collections
import copy

from .. import _C
from .._tensor import Tensor
from ..autograd import grad_mode

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class _Handle:
    _next = 0

    def __init__(self, store, hook):
        _Handle._next += 1
        self.id = _Handle._next
        self._store = store
        store[self.id] = hook

    def remove(self):
        self._store.pop(self.id, None)


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params + hyperparameters) and per-parameter ``state``."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        self._step_pre_hooks = collections.OrderedDict()
        self._step_post_hooks = collections.OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("[optimizer] params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {type(params).__name__}")
        if isinstance(params, dict):
            params = [params]
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("[optimizer] optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for g in param_groups:
            self.add_param_group(g)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}"
            for k in sorted(group):
                if k != "params":
                    s += f"\n    {k}: {group[k]}"
        return s + "\n)"

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``params`` and optional hyperparameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"[optimizer] param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("[optimizer] optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"[optimizer] optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("[optimizer] can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"[optimizer] parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        ids = {id(p) for p in param_group["params"]}
        if len(ids) != len(param_group["params"]):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error", stacklevel=3)
        for g in self.param_groups:
            if ids & {id(p) for p in g["params"]}:
                raise ValueError("[optimizer] some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters (to None by default)."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if p.grad.grad_fn is not None:
                            p.grad = p.grad.detach()
                        p.grad.requires_grad = False
                        p.grad.zero_()

    # ---- state_dict ------------------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` as torch.optim."""
        index = {}
        groups = []
        start = 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            for i, p in enumerate(g["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in g["params"]]
            start += len(g["params"])
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state produced by ``state_dict`` (also one saved by PyTorch, converted to ember tensors)."""
        state_dict = dict(state_dict)
        groups = self.param_groups
        saved_groups = list(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("[optimizer] loaded state dict has a different number of parameter groups")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("[optimizer] loaded state dict contains a parameter group that doesn't match the "
                                 "size of optimizer's group")
        id_map = {}
        for g, sg in zip(groups, saved_groups):
            for i, p in zip(sg["params"], g["params"]):
                id_map[i] = p
        new_state = collections.defaultdict(dict)
        for k, v in state_dict["state"].items():
            k = int(k)
            if k not in id_map:
                continue
            p = id_map[k]
            new_state[p] = {name: self._cast_state(p, name, val) for name, val in v.items()}
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = {k: v for k, v in sg.items() if k != "params"}
            ng["params"] = g["params"]
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups

    @staticmethod
    def _cast_state(p, name, value):
        """As torch: floating state takes the parameter's dtype and device; the scalar bookkeeping
        (``step``, NAdam's ``mu_product``) stays on the host, where reading it costs no GPU sync."""
        if isinstance(value, Tensor):
            if name in ("step", "mu_product"):
                return value.detach().cpu().clone()
            if value.is_floating_point():
                return value.detach().to(device=p.device, dtype=p.dtype).contiguous().clone()
            return value.detach().clone()
        return copy.deepcopy(value)

    # ---- hooks -----------------------------------------------------------------------------
    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each step; returns a handle with ``remove()``."""
        return _Handle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each step; returns a handle with ``remove()``."""
        return _Handle(self._step_post_hooks, hook)

    # ---- step ------------------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        for h in list(self._step_pre_hooks.values()):
            h(self, (), {})
        with grad_mode.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        for h in list(self._step_post_hooks.values()):
            h(self, (), {})
        return loss

    def _step_group(self, group):
        raise NotImplementedError(f"[{self.__class__.__name__}] _step_group is not implemented")

    # ---- helpers for subclasses -------------------------------------------------------------
    def _params_with_grad(self, group, name):
        """(params, grads) of the group's parameters that have a gradient, as contiguous C++ tensors."""
        ps, gs = [], []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if g.dtype is not p.dtype or tuple(g.shape) != tuple(p.shape):
                raise RuntimeError(f"[{name}] gradient of shape {tuple(g.shape)} / {g.dtype._name} does not match "
                                   f"its parameter of shape {tuple(p.shape)} / {p.dtype._name}")
            if not p._t.is_contiguous():
                raise RuntimeError(f"[{name}] parameters must be contiguous")
            ps.append(p)
            gs.append(g._t if g._t.is_contiguous() else _C.contiguous(g._t))
        return ps, gs

    def _state_tensor(self, p, key, init=0.0):
        """The state tensor ``key`` of ``p`` (created zero-filled, or filled with ``init``, on first use)."""
        st = self.state[p]
        t = st.get(key)
        if t is None:
            from .._ops.creation import full_like
            t = full_like(p, init).contiguous() if init else p.detach().new_zeros(p.shape)
            st[key] = t
        return t

    def _next_step(self, p):
        """Increment and return the step count (kept as a float32 tensor, as torch.optim does)."""
        st = self.state[p]
        s = st.get("step")
        if s is None:
            from .._ops.creation import tensor
            s = st["step"] = tensor(0.0)
        s.add_(1)
        return s.item()


def _check_range(opt, name, value, lo=0.0, op=">="):
    """PyTorch's hyperparameter check, raised in the name of the optimizer ``opt``."""
    if (op == ">=" and not value >= lo) or (op == ">" and not value > lo):
        raise ValueError(f"[{type(opt).__name__}] Invalid {name}: {value}")
