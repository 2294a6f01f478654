"""The steering committee's national view: who sees it, time in status and the stuck flag
with a custom delay (evaluated projects never stuck), filters, territories without a project,
counts by status, the province and nation roll-up, and a query count that does not grow with
the number of projects."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import count_queries, make_territory, make_user
from tests.projects._execution_fixtures import action_keys, age, approved_project, in_execution
from tests.projects.conftest import make_project

from najma.extensions import db
from najma.models_base import utcnow
from najma.projects import execution, national
from najma.projects.execution import ExecutionData
from najma.projects.models import TerritoryProject


def _sign_in(client, user):
    user.locale = "en"
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.fixture
def steering(client, db):
    user = make_user("steering")
    _sign_in(client, user)
    return user


def _rows(page_html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-territory="([^"]+)"', page_html)


@pytest.mark.parametrize("role", ["steering", "evaluator", "admin"])
def test_national_readers(client, db, role):
    _sign_in(client, make_user(role))
    assert client.get("/projects").status_code == 200


@pytest.mark.parametrize("role", ["antenna_staff", "delegate", "committee_member", "commission_member"])
def test_territorial_roles_are_refused(client, db, territory, role):
    _sign_in(client, make_user(role, territory=territory))
    assert client.get("/projects").status_code == 403


def test_time_in_status_and_stuck_flag_with_a_custom_delay(client, db, steering):
    old = make_project(make_territory("Ancien"))
    recent = make_project(make_territory("Récent"))
    age(old, 45.5)
    age(recent, 5)
    page = client.get("/projects").get_data(as_text=True)
    assert _rows(page) == ["ancien", "recent"]  # longest in its status first
    assert 'data-stuck="yes"' not in page  # 60 days by default
    response = client.get("/projects?stuck_after=30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<tr data-territory="ancien" data-stuck="yes">' in page
    assert '<tr data-territory="recent">' in page
    assert 'data-testid="count-stuck">1<' in page
    assert _rows(client.get("/projects?stuck_after=30&stuck=y").get_data(as_text=True)) == ["ancien"]
    # Stuck means more whole days in the status than the delay, as the page counts them (45 here).
    assert _rows(client.get("/projects?stuck_after=44&stuck=y").get_data(as_text=True)) == ["ancien"]
    assert _rows(client.get("/projects?stuck_after=45&stuck=y").get_data(as_text=True)) == []


def test_the_configured_delay_is_the_default(client, db, steering, app, monkeypatch):
    project = make_project(make_territory("Ancien"))
    age(project, 20)
    monkeypatch.setitem(app.config, "NAJMA_PROJECT_STUCK_DAYS", 10)
    page = client.get("/projects").get_data(as_text=True)
    assert 'data-stuck="yes"' in page and 'value="10"' in page


@pytest.mark.parametrize("value", ["0", "3651", "abc"])
def test_an_invalid_delay_says_so(client, db, steering, value):
    response = client.get(f"/projects?stuck_after={value}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="stuck-after-error"' in page
    if value != "abc":
        assert "The delay is a number of days from 1 to 3650." in page


def test_evaluated_projects_are_never_stuck(db):
    scene = in_execution(approved_project(make_territory("Fini")))
    for key in action_keys(scene.project):
        execution.save_execution(scene.delegate, scene.project, key, ExecutionData("done", 100), 0)
    db.session.refresh(scene.project)
    from najma.projects import workflow

    workflow.transition(scene.delegate, scene.project, "evaluate", "Bilan positif",
                        status_version=scene.project.status_version)
    age(scene.project, 400)
    view = national.national_page(national.Filters(stuck_after=30))
    assert [(row.project.status, row.stuck) for row in view.rows] == [("evaluated", False)]
    assert view.stuck_count == 0


def test_filters_by_status_region_province_and_territories_without_project(client, db, steering):
    azilal = make_project(make_territory("Azilal A"))
    make_project(make_territory("Chefchaouen A", province_code="01.151"))
    make_territory("Sans projet")
    chefchaouen_id = db.session.execute(sa.text("select id from provinces where code = '01.151'")).scalar_one()
    azilal_province = db.session.execute(sa.text("select id, region_id from provinces where code = '05.081'")).one()
    db.session.execute(sa.update(TerritoryProject).where(TerritoryProject.id == azilal.id).values(status="submitted"))
    db.session.commit()
    assert sorted(_rows(client.get("/projects").get_data(as_text=True))) == ["azilal-a", "chefchaouen-a"]
    assert _rows(client.get("/projects?status=submitted").get_data(as_text=True)) == ["azilal-a"]
    assert _rows(client.get(f"/projects?province_id={chefchaouen_id}").get_data(as_text=True)) == ["chefchaouen-a"]
    assert _rows(client.get(f"/projects?region_id={azilal_province.region_id}").get_data(as_text=True)) == ["azilal-a"]
    page = client.get("/projects?status=none").get_data(as_text=True)
    assert _rows(page) == ["sans-projet"]
    assert 'data-testid="count-none">1<' in page
    page = client.get("/projects").get_data(as_text=True)
    assert 'data-testid="count-draft">1<' in page and 'data-testid="count-submitted">1<' in page
    page = client.get(f"/projects?province_id={azilal_province.id}").get_data(as_text=True)
    assert 'data-testid="count-draft">0<' in page  # counts follow the chosen province


def test_progress_budget_conventions_and_the_province_and_nation_roll_up(client, db, steering):
    a = in_execution(approved_project(make_territory("Azilal A"), budgets=(("1000",), ("3000",))))
    b = in_execution(approved_project(make_territory("Chefchaouen A", province_code="01.151"), budgets=(("4000",),)))
    approved_project(make_territory("Azilal B"), budgets=(("9000",),))  # approved: not yet counted
    first, _second = action_keys(a.project)
    execution.save_execution(a.delegate, a.project, first, ExecutionData("done", 100), 0)
    (only,) = action_keys(b.project)
    execution.save_execution(b.delegate, b.project, only, ExecutionData("ongoing", 50), 0)
    view = national.national_page(national.Filters())
    by_slug = {row.territory.slug: row for row in view.rows}
    assert by_slug["azilal-a"].progress == 25.0 and str(by_slug["azilal-a"].budget) == "4000.00"
    assert (by_slug["azilal-a"].signed, by_slug["azilal-a"].conventions) == (2, 2)
    not_counted = by_slug["azilal-b"]
    assert not_counted.progress is None and (not_counted.signed, not_counted.conventions) == (0, 1)
    # Nation: (4000 x 25 + 4000 x 50) / 8000; project C (approved) does not count.
    assert view.nation_progress == 37.5 and view.nation_projects == 2
    provinces = {figure.code: (figure.projects, figure.progress) for figure in view.provinces}
    assert provinces == {"05.081": (1, 25.0), "01.151": (1, 50.0)}
    page = client.get("/projects").get_data(as_text=True)
    assert 'data-testid="nation-progress"' in page and "37.5 %" in page
    assert "2 / 2" in page and "0 / 1" in page


def test_pagination_by_fifty(client, db, steering):
    territories = [make_territory(f"T{i:02d}") for i in range(52)]
    now = utcnow()
    db.session.add_all([TerritoryProject(territory_id=t.id, status="draft", status_changed_at=now - timedelta(days=i))
                        for i, t in enumerate(territories)])
    db.session.commit()
    first = _rows(client.get("/projects").get_data(as_text=True))
    second = _rows(client.get("/projects?page=2").get_data(as_text=True))
    assert len(first) == 50 and len(second) == 2
    assert first[0] == "t51" and second == ["t01", "t00"]


def test_query_count_does_not_grow_with_projects(client, db, steering):
    def build(n, offset):
        for i in range(n):
            scene = in_execution(approved_project(make_territory(f"Territoire {offset + i}"), budgets=(("100",),) * 2))
            execution.save_execution(scene.delegate, scene.project, action_keys(scene.project)[0],
                                     ExecutionData("ongoing", 20), 0)
            make_territory(f"Vide {offset + i}")

    def count(url):
        return count_queries(lambda: client.get(url))

    build(2, 0)
    small = [count(url) for url in ("/projects", "/projects?status=none", "/projects?stuck=y&stuck_after=1")]
    build(18, 2)
    large = [count(url) for url in ("/projects", "/projects?status=none", "/projects?stuck=y&stuck_after=1")]
    assert small == large
