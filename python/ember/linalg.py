"""ember.linalg: norms (reduce family) and matrix products (matmul family)."""
from ._ops import linalg_ops as _lo

__all__ = list(getattr(_lo, "LINALG_EXPORTS", []))
for _n in __all__:
    globals()[_n] = getattr(_lo, _n)

# ---- norms (reduce family) below this line ----
