"""Intervention paths: proposals grounded in cited research, decided by the permanent commission.

A path rests on evidence the commission can read: shared or published notes of its territory,
and coded passages of them (a passage cites its note too). The antenna proposes and edits it;
the commission (with the antenna and the delegate) retains it or sets it aside with its reason,
and may reopen it. Retained paths are what the territory project builds on.

Every write is one transaction with its audit event and its search document.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.actors.models import Actor
from najma.audit import AuditEvent
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.governance.models import Body, Meeting
from najma.models_base import utcnow
from najma.permissions import can, note_levels
from najma.reference.models import Chantier, TargetGroup
from najma.research import indexing
from najma.research.models import (CodedPassage, InterventionPath, PathEvidence, ResearchNote, path_actors,
                                   path_target_groups)
from najma.territories.models import Territory
from najma.vocab import PATH_PRIORITIES, PATH_STATUSES, label

#: The columns the audit log keeps before and after each write.
PATH_FIELDS = ("title", "rationale", "chantier_id", "priority", "partners_text", "status", "decision_reason",
               "decided_at", "decided_by_id", "decision_meeting_id", "deleted_at")
#: A path goes before the commission: what it cites must be readable there.
CITABLE_LEVELS = ("shared", "published")
#: What the commission may decide about a proposed path.
DECISIONS = ("retained", "set_aside")
MAX_TITLE = 200
MAX_RATIONALE = 100_000
MAX_PARTNERS = 5_000
MAX_REASON = 20_000
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class PathData:
    """What the path form carries (the decision has its own steps)."""

    title: str
    rationale: str = ""
    chantier_id: int | None = None
    priority: str = "medium"
    partners_text: str = ""
    target_group_ids: list[int] = field(default_factory=list)
    actor_ids: list[int] = field(default_factory=list)
    note_ids: list[int] = field(default_factory=list)
    passage_ids: list[int] = field(default_factory=list)


class PathConflict(StaleEditError):
    """A save based on an older version of the path: carries both titles and both rationales."""

    def __init__(self, path: InterventionPath, data: PathData):
        super().__init__(mine=data.rationale, current=path.rationale, current_version=path.version)
        self.mine_title = data.title
        self.current_title = path.title
        self.data = data


@dataclass
class PathSummary:
    """One line of a territory's list of paths: the path and how much evidence it cites."""

    path: InterventionPath
    note_count: int = 0
    passage_count: int = 0


@dataclass
class EvidenceNote:
    """A cited note as one reader sees it: ``readable`` False means it is shown only as
    "a note not visible to you"; ``passages`` are the cited passages still coded on it."""

    note: ResearchNote
    readable: bool
    cited_directly: bool = False
    passages: list[CodedPassage] = field(default_factory=list)
    removed_passages: int = 0


@dataclass
class _Checked:
    groups: list[TargetGroup]
    actors: list[Actor]
    evidence: list[tuple[int, int | None]]


# --- reading -------------------------------------------------------------------------------------

def _full_options():
    return (orm.selectinload(InterventionPath.chantier), orm.selectinload(InterventionPath.target_groups),
            orm.selectinload(InterventionPath.actors),
            orm.selectinload(InterventionPath.evidence).options(
                orm.joinedload(PathEvidence.note),
                orm.joinedload(PathEvidence.passage).joinedload(CodedPassage.target_group)))


def load_path(path_id: int) -> InterventionPath | None:
    """The path (deleted or not) with its chantier, target groups, actors and evidence (notes,
    passages and their target groups) loaded, in a fixed number of queries."""
    return db.session.execute(
        sa.select(InterventionPath).where(InterventionPath.id == path_id).options(*_full_options())
        .execution_options(populate_existing=True)).scalar_one_or_none()


def _priority_order():
    return sa.case(_PRIORITY_ORDER, value=InterventionPath.priority, else_=3)


