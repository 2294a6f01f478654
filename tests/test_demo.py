"""The demo: four pilot territories with fictitious people, loaded by `flask najma demo`."""
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from najma.auth.models import RoleAssignment, User
from najma.demo import DEMO_PASSWORD, PILOT_COMMUNES
from najma.governance import services as governance
from najma.governance.models import Body, Meeting, Membership
from najma.projects.models import Convention, ProjectVote, TerritoryProject
from najma.territories.models import Territory
from najma.territories.services import get_by_slug
from najma.vocab import ROLES
from najma.territories.services import territory_communes
from tests.conftest import make_territory, make_user
from tests.territories.test_profile import cell

PILOTS = {"azilal": ("05.081", "Azilal"), "chefchaouen": ("01.151", "Chefchaouen"),
          "el-haouz": ("07.041", "Al Haouz"), "safi": ("07.431", "Safi")}
EXPECTED_ROLES = {
    "admin": "admin", "pilotage": "steering", "chantier": "chantier_lead", "delegue.azilal": "delegate",
    "comite.azilal": "committee_member", "commission.azilal": "commission_member",
    "antenne.azilal": "antenna_staff", "evaluateur": "evaluator", "lecteur": "viewer",
}


def count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def demo(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # signed demo conventions are files
    result = runner.invoke(args=["najma", "demo"])
    assert result.exit_code == 0, result.output
    return result


def _demo_user(db, local):
    return db.session.execute(sa.select(User).where(User.email == f"{local}@demo.najma.ma")).scalar_one()


def _findings(territory_slug, kind):
    with force_locale("en"):
        for body, _members, findings in governance.territory_governance(get_by_slug(territory_slug).id, date.today()):
            if body.kind == kind:
                return findings
    raise AssertionError(kind)


def test_demo_loads_the_four_pilots_in_the_experimentation_phase(demo, db):
    assert "11 accounts and 4 territories created" in demo.output
    territories = db.session.execute(sa.select(Territory)).scalars().all()
    assert {t.slug: (t.province.code, t.province.name_fr) for t in territories} == PILOTS
    assert all(t.phase == "experimentation" and t.is_demo for t in territories)
    assert {t.name for t in territories} == {"Azilal", "Chefchaouen", "El Haouz", "Safi"}


def test_demo_has_one_account_per_role(demo, db):
    users = db.session.execute(sa.select(User)).scalars().all()
    assert len(users) == 11 and all(u.is_demo and u.email.endswith("@demo.najma.ma") for u in users)
    for local, role in EXPECTED_ROLES.items():
        assert _demo_user(db, local).has_role(role), local
    assert {role for u in users for role in u.role_codes()} == set(ROLES)
    assert _demo_user(db, "lecteur").check_password(DEMO_PASSWORD)
    azilal = get_by_slug("azilal")
    assert _demo_user(db, "antenne.azilal").has_role("antenna_staff", territory_id=azilal.id)
    assert not _demo_user(db, "antenne.azilal").has_role("antenna_staff", territory_id=get_by_slug("safi").id)
    chefchaouen = get_by_slug("chefchaouen")
    assert _demo_user(db, "delegue.chefchaouen").has_role("delegate", territory_id=chefchaouen.id)
    assert not _demo_user(db, "delegue.chefchaouen").has_role("delegate", territory_id=azilal.id)
    assert "lecteur@demo.najma.ma" in demo.output and DEMO_PASSWORD in demo.output


def test_running_the_demo_twice_creates_nothing_new(demo, runner, db):
    models = (User, RoleAssignment, Territory, Body, Membership, Meeting, TerritoryProject, ProjectVote, Convention)
    before = [count(db, model) for model in models]
    again = runner.invoke(args=["najma", "demo"])
    assert again.exit_code == 0, again.output
    assert "0 accounts and 0 territories created" in again.output
    assert [count(db, model) for model in models] == before


def test_demo_if_empty_after_a_demo_load_reports_it(demo, runner, db):
    again = runner.invoke(args=["najma", "demo", "--if-empty"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert count(db, Territory) == 4


def test_el_haouz_antenna_lacks_its_second_staff_member(demo, db):
    findings = _findings("el-haouz", "antenna")
    assert [(f.level, "1 staff" in f.message) for f in findings] == [("danger", True)]
    for slug in ("azilal", "chefchaouen", "safi"):
        assert _findings(slug, "antenna") == []


def test_safi_committee_lacks_health(demo, db):
    dangers = [f.message for f in _findings("safi", "committee") if f.level == "danger"]
    assert dangers == ["Required sector not represented: Health."]
    for slug in ("azilal", "chefchaouen", "el-haouz"):
        assert [f for f in _findings(slug, "committee") if f.level == "danger"] == []


def test_demo_meetings_show_adopted_and_draft_minutes(demo, db):
    steering = governance.get_steering_body()
    assert [m.minutes_status for m in governance.list_meetings(steering).items] == ["adopted"]
    for slug in PILOTS:
        statuses = sorted(m.minutes_status for m in governance.territory_meetings(get_by_slug(slug).id,
                                                                                  upcoming=False))
        assert statuses == ["adopted", "draft"]
        assert len(governance.territory_meetings(get_by_slug(slug).id, upcoming=True)) == 1


def _sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def test_pages_show_the_demo_banner_when_demo_data_is_loaded(demo, client, db):
    _sign_in(client, _demo_user(db, "lecteur"))
    for url in ("/", "/territories/", "/territories/el-haouz", "/steering", "/chantiers"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'data-testid="demo-banner"' in response.get_data(as_text=True), url
    client.post("/auth/logout")
    assert 'data-testid="demo-banner"' in client.get("/auth/login").get_data(as_text=True)


def test_no_demo_banner_without_demo_data(client, db):
    make_territory("Azilal")
    _sign_in(client, make_user("viewer"))
    for url in ("/", "/territories/", "/territories/azilal", "/steering"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'data-testid="demo-banner"' not in response.get_data(as_text=True), url


def test_demo_pages_show_the_pilots_gaps(demo, client, db):
    user = _demo_user(db, "lecteur")
    user.locale = "en"
    db.session.commit()
    _sign_in(client, user)
    page = client.get("/territories/el-haouz").get_data(as_text=True)
    assert "The antenna has 1 staff" in page and "Al Haouz (07.041)" in page
    assert "Required sector not represented: Health." in client.get("/territories/safi").get_data(as_text=True)
    listing = client.get("/territories/?phase=experimentation").get_data(as_text=True)
    assert all(name in listing for name in ("Azilal", "Chefchaouen", "El Haouz", "Safi"))
    assert "Experimentation (4)" in listing


def test_demo_territories_are_made_of_real_communes_of_their_province(demo, db):
    for slug, (province_code, _name) in PILOTS.items():
        links = territory_communes(get_by_slug(slug))
        assert [link.commune.code for link in links] == sorted(code for code, _part in PILOT_COMMUNES[slug])
        assert all(link.commune.province.code == province_code for link in links)
    [safi] = territory_communes(get_by_slug("safi"))
    assert safi.commune.name_fr == "Safi" and safi.part


def test_demo_profiles_show_census_figures(demo, client, db):
    user = _demo_user(db, "lecteur")
    user.locale = "en"
    db.session.commit()
    _sign_in(client, user)
    for slug in PILOTS:
        page = client.get(f"/territories/{slug}/profile").get_data(as_text=True)
        assert cell(page, "population", "territory", "2024")[0].isdigit(), slug
        assert cell(page, "illiteracy_10_plus", "territory", "2024")[0].isdigit(), slug


def test_demo_projects_cover_the_workflow(demo, client, db):
    """Azilal's project waits for its chair to open the vote; Chefchaouen's was approved by a
    recorded vote, its conventions signed with their documents, and it is in execution."""
    projects = {slug: db.session.execute(sa.select(TerritoryProject).where(
        TerritoryProject.territory_id == get_by_slug(slug).id)).scalar_one_or_none() for slug in PILOTS}
    assert projects["azilal"].status == "under_review" and projects["azilal"].current_number == 2
    assert projects["chefchaouen"].status == "in_execution" and projects["chefchaouen"].approved_number == 1
    assert projects["el-haouz"].status == "draft" and projects["safi"] is None
    vote = db.session.execute(sa.select(ProjectVote).where(
        ProjectVote.project_id == projects["chefchaouen"].id)).scalar_one()
    assert (vote.state, vote.outcome) == ("closed", "approved")
    conventions = db.session.execute(sa.select(Convention).where(
        Convention.project_id == projects["chefchaouen"].id)).scalars().all()
    assert len(conventions) == 2 and all(c.signed_on and c.document_stored for c in conventions)
    client.post("/auth/login", data={"email": "delegue.azilal@demo.najma.ma", "password": DEMO_PASSWORD})
    page = client.get("/territories/azilal/project").get_data(as_text=True)
    assert 'data-testid="step-open_vote"' in page and "(démo)" in page
