"""Actor map pages: the graph and its table, actor cards, quick entry, import with preview,
exports, metrics as JSON, snapshots and their comparison, and the national view."""
from __future__ import annotations

import json
import secrets
import time
from datetime import date
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from najma.actors import services
from najma.actors.forms import (ActorForm, ActorTableForm, ConfirmForm, ConfirmImportForm, ImportForm, SnapshotForm,
                                TieForm)
from najma.actors.models import Actor, ActorSnapshot, Tie
from najma.actors.svg import view_box as svg_view_box
from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.geography.models import Commune
from najma.permissions import can, require
from najma.research.services import actor_citations
from najma.territories.models import Territory
from najma.territories.services import get_by_slug, territory_communes
from najma.vocab import ACTOR_KIND_FAMILIES, TIE_KINDS

bp = Blueprint("actors", __name__)

EXPORTS = {
    "gexf": ("application/gexf+xml", "gexf"),
    "graphml": ("application/graphml+xml", "graphml"),
    "json": ("application/json", "json"),
    "actors.csv": ("text/csv; charset=utf-8", "actors.csv"),
    "ties.csv": ("text/csv; charset=utf-8", "ties.csv"),
}
TABLE_PAGE = 100
TABLE_EDIT_PAGE = 50
SORTS = ("name", "degree", "betweenness", "closeness", "eigenvector", "influence")


def _territory(slug: str, action: str = "actor.view") -> Territory:
    """The territory with ``slug`` (404), if the user may ``action`` its map (403)."""
    territory = get_by_slug(slug)
    if territory is None:
        abort(404)
    require(action, territory)
    return territory


def _actor(actor_id: int, action: str = "actor.view") -> tuple[Actor, Territory]:
    actor = db.get_or_404(Actor, actor_id)
    territory = db.session.get(Territory, actor.territory_id)
    require(action, territory)
    return actor, territory


# --- form helpers -------------------------------------------------------------------------------

def _actor_form(territory: Territory, obj: Actor | None = None) -> ActorForm:
    form = ActorForm(obj=obj)
    links = territory_communes(territory)
    communes = [link.commune for link in links]
    if not communes:
        communes = list(db.session.execute(db.select(Commune).where(Commune.province_id == territory.province_id)
                                           .order_by(Commune.name_fr)).scalars())
    if obj is not None and obj.commune_id and obj.commune_id not in {c.id for c in communes}:
        communes.append(db.session.get(Commune, obj.commune_id))
    form.commune_id.choices = [("", "—")] + [(c.id, c.name) for c in communes]
    form.membership_id.choices = [("", "—")] + [
        (m.id, f"{m.full_name} · {m.body.kind_label}") for m in services.seat_choices(territory)]
    if obj is not None and request.method == "GET":
        form.sector.data = obj.sector or ""
        form.stance.data = obj.stance or ""
    return form


def _actor_data(form: ActorForm) -> dict:
    return {key: getattr(form, key).data for key in services.ACTOR_FIELDS}


def _tie_form(territory: Territory, obj: Tie | None = None, actors: list | None = None) -> TieForm:
    form = TieForm(obj=obj)
    rows = db.session.execute(db.select(Actor.id, Actor.name).where(Actor.territory_id == territory.id)
                              .order_by(Actor.name)).all() if actors is None else actors
    form.source_id.choices = [("", "—")] + [(i, n) for i, n in rows]
    form.target_id.choices = [("", "—")] + [(i, n) for i, n in rows]
    from najma.research.services import citable_notes

    form.note_id.choices = [("", "—")] + [(note.id, f"{note.title} · {note.kind_label}")
                                         for note in citable_notes(territory)]
    return form


def _tie_data(form: TieForm) -> dict:
    return {key: getattr(form, key).data for key in services.TIE_FIELDS}


# --- the map page --------------------------------------------------------------------------------

