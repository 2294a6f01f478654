"""The site problems log's services: raising (validation, default body), the steering
committee's solution (409 on a stale edit), closing and reopening, notifications, the lists the
dashboard and the national page read, and the demo problems."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.conftest import make_member, make_territory, make_user

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db as _db
from najma.models_base import utcnow
from najma.notifications.models import Notification
from najma.reference.models import Chantier
from najma.rollout import problems
from najma.rollout.models import SiteProblem
from najma.territories.services import territory_bodies


def chantier_id(code: str = "listening") -> int:
    return _db.session.execute(sa.select(Chantier.id).where(Chantier.code == code)).scalar_one()


def raise_one(territory, actor=None, *, kind: str = "antenna", days_ago: int | None = None, **fields):
    """A problem raised by the territory's ``kind`` body (``days_ago`` days ago when given)."""
    data = {"body_id": territory_bodies(territory)[kind].id, "title": "Pas de transport", "severity": "medium",
            "description": "Les femmes ne viennent plus."}
    data.update(fields)
    raised_at = utcnow() - timedelta(days=days_ago) if days_ago is not None else None
    return problems.raise_problem(actor, territory, data, raised_at=raised_at)


def notified(kind: str) -> dict[int, dict]:
    return {n.user_id: n.params for n in _db.session.execute(
        sa.select(Notification).where(Notification.kind == kind)).scalars()}


@pytest.fixture
def steerer(db):
    return make_user("steering", name="Salma Pilotage")


@pytest.fixture
def antenna_member(territory):
    return make_user("antenna_staff", territory=territory, name="Khadija Antenne")


# --- raising -------------------------------------------------------------------------------------

def test_raising_records_the_problem_audits_it_and_tells_the_steering_committee(territory, antenna_member, steerer):
    other_steering = make_user("steering")
    bystander = make_user("evaluator")
    inactive = make_user("steering")
    inactive.active = False
    _db.session.commit()

    problem = raise_one(territory, antenna_member, title="  Pas de transport  ", severity="high",
                        chantier_id=chantier_id())

    stored = _db.session.get(SiteProblem, problem.id)
    assert (stored.title, stored.severity, stored.status, stored.raised_by_id) == (
        "Pas de transport", "high", "open", antenna_member.id)
    assert stored.body_id == territory_bodies(territory)["antenna"].id
    assert stored.chantier_id == chantier_id()
    event = _db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "SiteProblem")).scalar_one()
    assert (event.verb, event.actor_id, event.territory_id) == ("create", antenna_member.id, territory.id)
    assert event.changes["title"]["after"] == "Pas de transport"
    sent = notified("problem_raised")
    assert set(sent) == {steerer.id, other_steering.id}
    assert bystander.id not in sent and inactive.id not in sent
    assert sent[steerer.id] == {"territory": "Azilal", "title": "Pas de transport", "severity": "high"}
    url = _db.session.execute(sa.select(Notification.url).where(Notification.user_id == steerer.id)).scalar_one()
    assert url == f"/rollout/problems/{problem.id}"


@pytest.mark.parametrize("fields, field, message", [
    ({"title": "   "}, "title", "A problem needs a title."),
    ({"title": "x" * 201}, "title", "The title is limited to 200 characters."),
    ({"severity": "urgent"}, "severity", "Choose a severity."),
    ({"chantier_id": 99999}, "chantier_id", "Unknown chantier."),
    ({"body_id": None}, "body_id", "Choose the body raising the problem"),
    ({"body_id": "abc"}, "body_id", "Choose the body raising the problem"),
    ({"description": "x" * 50_001}, "description", "The description is limited to 50,000 characters."),
])
def test_bad_input_is_refused_with_its_message_and_changes_nothing(territory, antenna_member, steerer,
                                                                    fields, field, message):
    with pytest.raises(DomainError) as refused:
        raise_one(territory, antenna_member, **fields)
    assert refused.value.field == field
    assert str(refused.value.message).startswith(message)
    _db.session.rollback()
    assert _db.session.execute(sa.select(sa.func.count()).select_from(SiteProblem)).scalar_one() == 0
    assert notified("problem_raised") == {}


def test_the_body_must_be_one_of_the_territorys_own(territory, antenna_member):
    other = make_territory("Safi", province_code="07.431")
    from najma.governance.services import get_steering_body

    for body_id in (territory_bodies(other)["antenna"].id, get_steering_body().id):
        with pytest.raises(DomainError) as refused:
            problems.raise_problem(antenna_member, territory, {"body_id": body_id, "title": "T", "severity": "low"})
        assert refused.value.field == "body_id"
        _db.session.rollback()


