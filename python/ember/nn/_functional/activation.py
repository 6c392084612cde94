"""nn.functional: activation functions."""
__all__ = []
