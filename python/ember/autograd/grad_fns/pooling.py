"""Grad implementations: pooling (see ``grad_fns/__init__``)."""
from .._dispatch import register  # noqa: F401
from ..function import Function  # noqa: F401
