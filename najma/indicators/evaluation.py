"""Participatory evaluation: what changed on a territory during a period, for whom, and what the
participants said, in their words (Markdown), linked to the register's indicators and to the
territory's research notes.

An entry links only notes its author may read: the antenna reads its drafts, everyone else who
writes entries (the permanent commission, the provincial delegate) reads shared and published
notes only. Readers see the linked notes they may read; the others are counted, not named, and an
editor who cannot read a linked note keeps it linked (it was never shown to them to remove).

Every write is one transaction with its audit event; an edit saved meanwhile by someone else is
refused (compare-and-set on ``lock_version``) and the refusal carries what was typed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.audit import AuditEvent
from najma.auth.models import User
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.indicators import periods
from najma.indicators.models import EvaluationEntry, Indicator, evaluation_indicators, evaluation_notes
from najma.models_base import utcnow
from najma.permissions import note_levels
from najma.research.models import ResearchNote
from najma.territories.models import Territory

#: The columns the audit log keeps before and after each write.
ENTRY_FIELDS = ("period", "title", "what_changed", "for_whom", "participants_said")
#: The note levels anyone but the territory's antenna may link (what the commission reads).
SHARED_LEVELS = ("shared", "published")
MAX_TITLE = 200
MAX_TEXT = 100_000


@dataclass
class EvaluationData:
    """What the evaluation form carries."""

    period: str
    title: str
    what_changed: str = ""
    for_whom: str = ""
    participants_said: str = ""
    indicator_ids: list[int] = field(default_factory=list)
    note_ids: list[int] = field(default_factory=list)


class EvaluationConflict(StaleEditError):
    """A save based on an older version of the entry: carries the entry as saved meanwhile and
    everything that was typed, so the page can show both and lose nothing."""

    def __init__(self, entry: EvaluationEntry, data: EvaluationData):
        super().__init__(mine=data.participants_said, current=entry.participants_said,
                         current_version=entry.lock_version)
        self.data = data
        self.current_entry = {name: getattr(entry, name) for name in
                              ("period", "title", "what_changed", "for_whom", "participants_said")}


@dataclass
class EntrySummary:
    """One line of a territory's list: the entry, its author's name and how many notes it links."""

    entry: EvaluationEntry
    author_name: str = ""
    note_count: int = 0


@dataclass
class LinkedNotes:
    """An entry's linked notes as one reader sees them: those they may read, and how many others."""

    readable: list[ResearchNote]
    hidden: int = 0


# --- reading -------------------------------------------------------------------------------------

def load_entry(entry_id: int) -> EvaluationEntry | None:
    """The entry with its indicators and notes loaded (three queries)."""
    return db.session.execute(
        sa.select(EvaluationEntry).where(EvaluationEntry.id == entry_id)
        .options(orm.selectinload(EvaluationEntry.indicators), orm.selectinload(EvaluationEntry.notes))
        .execution_options(populate_existing=True)).scalar_one_or_none()


def territory_entries(territory: Territory, period: str | None = None) -> list[EntrySummary]:
    """The territory's entries, latest period first (then newest first), each with its indicators,
    its author's name and its count of linked notes; a fixed number of queries whatever their number."""
    query = (sa.select(EvaluationEntry, User.full_name)
             .outerjoin(User, User.id == EvaluationEntry.author_id)
             .where(EvaluationEntry.territory_id == territory.id)
             .options(orm.selectinload(EvaluationEntry.indicators))
             .order_by(EvaluationEntry.created_at.desc(), EvaluationEntry.id.desc()))
    if period:
        query = query.where(EvaluationEntry.period == period)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    counts = dict(db.session.execute(
        sa.select(evaluation_notes.c.entry_id, sa.func.count())
        .where(evaluation_notes.c.entry_id.in_([entry.id for entry, _name in rows]))
        .group_by(evaluation_notes.c.entry_id)).all())
    summaries = [EntrySummary(entry, name or "", counts.get(entry.id, 0)) for entry, name in rows]
    # Stable sort: latest period first, newest entry first within a period.
    summaries.sort(key=lambda summary: periods.sort_key(summary.entry.period), reverse=True)
    return summaries


def territory_periods(territory: Territory) -> list[str]:
    """The periods the territory has entries for, latest first."""
    return list(reversed(periods.ordered(db.session.execute(
        sa.select(EvaluationEntry.period).where(EvaluationEntry.territory_id == territory.id).distinct()).scalars())))


