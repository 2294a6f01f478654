"""Workflow pages of a territory project: taking a step (the workflow panel of the project page),
the committee's vote with the ballot forms, the deliberations (every vote and the timeline), the
procès-verbal as a page and a PDF, and the committee's voting rules.

The views load (404), check the reader (403), validate and call one service; the workflow
service itself refuses a step the user may not take, and its refusals are shown with the
reason, keeping the comment the user typed.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.form_errors import apply_domain_error
from najma.governance.models import Meeting
from najma.models_base import utcnow
from najma.permissions import can, is_committee_chair, require
from najma.projects import minutes as minutes_service
from najma.projects import voting, workflow
from najma.projects.blueprint import bp, project_or_404, territory_or_404
from najma.projects.committee import committee_of
from najma.projects.models import Ballot, ProjectVersion, ProjectVote, VoteSeat
from najma.projects.workflow import TRANSITIONS
from najma.projects.workflow_forms import RETURN_PAGES, BallotForm, RulesForm, TransitionForm
from najma.territories.models import Territory
from najma.timeutil import format_datetime_local
from najma.vocab import PROJECT_TRANSITIONS, label

#: What each step's button says it will do, under the button.
STEP_HELP = {
    "submit": lambda: _("The committee and the provincial delegate are notified; the content can no longer be "
                        "edited unless the committee sends it back."),
    "start_review": lambda: _("Committee members comment on the project section by section."),
    "send_back": lambda: _("A new version is opened for the amendment; this version stays frozen and can be "
                           "compared with the next one."),
    "open_vote": lambda: _("The current version is frozen while the committee votes; every voting member with "
                           "an account is notified."),
    "cancel_vote": lambda: _("The ballots already cast stay on record. The version stays frozen: changing the "
                             "project then needs a send-back for amendment."),
    "close_vote": lambda: _("The vote closes with the result below, if the quorum is reached."),
    "revise": lambda: _("A new draft version is opened from the rejected one."),
    "sign_conventions": lambda: _("Every action of the approved version needs its convention, signed, with its "
                                  "date and the signed document."),
    "start_execution": lambda: _("The follow-up of the actions starts."),
    "evaluate": lambda: _("Every action must be done or dropped."),
}


def _meeting_choices(territory_id: int) -> list[tuple]:
    """The committee's meetings, newest first, for the vote's optional meeting."""
    body = committee_of(territory_id)
    if body is None:
        return []
    meetings = db.session.execute(sa.select(Meeting).where(Meeting.body_id == body.id)
                                  .order_by(Meeting.starts_at.desc()).limit(50)).scalars()
    return [(m.id, f"{m.title} · {format_datetime_local(m.starts_at, 'short')}") for m in meetings]


def _steps(project, user, comment: str = "") -> list[dict]:
    """The steps ``user`` may take now, as the panel shows them."""
    return [{"name": row.name, "label": label(PROJECT_TRANSITIONS, row.name),
             "comment_required": row.comment_required, "help": STEP_HELP[row.name](),
             "danger": row.name in ("send_back", "cancel_vote"), "comment": comment}
            for row in workflow.possible(user, project)]


def panel_context(project, user) -> dict:
    """What the workflow panel of the project page shows: the status and the time spent in it,
    the steps the user may take (with the committee's meetings for a vote and, for the chair
    closing a vote, the tally first), the open vote's progress and the user's seat in it, and
    the last five steps. A constant number of queries, whatever the number of seats or steps."""
    territory = db.session.get(Territory, project.territory_id)
    steps = _steps(project, user)
    names = {step["name"] for step in steps}
    vote = workflow.open_vote_of(project) if project.status == "voting" else None
    progress = my_seat = my_ballot = tally = None
    if vote is not None:
        eligible, voted = db.session.execute(
            sa.select(sa.func.count(VoteSeat.id), sa.func.count(Ballot.id))
            .select_from(VoteSeat).outerjoin(Ballot, Ballot.seat_id == VoteSeat.id)
            .where(VoteSeat.vote_id == vote.id)).one()
        progress = {"voted": voted, "eligible": eligible}
        row = db.session.execute(sa.select(VoteSeat, Ballot).outerjoin(Ballot, Ballot.seat_id == VoteSeat.id)
                                 .where(VoteSeat.vote_id == vote.id, VoteSeat.user_id == user.id)).first()
        if row is not None:
            my_seat, my_ballot = row
        if "close_vote" in names:
            tally = voting.tally(vote)
    frozen = False
    if project.status == "under_review":
        frozen = db.session.execute(sa.select(ProjectVersion.frozen_at).where(
            ProjectVersion.project_id == project.id, ProjectVersion.number == project.current_number)).scalar() is not None
    changed = project.status_changed_at
    return {
        "project": project, "territory": territory, "slug": territory.slug, "status_version": project.status_version,
        "since": changed, "time_in_status": format_timedelta(utcnow() - changed, threshold=1.1) if changed else "",
        "steps": steps, "meetings": _meeting_choices(project.territory_id) if "open_vote" in names else [],
        "vote": vote, "progress": progress, "my_seat": my_seat, "my_ballot": my_ballot, "tally": tally,
        "frozen_under_review": frozen, "timeline": workflow.timeline(project, limit=5),
    }


# --- taking a step -------------------------------------------------------------------------------

def _back_url(slug: str, back: str | None) -> str:
    page = back if back in RETURN_PAGES else "project"
    return url_for(f"projects.{page}", slug=slug)


@bp.post("/territories/<slug>/project/transitions/<name>")
def transition(slug: str, name: str):
    """Take the workflow step ``name``. A refused step is shown again with its reason and the
    comment typed (409, or 400 for a missing comment, 403 for a role that may not take it)."""
    territory, project = project_or_404(slug)
    if name not in TRANSITIONS:
        abort(404)
    form = TransitionForm()
    form.meeting_id.choices = [("", "—")] + _meeting_choices(territory.id)
    if not form.validate_on_submit():
        errors = [str(error) for messages in form.errors.values() for error in messages]
        return _refused_step(territory, project, name, form, " ".join(errors), 400)
    step_label = label(PROJECT_TRANSITIONS, name)
    try:
        record = workflow.transition(current_user, project, name, form.comment.data or "",
                                     status_version=form.status_version.data, meeting_id=form.meeting_id.data)
    except DomainError as error:
        db.session.rollback()
        if error.field == "comment":
            status = 400
        elif not can(current_user, "project.transition", (project, name)):
            status = 403
        else:
            status = 409
        return _refused_step(territory, project, name, form, str(error.message), status)
    flash(_("“%(step)s” done: the project is now %(status)s.", step=step_label,
            status=record.to_status_label.lower()), "success")
    return redirect(_back_url(slug, form.back.data))


def _refused_step(territory, project, name, form, reason: str, status: int):
    """The step's page after a refusal: the reason, the current status and, when the step is
    still possible, its form with the comment the user typed and the current status version."""
    db.session.refresh(project)
    steps = {step["name"]: step for step in _steps(project, current_user, form.comment.data or "")}
    return render_template(
        "projects/transition.html", territory=territory, project=project, name=name,
        step_label=label(PROJECT_TRANSITIONS, name), reason=reason, step=steps.get(name),
        meetings=_meeting_choices(territory.id) if name == "open_vote" else [], form=form,
        back=form.back.data if form.back.data in RETURN_PAGES else "project"), status


# --- the vote ------------------------------------------------------------------------------------

def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row.full_name or row.email for row in db.session.execute(
        sa.select(User.id, User.full_name, User.email).where(User.id.in_(ids)))}


def _vote_page(territory, project, *, form: BallotForm | None = None, paper_form: BallotForm | None = None,
               status: int = 200):
    """The open (or last) vote: its rules, the electorate with who has voted (and, once closed,
    how), the user's ballot form, the chair's paper ballots and the buttons to close or cancel."""
    votes = workflow.votes_of(project)
    vote = next((v for v in votes if v.state == "open"), votes[0] if votes else None)
    context = {"territory": territory, "project": project, "vote": vote, "form": None, "paper_form": None,
               "steps": {}, "tally": None, "seats": [], "ballots": {}, "names": {}, "meeting": None,
               "status_version": project.status_version}
    if vote is not None:
        seats, ballots = voting.seats_and_ballots(vote)
        is_open = vote.state == "open" and project.status == "voting"
        my_seat = next((seat for seat in seats if seat.user_id == current_user.id), None)
        paper_seats = [seat for seat in seats if seat.user_id is None and seat.id not in ballots]
        chair = is_open and is_committee_chair(current_user, territory.id)
        steps = {step["name"]: step for step in _steps(project, current_user)} if is_open else {}
        context.update(
            seats=seats, ballots=ballots, my_seat=my_seat, is_open=is_open,
            names=_names([vote.opened_by_id, vote.closed_by_id] + [b.recorded_by_id for b in ballots.values()]),
            meeting=db.session.get(Meeting, vote.meeting_id) if vote.meeting_id else None,
            tally=voting.tally(vote, seats, ballots) if (vote.state == "closed" or "close_vote" in steps) else None,
            participants=len(ballots), steps=steps)
        if is_open and my_seat is not None and my_seat.id not in ballots:
            context["form"] = form or BallotForm(formdata=None)
        if chair and paper_seats:
            paper_form = paper_form or BallotForm(formdata=None)
            paper_form.seat_id.choices = [(seat.id, seat.full_name) for seat in paper_seats]
            context["paper_form"] = paper_form
    return render_template("projects/vote.html", **context), status


@bp.get("/territories/<slug>/project/vote")
def vote(slug: str):
    """The open vote (or the last one): electorate, who has voted, the ballot form."""
    territory, project = project_or_404(slug)
    return _vote_page(territory, project)


@bp.post("/territories/<slug>/project/vote")
def cast_ballot(slug: str):
    """Cast the user's ballot, or (the chair) record the paper ballot of a member without an account."""
    territory, project = project_or_404(slug)
    open_vote = workflow.open_vote_of(project)
    if open_vote is None:
        flash(_("No vote is open on this project."), "warning")
        return _vote_page(territory, project, status=409)
    form = BallotForm()
    paper = bool(request.form.get("seat_id"))
    form.seat_id.choices = []
    if not form.validate_on_submit():
        return _vote_page(territory, project, form=None if paper else form, paper_form=form if paper else None,
                          status=400)
    try:
        ballot = voting.cast_ballot(current_user, open_vote, form.choice.data, form.comment.data or "",
                                    seat_id=form.seat_id.data if paper else None)
    except DomainError as error:
        # The seat's errors concern a form a member without the chair's role does not see: flash them.
        apply_domain_error(form if error.field == "choice" else None, error)
        return _vote_page(territory, project, form=None if paper else form, paper_form=form if paper else None,
                          status=400 if error.field == "choice" else 409)
    if paper:
        name = db.session.execute(sa.select(VoteSeat.full_name).where(VoteSeat.id == ballot.seat_id)).scalar()
        flash(_("The paper ballot of %(name)s is recorded.", name=name), "success")
    else:
        flash(_("Your ballot is recorded."), "success")
    return redirect(url_for("projects.vote", slug=slug))


