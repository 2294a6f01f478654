"""Project views (being written)."""
from najma.projects.blueprint import bp  # noqa: F401
