"""Smoke: a note is written, revised and indexed."""
from tests.conftest import make_user
from tests.research.conftest import add_note

from najma.research import services
from najma.research.models import SearchDocument


def test_note_written_and_indexed(db, territory):
    author = make_user("antenna_staff", territory=territory)
    note = add_note(territory, author, visibility="shared")
    assert note.version == 1 and note.visibility == "shared"
    document = db.session.execute(db.select(SearchDocument)).scalar_one()
    assert document.visibility == "shared" and "cooperative" in document.content
    assert services.revisions(note)[0].number == 1
