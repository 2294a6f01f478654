"""Intervention path pages: who may propose, read and decide; the 409 on a stale edit;
evidence shown only to those who may read it; inert XSS; query counts of the list."""
import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user
from tests.conftest import count_queries, make_territory, make_user
from tests.research.conftest import add_note, chantier, target_group
from tests.research.test_paths import add_actor, add_meeting, add_passage, propose

from najma.research import paths
from najma.research.models import InterventionPath




@pytest.fixture
def staff(db, territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def shared_note(territory, staff):
    return add_note(territory, staff, title="Focus group des femmes", visibility="shared")


@pytest.fixture
def path(territory, staff, shared_note):
    return propose(territory, staff, note_ids=[shared_note.id])


def _form(**overrides):
    form = {"title": "Atelier de couture", "rationale": "Les **femmes** le demandent.", "priority": "high",
            "chantier_id": str(chantier(5).id), "target_group_ids": [str(target_group().id)], "partners_text": ""}
    form.update(overrides)
    return form


# --- proposing -----------------------------------------------------------------------------------

def test_antenna_staff_propose_a_path_citing_a_passage(client, login, db, territory, shared_note):
    login("antenna_staff")
    passage = add_passage(shared_note, quote="Nous voulons apprendre la couture")
    actor = add_actor(territory)
    page = client.get(f"/territories/{territory.slug}/research/paths/new")
    assert page.status_code == 200 and "Focus group des femmes" in page.text
    assert "Nous voulons apprendre la couture" in page.text and "Association Tifawin" in page.text
    response = client.post(f"/territories/{territory.slug}/research/paths/new",
                           data=_form(passage_ids=[str(passage.id)], actor_ids=[str(actor.id)],
                                      partners_text="Coopérative Amal"))
    assert response.status_code == 302
    created = db.session.execute(sa.select(InterventionPath)).scalar_one()
    assert response.headers["Location"].endswith(f"/research/paths/{created.id}")
    text = client.get(f"/research/paths/{created.id}").text
    assert "<strong>femmes</strong>" in text  # the rationale is rendered Markdown
    assert "Nous voulons apprendre la couture" in text and f"/research/notes/{shared_note.id}" in text
    assert f"/actors/{actor.id}" in text and "Coopérative Amal" in text
    assert "Created" in text  # the history


def test_the_form_refuses_a_path_without_evidence_and_keeps_what_was_typed(client, login, db, territory):
    login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/research/paths/new", data=_form())
    assert response.status_code == 400
    assert "cite at least one note or one coded passage" in response.text
    assert 'value="Atelier de couture"' in response.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(InterventionPath)).scalar_one() == 0


def test_the_form_says_a_draft_cannot_be_cited(client, login, db, territory):
    user = login("antenna_staff")
    draft = add_note(territory, user, title="Notes brutes")
    response = client.post(f"/territories/{territory.slug}/research/paths/new", data=_form(note_ids=[str(draft.id)]))
    assert response.status_code == 400 and "is a draft" in response.text


def test_a_partner_from_another_territory_is_refused_by_the_form(client, login, db, territory, shared_note):
    login("antenna_staff")
    foreign = add_actor(make_territory("Safi test"), "Acteur de Safi")
    response = client.post(f"/territories/{territory.slug}/research/paths/new",
                           data=_form(note_ids=[str(shared_note.id)], actor_ids=[str(foreign.id)]))
    assert response.status_code == 400 and "actor map" in response.text


