"""Phase transitions: the only way a territory's phase changes, the programme's own phase, the
manual gate ticks and the admins' editing of gate items.

A territory moves one phase forward at a time, by a steering decision (optionally taken in a
steering committee meeting), once the gate of the target phase passes; a failing gate is refused
with its failing items unless a steering member overrides it with a written justification, which
stays on record with the gate as it stood. The phase is changed by a compare-and-set, so that two
simultaneous moves give one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.governance.models import Meeting
from najma.models_base import utcnow
from najma.rollout import gates
from najma.rollout.gates import GateResult, ItemResult, next_phase, phase_index
from najma.rollout.models import GateCheck, GateItem, PhaseTransition
from najma.territories.models import Territory
from najma.vocab import PHASES, label

#: The shortest written justification of an override.
MIN_JUSTIFICATION = 20
MAX_DECISION = 5_000
MAX_NOTE = 2_000
MAX_LABEL = 300

#: The default gates: (to_phase, code, kind, rule, label_fr, label_ar, label_en).
DEFAULT_GATES = (
    ("experimentation", "antenna_two_staff", "auto", "antenna_two_staff",
     "L'antenne compte au moins deux personnels en poste",
     "تضم الخلية عضوين على الأقل من الأطر في مناصبهم",
     "The antenna has at least two staff in post"),
    ("experimentation", "commission_in_place", "auto", "commission_in_place",
     "La commission permanente est en place (membres en cours de mandat)",
     "اللجنة الدائمة قائمة (أعضاء في فترة عضويتهم)",
     "The permanent commission is in place (current members)"),
    ("experimentation", "committee_with_chair", "auto", "committee_with_chair",
     "Le comité local institutionnel a un président",
     "للجنة المحلية المؤسساتية رئيس",
     "The local institutional committee has a chair"),
    ("appropriation", "research_milestones_done", "auto", "research_milestones_done",
     "Les jalons du plan de recherche sont tous atteints",
     "تم إنجاز جميع مراحل مخطط البحث",
     "Every milestone of the research plan is done"),
    ("appropriation", "project_approved", "auto", "project_approved",
     "Le projet de territoire est approuvé",
     "تمت المصادقة على مشروع المجال الترابي",
     "The territory project is approved"),
    ("appropriation", "conventions_signed", "auto", "conventions_signed",
     "Les conventions de toutes les actions approuvées sont signées",
     "تم توقيع اتفاقيات جميع الأعمال المصادق عليها",
     "The conventions of every approved action are signed"),
    ("extension", "previous_evaluation_recorded", "auto", "previous_evaluation_recorded",
     "L'évaluation de la phase précédente est enregistrée (projet de territoire au statut « évalué »)",
     "تقييم المرحلة السابقة مسجل (مشروع المجال الترابي في وضعية «مُقيَّم»)",
     "The evaluation of the previous phase is recorded (territory project “evaluated”)"),
    ("extension", "external_evaluation", "manual", None,
     "Évaluation externe de la phase précédente reçue",
     "تم تسلم التقييم الخارجي للمرحلة السابقة",
     "External evaluation of the previous phase received"),
    ("generalisation", "previous_evaluation_recorded", "auto", "previous_evaluation_recorded",
     "L'évaluation de la phase précédente est enregistrée (projet de territoire au statut « évalué »)",
     "تقييم المرحلة السابقة مسجل (مشروع المجال الترابي في وضعية «مُقيَّم»)",
     "The evaluation of the previous phase is recorded (territory project “evaluated”)"),
    ("generalisation", "external_evaluation", "manual", None,
     "Évaluation externe de la phase précédente reçue",
     "تم تسلم التقييم الخارجي للمرحلة السابقة",
     "External evaluation of the previous phase received"),
)


class GateRefused(DomainError):
    """The gate of the target phase fails and no override was given: carries the failing items."""

    def __init__(self, result: GateResult):
        super().__init__(_l("The gate to the %(phase)s phase fails: %(items)s. Complete these items, or override "
                            "the gate with a written justification.", phase=label(PHASES, result.to_phase),
                            items="; ".join(item.label for item in result.failing)))
        self.result = result
        self.failing: list[ItemResult] = result.failing


class PhaseConflict(DomainError):
    """The territory's (or the programme's) phase changed between reading and writing (someone
    else moved it)."""


# --- gate items ---------------------------------------------------------------------------------

def seed_default_gates() -> int:
    """Add the default gate items that are missing (idempotent); returns how many were added.

    Items already present (edited, deactivated or reordered by an admin) are left as they are.
    """
    existing = {(phase, code) for phase, code in db.session.execute(sa.select(GateItem.to_phase, GateItem.code))}
    positions: dict[str, int] = {}
    added = 0
    for to_phase, code, kind, rule, label_fr, label_ar, label_en in DEFAULT_GATES:
        positions[to_phase] = positions.get(to_phase, 0) + 1
        if (to_phase, code) in existing:
            continue
        db.session.add(GateItem(to_phase=to_phase, code=code, kind=kind, rule=rule, label_fr=label_fr,
                                label_ar=label_ar, label_en=label_en, position=positions[to_phase]))
        added += 1
    if added:
        db.session.commit()
    return added


@dataclass
class GateItemData:
    """What the admins' form carries for a gate item."""

    label_fr: str = ""
    label_ar: str = ""
    label_en: str = ""
    active: bool = True


