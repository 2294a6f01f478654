"""The project workflow: one transitions table, and the one service that changes a status.

Nothing else writes ``TerritoryProject.status``. Each transition names the statuses it leaves
from, the status it leads to, who takes it (roles of the territory, ``chair`` for the local
committee's chair) and whether a comment is required; its guard says why it is refused.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.governance.models import Meeting
from najma.models_base import utcnow
from najma.permissions import can
from najma.projects import notify, services, voting
from najma.projects.committee import committee_of, voting_members
from najma.projects.models import (ActionExecution, Convention, ProjectAction, ProjectTransition, ProjectVersion,
                                   ProjectVote, TerritoryProject, VoteSeat)
from najma.territories.models import Territory
from najma.vocab import PROJECT_STATUSES, ROLES, label


@dataclass(frozen=True)
class Transition:
    """A row of the transitions table."""

    name: str
    sources: tuple[str, ...]
    #: The status it leads to; ``None`` when the vote's outcome decides (approved or rejected).
    target: str | None
    who: tuple[str, ...]
    comment_required: bool = False


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", ("draft",), "submitted", ("antenna_staff", "commission_member")),
    Transition("start_review", ("submitted",), "under_review", ("chair",)),
    Transition("send_back", ("submitted", "under_review"), "draft", ("chair",), comment_required=True),
    Transition("open_vote", ("under_review",), "voting", ("chair",)),
    Transition("cancel_vote", ("voting",), "under_review", ("chair",), comment_required=True),
    Transition("close_vote", ("voting",), None, ("chair",)),
    Transition("revise", ("rejected",), "draft", ("antenna_staff", "commission_member"), comment_required=True),
    Transition("sign_conventions", ("approved",), "contracted", ("delegate",)),
    Transition("start_execution", ("contracted",), "in_execution", ("delegate", "antenna_staff")),
    Transition("evaluate", ("in_execution",), "evaluated", ("delegate",), comment_required=True),
)}

#: Execution statuses that end an action (the project can then be evaluated).
FINISHED_EXECUTION = ("done", "dropped")


class TransitionRefused(DomainError):
    """A workflow step was refused; ``message`` says why. Nothing was changed."""


def stale_message():
    """What a user reads when the project changed since their page was drawn."""
    return _l("The project changed meanwhile; reload the page.")


@dataclass
class _Step:
    """What a guard needs to know about the step being taken, and what it decides."""

    actor: object
    project: object
    name: str
    comment: str
    meeting_id: int | None
    from_status: str
    version_number: int
    target: str | None = None
    vote: object | None = None
    approved_number: int | None = None


def _refuse(message, field: str | None = None):
    """Undo everything this step wrote, then refuse it."""
    db.session.rollback()
    raise TransitionRefused(message, field=field)


def _approved_actions(project_id: int, number: int | None) -> list[tuple[str, str]]:
    """``(key, title)`` of the actions of version ``number`` of the project, in their order."""
    if number is None:
        return []
    return [(row.key, row.title) for row in db.session.execute(
        sa.select(ProjectAction.key, ProjectAction.title).join(ProjectVersion, ProjectVersion.id == ProjectAction.version_id)
        .where(ProjectVersion.project_id == project_id, ProjectVersion.number == number)
        .order_by(ProjectAction.position, ProjectAction.id))]


def _locked_open_vote(project_id: int):
    """The project's open vote, its row locked until the step commits (ballots being cast wait)."""
    return db.session.execute(sa.select(ProjectVote).where(ProjectVote.project_id == project_id,
                                                           ProjectVote.state == "open")
                              .with_for_update().execution_options(populate_existing=True)).scalars().first()


def _guard_submit(step: _Step) -> None:
    problems = services.completeness_problems(services.current_version(step.project))
    if problems:
        _refuse(_l("The project cannot be submitted yet: %(problems)s", problems=" ".join(problems)))


def _guard_new_version(step: _Step) -> None:
    services.open_new_version(step.actor, step.project, step.comment)


def one_seat_per_person(members: list) -> list:
    """The memberships that get a seat in a vote: one per account (its chair membership if it
    has one, else its first in the given order), every membership without an account."""
    kept: dict[int, object] = {}
    for member in members:
        if member.user_id is None:
            continue
        first = kept.get(member.user_id)
        if first is None or (member.role == "chair" and first.role != "chair"):
            kept[member.user_id] = member
    return [m for m in members if m.user_id is None or kept[m.user_id] is m]


