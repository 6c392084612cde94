"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (context managers and
decorators), as in torch.autograd.grad_mode."""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

class _State(threading.local):
    enabled = True       # class defaults: every thread starts with grad on, not in inference mode
    inference = False


_state = _State()


def is_grad_enabled():
    """True when operations on tensors that require grad are recorded."""
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = bool(mode)


def is_inference_mode_enabled():
    return _state.inference


class _DecoratorContextManager:
    """Base for grad-mode managers usable as ``with`` blocks and as function decorators."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper

    _args = ()


class no_grad(_DecoratorContextManager):
    """Disable graph recording inside the block."""

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(False)

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class enable_grad(_DecoratorContextManager):
    """Enable graph recording inside the block (e.g. within no_grad)."""

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(True)

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode on or off; takes effect immediately and is restored on exit of a block."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"[set_grad_enabled] mode must be a bool, got {type(mode).__name__}")
        self._args = (mode,)
        self._prev = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class inference_mode(_DecoratorContextManager):
    """Like no_grad (ember has no separate inference tensors); ``inference_mode(False)`` is a no-op."""

    def __init__(self, mode=True):
        self._args = (mode,)
        self.mode = mode

    def __enter__(self):
        self._prev = is_grad_enabled()
        self._prev_inf = is_inference_mode_enabled()
        if self.mode:
            _set_enabled(False)
            _state.inference = True

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        _state.inference = self._prev_inf
        return False
