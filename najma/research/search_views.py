"""The research search page: one GET form (words and filters), ranked results with highlighted
snippets, counts by type and pagination.

Every signed-in user may open it; what each one finds is bounded by the research they may read
(:func:`najma.permissions.research_scope`, applied by :func:`najma.research.search.search`).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.auth.models import User
from najma.extensions import db
from najma.reference.models import Chantier, TargetGroup
from najma.research import search as engine
from najma.research.blueprint import bp
from najma.vocab import NOTE_KINDS

#: The query-string names of the filters, as the form and the links write them.
FILTER_ARGS = ("territory", "kind", "type", "target_group", "chantier", "author", "date_from", "date_to")


def _int_arg(name: str, errors: list[str], message: str) -> int | None:
    """A positive whole number from the query string, ``None`` when absent; a message when not one."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        errors.append(message)
        return None
    return int(raw)


def _date_arg(name: str, errors: list[str], message: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(message)
        return None


def parse_filters(territory_ids: set[int], group_ids: set[int], chantier_ids: set[int]
                  ) -> tuple[engine.SearchFilters, list[str]]:
    """The filters of the query string, checked against what the form offers; messages for the rest."""
    errors: list[str] = []
    filters = engine.SearchFilters(
        territory_id=_int_arg("territory", errors, _("Unknown territory.")),
        kind=(request.args.get("kind") or "").strip(),
        object_type=(request.args.get("type") or "").strip(),
        target_group_id=_int_arg("target_group", errors, _("Unknown target group.")),
        chantier_id=_int_arg("chantier", errors, _("Unknown chantier.")),
        author_id=_int_arg("author", errors, _("Unknown author.")),
        date_from=_date_arg("date_from", errors, _("The start date must be a date (YYYY-MM-DD).")),
        date_to=_date_arg("date_to", errors, _("The end date must be a date (YYYY-MM-DD).")),
    )
    if filters.territory_id and filters.territory_id not in territory_ids:
        errors.append(_("Unknown territory, or one whose research you cannot read."))
    if filters.kind and filters.kind not in NOTE_KINDS and filters.kind != engine.PATH_KIND:
        errors.append(_("Unknown kind."))
    if filters.object_type and filters.object_type not in engine.OBJECT_TYPES:
        errors.append(_("Unknown type of result."))
    if filters.target_group_id and filters.target_group_id not in group_ids:
        errors.append(_("Unknown target group."))
    if filters.chantier_id and filters.chantier_id not in chantier_ids:
        errors.append(_("Unknown chantier."))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors.append(_("The start date is after the end date."))
    return filters, list(dict.fromkeys(errors))


@bp.get("/research/search")
def search():
    """Search the notes, comments and paths the reader may read."""
    territories = engine.readable_territories(current_user)
    groups = db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars().all()
    chantiers = db.session.execute(sa.select(Chantier).order_by(Chantier.position)).scalars().all()
    filters, errors = parse_filters({tid for tid, _name in territories}, {g.id for g in groups},
                                    {c.id for c in chantiers})
    author = None
    if filters.author_id and not errors:
        author = db.session.execute(sa.select(User.id, User.full_name).where(User.id == filters.author_id)).first()
        if author is None:
            errors.append(_("Unknown author."))
    query_text = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", 1, type=int) or 1
    if errors:
        results = engine.SearchResults(query=query_text, counts=dict.fromkeys(engine.OBJECT_TYPES, 0))
    else:
        results = engine.search(current_user, query_text, filters, page=max(page, 1))

    args = {key: request.args.get(key) for key in ("q", *FILTER_ARGS) if request.args.get(key)}
    type_links = [("", _("All"), sum(results.counts.values()), not filters.object_type)]
    type_links += [(key, name, results.counts.get(key, 0), filters.object_type == key)
                   for key, name in engine.OBJECT_TYPES.items()]
    type_links = [(name, count, active, url_for("research.search", **{**args, "type": key} if key else
                                                {k: v for k, v in args.items() if k != "type"}))
                  for key, name, count, active in type_links]
    return render_template(
        "research/search.html", results=results, errors=errors, filters=filters, query_text=query_text,
        territories=territories, groups=groups, chantiers=chantiers, kinds=NOTE_KINDS, author=author,
        type_links=type_links, query_args=args,
        without_author=url_for("research.search", **{k: v for k, v in args.items() if k != "author"}))
