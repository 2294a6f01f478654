"""The research blueprint and the loaders its views share: each finds a row (404) and checks
the permission (403) before anything else happens."""
from __future__ import annotations

from flask import Blueprint, abort

from najma.permissions import require
from najma.territories.models import Territory
from najma.territories.services import get_by_slug

bp = Blueprint("research", __name__)

#: The modules that add routes to ``bp`` (imported once, when the blueprint is registered).
VIEW_MODULES = ("views", "search_views", "attachment_views", "findings_views", "path_views",
                "dossier_views")


def load_views() -> Blueprint:
    """Import every research view module so its routes are on the blueprint; return it."""
    import importlib

    for name in VIEW_MODULES:
        importlib.import_module(f"najma.research.{name}")
    return bp


def territory_or_404(slug: str, action: str = "research.view") -> Territory:
    """The territory with ``slug`` (404) if the user may ``action`` on it (403)."""
    territory = get_by_slug(slug)
    if territory is None:
        abort(404)
    require(action, territory)
    return territory


def note_or_404(note_id: int, action: str = "note.view"):
    """The note (404, also when deleted and not recoverable by this user) if allowed (403)."""
    from flask_login import current_user

    from najma.permissions import can
    from najma.research.services import load_note

    note = load_note(note_id)
    if note is None:
        abort(404)
    if note.deleted_at is not None and not can(current_user, "note.view", note):
        abort(404)  # a deleted note does not exist for those who cannot recover it
    require(action, note)
    return note
