"""Note attachments, the service: kinds recognised by content, limits, random storage names,
nothing half-written, soft removal."""
import base64
import hashlib
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from tests.conftest import make_user
from tests.research.conftest import add_note

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.research import attachments, services
from najma.research.models import NoteAttachment, ResearchNote

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
                       "awAAAABJRU5ErkJggg==")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
SAMPLES = {
    "image/jpeg": JPEG,
    "image/png": PNG,
    "image/gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 20 + b";",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24,
    "application/pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x0f" + b"\x00" * 15 + b"\xff\xfb\x90\x64" + b"\x00" * 64,
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x02" + b"\x00" * 32,
    "audio/wav": b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 32,
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 32,
    "audio/aac": b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 32,
    "audio/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 32,
}
REFUSED = {
    "HTML renamed .png": ("holiday.png", b"<!doctype html><html><script>alert(document.cookie)</script></html>"),
    "SVG with a script": ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                                      b'<script>alert(1)</script></svg>'),
    "SVG without XML declaration, renamed .jpg": ("photo.jpg",
                                                  b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "Windows executable": ("recording.mp3", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    "ELF executable": ("a.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
    "zip archive": ("notes.pdf", b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 64),
    "Ogg video (Theora)": ("clip.ogg", b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x2a\x80theora" + b"\x00" * 32),
    "QuickTime video": ("clip.m4a", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32),
    "PDF signature not at the start": ("doc.pdf", b"<html>%PDF-1.4</html>"),
    "plain text": ("notes.txt", "Entretien avec la coopérative".encode()),
}


@pytest.fixture(autouse=True)
def storage(app, tmp_path, monkeypatch):
    """Attachments go to a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "attachments"


@pytest.fixture
def author(db, territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def note(territory, author):
    return add_note(territory, author)


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attachment_rows(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(NoteAttachment)).scalar_one()


@pytest.mark.parametrize("media_type", list(SAMPLES))
def test_each_accepted_kind_is_recognised_by_its_content(media_type):
    assert attachments.detect_media_type(SAMPLES[media_type][:attachments.HEAD_BYTES]) == media_type


def test_an_mpeg_frame_without_tag_is_an_mp3():
    assert attachments.detect_media_type(b"\xff\xfb\x90\x64" + b"\x00" * 60) == "audio/mpeg"


@pytest.mark.parametrize("case", list(REFUSED))
def test_other_content_is_refused_whatever_its_name(db, note, author, storage, case):
    name, content = REFUSED[case]
    with pytest.raises(DomainError) as refused:
        attachments.attach(author, note, name, io.BytesIO(content))
    assert "not accepted" in str(refused.value.message)
    assert "JPEG" in str(refused.value.message) and "MP3" in str(refused.value.message)
    assert stored_files(storage) == []
    assert attachment_rows(db) == 0


def test_attach_stores_the_file_under_a_random_name(db, note, author, storage):
    attachment = attachments.attach(author, note, "../../Entretien souk <Azilal>.png", io.BytesIO(PNG))
    assert attachment.media_type == "image/png"
    assert attachment.size == len(PNG)
    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()
    assert attachment.original_name == "Entretien souk <Azilal>.png"
    assert stored_files(storage) == [attachment.stored_name]
    assert len(attachment.stored_name) == 32 and int(attachment.stored_name, 16) >= 0
    assert "." not in attachment.stored_name and "souk" not in attachment.stored_name.lower()
    path = attachments.path_of(attachment)
    assert path.parent == storage and path.read_bytes() == PNG
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "upload")).scalar_one()
    assert event.object_type == "NoteAttachment" and event.territory_id == note.territory_id
    assert event.changes["sha256"]["after"] == attachment.sha256


def test_two_uploads_of_the_same_name_get_different_files(db, note, author, storage):
    first = attachments.attach(author, note, "photo.png", io.BytesIO(PNG))
    second = attachments.attach(author, note, "photo.png", io.BytesIO(PNG))
    assert first.stored_name != second.stored_name
    assert len(stored_files(storage)) == 2


def test_a_file_at_the_limit_is_accepted_one_byte_more_is_refused(app, db, note, author, storage, monkeypatch):
    monkeypatch.setitem(app.config, "RESEARCH_MAX_UPLOAD_BYTES", 2048)
    exact = JPEG + b"\x00" * (2048 - len(JPEG))
    assert attachments.attach(author, note, "exact.jpg", io.BytesIO(exact)).size == 2048
    with pytest.raises(DomainError) as refused:
        attachments.attach(author, note, "big.jpg", io.BytesIO(exact + b"\x00"))
    assert "larger than 2 KB" in str(refused.value.message)
    assert attachment_rows(db) == 1
    assert len(stored_files(storage)) == 1  # the accepted file only: no temporary file left


def test_an_oversize_upload_leaves_nothing(app, db, note, author, storage, monkeypatch):
    monkeypatch.setitem(app.config, "RESEARCH_MAX_UPLOAD_BYTES", 100_000)
    with pytest.raises(DomainError) as refused:
        attachments.attach(author, note, "long.mp3", io.BytesIO(SAMPLES["audio/mpeg"] + b"\x00" * 300_000))
    assert "larger than 98 KB" in str(refused.value.message)
    assert stored_files(storage) == []
    assert attachment_rows(db) == 0


def test_the_default_limit_is_25_megabytes(app):
    assert app.config["RESEARCH_MAX_UPLOAD_BYTES"] == 25 * 1024 * 1024
    assert attachments.format_size(attachments.max_upload_bytes()) == "25 MB"


def test_an_empty_file_is_refused(db, note, author, storage):
    with pytest.raises(DomainError, match="empty"):
        attachments.attach(author, note, "empty.png", io.BytesIO(b""))
    assert stored_files(storage) == [] and attachment_rows(db) == 0


def test_a_note_in_the_bin_takes_no_file(db, note, author, storage):
    services.delete_note(author, note)
    with pytest.raises(DomainError, match="bin"):
        attachments.attach(author, note, "photo.png", io.BytesIO(PNG))
    assert stored_files(storage) == [] and attachment_rows(db) == 0


def test_a_failed_commit_removes_the_written_file(db, note, author, storage, monkeypatch):
    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(OperationalError):
        attachments.attach(author, note, "photo.png", io.BytesIO(PNG))
    monkeypatch.undo()
    assert stored_files(storage) == []
    assert attachment_rows(db) == 0


def test_a_note_carries_a_limited_number_of_files(db, note, author, storage, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_NOTE", 2)
    attachments.attach(author, note, "a.png", io.BytesIO(PNG))
    second = attachments.attach(author, note, "b.png", io.BytesIO(PNG))
    with pytest.raises(DomainError, match="at most 2"):
        attachments.attach(author, note, "c.png", io.BytesIO(PNG))
    attachments.remove(author, second)  # a removed file frees its place
    attachments.attach(author, note, "c.png", io.BytesIO(PNG))


@pytest.mark.parametrize("declared, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Fatima\\Desktop\\souk.jpg", "souk.jpg"),
    ("photo\u202egpj.exe", "photogpj.exe"),  # a right-to-left override that would disguise the name
    ("en\x00tre\r\ntien\t.png", "entretien.png"),
    ("  lots   of   space  .pdf", "lots of space .pdf"),
    ("entretien.", "entretien"),
    ("مقابلة مع التعاونية.mp3", "مقابلة مع التعاونية.mp3"),
    ("x" * 300 + ".jpeg", "x" * 115 + ".jpeg"),
    ("y" * 300, "y" * 120),
    ("", ""),
    (None, ""),
])
def test_the_declared_name_is_cleaned_for_display(declared, shown):
    assert attachments.display_name(declared) == shown


def test_a_nameless_file_is_named_after_its_kind(db, note, author):
    assert attachments.attach(author, note, "\x00\x01", io.BytesIO(SAMPLES["application/pdf"])).original_name \
        == "attachment.pdf"


def test_the_download_name_carries_the_extension_of_the_detected_kind(db, note, author):
    disguised = attachments.attach(author, note, "report.html", io.BytesIO(PNG))
    honest = attachments.attach(author, note, "Photo.PNG", io.BytesIO(PNG))
    assert attachments.download_name(disguised) == "report.html.png"
    assert attachments.download_name(honest) == "Photo.PNG"


def test_removal_hides_the_file_and_is_logged(db, note, author, storage):
    kept = attachments.attach(author, note, "kept.png", io.BytesIO(PNG))
    removed = attachments.attach(author, note, "removed.pdf", io.BytesIO(SAMPLES["application/pdf"]))
    attachments.remove(author, removed)
    assert [a.id for a in attachments.for_note(note)] == [kept.id]
    assert removed.deleted_at is not None
    assert attachments.path_of(removed).exists()  # the file stays until purged
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "delete",
                                                           AuditEvent.object_type == "NoteAttachment")).scalar_one()
    assert event.object_id == str(removed.id) and event.territory_id == note.territory_id
    with pytest.raises(DomainError, match="already removed"):
        attachments.remove(author, removed)


def test_for_note_loads_uploaders_in_one_query(db, territory, note, author):
    colleague = make_user("antenna_staff", territory=territory, name="Samira Colleague")
    for index in range(5):
        attachments.attach(author if index % 2 else colleague, note, f"p{index}.png", io.BytesIO(PNG))
    other = add_note(territory, author, title="Autre note")
    attachments.attach(author, other, "other.png", io.BytesIO(PNG))
    note_id = note.id
    db.session.expunge_all()
    note = db.session.get(ResearchNote, note_id)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        listed = attachments.for_note(note)
        names = [(item.original_name, item.uploaded_by.full_name) for item in listed]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert len(names) == 5 and names[0] == ("p0.png", "Samira Colleague")


def test_path_of_refuses_a_name_that_is_not_a_stored_one():
    with pytest.raises(ValueError):
        attachments.path_of(NoteAttachment(stored_name="../secret_key"))


def test_sizes_read_in_the_readers_format(app):
    with app.test_request_context():
        assert attachments.format_size(int(2.5 * 1024 * 1024)) == "2.5 MB"
    assert attachments.format_size(1) == "1 byte"
    assert attachments.format_size(830) == "830 bytes"
    assert attachments.format_size(14 * 1024) == "14 KB"