def _clean_labels(data: GateItemData) -> GateItemData:
    cleaned = GateItemData(label_fr=(data.label_fr or "").strip(), label_ar=(data.label_ar or "").strip(),
                           label_en=(data.label_en or "").strip(), active=bool(data.active))
    if not cleaned.label_fr:
        raise DomainError(_l("Give the item's French label."), field="label_fr")
    for name in ("label_fr", "label_ar", "label_en"):
        if len(getattr(cleaned, name)) > MAX_LABEL:
            raise DomainError(_l("Keep a label to %(max)d characters.", max=MAX_LABEL), field=name)
    return cleaned


def update_gate_item(actor, item: GateItem, data: GateItemData) -> GateItem:
    """Change an item's labels and whether it is active (its kind, rule and code stay)."""
    cleaned = _clean_labels(data)
    before = audit.snapshot(item)
    item.label_fr, item.label_ar, item.label_en, item.active = (cleaned.label_fr, cleaned.label_ar,
                                                                cleaned.label_en, cleaned.active)
    audit.record(actor, "update", item, before, audit.snapshot(item), label=item.label_fr)
    db.session.commit()
    return item


def add_gate_item(actor, to_phase: str, kind: str, rule: str | None, data: GateItemData) -> GateItem:
    """Add an item at the end of the gate into ``to_phase``: a manual item, or an automatic one
    whose rule is chosen from the registry (``najma.rollout.gates.RULES``)."""
    if to_phase not in PHASES or to_phase == next(iter(PHASES)):
        raise DomainError(_l("Choose the phase the item gates (experimentation or later)."), field="to_phase")
    if kind not in ("auto", "manual"):
        raise DomainError(_l("Choose an automatic or a manual item."), field="kind")
    if kind == "auto" and rule not in gates.RULES:
        raise DomainError(_l("Choose the rule the automatic item checks."), field="rule")
    cleaned = _clean_labels(data)
    items = gates.gate_items([to_phase], active_only=False)
    if kind == "auto":
        code = rule
        if any(item.code == code for item in items):
            raise DomainError(_l("This gate already checks that rule; reactivate its item instead."), field="rule")
    else:
        number = 1 + sum(1 for item in items if item.kind == "manual")
        taken = {item.code for item in items}
        while f"manual_{number}" in taken:
            number += 1
        code = f"manual_{number}"
    item = GateItem(to_phase=to_phase, code=code, kind=kind, rule=rule if kind == "auto" else None,
                    label_fr=cleaned.label_fr, label_ar=cleaned.label_ar, label_en=cleaned.label_en,
                    active=cleaned.active, position=max((i.position for i in items), default=0) + 1)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "create", item, {}, audit.snapshot(item), label=item.label_fr)
    db.session.commit()
    return item


