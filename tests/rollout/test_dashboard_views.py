"""The dashboard page and its phase map: who may open them, what they show, the map drawn from
the province outlines when they are loaded, the timeline's "see all", constant query counts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from shapely.geometry import box
from tests.conftest import count_queries, make_territory
from tests.rollout.conftest import staffed

from najma.extensions import db as _db
from najma.geography.maps import PHASE_COLOURS, clear_cache as clear_map_cache
from najma.geography.models import Boundary
from najma.rollout import dashboard
from najma.rollout import problems as problem_services
from najma.rollout import services as rollout_services
from najma.territories.services import territory_bodies

AZILAL, CHEFCHAOUEN, SAFI = "05.081", "01.151", "07.431"
PAGES = ("/rollout", "/rollout/report", "/rollout/report.pdf")


@pytest.fixture(autouse=True)
def _fresh_cache():
    dashboard.clear_cache()
    clear_map_cache()
    yield
    dashboard.clear_cache()
    clear_map_cache()


def _outline(code: str, west: float, south: float) -> None:
    """A square province outline (enough to draw the map)."""
    _db.session.add(Boundary(level="province", code=code, source="test", geometry=box(west, south, west + 1,
                                                                                        south + 1).wkb))
    _db.session.commit()


@pytest.mark.parametrize("role", ["antenna_staff", "commission_member", "committee_member", "delegate",
                                  "viewer", None])
def test_territorial_and_other_roles_are_refused(client, login, role):
    login(role)
    for url in (*PAGES, "/rollout/map.svg"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["steering", "evaluator", "admin"])
def test_steering_evaluators_and_admins_open_the_dashboard(client, login, role):
    login(role)
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    answer = client.get("/rollout")
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def test_the_page_shows_phases_decisions_problems_and_the_census_note(client, login, db, territory, gates_seeded):
    ready = staffed("Safi", phase="launch", province_code=SAFI)
    make_territory("Tamatert", phase="launch")
    body = territory_bodies(ready)["committee"]
    problem_services.raise_problem(None, ready, {"body_id": body.id, "title": "Salle de réunion indisponible",
                                                 "severity": "high"},
                                   raised_at=datetime.now(timezone.utc) - timedelta(days=41))
    login("steering")

    html = client.get("/rollout").get_data(as_text=True)

    assert re.search(r'data-testid="phase-count-launch">\s*2<', html)
    assert re.search(r'data-testid="phase-count-experimentation">\s*1<', html)  # the Azilal fixture
    assert 'href="/territories/?phase=appropriation"' in html
    assert 'data-testid="no-outlines"' in html and 'data-testid="phase-map"' not in html
    ready_list = html.split('data-testid="ready-list"')[1].split("</ul>")[0]
    assert f'data-territory="{ready.slug}"' in ready_list and "Tamatert" not in ready_list
    blocked = html.split('data-testid="blocked-list"')[1].split("</ul>")[0]
    assert "Tamatert" in blocked and "3 items fail" in blocked
    problems = html.split('data-testid="problem-table"')[1].split("</table>")[0]
    assert "Salle de réunion indisponible" in problems and re.search(r'data-testid="problem-age">\s*41<', problems)
    assert 'data-testid="problem-count-high">1<' in html
    assert 'data-testid="indicators-note"' in html and 'data-indicator="illiteracy_10_plus"' in html
    assert 'data-testid="timeline-svg"' in html and f'data-territory="{ready.slug}"' in html
    assert 'href="/projects?status=draft"' in html
    assert 'data-testid="rollout-tab-report"' in html and 'data-testid="rollout-tab-gates"' not in html


def test_the_map_colours_the_provinces_when_outlines_are_loaded(client, login, db, territory):
    _outline(AZILAL, -7.0, 31.5)
    _outline(SAFI, -9.0, 32.0)
    _outline(CHEFCHAOUEN, -5.5, 34.8)
    make_territory("Safi", phase="appropriation", province_code=SAFI)
    login("steering")

    html = client.get("/rollout").get_data(as_text=True)

    paths = dict(re.findall(r'<path class="province" data-province="([\d.]+)" data-phase="\w*" fill="(#\w+)"', html))
    assert paths == {AZILAL: PHASE_COLOURS["experimentation"], SAFI: PHASE_COLOURS["appropriation"],
                     CHEFCHAOUEN: "#eef0f2"}
    assert 'data-testid="no-outlines"' not in html

    image = client.get("/rollout/map.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.headers["Cache-Control"] == "private, max-age=60"
    assert f'data-province="{SAFI}"' in image.get_data(as_text=True)
    assert client.get("/rollout/map.svg", headers={"If-None-Match": image.headers["ETag"]}).status_code == 304


def test_the_map_image_is_missing_without_outlines(client, login, db):
    login("steering")
    assert client.get("/rollout/map.svg").status_code == 404


def test_a_move_changes_the_province_colour_on_the_next_request(client, login, db, gates_seeded):
    _outline(SAFI, -9.0, 32.0)
    territory = staffed("Safi", phase="launch", province_code=SAFI)
    steering = login("steering")
    colour = re.compile(rf'data-province="{SAFI}" data-phase="(\w+)" fill="(#\w+)"')
    assert colour.search(client.get("/rollout").get_data(as_text=True)).groups() == ("launch", PHASE_COLOURS["launch"])

    rollout_services.move_territory(steering, territory, "experimentation", "Entrée en expérimentation.")

    assert (colour.search(client.get("/rollout").get_data(as_text=True)).groups()
            == ("experimentation", PHASE_COLOURS["experimentation"]))


def test_the_timeline_shows_the_most_recently_moved_and_all_on_request(client, login, db):
    for i in range(dashboard.TIMELINE_ROWS + 4):
        make_territory(f"Territoire {i:02d}", phase="launch")
    login("steering")

    short = client.get("/rollout").get_data(as_text=True)
    assert short.count('class="timeline-row"') == dashboard.TIMELINE_ROWS
    assert 'data-testid="timeline-all"' in short
    full = client.get("/rollout?timeline=all").get_data(as_text=True)
    assert full.count('class="timeline-row"') == dashboard.TIMELINE_ROWS + 5  # with the Azilal fixture


def test_the_page_renders_in_arabic_right_to_left(client, login, db, territory):
    user = login("steering")
    user.locale = "ar"
    _db.session.commit()
    html = client.get("/rollout").get_data(as_text=True)
    assert 'dir="rtl"' in html and 'data-testid="timeline-svg"' in html


def test_query_count_does_not_grow_with_the_territories(client, login, db, gates_seeded):
    login("steering")

    def queries() -> int:
        dashboard.clear_cache()
        clear_map_cache()
        return count_queries(lambda: client.get("/rollout"))

    for i in range(3):
        staffed(f"Petit {i}", phase=("launch", "experimentation", "appropriation")[i])
    small = queries()
    cached_small = count_queries(lambda: client.get("/rollout"))
    for i in range(17):
        territory = staffed(f"Grand {i}", phase=("launch", "experimentation", "appropriation")[i % 3],
                            province_code=(AZILAL, SAFI, CHEFCHAOUEN)[i % 3])
        body = territory_bodies(territory)["antenna"]
        problem_services.raise_problem(None, territory, {"body_id": body.id, "title": f"Problème {i}"})
    assert queries() == small
    assert count_queries(lambda: client.get("/rollout")) == cached_small
    assert cached_small < small
