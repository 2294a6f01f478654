"""Indicators views (being written)."""
from najma.indicators.blueprint import bp  # noqa: F401