def territory_paths(user, territory: Territory, status: str | None = None) -> list[PathSummary]:
    """The territory's paths ``user`` may see (none without path.view), by priority then title,
    each with its chantier, target groups and evidence counts (three queries, whatever their number)."""
    if not can(user, "path.view", territory):
        return []
    query = sa.select(InterventionPath).where(InterventionPath.territory_id == territory.id,
                                              InterventionPath.deleted_at.is_(None))
    if status:
        query = query.where(InterventionPath.status == status)
    paths = db.session.execute(
        query.options(orm.joinedload(InterventionPath.chantier), orm.selectinload(InterventionPath.target_groups))
        .order_by(_priority_order(), InterventionPath.title, InterventionPath.id)).unique().scalars().all()
    if not paths:
        return []
    counts = {path_id: (notes, passages) for path_id, notes, passages in db.session.execute(
        sa.select(PathEvidence.path_id, sa.func.count(sa.distinct(PathEvidence.note_id)),
                  sa.func.count(PathEvidence.passage_id))
        .where(PathEvidence.path_id.in_([p.id for p in paths])).group_by(PathEvidence.path_id))}
    return [PathSummary(path, *counts.get(path.id, (0, 0))) for path in paths]


def status_counts(user, territory: Territory) -> dict[str, int]:
    """How many of the territory's paths ``user`` sees at each status (every status present)."""
    counts = dict.fromkeys(PATH_STATUSES, 0)
    if not can(user, "path.view", territory):
        return counts
    counts.update(dict(db.session.execute(
        sa.select(InterventionPath.status, sa.func.count()).where(
            InterventionPath.territory_id == territory.id, InterventionPath.deleted_at.is_(None))
        .group_by(InterventionPath.status)).all()))
    return counts


def retained_paths(territory: Territory) -> list[InterventionPath]:
    """The territory's retained paths, by priority then title, with chantier, target groups,
    actors and evidence (notes, passages and their target groups) loaded.

    No reader filter: the territory project and the research dossier pass each path to
    :func:`evidence_for` to show only the notes their reader may read.
    """
    return list(db.session.execute(
        sa.select(InterventionPath).where(InterventionPath.territory_id == territory.id,
                                          InterventionPath.status == "retained",
                                          InterventionPath.deleted_at.is_(None))
        .options(*_full_options()).order_by(_priority_order(), InterventionPath.title, InterventionPath.id)).scalars())


def citing(note: ResearchNote, user) -> list[InterventionPath]:
    """The paths (not deleted) that cite ``note``, directly or through one of its coded
    passages, if ``user`` may see the paths of the note's territory; oldest first."""
    territory = db.session.get(Territory, note.territory_id)
    if territory is None or not can(user, "path.view", territory):
        return []
    return list(db.session.execute(
        sa.select(InterventionPath).where(
            InterventionPath.deleted_at.is_(None),
            InterventionPath.id.in_(sa.select(PathEvidence.path_id).where(PathEvidence.note_id == note.id)))
        .order_by(InterventionPath.created_at, InterventionPath.id)).scalars())


def evidence_for(path: InterventionPath, user) -> list[EvidenceNote]:
    """The path's evidence (loaded by :func:`load_path` or :func:`retained_paths`) grouped by
    note, newest fieldwork first; notes ``user`` may not read are marked unreadable."""
    levels = set(note_levels(user, path.territory_id))
    by_note: dict[int, EvidenceNote] = {}
    for item in path.evidence:
        note = item.note
        entry = by_note.get(note.id)
        if entry is None:
            readable = note.deleted_at is None and note.visibility in levels
            entry = by_note[note.id] = EvidenceNote(note=note, readable=readable)
        if item.passage_id is None:
            entry.cited_directly = True
        elif item.passage.deleted_at is None:
            entry.passages.append(item.passage)
        else:
            entry.removed_passages += 1
    for entry in by_note.values():
        entry.passages.sort(key=lambda passage: passage.id)
    def newest_first(entry: EvidenceNote):
        on = entry.note.fieldwork_date
        return (on is None, -on.toordinal() if on else 0, -entry.note.id)

    return sorted(by_note.values(), key=newest_first)


