"""ember.random: seeding and Generator objects (filled in by the random family)."""
__all__ = []