def linkable_levels(user, territory_id: int) -> tuple[str, ...]:
    """The note levels ``user`` may link on the territory: what they read there, and no drafts
    unless they are the territory's antenna."""
    levels = note_levels(user, territory_id)
    if user.has_role("antenna_staff", territory_id=territory_id):
        return levels
    return tuple(level for level in levels if level in SHARED_LEVELS)


def linkable_notes(user, territory: Territory) -> list[ResearchNote]:
    """The territory's notes ``user`` may link (not deleted), newest fieldwork first."""
    levels = linkable_levels(user, territory.id)
    if not levels:
        return []
    return list(db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
                                      ResearchNote.visibility.in_(levels))
        .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc())).scalars())


def indicator_choices() -> list[Indicator]:
    """The register's active indicators, in the register's order, for linking."""
    return list(db.session.execute(
        sa.select(Indicator).where(Indicator.active.is_(True)).order_by(Indicator.position, Indicator.code)).scalars())


def notes_for(entry: EvaluationEntry, user) -> LinkedNotes:
    """The entry's linked notes (loaded by :func:`load_entry`) that ``user`` may read, by
    fieldwork date; the rest (deleted, or above the reader's level) only counted."""
    levels = set(note_levels(user, entry.territory_id))
    readable = [note for note in entry.notes if note.deleted_at is None and note.visibility in levels]
    readable.sort(key=lambda note: (note.fieldwork_date is None, note.fieldwork_date, note.id))
    return LinkedNotes(readable, len(entry.notes) - len(readable))


def entry_history(entry: EvaluationEntry) -> list[AuditEvent]:
    """The entry's audit events, oldest first, with who did them (one query)."""
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "EvaluationEntry",
                                    AuditEvent.object_id == str(entry.id))
        .options(orm.joinedload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)).scalars())


# --- validation ----------------------------------------------------------------------------------

def _as_data(data: EvaluationData | Mapping) -> EvaluationData:
    """Accept the dataclass or a mapping with the same keys (missing keys take their defaults)."""
    if isinstance(data, EvaluationData):
        return data
    known = {f.name for f in fields(EvaluationData)}
    values = {key: value for key, value in data.items() if key in known and value is not None}
    values.setdefault("period", "")
    values.setdefault("title", "")
    return EvaluationData(**values)


def _ids(values, field_name: str) -> list[int]:
    """Distinct ids in the order given; anything that is not a whole number is refused."""
    out: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_l("Unknown choice."), field=field_name) from None
        if number not in out:
            out.append(number)
    return out


def _check_period(code: str) -> str:
    """The period code as stored; refused when malformed or still to come."""
    if not (code or "").strip():
        raise DomainError(_l("Choose the period this evaluation is about."), field="period")
    period = periods.parse(code).code
    if periods.is_future(period):
        raise DomainError(_l("%(period)s has not begun: an evaluation looks back on a period that has started.",
                             period=period), field="period")
    return period


def _validate(actor, territory_id: int, data: EvaluationData,
              kept_note_ids: set[int] = frozenset()) -> tuple[list[Indicator], list[ResearchNote]]:
    """Check the entry's fields and links; return the indicators and notes to link.

    ``kept_note_ids``: notes already linked that ``actor`` cannot read; they stay linked as they are.
    """
    data.period = _check_period(data.period)
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(_l("An evaluation entry needs a title."), field="title")
    if len(data.title) > MAX_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    data.what_changed = data.what_changed or ""
    data.for_whom = data.for_whom or ""
    data.participants_said = data.participants_said or ""
    if not data.what_changed.strip():
        raise DomainError(_l("Say what changed (or what did not)."), field="what_changed")
    for name in ("what_changed", "for_whom", "participants_said"):
        if len(getattr(data, name)) > MAX_TEXT:
            raise DomainError(_l("Each text is limited to 100,000 characters."), field=name)

    indicator_ids = _ids(data.indicator_ids, "indicator_ids")
    indicators = list(db.session.execute(
        sa.select(Indicator).where(Indicator.id.in_(indicator_ids))
        .order_by(Indicator.position, Indicator.code)).scalars()) if indicator_ids else []
    if len(indicators) != len(indicator_ids):
        raise DomainError(_l("Link indicators of the register."), field="indicator_ids")

    note_ids = [note_id for note_id in _ids(data.note_ids, "note_ids") if note_id not in kept_note_ids]
    notes = list(db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.id.in_(note_ids)).order_by(ResearchNote.id)).scalars()) \
        if note_ids else []
    found = {note.id: note for note in notes}
    levels = linkable_levels(actor, territory_id)
    for note_id in note_ids:
        note = found.get(note_id)
        if note is None or note.territory_id != territory_id:
            raise DomainError(_l("Link notes of this territory."), field="note_ids")
        if note.deleted_at is not None:
            raise DomainError(_l("“%(title)s” is in the bin and cannot be linked.", title=note.title),
                              field="note_ids")
        if note.visibility not in levels:
            raise DomainError(_l("Link only notes you may read: shared or published notes (the antenna may also "
                                 "link its drafts)."), field="note_ids")
    if kept_note_ids:
        notes += list(db.session.execute(
            sa.select(ResearchNote).where(ResearchNote.id.in_(kept_note_ids)).order_by(ResearchNote.id)).scalars())
    data.indicator_ids = [indicator.id for indicator in indicators]
    data.note_ids = [note.id for note in notes]
    return indicators, notes


