"""Territory list, page, creation and editing, as users see them."""
from html import unescape

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.governance.models import Body
from najma.territories.models import Territory
from najma.territories.services import territory_bodies
from tests.conftest import make_member, make_territory, province


def count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def form(**overrides):
    data = {"name": "Tidili Mesfioua", "province_id": str(province("07.041").id), "setting": "rural",
            "phase": "launch", "cohort": "Appropriation 2026", "description": "Vallée **rurale**."}
    data.update(overrides)
    return data


def _table(page: str) -> str:
    return page[page.index('data-testid="territory-table"'):page.index("</table>")]


# --- list and page -----------------------------------------------------------------------------------

@pytest.fixture
def spread(db, territory):
    """Azilal (the fixture, experimentation), Chefchaouen (experimentation), El Haouz (launch)."""
    make_territory("Chefchaouen", province_code="01.151", phase="experimentation")
    make_territory("El Haouz", province_code="07.041", phase="launch")


def test_list_shows_every_territory_with_province_and_phase_counts(client, login, spread):
    login("viewer")
    response = client.get("/territories/")
    assert response.status_code == 200
    page = text(response)
    table = _table(page)
    assert "Azilal" in table and "Chefchaouen" in table and "El Haouz" in table
    assert "07.041" in table and "Al Haouz" in table
    assert "All (3)" in page and "Experimentation (2)" in page and "Launch (1)" in page
    assert "Generalisation (0)" in page


def test_list_filters_by_phase_and_name(client, login, spread):
    login("viewer")
    table = _table(text(client.get("/territories/?phase=experimentation")))
    assert "Azilal" in table and "Chefchaouen" in table and "El Haouz" not in table
    table = _table(text(client.get("/territories/?q=haouz")))
    assert "El Haouz" in table and "Azilal" not in table
    table = _table(text(client.get("/territories/?q=haouz&phase=experimentation")))
    assert "No territory matches." in table
    table = _table(text(client.get("/territories/?phase=nonsense")))  # an unknown phase filters nothing
    assert "Azilal" in table and "El Haouz" in table


def test_detail_shows_the_three_bodies_and_their_gaps(client, login, territory):
    bodies = territory_bodies(territory)
    make_member(bodies["antenna"], name="Rachida El Idrissi", discipline="Sociologie", sector=None)
    make_member(bodies["committee"], name="Mohamed Ait Lahcen", role="chair", sector="entraide_nationale")
    login("viewer")
    response = client.get(f"/territories/{territory.slug}")
    assert response.status_code == 200
    page = text(response)
    for kind in ("antenna", "commission", "committee"):
        assert f'data-body-kind="{kind}"' in page
        assert f"/bodies/{bodies[kind].id}" in page
    assert "Rachida El Idrissi" in page and "Mohamed Ait Lahcen" in page
    assert "The antenna has 1 staff" in page
    assert "This body has no current member." in page  # the commission
    assert "Required sector not represented: Health." in page
    assert "Azilal (05.081)" in page


def test_unknown_slug_answers_404(client, login):
    login("admin")
    assert client.get("/territories/nowhere").status_code == 404
    assert client.get("/territories/nowhere/edit").status_code == 404
    assert client.post("/territories/nowhere/edit", data=form()).status_code == 404