def evidence_choices(territory: Territory) -> list[tuple[ResearchNote, list[CodedPassage]]]:
    """What a path of ``territory`` may cite: its shared and published notes (not deleted),
    newest fieldwork first, each with its coded passages (not deleted) and their target groups."""
    notes = list(db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id,
                                      ResearchNote.deleted_at.is_(None),
                                      ResearchNote.visibility.in_(CITABLE_LEVELS))
        .order_by(ResearchNote.fieldwork_date.desc().nulls_last(), ResearchNote.id.desc())).scalars())
    passages: dict[int, list[CodedPassage]] = {note.id: [] for note in notes}
    if notes:
        for passage in db.session.execute(
                sa.select(CodedPassage).join(ResearchNote, ResearchNote.id == CodedPassage.note_id).where(
                    ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
                    ResearchNote.visibility.in_(CITABLE_LEVELS), CodedPassage.deleted_at.is_(None))
                .options(orm.joinedload(CodedPassage.target_group)).order_by(CodedPassage.id)).scalars():
            passages[passage.note_id].append(passage)
    return [(note, passages[note.id]) for note in notes]


def territory_actors(territory: Territory) -> list[tuple[int, str]]:
    """The territory's actors as ``(id, name)`` pairs by name, for choosing partners."""
    return [(actor_id, name) for actor_id, name in db.session.execute(
        sa.select(Actor.id, Actor.name).where(Actor.territory_id == territory.id).order_by(Actor.name))]


def commission_meetings(territory_id: int) -> list[Meeting]:
    """The meetings of the territory's permanent commission, latest first (for recording a decision)."""
    return list(db.session.execute(
        sa.select(Meeting).join(Body, Body.id == Meeting.body_id)
        .where(Body.kind == "commission", Body.territory_id == territory_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())).scalars())


def path_history(path: InterventionPath) -> list[AuditEvent]:
    """The path's audit events, oldest first, with who did them (one query)."""
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "InterventionPath",
                                    AuditEvent.object_id == str(path.id))
        .options(orm.joinedload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)).scalars())


# --- validation ----------------------------------------------------------------------------------

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


def _as_data(data: PathData | Mapping) -> PathData:
    """Accept the dataclass or a mapping with the same keys (missing keys take their defaults)."""
    if isinstance(data, PathData):
        return data
    known = {f.name for f in fields(PathData)}
    return PathData(**{key: value for key, value in data.items() if key in known and value is not None})


