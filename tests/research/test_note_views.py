"""Research note pages over HTTP: who sees what at each visibility, writing with the preview,
the 409 merge page, history, diff and restore, the bin, comments, JSON, and XSS."""
import pytest
import sqlalchemy as sa

from najma.notifications.models import Notification
from najma.research import services
from najma.research.models import ResearchNote
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, chantier, target_group

#: Who may read a note at each visibility (True) on the note's own territory.
READERS = {
    "antenna_staff": {"draft": True, "shared": True, "published": True},
    "commission_member": {"draft": False, "shared": True, "published": True},
    "delegate": {"draft": False, "shared": True, "published": True},
    "committee_member": {"draft": False, "shared": False, "published": True},
    "steering": {"draft": False, "shared": False, "published": True},
    "evaluator": {"draft": False, "shared": False, "published": True},
    "chantier_lead": {"draft": False, "shared": False, "published": False},
    "viewer": {"draft": False, "shared": False, "published": False},
    "admin": {"draft": True, "shared": True, "published": True},
}


@pytest.fixture
def author(territory):
    return make_user("antenna_staff", territory=territory)


@pytest.mark.parametrize("role", sorted(READERS))
@pytest.mark.parametrize("visibility", ["draft", "shared", "published"])
def test_note_page_and_lists_follow_the_visibility(client, login, territory, author, role, visibility):
    note = add_note(territory, author, title=f"Note {visibility}", visibility=visibility)
    login(role, chantier=chantier(1) if role == "chantier_lead" else None)
    allowed = READERS[role][visibility]
    assert client.get(f"/research/notes/{note.id}").status_code == (200 if allowed else 403)
    listing = client.get(f"/territories/{territory.slug}/research")
    if listing.status_code == 200:
        assert (f"Note {visibility}" in listing.text) == allowed
    else:
        assert listing.status_code == 403 and not allowed
    data = client.get(f"/territories/{territory.slug}/research/notes.json")
    if data.status_code == 200:
        assert [n["id"] for n in data.json["notes"]] == ([note.id] if allowed else [])
    assert client.get(f"/research/notes/{note.id}/history").status_code == (200 if allowed else 403)
    assert client.get(f"/research/notes/{note.id}/revisions/1").status_code == (200 if allowed else 403)


def test_staff_of_another_territory_reads_nothing(client, login, territory, author):
    note = add_note(territory, author, visibility="shared")
    login("antenna_staff", on=make_territory("Autre"))
    assert client.get(f"/research/notes/{note.id}").status_code == 403
    assert client.post(f"/research/notes/{note.id}/edit", data={"title": "x", "kind": "observation",
                                                               "version": 1}).status_code == 403


def test_write_a_note_with_preview_then_save(client, login, territory, db):
    user = login("antenna_staff")
    form = {"kind": "focus_group", "title": "Focus group des femmes de Tabant", "fieldwork_date": "2026-03-10",
            "place": "Tabant", "target_group_ids": [str(target_group().id)], "body": "**Besoin** de crèche",
            "p_25_59_female": "14", "version": ""}
    preview = client.post(f"/territories/{territory.slug}/research/notes/new", data={**form, "preview": "1"})
    assert preview.status_code == 200 and "<strong>Besoin</strong>" in preview.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(ResearchNote)).scalar() == 0
    saved = client.post(f"/territories/{territory.slug}/research/notes/new", data=form)
    assert saved.status_code == 302
    note = db.session.execute(sa.select(ResearchNote)).scalar_one()
    assert note.author_id == user.id and note.participants == {"25_59": {"female": 14}}
    page = client.get(saved.location)
    assert "Focus group des femmes de Tabant" in page.text and "<strong>Besoin</strong>" in page.text
    assert "14" in page.text


def test_bad_note_form_says_what_and_writes_nothing(client, login, territory, db):
    login("antenna_staff")
    answer = client.post(f"/territories/{territory.slug}/research/notes/new",
                         data={"kind": "observation", "title": "", "body": "Mon texte à ne pas perdre"})
    assert answer.status_code == 400
    assert "Mon texte à ne pas perdre" in answer.text  # the text is given back, not lost
    assert db.session.execute(sa.select(sa.func.count()).select_from(ResearchNote)).scalar() == 0


def test_only_antenna_writes(client, login, territory, author):
    note = add_note(territory, author, visibility="shared")
    login("commission_member")
    assert client.get(f"/territories/{territory.slug}/research/notes/new").status_code == 403
    assert client.get(f"/research/notes/{note.id}/edit").status_code == 403
    assert client.post(f"/research/notes/{note.id}/visibility", data={"visibility": "published"}).status_code == 403


def test_two_clients_same_base_revision_get_a_409_with_both_texts(app, db, territory, author):
    note = add_note(territory, author, title="Entretien", body="Texte de départ")
    colleague = make_user("antenna_staff", territory=territory)
    first, second = app.test_client(), app.test_client()
    for client, user in ((first, author), (second, colleague)):
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
        user.locale = "en"
    db.session.commit()
    form = lambda body: {"kind": "observation", "title": "Entretien", "body": body, "version": "1"}  # noqa: E731
    assert first.post(f"/research/notes/{note.id}/edit", data=form("Version de Samira")).status_code == 302
    conflict = second.post(f"/research/notes/{note.id}/edit", data=form("Version de Karim"))
    assert conflict.status_code == 409
    assert "Version de Samira" in conflict.text and "Version de Karim" in conflict.text
    db.session.expire_all()
    assert services.load_note(note.id).body == "Version de Samira"
    merged = second.post(f"/research/notes/{note.id}/edit", data={**form("Samira et Karim"), "version": "2"})
    assert merged.status_code == 302
    db.session.expire_all()
    assert services.load_note(note.id).body == "Samira et Karim"


