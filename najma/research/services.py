"""Research notes: writing with a revision per save, the concurrent-edit check, diffs and
restore, visibility (draft -> shared -> published), soft delete, comments and their
notifications, and the queries that list what a reader may see.

Every write is one transaction with an audit event; the search documents follow in the same
transaction, so the index never shows what the database does not hold.
"""
from __future__ import annotations

import difflib
import html
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.geography.models import Commune
from najma.models_base import utcnow
from najma.notifications import services as notifications
from najma.permissions import NOTE_LEVELS, note_levels
from najma.reference.models import Chantier, TargetGroup
from najma.research import indexing
from najma.research.models import NoteComment, NoteRevision, ResearchNote, note_chantiers, note_target_groups
from najma.territories.models import Territory, TerritoryCommune
from najma.vocab import AGE_BANDS, NOTE_KINDS, SEXES

NOTE_FIELDS = ("kind", "title", "fieldwork_date", "place", "body", "participants", "visibility")
MAX_PARTICIPANTS = 10_000
PAGE_SIZE = 50


@dataclass
class NoteData:
    """What the note form carries (everything but the visibility, which has its own steps)."""

    kind: str
    title: str
    body: str = ""
    fieldwork_date: date | None = None
    place: str = ""
    commune_ids: list[int] = field(default_factory=list)
    target_group_ids: list[int] = field(default_factory=list)
    chantier_ids: list[int] = field(default_factory=list)
    participants: dict = field(default_factory=dict)


class NoteConflict(StaleEditError):
    """A save based on an older revision: carries both titles as well as both texts."""

    def __init__(self, note: ResearchNote, data: NoteData):
        super().__init__(mine=data.body, current=note.body, current_version=note.version)
        self.mine_title = data.title
        self.current_title = note.title
        self.data = data


# --- reading -------------------------------------------------------------------------------------

def load_note(note_id: int) -> ResearchNote | None:
    """The note with its territory, author, communes, target groups and chantiers, in few queries."""
    return db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.id == note_id).options(
            orm.joinedload(ResearchNote.territory), orm.joinedload(ResearchNote.author),
            orm.selectinload(ResearchNote.communes), orm.selectinload(ResearchNote.target_groups),
            orm.selectinload(ResearchNote.chantiers))).scalar_one_or_none()


@dataclass
class NoteFilters:
    """Filters of a territory's note list."""

    kind: str = ""
    visibility: str = ""
    target_group_id: int | None = None
    chantier_id: int | None = None
    author_id: int | None = None


def note_tags(note_id: int) -> tuple[list[TargetGroup], list[Chantier]]:
    """The note's target groups and chantiers, by query (whatever the note object has loaded)."""
    groups = db.session.execute(sa.select(TargetGroup).join(
        note_target_groups, note_target_groups.c.target_group_id == TargetGroup.id)
        .where(note_target_groups.c.note_id == note_id).order_by(TargetGroup.position)).scalars().all()
    chantiers = db.session.execute(sa.select(Chantier).join(
        note_chantiers, note_chantiers.c.chantier_id == Chantier.id)
        .where(note_chantiers.c.note_id == note_id).order_by(Chantier.position)).scalars().all()
    return list(groups), list(chantiers)


def visible_notes(user, territory: Territory, filters: NoteFilters | None = None, page: int = 1):
    """The territory's notes ``user`` may read, newest fieldwork first, one page of them.

    Returns ``(notes, total)``; each note has its author, target groups and chantiers loaded.
    """
    levels = note_levels(user, territory.id)
    filters = filters or NoteFilters()
    query = sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id,
                                          ResearchNote.deleted_at.is_(None),
                                          ResearchNote.visibility.in_(levels or ("-",)))
    if filters.kind:
        query = query.where(ResearchNote.kind == filters.kind)
    if filters.visibility:
        query = query.where(ResearchNote.visibility == filters.visibility)
    if filters.target_group_id:
        query = query.where(ResearchNote.target_groups.any(TargetGroup.id == filters.target_group_id))
    if filters.chantier_id:
        query = query.where(ResearchNote.chantiers.any(Chantier.id == filters.chantier_id))
    if filters.author_id:
        query = query.where(ResearchNote.author_id == filters.author_id)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    notes = db.session.execute(
        query.options(orm.joinedload(ResearchNote.author), orm.selectinload(ResearchNote.target_groups),
                      orm.selectinload(ResearchNote.chantiers))
        .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc())
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)).unique().scalars().all()
    return notes, total


def visibility_counts(user, territory: Territory) -> dict[str, int]:
    """How many readable notes the territory has at each visibility level."""
    levels = note_levels(user, territory.id)
    rows = db.session.execute(
        sa.select(ResearchNote.visibility, sa.func.count()).where(
            ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
            ResearchNote.visibility.in_(levels or ("-",))).group_by(ResearchNote.visibility)).all()
    counts = dict.fromkeys(levels, 0)
    counts.update({visibility: count for visibility, count in rows})
    return counts


