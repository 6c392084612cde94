"""ember.backends: switches of the compute backends, as ``torch.backends`` (``ember.backends.cuda``)."""
from . import cuda  # noqa: F401

__all__ = ["cuda"]
