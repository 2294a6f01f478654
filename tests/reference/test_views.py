"""Chantier and target group pages; who may edit a chantier."""
from html import unescape

import pytest
import sqlalchemy as sa

from najma.reference.models import Chantier
from tests.conftest import make_user


def chantier(db, code) -> Chantier:
    return db.session.execute(sa.select(Chantier).where(Chantier.code == code)).scalar_one()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_chantier_list_shows_the_five_with_their_leads(client, db, login):
    make_user("chantier_lead", chantier=chantier(db, "micro_projects"), name="Samira Haddad")
    login("viewer")
    page = text(client.get("/chantiers"))
    for code in ("listening", "equal_opportunity", "childhood", "modular_training", "micro_projects"):
        assert f"/chantiers/{code}" in page
    assert "Micro-projects" in page and "Samira Haddad" in page


def test_chantier_page_lists_its_leads_only(client, db, login):
    make_user("chantier_lead", chantier=chantier(db, "childhood"), name="Zineb Chraibi")
    make_user("chantier_lead", chantier=chantier(db, "listening"), name="Youssef Alaoui")
    login("viewer")
    response = client.get("/chantiers/childhood")
    assert response.status_code == 200
    page = text(response)
    assert "Childhood" in page and "Enfance" in page and "الطفولة" in page
    assert "Zineb Chraibi" in page and "Youssef Alaoui" not in page
    assert "No lead assigned yet." in text(client.get("/chantiers/modular_training"))


def test_unknown_chantier_answers_404(client, login):
    login("admin")
    assert client.get("/chantiers/astronomy").status_code == 404
    assert client.post("/chantiers/astronomy/edit", data={"description": "x"}).status_code == 404


def test_target_groups_page(client, login):
    login("viewer")
    page = text(client.get("/target-groups"))
    assert "Women in difficulty" in page and "Femmes en difficulté" in page and "النساء في وضعية صعبة" in page
    assert "Graduates of Entraide Nationale training centres" in page


def test_a_lead_edits_their_chantier(client, db, login):
    childhood = chantier(db, "childhood")
    login("chantier_lead", chantier=childhood)
    page = text(client.get("/chantiers/childhood"))
    assert "/chantiers/childhood/edit" in page
    assert client.get("/chantiers/childhood/edit").status_code == 200
    response = client.post("/chantiers/childhood/edit", data={"description": "## Crèches\n\nQualité des **crèches**."})
    assert response.status_code == 302
    assert chantier(db, "childhood").description.startswith("## Crèches")
    page = text(client.get("/chantiers/childhood"))
    assert "<h2>Crèches</h2>" in page and "<strong>crèches</strong>" in page


def test_an_admin_edits_any_chantier(client, db, login):
    login("admin")
    assert client.post("/chantiers/listening/edit", data={"description": "Revu"}).status_code == 302
    assert chantier(db, "listening").description == "Revu"


@pytest.mark.parametrize("role", ["other_lead", "viewer", "steering", "delegate"])
def test_others_cannot_edit_a_chantier(client, db, login, role):
    if role == "other_lead":
        login("chantier_lead", chantier=chantier(db, "listening"))
    else:
        login(role)
    before = chantier(db, "childhood").description
    assert "/chantiers/childhood/edit" not in text(client.get("/chantiers/childhood"))
    assert client.get("/chantiers/childhood/edit").status_code == 403
    assert client.post("/chantiers/childhood/edit", data={"description": "Effacé"}).status_code == 403
    assert chantier(db, "childhood").description == before
