"""Territory project pages: the project (or the page to start one), editing its content and
actions while it is a draft (a 409 page when someone saved meanwhile), the committee's comments
section by section, its versions, a frozen version and the comparison of two versions."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.permissions import can, require
from najma.projects import budget as budgets
from najma.projects import diff as diffs
from najma.projects import execution_views, services, workflow_views
from najma.projects.blueprint import bp, project_or_404, territory_or_404
from najma.projects.forms import (BLANK_BUDGET_ROWS, ActionForm, CommentForm, ConfirmForm, ContentForm,
                                  CreateProjectForm)
from najma.projects.services import ActionConflict, ActionData, BudgetRow, ContentData, ProjectConflict
from najma.reference.models import Chantier, TargetGroup
from najma.research.paths import retained_paths, territory_actors
from najma.vocab import SEXES


@bp.app_template_global("project_content_context")
def project_content_context(version, actions=None) -> dict:
    """For ``projects/_content.html`` rendered with only a version (the procès-verbal): the
    budget summary, the schedule and their pictures."""
    return budgets.content_context(version, actions)


@bp.app_template_global("project_action_names")
def project_action_names(action) -> dict:
    """For ``projects/_content.html``: the names of the actors an action cites, as frozen with
    its version when it is frozen (see ``services.action_names``)."""
    return services.action_names(action)


def _lock(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _not_a_draft(project) -> str:
    return _("The project can only be changed while it is a draft; it is %(status)s.",
             status=project.status_label.lower())


def _editable_or_refuse(slug: str, keep_typed: bool = False):
    """The territory, its project and a refusal (``None`` when the user may edit it now).

    An editor of the territory facing a project that is no longer a draft is sent back to the
    project page with the reason; but with ``keep_typed``, a form they send (POST) gets the
    refusal ``"typed"``: the view shows the form again with what they typed, the reason and a
    409, so that nothing typed is lost. Anyone else gets 403."""
    territory, project = project_or_404(slug)
    if can(current_user, "project.edit", project):
        return territory, project, None
    if can(current_user, "project.create", territory):
        if keep_typed and request.method == "POST":
            return territory, project, "typed"
        flash(_not_a_draft(project), "warning")
        return territory, project, redirect(url_for("projects.project", slug=territory.slug))
    abort(403)


# --- the project page ----------------------------------------------------------------------------

def _page_context(territory, project, version, *, current: bool) -> dict:
    """What the project page and the frozen version page show, in a fixed number of queries."""
    context = budgets.content_context(version)
    actions = context["actions"]
    path_ids = [path.id for action in actions for path in action.paths]
    context.update(
        territory=territory, project=project, printable=False,
        comments=services.comments_by_section(version),
        evidence_counts=services.evidence_counts(path_ids))
    if current:
        context["comment_form"] = CommentForm() if can(current_user, "project.comment", project) else None
        context["can_edit"] = version.frozen_at is None and can(current_user, "project.edit", project)
    else:
        context["comment_form"], context["can_edit"] = None, False
    return context


@bp.get("/territories/<slug>/project")
def project(slug: str):
    """The territory project: its status and workflow, content, budget, schedule, comments and
    the retained paths no action answers yet; without a project, the page to start one."""
    territory = territory_or_404(slug)
    found = services.project_of(territory)
    if found is None:
        return render_template("projects/start.html", territory=territory, project=None,
                               paths=retained_paths(territory), form=CreateProjectForm())
    version = services.load_version(found)
    context = _page_context(territory, found, version, current=True)
    context["unanswered"] = services.unanswered_paths(territory, version)
    if version.frozen_at is None and found.status == "draft" and can(current_user, "project.edit", found):
        context["problems"] = services.completeness_problems(version)
    context["workflow_panel"] = workflow_views.panel_context(found, current_user)
    context["execution_summary"] = execution_views.summary_context(found, current_user)
    return render_template("projects/project.html", **context)


@bp.post("/territories/<slug>/project")
def create(slug: str):
    """Start the territory's project with its title."""
    territory = territory_or_404(slug, "project.create")
    form = CreateProjectForm()
    if form.validate_on_submit():
        try:
            services.create_project(current_user, territory, form.title.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Project started: write its context and objectives, then its actions."), "success")
            return redirect(url_for("projects.project", slug=territory.slug))
    return render_template("projects/start.html", territory=territory, project=None,
                           paths=retained_paths(territory), form=form), 400


# --- content -------------------------------------------------------------------------------------

@bp.route("/territories/<slug>/project/edit", methods=["GET", "POST"])
def edit(slug: str):
    """Edit the title, context and objectives of the draft version; a save based on an older
    state of the version gets the 409 page with both texts."""
    territory, project, refusal = _editable_or_refuse(slug, keep_typed=True)
    if refusal == "typed":
        return render_template("projects/edit.html", territory=territory, project=project, form=ContentForm(),
                               version=services.current_version(project), refused=_not_a_draft(project)), 409
    if refusal:
        return refusal
    version = services.current_version(project)
    form = ContentForm()
    if request.method == "GET":
        form.title.data, form.context.data = version.title, version.context
        form.general_objective.data = version.general_objective
        form.specific_objectives.data = version.specific_objectives
        form.lock_version.data = version.lock_version
    status = 200
    if form.validate_on_submit():
        data = ContentData(title=form.title.data or "", context=form.context.data or "",
                           general_objective=form.general_objective.data or "",
                           specific_objectives=form.specific_objectives.data or "")
        try:
            services.update_content(current_user, project, data, _lock(form.lock_version.data) or 0)
        except ProjectConflict as conflict:
            form.lock_version.data = conflict.current_version
            return render_template("projects/conflict.html", territory=territory, project=project, form=form,
                                   conflict=conflict), 409
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400 if error.field else 409
        else:
            flash(_("Project saved."), "success")
            return redirect(url_for("projects.project", slug=territory.slug))
    return render_template("projects/edit.html", territory=territory, project=project, form=form,
                           version=version), 400 if form.errors else status


# --- actions -------------------------------------------------------------------------------------

@dataclass
class PathChoice:
    """A path offered by the action form: its title, target groups and whether it is retained."""

    id: int
    title: str
    groups: str
    retained: bool


def _action_form(territory, action=None) -> tuple[ActionForm, dict]:
    """The action form with its choices, filled from ``action`` on GET; returns it with what
    the template lays out (paths, target groups, the beneficiaries grid's values)."""
    form = ActionForm()
    chantiers = db.session.execute(db.select(Chantier).order_by(Chantier.position)).scalars().all()
    groups = db.session.execute(db.select(TargetGroup).order_by(TargetGroup.position)).scalars().all()
    actors = territory_actors(territory)
    institutions = [(actor.id, actor.name) for actor in services.institution_choices(territory)]
    form.chantier_id.choices = [("", "—")] + [(c.id, c.name) for c in chantiers]
    form.target_group_ids.choices = [(g.id, g.name) for g in groups]
    form.lead_actor_id.choices = [("", "—")] + actors
    form.partner_ids.choices = actors
    form.institution_actor_id.choices = [("", "—")] + institutions
    paths = retained_paths(territory)
    extra_paths = [p for p in (action.paths if action is not None else []) if p.id not in {q.id for q in paths}]
    form.path_ids.choices = [(p.id, p.title) for p in paths + extra_paths]
    beneficiaries: dict[tuple[int, str], str] = {}
    if request.method == "GET":
        rows = []
        if action is not None:
            form.title.data, form.description.data = action.title, action.description
            form.path_ids.data = [p.id for p in action.paths]
            form.chantier_id.data = action.chantier_id
            form.target_group_ids.data = [g.id for g in action.target_groups]
            form.lead_actor_id.data = action.lead_actor_id
            form.partner_ids.data = [a.id for a in action.partners]
            form.partners_text.data = action.partners_text
            form.institution_actor_id.data = action.institution_actor_id
            form.institution_name.data = action.institution_name
            form.start_date.data, form.end_date.data = action.start_date, action.end_date
            form.indicators_text.data = action.indicators_text
            rows = [{"item": line.item, "funder": line.funder, "amount": f"{line.amount:.2f}"}
                    for line in action.budget_lines]
            beneficiaries = {(b.target_group_id, b.sex): str(b.expected) for b in action.beneficiaries}
        elif len(paths) == 1:
            form.path_ids.data = [paths[0].id]
        for row in rows + [{}] * BLANK_BUDGET_ROWS:
            form.budget_lines.append_entry(row)
    else:
        beneficiaries = {(g.id, sex): request.form.get(f"beneficiaries-{g.id}-{sex}", "").strip()
                         for g in groups for sex in SEXES}
    # Plain values: a refused save rolls back, which would leave the rows without their relations.
    retained_ids = {p.id for p in paths}
    layout = {"paths": [PathChoice(p.id, p.title, ", ".join(g.name for g in p.target_groups), p.id in retained_ids)
                        for p in paths + extra_paths],
              "groups": [(g.id, g.name) for g in groups], "beneficiaries": beneficiaries}
    return form, layout


def _action_data(form: ActionForm, layout: dict) -> ActionData:
    return ActionData(
        title=form.title.data or "", description=form.description.data or "", chantier_id=form.chantier_id.data,
        target_group_ids=list(form.target_group_ids.data or []), path_ids=list(form.path_ids.data or []),
        lead_actor_id=form.lead_actor_id.data, partner_ids=list(form.partner_ids.data or []),
        partners_text=form.partners_text.data or "", institution_actor_id=form.institution_actor_id.data,
        institution_name=form.institution_name.data or "", beneficiaries=layout["beneficiaries"],
        budget_lines=[BudgetRow(entry.item.data or "", entry.funder.data or "", entry.amount.data or "")
                      for entry in form.budget_lines],
        start_date=form.start_date.data, end_date=form.end_date.data,
        indicators_text=form.indicators_text.data or "")


def _action_page(territory, project, form, layout, action=None, conflict=None, status=200, extra_errors=None,
                 refused=None):
    return render_template("projects/action_form.html", territory=territory, project=project, form=form,
                           action=action, conflict=conflict, sexes=SEXES, form_extra_errors=extra_errors or {},
                           refused=refused, **layout), status


def _save_action(slug: str, key: str | None):
    territory, project, refusal = _editable_or_refuse(slug, keep_typed=True)
    if refusal and refusal != "typed":
        return refusal
    version = services.load_version(project)
    action = None
    if key is not None:
        action = services.find_action(version, key)
        if action is None:
            abort(404)
    form, layout = _action_form(territory, action)
    if refusal == "typed":
        return _action_page(territory, project, form, layout, action, status=409, refused=_not_a_draft(project))
    if request.method == "GET":
        form.lock_version.data = version.lock_version
    status = 200
    extra_errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            saved = services.save_action(current_user, project, key, _action_data(form, layout),
                                         _lock(form.lock_version.data))
        except ActionConflict as conflict:
            db.session.rollback()
            form.lock_version.data = conflict.current_version
            return _action_page(territory, project, form, layout, action, conflict=conflict, status=409)
        except DomainError as error:
            if error.field == "beneficiaries":
                db.session.rollback()
                extra_errors["beneficiaries"] = str(error.message)
            else:
                apply_domain_error(form, error)
            status = 400 if error.field else 409
        else:
            flash(_("Action saved."), "success")
            return redirect(url_for("projects.project", slug=territory.slug, _anchor=f"action-{saved.key}"))
    return _action_page(territory, project, form, layout, action, status=400 if form.errors else status,
                        extra_errors=extra_errors)


@bp.route("/territories/<slug>/project/actions/new", methods=["GET", "POST"])
def new_action(slug: str):
    """Add an action to the draft version."""
    return _save_action(slug, None)


@bp.route("/territories/<slug>/project/actions/<key>/edit", methods=["GET", "POST"])
def edit_action(slug: str, key: str):
    """Change an action of the draft version."""
    return _save_action(slug, key)


@bp.post("/territories/<slug>/project/actions/<key>/delete")
def delete_action(slug: str, key: str):
    """Remove an action from the draft version (earlier versions keep it)."""
    territory, project, refusal = _editable_or_refuse(slug)
    if refusal:
        return refusal
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_action(current_user, project, key, _lock(form.lock_version.data))
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Action removed from the project."), "success")
    return redirect(url_for("projects.project", slug=territory.slug))


@bp.post("/territories/<slug>/project/actions/<key>/move")
def move_action(slug: str, key: str):
    """Move an action one place up or down."""
    territory, project, refusal = _editable_or_refuse(slug)
    if refusal:
        return refusal
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.move_action(current_user, project, key, request.form.get("direction", ""),
                                 _lock(form.lock_version.data))
        except DomainError as error:
            apply_domain_error(None, error)
    return redirect(url_for("projects.project", slug=territory.slug, _anchor=f"action-{key}"))


# --- comments ------------------------------------------------------------------------------------

@bp.post("/territories/<slug>/project/comments")
def comment(slug: str):
    """Comment on one section of the project under review."""
    territory, project = project_or_404(slug)
    require("project.comment", project)
    form = CommentForm()
    section = request.form.get("section", "")
    anchor = f"section-{section.replace(':', '-')}" if section else None
    if form.validate_on_submit():
        try:
            services.add_comment(current_user, project, form.section.data, form.body.data)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Comment added."), "success")
    else:
        flash(_("Write a comment first."), "danger")
    return redirect(url_for("projects.project", slug=territory.slug, _anchor=anchor))


# --- versions ------------------------------------------------------------------------------------

@bp.get("/territories/<slug>/project/versions")
def versions(slug: str):
    """Every version of the project, with the form to compare two of them."""
    territory, project = project_or_404(slug)
    return render_template("projects/versions.html", territory=territory, project=project,
                           versions=services.versions(project), counts=services.action_counts(project))


@bp.get("/territories/<slug>/project/versions/<int:number>")
def version(slug: str, number: int):
    """One version as it was (frozen) or is (the current one), with its comments."""
    territory, project = project_or_404(slug)
    found = services.load_version(project, number)
    if found is None:
        abort(404)
    context = _page_context(territory, project, found, current=False)
    return render_template("projects/version.html", **context)


@bp.get("/territories/<slug>/project/versions/diff")
def diff(slug: str):
    """What changed between two versions: texts word by word, actions added, removed or changed,
    budget totals before and after."""
    territory, project = project_or_404(slug)
    all_versions = services.versions(project)
    numbers = [v.number for v in all_versions]
    newest = project.current_number
    old_number = request.args.get("from", type=int)
    new_number = request.args.get("to", type=int)
    if old_number is None:
        old_number = max(newest - 1, 1)
    if new_number is None:
        new_number = newest
    if old_number not in numbers or new_number not in numbers:
        abort(404)
    old, new = services.load_version(project, old_number), services.load_version(project, new_number)
    return render_template("projects/diff.html", territory=territory, project=project, versions=all_versions,
                           comparison=diffs.compare(old, new))
