"""ember.nn.functional: pad and one_hot (more arrive with the nn issues)."""
__all__ = []