# --- permissions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["commission_member", "delegate", "antenna_staff"])
def test_the_commission_the_delegate_and_the_antenna_decide(client, login, db, path, role):
    login(role)
    assert client.get(f"/research/paths/{path.id}/decide").status_code == 200
    response = client.post(f"/research/paths/{path.id}/decide", data={"status": "retained", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(InterventionPath, path.id).status == "retained"


def test_a_committee_member_reads_but_cannot_decide_nor_edit(client, login, db, territory, path):
    login("committee_member")
    assert client.get(f"/territories/{territory.slug}/research/paths").status_code == 200
    page = client.get(f"/research/paths/{path.id}")
    assert page.status_code == 200 and "Record the commission" not in page.text
    assert client.get(f"/research/paths/{path.id}/decide").status_code == 403
    assert client.post(f"/research/paths/{path.id}/decide", data={"status": "retained"}).status_code == 403
    assert client.get(f"/research/paths/{path.id}/edit").status_code == 403
    assert client.post(f"/research/paths/{path.id}/delete").status_code == 403
    assert client.get(f"/territories/{territory.slug}/research/paths/new").status_code == 403
    assert db.session.get(InterventionPath, path.id).status == "proposed"


def test_a_commission_member_cannot_propose_edit_or_delete(client, login, territory, path):
    login("commission_member")
    assert client.get(f"/territories/{territory.slug}/research/paths/new").status_code == 403
    assert client.get(f"/research/paths/{path.id}/edit").status_code == 403
    assert client.post(f"/research/paths/{path.id}/delete").status_code == 403


@pytest.mark.parametrize("who", ["viewer", "other_staff"])
def test_viewers_and_other_territories_staff_get_403(client, login_as, db, territory, path, who):
    if who == "viewer":
        login_as("viewer")
    else:
        login_as("antenna_staff", on=make_territory("Chefchaouen test"))
    for url in (f"/territories/{territory.slug}/research/paths", f"/research/paths/{path.id}",
                f"/research/paths/{path.id}/edit", f"/research/paths/{path.id}/decide",
                f"/territories/{territory.slug}/research/paths/new"):
        assert client.get(url).status_code == 403, url
    for url in (f"/research/paths/{path.id}/decide", f"/research/paths/{path.id}/reopen",
                f"/research/paths/{path.id}/delete"):
        assert client.post(url, data={"status": "retained", "reason": "x"}).status_code == 403, url


def test_evidence_the_reader_cannot_read_shows_as_not_visible(client, login, db, territory, shared_note, path):
    login("committee_member")
    text = client.get(f"/research/paths/{path.id}").text
    assert "A note not visible to you" in text
    assert "Focus group des femmes" not in text and f"/research/notes/{shared_note.id}" not in text


# --- deciding ------------------------------------------------------------------------------------

def test_setting_aside_without_a_reason_is_refused_on_the_form(client, login, db, path):
    login("commission_member")
    response = client.post(f"/research/paths/{path.id}/decide", data={"status": "set_aside", "reason": ""})
    assert response.status_code == 400 and "needs the commission" in response.text
    assert db.session.get(InterventionPath, path.id).status == "proposed"


def test_a_decision_at_a_commission_meeting_shows_on_the_path(client, login, db, territory, path):
    meeting = add_meeting(territory, title="Commission d'avril")
    add_meeting(territory, "committee", "Comité local d'avril")
    login("commission_member")
    form = client.get(f"/research/paths/{path.id}/decide").text
    assert "Commission d&#39;avril" in form and "Comité local d&#39;avril" not in form
    response = client.post(f"/research/paths/{path.id}/decide",
                           data={"status": "set_aside", "reason": "Déjà couvert par l'INDH",
                                 "meeting_id": str(meeting.id)})
    assert response.status_code == 302
    text = client.get(f"/research/paths/{path.id}").text
    assert "Set aside" in text and "Déjà couvert par l&#39;INDH" in text
    assert f"/meetings/{meeting.id}" in text


def test_reopening_needs_a_reason_then_the_path_is_editable_again(client, login, db, path):
    login("commission_member")
    paths.decide(None, db.session.get(InterventionPath, path.id), "retained", "")
    assert client.post(f"/research/paths/{path.id}/reopen", data={"reason": ""}).status_code == 302
    assert db.session.get(InterventionPath, path.id).status == "retained"
    client.post(f"/research/paths/{path.id}/reopen", data={"reason": "Nouvelles données"})
    db.session.expire_all()
    assert db.session.get(InterventionPath, path.id).status == "proposed"
    assert "Nouvelles données" in client.get(f"/research/paths/{path.id}").text


def test_a_retained_path_cannot_be_edited(client, login, db, path, shared_note):
    login("antenna_staff")
    paths.decide(None, db.session.get(InterventionPath, path.id), "retained", "")
    response = client.get(f"/research/paths/{path.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/research/paths/{path.id}")
    response = client.post(f"/research/paths/{path.id}/edit",
                           data=_form(title="Changée", note_ids=[str(shared_note.id)], version="1"))
    assert response.status_code == 409 and "reopened" in response.text
    assert 'value="Changée"' in response.text  # what was typed is not lost
    db.session.expire_all()
    assert db.session.get(InterventionPath, path.id).title != "Changée"


def test_deleting_a_proposed_path(client, login, db, territory, path):
    login("antenna_staff")
    response = client.post(f"/research/paths/{path.id}/delete")
    assert response.status_code == 302
    assert client.get(f"/research/paths/{path.id}").status_code == 404
    assert "No intervention path yet" in client.get(f"/territories/{territory.slug}/research/paths").text


# --- the concurrent edit -------------------------------------------------------------------------

def test_two_saves_from_the_same_version_give_a_409_with_both_rationales(client, login, db, path, shared_note):
    login("antenna_staff")
    page = client.get(f"/research/paths/{path.id}/edit")
    assert page.status_code == 200 and 'name="version" type="hidden" value="1"' in page.text
    first = client.post(f"/research/paths/{path.id}/edit",
                        data=_form(rationale="Texte d'Amina", note_ids=[str(shared_note.id)], version="1"))
    assert first.status_code == 302
    second = client.post(f"/research/paths/{path.id}/edit",
                         data=_form(rationale="Texte de Youssef", note_ids=[str(shared_note.id)], version="1"))
    assert second.status_code == 409
    assert "Texte d&#39;Amina" in second.text and "Texte de Youssef" in second.text
    assert 'name="version" type="hidden" value="2"' in second.text
    db.session.expire_all()
    assert db.session.get(InterventionPath, path.id).rationale == "Texte d'Amina"
    merged = client.post(f"/research/paths/{path.id}/edit",
                         data=_form(rationale="Amina et Youssef", note_ids=[str(shared_note.id)], version="2"))
    assert merged.status_code == 302


# --- XSS, the note's partial, query counts -------------------------------------------------------

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_xss_in_title_and_rationale_is_inert(client, login, db, territory, staff, shared_note):
    login("antenna_staff")
    path = propose(territory, staff, title=f"Piste {XSS}", rationale=f"Raison {XSS} [lien](javascript:alert(3))",
                   partners_text=f"Partenaire {XSS}", note_ids=[shared_note.id])
    paths.decide(staff, path, "set_aside", f"Motif {XSS}")
    for url in (f"/research/paths/{path.id}", f"/territories/{territory.slug}/research/paths"):
        text = client.get(url).text
        assert "<script>alert(1)" not in text and 'onerror="alert(2)"' not in text and "javascript:alert" not in text
        assert "&lt;script&gt;" in text


def test_the_note_partial_lists_the_paths_citing_the_note(app, db, territory, staff, shared_note, path):
    other = propose(territory, staff, title="Piste retenue", note_ids=[shared_note.id])
    paths.decide(staff, other, "retained", "")
    with app.test_request_context():
        login_user(staff)
        html = render_template("research/_note_paths.html", note=shared_note, territory=territory,
                               citing_paths=paths.citing(shared_note, staff))
    assert f"/research/paths/{path.id}" in html and f"/research/paths/{other.id}" in html
    assert "Retained" in html and "Proposed" in html
    assert f"/research/paths/new?note={shared_note.id}" in html


def test_the_paths_list_query_count_does_not_grow_with_the_paths(client, login, db, territory):
    user = login("antenna_staff")
    note = add_note(territory, user, visibility="shared")
    passage = add_passage(note)
    propose(territory, user, note_ids=[note.id])
    url = f"/territories/{territory.slug}/research/paths"
    small = count_queries(lambda: client.get(url))
    for i in range(12):
        propose(territory, user, title=f"Piste {i}", note_ids=[note.id], passage_ids=[passage.id],
                target_group_ids=[target_group().id, target_group("elderly_in_difficulty").id],
                chantier_id=chantier(1 + i % 5).id)
    large = count_queries(lambda: client.get(url))
    assert large == small
    assert "Piste 11" in client.get(url).text


def test_the_path_page_query_count_does_not_grow_with_the_evidence(client, login, db, territory):
    user = login("antenna_staff")
    notes = [add_note(territory, user, title=f"Note {i}", visibility="shared") for i in range(6)]
    small_path = propose(territory, user, note_ids=[notes[0].id])
    passages = [add_passage(note) for note in notes]
    large_path = propose(territory, user, note_ids=[n.id for n in notes], passage_ids=[p.id for p in passages],
                         actor_ids=[add_actor(territory, f"Acteur {i}").id for i in range(4)])
    assert (count_queries(lambda: client.get(f"/research/paths/{small_path.id}"))
            == count_queries(lambda: client.get(f"/research/paths/{large_path.id}")))
