"""Site problem pages: the national list for the steering committee (filters, ageing), a
territory's problems, raising one, and the problem page where the steering committee proposes a
solution (a 409 page keeping the text when someone saved meanwhile), closes and reopens it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.permissions import require
from najma.reference.models import Chantier
from najma.rollout import problems as services
from najma.rollout.blueprint import bp, territory_or_404
from najma.rollout.problem_forms import CloseForm, ProblemFilterForm, ProblemForm, ReopenForm, SolutionForm
from najma.rollout.problems import ProblemData, ProblemRow, SolutionConflict
from najma.territories.models import Territory
from najma.vocab import PROBLEM_SEVERITIES, PROBLEM_STATUSES


def _chantier_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in db.session.execute(db.select(Chantier).order_by(Chantier.position)).scalars()]


# --- the national list ---------------------------------------------------------------------------

def _filters(form: ProblemFilterForm) -> services.Filters:
    """The filters the query string asks for (anything unknown ignored)."""
    status = form.status.data if form.status.data in services.STATUS_FILTERS else "unresolved"
    severity = form.severity.data if form.severity.data in PROBLEM_SEVERITIES else ""
    return services.Filters(
        status=status, severity=severity,
        territory_id=form.territory_id.data if (form.territory_id.data or 0) > 0 else None,
        chantier_id=form.chantier_id.data if (form.chantier_id.data or 0) > 0 else None,
        sort=form.sort.data if form.sort.data in services.SORTS else "age",
        page=request.args.get("page", 1, type=int) or 1)


@bp.get("/rollout/problems")
def problems():
    """Every site problem nationally, oldest first, with its age (flagged beyond 30 and 60
    days), filtered by status, severity, territory and chantier; the unresolved ones counted by
    severity."""
    require("rollout.view")
    form = ProblemFilterForm(formdata=request.args)
    form.status.choices = [("unresolved", _("Not closed")), ("all", _("All statuses"))] + list(
        PROBLEM_STATUSES.items())
    form.severity.choices = [("", _("All severities"))] + list(PROBLEM_SEVERITIES.items())
    form.territory_id.choices = [("", _("All territories"))] + [
        (t.id, t.name) for t in db.session.execute(db.select(Territory).order_by(Territory.name)).scalars()]
    form.chantier_id.choices = [("", _("All chantiers"))] + _chantier_choices()
    form.validate()
    filters = _filters(form)
    form.status.data, form.sort.data = filters.status, filters.sort
    view = services.national_page(filters)
    args = {name: value for name, value in request.args.items() if name != "page" and value}
    return render_template("rollout/problems.html", form=form, view=view, filters=filters, args=args,
                           warning_days=services.AGE_WARNING_DAYS, danger_days=services.AGE_DANGER_DAYS)


# --- a territory's problems ----------------------------------------------------------------------

@bp.get("/territories/<slug>/problems")
def territory_problems(slug: str):
    """The problems raised on the territory: the ones not closed first, oldest first."""
    territory = territory_or_404(slug, "problem.view")
    return render_template("rollout/territory_problems.html", territory=territory,
                           rows=services.territory_problems(territory),
                           warning_days=services.AGE_WARNING_DAYS, danger_days=services.AGE_DANGER_DAYS)


@bp.route("/territories/<slug>/problems/new", methods=["GET", "POST"])
def raise_problem(slug: str):
    """Raise a problem on the territory on behalf of one of its bodies (the user's by default)."""
    territory = territory_or_404(slug, "problem.raise")
    form = ProblemForm()
    bodies = services.raising_bodies(territory)
    form.body_id.choices = [("", "—")] + [(body.id, body.kind_label) for body in bodies]
    form.chantier_id.choices = [("", _("None in particular"))] + _chantier_choices()
    if request.method == "GET":
        form.body_id.data = services.default_body_id(current_user, territory, bodies)
    status = 200
    if form.validate_on_submit():
        try:
            problem = services.raise_problem(current_user, territory, ProblemData(
                body_id=form.body_id.data, title=form.title.data or "", severity=form.severity.data or "",
                description=form.description.data or "", chantier_id=form.chantier_id.data))
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400
        else:
            flash(_("Problem raised: the steering committee has been told."), "success")
            return redirect(url_for("rollout.problem", problem_id=problem.id))
    return render_template("rollout/problem_form.html", form=form, territory=territory), \
        400 if form.errors else status


# --- one problem ---------------------------------------------------------------------------------

def _problem_or_404(problem_id: int, action: str | None = None) -> ProblemRow:
    """The problem with its territory, body, chantier and raiser (404) if the user may see the
    territory's problems and, when given, ``action`` on the problem (403)."""
    row = services.load_problem(problem_id)
    if row is None:
        abort(404)
    require("problem.view", row.territory)
    if action:
        require(action, row.problem)
    return row


def _page(row: ProblemRow, *, solution_form=None, close_form=None, reopen_form=None, conflict=None, status=200):
    """The problem page, with the steering committee's forms (those given keep what was typed)."""
    problem = row.problem
    if solution_form is None:
        solution_form = SolutionForm(formdata=None, solution=problem.solution, lock_version=problem.lock_version)
    people = {user.id: user for user in db.session.execute(db.select(User).where(
        User.id.in_({problem.solution_by_id, problem.closed_by_id} - {None}))).scalars()} if (
        problem.solution_by_id or problem.closed_by_id) else {}
    return render_template(
        "rollout/problem.html", row=row, problem=problem, territory=row.territory,
        history=services.problem_history(problem), solution_by=people.get(problem.solution_by_id),
        closed_by=people.get(problem.closed_by_id), solution_form=solution_form,
        close_form=close_form or CloseForm(formdata=None), reopen_form=reopen_form or ReopenForm(formdata=None),
        conflict=conflict, warning_days=services.AGE_WARNING_DAYS, danger_days=services.AGE_DANGER_DAYS), status


@bp.get("/rollout/problems/<int:problem_id>")
def problem(problem_id: int):
    """The problem: description, the proposed solution, its history, and the steering
    committee's forms."""
    return _page(_problem_or_404(problem_id))


@bp.post("/rollout/problems/<int:problem_id>/solution")
def solve_problem(problem_id: int):
    """Record (or revise) the steering committee's proposed solution; 409 when someone saved
    meanwhile, with the text typed kept."""
    row = _problem_or_404(problem_id, "problem.solve")
    form = SolutionForm()
    if not form.validate_on_submit():
        return _page(row, solution_form=form, status=400)
    try:
        base = int(form.lock_version.data or 0)
    except ValueError:
        base = 0
    try:
        services.propose_solution(current_user, row.problem, form.solution.data or "", base)
    except SolutionConflict as conflict:
        db.session.rollback()
        form.lock_version.data = conflict.current_version
        return _page(services.load_problem(problem_id), solution_form=form, conflict=conflict, status=409)
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(services.load_problem(problem_id), solution_form=form, status=400 if error.field else 409)
    flash(_("Solution recorded: the raiser and the delegate have been told."), "success")
    return redirect(url_for("rollout.problem", problem_id=problem_id))


@bp.post("/rollout/problems/<int:problem_id>/close")
def close_problem(problem_id: int):
    """Close the problem, with an optional note."""
    row = _problem_or_404(problem_id, "problem.close")
    form = CloseForm()
    if not form.validate_on_submit():
        return _page(row, close_form=form, status=400)
    try:
        services.close_problem(current_user, row.problem, form.note.data or "")
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(services.load_problem(problem_id), close_form=form, status=400 if error.field else 409)
    flash(_("Problem closed."), "success")
    return redirect(url_for("rollout.problem", problem_id=problem_id))


@bp.post("/rollout/problems/<int:problem_id>/reopen")
def reopen_problem(problem_id: int):
    """Reopen a closed problem, with the reason."""
    row = _problem_or_404(problem_id, "problem.close")
    form = ReopenForm()
    if not form.validate_on_submit():
        return _page(row, reopen_form=form, status=400)
    try:
        services.reopen_problem(current_user, row.problem, form.reason.data or "")
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(services.load_problem(problem_id), reopen_form=form, status=400 if error.field else 409)
    flash(_("Problem reopened."), "success")
    return redirect(url_for("rollout.problem", problem_id=problem_id))
