"""Conventions and execution follow-up of a territory project: the list of conventions, a
convention's form with its signed document, the document itself, the follow-up of every action
with the project's roll-up, an action's follow-up form with its milestones, and the summary
the project page shows."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.permissions import can, require
from najma.projects import conventions as convention_services
from najma.projects import execution as execution_services
from najma.projects import rollup
from najma.projects.blueprint import bp, project_or_404
from najma.projects.conventions import ConventionConflict, ConventionData, UploadedDocument
from najma.projects.execution import ExecutionConflict, ExecutionData, InvalidReached, ReachedConflict
from najma.projects.execution_forms import (ConfirmForm, ConventionForm, ExecutionForm, MilestoneDoneForm,
                                            MilestoneForm, ReachedForm)
from najma.research.attachment_views import PDF_POLICY, SANDBOX_POLICY, content_disposition
from najma.territories.models import Territory
from najma.vocab import SEXES


def summary_context(project, user) -> dict | None:
    """What the project page shows of conventions and execution (progress roll-up, conventions
    signed of total, late actions, links); ``None`` before the project has an approved version.
    A fixed number of queries."""
    if project is None or project.approved_number is None:
        return None
    figures = rollup.project_figures([project.id]).get(project.id)
    signed, total = convention_services.signed_counts([project.id]).get(project.id, (0, 0))
    slug = db.session.execute(db.select(Territory.slug).where(Territory.id == project.territory_id)).scalar_one()
    followed = project.status in rollup.COUNTED_STATUSES
    return {"slug": slug, "followed": followed,
            "progress": figures.progress if (figures is not None and followed) else None,
            "budget": figures.budget if figures is not None else None,
            "signed": signed, "total": total,
            "late": execution_services.late_action_count(project) if followed else 0,
            "dropped": sum(1 for a in figures.actions if not a.counted) if figures is not None else 0}


# --- conventions ---------------------------------------------------------------------------------

@bp.get("/territories/<slug>/project/conventions")
def conventions(slug: str):
    """The conventions of the approved version, one per action: institution, amount against the
    budget, due date, signature and document."""
    territory, project = project_or_404(slug)
    rows = convention_services.convention_rows(project)
    return render_template("projects/conventions.html", territory=territory, project=project, rows=rows,
                           today=date.today(), signed=sum(1 for row in rows if row.signed),
                           locked=project.status in convention_services.LOCKED_STATUSES)


def _convention_row_or_404(slug: str, key: str, action: str | None = None):
    territory, project = project_or_404(slug)
    if action:
        require(action, project)
    row = convention_services.convention_row(project, key)
    if row is None:
        abort(404)
    return territory, project, row


def _fill_convention_form(form: ConventionForm, row) -> None:
    source = row.convention if row.convention is not None else row.defaults
    for name in ("institution", "parties", "commitments", "start_date", "end_date", "due_date", "signed_on"):
        getattr(form, name).data = getattr(source, name, None)
    form.amount.data = "" if source.amount is None else f"{source.amount:.2f}"
    form.lock_version.data = row.lock_version


def _convention_data(form: ConventionForm) -> ConventionData:
    return ConventionData(institution=form.institution.data or "", parties=form.parties.data or "",
                          commitments=form.commitments.data or "", amount=form.amount.data or None,
                          start_date=form.start_date.data, end_date=form.end_date.data,
                          due_date=form.due_date.data, signed_on=form.signed_on.data)


def _base(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


@bp.route("/territories/<slug>/project/conventions/<key>", methods=["GET", "POST"])
def edit_convention(slug: str, key: str):
    """Record one action's convention and its signed document; a save based on an older reading
    gets a 409 page keeping what was typed."""
    territory, project, row = _convention_row_or_404(slug, key, "convention.edit")
    if row.signed and project.status in convention_services.LOCKED_STATUSES:
        flash(_("This convention is signed and the project's conventions are recorded as signed: it can no longer "
                "change."), "warning")
        return redirect(url_for("projects.conventions", slug=territory.slug))
    form = ConventionForm()
    if request.method == "GET":
        _fill_convention_form(form, row)
    status, conflict = 200, None
    if form.validate_on_submit():
        upload = form.document.data
        document = UploadedDocument(upload.filename, upload.stream) if upload and upload.filename else None
        try:
            convention = convention_services.save_convention(
                current_user, project, key, _convention_data(form), _base(form.lock_version.data), document)
        except ConventionConflict as error:
            db.session.rollback()
            conflict = error.current_convention
            form.lock_version.data = conflict.lock_version if conflict is not None else 0
            flash(str(error.message), "warning")
            status = 409
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409
        else:
            if convention.amount != row.budget:
                flash(_("Saved. The convention's amount is not the action's budget: check that the difference is "
                        "intended."), "warning")
            else:
                flash(_("Convention saved."), "success")
            return redirect(url_for("projects.conventions", slug=territory.slug) + f"#convention-{key}")
    elif form.errors:
        status = 400
    return render_template("projects/convention_form.html", territory=territory, project=project, row=row,
                           form=form, conflict=conflict), status


@bp.get("/territories/<slug>/project/conventions/<key>/document")
def convention_document(slug: str, key: str):
    """The signed document, to whoever reads the project; ``?download=1`` saves it."""
    _territory, _project, row = _convention_row_or_404(slug, key)
    convention = row.convention
    path = convention_services.document_path(convention) if convention is not None else None
    if path is None:
        abort(404)
    if not path.is_file():
        current_app.logger.warning("convention %s: file %s is missing", convention.id, path.name)
        abort(404)
    response = send_file(path, mimetype=convention.document_media_type, conditional=True, max_age=0)
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = content_disposition(
        disposition, convention_services.document_download_name(convention))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        PDF_POLICY if convention.document_media_type == "application/pdf" else SANDBOX_POLICY)
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.cache_control.public = False
    return response


# --- execution -----------------------------------------------------------------------------------

@bp.get("/territories/<slug>/project/execution")
def execution(slug: str):
    """The follow-up of every action of the approved version and the project's progress."""
    territory, project = project_or_404(slug)
    page = execution_services.execution_page(project)
    return render_template("projects/execution.html", territory=territory, project=project, page=page,
                           followed=project.status in rollup.COUNTED_STATUSES,
                           editable=can(current_user, "execution.edit", project))


