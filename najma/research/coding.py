"""Coding passages of notes, the territory's findings, and the coverage matrix.

A coded passage quotes a piece of a note and says what it is about one target group: a need,
an aspiration, an existing resource, an obstacle or a proposal. Coding is antenna work, so
drafts may be coded too; what a reader sees of the findings and of the coverage is limited to
the notes that reader may read (``note_levels``). Every query here is an aggregate or one
joined select: the number of queries never depends on the number of passages.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.markdown_render import render
from najma.models_base import utcnow
from najma.permissions import note_levels
from najma.reference.models import TargetGroup
from najma.research import indexing
from najma.research.models import CodedPassage, ResearchNote, note_target_groups
from najma.territories.models import Territory
from najma.vocab import CODE_KINDS, NOTE_KINDS, label

MAX_QUOTE = 2_000
MAX_MEMO = 5_000
PASSAGE_FIELDS = ("note_id", "code", "target_group_id", "quote", "memo", "revision_number")
#: Kinds of note written in the field, with the people themselves.
FIELD_KINDS = ("observation", "interview", "focus_group", "survey")
#: Kinds of note about the territory as a whole: a zero for one target group is not a gap.
TERRITORY_KINDS = ("inventory", "diagnostic", "analysis")


# --- matching a quote with the note's text ------------------------------------------------------

_SPACES = re.compile(r"\s+")
_BLOCK_TAGS = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|tr|td|th|thead|tbody|table|div|blockquote|pre|br|hr|dd|dt|dl)"
                         r"\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def _collapse(text: str) -> str:
    """``text`` in Unicode NFC with every run of whitespace made one space, stripped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def _rendered_text(markdown_text: str) -> str:
    """The words of the note as the page shows them (the rendered, sanitised HTML without tags)."""
    markup = _BLOCK_TAGS.sub(" ", str(render(markdown_text)))
    return html.unescape(_TAGS.sub("", markup))


def _body_forms(body: str) -> tuple[str, ...]:
    """The note's text in the forms a quote may come from: as written, without Markdown
    markup, and as rendered on the page; whitespace collapsed in each."""
    return (_collapse(body), _collapse(indexing.plain(body)), _collapse(_rendered_text(body)))


def _found(quote: str, forms: tuple[str, ...]) -> bool:
    """Whether ``quote`` occurs in one of the note's text forms (whitespace-insensitive)."""
    candidates = {_collapse(quote), _collapse(indexing.plain(quote))} - {""}
    return any(candidate in form for candidate in candidates for form in forms)


def quote_in_body(quote: str, body: str) -> bool:
    """Whether ``quote`` is a passage of the Markdown ``body``, selected from the source or
    from the rendered page (markup and whitespace differences are ignored)."""
    return _found(quote, _body_forms(body))


# --- writing ------------------------------------------------------------------------------------

def code_passage(actor, note: ResearchNote, quote: str, code: str, target_group_id: int | None,
                 memo: str = "") -> CodedPassage:
    """Code a passage of ``note`` (its current revision) for one target group.

    The quote must be a piece of the note's current text; nothing is written otherwise.
    """
    if note.deleted_at is not None:
        raise DomainError(_l("This note is in the bin; recover it first."))
    quote = (quote or "").strip()
    memo = (memo or "").strip()
    if not quote:
        raise DomainError(_l("Select or paste the passage to code."), field="quote")
    if len(quote) > MAX_QUOTE:
        raise DomainError(_l("A coded passage is limited to %(max)s characters; code a shorter passage.",
                             max=f"{MAX_QUOTE:,}"), field="quote")
    if code not in CODE_KINDS:
        raise DomainError(_l("Choose what the passage says: need, aspiration, existing resource, "
                             "obstacle or proposal."), field="code")
    group = db.session.get(TargetGroup, target_group_id) if isinstance(target_group_id, int) else None
    if group is None:
        raise DomainError(_l("Choose the target group the passage is about."), field="target_group_id")
    if len(memo) > MAX_MEMO:
        raise DomainError(_l("The memo is limited to %(max)s characters.", max=f"{MAX_MEMO:,}"), field="memo")
    if not quote_in_body(quote, note.body):
        raise DomainError(_l("This passage is not in the current text of the note. Select it in the note "
                             "(or paste it exactly as written) and try again."), field="quote")
    passage = CodedPassage(note_id=note.id, territory_id=note.territory_id, code=code, target_group_id=group.id,
                           quote=quote, memo=memo, revision_number=note.version,
                           author_id=getattr(actor, "id", None))
    db.session.add(passage)
    db.session.flush()
    audit.record(actor, "create", passage, {}, audit.snapshot(passage, PASSAGE_FIELDS),
                 label=f"{label(CODE_KINDS, code)} · {note.title}")
    db.session.commit()
    return passage