def _snapshot(entry: EvaluationEntry, indicator_ids, note_ids) -> dict:
    """The entry's fields and links as the audit log keeps them (JSON-safe)."""
    snap = audit.snapshot(entry, ENTRY_FIELDS)
    snap["indicator_ids"] = sorted(indicator_ids)
    snap["note_ids"] = sorted(note_ids)
    return snap


def _stored_links(entry_id: int) -> tuple[list[int], list[int]]:
    indicator_ids = db.session.execute(sa.select(evaluation_indicators.c.indicator_id)
                                       .where(evaluation_indicators.c.entry_id == entry_id)).scalars().all()
    note_ids = db.session.execute(sa.select(evaluation_notes.c.note_id)
                                  .where(evaluation_notes.c.entry_id == entry_id)).scalars().all()
    return list(indicator_ids), list(note_ids)


def hidden_note_ids(entry: EvaluationEntry, user) -> set[int]:
    """Ids of the entry's linked notes ``user`` may not link (loaded by :func:`load_entry`): an
    edit by ``user`` keeps them linked, since they were never shown to be removed."""
    levels = set(linkable_levels(user, entry.territory_id))
    return {note.id for note in entry.notes if note.deleted_at is not None or note.visibility not in levels}


# --- writing -------------------------------------------------------------------------------------

def create_entry(actor, territory: Territory, data: EvaluationData | Mapping, *,
                 is_demo: bool = False) -> EvaluationEntry:
    """Write a new participatory evaluation entry on ``territory``."""
    data = _as_data(data)
    indicators, notes = _validate(actor, territory.id, data)
    entry = EvaluationEntry(territory_id=territory.id, period=data.period, title=data.title,
                            what_changed=data.what_changed, for_whom=data.for_whom,
                            participants_said=data.participants_said, author_id=getattr(actor, "id", None),
                            lock_version=1, is_demo=is_demo)
    entry.indicators = indicators
    entry.notes = notes
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "create", entry, {}, _snapshot(entry, data.indicator_ids, data.note_ids))
    db.session.commit()
    return entry


def update_entry(actor, entry: EvaluationEntry, data: EvaluationData | Mapping, base_version: int) -> EvaluationEntry:
    """Save the entry as edited from version ``base_version``.

    If someone saved since, nothing is written and :class:`EvaluationConflict` carries both.
    Linked notes ``actor`` may not read stay linked.
    """
    data = _as_data(data)
    if base_version != entry.lock_version:
        raise EvaluationConflict(entry, data)
    entry = load_entry(entry.id)
    indicators, notes = _validate(actor, entry.territory_id, data, hidden_note_ids(entry, actor))
    before = _snapshot(entry, *_stored_links(entry.id))
    # Compare-and-set in the database, so two simultaneous saves cannot both win.
    result = db.session.execute(
        sa.update(EvaluationEntry).where(EvaluationEntry.id == entry.id, EvaluationEntry.lock_version == base_version)
        .values(lock_version=base_version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        entry = load_entry(entry.id)
        raise EvaluationConflict(entry, data)
    db.session.refresh(entry, ["lock_version", "updated_at"])
    entry.period, entry.title = data.period, data.title
    entry.what_changed, entry.for_whom = data.what_changed, data.for_whom
    entry.participants_said = data.participants_said
    entry.indicators = indicators
    entry.notes = notes
    db.session.flush()
    audit.record(actor, "update", entry, before, _snapshot(entry, data.indicator_ids, data.note_ids))
    db.session.commit()
    return entry
