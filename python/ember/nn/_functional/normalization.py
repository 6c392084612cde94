"""nn.functional: batch_norm, layer_norm, rms_norm, group_norm, instance_norm, local_response_norm."""
__all__ = []
