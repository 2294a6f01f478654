"""Helpers of the workflow, vote and procès-verbal tests: a committee whose members have
accounts, a project taken to a given status through the workflow service, ballots."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from tests.conftest import make_member, make_user
from tests.projects.conftest import committee, make_project

from najma.auth.models import User
from najma.extensions import db
from najma.governance.models import Body, Membership
from najma.projects import voting, workflow
from najma.projects.models import TerritoryProject


@dataclass
class Scene:
    """A territory with its antenna, delegate, committee (chair and members with accounts) and project."""

    territory: object
    staff: User
    delegate: User
    chair: User
    members: list[User]
    body: Body
    project: TerritoryProject
    extra: dict = field(default_factory=dict)


def member_users(body: Body) -> list[User]:
    """The accounts of the body's members who are not chair, in the order they were added."""
    return list(db.session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.body_id == body.id, Membership.role != "chair").order_by(Membership.id)).scalars())


def scene(territory, members: int = 4, *, accounts: bool = True, actions: int = 1) -> Scene:
    """A complete draft project and a committee of a chair and ``members`` voting members."""
    staff = make_user("antenna_staff", territory=territory, name="Amina Antenne")
    delegate = make_user("delegate", territory=territory, name="Driss Délégué")
    chair = make_user(territory=territory, name="Karim Président")
    body = committee(territory, members, chair_user=chair, users=accounts)
    project = make_project(territory, staff, actions=actions)
    return Scene(territory, staff, delegate, chair, member_users(body), body, project)


def add_voting_member(body, name="Membre sans compte", *, user=None, voting=True):
    """One more seat on the committee (without an account unless ``user``)."""
    return make_member(body, name=name, user=user, voting=voting)


def take(actor, project: TerritoryProject, name: str, comment: str = "", **kwargs):
    """Take the step ``name`` with the project's current ``status_version``."""
    db.session.refresh(project)
    return workflow.transition(actor, project, name, comment, status_version=project.status_version, **kwargs)


def to_voting(s: Scene, **kwargs):
    """Take the scene's project from draft to an open vote; returns the vote."""
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    take(s.chair, s.project, "open_vote", **kwargs)
    return workflow.open_vote_of(s.project)


def ballots(vote, pairs):
    """Cast ``(user, choice)`` ballots on ``vote``."""
    for user, choice in pairs:
        voting.cast_ballot(user, vote, choice)


def approved(s: Scene):
    """Take the scene's project to approved (everyone votes for); returns the closed vote."""
    vote = to_voting(s)
    ballots(vote, [(s.chair, "approve")] + [(m, "approve") for m in s.members])
    take(s.chair, s.project, "close_vote")
    return vote
