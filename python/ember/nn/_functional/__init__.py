"""Implementation files of ``ember.nn.functional`` (one per group of ops)."""