def _validate(territory_id: int, data: PathData) -> _Checked:
    """Check the path's fields and evidence; return the rows to link and the evidence pairs."""
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_l("A path needs a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    data.title = title
    data.rationale = data.rationale or ""
    if len(data.rationale) > MAX_RATIONALE:
        raise DomainError(_l("The rationale is limited to 100,000 characters."), field="rationale")
    data.partners_text = (data.partners_text or "").strip()
    if len(data.partners_text) > MAX_PARTNERS:
        raise DomainError(_l("The other partners are limited to 5,000 characters."), field="partners_text")
    if data.priority not in PATH_PRIORITIES:
        raise DomainError(_l("Choose a priority."), field="priority")
    if data.chantier_id in ("", 0):
        data.chantier_id = None
    if data.chantier_id is not None:
        try:
            data.chantier_id = int(data.chantier_id)
        except (TypeError, ValueError):
            raise DomainError(_l("Unknown chantier."), field="chantier_id") from None
        if db.session.get(Chantier, data.chantier_id) is None:
            raise DomainError(_l("Unknown chantier."), field="chantier_id")

    group_ids = _ids(data.target_group_ids, "target_group_ids")
    groups = list(db.session.execute(sa.select(TargetGroup).where(TargetGroup.id.in_(group_ids))
                                     .order_by(TargetGroup.position)).scalars()) if group_ids else []
    if len(groups) != len(group_ids):
        raise DomainError(_l("Unknown target group."), field="target_group_ids")

    actor_ids = _ids(data.actor_ids, "actor_ids")
    actors = list(db.session.execute(sa.select(Actor).where(Actor.id.in_(actor_ids))
                                     .order_by(Actor.name)).scalars()) if actor_ids else []
    if len(actors) != len(actor_ids) or any(actor.territory_id != territory_id for actor in actors):
        raise DomainError(_l("Choose partners from this territory's actor map."), field="actor_ids")

    evidence = _check_evidence(territory_id, _ids(data.note_ids, "note_ids"), _ids(data.passage_ids, "passage_ids"))
    data.target_group_ids, data.actor_ids = group_ids, actor_ids
    return _Checked(groups=groups, actors=actors, evidence=evidence)


def _check_evidence(territory_id: int, note_ids: list[int], passage_ids: list[int]) -> list[tuple[int, int | None]]:
    """The evidence as ``(note_id, passage_id or None)`` pairs, once each, after the rule: at least
    one item; notes of this territory, not deleted, readable by the commission (not drafts)."""
    if not note_ids and not passage_ids:
        raise DomainError(_l("A path rests on evidence: cite at least one note or one coded passage."),
                          field="note_ids")
    passages = list(db.session.execute(sa.select(CodedPassage).where(CodedPassage.id.in_(passage_ids))
                                       .order_by(CodedPassage.id)).scalars()) if passage_ids else []
    if len(passages) != len(passage_ids) or any(p.territory_id != territory_id for p in passages):
        raise DomainError(_l("Cite coded passages of this territory's notes."), field="passage_ids")
    if any(p.deleted_at is not None for p in passages):
        raise DomainError(_l("A coded passage you chose was removed meanwhile; choose again."), field="passage_ids")
    wanted = set(note_ids) | {p.note_id for p in passages}
    notes = {note.id: note for note in db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.id.in_(wanted))).scalars()}
    for note_id in sorted(wanted):
        note = notes.get(note_id)
        field_name = "note_ids" if note_id in note_ids else "passage_ids"
        if note is None or note.territory_id != territory_id:
            raise DomainError(_l("Cite notes of this territory."), field=field_name)
        if note.deleted_at is not None:
            raise DomainError(_l("“%(title)s” is in the bin and cannot be cited.", title=note.title),
                              field=field_name)
        if note.visibility not in CITABLE_LEVELS:
            raise DomainError(_l("“%(title)s” is a draft: a path goes before the permanent commission, so share "
                                 "the note with the commission before citing it.", title=note.title),
                              field=field_name)
    pairs: list[tuple[int, int | None]] = [(note_id, None) for note_id in note_ids]
    pairs += [(p.note_id, p.id) for p in passages]
    return pairs


def _refuse_if_deleted(path: InterventionPath) -> None:
    if path.deleted_at is not None:
        raise DomainError(_l("This path was deleted."))


def _refuse_if_decided(path: InterventionPath) -> None:
    if path.status != "proposed":
        raise DomainError(_l("This path is %(status)s: it can no longer change unless it is reopened.",
                             status=label(PATH_STATUSES, path.status).lower()))


def _snapshot(path: InterventionPath, group_ids, actor_ids, evidence) -> dict:
    """The path's fields and links as the audit log keeps them (JSON-safe)."""
    snap = audit.snapshot(path, PATH_FIELDS)
    snap["target_group_ids"] = sorted(group_ids)
    snap["actor_ids"] = sorted(actor_ids)
    snap["evidence"] = sorted(f"note:{n}" if p is None else f"passage:{p}" for n, p in evidence)
    return snap


