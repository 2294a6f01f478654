"""Rollout views (being written)."""
from najma.rollout.blueprint import bp  # noqa: F401
