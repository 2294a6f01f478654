"""Research note pages: a territory's research, writing a note with its preview, the note
page with its comments, history, diffs and restore, visibility steps, the bin, and the
JSON list of readable notes."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.permissions import can, note_levels, require
from najma.reference.models import Chantier, TargetGroup
from najma.research import services
from najma.research.blueprint import bp, note_or_404, territory_or_404
from najma.research.forms import (CommentForm, ConfirmForm, NoteFilterForm, NoteForm, RestoreForm,
                                  VisibilityForm, participant_field_name)
from najma.research.services import NoteConflict, NoteData, NoteFilters
from najma.territories.services import territory_communes
from najma.vocab import AGE_BANDS, NOTE_VISIBILITIES, SEXES, label


def _reference_choices():
    groups = db.session.execute(db.select(TargetGroup).order_by(TargetGroup.position)).scalars().all()
    chantiers = db.session.execute(db.select(Chantier).order_by(Chantier.position)).scalars().all()
    return groups, chantiers


def _note_form(territory, note=None) -> NoteForm:
    """The note form with the territory's communes and the reference lists as choices."""
    form = NoteForm()
    groups, chantiers = _reference_choices()
    form.commune_ids.choices = [(link.commune_id, link.commune.name) for link in territory_communes(territory)]
    form.target_group_ids.choices = [(group.id, group.name) for group in groups]
    form.chantier_ids.choices = [(item.id, item.name) for item in chantiers]
    if request.method == "GET" and note is not None:
        form.kind.data, form.title.data, form.body.data = note.kind, note.title, note.body
        form.fieldwork_date.data, form.place.data = note.fieldwork_date, note.place
        form.commune_ids.data = [c.id for c in note.communes]
        form.target_group_ids.data = [g.id for g in note.target_groups]
        form.chantier_ids.data = [c.id for c in note.chantiers]
        form.fill_participants(note.participants)
        form.version.data = note.version
    return form


def _data(form: NoteForm) -> NoteData:
    return NoteData(kind=form.kind.data, title=form.title.data or "", body=form.body.data or "",
                    fieldwork_date=form.fieldwork_date.data, place=form.place.data or "",
                    commune_ids=list(form.commune_ids.data or []), target_group_ids=list(form.target_group_ids.data or []),
                    chantier_ids=list(form.chantier_ids.data or []), participants=form.participants())


def _form_page(form, territory, note=None, status=200):
    participant_rows = [(band, name, [(sex, sex_name, getattr(form, participant_field_name(band, sex)))
                                      for sex, sex_name in SEXES.items()]) for band, name in AGE_BANDS.items()]
    return render_template("research/note_form.html", form=form, territory=territory, note=note,
                           participant_rows=participant_rows, sexes=SEXES), status


# --- the territory's research ------------------------------------------------------------------

@bp.get("/territories/<slug>/research")
def territory_research(slug: str):
    """The territory's notes the reader may see, with filters, and the way to everything else."""
    territory = territory_or_404(slug)
    levels = note_levels(current_user, territory.id)
    groups, chantiers = _reference_choices()
    filters_form = NoteFilterForm(request.args)
    filters_form.visibility.choices = [("", _("All"))] + [(level, label(NOTE_VISIBILITIES, level)) for level in levels]
    filters_form.target_group.choices = [("", _("All target groups"))] + [(str(g.id), g.name) for g in groups]
    filters_form.chantier.choices = [("", _("All chantiers"))] + [(str(c.id), c.name) for c in chantiers]
    filters = NoteFilters(
        kind=request.args.get("kind", ""), visibility=request.args.get("visibility", ""),
        target_group_id=request.args.get("target_group", type=int), chantier_id=request.args.get("chantier", type=int))
    page = max(request.args.get("page", 1, type=int), 1)
    notes, total = services.visible_notes(current_user, territory, filters, page)
    return render_template(
        "research/territory.html", territory=territory, notes=notes, total=total, page=page,
        pages=max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1), filters_form=filters_form,
        counts=services.visibility_counts(current_user, territory), extra=_territory_extras(territory),
        args={k: v for k, v in request.args.items() if k != "page" and v})