def test_history_diff_and_restore(client, login, territory, db):
    user = login("antenna_staff")
    note = add_note(territory, user, body="Les femmes veulent une crèche.")
    services.update_note(user, note, services.NoteData(kind="observation", title=note.title,
                                                       body="Les femmes veulent une coopérative."), 1)
    history = client.get(f"/research/notes/{note.id}/history")
    assert history.status_code == 200 and "Restore" in history.text
    diff = client.get(f"/research/notes/{note.id}/diff?from=1&to=2")
    assert "<del>crèche.</del>" in diff.text and "<ins>coopérative.</ins>" in diff.text
    assert client.get(f"/research/notes/{note.id}/diff?from=1&to=9").status_code == 404
    stale = client.post(f"/research/notes/{note.id}/revisions/1/restore", data={"version": "1"})
    assert stale.status_code == 302 and "/history" in stale.location  # based on an old view: refused
    restored = client.post(f"/research/notes/{note.id}/revisions/1/restore", data={"version": "2"})
    assert restored.status_code == 302
    db.session.expire_all()
    note = services.load_note(note.id)
    assert note.body == "Les femmes veulent une crèche." and note.version == 3


def test_share_publish_and_bin(client, login, territory, db):
    user = login("antenna_staff")
    note = add_note(territory, user)
    assert client.post(f"/research/notes/{note.id}/visibility", data={"visibility": "shared"}).status_code == 302
    back = client.post(f"/research/notes/{note.id}/visibility", data={"visibility": "draft"}, follow_redirects=True)
    assert "only moves forward" in back.text
    assert client.post(f"/research/notes/{note.id}/delete").status_code == 302
    bin_page = client.get(f"/territories/{territory.slug}/research/bin")
    assert note.title in bin_page.text
    # For anyone else, a deleted note does not exist.
    login("commission_member")
    assert client.get(f"/research/notes/{note.id}").status_code == 404
    login("antenna_staff", user=user)
    assert client.post(f"/research/notes/{note.id}/undelete").status_code == 302
    db.session.expire_all()
    assert services.load_note(note.id).deleted_at is None


def test_only_author_or_admin_deletes(client, login, territory, author):
    note = add_note(territory, author)
    login("antenna_staff")  # a colleague, not the author
    assert client.post(f"/research/notes/{note.id}/delete").status_code == 403


def test_comment_and_notification_in_the_header(client, login, territory, author, db):
    note = add_note(territory, author, visibility="shared")
    login("commission_member")
    answer = client.post(f"/research/notes/{note.id}/comments", data={"body": "Et les jeunes filles ?"})
    assert answer.status_code == 302 and "#comment-" in answer.location
    assert db.session.execute(sa.select(Notification.user_id)).scalar_one() == author.id
    login("antenna_staff", user=author)
    home = client.get("/notifications/")
    assert 'data-testid="unread-count"' in home.text and "commented on your note" in home.text
    notification = db.session.execute(sa.select(Notification)).scalar_one()
    opened = client.post(f"/notifications/{notification.id}/open")
    assert opened.location.endswith(f"/research/notes/{note.id}#comment-1") or f"/research/notes/{note.id}" in opened.location
    assert 'data-testid="unread-count"' not in client.get("/notifications/").text


def test_committee_member_comments_only_on_published(client, login, territory, author):
    shared = add_note(territory, author, visibility="shared")
    published = add_note(territory, author, visibility="published")
    login("committee_member")
    assert client.post(f"/research/notes/{shared.id}/comments", data={"body": "x"}).status_code == 403
    assert client.post(f"/research/notes/{published.id}/comments", data={"body": "Vu"}).status_code == 302
    login("evaluator")
    assert client.post(f"/research/notes/{published.id}/comments", data={"body": "x"}).status_code == 403


XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_xss_in_title_body_and_comment_is_inert(client, login, territory, db):
    user = login("antenna_staff")
    note = add_note(territory, user, title=f"Titre {XSS}", body=f"Corps {XSS} [lien](javascript:alert(3))",
                    visibility="shared")
    services.add_comment(make_user("commission_member", territory=territory), note, f"Commentaire {XSS}")
    for url in (f"/research/notes/{note.id}", f"/territories/{territory.slug}/research",
                f"/research/notes/{note.id}/history", f"/research/notes/{note.id}/revisions/1"):
        text = client.get(url).text
        assert "<script>alert(1)" not in text and 'onerror="alert(2)"' not in text and "javascript:alert" not in text


def test_page_query_counts_do_not_grow_with_notes(client, login, territory, app):
    from tests.research.test_note_views import _count_queries

    user = login("antenna_staff")
    add_note(territory, user, visibility="shared")
    small = _count_queries(app, lambda: client.get(f"/territories/{territory.slug}/research"))
    for i in range(15):
        add_note(territory, user, title=f"N{i}", groups=("women_in_difficulty", "elderly_in_difficulty"), chantiers=(1, 2))
    large = _count_queries(app, lambda: client.get(f"/territories/{territory.slug}/research"))
    assert large == small


def _count_queries(app, call) -> int:
    from najma.extensions import db

    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert call().status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return count
