"""The phase report for a steering meeting: the situation per territory (phase, cohort, project,
gate item by item, open problems), the decisions to take, limited to one phase on request; as a
page and as a PDF whose text holds the same."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import render_template
from tests.conftest import make_territory, make_user
from tests.rollout.conftest import pilot, staffed
from tests.test_pdf import page_text

from najma import pdf
from najma.extensions import db as _db
from najma.projects.models import TerritoryProject
from najma.rollout import dashboard, report
from najma.rollout import problems as problem_services
from najma.rollout import services as rollout_services
from najma.territories.services import territory_bodies

SAFI, CHEFCHAOUEN = "07.431", "01.151"


@pytest.fixture(autouse=True)
def _fresh_cache():
    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


@pytest.fixture
def situation(db, gates_seeded):
    """Azilal (pilot, experimentation, project under review, one open problem and one closed),
    Safi (launch, staffed: ready), Tamatert (launch, nobody seated: blocked); programme in
    experimentation."""
    steering = make_user("steering")
    rollout_services.set_programme_phase(steering, "experimentation", "Les pilotes démarrent.")
    azilal = pilot("Azilal")
    _db.session.add(TerritoryProject(territory_id=azilal.id, status="under_review"))
    _db.session.commit()
    body = territory_bodies(azilal)["antenna"]
    problem_services.raise_problem(None, azilal, {"body_id": body.id, "title": "Local de l'antenne inondé",
                                                  "severity": "blocking"},
                                   raised_at=datetime.now(timezone.utc) - timedelta(days=12))
    closed = problem_services.raise_problem(None, azilal, {"body_id": body.id, "title": "Clés égarées"})
    problem_services.close_problem(steering, closed)
    safi = staffed("Safi", phase="launch", province_code=SAFI)
    tamatert = make_territory("Tamatert", phase="launch")
    return {"azilal": azilal, "safi": safi, "tamatert": tamatert, "steering": steering}


def test_the_report_holds_every_territory_most_advanced_first(app, situation):
    document = report.phase_report()

    assert document.programme_phase == "experimentation"
    assert [s.territory.name for s in document.sections] == ["Azilal", "Safi", "Tamatert"]
    azilal = document.sections[0]
    assert azilal.territory.phase == "experimentation" and azilal.territory.cohort == "Test"
    assert azilal.project_status == "under_review"
    assert azilal.decision.to_phase == "appropriation" and not azilal.decision.passed
    assert [(p.title, p.severity, p.age_days) for p in azilal.problems] == [("Local de l'antenne inondé", "blocking", 12)]
    assert document.sections[1].problems == [] and document.sections[1].project_status is None
    assert [d.territory.name for d in document.ready] == ["Safi"]
    assert [(d.territory.name, len(d.failing)) for d in document.blocked] == [("Azilal", 3), ("Tamatert", 3)]


def test_the_report_limited_to_one_phase(app, situation):
    document = report.phase_report("launch")
    assert [s.territory.name for s in document.sections] == ["Safi", "Tamatert"]
    assert [d.territory.name for d in document.blocked] == ["Tamatert"]
    assert document.problems_open == 0
    assert report.filename(document).endswith("-launch.pdf")


def test_the_report_page(client, login, situation):
    login("evaluator")
    html = client.get("/rollout/report").get_data(as_text=True)
    assert 'data-testid="report-programme-phase">Experimentation<' in html
    assert "Local de l&#39;antenne inondé" in html and "Clés égarées" not in html
    ready = html.split('data-testid="report-ready"')[1].split("</ul>")[0]
    assert "Safi" in ready and "from Launch to Experimentation" in ready
    assert "The antenna has at least two staff in post" in html and "0 of 2 staff seats filled" in html
    only_launch = client.get("/rollout/report?phase=launch").get_data(as_text=True)
    assert f'data-territory="{situation["azilal"].slug}"' not in only_launch
    assert 'href="/rollout/report.pdf?phase=launch"' in only_launch


def test_the_pdf_download(client, login, situation):
    login("steering")
    answer = client.get("/rollout/report.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF")
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="najma-phase-report-')


def test_the_pdf_text(app, situation):
    with app.test_request_context("/"):
        html = render_template("rollout/report_print.html", report=report.phase_report())
    text = " ".join(page_text(pdf.render(html, "http://localhost/")).split())
    for expected in ("Phase report", "Programme phase: Experimentation", "Decisions to take", "Safi",
                     "from Launch to Experimentation", "Tamatert", "3 items fail",
                     "The antenna has at least two staff in post", "Azilal", "Under review",
                     "Every milestone of the research plan is done", "Local de l'antenne inondé", "12 days"):
        assert expected in text, expected
    assert "Clés égarées" not in text
