"""Note attachments over HTTP: who downloads what, how files are served, uploads refused with a
message and nothing written, and names that render inert."""
import io

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, chantier
from tests.research.test_attachments import JPEG, PNG, SAMPLES, stored_files

from najma.research import attachments, services
from najma.research.models import NoteAttachment

XSS_NAME = "<img src=x onerror=alert('x')>\u202e\x07gnp.png"


@pytest.fixture(autouse=True)
def storage(app, tmp_path, monkeypatch):
    """Attachments go to a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "attachments"


@pytest.fixture
def author(db, territory):
    return make_user("antenna_staff", territory=territory)


def note_with_file(territory, author, visibility="draft", name="souk.png", content=PNG):
    note = add_note(territory, author, visibility=visibility)
    return note, attachments.attach(author, note, name, io.BytesIO(content))


def rows(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(NoteAttachment)).scalar_one()


def upload(client, note, name, content):
    return client.post(f"/research/notes/{note.id}/attachments",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


READERS = {
    "draft": {"antenna_staff", "admin"},
    "shared": {"antenna_staff", "admin", "commission_member", "delegate"},
    "published": {"antenna_staff", "admin", "commission_member", "delegate", "committee_member", "steering",
                  "evaluator"},
}
ROLES = ("antenna_staff", "commission_member", "delegate", "committee_member", "steering", "evaluator", "viewer",
         "chantier_lead", "admin", None)


@pytest.mark.parametrize("visibility", list(READERS))
@pytest.mark.parametrize("role", ROLES)
def test_a_file_is_served_to_those_who_read_its_note(client, login, territory, author, visibility, role):
    _note, item = note_with_file(territory, author, visibility)
    login(role, **({"chantier": chantier(1)} if role == "chantier_lead" else {}))
    response = client.get(f"/research/attachments/{item.id}")
    if role in READERS[visibility]:
        assert response.status_code == 200 and response.data == PNG
    else:
        assert response.status_code == 403 and response.data != PNG


def test_the_antenna_of_another_territory_gets_nothing(client, login, db, territory, author):
    _note, item = note_with_file(territory, author, "published")
    login("antenna_staff", on=make_territory("Chefchaouen", province_code="01.151"))
    assert client.get(f"/research/attachments/{item.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, territory, author):
    _note, item = note_with_file(territory, author, "published")
    response = client.get(f"/research/attachments/{item.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_file_of_a_note_in_the_bin_is_not_found_even_for_its_author(client, login, territory, author):
    note, item = note_with_file(territory, author, "published")
    services.delete_note(author, note)
    login(None, user=author)
    assert client.get(f"/research/attachments/{item.id}").status_code == 404
    login("admin")
    assert client.get(f"/research/attachments/{item.id}").status_code == 404


def test_a_removed_file_is_not_found(client, login, territory, author):
    _note, item = note_with_file(territory, author)
    attachments.remove(author, item)
    login(None, user=author)
    assert client.get(f"/research/attachments/{item.id}").status_code == 404
    assert client.get("/research/attachments/999999").status_code == 404


def test_a_file_missing_from_disk_is_not_found(client, login, territory, author):
    _note, item = note_with_file(territory, author)
    attachments.path_of(item).unlink()
    login(None, user=author)
    assert client.get(f"/research/attachments/{item.id}").status_code == 404


def test_the_file_is_served_as_what_it_is_and_runs_nothing(client, login, territory, author):
    _note, item = note_with_file(territory, author, name="vacances.gif", content=PNG)
    login(None, user=author)
    response = client.get(f"/research/attachments/{item.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"  # detected, not the .gif the name claims
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["Content-Disposition"] == \
        "inline; filename=\"vacances.gif.png\"; filename*=UTF-8''vacances.gif.png"
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    saved = client.get(f"/research/attachments/{item.id}?download=1")
    assert saved.headers["Content-Disposition"].startswith("attachment; ")


def test_a_pdf_opens_in_the_browser_viewer_with_nothing_else_allowed(client, login, territory, author):
    _note, item = note_with_file(territory, author, name="diagnostic.pdf", content=SAMPLES["application/pdf"])
    login(None, user=author)
    response = client.get(f"/research/attachments/{item.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; ")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_recording_is_served_as_audio(client, login, territory, author):
    _note, item = note_with_file(territory, author, name="entretien.ogg", content=SAMPLES["audio/ogg"])
    login(None, user=author)
    response = client.get(f"/research/attachments/{item.id}")
    assert response.mimetype == "audio/ogg" and response.data == SAMPLES["audio/ogg"]


def test_a_non_ascii_name_is_given_in_rfc_5987_form(client, login, territory, author):
    _note, item = note_with_file(territory, author, name='مقابلة "souk";\r\nX-Evil: 1.png')
    login(None, user=author)
    disposition = client.get(f"/research/attachments/{item.id}").headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith('inline; filename="')
    assert "filename*=UTF-8''%D9%85%D9%82%D8%A7%D8%A8%D9%84%D8%A9%20%22souk%22%3BX-Evil%3A%201.png" in disposition
    ascii_part = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_part == "_souk__X-Evil_ 1.png"


def test_an_antenna_member_uploads_a_photo(client, login, db, territory, author, storage):
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, "Femmes au souk.jpg", JPEG)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/research/notes/{note.id}#attachments")
    item = db.session.execute(sa.select(NoteAttachment)).scalar_one()
    assert item.original_name == "Femmes au souk.jpg" and item.media_type == "image/jpeg"
    assert stored_files(storage) == [item.stored_name]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Femmes au souk.jpg is attached to the note." in page
    assert f'src="/research/attachments/{item.id}"' in page


@pytest.mark.parametrize("role", ["commission_member", "delegate", "committee_member", "steering", "viewer"])
def test_only_the_antenna_uploads(client, login, db, territory, author, storage, role):
    note = add_note(territory, author, visibility="published")
    login(role)
    assert upload(client, note, "photo.png", PNG).status_code == 403
    assert rows(db) == 0 and stored_files(storage) == []


def test_a_renamed_web_page_is_refused_with_a_message(client, login, db, territory, author, storage):
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, "holiday.png", b"<html><script>alert(document.cookie)</script></html>")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This kind of file is not accepted" in page and "Nothing was saved." in page
    assert rows(db) == 0 and stored_files(storage) == []


def test_an_svg_is_refused(client, login, db, territory, author, storage):
    note = add_note(territory, author)
    login(None, user=author)
    upload(client, note, "plan.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert rows(db) == 0 and stored_files(storage) == []


def test_an_oversize_upload_is_refused_and_leaves_nothing(app, client, login, db, territory, author, storage,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "RESEARCH_MAX_UPLOAD_BYTES", 4096)
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, "big.jpg", JPEG + b"\x00" * 10_000)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is larger than 4 KB" in page
    assert rows(db) == 0 and stored_files(storage) == []


def test_a_request_over_the_servers_limit_gets_the_same_message(app, client, login, db, territory, author, storage,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 3000)
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, "big.jpg", JPEG + b"\x00" * 10_000)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/research/notes/{note.id}#attachments")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is larger than 3 KB" in page
    assert rows(db) == 0 and stored_files(storage) == []


def test_the_servers_limit_is_explained_even_before_the_csrf_check(app, client, login, db, territory, author,
                                                                    storage, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 3000)
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, "big.jpg", JPEG + b"\x00" * 10_000)
    assert response.status_code == 302
    assert "The file is larger than 3 KB" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert rows(db) == 0 and stored_files(storage) == []


def test_a_form_without_file_asks_for_one(client, login, db, territory, author):
    note = add_note(territory, author)
    login(None, user=author)
    response = client.post(f"/research/notes/{note.id}/attachments", data={}, content_type="multipart/form-data")
    assert "Choose a file to attach." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert rows(db) == 0


def test_a_note_in_the_bin_takes_no_upload(client, login, db, territory, author, storage):
    note = add_note(territory, author)
    services.delete_note(author, note)
    login(None, user=author)
    assert upload(client, note, "photo.png", PNG).status_code in (403, 404)
    assert rows(db) == 0 and stored_files(storage) == []


def test_a_hostile_file_name_renders_inert(client, login, territory, author):
    note = add_note(territory, author)
    login(None, user=author)
    response = upload(client, note, XSS_NAME, PNG)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<img src=x onerror" not in page
    assert page.count("&lt;img src=x onerror=alert(&#39;x&#39;)&gt;gnp.png") >= 2  # in the list and the message
    assert "\u202e" not in page and "\x07" not in page


def test_the_partial_shows_each_kind_and_the_upload_rules_to_the_antenna(client, login, territory, author):
    note, _photo = note_with_file(territory, author, name="photo.png")
    attachments.attach(author, note, "entretien.mp3", io.BytesIO(SAMPLES["audio/mpeg"]))
    document = attachments.attach(author, note, "diagnostic.pdf", io.BytesIO(SAMPLES["application/pdf"]))
    login(None, user=author)
    page = client.get(f"/research/notes/{note.id}").get_data(as_text=True)
    assert 'data-family="image"' in page and "<audio controls" in page
    assert f'href="/research/attachments/{document.id}"' in page
    assert 'enctype="multipart/form-data"' in page and 'accept="image/jpeg,' in page
    assert "at most 25 MB per file" in page
    assert page.count("/delete\"") >= 3  # a remove button per file
    assert "Added by " + author.full_name in page


def test_readers_who_do_not_edit_see_files_but_no_form(client, login, territory, author):
    note, item = note_with_file(territory, author, visibility="published")
    login("committee_member")
    page = client.get(f"/research/notes/{note.id}").get_data(as_text=True)
    assert f'src="/research/attachments/{item.id}"' in page
    assert "attachment-form" not in page
    assert f"/research/attachments/{item.id}/delete" not in page


def test_the_antenna_removes_a_file(client, login, db, territory, author):
    note, item = note_with_file(territory, author, visibility="shared")
    login("commission_member")
    assert client.post(f"/research/attachments/{item.id}/delete").status_code == 403
    login(None, user=author)
    response = client.post(f"/research/attachments/{item.id}/delete")
    assert response.status_code == 302
    assert "souk.png was removed from the note." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(NoteAttachment, item.id).deleted_at is not None
    assert client.get(f"/research/attachments/{item.id}").status_code == 404
    assert client.post(f"/research/attachments/{item.id}/delete").status_code == 404