def remove_passage(actor, passage: CodedPassage) -> None:
    """Withdraw a coded passage (soft delete: the row and its audit trail stay)."""
    if passage.deleted_at is not None:
        raise DomainError(_l("This passage was already removed."))
    passage.deleted_at = utcnow()
    audit.record(actor, "delete", passage, label=f"{label(CODE_KINDS, passage.code)} · {passage.quote[:120]}")
    db.session.commit()


# --- reading ------------------------------------------------------------------------------------

def passages_for_note(note: ResearchNote) -> list[CodedPassage]:
    """The note's coded passages, oldest first, with their target group and author loaded.

    Each passage carries ``stale``: True when its quote is no longer in the note's current
    text (the note changed since the passage was coded).
    """
    passages = list(db.session.execute(
        sa.select(CodedPassage).where(CodedPassage.note_id == note.id, CodedPassage.deleted_at.is_(None))
        .options(orm.joinedload(CodedPassage.target_group), orm.joinedload(CodedPassage.author))
        .order_by(CodedPassage.created_at, CodedPassage.id)).scalars())
    forms = _body_forms(note.body) if passages else ()
    for passage in passages:
        passage.stale = not _found(passage.quote, forms)
    return passages


@dataclass
class FindingItem:
    """One coded passage as the findings page shows it, with what links back to its note."""

    id: int
    code: str
    quote: str
    memo: str
    note_id: int
    note_title: str
    note_kind: str
    note_date: date | None
    note_visibility: str

    @property
    def code_label(self) -> str:
        return label(CODE_KINDS, self.code)

    @property
    def note_kind_label(self) -> str:
        return label(NOTE_KINDS, self.note_kind)


@dataclass
class CodeFindings:
    """The passages of one code for one target group."""

    code: str
    items: list[FindingItem] = field(default_factory=list)

    @property
    def label(self) -> str:
        return label(CODE_KINDS, self.code)


@dataclass
class GroupFindings:
    """One target group's coded passages, by code (codes in vocabulary order, empty ones left out)."""

    target_group: TargetGroup
    codes: list[CodeFindings] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(c.items) for c in self.codes)


@dataclass
class Findings:
    """A territory's findings for one reader: target groups (in order) holding passages."""

    groups: list[GroupFindings]
    total: int


def target_groups() -> list[TargetGroup]:
    """The six target groups in their programme order."""
    return list(db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars())


def _readable(user, territory: Territory):
    """The SQL condition of the territory's notes ``user`` may read (not deleted, by level)."""
    levels = note_levels(user, territory.id)
    return sa.and_(ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
                   ResearchNote.visibility.in_(levels or ("-",)))


def findings(user, territory: Territory, target_group_id: int | None = None, code: str | None = None) -> Findings:
    """The territory's coded passages that ``user`` may read, by target group then code.

    Optional filters keep one target group and/or one code. Two queries whatever the size.
    """
    query = (sa.select(CodedPassage.id, CodedPassage.code, CodedPassage.quote, CodedPassage.memo,
                       CodedPassage.target_group_id, ResearchNote.id, ResearchNote.title, ResearchNote.kind,
                       ResearchNote.fieldwork_date, ResearchNote.visibility)
             .join(ResearchNote, ResearchNote.id == CodedPassage.note_id)
             .where(CodedPassage.territory_id == territory.id, CodedPassage.deleted_at.is_(None),
                    _readable(user, territory))
             .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc(), CodedPassage.id))
    if target_group_id:
        query = query.where(CodedPassage.target_group_id == target_group_id)
    if code:
        query = query.where(CodedPassage.code == code)
    by_group: dict[int, dict[str, list[FindingItem]]] = {}
    total = 0
    for (pid, pcode, quote, memo, group_id, note_id, title, kind, on, visibility) in db.session.execute(query):
        by_group.setdefault(group_id, {}).setdefault(pcode, []).append(
            FindingItem(pid, pcode, quote, memo or "", note_id, title, kind, on, visibility))
        total += 1
    groups = []
    for group in target_groups():
        codes = by_group.get(group.id)
        if codes:
            groups.append(GroupFindings(group, [CodeFindings(c, codes[c]) for c in CODE_KINDS if c in codes]))
    return Findings(groups, total)


# --- coverage -----------------------------------------------------------------------------------

@dataclass
class Gap:
    """A hole in the research, in words; ``rank`` orders them (lower comes first)."""

    message: str
    rank: int
    target_group_code: str = ""
    column: str = ""


@dataclass
class CoverageRow:
    """One target group's line of the matrix: notes by kind, passages by code, and its gap cells."""

    target_group: TargetGroup
    kinds: dict[str, int]
    codes: dict[str, int]
    gap_cells: set[str]

    @property
    def empty(self) -> bool:
        return not any(self.kinds.values()) and not any(self.codes.values())


