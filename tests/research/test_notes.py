"""Research notes: writing, revisions, the concurrent-edit check, diffs, restore, visibility,
the bin, comments and their notifications, and the search documents that follow."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.notifications import services as notifications
from najma.notifications.models import Notification
from najma.research import services
from najma.research.models import NoteRevision, SearchDocument
from najma.research.services import NoteConflict, NoteData
from najma.territories.models import TerritoryCommune
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, chantier, target_group


@pytest.fixture
def author(territory):
    return make_user("antenna_staff", territory=territory, name="Samira Antenne")


def _data(note, **changes) -> NoteData:
    data = services.note_data_from_revision(services.revision(note, note.version))
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_create_keeps_fields_and_first_revision(db, territory, author):
    note = add_note(territory, author, title="  Focus group femmes  ", kind="focus_group", chantiers=(1,),
                    participants={"25_59": {"female": "12", "male": ""}, "60_plus": {"female": 3}})
    assert note.title == "Focus group femmes"  # trimmed
    assert note.visibility == "draft" and note.version == 1
    assert note.participants == {"25_59": {"female": 12}, "60_plus": {"female": 3}}
    assert note.participant_total == 15
    revs = services.revisions(note)
    assert [r.number for r in revs] == [1]
    assert revs[0].fields["chantier_ids"] == [chantier(1).id]
    assert db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "ResearchNote")).scalar() == "create"


@pytest.mark.parametrize("changes, message", [
    ({"title": "   "}, "needs a title"),
    ({"kind": "poem"}, "kind of note"),
    ({"fieldwork_date": date.today() + timedelta(days=2)}, "future"),
    ({"participants": {"15_24": {"female": "many"}}}, "whole numbers"),
    ({"participants": {"15_24": {"female": -1}}}, "between 0"),
    ({"target_group_ids": [99999]}, "Unknown target group"),
    ({"commune_ids": [424242]}, "communes of this territory"),
])
def test_bad_input_is_refused_and_nothing_written(db, territory, author, changes, message):
    fields = dict(kind="observation", title="Titre", body="Texte")
    fields.update(changes)
    with pytest.raises(DomainError, match=message):
        services.create_note(author, territory, NoteData(**fields))
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(NoteRevision)).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(SearchDocument)).scalar() == 0


def test_every_save_keeps_a_revision_and_stale_save_conflicts(db, territory, author):
    note = add_note(territory, author, body="Premier jet.")
    colleague = make_user("antenna_staff", territory=territory)
    services.update_note(colleague, note, _data(note, body="Deuxième version."), base_version=1)
    assert note.version == 2
    # A second client still holds revision 1: its save is refused with both texts.
    with pytest.raises(NoteConflict) as conflict:
        services.update_note(author, note, _data(note, body="Ma version à moi."), base_version=1)
    assert conflict.value.current == "Deuxième version." and conflict.value.mine == "Ma version à moi."
    assert conflict.value.current_version == 2
    assert note.body == "Deuxième version."
    assert [r.number for r in services.revisions(note)] == [2, 1]
    assert services.revision(note, 1).body == "Premier jet."


def test_compare_and_set_refuses_a_save_that_lost_the_race(db, territory, author):
    """Two requests read version 1; the database lets only the first write."""
    note = add_note(territory, author, body="Base")
    data = _data(note, body="perdu?")
    assert note.version == 1  # what this (slower) request read
    # The faster request's write lands in the database; this session's object still says 1.
    db.session.execute(sa.update(type(note)).where(type(note).id == note.id).values(version=2)
                       .execution_options(synchronize_session=False))
    with pytest.raises(NoteConflict):
        services.update_note(author, note, data, base_version=1)
    assert services.revision(note, 2) is None  # nothing of the losing save was written


def test_restore_adds_a_revision_and_loses_nothing(db, territory, author):
    note = add_note(territory, author, title="Titre A", body="Texte A")
    services.update_note(author, note, _data(note, title="Titre B", body="Texte B"), 1)
    services.restore_revision(author, note, 1, base_version=2)
    assert (note.title, note.body, note.version) == ("Titre A", "Texte A", 3)
    assert [r.number for r in services.revisions(note)] == [3, 2, 1]
    assert services.revision(note, 3).summary == "restore:1"
    with pytest.raises(DomainError, match="does not exist"):
        services.restore_revision(author, note, 9, base_version=3)


def test_diff_is_word_level_and_escaped():
    html = services.diff_html("Les femmes <b>parlent</b> de la coopérative", "Les femmes parlent de la crèche")
    assert "<del>" in html and "<ins>crèche</ins>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_field_changes_lists_metadata(db, territory, author):
    note = add_note(territory, author)
    services.update_note(author, note, _data(note, kind="interview", target_group_ids=[target_group("elderly_in_difficulty").id]), 1)
    assert services.field_changes(services.revision(note, 1), services.revision(note, 2)) == ["kind", "target_group_ids"]


def test_visibility_only_moves_forward(db, territory, author):
    note = add_note(territory, author)
    services.set_visibility(author, note, "shared")
    assert note.shared_at is not None and note.published_at is None
    with pytest.raises(DomainError, match="only moves forward"):
        services.set_visibility(author, note, "draft")
    services.set_visibility(author, note, "published")
    assert note.published_at is not None
    document = db.session.execute(sa.select(SearchDocument)).scalar_one()
    assert document.visibility == "published"


def test_delete_is_soft_hides_from_search_and_recovers(db, territory, author):
    note = add_note(territory, author, visibility="shared")
    commenter = make_user("commission_member", territory=territory)
    services.add_comment(commenter, note, "Bonne note")
    services.delete_note(author, note)
    assert db.session.execute(sa.select(sa.func.count()).select_from(SearchDocument)).scalar() == 0
    assert services.visible_notes(author, territory)[1] == 0
    assert [n.id for n in services.deleted_notes(author, territory)] == [note.id]
    with pytest.raises(DomainError, match="bin"):
        services.update_note(author, note, _data(note, body="x"), note.version)
    services.undelete_note(author, note)
    assert db.session.execute(sa.select(sa.func.count()).select_from(SearchDocument)).scalar() == 2
    assert services.visible_notes(author, territory)[1] == 1


def test_comment_notifies_every_author_but_the_commenter(db, territory, author):
    note = add_note(territory, author, visibility="shared")
    co_author = make_user("antenna_staff", territory=territory)
    services.update_note(co_author, note, _data(note, body="Complément"), 1)
    member = make_user("commission_member", territory=territory, name="Hassan Commission")
    services.add_comment(member, note, "Pensez aux **douars** isolés")
    rows = db.session.execute(sa.select(Notification).order_by(Notification.user_id)).scalars().all()
    assert sorted(r.user_id for r in rows) == sorted([author.id, co_author.id])
    assert notifications.unread_count(author) == 1
    assert "Hassan Commission" in notifications.message(rows[0]) and note.title in notifications.message(rows[0])
    services.add_comment(author, note, "Merci")  # the author is not told of their own comment
    assert notifications.unread_count(author) == 1
    assert notifications.mark_read(author) == 1 and notifications.unread_count(author) == 0


def test_comment_rules(db, territory, author):
    draft = add_note(territory, author)
    with pytest.raises(DomainError, match="Drafts"):
        services.add_comment(author, draft, "Non")
    shared = add_note(territory, author, visibility="shared")
    with pytest.raises(DomainError, match="empty"):
        services.add_comment(author, shared, "   ")


def test_notes_list_filters_by_reader_level(db, territory, author):
    add_note(territory, author, title="Brouillon")
    add_note(territory, author, title="Partagée", visibility="shared", kind="interview")
    add_note(territory, author, title="Publiée", visibility="published", groups=("elderly_in_difficulty",))
    member = make_user("commission_member", territory=territory)
    committee = make_user("committee_member", territory=territory)
    steering = make_user("steering")
    other = make_user("antenna_staff", territory=make_territory("Chefchaouen"))
    titles = lambda user, **f: sorted(n.title for n in services.visible_notes(  # noqa: E731
        user, territory, services.NoteFilters(**f))[0])
    assert titles(author) == ["Brouillon", "Partagée", "Publiée"]
    assert titles(member) == ["Partagée", "Publiée"]
    assert titles(committee) == titles(steering) == ["Publiée"]
    assert titles(other) == []
    assert titles(author, kind="interview") == ["Partagée"]
    assert titles(author, target_group_id=target_group("elderly_in_difficulty").id) == ["Publiée"]
    assert services.visibility_counts(member, territory) == {"shared": 1, "published": 1}


def test_communes_must_belong_to_the_territory(db, territory, author):
    from najma.geography.models import Commune
    from najma.geography.services import load_geography

    load_geography(("05.081",))
    communes = db.session.execute(sa.select(Commune).order_by(Commune.code).limit(2)).scalars().all()
    db.session.add(TerritoryCommune(territory_id=territory.id, commune_id=communes[0].id))
    db.session.commit()
    note = add_note(territory, author, commune_ids=[communes[0].id])
    assert [c.id for c in services.load_note(note.id).communes] == [communes[0].id]
    with pytest.raises(DomainError, match="communes of this territory"):
        add_note(territory, author, commune_ids=[communes[1].id])
