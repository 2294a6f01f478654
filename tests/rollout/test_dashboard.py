"""The dashboard's data: territories by phase and by province, the timeline from the recorded
moves, projects by status and the stuck ones, open problems ageing, census baselines, the
decisions to take; a fixed number of queries; the cache and its invalidation on any change."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from tests.conftest import counted_queries, make_territory, make_user
from tests.rollout.conftest import pilot, staffed

from najma.extensions import db as _db
from najma.geography.maps import PHASE_COLOURS
from najma.geography.models import CensusRecord
from najma.projects.models import TerritoryProject
from najma.rollout import dashboard
from najma.rollout import problems as problem_services
from najma.rollout import services as rollout_services
from najma.rollout.models import PhaseTransition
from najma.territories.models import Territory
from najma.territories.services import territory_bodies

AZILAL, CHEFCHAOUEN, AL_HAOUZ, SAFI = "05.081", "01.151", "07.041", "07.431"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts without a cached dashboard (ids restart after the tables are emptied)."""
    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


def _project(territory, status: str, days_in_status: int) -> TerritoryProject:
    """A project row at ``status`` since ``days_in_status`` days (crafted: the national list
    reads only the status and when it last changed)."""
    project = TerritoryProject(territory_id=territory.id, status=status,
                               status_changed_at=datetime.now(timezone.utc) - timedelta(days=days_in_status))
    _db.session.add(project)
    _db.session.commit()
    return project


def _raise(territory, title: str, severity: str = "medium", days_ago: int = 0):
    body = territory_bodies(territory)["antenna"]
    return problem_services.raise_problem(
        None, territory, {"body_id": body.id, "title": title, "severity": severity},
        raised_at=datetime.now(timezone.utc) - timedelta(days=days_ago))


def _move(territory, from_phase, to_phase, on: date):
    """A recorded move in the past (crafted history: the service dates moves today)."""
    _db.session.add(PhaseTransition(territory_id=territory.id, from_phase=from_phase, to_phase=to_phase,
                                    decided_on=on, decision="Décision du comité de pilotage"))
    _db.session.commit()


def test_territories_by_phase_and_the_provinces_they_colour(db):
    make_territory("Azilal", phase="experimentation", province_code=AZILAL)
    make_territory("Tamatert", phase="appropriation", province_code=AZILAL)
    make_territory("Chefchaouen", phase="experimentation", province_code=CHEFCHAOUEN)
    make_territory("Safi", phase="launch", province_code=SAFI)

    data = dashboard.dashboard_data()

    assert data.phase_counts == {"launch": 1, "experimentation": 2, "appropriation": 1, "extension": 0,
                                 "generalisation": 0}
    provinces = {row.code: row for row in data.provinces}
    assert provinces[AZILAL].phase == "appropriation"  # the most advanced of its two territories
    assert provinces[AZILAL].colour == PHASE_COLOURS["appropriation"]
    assert provinces[CHEFCHAOUEN].colour == PHASE_COLOURS["experimentation"]
    assert provinces[SAFI].phase == "launch"
    assert provinces[AL_HAOUZ].phase is None
    assert data.provinces_without_territory == 1
    assert data.map_svg is None  # no outline loaded in the tests: the page shows the table only


def test_timeline_follows_the_recorded_moves_most_recent_first(db):
    today = date.today()
    moved = make_territory("Azilal", phase="appropriation")
    _db.session.execute(sa.update(Territory).where(Territory.id == moved.id).values(
        created_at=datetime.now(timezone.utc) - timedelta(days=400)))
    _move(moved, "launch", "experimentation", today - timedelta(days=300))
    _move(moved, "experimentation", "appropriation", today - timedelta(days=20))
    never = make_territory("Safi", phase="experimentation", province_code=SAFI)

    rows = dashboard.dashboard_data().timeline

    assert [row.territory.slug for row in rows] == [never.slug, moved.slug]  # created today: moved last
    azilal = rows[1]
    assert [s.phase for s in azilal.segments] == ["launch", "experimentation", "appropriation"]
    assert azilal.segments[1].start == today - timedelta(days=300)
    assert azilal.segments[1].end == azilal.segments[2].start == today - timedelta(days=20)
    assert azilal.segments[2].end == today and azilal.moves == 2
    assert azilal.segments[0].start == today - timedelta(days=400)  # in launch from its creation
    assert [(s.phase, s.start, s.end) for s in rows[0].segments] == [("experimentation", today, today)]


