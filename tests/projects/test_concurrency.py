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


# --- a workflow step against a write that would make its guard wrong --------------------------------

def _hold_after(original, locked: threading.Event, other_started: threading.Event, other_done: threading.Event):
    """``original`` wrapped to run once as usual, then say the lock is held and keep it a while:
    until the other thread has finished (it could not have, if it waits for the lock) or 1.5 s."""
    calls = []

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if not calls:
            calls.append(1)
            locked.set()
            other_started.wait(timeout=10)
            other_done.wait(timeout=1.5)
        return result

    return held


def _then(locked: threading.Event, started: threading.Event, done: threading.Event, work):
    """``work`` started once the other thread holds its lock; ``done`` set whatever happens."""
    def run():
        locked.wait(timeout=10)
        started.set()
        try:
            return work()
        finally:
            done.set()

    return run


@pytest.mark.parametrize("first", ["evaluate", "follow_up"])
def test_evaluating_and_setting_an_action_back_to_ongoing_give_one_consistent_outcome(app, db, territory,
                                                                                     monkeypatch, first):
    from tests.projects._execution_fixtures import action_keys, approved_project, in_execution

    from najma.projects import execution
    from najma.projects.execution import ExecutionData
    from najma.projects.models import ActionExecution

    a = in_execution(approved_project(territory))
    keys = action_keys(a.project)
    for key in keys:
        execution.save_execution(a.delegate, a.project, key, ExecutionData("done", 100), 0)
    project_id, delegate_id, staff_id, seen = a.project.id, a.delegate.id, a.staff.id, a.project.status_version
    lock = db.session.execute(sa.select(ActionExecution.lock_version).where(
        ActionExecution.project_id == project_id, ActionExecution.action_key == keys[0])).scalar_one()
    locked, started, done = threading.Event(), threading.Event(), threading.Event()

    def evaluate():
        project = db.session.get(TerritoryProject, project_id)
        return workflow.transition(db.session.get(User, delegate_id), project, "evaluate", "Évaluation",
                                   status_version=seen).to_status

    def follow_up():
        project = db.session.get(TerritoryProject, project_id)  # read while still in execution
        execution.save_execution(db.session.get(User, staff_id), project, keys[0], ExecutionData("ongoing", 40),
                                 lock)
        return "saved"

    if first == "evaluate":
        monkeypatch.setitem(workflow.GUARDS, "evaluate",
                            _hold_after(workflow.GUARDS["evaluate"], locked, started, done))
        works = (evaluate, _then(locked, started, done, follow_up))
    else:
        monkeypatch.setattr(execution, "execution_of", _hold_after(execution.execution_of, locked, started, done))
        works = (follow_up, _then(locked, started, done, evaluate))
    results = race(app, lambda work: work(), lambda: (works[0],), lambda: (works[1],))
    status = db.session.execute(sa.select(TerritoryProject.status).where(TerritoryProject.id == project_id)).scalar()
    statuses = db.session.execute(sa.select(ActionExecution.status).where(
        ActionExecution.project_id == project_id)).scalars().all()
    assert not (status == "evaluated" and "ongoing" in statuses)
    if first == "evaluate":
        assert results[0] == "evaluated" and status == "evaluated"
        assert refused(results) == ["The follow-up of actions is recorded once the conventions are signed, while "
                                    "the project is in execution."]
    else:
        assert results[0] == "saved" and status == "in_execution" and "ongoing" in statuses
        assert len(refused(results)) == 1 and refused(results)[0].startswith("Every action must be done or dropped")


@pytest.mark.parametrize("first", ["sign_conventions", "unsign"])
def test_recording_the_conventions_signed_and_clearing_a_signature_give_one_consistent_outcome(
        app, db, territory, monkeypatch, first):
    from datetime import date, timedelta

    from tests.projects._execution_fixtures import approved_project, pdf

    from najma.projects import conventions
    from najma.projects.models import Convention

    a = approved_project(territory)
    for row in conventions.convention_rows(a.project):
        data = conventions.ConventionData(**{**row.defaults.__dict__, "signed_on": date.today() - timedelta(days=1)})
        conventions.save_convention(a.delegate, a.project, row.action.key, data, row.lock_version, pdf())
    project_id, delegate_id, staff_id, seen = a.project.id, a.delegate.id, a.staff.id, a.project.status_version
    locked, started, done = threading.Event(), threading.Event(), threading.Event()

    def sign():
        project = db.session.get(TerritoryProject, project_id)
        return workflow.transition(db.session.get(User, delegate_id), project, "sign_conventions", "",
                                   status_version=seen).to_status

    def unsign():
        project = db.session.get(TerritoryProject, project_id)  # read while still approved
        row = conventions.convention_rows(project)[0]
        data = conventions.ConventionData(**{**row.defaults.__dict__, "signed_on": None})
        conventions.save_convention(db.session.get(User, staff_id), project, row.action.key, data, row.lock_version)
        return "saved"

    if first == "sign_conventions":
        monkeypatch.setitem(workflow.GUARDS, "sign_conventions",
                            _hold_after(workflow.GUARDS["sign_conventions"], locked, started, done))
        works = (sign, _then(locked, started, done, unsign))
    else:
        monkeypatch.setattr(conventions, "_current", _hold_after(conventions._current, locked, started, done))
        works = (unsign, _then(locked, started, done, sign))
    results = race(app, lambda work: work(), lambda: (works[0],), lambda: (works[1],))
    status = db.session.execute(sa.select(TerritoryProject.status).where(TerritoryProject.id == project_id)).scalar()
    unsigned = db.session.execute(sa.select(sa.func.count()).select_from(Convention).where(
        Convention.project_id == project_id, Convention.signed_on.is_(None))).scalar()
    assert not (status == "contracted" and unsigned)
    if first == "sign_conventions":
        assert results[0] == "contracted" and status == "contracted" and unsigned == 0
        assert len(refused(results)) == 1 and refused(results)[0].startswith("This convention is signed")
    else:
        assert results[0] == "saved" and status == "approved" and unsigned == 1
        assert len(refused(results)) == 1 and refused(results)[0].startswith("A signed convention")
