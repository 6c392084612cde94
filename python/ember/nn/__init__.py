"""ember.nn (modules arrive with the autograd/nn issue; functional ops live in ember.nn.functional)."""
from . import functional  # noqa: F401
