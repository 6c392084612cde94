"""nn.functional: losses (the fused cross-entropy/nll/bce live in softmax.py)."""
__all__ = []