def _territory_extras(territory) -> dict:
    """What the research page shows beside the notes (the plan's milestones)."""
    from najma.research import plan

    return {"plan": plan.plan_summary(territory)}


@bp.get("/territories/<slug>/research/notes.json")
def territory_notes_json(slug: str):
    """The readable notes of the territory as JSON (the same rule as the page: drafts only for the antenna)."""
    territory = territory_or_404(slug)
    page = max(request.args.get("page", 1, type=int), 1)
    notes, total = services.visible_notes(current_user, territory, NoteFilters(), page)
    return jsonify({
        "territory": territory.slug, "total": total, "page": page, "per_page": services.PAGE_SIZE,
        "notes": [{
            "id": note.id, "kind": note.kind, "title": note.title, "visibility": note.visibility,
            "fieldwork_date": note.fieldwork_date.isoformat() if note.fieldwork_date else None,
            "place": note.place, "version": note.version, "body": note.body,
            "target_groups": [group.code for group in note.target_groups],
            "chantiers": [item.code for item in note.chantiers],
            "participants": note.participants or {},
            "url": url_for("research.note", note_id=note.id, _external=True),
        } for note in notes]})


@bp.route("/territories/<slug>/research/notes/new", methods=["GET", "POST"])
def new_note(slug: str):
    """Write a new note (a draft, read by the antenna only until shared)."""
    territory = territory_or_404(slug, "note.create")
    form = _note_form(territory)
    preview = request.method == "POST" and "preview" in request.form
    if not preview and form.validate_on_submit():
        try:
            note = services.create_note(current_user, territory, _data(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Note saved as a draft: only the antenna reads it until you share it."), "success")
            return redirect(url_for("research.note", note_id=note.id))
    return _form_page(form, territory, status=400 if form.errors else 200)


# --- one note ------------------------------------------------------------------------------------

@bp.get("/research/notes/<int:note_id>")
def note(note_id: int):
    """The note, its metadata, attachments, coded passages, the paths citing it and comments."""
    note = note_or_404(note_id)
    from najma.research import attachments, coding, paths
    from najma.research.findings_forms import passage_form

    code_form = passage_form(note) if can(current_user, "note.code", note) else None
    return render_template(
        "research/note.html", note=note, territory=note.territory, comments=services.comments(note),
        comment_form=CommentForm() if can(current_user, "note.comment", note) else None,
        visibility_form=VisibilityForm(), confirm_form=ConfirmForm(),
        attachments=attachments.for_note(note), passages=coding.passages_for_note(note), code_form=code_form,
        citing_paths=paths.citing(note, current_user), revision_count=note.version)


@bp.route("/research/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit_note(note_id: int):
    """Edit the note; a save based on an older revision gets a 409 page to merge both texts."""
    note = note_or_404(note_id, "note.edit")
    form = _note_form(note.territory, note)
    preview = request.method == "POST" and "preview" in request.form
    if not preview and form.validate_on_submit():
        try:
            base = int(form.version.data or 0)
        except ValueError:
            base = 0
        try:
            services.update_note(current_user, note, _data(form), base)
        except NoteConflict as conflict:
            form.version.data = conflict.current_version
            return render_template("research/note_conflict.html", note=note, territory=note.territory,
                                   form=form, conflict=conflict), 409
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Note saved (revision %(number)s).", number=note.version), "success")
            return redirect(url_for("research.note", note_id=note.id))
    return _form_page(form, note.territory, note, status=400 if form.errors else 200)


@bp.post("/research/notes/<int:note_id>/visibility")
def set_visibility(note_id: int):
    """Share the note with the commission, or publish it to the committee and the steering committee."""
    note = note_or_404(note_id)
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    require("note.publish" if form.visibility.data == "published" else "note.share", note)
    try:
        services.set_visibility(current_user, note, form.visibility.data)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("The note is now: %(level)s.", level=note.visibility_label), "success")
    return redirect(url_for("research.note", note_id=note.id))


@bp.post("/research/notes/<int:note_id>/delete")
def delete_note(note_id: int):
    """Put the note in the bin (its author or an admin can recover it)."""
    note = note_or_404(note_id, "note.delete")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    slug = note.territory.slug
    services.delete_note(current_user, note)
    flash(_("The note is in the bin. You can recover it from the research page's bin."), "success")
    return redirect(url_for("research.territory_research", slug=slug))


@bp.post("/research/notes/<int:note_id>/undelete")
def undelete_note(note_id: int):
    """Take the note out of the bin."""
    note = note_or_404(note_id, "note.undelete")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.undelete_note(current_user, note)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("The note is back."), "success")
    return redirect(url_for("research.note", note_id=note.id))


@bp.get("/territories/<slug>/research/bin")
def bin(slug: str):
    """Deleted notes the reader can recover (their own; every one for admins)."""
    territory = territory_or_404(slug)
    return render_template("research/bin.html", territory=territory,
                           notes=services.deleted_notes(current_user, territory), confirm_form=ConfirmForm())


@bp.post("/research/notes/<int:note_id>/comments")
def comment(note_id: int):
    """Comment on a shared or published note; its authors are notified."""
    note = note_or_404(note_id, "note.comment")
    form = CommentForm()
    if form.validate_on_submit():
        try:
            added = services.add_comment(current_user, note, form.body.data)
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("Comment added; the note's authors are notified."), "success")
            return redirect(url_for("research.note", note_id=note.id, _anchor=f"comment-{added.id}"))
    else:
        flash(_("A comment cannot be empty, nor longer than 20,000 characters."), "danger")
    return redirect(url_for("research.note", note_id=note.id, _anchor="comments"))


