"""Helpers of the convention, execution, roll-up and national view tests: a project taken to
approval through the real workflow (submission, review, the committee's vote), its conventions
signed with a document, its execution started, and small documents to upload."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from tests.conftest import make_user
from tests.projects.conftest import action_data, committee, retained_path

from najma.auth.models import User
from najma.extensions import db
from najma.models_base import utcnow
from najma.projects import conventions, services, voting, workflow
from najma.projects.models import TerritoryProject

#: The smallest PDF and PNG the type detection accepts, and an HTML page.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML_BYTES = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@dataclass
class Approved:
    """A territory's approved project and the people around it."""

    territory: object
    project: TerritoryProject
    staff: User
    delegate: User
    chair: User
    members: list[User]


def pdf(name: str = "convention-signee.pdf") -> conventions.UploadedDocument:
    """A signed document to upload (a tiny PDF)."""
    return conventions.UploadedDocument(name, io.BytesIO(PDF_BYTES))


def _take(actor, project: TerritoryProject, name: str, comment: str = "") -> None:
    db.session.refresh(project)
    workflow.transition(actor, project, name, comment, status_version=project.status_version)


def approved_project(territory, budgets=(("1000.00",), ("3000.00",)), *, title="Projet de territoire") -> Approved:
    """A project of ``len(budgets)`` actions (each with budget lines of the amounts given),
    submitted, reviewed and approved by the committee's unanimous vote."""
    staff = make_user("antenna_staff", territory=territory, name="Amina Antenne")
    delegate = make_user("delegate", territory=territory, name="Driss Délégué")
    chair = make_user(territory=territory, name="Karim Président")
    body = committee(territory, 2, chair_user=chair, users=True)
    members = list(db.session.execute(
        sa.select(User).where(User.id.in_(_member_user_ids(body)), User.id != chair.id).order_by(User.id)).scalars())
    path = retained_path(territory, staff)
    project = services.create_project(staff, territory, title)
    version = services.current_version(project)
    services.update_content(staff, project, {
        "title": title, "context": "Contexte.", "general_objective": "Objectif général.",
        "specific_objectives": "Objectif 1"}, version.lock_version)
    for number, amounts in enumerate(budgets, start=1):
        lines = [(f"Poste {i}", "Entraide Nationale", amount) for i, amount in enumerate(amounts, start=1)]
        services.save_action(staff, project, None, action_data(path, title=f"Action {number}", budget=lines), None)
    _take(staff, project, "submit")
    _take(chair, project, "start_review")
    _take(chair, project, "open_vote")
    vote = workflow.open_vote_of(project)
    for user in [chair, *members]:
        voting.cast_ballot(user, vote, "approve")
    _take(chair, project, "close_vote")
    db.session.refresh(project)
    assert project.status == "approved", project.status
    return Approved(territory, project, staff, delegate, chair, members)


def _member_user_ids(body) -> list[int]:
    from najma.governance.models import Membership

    return list(db.session.execute(sa.select(Membership.user_id).where(
        Membership.body_id == body.id, Membership.user_id.is_not(None))).scalars())


def action_keys(project: TerritoryProject) -> list[str]:
    """The keys of the approved version's actions, in order."""
    from najma.projects.execution import approved_actions

    return [action.key for action in approved_actions(project)]


def sign_all(scene: Approved, on: date | None = None) -> None:
    """Record and sign every convention with a document, then the delegate records them signed."""
    on = on or date.today() - timedelta(days=1)
    for row in conventions.convention_rows(scene.project):
        data = conventions.ConventionData(**{**row.defaults.__dict__, "signed_on": on})
        conventions.save_convention(scene.delegate, scene.project, row.action.key, data, row.lock_version, pdf())
    _take(scene.delegate, scene.project, "sign_conventions")


def in_execution(scene: Approved) -> Approved:
    """Sign the conventions and start execution."""
    sign_all(scene)
    _take(scene.delegate, scene.project, "start_execution")
    db.session.refresh(scene.project)
    return scene


def age(project: TerritoryProject, days: float) -> None:
    """Pretend the project has been in its status for ``days`` days."""
    db.session.execute(sa.update(TerritoryProject).where(TerritoryProject.id == project.id)
                       .values(status_changed_at=utcnow() - timedelta(days=days)))
    db.session.commit()
