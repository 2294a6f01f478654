"""The search documents: one row per note, comment and path, kept in step by the services.

Text is folded before indexing and before querying, the same way, so that "eleve" finds
"élève" and Arabic matches with or without its short vowels, hamza forms or tatweel.
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from najma.extensions import db
from najma.research.models import SearchDocument

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ـ": "", "ى": "ي", "ة": "ه", "’": "'"})
_MARKDOWN_NOISE = re.compile(r"[*_`#>|\[\]]+")


def fold(text: str | None) -> str:
    """Lower-case ``text`` without accents or Arabic diacritics, one character per character
    wherever possible (so snippets can be cut from the original at the same places)."""
    if not text:
        return ""
    out = []
    for char in text.lower().translate(_LIGATURES):
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        out.append(base)
    return "".join(out)


def plain(markdown_text: str | None) -> str:
    """Markdown reduced to its words, for the index and for snippets."""
    return _MARKDOWN_NOISE.sub(" ", markdown_text or "")


def _ids(rows) -> str:
    ids = sorted(row.id for row in rows)
    return "," + ",".join(str(i) for i in ids) + "," if ids else ""


def _document(object_type: str, object_id: int) -> SearchDocument:
    """The object's document, or a new one added to the session (filled by the caller before
    any query can flush it)."""
    document = db.session.execute(
        sa.select(SearchDocument).where(SearchDocument.object_type == object_type,
                                        SearchDocument.object_id == object_id)).scalar_one_or_none()
    if document is None:
        document = SearchDocument(object_type=object_type, object_id=object_id)
        db.session.add(document)
    return document


def _fill(document: SearchDocument, title: str, text: str) -> None:
    document.title = (title or "")[:200]
    document.text = plain(text)
    document.search_title = fold(document.title)[:200]
    document.content = fold(document.text)


def index_note(note, target_groups, chantiers) -> None:
    """(Re)index ``note`` and carry its visibility and filters to its comments' documents."""
    if note.deleted_at is not None:
        unindex_note(note.id)
        return
    document = _document("note", note.id)
    document.note_id = note.id
    document.territory_id = note.territory_id
    document.visibility = note.visibility
    document.kind = note.kind
    document.author_id = note.author_id
    document.on_date = note.fieldwork_date
    document.target_group_ids = _ids(target_groups)
    document.chantier_ids = _ids(chantiers)
    _fill(document, note.title, note.body + "\n" + (note.place or ""))
    db.session.execute(
        sa.update(SearchDocument)
        .where(SearchDocument.object_type == "comment", SearchDocument.note_id == note.id)
        .values(visibility=note.visibility, kind=note.kind, target_group_ids=document.target_group_ids,
                chantier_ids=document.chantier_ids, title=document.title, search_title=document.search_title))


def index_comment(comment, note) -> None:
    """Index a comment under its note's title, visibility and filters."""
    note_document = db.session.execute(sa.select(SearchDocument).where(
        SearchDocument.object_type == "note", SearchDocument.object_id == note.id)).scalar_one_or_none()
    document = _document("comment", comment.id)
    document.note_id = note.id
    document.territory_id = note.territory_id
    document.visibility = note.visibility
    document.kind = note.kind
    document.author_id = comment.author_id
    document.on_date = comment.created_at.date() if comment.created_at else None
    document.target_group_ids = note_document.target_group_ids if note_document else ""
    document.chantier_ids = note_document.chantier_ids if note_document else ""
    _fill(document, note.title, comment.body)


def index_path(path, target_groups) -> None:
    """Index an intervention path. Whoever reads any research of the territory reads its paths
    (``path.view``), and every such reader reads "published": so a path is indexed at that level."""
    if path.deleted_at is not None:
        unindex("path", path.id)
        return
    document = _document("path", path.id)
    document.note_id = None
    document.territory_id = path.territory_id
    document.visibility = "published"
    document.kind = "path"
    document.author_id = path.author_id
    document.on_date = path.created_at.date() if path.created_at else None
    document.target_group_ids = _ids(target_groups)
    document.chantier_ids = f",{path.chantier_id}," if path.chantier_id else ""
    _fill(document, path.title, path.rationale + "\n" + (path.partners_text or ""))


def unindex(object_type: str, object_id: int) -> None:
    """Remove one object's document."""
    db.session.execute(sa.delete(SearchDocument).where(SearchDocument.object_type == object_type,
                                                       SearchDocument.object_id == object_id))


def unindex_note(note_id: int) -> None:
    """Remove a note's document and its comments' (a deleted note is found by no one)."""
    db.session.execute(sa.delete(SearchDocument).where(SearchDocument.note_id == note_id))