def test_projects_by_status_and_the_stuck_ones(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "NAJMA_PROJECT_STUCK_DAYS", 30)
    _project(make_territory("Azilal"), "under_review", 90)
    _project(make_territory("Safi", province_code=SAFI), "draft", 40)
    chefchaouen = make_territory("Chefchaouen", province_code=CHEFCHAOUEN)
    _project(chefchaouen, "in_execution", 5)
    _project(make_territory("Tamatert"), "evaluated", 400)  # finished: never stuck
    make_territory("Al Haouz", province_code=AL_HAOUZ)

    data = dashboard.dashboard_data()

    assert data.project_counts["under_review"] == 1 and data.project_counts["draft"] == 1
    assert data.project_counts["in_execution"] == 1 and data.without_project == 1
    assert data.stuck_after == 30 and data.stuck_count == 2
    assert [(p.territory, p.status) for p in data.stuck] == [("Azilal", "under_review"), ("Safi", "draft")]
    assert data.stuck[0].days == 90
    assert data.project_status[chefchaouen.id] == "in_execution"


def test_open_problems_age_oldest_first_with_counts_by_severity(db):
    azilal, safi = make_territory("Azilal"), make_territory("Safi", province_code=SAFI)
    _raise(azilal, "Local de l'antenne inondé", "blocking", days_ago=45)
    recent = _raise(safi, "Animatrice absente", "low", days_ago=3)
    closed = _raise(safi, "Clés perdues", "high", days_ago=80)
    problem_services.close_problem(make_user("steering"), closed)

    data = dashboard.dashboard_data()

    assert data.problem_counts == {"blocking": 1, "high": 0, "medium": 0, "low": 1}
    assert data.problems_open == 2
    assert [(p.title, p.age_days) for p in data.problems] == [("Local de l'antenne inondé", 45),
                                                              ("Animatrice absente", 3)]
    assert data.problems[1].id == recent.id and data.problems[1].territory_slug == safi.slug
    assert data.problems_by_territory == {azilal.id: 1, safi.id: 1}


def test_decisions_ready_or_blocked_with_their_failing_items(db, gates_seeded):
    ready = staffed("Safi", phase="launch", province_code=SAFI)
    blocked = make_territory("Tamatert", phase="launch")  # nobody seated: three items fail
    half = staffed("Chefchaouen", phase="launch", province_code=CHEFCHAOUEN, antenna_staff=1)
    pilot_territory = pilot("Azilal")  # experimentation: no plan, no project

    data = dashboard.dashboard_data()

    assert [d.territory.slug for d in data.ready] == [ready.slug]
    assert data.ready[0].to_phase == "experimentation"
    assert [(d.territory.slug, len(d.failing)) for d in data.blocked] == [
        (half.slug, 1), (pilot_territory.slug, 3), (blocked.slug, 3)]
    decision = data.decision_of(pilot_territory.id)
    assert decision.to_phase == "appropriation"
    assert {item.passed for item in decision.items} == {False}
    assert "1 of 2" in data.decision_of(half.id).failing[0].detail


def test_a_generalised_territory_has_no_decision(db, gates_seeded):
    done = make_territory("Azilal", phase="generalisation")
    assert dashboard.dashboard_data().decision_of(done.id) is None