def _stored_snapshot(path: InterventionPath) -> dict:
    """:func:`_snapshot` of the path as the database holds it (links read by query)."""
    group_ids = db.session.execute(sa.select(path_target_groups.c.target_group_id)
                                   .where(path_target_groups.c.path_id == path.id)).scalars().all()
    actor_ids = db.session.execute(sa.select(path_actors.c.actor_id)
                                   .where(path_actors.c.path_id == path.id)).scalars().all()
    evidence = db.session.execute(sa.select(PathEvidence.note_id, PathEvidence.passage_id)
                                  .where(PathEvidence.path_id == path.id)).all()
    return _snapshot(path, group_ids, actor_ids, [tuple(row) for row in evidence])


def _stored_groups(path_id: int) -> list[TargetGroup]:
    return list(db.session.execute(
        sa.select(TargetGroup).join(path_target_groups, path_target_groups.c.target_group_id == TargetGroup.id)
        .where(path_target_groups.c.path_id == path_id).order_by(TargetGroup.position)).scalars())


# --- writing -------------------------------------------------------------------------------------

def create_path(actor, territory: Territory, data: PathData | Mapping, *, is_demo: bool = False) -> InterventionPath:
    """Propose a new path on ``territory``, citing its evidence."""
    data = _as_data(data)
    checked = _validate(territory.id, data)
    path = InterventionPath(territory_id=territory.id, title=data.title, rationale=data.rationale,
                            chantier_id=data.chantier_id, priority=data.priority, partners_text=data.partners_text,
                            status="proposed", version=1, author_id=getattr(actor, "id", None), is_demo=is_demo)
    path.target_groups = checked.groups
    path.actors = checked.actors
    path.evidence = [PathEvidence(note_id=note_id, passage_id=passage_id) for note_id, passage_id in checked.evidence]
    db.session.add(path)
    db.session.flush()
    indexing.index_path(path, checked.groups)
    audit.record(actor, "create", path, {},
                 _snapshot(path, data.target_group_ids, data.actor_ids, checked.evidence))
    db.session.commit()
    return path