def move_gate_item(actor, item: GateItem, direction: str) -> GateItem:
    """Swap the item with its neighbour ``up`` or ``down`` in its gate."""
    if direction not in ("up", "down"):
        raise DomainError(_l("Move an item up or down."))
    items = gates.gate_items([item.to_phase], active_only=False)
    for position, each in enumerate(items, start=1):  # positions made dense before swapping
        each.position = position
    index = next(i for i, each in enumerate(items) if each.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        raise DomainError(_l("This item is already at that end of its gate."))
    before = audit.snapshot(item, ("position",))
    items[index].position, items[other].position = items[other].position, items[index].position
    audit.record(actor, "update", item, before, audit.snapshot(item, ("position",)), label=item.label_fr)
    db.session.commit()
    return item


# --- manual ticks -------------------------------------------------------------------------------

def _manual_item(item: GateItem) -> None:
    if item.kind != "manual":
        raise DomainError(_l("Automatic items are evaluated from the data; only manual items are ticked."))
    if not item.active:
        raise DomainError(_l("This item is no longer part of the gate."))


def check_item(actor, territory: Territory, item: GateItem, note: str = "") -> GateCheck:
    """Tick a manual item of the gate into the territory's next phase, with an optional note.

    Refused when the item is ticked already, also when someone ticked it at the same moment
    (the unique constraint on the territory and the item decides)."""
    _manual_item(item)
    target = next_phase(territory.phase)
    if item.to_phase != target:
        raise DomainError(_l("This item belongs to the gate into the %(phase)s phase, which is not the next phase "
                             "of %(territory)s.", phase=label(PHASES, item.to_phase), territory=territory.name))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Keep the note to %(max)d characters.", max=MAX_NOTE), field="note")
    existing = db.session.execute(sa.select(GateCheck).where(
        GateCheck.territory_id == territory.id, GateCheck.gate_item_id == item.id)).scalar_one_or_none()
    if existing is not None:
        raise DomainError(_l("This item is already ticked."))
    check = GateCheck(territory_id=territory.id, gate_item_id=item.id, checked_by_id=getattr(actor, "id", None),
                      checked_at=utcnow(), note=note)
    try:
        db.session.add(check)
        db.session.flush()
        audit.record(actor, "create", check, {}, audit.snapshot(check),
                     label=f"{territory.name} · {item.label_fr}", territory_id=territory.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_l("This item is already ticked.")) from None
    return check


def uncheck_item(actor, territory: Territory, item: GateItem) -> None:
    """Untick a manual gate item for the territory."""
    _manual_item(item)
    check = db.session.execute(sa.select(GateCheck).where(
        GateCheck.territory_id == territory.id, GateCheck.gate_item_id == item.id)).scalar_one_or_none()
    if check is None:
        raise DomainError(_l("This item is not ticked."))
    audit.record(actor, "delete", check, audit.snapshot(check), {}, label=f"{territory.name} · {item.label_fr}",
                 territory_id=territory.id)
    db.session.delete(check)
    db.session.commit()


# --- transitions --------------------------------------------------------------------------------

def _check_target(current: str, to_phase: str) -> None:
    if to_phase not in PHASES:
        raise DomainError(_l("Unknown rollout phase."), field="to_phase")
    if to_phase == current:
        raise DomainError(_l("Already in the %(phase)s phase (someone may have moved it meanwhile).",
                             phase=label(PHASES, to_phase)), field="to_phase")
    if phase_index(to_phase) < phase_index(current):
        raise DomainError(_l("A phase is never moved back: the rollout only goes forward. Record the difficulty "
                             "as a site problem instead."), field="to_phase")
    expected = next_phase(current)
    if to_phase != expected:
        raise DomainError(_l("Phases are not skipped: the next phase after %(current)s is %(next)s.",
                             current=label(PHASES, current), next=label(PHASES, expected)), field="to_phase")


def _check_decision(decision: str) -> str:
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_l("Write the decision taken."), field="decision")
    if len(decision) > MAX_DECISION:
        raise DomainError(_l("Keep the decision to %(max)d characters.", max=MAX_DECISION), field="decision")
    return decision


