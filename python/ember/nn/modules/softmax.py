"""nn modules: softmax."""
__all__ = []
