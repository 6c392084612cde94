"""Random number generation: ``Generator``, seeding, and the random ops (rand, randn, randint,
randperm, bernoulli, multinomial, normal, *_like, and the in-place Tensor fills).

Numbers come from a counter-based Philox4x32-10 stream (``csrc/ember/ops/random/philox.h``):
element ``i`` of a request is a pure function of the generator's (seed, offset) and ``i``, so
results never depend on the thread count. Each request advances the offset by its element count.
"""
import builtins
import numbers

import numpy as np

from .. import _C
from .. import _dtype as _dt
from .._dtype import _to_dtype, get_default_dtype
from .._tensor import Tensor, _register_method, _shape_arg, _wrap
from .creation import _check_device, _finish

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "rand", "randn", "randint", "randperm", "bernoulli", "multinomial", "normal",
           "rand_like", "randn_like", "randint_like"]

_U64 = 1 << 64


def _seed_arg(s, op):
    if isinstance(s, builtins.bool) or not isinstance(s, (numbers.Integral, np.integer)):
        raise TypeError(f"[{op}] manual_seed expected a long, but got {type(s).__name__}")
    s = int(s)
    if not -(1 << 63) <= s < _U64:
        raise ValueError(f"[{op}] Overflow when unpacking long long: seed {s} is outside [-2**63, 2**64)")
    return s % _U64


class Generator:
    """A random number generator: a Philox stream position (seed, offset).

    ``Generator(device='cpu')``; pass it as ``generator=`` to any random op.
    """

    def __init__(self, device="cpu"):
        self._device = _check_device(device)
        self._g = _C.Generator()

    @classmethod
    def _from_c(cls, g):
        obj = cls.__new__(cls)
        obj._device = _check_device("cpu")
        obj._g = g
        return obj

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Seed the generator (resets its offset to 0); returns the generator."""
        self._g.manual_seed(_seed_arg(seed, "manual_seed"))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the new seed."""
        return self._g.seed()

    def initial_seed(self):
        """The seed last set by ``manual_seed``/``seed``/``set_state``."""
        return self._g.initial_seed()

    def get_state(self):
        """The state as a 16-element uint8 tensor: seed and offset, little-endian uint64 each."""
        from .creation import tensor
        return tensor(np.array(self._g.get_state(), dtype=np.uint8), dtype=_dt.uint8)

    def set_state(self, new_state):
        """Restore a state returned by ``get_state``; returns the generator."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"[set_state] expected a ember.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dt.uint8:
            raise TypeError(f"[set_state] expected a ember.ByteTensor (uint8), but got {new_state.dtype}")
        self._g.set_state([int(x) for x in new_state.__array__().reshape(-1)])
        return self

    def get_offset(self):
        return self._g.offset()

    def set_offset(self, offset):
        self._g.set_offset(int(offset))
        return self

    def __repr__(self):
        return f"<ember.Generator object (device={self._device.type!r})>"


default_generator = Generator._from_c(_C.default_generator())
_DEFAULT_C = default_generator._g


def manual_seed(seed):
    """Seed the default generator; returns it. Accepts any integer-valued number."""
    s = _seed_arg(int(seed), "manual_seed")
    _C.cuda_manual_seed_all(s)  # as torch.manual_seed: every CUDA device too
    return default_generator.manual_seed(s)


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The initial seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


# ---- helpers ------------------------------------------------------------------------------------
def _gen(generator, op):
    if generator is None:
        return _DEFAULT_C  # passing None through pybind11 costs microseconds; the object is free
    if not isinstance(generator, Generator):
        raise TypeError(f"[{op}] generator must be an ember.Generator, got {type(generator).__name__}")
    return generator._g


def _size(args, size, op):
    if size is None and builtins.all(type(a) is int for a in args):
        return list(args)  # fast path: plain ints
    if size is not None:
        if args:
            raise TypeError(f"[{op}] got both positional sizes and size=")
        args = (size,)
    return _shape_arg(args, op)


def _store(result, out, op):
    """Write ``result`` into ``out`` (resizing an empty or same-numel out as PyTorch does)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] out must be a Tensor, got {type(out).__name__}")
    if tuple(out.shape) == tuple(result.shape):
        out._t.bump_version()
        _C.copy_(out._t, result._t)
    else:
        out._t.set_(_C.to_dtype(result._t, out.dtype._code, False))
    return out


def _new(shape, dtype, device, op):
    if device is None:
        return _wrap(_C.empty(shape, dtype._code, "cpu"))
    d = _check_device(device)
    return _wrap(_C.empty(shape, dtype._code, str(d)))


