"""``ember.cuda``: the CUDA device runtime (the kernels arrive with the CUDA backend issue)."""
from . import _C

__all__ = ["is_available", "device_count"]


def is_available():
    """True when ember was built with CUDA and a GPU is present."""
    return False


def device_count():
    """Number of visible CUDA devices (0 without a CUDA build or GPU)."""
    return 0


def _lazy_check(dev):
    if not _C.has_cuda:
        raise RuntimeError(f"[to] device '{dev}' is not available: this ember build has no CUDA support")
    raise RuntimeError(f"[to] device '{dev}' is not available: no CUDA GPU was found")