def test_the_form_preselects_the_body_the_user_sits_on(territory):
    bodies = problems.raising_bodies(territory)
    assert [b.kind for b in bodies] == ["antenna", "commission", "committee"]
    by_kind = {b.kind: b.id for b in bodies}
    commission_user = make_user()
    make_member(territory_bodies(territory)["commission"], user=commission_user)
    assert problems.default_body_id(commission_user, territory, bodies) == by_kind["commission"]
    delegate = make_user("delegate", territory=territory)
    assert problems.default_body_id(delegate, territory, bodies) == by_kind["committee"]
    staff = make_user("antenna_staff", territory=territory)
    assert problems.default_body_id(staff, territory, bodies) == by_kind["antenna"]
    other = make_territory("Safi", province_code="07.431")
    assert problems.default_body_id(make_user("antenna_staff", territory=other), territory, bodies) is None


# --- the steering committee's answer ------------------------------------------------------------

def test_a_solution_is_recorded_and_the_raiser_and_delegate_are_told(territory, antenna_member, steerer):
    delegate = make_user("delegate", territory=territory)
    elsewhere = make_user("delegate", territory=make_territory("Safi", province_code="07.431"))
    problem = raise_one(territory, antenna_member)

    problems.propose_solution(steerer, problem, "  Un minibus **prêté** par la commune.  ", 1)

    stored = _db.session.get(SiteProblem, problem.id)
    assert stored.status == "solution_proposed"
    assert stored.solution == "Un minibus **prêté** par la commune."
    assert stored.solution_by_id == steerer.id and stored.solution_at is not None
    assert stored.lock_version == 2
    sent = notified("problem_answered")
    assert set(sent) == {antenna_member.id, delegate.id}
    assert elsewhere.id not in sent and steerer.id not in sent
    event = _db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.changes["status"] == {"before": "open", "after": "solution_proposed"}
    assert event.actor_id == steerer.id


def test_a_stale_solution_is_refused_keeping_both_texts(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member)
    problems.propose_solution(steerer, problem, "Première réponse", 1)
    other = make_user("steering")
    with pytest.raises(problems.SolutionConflict) as conflict:
        problems.propose_solution(other, _db.session.get(SiteProblem, problem.id), "Ma réponse", 1)
    assert (conflict.value.mine, conflict.value.current, conflict.value.current_version) == (
        "Ma réponse", "Première réponse", 2)
    _db.session.rollback()
    assert _db.session.get(SiteProblem, problem.id).solution == "Première réponse"

    problems.propose_solution(other, _db.session.get(SiteProblem, problem.id), "Réponse révisée", 2)
    assert _db.session.get(SiteProblem, problem.id).solution == "Réponse révisée"


def test_a_concurrent_save_is_caught_by_the_compare_and_set(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member)
    # Someone saved in the database after this object was read (its lock_version is stale in memory).
    _db.session.execute(sa.update(SiteProblem).where(SiteProblem.id == problem.id)
                        .values(lock_version=5, solution="Saisie concurrente"))
    _db.session.commit()
    orm.attributes.set_committed_value(problem, "lock_version", 1)
    with pytest.raises(problems.SolutionConflict) as conflict:
        problems.propose_solution(steerer, problem, "Ma réponse", 1)
    assert conflict.value.current == "Saisie concurrente"
    assert conflict.value.current_version == 5


def test_an_empty_solution_is_refused(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member)
    with pytest.raises(DomainError) as refused:
        problems.propose_solution(steerer, problem, "  ", 1)
    assert refused.value.field == "solution"
    assert _db.session.get(SiteProblem, problem.id).status == "open"


def test_close_then_reopen_keeps_the_history(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member)
    problems.propose_solution(steerer, problem, "Réponse", 1)
    problems.close_problem(steerer, problem, "Résolu sur place.")
    stored = _db.session.get(SiteProblem, problem.id)
    assert stored.status == "closed" and stored.closed_by_id == steerer.id and stored.closed_at is not None

    with pytest.raises(DomainError, match="already closed"):
        problems.close_problem(steerer, stored, "")
    with pytest.raises(DomainError, match="reopen it first"):
        problems.propose_solution(steerer, stored, "Autre", stored.lock_version)
    with pytest.raises(DomainError) as refused:
        problems.reopen_problem(steerer, stored, "  ")
    assert refused.value.field == "reason"
    assert _db.session.get(SiteProblem, problem.id).status == "closed"

    problems.reopen_problem(steerer, stored, "Le minibus est en panne.")
    stored = _db.session.get(SiteProblem, problem.id)
    assert (stored.status, stored.closed_at, stored.closed_by_id) == ("open", None, None)
    assert stored.solution == "Réponse"
    with pytest.raises(DomainError, match="Only a closed problem"):
        problems.reopen_problem(steerer, stored, "Encore")

    history = problems.problem_history(stored)
    assert [e.verb for e in history] == ["create", "update", "close", "reopen"]
    assert history[2].changes["note"]["after"] == "Résolu sur place."
    assert history[3].changes["reason"]["after"] == "Le minibus est en panne."
    assert history[3].changes["status"] == {"before": "closed", "after": "open"}


