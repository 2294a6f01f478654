"""The site problems pages: who may see and raise (403/404), the raise form (errors re-render and
change nothing), the steering committee's solve/close/reopen forms (409 keeping the text), the
national list's filters and ageing, and its constant query count."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user

from najma.extensions import db as _db
from najma.models_base import utcnow
from najma.notifications.models import Notification
from najma.reference.models import Chantier
from najma.rollout import problems
from najma.rollout.models import SiteProblem
from najma.territories.services import territory_bodies


def _count_queries(call):
    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    sa.event.listen(_db.engine, "before_cursor_execute", before)
    try:
        response = call()
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return count


def raise_one(territory, actor=None, *, kind: str = "antenna", days_ago: int | None = None, **fields):
    data = {"body_id": territory_bodies(territory)[kind].id, "title": "Pas de transport", "severity": "medium",
            "description": "Les femmes ne viennent plus."}
    data.update(fields)
    raised_at = utcnow() - timedelta(days=days_ago) if days_ago is not None else None
    return problems.raise_problem(actor, territory, data, raised_at=raised_at)


def count_problems() -> int:
    return _db.session.execute(sa.select(sa.func.count()).select_from(SiteProblem)).scalar_one()


def stored(problem_id: int) -> SiteProblem:
    return _db.session.execute(sa.select(SiteProblem).where(SiteProblem.id == problem_id)
                               .execution_options(populate_existing=True)).scalar_one()


def sign_in(login, role):
    """``login(role)``, on the first chantier for a chantier lead."""
    if role == "chantier_lead":
        first = _db.session.execute(sa.select(Chantier).order_by(Chantier.position)).scalars().first()
        return login(role, chantier=first)
    return login(role)


@pytest.fixture
def safi(db):
    return make_territory("Safi", province_code="07.431")


@pytest.fixture
def problem(territory):
    return raise_one(territory, make_user("antenna_staff", territory=territory), title="Problème d'Azilal")


# --- who sees what -------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("steering", 200), ("evaluator", 200), ("admin", 200), ("antenna_staff", 403), ("viewer", 403), (None, 403)])
def test_the_national_list_is_for_steering_evaluators_and_admins(client, login, role, status):
    login(role)
    assert client.get("/rollout/problems").status_code == status


def test_the_national_list_asks_to_sign_in(client, db):
    response = client.get("/rollout/problems")
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("role, status", [
    ("antenna_staff", 200), ("commission_member", 200), ("committee_member", 200), ("delegate", 200),
    ("steering", 200), ("evaluator", 200), ("viewer", 403), ("chantier_lead", 403)])
def test_a_territorys_problems_are_for_its_bodies_and_readers(client, login, territory, problem, role, status):
    sign_in(login, role)
    response = client.get(f"/territories/{territory.slug}/problems")
    assert response.status_code == status
    if status == 200:
        assert "Problème d&#39;Azilal" in response.text or "Problème d'Azilal" in response.text


def test_a_member_of_another_territory_sees_neither_its_list_nor_its_problems(client, login, territory, safi, problem):
    login("antenna_staff", on=safi)
    assert client.get(f"/territories/{territory.slug}/problems").status_code == 403
    assert client.get(f"/rollout/problems/{problem.id}").status_code == 403
    assert client.get(f"/territories/{territory.slug}/problems/new").status_code == 403


def test_unknown_problems_and_territories_are_404(client, login):
    login("steering")
    assert client.get("/rollout/problems/999999").status_code == 404
    assert client.get("/territories/nowhere/problems").status_code == 404
    response = client.post("/rollout/problems/999999/solution", data={"solution": "x", "lock_version": 1})
    assert response.status_code == 404


def test_the_raise_button_shows_for_those_who_may_raise(client, login, territory):
    login("commission_member")
    assert 'data-testid="raise-problem"' in client.get(f"/territories/{territory.slug}/problems").text
    login("evaluator")
    assert 'data-testid="raise-problem"' not in client.get(f"/territories/{territory.slug}/problems").text


# --- raising -------------------------------------------------------------------------------------

def test_the_form_preselects_the_users_body_and_a_raise_tells_the_steering(client, login, territory):
    steering = make_user("steering")
    user = login("commission_member")
    commission = territory_bodies(territory)["commission"]
    page = client.get(f"/territories/{territory.slug}/problems/new")
    assert page.status_code == 200
    assert f'<option selected value="{commission.id}">' in page.text

    listening = _db.session.execute(sa.select(Chantier).where(Chantier.code == "listening")).scalar_one()
    response = client.post(f"/territories/{territory.slug}/problems/new", data={
        "body_id": commission.id, "title": "Salle indisponible", "severity": "high", "chantier_id": listening.id,
        "description": "La salle <script>alert(1)</script> est **fermée**."})
    assert response.status_code == 302
    created = _db.session.execute(sa.select(SiteProblem)).scalar_one()
    assert response.headers["Location"].endswith(f"/rollout/problems/{created.id}")
    assert (created.raised_by_id, created.body_id, created.severity, created.chantier_id) == (
        user.id, commission.id, "high", listening.id)
    assert _db.session.execute(sa.select(Notification.user_id).where(
        Notification.kind == "problem_raised")).scalars().all() == [steering.id]

    page = client.get(f"/rollout/problems/{created.id}").text
    assert "<strong>fermée</strong>" in page
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize("data, message", [
    ({"title": ""}, "A problem needs a title."),
    ({"title": "x" * 201}, "The title is limited to 200 characters."),
    ({"severity": "urgent"}, "Not a valid choice"),
    ({"body_id": ""}, "Choose the body raising the problem."),
    ({"chantier_id": "99999"}, "Unknown chantier."),
])
def test_bad_raise_forms_re_render_with_their_error_and_change_nothing(client, login, territory, data, message):
    login("antenna_staff")
    posted = {"body_id": territory_bodies(territory)["antenna"].id, "title": "Titre", "severity": "low",
              "description": "Mon texte gardé"}
    posted.update(data)
    response = client.post(f"/territories/{territory.slug}/problems/new", data=posted)
    assert response.status_code == 400
    assert message in response.text
    assert "Mon texte gardé" in response.text
    assert count_problems() == 0


def test_a_body_of_another_territory_is_refused(client, login, territory, safi):
    login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/problems/new", data={
        "body_id": territory_bodies(safi)["antenna"].id, "title": "Titre", "severity": "low"})
    assert response.status_code == 400
    assert "among this territory&#39;s antenna" in response.text or "among this territory's antenna" in response.text
    assert count_problems() == 0


@pytest.mark.parametrize("role", ["viewer", "evaluator", "steering", "chantier_lead"])
def test_only_the_territorys_bodies_may_raise(client, login, territory, role):
    sign_in(login, role)
    response = client.post(f"/territories/{territory.slug}/problems/new", data={
        "body_id": territory_bodies(territory)["antenna"].id, "title": "Titre", "severity": "low"})
    assert response.status_code == 403
    assert count_problems() == 0


def test_a_member_of_another_territory_may_not_raise_here(client, login, territory, safi):
    login("antenna_staff", on=safi)
    response = client.post(f"/territories/{territory.slug}/problems/new", data={
        "body_id": territory_bodies(territory)["antenna"].id, "title": "Titre", "severity": "low"})
    assert response.status_code == 403
    assert count_problems() == 0


# --- the problem page and the steering committee's forms -----------------------------------------

def test_the_steering_committee_sees_its_forms_and_members_do_not(client, login, territory, problem):
    login("steering")
    page = client.get(f"/rollout/problems/{problem.id}").text
    assert 'data-testid="solution-form"' in page and 'data-testid="close-form"' in page
    login("antenna_staff")
    page = client.get(f"/rollout/problems/{problem.id}").text
    assert 'data-testid="solution-form"' not in page and 'data-testid="close-form"' not in page
    assert "Problème d" in page


@pytest.mark.parametrize("role", ["antenna_staff", "delegate", "evaluator", "viewer"])
def test_only_the_steering_committee_solves_closes_and_reopens(client, login, territory, problem, role):
    login(role)
    assert client.post(f"/rollout/problems/{problem.id}/solution",
                       data={"solution": "x", "lock_version": 1}).status_code == 403
    assert client.post(f"/rollout/problems/{problem.id}/close", data={"note": ""}).status_code == 403
    problems.close_problem(None, stored(problem.id), "")
    assert client.post(f"/rollout/problems/{problem.id}/reopen", data={"reason": "x"}).status_code == 403
    after = stored(problem.id)
    assert (after.status, after.solution) == ("closed", "")


def test_steering_proposes_a_solution_and_the_raiser_and_delegate_hear_of_it(client, login, territory):
    raiser = make_user("antenna_staff", territory=territory)
    delegate = make_user("delegate", territory=territory)
    problem = raise_one(territory, raiser)
    login("steering")
    response = client.post(f"/rollout/problems/{problem.id}/solution",
                           data={"solution": "Un minibus **prêté**", "lock_version": 1})
    assert response.status_code == 302
    assert stored(problem.id).status == "solution_proposed"
    assert set(_db.session.execute(sa.select(Notification.user_id).where(
        Notification.kind == "problem_answered")).scalars()) == {raiser.id, delegate.id}
    page = client.get(f"/rollout/problems/{problem.id}").text
    assert "<strong>prêté</strong>" in page
    assert 'data-verb="update"' in page and "Solution proposed" in page


def test_an_empty_solution_re_renders_and_changes_nothing(client, login, problem):
    login("steering")
    response = client.post(f"/rollout/problems/{problem.id}/solution", data={"solution": "  ", "lock_version": 1})
    assert response.status_code == 400
    assert "Write the proposed solution." in response.text
    assert stored(problem.id).status == "open"


def test_a_stale_solution_gets_a_409_keeping_the_text(client, login, problem):
    login("steering")
    problems.propose_solution(make_user("steering"), stored(problem.id), "Réponse de ma collègue", 1)
    response = client.post(f"/rollout/problems/{problem.id}/solution",
                           data={"solution": "Ma réponse à moi", "lock_version": 1})
    assert response.status_code == 409
    assert 'data-testid="solution-conflict"' in response.text
    assert "Ma réponse à moi" in response.text
    assert "Réponse de ma collègue" in response.text
    assert 'name="lock_version" type="hidden" value="2"' in response.text
    assert stored(problem.id).solution == "Réponse de ma collègue"
    assert client.post(f"/rollout/problems/{problem.id}/solution",
                       data={"solution": "Ma réponse à moi", "lock_version": 2}).status_code == 302
    assert stored(problem.id).solution == "Ma réponse à moi"


def test_steering_closes_and_reopens_with_a_reason(client, login, problem):
    login("steering")
    assert client.post(f"/rollout/problems/{problem.id}/close", data={"note": "Réglé"}).status_code == 302
    after = stored(problem.id)
    assert after.status == "closed" and after.closed_at is not None
    page = client.get(f"/rollout/problems/{problem.id}").text
    assert 'data-testid="reopen-form"' in page and 'data-testid="solution-form"' not in page
    assert "Réglé" in page

    refused = client.post(f"/rollout/problems/{problem.id}/close", data={"note": ""})
    assert refused.status_code == 409 and "already closed" in refused.text

    response = client.post(f"/rollout/problems/{problem.id}/reopen", data={"reason": ""})
    assert response.status_code == 400
    assert "Reopening a problem needs a reason." in response.text
    assert stored(problem.id).status == "closed"

    assert client.post(f"/rollout/problems/{problem.id}/reopen", data={"reason": "Revenu"}).status_code == 302
    assert stored(problem.id).status == "open"
    page = client.get(f"/rollout/problems/{problem.id}").text
    assert [verb for verb in ("create", "close", "reopen") if f'data-verb="{verb}"' in page] == [
        "create", "close", "reopen"]
    assert "Revenu" in page


def test_the_csrf_token_is_required(client, login, problem, app):
    login("steering")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/rollout/problems/{problem.id}/close", data={"note": ""})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert stored(problem.id).status == "open"


# --- the national list ---------------------------------------------------------------------------

def test_the_national_list_shows_ages_flagged_beyond_30_and_60_days(client, login, territory, safi):
    raise_one(territory, None, title="Frais", days_ago=5)
    raise_one(territory, None, title="Vieillissant", days_ago=45)
    late = raise_one(safi, None, title="En retard", days_ago=61, severity="blocking")
    login("steering")
    page = client.get("/rollout/problems").text
    order = [page.index(title) for title in ("En retard", "Vieillissant", "Frais")]
    assert order == sorted(order)
    assert f'data-problem="{late.id}" data-age-level="danger"' in page
    assert 'data-age-level="warning"' in page
    assert "61 days" in page and "45 days" in page and "5 days" in page
    assert 'data-testid="severity-count-blocking">1<' in page


def test_the_national_list_filters(client, login, territory, safi):
    listening = _db.session.execute(sa.select(Chantier).where(Chantier.code == "listening")).scalar_one()
    raise_one(territory, None, title="Premier", severity="low", chantier_id=listening.id)
    raise_one(safi, None, title="Deuxième", severity="high")
    closed = raise_one(safi, None, title="Troisième", severity="high")
    problems.close_problem(None, closed, "")
    login("steering")

    def shown(**query):
        text = client.get("/rollout/problems", query_string=query).text
        return {t for t in ("Premier", "Deuxième", "Troisième") if t in text}

    assert shown() == {"Premier", "Deuxième"}
    assert shown(status="all") == {"Premier", "Deuxième", "Troisième"}
    assert shown(status="closed") == {"Troisième"}
    assert shown(status="all", severity="high") == {"Deuxième", "Troisième"}
    assert shown(status="all", territory_id=safi.id) == {"Deuxième", "Troisième"}
    assert shown(chantier_id=listening.id) == {"Premier"}
    assert shown(status="bogus", severity="bogus", territory_id="x", sort="bogus") == {"Premier", "Deuxième"}


def test_the_national_list_is_paginated(client, login, territory, monkeypatch):
    for i in range(3):
        raise_one(territory, None, title=f"Numéro {i}", days_ago=10 - i)
    monkeypatch.setattr(problems, "PER_PAGE", 2)
    login("steering")
    first = client.get("/rollout/problems").text
    assert "Numéro 0" in first and "Numéro 2" not in first
    assert 'href="/rollout/problems?page=2"' in first
    second = client.get("/rollout/problems?page=2").text
    assert "Numéro 2" in second and "Numéro 0" not in second


def test_the_national_list_query_count_does_not_grow_with_the_problems(client, login, territory, safi):
    listening = _db.session.execute(sa.select(Chantier).where(Chantier.code == "listening")).scalar_one()
    raiser = make_user("antenna_staff", territory=territory)
    for i in range(2):
        raise_one(territory, raiser, title=f"Problème {i}", days_ago=i)
    login("steering")
    small = _count_queries(lambda: client.get("/rollout/problems"))
    for i in range(2, 15):
        target = territory if i % 2 else safi
        raise_one(target, raiser if target is territory else None, title=f"Problème {i}", days_ago=i * 5,
                  kind=("antenna", "commission", "committee")[i % 3], chantier_id=listening.id if i % 2 else None,
                  severity=("low", "medium", "high", "blocking")[i % 4])
    problems.close_problem(None, problems.open_problems()[0].problem, "")
    large = _count_queries(lambda: client.get("/rollout/problems?status=all"))
    assert large == small
    assert "Problème 14" in client.get("/rollout/problems?status=all").text


def test_the_territory_list_query_count_does_not_grow(client, login, territory):
    raise_one(territory, make_user("antenna_staff", territory=territory), title="Un")
    login("antenna_staff")
    small = _count_queries(lambda: client.get(f"/territories/{territory.slug}/problems"))
    for i in range(8):
        raise_one(territory, make_user("commission_member", territory=territory), title=f"P{i}", kind="commission")
    assert _count_queries(lambda: client.get(f"/territories/{territory.slug}/problems")) == small
