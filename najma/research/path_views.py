"""Intervention path pages: a territory's paths, proposing and editing a path with its
evidence (a 409 page when someone saved meanwhile), the path page with its evidence and
history, the commission's decision, reopening and deleting."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.governance.models import Meeting
from najma.permissions import require
from najma.reference.models import Chantier, TargetGroup
from najma.research import paths as services
from najma.research.blueprint import bp, territory_or_404
from najma.research.models import InterventionPath, PathEvidence, ResearchNote
from najma.research.path_forms import ConfirmForm, DecideForm, PathForm, ReopenForm
from najma.research.paths import PathConflict, PathData
from najma.territories.models import Territory
from najma.timeutil import format_datetime_local
from najma.vocab import PATH_STATUSES


def _path_or_404(path_id: int, action: str | None = None) -> tuple[InterventionPath, Territory]:
    """The path with everything its page shows (404, also when deleted) and its territory, if
    the user may see the territory's paths and, when given, ``action`` on the path (403)."""
    path = services.load_path(path_id)
    if path is None or path.deleted_at is not None:
        abort(404)
    territory = db.session.get(Territory, path.territory_id)
    require("path.view", territory)
    if action:
        require(action, path)
    return path, territory


def _path_form(territory: Territory, path: InterventionPath | None = None) -> tuple[PathForm, list]:
    """The path form with its choices, filled from ``path`` on GET; returns it with the
    evidence choices (notes and their passages) the template lays out."""
    form = PathForm()
    chantiers = db.session.execute(db.select(Chantier).order_by(Chantier.position)).scalars().all()
    groups = db.session.execute(db.select(TargetGroup).order_by(TargetGroup.position)).scalars().all()
    form.chantier_id.choices = [("", "—")] + [(c.id, c.name) for c in chantiers]
    form.target_group_ids.choices = [(g.id, g.name) for g in groups]
    form.actor_ids.choices = services.territory_actors(territory)
    evidence = services.evidence_choices(territory)
    if request.method == "GET":
        if path is not None:
            form.title.data, form.rationale.data = path.title, path.rationale
            form.chantier_id.data, form.priority.data = path.chantier_id, path.priority
            form.partners_text.data = path.partners_text
            form.target_group_ids.data = [g.id for g in path.target_groups]
            form.actor_ids.data = [a.id for a in path.actors]
            form.note_ids.data = [e.note_id for e in path.evidence if e.passage_id is None]
            form.passage_ids.data = [e.passage_id for e in path.evidence if e.passage_id is not None]
            form.version.data = path.version
        else:
            # "Propose a path" from a note or a passage starts with it cited.
            form.note_ids.data = request.args.getlist("note", type=int)
            form.passage_ids.data = request.args.getlist("passage", type=int)
    return form, evidence


def _data(form: PathForm) -> PathData:
    return PathData(title=form.title.data or "", rationale=form.rationale.data or "",
                    chantier_id=form.chantier_id.data, priority=form.priority.data or "",
                    partners_text=form.partners_text.data or "",
                    target_group_ids=list(form.target_group_ids.data or []), actor_ids=list(form.actor_ids.data or []),
                    note_ids=list(form.note_ids.data or []), passage_ids=list(form.passage_ids.data or []))


def _dropped_evidence(path: InterventionPath | None, evidence: list) -> list[ResearchNote]:
    """Cited notes that can no longer be chosen (deleted since): saving the path drops them."""
    if path is None:
        return []
    citable = [note.id for note, _passages in evidence]
    return list(db.session.execute(
        db.select(ResearchNote).where(ResearchNote.id.in_(
            db.select(PathEvidence.note_id).where(PathEvidence.path_id == path.id)), ResearchNote.id.not_in(citable))
        .order_by(ResearchNote.id)).scalars())


def _form_page(form, territory, evidence, path=None, conflict=None, status=200):
    return render_template("research/path_form.html", form=form, territory=territory, path=path,
                           evidence=evidence, conflict=conflict, dropped=_dropped_evidence(path, evidence),
                           selected_notes=set(form.note_ids.data or []),
                           selected_passages=set(form.passage_ids.data or [])), status


# --- a territory's paths -------------------------------------------------------------------------

@bp.get("/territories/<slug>/research/paths")
def paths(slug: str):
    """The territory's intervention paths, filtered by status, with the count at each status."""
    territory = territory_or_404(slug, "path.view")
    status = request.args.get("status", "")
    status = status if status in PATH_STATUSES else ""
    return render_template("research/paths.html", territory=territory, status=status,
                           items=services.territory_paths(current_user, territory, status or None),
                           counts=services.status_counts(current_user, territory))