def test_census_baselines_from_the_country_record(db):
    _db.session.add_all([
        CensusRecord(level="country", code="MA", census=2024, subject="people", area="total", sex="all",
                     figures={"illiteracy_rate_10_plus": 24.8, "labour_unemployment_rate": 21.3,
                              "schooling_rate_6_to_11": 97.6, "labour_activity_rate": 43.8}),
        CensusRecord(level="country", code="MA", census=2014, subject="people", area="total", sex="all",
                     figures={"illiteracy_rate_10_plus": 32.2}),
    ])
    _db.session.commit()

    data = dashboard.dashboard_data()

    figures = {f.key: f for f in data.census}
    assert data.census_scope == "country"
    assert figures["illiteracy_10_plus"].value_2024 == 24.8 and figures["illiteracy_10_plus"].value_2014 == 32.2
    assert figures["unemployment"].value_2024 == 21.3 and figures["unemployment"].value_2014 is None
    assert figures["schooling"].higher_is_worse is False


def test_census_baselines_missing(db):
    data = dashboard.dashboard_data()
    assert data.census_scope == "none"
    assert {f.value_2024 for f in data.census} == {None}


def test_the_data_comes_from_the_cache_while_nothing_changes(db):
    make_territory("Azilal")
    first = dashboard.dashboard_data()
    with counted_queries() as counter:
        again = dashboard.dashboard_data()
    assert again is first
    assert counter.n == 1  # the fingerprint only


def test_a_phase_move_shows_at_once(db, gates_seeded):
    territory = staffed("Safi", phase="launch", province_code=SAFI)
    assert dashboard.dashboard_data().phase_counts["launch"] == 1

    rollout_services.move_territory(make_user("steering"), territory, "experimentation",
                                    "Le comité de pilotage valide l'entrée en expérimentation.")

    data = dashboard.dashboard_data()
    assert data.phase_counts["launch"] == 0 and data.phase_counts["experimentation"] == 1
    assert {row.code: row.phase for row in data.provinces}[SAFI] == "experimentation"
    assert data.timeline[0].moves == 1 and data.timeline[0].segments[-1].phase == "experimentation"


def test_a_new_problem_shows_at_once(db):
    territory = make_territory("Azilal")
    assert dashboard.dashboard_data().problems_open == 0
    _raise(territory, "Transport des bénéficiaires interrompu", "high")
    data = dashboard.dashboard_data()
    assert data.problems_open == 1 and data.problem_counts["high"] == 1


def test_a_project_transition_shows_at_once(db):
    from najma.projects import workflow
    from tests.projects.conftest import make_project

    territory = make_territory("Azilal")
    author = make_user("antenna_staff", territory=territory)
    project = make_project(territory, author)
    assert dashboard.dashboard_data().project_counts["draft"] == 1

    workflow.transition(author, project, "submit", status_version=project.status_version)

    data = dashboard.dashboard_data()
    assert data.project_counts["draft"] == 0 and data.project_counts["submitted"] == 1


def test_a_gate_tick_changes_the_decision(db, gates_seeded):
    from najma.rollout.models import GateItem

    from najma.projects.models import ProjectTransition

    territory = make_territory("Azilal", phase="extension")
    project = _project(territory, "evaluated", 10)
    # The evaluation of the extension phase, as the project workflow records it.
    _db.session.add(ProjectTransition(project_id=project.id, name="evaluate", from_status="in_execution",
                                      to_status="evaluated", version_number=1,
                                      at=datetime.now(timezone.utc) - timedelta(days=10)))
    _db.session.commit()
    steering = make_user("steering")
    decision = dashboard.dashboard_data().decision_of(territory.id)
    assert [item.kind for item in decision.failing] == ["manual"]

    item = _db.session.execute(sa.select(GateItem).where(GateItem.to_phase == "generalisation",
                                                         GateItem.kind == "manual")).scalar_one()
    rollout_services.check_item(steering, territory, item, "Rapport reçu")

    assert dashboard.dashboard_data().decision_of(territory.id).passed


