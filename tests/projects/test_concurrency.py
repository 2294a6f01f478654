"""Concurrency on PostgreSQL: the same member's two ballots cast at the same moment from two
connections give one ballot, and two simultaneous transitions from the same page give one
transition and one status change. Each thread has its own application context (so its own
session and connection) and commits, and a barrier makes both really race."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from tests.projects._workflow_fixtures import scene, take, to_voting

from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.projects import voting, workflow
from najma.projects.models import Ballot, ProjectTransition, ProjectVote, TerritoryProject

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL (run the suite with DATABASE_URL)")


def race(app, work, *argument_sets):
    """Run ``work(*arguments)`` in one thread per argument set, all released at once; returns
    each thread's result or the DomainError it raised, in order."""
    barrier = threading.Barrier(len(argument_sets))
    results: list = [None] * len(argument_sets)

    def run(index, arguments):
        from flask_babel import force_locale

        with app.app_context(), force_locale("en"):
            try:
                loaded = arguments()  # load the rows in this thread's own session
                barrier.wait(timeout=10)
                results[index] = work(*loaded)
            except DomainError as error:
                results[index] = error
            finally:
                db.session.rollback()

    threads = [threading.Thread(target=run, args=(i, arguments)) for i, arguments in enumerate(argument_sets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a lock never released)"
    db.session.rollback()
    return results


def refused(results) -> list[str]:
    return [str(r.message) for r in results if isinstance(r, DomainError)]


def test_two_ballots_of_the_same_member_at_once_give_one(app, db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    member_id, vote_id = s.members[0].id, vote.id

    def load():
        return db.session.get(User, member_id), db.session.get(ProjectVote, vote_id)

    results = race(app, lambda user, v: voting.cast_ballot(user, v, "approve").id, load, load)
    assert refused(results) == ["You have already voted."]
    assert db.session.execute(sa.select(sa.func.count(Ballot.id))).scalar_one() == 1


def test_two_ballots_racing_past_the_checks_are_stopped_by_the_unique_seat(app, db, territory, monkeypatch):
    s = scene(territory, members=2)
    vote = to_voting(s)
    member_id, vote_id = s.members[0].id, vote.id
    # Without the lock on the vote, only the unique seat of a ballot stands between two inserts.
    original_select = sa.Select.with_for_update
    monkeypatch.setattr(sa.Select, "with_for_update", lambda self, **kwargs: self)
    try:
        def load():
            return db.session.get(User, member_id), db.session.get(ProjectVote, vote_id)

        results = race(app, lambda user, v: voting.cast_ballot(user, v, "reject").id, load, load)
    finally:
        monkeypatch.setattr(sa.Select, "with_for_update", original_select)
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert refused(results) == ["You have already voted."]
    assert db.session.execute(sa.select(sa.func.count(Ballot.id))).scalar_one() == 1


@pytest.mark.parametrize("name", ["submit", "open_vote"])
def test_two_simultaneous_transitions_give_one(app, db, territory, name):
    s = scene(territory, members=2)
    actor = s.staff
    if name == "open_vote":
        take(s.staff, s.project, "submit")
        take(s.chair, s.project, "start_review")
        actor = s.chair
    db.session.refresh(s.project)
    project_id, actor_id, seen = s.project.id, actor.id, s.project.status_version
    before = db.session.execute(sa.select(sa.func.count(ProjectTransition.id))).scalar_one()

    def load():
        return db.session.get(User, actor_id), db.session.get(TerritoryProject, project_id)

    def step(user, project):
        return workflow.transition(user, project, name, "En même temps", status_version=seen).id

    results = race(app, step, load, load)
    assert refused(results) == ["The project changed meanwhile; reload the page."]
    assert db.session.execute(sa.select(sa.func.count(ProjectTransition.id))).scalar_one() == before + 1
    project = db.session.get(TerritoryProject, project_id)
    db.session.refresh(project)
    assert project.status_version == seen + 1
    if name == "open_vote":
        assert db.session.execute(sa.select(sa.func.count(ProjectVote.id))).scalar_one() == 1