# --- deliberations and the procès-verbal ---------------------------------------------------------

@bp.get("/territories/<slug>/project/votes")
def deliberations(slug: str):
    """Every vote on the project with its tally and procès-verbal, and the full timeline of steps."""
    territory, project = project_or_404(slug)
    votes = workflow.votes_of(project)
    meeting_ids = {v.meeting_id for v in votes if v.meeting_id}
    meetings = {m.id: m for m in db.session.execute(sa.select(Meeting).where(Meeting.id.in_(meeting_ids))).scalars()} \
        if meeting_ids else {}
    return render_template(
        "projects/deliberations.html", territory=territory, project=project, votes=votes,
        tallies=voting.tallies(votes), meetings=meetings,
        names=_names([v.opened_by_id for v in votes] + [v.closed_by_id for v in votes]),
        timeline=workflow.timeline(project), reason_label=voting.reason_label)


def _minutes(slug: str, vote_id: int):
    territory, project = project_or_404(slug)
    found = minutes_service.closed_vote(project, vote_id)
    if found is None:
        exists = db.session.execute(sa.select(ProjectVote.id).where(
            ProjectVote.id == vote_id, ProjectVote.project_id == project.id)).first()
        if exists is None:
            abort(404)
        abort(404, description=_("A procès-verbal is drawn up once the vote is closed."))
    return minutes_service.build(project, found)