def _cuda_index(d):
    """-1 for the CPU, else the CUDA device index of ``d`` (the current device when unset)."""
    if d.type == "cpu":
        return -1
    if d.index is not None:
        return d.index
    from .. import cuda
    return cuda.current_device()


def _float_dtype(dtype, op):
    dt = get_default_dtype() if dtype is None else _to_dtype(dtype)
    return dt


# ---- factories ------------------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    """Uniform samples from [0, 1) of the given shape (``rand(2, 3)`` or ``rand((2, 3))``)."""
    shape = _size(size, kw.pop("size", None), "rand")
    _no_extra(kw, "rand")
    dt = out.dtype if (out is not None and dtype is None) else _float_dtype(dtype, "rand")
    t = _new(shape, dt, device, "rand")
    _C.uniform_(t._t, 0.0, 1.0, _gen(generator, "rand"))
    return _finish(_store(t, out, "rand"), requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    """Standard normal samples of the given shape."""
    shape = _size(size, kw.pop("size", None), "randn")
    _no_extra(kw, "randn")
    dt = out.dtype if (out is not None and dtype is None) else _float_dtype(dtype, "randn")
    t = _new(shape, dt, device, "randn")
    _C.normal_(t._t, 0.0, 1.0, _gen(generator, "randn"))
    return _finish(_store(t, out, "randn"), requires_grad)


def _no_extra(kw, op):
    if kw:
        raise TypeError(f"[{op}] got unexpected keyword arguments {sorted(kw)}")


def _int_arg(x, name, op):
    if type(x) is int:
        return x
    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, builtins.bool) or not isinstance(x, (numbers.Integral, np.integer)):
        if isinstance(x, float) and x.is_integer():
            return int(x)
        raise TypeError(f"[{op}] argument '{name}' must be int, not {type(x).__name__}")
    return int(x)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("[randint] missing required argument 'size'")
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError("[randint] missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError("[randint] too many positional arguments")
    shape = _shape_arg((size,), "randint")
    dt = _dt.int64 if dtype is None else _to_dtype(dtype)
    if dtype is None and out is not None:
        dt = out.dtype
    lo, hi = _int_arg(low, "low", "randint"), _int_arg(high, "high", "randint")
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[randint] Only Tensors of floating point dtype can require gradients")
    t = _new(shape, dt, device, "randint")
    _C.random_(t._t, lo, hi, _gen(generator, "randint"))
    return _finish(_store(t, out, "randint"), requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise)."""
    n = _int_arg(n, "n", "randperm")
    if n < 0:
        raise RuntimeError(f"[randperm] n must be non-negative, got {n}")
    dt = _dt.int64 if dtype is None else _to_dtype(dtype)
    if dtype is None and out is not None:
        dt = out.dtype
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError("[randperm] Only Tensors of floating point dtype can require gradients")
    d = _check_device(device)
    # the shuffle runs on the host with the device's generator, then moves (one copy)
    t = _wrap(_C.randperm(n, dt._code, _gen(generator, "randperm"), _cuda_index(d)))
    if d.type != "cpu":
        t = _wrap(_C.to_device(t._t, str(d), False, False))
    return _finish(_store(t, out, "randperm"), requires_grad)


def _like(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as input, got {type(input).__name__}")


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    """Uniform [0, 1) samples shaped like ``input``."""
    _like(input, "rand_like")
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    """Standard normal samples shaped like ``input``."""
    _like(input, "randn_like")
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    """Integers in [low, high) shaped like ``input``: ``randint_like(x, high)`` or ``(x, low, high)``."""
    _like(input, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                   requires_grad=requires_grad, generator=generator)


def bernoulli(input, p=None, *, generator=None, out=None):
    """Samples 0/1 with probabilities ``input`` (or a fixed ``p``), same shape and dtype as ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"[bernoulli] expected a Tensor as input, got {type(input).__name__}")
    g = _gen(generator, "bernoulli")
    if p is None:
        t = _wrap(_C.bernoulli(input._t, g))
    else:
        t = _wrap(_C.empty(list(input.shape), input.dtype._code, str(input.device)))
        if isinstance(p, Tensor):
            _C.bernoulli_tensor_(t._t, p._t, g)
        else:
            _C.bernoulli_scalar_(t._t, float(p), g)
    return _store(t, out, "bernoulli")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices sampled from the rows of ``input`` (non-negative weights, 1-D or 2-D)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"[multinomial] expected a Tensor as input, got {type(input).__name__}")
    k = _int_arg(num_samples, "num_samples", "multinomial")
    t = _wrap(_C.multinomial(input._t, k, builtins.bool(replacement), _gen(generator, "multinomial")))
    return _store(t, out, "multinomial")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Normal samples: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)`` or ``normal(mean, std, size)``."""
    g = _gen(generator, "normal")
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if mt or st:
        if size is not None:
            raise TypeError("[normal] size is only accepted with a number mean and std")
        for v, name in ((mean, "mean"), (std, "std")):
            if not isinstance(v, (Tensor, numbers.Real)) or isinstance(v, builtins.bool):
                raise TypeError(f"[normal] {name} must be a Tensor or a number, got {type(v).__name__}")
        t = _wrap(_C.normal_tensor(mean._t if mt else None, std._t if st else None,
                                   0.0 if mt else float(mean), 1.0 if st else float(std), g, None))
        return _finish(_store(t, out, "normal"), requires_grad)
    if size is None:
        raise TypeError("[normal] received an invalid combination of arguments: number mean and std need a size")
    for v, name in ((mean, "mean"), (std, "std")):
        if not isinstance(v, numbers.Real) or isinstance(v, builtins.bool):
            raise TypeError(f"[normal] {name} must be a Tensor or a number, got {type(v).__name__}")
    shape = _shape_arg((size,), "normal")
    dt = out.dtype if (out is not None and dtype is None) else _float_dtype(dtype, "normal")
    if std < 0:
        raise RuntimeError(f"[normal] normal expects std >= 0.0, but found std {std}")
    t = _new(shape, dt, device, "normal")
    _C.normal_(t._t, float(mean), float(std), g)
    return _finish(_store(t, out, "normal"), requires_grad)


# ---- Tensor methods -------------------------------------------------------------------------------
def _num(x, name, op):
    if type(x) is float or type(x) is int:
        return float(x)
    if isinstance(x, Tensor):
        x = x.item()
    if not isinstance(x, numbers.Real):
        raise TypeError(f"[{op}] argument '{name}' must be a number, not {type(x).__name__}")
    return float(x)


@_register_method("uniform_")
def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """Fill with samples from U[from, to) (``uniform_(from=0, to=1)``)."""
    a = kw.pop("from", a)
    b = kw.pop("to", b)
    _no_extra(kw, "uniform_")
    _C.uniform_(self._t, _num(a, "from", "uniform_"), _num(b, "to", "uniform_"), _gen(generator, "uniform_"))
    return self


@_register_method("normal_")
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std**2)."""
    _C.normal_(self._t, _num(mean, "mean", "normal_"), _num(std, "std", "normal_"), _gen(generator, "normal_"))
    return self