def test_a_problem_can_be_closed_without_a_solution(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member)
    problems.close_problem(steerer, problem, "")
    assert _db.session.get(SiteProblem, problem.id).status == "closed"
    event = problems.problem_history(problem)[-1]
    assert event.verb == "close" and "note" not in event.changes


# --- lists ---------------------------------------------------------------------------------------

def test_open_problems_are_the_unresolved_ones_oldest_first_with_their_age(territory, antenna_member, steerer):
    safi = make_territory("Safi", province_code="07.431")
    recent = raise_one(territory, antenna_member, title="Récent", days_ago=3)
    old = raise_one(safi, None, title="Ancien", days_ago=70, severity="blocking")
    answered = raise_one(territory, antenna_member, title="Répondu", days_ago=40, severity="high")
    problems.propose_solution(steerer, answered, "Réponse", 1)
    closed = raise_one(territory, antenna_member, title="Fermé", days_ago=100)
    problems.close_problem(steerer, closed, "")

    rows = problems.open_problems()
    assert [r.problem.title for r in rows] == ["Ancien", "Répondu", "Récent"]
    assert [r.age_days for r in rows] == [70, 40, 3]
    assert [r.age_level for r in rows] == ["danger", "warning", ""]
    assert rows[0].territory.name == "Safi" and rows[0].body.kind == "antenna"
    assert rows[1].raised_by_name == "Khadija Antenne"
    assert [r.problem.title for r in problems.open_problems(limit=2)] == ["Ancien", "Répondu"]
    assert problems.counts_by_severity() == {"blocking": 1, "high": 1, "medium": 1, "low": 0}
    assert recent.id in {r.problem.id for r in rows} and old.id in {r.problem.id for r in rows}


def test_a_closed_problem_ages_until_it_was_closed(territory, antenna_member, steerer):
    problem = raise_one(territory, antenna_member, days_ago=90)
    problems.close_problem(steerer, problem, "")
    _db.session.execute(sa.update(SiteProblem).where(SiteProblem.id == problem.id)
                        .values(closed_at=utcnow() - timedelta(days=80)))
    _db.session.commit()
    row = problems.territory_problems(territory)[0]
    assert row.age_days == 10 and row.age_level == ""


def test_a_territorys_problems_put_the_closed_ones_last(territory, antenna_member, steerer):
    safi = make_territory("Safi", province_code="07.431")
    raise_one(safi, None, title="Ailleurs")
    closed = raise_one(territory, antenna_member, title="Fermé", days_ago=50)
    problems.close_problem(steerer, closed, "")
    raise_one(territory, antenna_member, title="Nouveau", days_ago=1)
    raise_one(territory, antenna_member, title="Ancien", days_ago=20)
    assert [r.problem.title for r in problems.territory_problems(territory)] == ["Ancien", "Nouveau", "Fermé"]


def test_the_national_page_filters_sorts_and_pages(territory, antenna_member, steerer, monkeypatch):
    safi = make_territory("Safi", province_code="07.431")
    a = raise_one(territory, antenna_member, title="A", days_ago=10, severity="low", chantier_id=chantier_id())
    b = raise_one(safi, None, title="B", days_ago=30, severity="blocking")
    c = raise_one(territory, antenna_member, title="C", days_ago=20, severity="high")
    problems.close_problem(steerer, c, "")

    def titles(**kwargs):
        return [r.problem.title for r in problems.national_page(problems.Filters(**kwargs)).rows]

    assert titles() == ["B", "A"]
    assert titles(status="all") == ["B", "C", "A"]
    assert titles(status="closed") == ["C"]
    assert titles(status="all", sort="recent") == ["A", "C", "B"]
    assert titles(status="all", sort="severity") == ["B", "C", "A"]
    assert titles(status="all", severity="high") == ["C"]
    assert titles(status="all", territory_id=territory.id) == ["C", "A"]
    assert titles(chantier_id=chantier_id()) == ["A"]
    assert a.id and b.id

    monkeypatch.setattr(problems, "PER_PAGE", 2)
    first = problems.national_page(problems.Filters(status="all"))
    assert (first.page.total, first.page.pages, len(first.rows)) == (3, 2, 2)
    last = problems.national_page(problems.Filters(status="all", page=9))
    assert last.page.page == 2 and [r.problem.title for r in last.rows] == ["A"]


# --- demo ----------------------------------------------------------------------------------------

def test_the_demo_problems_are_written_once_on_the_pilots(app, db):
    from najma.demo import load_demo
    from najma.rollout.problems_demo import load_demo_problems

    load_demo()
    before = _db.session.execute(sa.select(sa.func.count()).select_from(SiteProblem)).scalar_one()
    written = load_demo_problems()
    if before:  # the lead's load_demo already calls it
        assert written == 0
    rows = _db.session.execute(sa.select(SiteProblem).order_by(SiteProblem.id)).scalars().all()
    assert len(rows) == 3 and all(p.is_demo and "démo" in p.title for p in rows)
    assert sorted(p.status for p in rows) == ["closed", "open", "solution_proposed"]
    assert load_demo_problems() == 0