def deleted_notes(user, territory: Territory) -> list[ResearchNote]:
    """Deleted notes of the territory that ``user`` may recover (their own; all for admins)."""
    query = sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id,
                                          ResearchNote.deleted_at.is_not(None))
    if not user.has_role("admin"):
        query = query.where(ResearchNote.author_id == user.id)
    return list(db.session.execute(query.options(orm.joinedload(ResearchNote.author))
                                   .order_by(ResearchNote.deleted_at.desc())).scalars())


def revisions(note: ResearchNote) -> list[NoteRevision]:
    """The note's revisions, newest first, with their authors."""
    return list(db.session.execute(
        sa.select(NoteRevision).where(NoteRevision.note_id == note.id)
        .options(orm.joinedload(NoteRevision.author)).order_by(NoteRevision.number.desc())).scalars())


def revision(note: ResearchNote, number: int) -> NoteRevision | None:
    """One revision of the note by its number."""
    return db.session.execute(sa.select(NoteRevision).where(
        NoteRevision.note_id == note.id, NoteRevision.number == number)
        .options(orm.joinedload(NoteRevision.author))).scalar_one_or_none()


def comments(note: ResearchNote) -> list[NoteComment]:
    """The note's comments, oldest first, with their authors."""
    return list(db.session.execute(
        sa.select(NoteComment).where(NoteComment.note_id == note.id, NoteComment.deleted_at.is_(None))
        .options(orm.joinedload(NoteComment.author)).order_by(NoteComment.created_at, NoteComment.id)).scalars())


# --- validation ----------------------------------------------------------------------------------

def _clean_participants(raw: dict) -> dict:
    """Participants as ``{band: {sex: count}}`` with only known bands and sexes and sane counts."""
    clean: dict = {}
    for band in AGE_BANDS:
        for sex in SEXES:
            value = (raw.get(band) or {}).get(sex)
            if value in (None, ""):
                continue
            try:
                count = int(value)
            except (TypeError, ValueError):
                raise DomainError(_l("Participant counts must be whole numbers.")) from None
            if count < 0 or count > MAX_PARTICIPANTS:
                raise DomainError(_l("Participant counts must be between 0 and %(max)s.", max=MAX_PARTICIPANTS))
            if count:
                clean.setdefault(band, {})[sex] = count
    return clean


def _validate(territory: Territory, data: NoteData):
    """Check the note's fields; return its communes, target groups and chantiers as rows."""
    if data.kind not in NOTE_KINDS:
        raise DomainError(_l("Choose a kind of note."), field="kind")
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_l("A note needs a title."), field="title")
    if len(title) > 200:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    data.title = title
    data.place = (data.place or "").strip()[:200]
    if data.fieldwork_date and data.fieldwork_date > date.today():
        raise DomainError(_l("The date of fieldwork cannot be in the future."), field="fieldwork_date")
    data.participants = _clean_participants(data.participants or {})
    allowed_communes = set(db.session.execute(sa.select(TerritoryCommune.commune_id).where(
        TerritoryCommune.territory_id == territory.id)).scalars())
    if set(data.commune_ids) - allowed_communes:
        raise DomainError(_l("Choose communes of this territory."), field="commune_ids")
    communes = _rows(Commune, data.commune_ids)
    groups = _rows(TargetGroup, data.target_group_ids)
    chantiers = _rows(Chantier, data.chantier_ids)
    if len(groups) != len(set(data.target_group_ids)):
        raise DomainError(_l("Unknown target group."), field="target_group_ids")
    if len(chantiers) != len(set(data.chantier_ids)):
        raise DomainError(_l("Unknown chantier."), field="chantier_ids")
    return communes, groups, chantiers


def _rows(model, ids) -> list:
    ids = sorted(set(ids or ()))
    if not ids:
        return []
    return list(db.session.execute(sa.select(model).where(model.id.in_(ids))).scalars())


def _fields(note: ResearchNote, communes, groups, chantiers) -> dict:
    """The note's metadata as a revision keeps it (JSON-safe)."""
    return {
        "kind": note.kind,
        "fieldwork_date": note.fieldwork_date.isoformat() if note.fieldwork_date else None,
        "place": note.place,
        "commune_ids": sorted(c.id for c in communes),
        "target_group_ids": sorted(g.id for g in groups),
        "chantier_ids": sorted(c.id for c in chantiers),
        "participants": note.participants or {},
    }


def _add_revision(actor, note: ResearchNote, fields: dict, summary: str = "") -> NoteRevision:
    rev = NoteRevision(note_id=note.id, number=note.version, title=note.title, body=note.body,
                       fields=fields, author_id=getattr(actor, "id", None), summary=summary)
    db.session.add(rev)
    return rev