# --- history --------------------------------------------------------------------------------------

@bp.get("/research/notes/<int:note_id>/history")
def history(note_id: int):
    """Every revision of the note, with who saved it and when; pick two to compare."""
    note = note_or_404(note_id)
    return render_template("research/history.html", note=note, territory=note.territory,
                           revisions=services.revisions(note), restore_form=RestoreForm())


@bp.get("/research/notes/<int:note_id>/revisions/<int:number>")
def revision(note_id: int, number: int):
    """One revision as it was saved."""
    note = note_or_404(note_id)
    rev = services.revision(note, number)
    if rev is None:
        abort(404)
    return render_template("research/revision.html", note=note, territory=note.territory, rev=rev,
                           restore_form=RestoreForm())


@bp.get("/research/notes/<int:note_id>/diff")
def diff(note_id: int):
    """A readable word-level diff between two revisions (default: the last two)."""
    note = note_or_404(note_id)
    newer = request.args.get("to", note.version, type=int)
    older = request.args.get("from", max(newer - 1, 1), type=int)
    if older > newer:
        older, newer = newer, older
    old_rev, new_rev = services.revision(note, older), services.revision(note, newer)
    if old_rev is None or new_rev is None:
        abort(404)
    return render_template("research/diff.html", note=note, territory=note.territory, old=old_rev, new=new_rev,
                           title_diff=services.diff_html(old_rev.title, new_rev.title),
                           body_diff=services.diff_html(old_rev.body, new_rev.body),
                           changed=services.field_changes(old_rev, new_rev))


@bp.post("/research/notes/<int:note_id>/revisions/<int:number>/restore")
def restore(note_id: int, number: int):
    """Make an old revision current again, as a new revision; nothing in the history is lost."""
    note = note_or_404(note_id, "note.edit")
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.restore_revision(current_user, note, number, int(form.version.data))
    except NoteConflict:
        flash(_("Someone saved the note since you opened its history; look at the latest revision, "
                "then restore again if you still want to."), "warning")
        return redirect(url_for("research.history", note_id=note.id))
    except (DomainError, ValueError) as error:
        flash(str(getattr(error, "message", error)), "danger")
        return redirect(url_for("research.history", note_id=note.id))
    flash(_("Revision %(number)s restored as revision %(new)s.", number=number, new=note.version), "success")
    return redirect(url_for("research.note", note_id=note.id))