def update_path(actor, path: InterventionPath, data: PathData | Mapping, base_version: int) -> InterventionPath:
    """Save the path as edited from version ``base_version``.

    Only a proposed path changes. If someone saved since, nothing is written and
    :class:`PathConflict` carries both titles and rationales.
    """
    data = _as_data(data)
    _refuse_if_deleted(path)
    _refuse_if_decided(path)
    if base_version != path.version:
        raise PathConflict(path, data)
    checked = _validate(path.territory_id, data)
    path = load_path(path.id)
    before = _stored_snapshot(path)
    # Compare-and-set in the database, so two simultaneous saves (or a decision) cannot both win.
    result = db.session.execute(
        sa.update(InterventionPath).where(InterventionPath.id == path.id, InterventionPath.version == base_version,
                                          InterventionPath.status == "proposed",
                                          InterventionPath.deleted_at.is_(None))
        .values(version=base_version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(path)
        _refuse_if_deleted(path)
        _refuse_if_decided(path)
        raise PathConflict(path, data)
    db.session.refresh(path, ["version", "updated_at"])
    path.title, path.rationale, path.chantier_id = data.title, data.rationale, data.chantier_id
    path.priority, path.partners_text = data.priority, data.partners_text
    path.target_groups = checked.groups
    path.actors = checked.actors
    kept = {(item.note_id, item.passage_id): item for item in path.evidence}
    path.evidence = [kept.get(pair) or PathEvidence(note_id=pair[0], passage_id=pair[1]) for pair in checked.evidence]
    db.session.flush()
    indexing.index_path(path, checked.groups)
    audit.record(actor, "update", path, before,
                 _snapshot(path, data.target_group_ids, data.actor_ids, checked.evidence))
    db.session.commit()
    return path


def decide(actor, path: InterventionPath, status: str, reason: str, meeting_id: int | None = None) -> InterventionPath:
    """Record the commission's decision on a proposed path: ``retained`` or ``set_aside``
    (which needs the commission's reason), optionally at one of its meetings."""
    _refuse_if_deleted(path)
    if status not in DECISIONS:
        raise DomainError(_l("Choose to retain the path or to set it aside."), field="status")
    _refuse_if_decided(path)
    reason = (reason or "").strip()
    if status == "set_aside" and not reason:
        raise DomainError(_l("Setting a path aside needs the commission's reason."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is limited to 20,000 characters."), field="reason")
    meeting_id = _meeting_of_commission(path.territory_id, meeting_id)
    before = audit.snapshot(path, PATH_FIELDS)
    now = utcnow()
    result = db.session.execute(
        sa.update(InterventionPath).where(InterventionPath.id == path.id, InterventionPath.status == "proposed",
                                          InterventionPath.deleted_at.is_(None))
        .values(status=status, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_l("Someone recorded a decision on this path meanwhile; look at it again."))
    db.session.refresh(path, ["status", "updated_at"])
    path.decision_reason = reason
    path.decided_at = now
    path.decided_by_id = getattr(actor, "id", None)
    path.decision_meeting_id = meeting_id
    indexing.index_path(path, _stored_groups(path.id))
    audit.record(actor, "retain" if status == "retained" else "set_aside", path, before,
                 audit.snapshot(path, PATH_FIELDS))
    db.session.commit()
    return path


def _meeting_of_commission(territory_id: int, meeting_id) -> int | None:
    """``meeting_id`` if it is a meeting of the territory's permanent commission (None if not given)."""
    if meeting_id in (None, "", 0):
        return None
    refusal = DomainError(_l("Choose a meeting of this territory's permanent commission."), field="meeting_id")
    try:
        meeting_id = int(meeting_id)
    except (TypeError, ValueError):
        raise refusal from None
    found = db.session.execute(
        sa.select(Meeting.id).join(Body, Body.id == Meeting.body_id)
        .where(Meeting.id == meeting_id, Body.kind == "commission", Body.territory_id == territory_id)).scalar()
    if found is None:
        raise refusal
    return found


def reopen(actor, path: InterventionPath, reason: str) -> InterventionPath:
    """Put a retained or set-aside path back to proposed, so it can be changed and decided again.
    The previous decision stays in the path's history; ``reason`` is required."""
    _refuse_if_deleted(path)
    if path.status == "proposed":
        raise DomainError(_l("This path is already proposed."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the path is reopened."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is limited to 20,000 characters."), field="reason")
    before = audit.snapshot(path, PATH_FIELDS)
    result = db.session.execute(
        sa.update(InterventionPath).where(InterventionPath.id == path.id, InterventionPath.status == path.status,
                                          InterventionPath.deleted_at.is_(None))
        .values(status="proposed", updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_l("Someone changed this path's status meanwhile; look at it again."))
    db.session.refresh(path, ["status", "updated_at"])
    path.decision_reason = ""
    path.decided_at = None
    path.decided_by_id = None
    path.decision_meeting_id = None
    indexing.index_path(path, _stored_groups(path.id))
    after = audit.snapshot(path, PATH_FIELDS)
    after["reason"] = reason
    audit.record(actor, "reopen", path, before, after)
    db.session.commit()
    return path


def delete_path(actor, path: InterventionPath) -> None:
    """Delete a proposed path (softly: the row and its history stay); it leaves lists and search."""
    _refuse_if_deleted(path)
    if path.status != "proposed":
        raise DomainError(_l("Only a proposed path can be deleted; reopen it first."))
    before = audit.snapshot(path, PATH_FIELDS)
    path.deleted_at = utcnow()
    indexing.unindex("path", path.id)
    audit.record(actor, "delete", path, before, audit.snapshot(path, PATH_FIELDS))
    db.session.commit()
