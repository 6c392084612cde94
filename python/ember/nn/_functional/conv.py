"""nn.functional: convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d."""
__all__ = []
