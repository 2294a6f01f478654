"""The indicators blueprint and the loaders its views share: each finds a row (404) and checks the
permission (403) before anything else happens."""
from __future__ import annotations

from flask import Blueprint, abort

from najma.permissions import require
from najma.territories.models import Territory
from najma.territories.services import get_by_slug

bp = Blueprint("indicators", __name__)

#: The modules that add routes to ``bp`` (imported once, when the blueprint is registered).
VIEW_MODULES = ("register_views", "entry_views", "chart_views", "evaluation_views")


def load_views() -> Blueprint:
    """Import every indicators view module so its routes are on the blueprint; return it."""
    import importlib

    for name in VIEW_MODULES:
        importlib.import_module(f"najma.indicators.{name}")
    return bp


def territory_or_404(slug: str, action: str) -> Territory:
    """The territory with ``slug`` (404) if the user may ``action`` on it (403)."""
    territory = get_by_slug(slug)
    if territory is None:
        abort(404)
    require(action, territory)
    return territory