@bp.get("/territories/<slug>/project/votes/<int:vote_id>/minutes")
def minutes(slug: str, vote_id: int):
    """The procès-verbal of a closed vote, with the version voted on."""
    return render_template("projects/minutes.html", m=_minutes(slug, vote_id))


@bp.get("/territories/<slug>/project/votes/<int:vote_id>/minutes.pdf")
def minutes_pdf(slug: str, vote_id: int):
    """The procès-verbal as a PDF, with the version voted on for signature."""
    from najma.pdf import html_to_pdf

    m = _minutes(slug, vote_id)
    html = render_template("projects/minutes_print.html", m=m)
    return Response(html_to_pdf(html, request.url_root), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{m.filename}"', "Cache-Control": "private, no-store"})


# --- the committee's rules -----------------------------------------------------------------------

@bp.route("/territories/<slug>/project/rules", methods=["GET", "POST"])
def rules(slug: str):
    """The committee's quorum and majority: its chair or the delegate edits them, others read."""
    territory = territory_or_404(slug)
    body = committee_of(territory.id)
    if body is None:
        abort(404)
    current = voting.rules_of(body)
    editable = can(current_user, "project.rules", body)
    form = RulesForm(obj=current) if editable else None
    status = 200
    if request.method == "POST":
        require("project.rules", body)
        if form.validate_on_submit():
            try:
                voting.set_rules(current_user, body, form.quorum_percent.data, form.majority_rule.data,
                                 form.chair_breaks_tie.data)
            except DomainError as error:
                apply_domain_error(form, error)
                status = 400 if error.field else 409
            else:
                flash(_("Voting rules saved: they apply to the next vote."), "success")
                return redirect(url_for("projects.rules", slug=slug))
        else:
            status = 400
    return render_template("projects/rules.html", territory=territory, body=body, rules=current, form=form,
                           open_vote=voting.open_vote_of_territory(territory.id),
                           project=_project_of(territory)), status


def _project_of(territory):
    from najma.projects.services import project_of

    return project_of(territory)