# --- creation -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["steering", "admin"])
def test_steering_and_admins_create_a_territory_with_its_bodies(client, db, login, role):
    login(role)
    assert client.get("/territories/new").status_code == 200
    response = client.post("/territories/new", data=form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/territories/tidili-mesfioua")
    territory = db.session.execute(sa.select(Territory).where(Territory.slug == "tidili-mesfioua")).scalar_one()
    assert (territory.phase, territory.setting, territory.cohort) == ("launch", "rural", "Appropriation 2026")
    assert sorted(territory_bodies(territory)) == ["antenna", "commission", "committee"]
    page = text(client.get(response.headers["Location"]))
    assert "Tidili Mesfioua" in page and "<strong>rurale</strong>" in page


@pytest.mark.parametrize("role", ["antenna_staff", "delegate", "viewer", "evaluator"])
def test_other_roles_cannot_create_territories(client, db, login, role):
    login(role)
    before = count(db, Territory)
    assert client.get("/territories/new").status_code == 403
    assert client.post("/territories/new", data=form()).status_code == 403
    assert count(db, Territory) == before
    assert "/territories/new" not in text(client.get("/territories/"))


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "This field is required."),
    ({"name": "   "}, "This field is required."),
    ({"province_id": "999999"}, "Not a valid choice"),
    ({"setting": "coastal"}, "Not a valid choice"),
    ({"phase": "pilot"}, "Not a valid choice"),
])
def test_invalid_creation_re_renders_with_400_and_writes_nothing(client, db, login, overrides, message):
    login("steering")
    before = count(db, Territory), count(db, Body), count(db, AuditEvent)
    response = client.post("/territories/new", data=form(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert message in page and "Nothing was saved" in page
    assert (count(db, Territory), count(db, Body), count(db, AuditEvent)) == before


# --- editing --------------------------------------------------------------------------------------------

def test_antenna_staff_edit_their_territory_but_not_its_phase(client, db, login, territory):
    login("antenna_staff")
    page = text(client.get(f"/territories/{territory.slug}/edit"))
    assert 'name="phase"' not in page and "The steering committee decides phase changes." in page
    response = client.post(f"/territories/{territory.slug}/edit", data=form(
        name="Azilal", province_id=str(territory.province_id), description="Douars autour d'Azilal.",
        phase="generalisation"))
    assert response.status_code == 302
    stored = db.session.get(Territory, territory.id)
    assert stored.description == "Douars autour d'Azilal." and stored.phase == "experimentation"
    assert "Douars autour d'Azilal." in text(client.get(f"/territories/{territory.slug}"))


def test_editing_never_changes_the_phase_which_moves_through_its_gate(client, db, login, territory):
    login("steering")
    page = text(client.get(f"/territories/{territory.slug}/edit"))
    assert 'name="phase"' not in page and f"/territories/{territory.slug}/phase" in page
    response = client.post(f"/territories/{territory.slug}/edit", data=form(
        name="Azilal", province_id=str(territory.province_id), phase="appropriation"))
    assert response.status_code == 302
    assert db.session.get(Territory, territory.id).phase == "experimentation"


def test_antenna_staff_of_another_territory_cannot_edit(client, db, login, territory):
    login("antenna_staff", on=make_territory("Safi", province_code="07.431"))
    assert client.get(f"/territories/{territory.slug}/edit").status_code == 403
    assert client.post(f"/territories/{territory.slug}/edit", data=form(name="Piraté")).status_code == 403
    assert db.session.get(Territory, territory.id).name == "Azilal"
    assert f"/territories/{territory.slug}/edit" not in text(client.get(f"/territories/{territory.slug}"))


def test_viewer_sees_no_edit_button_and_cannot_edit(client, db, login, territory):
    login("viewer")
    assert f"/territories/{territory.slug}/edit" not in text(client.get(f"/territories/{territory.slug}"))
    assert client.post(f"/territories/{territory.slug}/edit", data=form(name="Piraté")).status_code == 403
    assert db.session.get(Territory, territory.id).name == "Azilal"


def test_invalid_edit_re_renders_with_400_and_writes_nothing(client, db, login, territory):
    login("steering")
    before = db.session.execute(sa.select(Territory.name, Territory.phase, Territory.description)
                                .where(Territory.id == territory.id)).one()
    events = count(db, AuditEvent)
    for overrides in ({"name": ""}, {"name": "   "}, {"setting": "coastal"}):
        response = client.post(f"/territories/{territory.slug}/edit", data=form(
            province_id=str(territory.province_id), phase="extension", **overrides))
        assert response.status_code == 400, overrides
        assert "Nothing was saved" in text(response)
    after = db.session.execute(sa.select(Territory.name, Territory.phase, Territory.description)
                               .where(Territory.id == territory.id)).one()
    assert after == before and count(db, AuditEvent) == events