def _ordered_ids(nodes, result, sort: str) -> list[int]:
    """Actor ids in the table's order (from the cached rows: no query)."""
    if sort == "name":
        key = lambda n: (n.name.casefold(),)  # noqa: E731
    elif sort == "influence":
        key = lambda n: (-n.influence, n.name.casefold())  # noqa: E731
    else:
        metric = result.metric(sort)
        key = lambda n: (-metric.get(n.id, 0), n.name.casefold())  # noqa: E731
    return [n.id for n in sorted(nodes, key=key)]


#: Above this many actors the quick tie form (two lists of every actor) gives way to the full form.
QUICK_TIE_LIMIT = 300


@bp.get("/territories/<slug>/actors")
def territory_map(slug: str):
    """The territory's actor map: graph, legend, findings, metrics table and quick entry."""
    territory = _territory(slug)
    size_by = request.args.get("size", "influence")
    size_by = size_by if size_by in services.SIZE_METRICS else "influence"
    sort = request.args.get("sort", "degree")
    sort = sort if sort in SORTS else "degree"
    page = max(1, request.args.get("page", 1, type=int))
    result = services.analysis(territory)
    picture = services.drawing(territory, size_by)
    nodes, _edges = services.cached_rows(territory)
    ordered = _ordered_ids(nodes, result, sort)
    pages = max(1, -(-len(ordered) // TABLE_PAGE))
    page = min(page, pages)
    may_edit = can(current_user, "actor.edit", territory)
    names = sorted(((n.id, n.name) for n in nodes), key=lambda pair: pair[1].casefold())
    return render_template(
        "actors/map.html", territory=territory, result=result, picture=picture, size_by=size_by,
        actors=services.actors_by_id(ordered[(page - 1) * TABLE_PAGE: page * TABLE_PAGE]),
        actor_count=len(nodes), sort=sort,
        page=page, pages=pages, findings=services.governance_findings(territory, result),
        families=ACTOR_KIND_FAMILIES, tie_kinds=TIE_KINDS, kinds_present=sorted(picture.edges_by_kind),
        actor_form=_actor_form(territory) if may_edit else None,
        tie_form=_tie_form(territory, actors=names) if may_edit and len(nodes) <= QUICK_TIE_LIMIT else None,
        brokers={a: i for i, a in enumerate(result.brokers)}, articulation=set(result.articulation_points),
        size_metrics=services.SIZE_METRICS, sorts=SORTS, may_edit=may_edit,
        svg=services.svg_markup(territory, size_by, url_for("actors.actor", actor_id=0)[:-1]),
        view_box=svg_view_box())


@bp.get("/territories/<slug>/actors/metrics.json")
def metrics_json(slug: str):
    """Every actor's metrics and the map's figures, as JSON."""
    territory = _territory(slug)
    return jsonify(services.metrics_document(territory))


# --- actors ------------------------------------------------------------------------------------

@bp.get("/actors/<int:actor_id>")
def actor(actor_id: int):
    """An actor's card: who it is, its metrics and its ties (``?partial=1``: the card alone)."""
    actor, territory = _actor(actor_id)
    result = services.analysis(territory)
    template = "actors/_card.html" if request.args.get("partial") else "actors/actor.html"
    return render_template(template, actor=actor, territory=territory, result=result,
                           ties=services.ties_of(actor), commune=db.session.get(Commune, actor.commune_id)
                           if actor.commune_id else None,
                           seat=actor.membership_id and services.seat_label(actor.membership_id),
                           citations=actor_citations(current_user, actor))


@bp.route("/territories/<slug>/actors/new", methods=["GET", "POST"])
def actor_new(slug: str):
    """Add an actor to the map."""
    territory = _territory(slug, "actor.edit")
    form = _actor_form(territory)
    if form.validate_on_submit():
        try:
            created = services.create_actor(current_user, territory, _actor_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Actor %(name)s added.", name=created.name), "success")
            return redirect(url_for("actors.territory_map", slug=slug, _anchor="map"))
    return render_template("actors/actor_form.html", form=form, territory=territory,
                           actor=None), 400 if form.errors else 200


@bp.route("/actors/<int:actor_id>/edit", methods=["GET", "POST"])
def actor_edit(actor_id: int):
    """Change an actor."""
    actor, territory = _actor(actor_id, "actor.edit")
    form = _actor_form(territory, actor)
    status = 200
    if request.method == "GET":
        form.stamp.data = actor.updated_at.isoformat()
    if form.validate_on_submit():
        try:
            services.update_actor(current_user, actor, _actor_data(form), stamp=form.stamp.data)
        except services.ConcurrentEditError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
            fresh = db.session.get(Actor, actor_id)
            form = _actor_form(territory, fresh)
            form.process(obj=fresh, stamp=fresh.updated_at.isoformat(), sector=fresh.sector or "",
                         stance=fresh.stance or "")
            status = 409
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Actor saved."), "success")
            return redirect(url_for("actors.actor", actor_id=actor.id))
    return render_template("actors/actor_form.html", form=form, territory=territory, actor=actor,
                           delete_form=ConfirmForm()), status if status != 200 else (400 if form.errors else 200)


@bp.post("/actors/<int:actor_id>/delete")
def actor_delete(actor_id: int):
    """Remove an actor and its ties."""
    actor, territory = _actor(actor_id, "actor.edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = actor.name
    services.delete_actor(current_user, actor)
    flash(_("%(name)s and their ties were removed from the map.", name=name), "success")
    return redirect(url_for("actors.territory_map", slug=territory.slug))


@bp.route("/territories/<slug>/actors/table", methods=["GET", "POST"])
def actor_table(slug: str):
    """The editable table of actors: change names, kinds, sectors, influence and stances together."""
    territory = _territory(slug, "actor.edit")
    page = max(1, request.args.get("page", 1, type=int))
    ids = [row[0] for row in db.session.execute(
        db.select(Actor.id).where(Actor.territory_id == territory.id).order_by(Actor.name, Actor.id)).all()]
    pages = max(1, -(-len(ids) // TABLE_EDIT_PAGE))
    page = min(page, pages)
    actors = services.actors_by_id(ids[(page - 1) * TABLE_EDIT_PAGE: page * TABLE_EDIT_PAGE])
    if request.method == "GET":
        form = ActorTableForm(data={"rows": [
            {"actor_id": a.id, "stamp": a.updated_at.isoformat(), "name": a.name, "kind": a.kind, "sector": a.sector or "",
             "influence": a.influence, "stance": a.stance or ""} for a in actors]})
    else:
        form = ActorTableForm()
    if form.validate_on_submit():
        try:
            changed = services.update_actors(current_user, territory,
                                             [{**row.data, "id": row.data["actor_id"]} for row in form.rows])
        except DomainError as error:
            apply_domain_error(None, error)
        except IntegrityError:
            db.session.rollback()
            flash(_("Two actors would share a name; nothing was saved."), "danger")
        else:
            flash(ngettext("%(num)d actor saved.", "%(num)d actors saved.", changed), "success")
            return redirect(url_for("actors.actor_table", slug=slug, page=page))
        return render_template("actors/table.html", form=form, territory=territory, page=page, pages=pages), 409
    return render_template("actors/table.html", form=form, territory=territory, page=page,
                           pages=pages), 400 if form.errors else 200


# --- ties --------------------------------------------------------------------------------------

@bp.route("/territories/<slug>/ties/new", methods=["GET", "POST"])
def tie_new(slug: str):
    """Tie two actors."""
    territory = _territory(slug, "actor.edit")
    form = _tie_form(territory)
    if request.method == "GET":
        form.source_id.data = request.args.get("source", type=int)
    if form.validate_on_submit():
        try:
            services.create_tie(current_user, territory, _tie_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Tie added."), "success")
            return redirect(url_for("actors.territory_map", slug=slug, _anchor="map"))
    return render_template("actors/tie_form.html", form=form, territory=territory,
                           tie=None), 400 if form.errors else 200


@bp.route("/ties/<int:tie_id>/edit", methods=["GET", "POST"])
def tie_edit(tie_id: int):
    """Change a tie."""
    tie = db.get_or_404(Tie, tie_id)
    territory = db.session.get(Territory, tie.territory_id)
    require("actor.edit", territory)
    form = _tie_form(territory, tie)
    if form.validate_on_submit():
        try:
            services.update_tie(current_user, tie, _tie_data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Tie saved."), "success")
            return redirect(url_for("actors.actor", actor_id=tie.source_id))
    return render_template("actors/tie_form.html", form=form, territory=territory, tie=tie,
                           delete_form=ConfirmForm()), 400 if form.errors else 200


@bp.post("/ties/<int:tie_id>/delete")
def tie_delete(tie_id: int):
    """Remove a tie."""
    tie = db.get_or_404(Tie, tie_id)
    territory = db.session.get(Territory, tie.territory_id)
    require("actor.edit", territory)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    source_id = tie.source_id
    services.delete_tie(current_user, tie)
    flash(_("Tie removed."), "success")
    return redirect(url_for("actors.actor", actor_id=source_id))


# --- import and export -------------------------------------------------------------------------

#: Previewed uploads not confirmed within this many seconds are deleted.
UPLOAD_MAX_AGE = 24 * 3600


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "actor_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_old_uploads() -> None:
    """Delete previews nobody confirmed (they hold someone's file)."""
    limit = time.time() - UPLOAD_MAX_AGE
    for path in _upload_dir().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _read_upload(storage, limit: int) -> tuple[bytes | None, str]:
    """The uploaded bytes (at most ``limit`` + 1, so oversize files are detected without reading them all)."""
    if storage is None or not getattr(storage, "filename", ""):
        return None, ""
    return storage.stream.read(limit + 1), storage.filename


def _stored(token: str) -> tuple[dict, bytes, bytes | None]:
    """A previewed upload kept under ``instance/actor_imports`` (404 unless it is this user's)."""
    if not token.isalnum():
        abort(404)
    folder = _upload_dir()
    meta_path = folder / f"{token}.json"
    if not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != current_user.id:
        abort(404)
    ties = folder / f"{token}.ties"
    return meta, (folder / f"{token}.bin").read_bytes(), ties.read_bytes() if ties.exists() else None


def _discard(token: str) -> None:
    for suffix in (".json", ".bin", ".ties"):
        (_upload_dir() / f"{token}{suffix}").unlink(missing_ok=True)


@bp.route("/territories/<slug>/actors/import", methods=["GET", "POST"])
def import_map(slug: str):
    """Upload a file; show what it would add and what is wrong, before anything is written."""
    territory = _territory(slug, "actor.edit")
    form = ImportForm()
    limit = current_app.config["ACTORS_MAX_UPLOAD_BYTES"]
    if form.validate_on_submit():
        data, filename = _read_upload(form.file.data, limit)
        ties_data, ties_filename = _read_upload(form.ties_file.data, limit)
        if data is None and ties_data is None:
            form.file.errors = [_("Choose a file.")]
        else:
            if data is None:
                data, filename = b"", "actors.csv"
            preview = services.preview_import(territory, data, filename, ties_data=ties_data,
                                              ties_filename=ties_filename or "ties.csv", mode=form.mode.data,
                                              max_bytes=limit)
            confirm = None
            _forget_old_uploads()
            if preview.ok:
                token = secrets.token_hex(16)
                folder = _upload_dir()
                (folder / f"{token}.bin").write_bytes(data)
                if ties_data is not None:
                    (folder / f"{token}.ties").write_bytes(ties_data)
                (folder / f"{token}.json").write_text(json.dumps({
                    "user_id": current_user.id, "territory_id": territory.id, "filename": filename,
                    "ties_filename": ties_filename or "ties.csv"}))
                confirm = ConfirmImportForm(token=token, mode=form.mode.data)
            return render_template("actors/import_preview.html", territory=territory, preview=preview,
                                   confirm=confirm, mode=form.mode.data,
                                   existing=len(services.known_names(territory))), 200 if preview.ok else 400
    return render_template("actors/import.html", form=form, territory=territory, limit=limit), \
        400 if form.errors else 200


@bp.post("/territories/<slug>/actors/import/confirm")
def import_confirm(slug: str):
    """Write a previewed import, all or nothing (the file is checked again against the current map)."""
    territory = _territory(slug, "actor.edit")
    form = ConfirmImportForm()
    if not form.validate_on_submit() or form.mode.data not in ("add", "replace"):
        abort(400)
    meta, data, ties_data = _stored(form.token.data)
    if meta["territory_id"] != territory.id:
        abort(404)
    preview = services.preview_import(territory, data, meta["filename"], ties_data=ties_data,
                                      ties_filename=meta["ties_filename"], mode=form.mode.data,
                                      max_bytes=current_app.config["ACTORS_MAX_UPLOAD_BYTES"])
    if not preview.ok:
        return render_template("actors/import_preview.html", territory=territory, preview=preview, confirm=None,
                               mode=form.mode.data, existing=len(services.known_names(territory))), 400
    try:
        result = services.apply_import(current_user, territory, preview, mode=form.mode.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("actors.import_map", slug=slug))
    _discard(form.token.data)
    flash(_("Imported %(actors)d actors and %(ties)d ties.", actors=result["actors"], ties=result["ties"]), "success")
    return redirect(url_for("actors.territory_map", slug=slug))


@bp.get("/territories/<slug>/actors/export.<fmt>")
def export(slug: str, fmt: str):
    """Download the map as GEXF, GraphML, node-link JSON, or CSV of actors or ties."""
    territory = _territory(slug)
    if fmt not in EXPORTS:
        abort(404)
    mimetype, extension = EXPORTS[fmt]
    return Response(services.export_map(territory, fmt), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{territory.slug}-actors.{extension}"'
        if not extension.endswith("csv") else f'attachment; filename="{territory.slug}-{extension}"'})


# --- snapshots -----------------------------------------------------------------------------------

@bp.route("/territories/<slug>/actors/snapshots", methods=["GET", "POST"])
def snapshots(slug: str):
    """The map's snapshots; antenna staff freeze a new one."""
    territory = _territory(slug)
    form = SnapshotForm()
    if request.method == "POST":
        require("actor.edit", territory)
        if form.validate_on_submit():
            try:
                services.take_snapshot(current_user, territory, form.label.data, form.taken_on.data)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                flash(_("Snapshot taken."), "success")
                return redirect(url_for("actors.snapshots", slug=slug))
    elif not form.taken_on.data:
        form.taken_on.data = date.today()
    listed = services.list_snapshots(territory)
    return render_template("actors/snapshots.html", territory=territory, snapshots=listed, form=form,
                           indicators=services.partnership_indicators(territory)), 400 if form.errors else 200


@bp.get("/territories/<slug>/actors/compare")
def compare(slug: str):
    """What changed between two snapshots."""
    territory = _territory(slug)
    before = db.get_or_404(ActorSnapshot, request.args.get("a", type=int) or 0)
    after = db.get_or_404(ActorSnapshot, request.args.get("b", type=int) or 0)
    if before.territory_id != territory.id or after.territory_id != territory.id:
        abort(404)
    return render_template("actors/compare.html", territory=territory, before=before, after=after,
                           comparison=services.compare_snapshots(before, after))


# --- national view -----------------------------------------------------------------------------

@bp.get("/actors/national")
def national():
    """Actors present in several territories, and totals by kind and tie kind."""
    require("actor.national")
    return render_template("actors/national.html", overview=services.national_overview(),
                           families=ACTOR_KIND_FAMILIES)
