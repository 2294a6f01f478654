"""The actor map and the research meet: a tie cites the note that documents it, and an
actor's card lists the notes and paths that cite it, only as far as the reader may read."""
import pytest

from najma.errors import DomainError
from najma.research import paths, services
from tests.actors.conftest import add_actor, add_tie
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note


@pytest.fixture
def author(territory):
    return make_user("antenna_staff", territory=territory)


def test_tie_cites_a_note_of_its_territory_only(db, territory, author):
    note = add_note(territory, author)
    a, b = add_actor(territory, "Commune A"), add_actor(territory, "Association B")
    tie = add_tie(territory, a, b, note_id=note.id)
    assert tie.note_id == note.id
    other_note = add_note(make_territory("Ailleurs"), None)
    with pytest.raises(DomainError, match="note of this territory"):
        add_tie(territory, b, a, kind="funding", note_id=other_note.id)


def test_card_lists_citing_notes_and_paths_as_the_reader_may_read(client, login, territory, author):
    draft = add_note(territory, author, title="Entretien brouillon")
    shared = add_note(territory, author, title="Entretien partagé", visibility="shared")
    a, b, c = (add_actor(territory, name) for name in ("Commune A", "Association B", "Coopérative C"))
    add_tie(territory, a, b, note_id=draft.id)
    add_tie(territory, a, c, kind="funding", note_id=shared.id)
    paths.create_path(author, territory, paths.PathData(title="Piste avec la commune", actor_ids=[a.id],
                                                        note_ids=[shared.id]))
    login("antenna_staff", user=author)
    card = client.get(f"/actors/{a.id}?partial=1").text
    assert "Entretien brouillon" in card and "Entretien partagé" in card and "Piste avec la commune" in card
    login("commission_member")
    card = client.get(f"/actors/{a.id}?partial=1").text
    assert "Entretien brouillon" not in card  # a draft's title never reaches the commission
    assert "Entretien partagé" in card and "Piste avec la commune" in card
    login("viewer")
    card = client.get(f"/actors/{a.id}?partial=1").text
    assert "Entretien" not in card and "Piste avec la commune" not in card


def test_tie_form_offers_the_territory_notes(client, login, territory, author):
    add_note(territory, author, title="Inventaire des services")
    add_note(make_territory("Ailleurs"), None, title="Note d'ailleurs")
    login("antenna_staff", user=author)
    page = client.get(f"/territories/{territory.slug}/ties/new").text
    assert "Inventaire des services" in page and "Note d'ailleurs" not in page


def test_deleting_a_note_keeps_the_tie(db, territory, author):
    note = add_note(territory, author)
    a, b = add_actor(territory, "A"), add_actor(territory, "B")
    tie = add_tie(territory, a, b, note_id=note.id)
    services.delete_note(author, note)  # soft: the tie keeps its citation, hidden from readers
    db.session.refresh(tie)
    assert tie.note_id == note.id