def _steering_meeting(meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.body.kind != "steering":
        raise DomainError(_l("Choose a meeting of the national steering committee."), field="meeting_id")
    return meeting


def _actor_name(actor) -> str:
    return (getattr(actor, "full_name", "") or getattr(actor, "email", "") or "")[:160]


def move_territory(actor, territory: Territory, to_phase: str, decision: str, *, meeting_id: int | None = None,
                   override_justification: str = "") -> PhaseTransition:
    """Move ``territory`` to its next phase by a steering decision, if the gate passes.

    Refused (nothing changed) when ``to_phase`` is not the next phase (no skipping, never back),
    without a decision, with a meeting that is not the steering committee's, or when the gate
    fails (:class:`GateRefused` carries the failing items) unless ``override_justification``
    (at least 20 characters) is given by someone who may ``rollout.override``. Records the
    transition with the gate as evaluated, notifies the territory's delegates and antenna,
    audited; :class:`PhaseConflict` when the phase changed meanwhile.
    """
    from najma.permissions import can

    from_phase = territory.phase
    _check_target(from_phase, to_phase)
    decision = _check_decision(decision)
    meeting = _steering_meeting(meeting_id)
    result = gates.evaluate(territory, to_phase)
    justification = (override_justification or "").strip()
    overridden = False
    if not result.passed:
        if not justification:
            raise GateRefused(result)
        if not can(actor, "rollout.override", territory):
            raise DomainError(_l("Only a member of the steering committee may override a gate."),
                              field="override_justification")
        if len(justification) < MIN_JUSTIFICATION:
            raise DomainError(_l("Justify the override in at least %(min)d characters: it stays on record.",
                                 min=MIN_JUSTIFICATION), field="override_justification")
        if len(justification) > MAX_DECISION:
            raise DomainError(_l("Keep the justification to %(max)d characters.", max=MAX_DECISION),
                              field="override_justification")
        overridden = True
    else:
        justification = ""
    changed = db.session.execute(
        sa.update(Territory).where(Territory.id == territory.id, Territory.phase == from_phase)
        .values(phase=to_phase, updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise PhaseConflict(_l("The phase of %(territory)s changed meanwhile: reload the page to see where it "
                               "stands now.", territory=territory.name))
    transition = PhaseTransition(
        territory_id=territory.id, from_phase=from_phase, to_phase=to_phase, decided_on=date.today(),
        decided_at=utcnow(), decided_by_id=getattr(actor, "id", None), decided_by_name=_actor_name(actor),
        meeting_id=meeting.id if meeting else None, decision=decision, gate=result.snapshot(),
        overridden=overridden, justification=justification)
    db.session.add(transition)
    db.session.flush()
    after = {"phase": to_phase, "decision": decision, "meeting_id": transition.meeting_id,
             "overridden": overridden, "justification": justification,
             "failing": [item.code for item in result.failing]}
    audit.record(actor, "override" if overridden else "transition", transition, {"phase": from_phase}, after,
                 label=f"{territory.name} · {label(PHASES, from_phase)} → {label(PHASES, to_phase)}",
                 territory_id=territory.id)
    _notify_phase_changed(actor, territory, to_phase)
    db.session.commit()
    return transition


def _notify_phase_changed(actor, territory: Territory, to_phase: str) -> None:
    """Tell the territory's delegates and antenna staff (in the app) that its phase changed."""
    from najma.auth.models import User
    from najma.notifications import services as notifications
    from najma.projects.notify import holders

    me = getattr(actor, "id", None)
    ids = holders(territory.id, ("delegate", "antenna_staff")) - {me}
    if not ids:
        return
    active = db.session.execute(sa.select(User.id).where(User.id.in_(ids), User.active.is_(True))).scalars()
    url = gates.page_url("territories.detail", slug=territory.slug)
    for user_id in sorted(active):
        notifications.notify(user_id, "phase_changed", {"territory": territory.name, "phase": to_phase}, url)


@dataclass
class HistoryEntry:
    """A recorded transition and the meeting that decided it (when recorded)."""

    transition: PhaseTransition
    meeting: Meeting | None

    @property
    def failing(self) -> list[dict]:
        """The items of the recorded gate that failed then."""
        return [item for item in (self.transition.gate or []) if not item.get("passed")]


def _history(condition) -> list[HistoryEntry]:
    rows = db.session.execute(
        sa.select(PhaseTransition, Meeting).outerjoin(Meeting, Meeting.id == PhaseTransition.meeting_id)
        .where(condition).order_by(PhaseTransition.decided_at.desc(), PhaseTransition.id.desc())).all()
    return [HistoryEntry(transition, meeting) for transition, meeting in rows]


def history(territory: Territory) -> list[HistoryEntry]:
    """The territory's transitions, newest first, with their meetings (one query)."""
    return _history(PhaseTransition.territory_id == territory.id)


# --- the programme's own phase -------------------------------------------------------------------

def programme_phase() -> str:
    """The programme's current phase: its latest recorded transition (``launch`` before any)."""
    return db.session.execute(
        sa.select(PhaseTransition.to_phase).where(PhaseTransition.territory_id.is_(None))
        .order_by(PhaseTransition.decided_at.desc(), PhaseTransition.id.desc()).limit(1)).scalar() or "launch"


def programme_history() -> list[HistoryEntry]:
    """The programme's own transitions, newest first."""
    return _history(PhaseTransition.territory_id.is_(None))


def set_programme_phase(actor, to_phase: str, decision: str, *, meeting_id: int | None = None) -> PhaseTransition:
    """Move the programme to its next phase by a steering decision (no gate: the territories'
    gates carry the checks). Next phase only; audited. :class:`PhaseConflict` when someone moved
    the programme meanwhile (the programme leaves each phase once: a unique index decides)."""
    from_phase = programme_phase()
    _check_target(from_phase, to_phase)
    decision = _check_decision(decision)
    meeting = _steering_meeting(meeting_id)
    transition = PhaseTransition(
        territory_id=None, from_phase=from_phase, to_phase=to_phase, decided_on=date.today(), decided_at=utcnow(),
        decided_by_id=getattr(actor, "id", None), decided_by_name=_actor_name(actor),
        meeting_id=meeting.id if meeting else None, decision=decision, gate=[])
    try:
        db.session.add(transition)
        db.session.flush()
        audit.record(actor, "transition", transition, {"phase": from_phase},
                     {"phase": to_phase, "decision": decision, "meeting_id": transition.meeting_id},
                     label=f"{_l('Programme')} · {label(PHASES, from_phase)} → {label(PHASES, to_phase)}")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PhaseConflict(_l("The programme's phase changed meanwhile: reload the page to see where it stands "
                               "now.")) from None
    return transition


def steering_meetings(limit: int = 50) -> list[Meeting]:
    """The steering committee's meetings, most recent first (for the decision forms)."""
    from najma.governance.models import Body

    return list(db.session.execute(
        sa.select(Meeting).join(Body, Body.id == Meeting.body_id).where(Body.kind == "steering")
        .order_by(Meeting.starts_at.desc()).limit(limit)).unique().scalars())
