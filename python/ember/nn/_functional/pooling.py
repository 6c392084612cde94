"""nn.functional: pooling, interpolate/upsampling, pixel_shuffle, fold/unfold, channel_shuffle."""
__all__ = []