def _execution_row_or_404(slug: str, key: str):
    territory, project = project_or_404(slug)
    require("execution.edit", project)
    page = execution_services.execution_page(project)
    row = next((r for r in page.rows if r.action.key == key), None)
    if row is None:
        abort(404)
    return territory, project, row


def _execution_page(territory, project, row, form=None, milestone_form=None, conflict=None, status=200,
                    reached_form=None, reached_typed=None, reached_error=None, reached_conflict=None):
    if form is None:
        form = ExecutionForm(formdata=None)
        _fill_execution_form(form, row)
    if reached_form is None:
        reached_form = ReachedForm(formdata=None)
        reached_form.lock_version.data = row.lock_version
    grid = execution_services.reached_grid(row, reached_typed, getattr(reached_error, "cell", None))
    return render_template("projects/execution_form.html", territory=territory, project=project, row=row,
                           form=form, milestone_form=milestone_form or MilestoneForm(formdata=None),
                           done_form=MilestoneDoneForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
                           conflict=conflict, today=date.today(), reached_form=reached_form, grid=grid,
                           reached_error=reached_error, reached_conflict=reached_conflict), status


def _fill_execution_form(form: ExecutionForm, row) -> None:
    execution = row.execution
    form.status.data = execution.status if execution else "not_started"
    form.progress.data = execution.progress if execution else 0
    form.notes.data = execution.notes if execution else ""
    weight = execution.weight if execution else None
    form.weight.data = "" if weight is None else f"{weight:.2f}"
    form.lock_version.data = row.lock_version


