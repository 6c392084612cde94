"""nn.functional: linear, bilinear, dropout family, embedding."""
__all__ = []