# --- writing -------------------------------------------------------------------------------------

def create_note(actor, territory: Territory, data: NoteData, *, is_demo: bool = False) -> ResearchNote:
    """Write a new draft note and its first revision."""
    communes, groups, chantiers = _validate(territory, data)
    note = ResearchNote(territory_id=territory.id, kind=data.kind, title=data.title, body=data.body or "",
                        fieldwork_date=data.fieldwork_date, place=data.place, participants=data.participants,
                        visibility="draft", version=1, author_id=getattr(actor, "id", None), is_demo=is_demo)
    note.communes, note.target_groups, note.chantiers = communes, groups, chantiers
    db.session.add(note)
    db.session.flush()
    _add_revision(actor, note, _fields(note, communes, groups, chantiers))
    indexing.index_note(note, groups, chantiers)
    audit.record(actor, "create", note, {}, audit.snapshot(note, NOTE_FIELDS))
    db.session.commit()
    return note


def update_note(actor, note: ResearchNote, data: NoteData, base_version: int, *, summary: str = "") -> ResearchNote:
    """Save a new revision of ``note`` made from revision ``base_version``.

    If someone saved since, nothing is written and :class:`NoteConflict` carries both texts.
    """
    _refuse_if_deleted(note)
    if base_version != note.version:
        raise NoteConflict(note, data)
    communes, groups, chantiers = _validate(db.session.get(Territory, note.territory_id), data)
    before = audit.snapshot(note, NOTE_FIELDS)
    # Compare-and-set in the database, so two simultaneous saves cannot both win.
    result = db.session.execute(
        sa.update(ResearchNote).where(ResearchNote.id == note.id, ResearchNote.version == base_version)
        .values(version=base_version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(note)
        raise NoteConflict(note, data)
    db.session.refresh(note, ["version", "updated_at"])
    load_note(note.id)  # loads the tag collections the assignment below replaces
    note.kind, note.title, note.body = data.kind, data.title, data.body or ""
    note.fieldwork_date, note.place, note.participants = data.fieldwork_date, data.place, data.participants
    note.communes, note.target_groups, note.chantiers = communes, groups, chantiers
    _add_revision(actor, note, _fields(note, communes, groups, chantiers), summary)
    indexing.index_note(note, groups, chantiers)
    audit.record(actor, "update", note, before, audit.snapshot(note, NOTE_FIELDS))
    db.session.commit()
    return note


def note_data_from_revision(rev: NoteRevision) -> NoteData:
    """The form data a revision holds (for restoring it)."""
    fields = rev.fields or {}
    on = fields.get("fieldwork_date")
    return NoteData(kind=fields.get("kind", "observation"), title=rev.title, body=rev.body,
                    fieldwork_date=date.fromisoformat(on) if on else None, place=fields.get("place", ""),
                    commune_ids=list(fields.get("commune_ids", [])),
                    target_group_ids=list(fields.get("target_group_ids", [])),
                    chantier_ids=list(fields.get("chantier_ids", [])),
                    participants=dict(fields.get("participants", {})))


def restore_revision(actor, note: ResearchNote, number: int, base_version: int) -> ResearchNote:
    """Make revision ``number`` the current text again, as a new revision (history is kept)."""
    rev = revision(note, number)
    if rev is None:
        raise DomainError(_l("This revision does not exist."))
    data = note_data_from_revision(rev)
    # Communes that left the territory since cannot come back with the old revision.
    allowed = set(db.session.execute(sa.select(TerritoryCommune.commune_id).where(
        TerritoryCommune.territory_id == note.territory_id)).scalars())
    data.commune_ids = [cid for cid in data.commune_ids if cid in allowed]
    updated = update_note(actor, note, data, base_version, summary=f"restore:{number}")
    audit.record(actor, "restore", updated, label=f"{updated.title} (r{number})")
    db.session.commit()
    return updated


def set_visibility(actor, note: ResearchNote, visibility: str) -> ResearchNote:
    """Move the note one or more steps forward: draft -> shared -> published (never back)."""
    _refuse_if_deleted(note)
    if visibility not in NOTE_LEVELS:
        raise DomainError(_l("Unknown visibility."))
    if NOTE_LEVELS.index(visibility) <= NOTE_LEVELS.index(note.visibility):
        raise DomainError(_l("A note only moves forward: draft, then shared, then published."))
    before = audit.snapshot(note, NOTE_FIELDS)
    now = utcnow()
    note.visibility = visibility
    if visibility in ("shared", "published") and note.shared_at is None:
        note.shared_at = now
    if visibility == "published":
        note.published_at = now
    indexing.index_note(note, *note_tags(note.id))
    audit.record(actor, "share" if visibility == "shared" else "publish", note, before,
                 audit.snapshot(note, NOTE_FIELDS))
    db.session.commit()
    return note


def delete_note(actor, note: ResearchNote) -> None:
    """Put the note in the bin: hidden from every list, search and export, recoverable."""
    _refuse_if_deleted(note)
    note.deleted_at = utcnow()
    note.deleted_by_id = getattr(actor, "id", None)
    indexing.unindex_note(note.id)
    audit.record(actor, "delete", note)
    db.session.commit()


def undelete_note(actor, note: ResearchNote) -> None:
    """Take the note out of the bin, with its comments, as it was."""
    if note.deleted_at is None:
        raise DomainError(_l("This note is not deleted."))
    note.deleted_at = None
    note.deleted_by_id = None
    indexing.index_note(note, *note_tags(note.id))
    for comment in comments(note):
        indexing.index_comment(comment, note)
    audit.record(actor, "undelete", note)
    db.session.commit()


def add_comment(actor, note: ResearchNote, body: str) -> NoteComment:
    """Comment on a shared or published note and tell its authors."""
    _refuse_if_deleted(note)
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("A comment cannot be empty."), field="body")
    if len(body) > 20_000:
        raise DomainError(_l("A comment is limited to 20,000 characters."), field="body")
    if note.visibility == "draft":
        raise DomainError(_l("Drafts are not open to comments."))
    comment = NoteComment(note_id=note.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    indexing.index_comment(comment, note)
    author_ids = set(db.session.execute(sa.select(NoteRevision.author_id).where(
        NoteRevision.note_id == note.id, NoteRevision.author_id.is_not(None))).scalars())
    if note.author_id:
        author_ids.add(note.author_id)
    author_ids.discard(actor.id)
    for user_id in sorted(author_ids):
        notifications.notify(user_id, "note_comment",
                             {"note": note.title, "by": actor.full_name or actor.email},
                             url=f"/research/notes/{note.id}#comment-{comment.id}")
    audit.record(actor, "create", comment, label=note.title, territory_id=note.territory_id)
    db.session.commit()
    return comment


def _refuse_if_deleted(note: ResearchNote) -> None:
    if note.deleted_at is not None:
        raise DomainError(_l("This note is in the bin; recover it first."))


# --- diffs ---------------------------------------------------------------------------------------

_WORDS = __import__("re").compile(r"\s+|[^\s]+")


def diff_html(old: str, new: str) -> Markup:
    """A readable word-level diff of two texts, line by line: removed words in ``<del>``,
    added ones in ``<ins>``; everything escaped."""
    old_tokens = _WORDS.findall(old or "")
    new_tokens = _WORDS.findall(new or "")
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    out = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(old_tokens[a1:a2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(''.join(old_tokens[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(''.join(new_tokens[b1:b2]))}</ins>")
    return Markup("".join(out))


def field_changes(old: NoteRevision, new: NoteRevision) -> list[str]:
    """Names of the metadata fields that differ between two revisions."""
    keys = set(old.fields or {}) | set(new.fields or {})
    changed = sorted(key for key in keys if (old.fields or {}).get(key) != (new.fields or {}).get(key))
    if old.title != new.title:
        changed.insert(0, "title")
    return changed


# --- links with the actor map -----------------------------------------------------------------------

def citable_notes(territory: Territory) -> list[ResearchNote]:
    """The territory's notes (not deleted) a tie of its actor map may cite, newest first."""
    return list(db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None))
        .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc())).scalars())


@dataclass
class ActorCitations:
    """The research that names an actor, as one reader may see it."""

    notes: list[ResearchNote]
    paths: list


def actor_citations(user, actor) -> ActorCitations:
    """Notes documenting the actor's ties and paths proposing it as a partner, both limited
    to what ``user`` may read (two queries)."""
    from najma.actors.models import Tie
    from najma.permissions import can
    from najma.research.models import InterventionPath, path_actors

    levels = note_levels(user, actor.territory_id)
    notes = list(db.session.execute(
        sa.select(ResearchNote).where(
            ResearchNote.id.in_(sa.select(Tie.note_id).where(
                sa.or_(Tie.source_id == actor.id, Tie.target_id == actor.id), Tie.note_id.is_not(None))),
            ResearchNote.deleted_at.is_(None), ResearchNote.visibility.in_(levels or ("-",)))
        .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc())).scalars())
    paths = []
    territory = db.session.get(Territory, actor.territory_id)
    if can(user, "path.view", territory):
        paths = list(db.session.execute(
            sa.select(InterventionPath).join(path_actors, path_actors.c.path_id == InterventionPath.id)
            .where(path_actors.c.actor_id == actor.id, InterventionPath.deleted_at.is_(None))
            .order_by(InterventionPath.title)).scalars())
    return ActorCitations(notes, paths)
