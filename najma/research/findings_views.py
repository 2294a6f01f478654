"""Coding and what comes of it: coding a passage of a note and withdrawing it, the territory's
findings by target group and code, the coverage matrix with its gaps, and the research plan
with its milestones."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.permissions import can, require
from najma.reference.models import TargetGroup
from najma.research import coding, plan
from najma.research.blueprint import bp, note_or_404, territory_or_404
from najma.research.findings_forms import MilestoneForm, PlanForm, findings_filter_form, passage_form
from najma.research.models import CodedPassage
from najma.vocab import CODE_KINDS, MILESTONES


def _back_to_passages(note_id: int):
    return redirect(url_for("research.note", note_id=note_id, _anchor="passages"))


# --- coding ------------------------------------------------------------------------------------

@bp.post("/research/notes/<int:note_id>/passages")
def code_passage(note_id: int):
    """Code a passage of the note for a target group; back to the note's passages."""
    note = note_or_404(note_id, "note.code")
    form = passage_form()
    if not form.validate_on_submit():
        db.session.rollback()
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}" if field.name != "csrf_token" else str(error), "danger")
        return _back_to_passages(note.id)
    try:
        passage = coding.code_passage(current_user, note, form.quote.data, form.code.data,
                                      form.target_group_id.data, form.memo.data or "")
    except DomainError as error:
        apply_domain_error(None, error)
        return _back_to_passages(note.id)
    flash(_("Passage coded as %(code)s.", code=passage.code_label), "success")
    return redirect(url_for("research.note", note_id=note.id, _anchor=f"passage-{passage.id}"))


@bp.post("/research/passages/<int:passage_id>/delete")
def delete_passage(passage_id: int):
    """Withdraw a coded passage (the antenna, on its territory's notes)."""
    passage = db.get_or_404(CodedPassage, passage_id)
    if passage.deleted_at is not None:
        abort(404)
    note = note_or_404(passage.note_id, "note.code")
    try:
        coding.remove_passage(current_user, passage)
    except DomainError as error:
        apply_domain_error(None, error)
    else:
        flash(_("Coded passage removed."), "success")
    return _back_to_passages(note.id)


# --- findings and coverage -----------------------------------------------------------------------

@bp.get("/territories/<slug>/research/findings")
def findings(slug: str):
    """The territory's coded passages the reader may read, by target group and code, filterable."""
    territory = territory_or_404(slug, "research.view")
    form = findings_filter_form(request.args)
    group_code = request.args.get("group", "")
    code = request.args.get("code", "")
    code = code if code in CODE_KINDS else ""
    group = None
    if group_code:
        group = db.session.execute(db.select(TargetGroup).where(TargetGroup.code == group_code)).scalar_one_or_none()
        if group is None:
            group_code = ""
    result = coding.findings(current_user, territory, target_group_id=group.id if group else None, code=code or None)
    return render_template("research/findings.html", territory=territory, findings=result, form=form,
                           filtered=bool(group or code), group=group, code=code)


@bp.get("/territories/<slug>/research/coverage")
def coverage(slug: str):
    """Target groups x kinds of note and codes, for the notes the reader may read, with the gaps."""
    territory = territory_or_404(slug, "research.view")
    return render_template("research/coverage.html", territory=territory,
                           coverage=coding.coverage(current_user, territory))


# --- the research plan ---------------------------------------------------------------------------

def _plan_form(territory, summary: plan.PlanSummary) -> PlanForm:
    form = PlanForm()
    if request.method == "GET" and summary.plan is not None:
        form.start_date.data = summary.start_date
        form.window_months.data = summary.window_months
        for milestone in summary.milestones:
            getattr(form, f"due_{milestone.code}").data = milestone.due_date
    return form


@bp.route("/territories/<slug>/research/plan", methods=["GET", "POST"], endpoint="plan")
def plan_page(slug: str):
    """The research plan: window, milestones with progress and status; ``?edit=1`` (or a POST)
    for its dates (plan.edit)."""
    territory = territory_or_404(slug, "research.view")
    editing = request.method == "POST" or request.args.get("edit") == "1"
    if editing:
        require("plan.edit", territory)
    summary = plan.plan_summary(territory)
    if not editing:
        return render_template("research/plan.html", territory=territory, summary=summary,
                               milestone_form=MilestoneForm(), may_edit=can(current_user, "plan.edit", territory),
                               rules=plan.PROGRESS_RULES, due_soon_days=plan.DUE_SOON_DAYS)
    form = _plan_form(territory, summary)
    if form.validate_on_submit():
        try:
            plan.save_plan(current_user, territory, form.start_date.data, form.window_months.data, form.due_dates())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Research plan saved."), "success")
            return redirect(url_for("research.plan", slug=territory.slug))
    return render_template("research/plan_form.html", territory=territory, summary=summary, form=form,
                           min_window=plan.MIN_WINDOW, max_window=plan.MAX_WINDOW), 400 if form.errors else 200



@bp.post("/territories/<slug>/research/plan/milestones/<code>")
def milestone(slug: str, code: str):
    """Declare a milestone done, or not done after all."""
    territory = territory_or_404(slug, "plan.edit")
    if code not in MILESTONES:
        abort(404)
    form = MilestoneForm()
    if not form.validate_on_submit() or form.done.data not in ("0", "1"):
        flash(_("The request was incomplete; nothing changed. Reload the page and try again."), "danger")
        return redirect(url_for("research.plan", slug=territory.slug))
    try:
        done = form.done.data == "1"
        plan.mark_milestone(current_user, territory, code, done)
    except DomainError as error:
        apply_domain_error(None, error)
    else:
        flash(_("%(milestone)s marked done.", milestone=MILESTONES[code]) if done
              else _("%(milestone)s marked not done.", milestone=MILESTONES[code]), "success")
    return redirect(url_for("research.plan", slug=territory.slug, _anchor=f"milestone-{code}"))