def _guard_open_vote(step: _Step) -> None:
    territory_id = step.project.territory_id
    body = committee_of(territory_id)
    members = voting_members(territory_id) if body is not None else []
    if not members:
        _refuse(_l("The committee has no voting member today: record its members before opening a vote."))
    if db.session.execute(sa.select(ProjectVote.id).where(ProjectVote.project_id == step.project.id,
                                                          ProjectVote.state == "open")).first() is not None:
        _refuse(_l("A vote is already open on this project."))
    if step.meeting_id is not None:
        meeting = db.session.get(Meeting, step.meeting_id)
        if meeting is None or meeting.body_id != body.id:
            _refuse(_l("Choose a meeting of this territory's committee."), field="meeting_id")
    version = services.current_version(step.project)
    services.freeze_version(version)
    rules = voting.rules_of(body)
    vote = ProjectVote(project_id=step.project.id, version_number=version.number, state="open",
                       opened_by_id=getattr(step.actor, "id", None), meeting_id=step.meeting_id,
                       quorum_percent=rules.quorum_percent, majority_rule=rules.majority_rule,
                       chair_breaks_tie=rules.chair_breaks_tie)
    db.session.add(vote)
    db.session.flush()
    db.session.add_all([VoteSeat(vote_id=vote.id, membership_id=m.id, user_id=m.user_id, full_name=m.full_name,
                                 sector=m.sector, organisation=m.organisation or "", is_chair=m.role == "chair")
                        for m in one_seat_per_person(members)])
    step.vote = vote
    step.version_number = version.number


def _guard_cancel_vote(step: _Step) -> None:
    vote = _locked_open_vote(step.project.id)
    if vote is None:
        _refuse(_l("No vote is open on this project."))
    vote.state = "cancelled"
    vote.closed_at = utcnow()
    vote.closed_by_id = getattr(step.actor, "id", None)
    step.vote = vote
    step.version_number = vote.version_number


def _guard_close_vote(step: _Step) -> None:
    vote = _locked_open_vote(step.project.id)
    if vote is None:
        _refuse(_l("No vote is open on this project."))
    tally = voting.tally(vote)
    if not tally.quorum_reached:
        _refuse(_l("Quorum not reached: %(participants)s of %(eligible)s voting members voted; "
                   "more than %(needed)s needed.", participants=tally.participants, eligible=tally.eligible,
                   needed=tally.quorum_needed_text))
    vote.state = "closed"
    vote.closed_at = utcnow()
    vote.closed_by_id = getattr(step.actor, "id", None)
    vote.outcome = tally.outcome
    vote.outcome_reason = tally.reason_code
    step.vote = vote
    step.target = tally.outcome
    step.version_number = vote.version_number
    if tally.outcome == "approved":
        step.approved_number = vote.version_number


def _guard_sign_conventions(step: _Step) -> None:
    conventions = {c.action_key: c for c in db.session.execute(
        sa.select(Convention).where(Convention.project_id == step.project.id)).scalars()}
    missing = [title for key, title in _approved_actions(step.project.id, step.project.approved_number)
               if not (key in conventions and conventions[key].signed_on and conventions[key].document_stored)]
    if missing:
        _refuse(_l("A signed convention, with its date and its signed document, is still missing for: %(actions)s.",
                   actions=", ".join(f"“{title}”" for title in missing)))


def _guard_evaluate(step: _Step) -> None:
    statuses = dict(db.session.execute(sa.select(ActionExecution.action_key, ActionExecution.status)
                                       .where(ActionExecution.project_id == step.project.id)).all())
    unfinished = [title for key, title in _approved_actions(step.project.id, step.project.approved_number)
                  if statuses.get(key) not in FINISHED_EXECUTION]
    if unfinished:
        _refuse(_l("Every action must be done or dropped before the evaluation; not yet: %(actions)s.",
                   actions=", ".join(f"“{title}”" for title in unfinished)))


def _no_guard(step: _Step) -> None:
    return None


#: The guard of each transition: it refuses (with the reason) or prepares the step.
GUARDS = {
    "submit": _guard_submit,
    "start_review": _no_guard,
    "send_back": _guard_new_version,
    "open_vote": _guard_open_vote,
    "cancel_vote": _guard_cancel_vote,
    "close_vote": _guard_close_vote,
    "revise": _guard_new_version,
    "sign_conventions": _guard_sign_conventions,
    "start_execution": _no_guard,
    "evaluate": _guard_evaluate,
}


