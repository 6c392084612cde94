"""Runnable examples: ``python -m ember.examples.demo``."""