@dataclass
class Coverage:
    """Target groups x kinds of note and codes, for what one reader may read, with the gaps."""

    rows: list[CoverageRow]
    kind_totals: dict[str, int]
    gaps: list[Gap]

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return [(code, label(NOTE_KINDS, code)) for code in NOTE_KINDS]

    @property
    def codes(self) -> list[tuple[str, str]]:
        return [(code, label(CODE_KINDS, code)) for code in CODE_KINDS]


#: Columns whose zero is a gap, with their rank (1: the programme's first needs; 2: the rest).
GAP_RANKS = {"focus_group": 1, "interview": 1, "survey": 1, "need": 1, "aspiration": 1,
             "observation": 2, "resource": 2, "obstacle": 2, "proposal": 2}


def _in_sentence(name: str) -> str:
    """A target group's name as it reads inside a sentence ("elderly people in difficulty")."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _gap_message(column: str, group: str) -> str:
    """The sentence saying that ``column`` is missing for target group ``group``."""
    messages = {
        "focus_group": _("No focus group with %(group)s yet.", group=group),
        "interview": _("No individual interview with %(group)s yet.", group=group),
        "survey": _("No household survey covering %(group)s yet.", group=group),
        "observation": _("No field observation about %(group)s yet.", group=group),
        "need": _("No need of %(group)s coded yet.", group=group),
        "aspiration": _("No aspiration of %(group)s coded yet.", group=group),
        "resource": _("No existing resource for %(group)s coded yet.", group=group),
        "obstacle": _("No obstacle met by %(group)s coded yet.", group=group),
        "proposal": _("No proposal for %(group)s coded yet.", group=group),
    }
    return messages[column]


def coverage(user, territory: Territory) -> Coverage:
    """The coverage matrix of the notes ``user`` may read on ``territory``, and its gaps.

    A cell counts the readable notes of a kind tagged with the target group, or the passages of
    a code coded for it. Gaps come most important first: a target group nobody wrote about,
    then missing interviews, focus groups, surveys, needs and aspirations, then missing
    observations, resources, obstacles and proposals, then territory-wide notes (inventory,
    diagnostic, analysis) missing altogether. Four queries whatever the size.
    """
    readable = _readable(user, territory)
    note_counts = db.session.execute(
        sa.select(note_target_groups.c.target_group_id, ResearchNote.kind, sa.func.count(sa.distinct(ResearchNote.id)))
        .join(ResearchNote, ResearchNote.id == note_target_groups.c.note_id).where(readable)
        .group_by(note_target_groups.c.target_group_id, ResearchNote.kind)).all()
    code_counts = db.session.execute(
        sa.select(CodedPassage.target_group_id, CodedPassage.code, sa.func.count(CodedPassage.id))
        .join(ResearchNote, ResearchNote.id == CodedPassage.note_id)
        .where(CodedPassage.territory_id == territory.id, CodedPassage.deleted_at.is_(None), readable)
        .group_by(CodedPassage.target_group_id, CodedPassage.code)).all()
    kind_totals = dict.fromkeys(NOTE_KINDS, 0)
    kind_totals.update(dict(db.session.execute(
        sa.select(ResearchNote.kind, sa.func.count(ResearchNote.id)).where(readable).group_by(ResearchNote.kind)).all()))
    notes = {(group_id, kind): count for group_id, kind, count in note_counts}
    codes = {(group_id, code): count for group_id, code, count in code_counts}
    rows: list[CoverageRow] = []
    gaps: list[Gap] = []
    for position, group in enumerate(target_groups()):
        row = CoverageRow(group, {kind: notes.get((group.id, kind), 0) for kind in NOTE_KINDS},
                          {code: codes.get((group.id, code), 0) for code in CODE_KINDS}, set())
        cells = {**row.kinds, **row.codes}
        row.gap_cells = {column for column in GAP_RANKS if cells[column] == 0}
        rows.append(row)
        name = _in_sentence(group.name)
        if row.empty:
            gaps.append(Gap(_("Nothing about %(group)s yet: no note and no coded passage.", group=name),
                            0, group.code))
            continue
        columns = list(NOTE_KINDS) + list(CODE_KINDS)
        for column in sorted(row.gap_cells, key=columns.index):
            gaps.append(Gap(_gap_message(column, name), GAP_RANKS[column] * 10 + position / 10,
                            group.code, column))
    territory_gaps = {
        "inventory": _("No resource inventory yet: list the services and actors that already respond."),
        "diagnostic": _("No diagnostic yet."),
        "analysis": _("No analysis yet."),
    }
    for kind, message in territory_gaps.items():
        if kind_totals.get(kind, 0) == 0:
            gaps.append(Gap(message, 30, "", kind))
    gaps.sort(key=lambda gap: gap.rank)
    return Coverage(rows, kind_totals, gaps)
