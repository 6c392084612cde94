"""ember.linalg: norms and matrix products (filled in by the reduce and matmul families)."""
__all__ = []