def transition(actor, project, name: str, comment: str = "", *, status_version: int, meeting_id: int | None = None):
    """Take the workflow step ``name`` on ``project``: the only way a project's status changes.

    Checks the step exists and starts from the project's status, that ``actor`` may take it, the
    comment when required and the step's guard; then moves the status with a compare-and-set on
    ``status_version`` (the version the user's page showed), so two simultaneous steps give one.
    Records the step on the timeline and in the audit log, notifies the people concerned, commits
    and returns the ``ProjectTransition``. A refusal raises :class:`TransitionRefused` and changes
    nothing.
    """
    row = TRANSITIONS.get(name)
    if row is None:
        raise TransitionRefused(_l("This step does not exist."))
    comment = (comment or "").strip()
    try:
        expected = int(status_version)
    except (TypeError, ValueError):
        expected = -1
    # Lock the project's row: a simultaneous step waits here, then finds the status moved on.
    current = db.session.execute(
        sa.select(TerritoryProject.status, TerritoryProject.status_version, TerritoryProject.current_number)
        .where(TerritoryProject.id == project.id).with_for_update()).one()
    if expected != current.status_version:
        _refuse(stale_message())
    if current.status not in row.sources:
        _refuse(_l("This step is not possible while the project is %(status)s.",
                   status=label(PROJECT_STATUSES, current.status).lower()))
    if not can(actor, "project.transition", (project, name)):
        _refuse(_l("You may not take this step; it is taken by: %(who)s.", who=_who(row.who)))
    if row.comment_required and not comment:
        _refuse(_l("A comment is required for this step."), field="comment")
    step = _Step(actor=actor, project=project, name=name, comment=comment, meeting_id=meeting_id,
                 from_status=current.status, version_number=current.current_number, target=row.target)
    try:
        GUARDS[name](step)
        values = {"status": step.target, "status_version": TerritoryProject.status_version + 1,
                  "status_changed_at": utcnow()}
        if step.approved_number is not None:
            values["approved_number"] = step.approved_number
        result = db.session.execute(
            sa.update(TerritoryProject)
            .where(TerritoryProject.id == project.id, TerritoryProject.status_version == expected,
                   TerritoryProject.status == current.status)
            .values(**values).execution_options(synchronize_session=False))
    except IntegrityError:
        _refuse(stale_message())
    if result.rowcount != 1:
        _refuse(stale_message())
    db.session.expire(project, ["status", "status_version", "status_changed_at", "approved_number"])
    record = ProjectTransition(project_id=project.id, name=name, from_status=current.status, to_status=step.target,
                               version_number=step.version_number, actor_id=getattr(actor, "id", None),
                               actor_name=(getattr(actor, "full_name", "") or getattr(actor, "email", "") or "")[:160],
                               comment=comment)
    db.session.add(record)
    territory = db.session.get(Territory, project.territory_id)
    title = services.current_version(project).title
    after = {"status": step.target, "transition": name, "version": step.version_number}
    if step.vote is not None:
        after["vote"] = step.vote.id
    audit.record(actor, "transition", project, {"status": current.status}, after,
                 label=title, territory_id=project.territory_id)
    notify.for_transition(actor, name=name, territory=territory, title=title, outcome=step.target,
                          vote_id=step.vote.id if step.vote is not None else None, comment=comment)
    db.session.commit()
    return record


def _who(who: tuple[str, ...]) -> str:
    """The roles of a transitions row, named for a reader ("Antenna staff, Commission member")."""
    return ", ".join(str(_l("Committee chair")) if role == "chair" else str(ROLES.get(role, role)) for role in who)


def possible(user, project) -> list[Transition]:
    """The steps ``user`` may take on ``project`` now (status and role; the guards may still refuse)."""
    return [row for row in TRANSITIONS.values()
            if project.status in row.sources and can(user, "project.transition", (project, row.name))]


def timeline(project, limit: int | None = None) -> list:
    """The project's steps, newest first (all of them, or the last ``limit``)."""
    query = (sa.select(ProjectTransition).where(ProjectTransition.project_id == project.id)
             .order_by(ProjectTransition.at.desc(), ProjectTransition.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def votes_of(project) -> list:
    """Every vote on the project, newest first."""
    return list(db.session.execute(sa.select(ProjectVote).where(ProjectVote.project_id == project.id)
                                   .order_by(ProjectVote.opened_at.desc(), ProjectVote.id.desc())).scalars())


def open_vote_of(project):
    """The project's open vote, or ``None``."""
    return db.session.execute(sa.select(ProjectVote).where(ProjectVote.project_id == project.id,
                                                           ProjectVote.state == "open")).scalars().first()
