"""The procès-verbal of a committee's deliberation on the territory project, built from the record
only: the vote's seats and ballots, its rules, the meeting and its attendance when recorded, the
outcome, the decision, signature blocks, and the version voted on for signature.

Nothing here is typed by hand, so the document cannot disagree with the vote it reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from najma.auth.models import User
from najma.extensions import db
from najma.governance.models import Attendance, Body, Meeting, Membership
from najma.projects import budget, services, voting
from najma.projects.committee import committee_of
from najma.projects.models import Ballot, ProjectVote, TerritoryProject, VoteSeat
from najma.territories.models import Territory
from najma.vocab import ATTENDANCE, SECTORS, label


@dataclass
class MemberVote:
    """One seat of the vote as the procès-verbal lists it."""

    seat: VoteSeat
    ballot: Ballot | None
    #: Entered by the chair for a member voting on paper at the meeting.
    on_paper: bool
    recorded_by: str

    @property
    def sector_label(self) -> str:
        """The member's sector, named in the reader's language."""
        return label(SECTORS, self.seat.sector)


@dataclass
class Present:
    """One line of the meeting's attendance list."""

    name: str
    organisation: str
    sector: str
    status: str
    status_label: str


@dataclass
class Minutes:
    """Everything the procès-verbal shows."""

    territory: Territory
    committee: Body | None
    project: TerritoryProject
    vote: ProjectVote
    opened_by: str
    closed_by: str
    meeting: Meeting | None
    attendance: list[Present]
    members: list[MemberVote]
    tally: voting.Tally
    chair_name: str
    secretary_name: str
    content: dict

    @property
    def version(self):
        """The version voted on (with its actions)."""
        return self.content["version"]

    @property
    def title(self) -> str:
        """The title of the version voted on."""
        return self.version.title

    @property
    def decision(self) -> str:
        """The decision sentence, in the reader's language."""
        values = {"committee": self.territory.name, "number": self.vote.version_number, "title": self.title}
        if self.vote.outcome == "approved":
            return _("The local institutional committee of %(committee)s approves version %(number)s of the "
                     "territory project “%(title)s”.", **values)
        return _("The local institutional committee of %(committee)s does not approve version %(number)s of the "
                 "territory project “%(title)s”.", **values)

    @property
    def reason(self) -> str:
        """Why the vote came out as it did, in the reader's language."""
        return voting.reason_label(self.vote.outcome_reason)

    @property
    def filename(self) -> str:
        """The PDF's file name: ``pv-<territory>-v<number>.pdf``."""
        return f"pv-{self.territory.slug}-v{self.vote.version_number}.pdf"


def closed_vote(project: TerritoryProject, vote_id: int) -> ProjectVote | None:
    """Vote ``vote_id`` of the project if it is closed (only a closed vote has a procès-verbal)."""
    return db.session.execute(sa.select(ProjectVote).where(
        ProjectVote.id == vote_id, ProjectVote.project_id == project.id, ProjectVote.state == "closed")).scalar_one_or_none()


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row.full_name or row.email for row in db.session.execute(
        sa.select(User.id, User.full_name, User.email).where(User.id.in_(ids)))}


def _secretary(body: Body | None, on: date) -> str:
    if body is None:
        return ""
    return db.session.execute(
        sa.select(Membership.full_name).where(
            Membership.body_id == body.id, Membership.role == "secretary", Membership.start_date <= on,
            sa.or_(Membership.end_date.is_(None), Membership.end_date >= on))
        .order_by(Membership.id).limit(1)).scalar() or ""


def _attendance(meeting: Meeting | None) -> list[Present]:
    if meeting is None:
        return []
    rows = db.session.execute(sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
                              .order_by(Attendance.id)).scalars().all()
    present = [Present(row.membership.full_name, row.membership.organisation or "",
                       label(SECTORS, row.membership.sector), row.status, label(ATTENDANCE, row.status))
               for row in rows]
    return sorted(present, key=lambda p: (list(ATTENDANCE).index(p.status) if p.status in ATTENDANCE else 9, p.name))


def build(project: TerritoryProject, vote: ProjectVote) -> Minutes:
    """The procès-verbal of ``vote`` (closed) on ``project``, in a fixed number of queries."""
    territory = db.session.get(Territory, project.territory_id)
    body = committee_of(territory.id)
    seats, ballots = voting.seats_and_ballots(vote)
    names = _names([vote.opened_by_id, vote.closed_by_id] + [b.recorded_by_id for b in ballots.values()])
    members = []
    for seat in seats:
        ballot = ballots.get(seat.id)
        on_paper = ballot is not None and (seat.user_id is None or ballot.recorded_by_id != seat.user_id)
        members.append(MemberVote(seat, ballot, on_paper,
                                  names.get(ballot.recorded_by_id, "") if ballot is not None else ""))
    meeting = db.session.get(Meeting, vote.meeting_id) if vote.meeting_id else None
    version = services.load_version(project, vote.version_number)
    chair = next((seat.full_name for seat in seats if seat.is_chair), "")
    closed_on = (vote.closed_at or vote.opened_at).date()
    return Minutes(territory=territory, committee=body, project=project, vote=vote,
                   opened_by=names.get(vote.opened_by_id, ""), closed_by=names.get(vote.closed_by_id, ""),
                   meeting=meeting, attendance=_attendance(meeting), members=members,
                   tally=voting.tally(vote, seats, ballots), chair_name=chair,
                   secretary_name=_secretary(body, closed_on), content=budget.content_context(version))
