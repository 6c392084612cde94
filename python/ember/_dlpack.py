"""DLPack exchange: ``Tensor.__dlpack__``, ``Tensor.__dlpack_device__`` and ``ember.from_dlpack``.

Zero-copy in both directions with numpy (``np.from_dlpack``) and PyTorch (``torch.from_dlpack``).
"""
from . import _C
from ._tensor import Tensor, _register_method, _wrap

__all__ = ["from_dlpack"]


@_register_method("__dlpack__")
def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor as a DLPack capsule sharing its memory."""
    if self._t.device != "cpu":  # the consumer may use any stream: let ember's queued work finish
        from . import cuda
        cuda.current_stream(self.device).synchronize()
    if copy:
        return _C.to_dlpack(_C.clone(self._t))
    return _C.to_dlpack(self._t)


@_register_method("__dlpack_device__")
def __dlpack_device__(self):
    """(device_type, device_id) in DLPack's enumeration: (1, 0) for the CPU."""
    return (1, 0) if self.device.type == "cpu" else (2, self.device.index or 0)


def from_dlpack(ext):
    """A tensor sharing memory with any DLPack producer (numpy array, torch tensor, capsule)."""
    if isinstance(ext, Tensor):
        return ext
    if hasattr(ext, "__dlpack__"):
        cap = ext.__dlpack__()
    else:
        cap = ext
    if type(cap).__name__ != "PyCapsule":
        raise TypeError(f"[from_dlpack] expected an object with __dlpack__ or a DLPack capsule, got {type(ext).__name__}")
    return _wrap(_C.from_dlpack_capsule(cap))