@bp.route("/territories/<slug>/project/execution/<key>", methods=["GET", "POST"])
def edit_execution(slug: str, key: str):
    """Record one action's follow-up (status, progress, notes, weight) and its milestones; a
    save based on an older reading gets a 409 page keeping what was typed."""
    territory, project, row = _execution_row_or_404(slug, key)
    form = ExecutionForm()
    if request.method == "GET":
        return _execution_page(territory, project, row)
    status, conflict = 200, None
    if form.validate_on_submit():
        data = ExecutionData(status=form.status.data, progress=form.progress.data, notes=form.notes.data or "",
                             weight=form.weight.data or None)
        try:
            execution_services.save_execution(current_user, project, key, data, _base(form.lock_version.data))
        except ExecutionConflict as error:
            db.session.rollback()
            conflict = error.current_execution
            form.lock_version.data = conflict.lock_version if conflict is not None else 0
            flash(str(error.message), "warning")
            status = 409
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409
        else:
            if data.status == "done" and (data.progress or 0) != 100:
                flash(_("Saved. The action is done, so its progress is 100 %."), "success")
            else:
                flash(_("Follow-up saved."), "success")
            return redirect(url_for("projects.execution", slug=territory.slug) + f"#action-{key}")
    else:
        status = 400
    return _execution_page(territory, project, row, form=form, conflict=conflict, status=status)


@bp.post("/territories/<slug>/project/execution/<key>/reached")
def save_reached(slug: str, key: str):
    """Record the beneficiaries an action has reached so far, by target group and sex; a save
    based on an older reading gets a 409 page keeping what was typed, a refused number a 400."""
    territory, project, row = _execution_row_or_404(slug, key)
    form = ReachedForm()
    typed = {(group_id, sex): request.form.get(f"reached-{group_id}-{sex}", "").strip()
             for group_id, _name in row.groups for sex in SEXES}
    error = conflict = None
    if not form.validate_on_submit():
        error, status = InvalidReached(_("The form has expired; reload the page.")), 400
    else:
        try:
            execution_services.save_reached(current_user, project, key, typed, _base(form.lock_version.data))
        except ReachedConflict as stale:
            db.session.rollback()
            conflict, status = stale, 409
            form.lock_version.data = stale.current_version
            flash(str(stale.message), "warning")
        except DomainError as refused:
            db.session.rollback()
            error, status = refused, 400 if refused.field else 409
        else:
            if execution_services.reached_grid(row, typed).above_expected:
                flash(_("Saved. Some numbers are above the expected beneficiaries: check that they are right."),
                      "warning")
            else:
                flash(_("Beneficiaries reached saved."), "success")
            return redirect(url_for("projects.execution", slug=territory.slug) + f"#action-{key}")
    return _execution_page(territory, project, row, status=status, reached_form=form, reached_typed=typed,
                           reached_error=error, reached_conflict=conflict)


@bp.post("/territories/<slug>/project/execution/<key>/milestones")
def add_milestone(slug: str, key: str):
    """Add a milestone to an action's follow-up."""
    territory, project, row = _execution_row_or_404(slug, key)
    form = MilestoneForm()
    status = 400
    if form.validate_on_submit():
        try:
            execution_services.add_milestone(current_user, project, key, form.title.data, form.due_date.data)
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409
        else:
            flash(_("Milestone added."), "success")
            return redirect(url_for("projects.edit_execution", slug=territory.slug, key=key) + "#milestones")
    return _execution_page(territory, project, row, milestone_form=form, status=status)


@bp.post("/territories/<slug>/project/execution/<key>/milestones/<int:milestone_id>/done")
def milestone_done(slug: str, key: str, milestone_id: int):
    """Mark a milestone reached on a day (empty: not reached)."""
    territory, project, _row = _execution_row_or_404(slug, key)
    form = MilestoneDoneForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors)
              or _("The form has expired; reload the page."), "danger")
    else:
        try:
            execution_services.set_milestone_done(current_user, project, key, milestone_id, form.done_on.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            flash(_("Milestone updated."), "success")
    return redirect(url_for("projects.edit_execution", slug=territory.slug, key=key) + "#milestones")


@bp.post("/territories/<slug>/project/execution/<key>/milestones/<int:milestone_id>/delete")
def delete_milestone(slug: str, key: str, milestone_id: int):
    """Remove a milestone (the audit log keeps it)."""
    territory, project, _row = _execution_row_or_404(slug, key)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        execution_services.delete_milestone(current_user, project, key, milestone_id)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        flash(_("Milestone removed."), "success")
    return redirect(url_for("projects.edit_execution", slug=territory.slug, key=key) + "#milestones")