_MISSING = object()


@_register_method("random_")
def random_(self, a=None, b=_MISSING, *, generator=None, **kw):
    """Fill with integers: ``random_()`` (the dtype's range), ``random_(to)`` ([0, to)),
    ``random_(from, to)`` ([from, to); ``to=None`` means up to the dtype's largest integer)."""
    if "from" in kw:
        a = kw.pop("from")
    if "to" in kw:
        b = kw.pop("to")
    _no_extra(kw, "random_")
    g = _gen(generator, "random_")
    if a is None and b is _MISSING:
        _C.random_(self._t, None, None, g)
    elif b is _MISSING:
        _C.random_(self._t, 0, _int_arg(a, "to", "random_"), g)  # random_(to)
    else:
        lo = 0 if a is None else _int_arg(a, "from", "random_")
        _C.random_(self._t, lo, None if b is None else _int_arg(b, "to", "random_"), g)
    return self


@_register_method("exponential_")
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from Exponential(lambd)."""
    _C.exponential_(self._t, _num(lambd, "lambd", "exponential_"), _gen(generator, "exponential_"))
    return self


@_register_method("geometric_")
def geometric_(self, p, *, generator=None):
    """Fill with samples from Geometric(p) on {1, 2, ...}."""
    _C.geometric_(self._t, _num(p, "p", "geometric_"), _gen(generator, "geometric_"))
    return self


@_register_method("cauchy_")
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from Cauchy(median, sigma)."""
    _C.cauchy_(self._t, _num(median, "median", "cauchy_"), _num(sigma, "sigma", "cauchy_"), _gen(generator, "cauchy_"))
    return self


@_register_method("log_normal_")
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std**2)) samples."""
    _C.log_normal_(self._t, _num(mean, "mean", "log_normal_"), _num(std, "std", "log_normal_"),
                   _gen(generator, "log_normal_"))
    return self


@_register_method("bernoulli_")
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples, 1 with probability ``p`` (a number or a broadcastable tensor)."""
    g = _gen(generator, "bernoulli_")
    if isinstance(p, Tensor):
        _C.bernoulli_tensor_(self._t, p._t, g)
    else:
        _C.bernoulli_scalar_(self._t, _num(p, "p", "bernoulli_"), g)
    return self


@_register_method("bernoulli")
def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


@_register_method("multinomial")
def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)
