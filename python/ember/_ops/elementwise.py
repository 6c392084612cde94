"""elementwise ops (filled in by the elementwise family)."""
from .. import _C  # noqa: F401
from .._tensor import Tensor, _register_method, _wrap  # noqa: F401

__all__ = []