def test_a_fixed_number_of_queries_whatever_the_territories(db, gates_seeded):
    def build_queries() -> int:
        dashboard.clear_cache()
        with counted_queries() as counter:
            dashboard.dashboard_data()
        return counter.n

    for i in range(3):
        territory = staffed(f"Petit {i}", phase=("launch", "experimentation", "appropriation")[i])
        _move(territory, "launch", territory.phase, date.today() - timedelta(days=30))
        _project(territory, ("draft", "approved", "in_execution")[i], 100)
        _raise(territory, f"Problème {i}")
    small = build_queries()
    for i in range(17):
        territory = staffed(f"Grand {i}", phase=("launch", "experimentation", "appropriation")[i % 3],
                            province_code=(AZILAL, SAFI, CHEFCHAOUEN, AL_HAOUZ)[i % 4])
        _move(territory, "launch", territory.phase, date.today() - timedelta(days=i + 1))
        _project(territory, ("draft", "approved", "in_execution")[i % 3], 100)
        _raise(territory, f"Problème grand {i}", days_ago=i)
    assert build_queries() == small


def _row(name: str, segments):
    info = dashboard.TerritoryInfo(1, "t-1", name, segments[-1][0], "", AZILAL, "Azilal", segments[0][1])
    return dashboard.TimelineRow(info, [dashboard.Segment(*s) for s in segments], segments[-1][1], len(segments) - 1)


def test_timeline_svg_bars_today_line_escaping_and_mirroring(app):
    from najma.rollout.timeline import timeline_svg

    today = date(2026, 11, 25)
    row = _row("<b>Douar & co</b>", [("launch", date(2026, 1, 1), date(2026, 6, 1)),
                                      ("experimentation", date(2026, 6, 1), today)])
    with app.test_request_context("/"):
        ltr = str(timeline_svg([row], today, href=lambda slug: f"/territories/{slug}/phase"))
        rtl = str(timeline_svg([row], today, rtl=True))

    assert "<b>" not in ltr and "&lt;b&gt;Douar &amp; co&lt;/b&gt;" in ltr
    assert 'href="/territories/t-1/phase"' in ltr and 'data-testid="timeline-today"' in ltr
    bars = re.findall(r'data-phase="(\w+)" x="([\d.]+)" y="\d+" width="([\d.]+)"', ltr)
    assert [b[0] for b in bars] == ["launch", "experimentation"]
    launch_x, launch_w = float(bars[0][1]), float(bars[0][2])
    assert abs(launch_x + launch_w - float(bars[1][1])) < 0.2  # the second phase starts where the first ends
    mirrored = re.findall(r'data-phase="(\w+)" x="([\d.]+)" y="\d+" width="([\d.]+)"', rtl)
    assert float(mirrored[0][1]) > float(mirrored[1][1])  # right to left: launch stands on the right
    assert abs(float(mirrored[0][1]) - (760 - launch_x - launch_w)) < 0.2


def test_timeline_current_phase_runs_past_today(app):
    from najma.rollout.timeline import LABEL_WIDTH, WIDTH, Axis, span, timeline_svg

    today = date(2026, 11, 25)
    row = _row("Chefchaouen", [("experimentation", date(2026, 10, 26), today), ("appropriation", today, today)])
    with app.test_request_context("/"):
        svg = str(timeline_svg([row], today))
    bar = re.search(r'class="phase-bar ongoing" data-phase="appropriation" x="([\d.]+)" y="\d+" width="([\d.]+)"', svg)
    start, end = span([row], today)
    axis = Axis(start, end, LABEL_WIDTH, WIDTH - 30)
    assert abs(float(bar.group(1)) - axis.x(today)) < 0.2  # moved today
    assert float(bar.group(2)) > 10  # visible: it runs to the end of the axis
    assert "Chefchaouen: Appropriation since" in svg