@bp.route("/territories/<slug>/research/paths/new", methods=["GET", "POST"])
def new_path(slug: str):
    """Propose a path citing shared or published notes and their coded passages."""
    territory = territory_or_404(slug, "path.create")
    form, evidence = _path_form(territory)
    preview = request.method == "POST" and "preview" in request.form
    refused = False
    if not preview and form.validate_on_submit():
        try:
            path = services.create_path(current_user, territory, _data(form))
        except DomainError as error:
            apply_domain_error(form, error)
            refused = True
        else:
            flash(_("Path proposed: the commission can now retain it or set it aside."), "success")
            return redirect(url_for("research.path", path_id=path.id))
    return _form_page(form, territory, evidence, status=400 if form.errors or refused else 200)


# --- one path ------------------------------------------------------------------------------------

@bp.get("/research/paths/<int:path_id>")
def path(path_id: int):
    """The path: rationale, groups, chantier, priority, partners, evidence the reader may read,
    the decision and the history."""
    path, territory = _path_or_404(path_id)
    decided_by = db.session.get(User, path.decided_by_id) if path.decided_by_id else None
    meeting = db.session.get(Meeting, path.decision_meeting_id) if path.decision_meeting_id else None
    return render_template(
        "research/path.html", path=path, territory=territory, evidence=services.evidence_for(path, current_user),
        history=services.path_history(path), decided_by=decided_by, meeting=meeting,
        reopen_form=ReopenForm(), confirm_form=ConfirmForm())


@bp.route("/research/paths/<int:path_id>/edit", methods=["GET", "POST"])
def edit_path(path_id: int):
    """Edit a proposed path; a save based on an older version gets a 409 page with both texts."""
    path, territory = _path_or_404(path_id, "path.edit")
    if request.method == "GET" and path.status != "proposed":
        flash(_("This path was decided: reopen it to change it."), "warning")
        return redirect(url_for("research.path", path_id=path.id))
    form, evidence = _path_form(territory, path)
    preview = request.method == "POST" and "preview" in request.form
    status = 200
    if not preview and form.validate_on_submit():
        try:
            base = int(form.version.data or 0)
        except ValueError:
            base = 0
        try:
            services.update_path(current_user, path, _data(form), base)
        except PathConflict as conflict:
            form.version.data = conflict.current_version
            return _form_page(form, territory, evidence, path, conflict=conflict, status=409)
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409  # without a field: the path's state refused the save
        else:
            flash(_("Path saved."), "success")
            return redirect(url_for("research.path", path_id=path.id))
    return _form_page(form, territory, evidence, path, status=400 if form.errors else status)


@bp.route("/research/paths/<int:path_id>/decide", methods=["GET", "POST"])
def decide_path(path_id: int):
    """The commission's decision: retain the path, or set it aside with its reason."""
    path, territory = _path_or_404(path_id, "path.decide")
    if request.method == "GET" and path.status != "proposed":
        flash(_("This path was already decided; reopen it to decide again."), "warning")
        return redirect(url_for("research.path", path_id=path.id))
    form = DecideForm()
    form.meeting_id.choices = [("", _("Not recorded"))] + [
        (m.id, f"{m.title} · {format_datetime_local(m.starts_at, 'short')}")
        for m in services.commission_meetings(territory.id)]
    status = 200
    if form.validate_on_submit():
        try:
            services.decide(current_user, path, form.status.data, form.reason.data or "", form.meeting_id.data)
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409  # without a field: decided meanwhile
        else:
            flash(_("Decision recorded: %(status)s.", status=path.status_label), "success")
            return redirect(url_for("research.path", path_id=path.id))
    return render_template("research/path_decide.html", form=form, path=path,
                           territory=territory), 400 if form.errors else status


@bp.post("/research/paths/<int:path_id>/reopen")
def reopen_path(path_id: int):
    """Put a decided path back to proposed, with the reason."""
    path, _territory = _path_or_404(path_id, "path.decide")
    form = ReopenForm()
    if not form.validate_on_submit():
        errors = [str(error) for messages in form.errors.values() for error in messages]
        flash(" ".join(errors) or _("The form has expired; reload the page."), "danger")
        return redirect(url_for("research.path", path_id=path.id))
    try:
        services.reopen(current_user, path, form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        flash(_("The path is proposed again."), "success")
    return redirect(url_for("research.path", path_id=path.id))


@bp.post("/research/paths/<int:path_id>/delete")
def delete_path(path_id: int):
    """Delete a proposed path; its history stays in the audit log."""
    path, territory = _path_or_404(path_id, "path.delete")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_path(current_user, path)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("research.path", path_id=path.id))
    flash(_("Path deleted."), "success")
    return redirect(url_for("research.paths", slug=territory.slug))

