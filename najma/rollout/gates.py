"""Phase gates: the checklist a territory must pass to enter its next phase.

A gate is the active ``GateItem`` rows of the target phase. Automatic items name a rule of
:data:`RULES` (admins choose rules from this registry; no code is stored in the database), and
each rule reads facts about the territory loaded in a fixed number of queries whatever the
number of territories (:func:`evaluate_many`, used by the dashboard and the phase report).
Manual items pass when the steering committee has ticked them for the territory (``GateCheck``).

Each item's result carries a detail ("1 of 2 staff seats filled") and a link to the page that
shows the evidence, so that a decision can be checked.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from najma.extensions import db
from najma.governance.models import Body, Membership
from najma.projects.models import Convention, ProjectAction, ProjectTransition, ProjectVersion, TerritoryProject
from najma.research.models import ResearchMilestone, ResearchPlan
from najma.rollout.models import GateCheck, GateItem, PhaseTransition
from najma.territories.models import Territory
from najma.vocab import PHASES

#: Antenna staff a territory needs before its experimentation starts.
ANTENNA_STAFF_NEEDED = 2
#: Project statuses that mean the committee approved the project (approved or later).
APPROVED_STATUSES = ("approved", "contracted", "in_execution", "evaluated")
#: The name a replicated seat carries until someone fills it (see ``najma.rollout.replication``).
VACANT_SEAT = _l("Vacant seat")


def next_phase(phase: str | None) -> str | None:
    """The phase after ``phase`` in the rollout, or ``None`` after generalisation."""
    order = list(PHASES)
    if phase not in order:
        return order[0]
    index = order.index(phase)
    return order[index + 1] if index + 1 < len(order) else None


def phase_index(phase: str | None) -> int:
    """The position of ``phase`` in the rollout (-1 when unknown)."""
    order = list(PHASES)
    return order.index(phase) if phase in order else -1


def vacant_names() -> set[str]:
    """The vacant-seat name in every interface language (a seat so named, without an account,
    is not filled)."""
    from flask_babel import force_locale

    names = {str(VACANT_SEAT)}
    for language in current_app.config.get("LANGUAGES", ("fr", "ar", "en")):
        with force_locale(language):
            names.add(_("Vacant seat"))
    return names


# --- facts: what the rules read, loaded for many territories at once ---------------------------------

@dataclass
class Facts:
    """What the gate rules know about one territory."""

    territory_id: int
    slug: str
    body_ids: dict[str, int] = field(default_factory=dict)
    #: Filled current seats by body kind: list of roles.
    filled: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: Current seats left vacant (replicated, not filled yet) by body kind.
    vacant: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    has_plan: bool = False
    milestones: int = 0
    milestones_done: int = 0
    project_status: str | None = None
    approved_actions: int = 0
    signed_actions: int = 0
    #: When the territory project last reached "evaluated", and when the territory entered its
    #: current phase (its last recorded move): an evaluation counts for the phase it was made in.
    evaluated_at: datetime | None = None
    entered_phase_at: datetime | None = None
    #: Manual ticks: gate item id -> GateCheck.
    checks: dict[int, GateCheck] = field(default_factory=dict)


def load_facts(territories: Iterable, today: date | None = None) -> dict[int, Facts]:
    """The facts of every territory given (anything with ``id`` and ``slug``), in seven queries
    whatever their number."""
    today = today or date.today()
    facts = {t.id: Facts(t.id, t.slug) for t in territories}
    ids = list(facts)
    if not ids:
        return facts
    vacant = vacant_names()
    current = sa.and_(Membership.body_id == Body.id, Membership.start_date <= today,
                      sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    for body_id, kind, territory_id, role, name, user_id in db.session.execute(
            sa.select(Body.id, Body.kind, Body.territory_id, Membership.role, Membership.full_name,
                      Membership.user_id).outerjoin(Membership, current).where(Body.territory_id.in_(ids))):
        entry = facts[territory_id]
        entry.body_ids[kind] = body_id
        if role is None:
            continue
        if user_id is None and name in vacant:
            entry.vacant[kind] += 1
        else:
            entry.filled[kind].append(role)
    for territory_id, total, done in db.session.execute(
            sa.select(ResearchPlan.territory_id, sa.func.count(ResearchMilestone.id),
                      sa.func.count(ResearchMilestone.completed_on))
            .outerjoin(ResearchMilestone, ResearchMilestone.plan_id == ResearchPlan.id)
            .where(ResearchPlan.territory_id.in_(ids)).group_by(ResearchPlan.territory_id)):
        facts[territory_id].has_plan, facts[territory_id].milestones = True, total
        facts[territory_id].milestones_done = done
    for territory_id, status in db.session.execute(
            sa.select(TerritoryProject.territory_id, TerritoryProject.status)
            .where(TerritoryProject.territory_id.in_(ids))):
        facts[territory_id].project_status = status
    # The rule of najma.projects.conventions.unsigned_actions, for many projects at once: an action
    # of the approved version is signed when its convention has a signature date and its document.
    signed = sa.and_(Convention.project_id == TerritoryProject.id, Convention.action_key == ProjectAction.key,
                     Convention.signed_on.is_not(None), Convention.document_stored != "")
    for territory_id, total, done in db.session.execute(
            sa.select(TerritoryProject.territory_id, sa.func.count(ProjectAction.id), sa.func.count(Convention.id))
            .join(ProjectVersion, sa.and_(ProjectVersion.project_id == TerritoryProject.id,
                                          ProjectVersion.number == TerritoryProject.approved_number))
            .join(ProjectAction, ProjectAction.version_id == ProjectVersion.id)
            .outerjoin(Convention, signed)
            .where(TerritoryProject.territory_id.in_(ids)).group_by(TerritoryProject.territory_id)):
        facts[territory_id].approved_actions, facts[territory_id].signed_actions = total, done
    for territory_id, evaluated_at in db.session.execute(
            sa.select(TerritoryProject.territory_id, sa.func.max(ProjectTransition.at))
            .join(ProjectTransition, ProjectTransition.project_id == TerritoryProject.id)
            .where(TerritoryProject.territory_id.in_(ids), ProjectTransition.to_status == "evaluated")
            .group_by(TerritoryProject.territory_id)):
        facts[territory_id].evaluated_at = evaluated_at
    for territory_id, entered_at in db.session.execute(
            sa.select(PhaseTransition.territory_id, sa.func.max(PhaseTransition.decided_at))
            .where(PhaseTransition.territory_id.in_(ids)).group_by(PhaseTransition.territory_id)):
        facts[territory_id].entered_phase_at = entered_at
    for check in db.session.execute(sa.select(GateCheck).where(GateCheck.territory_id.in_(ids))).scalars():
        facts[check.territory_id].checks[check.gate_item_id] = check
    return facts


# --- the rules ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """An automatic check: what it verifies (for the admins' choice), how, and where its evidence is."""

    description: object
    check: Callable[[Facts], tuple[bool, str]]
    evidence: Callable[[Facts], str]


def page_url(endpoint: str, **values) -> str:
    """The path of a page, also outside a request (commands, tests, the demo)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _body_url(kind: str) -> Callable[[Facts], str]:
    def url(facts: Facts) -> str:
        body_id = facts.body_ids.get(kind)
        return page_url("governance.body", body_id=body_id) if body_id else ""
    return url


def _antenna_two_staff(facts: Facts) -> tuple[bool, str]:
    filled, vacant = len(facts.filled["antenna"]), facts.vacant["antenna"]
    if filled >= ANTENNA_STAFF_NEEDED:
        detail = ngettext("%(num)d staff seat filled", "%(num)d staff seats filled", filled)
    else:
        detail = _("%(filled)d of %(needed)d staff seats filled", filled=filled, needed=ANTENNA_STAFF_NEEDED)
    if vacant:
        detail += " · " + _("%(num)d vacant", num=vacant)
    return filled >= ANTENNA_STAFF_NEEDED, detail


def _members(count: int) -> str:
    return ngettext("%(num)d current member", "%(num)d current members", count)


def _commission_in_place(facts: Facts) -> tuple[bool, str]:
    members = len(facts.filled["commission"])
    if not members:
        return False, _("No current member")
    return True, _members(members)


def _committee_with_chair(facts: Facts) -> tuple[bool, str]:
    members = len(facts.filled["committee"])
    if "chair" in facts.filled["committee"]:
        return True, _("Chair seated · %(members)s", members=_members(members))
    if facts.vacant["committee"] and not members:
        return False, _("Seats vacant: no chair")
    return False, _("No current chair (%(members)s)", members=_members(members))


def _research_milestones_done(facts: Facts) -> tuple[bool, str]:
    if not facts.has_plan:
        return False, _("No research plan yet")
    if not facts.milestones:
        return False, _("The research plan has no milestone")
    return (facts.milestones_done == facts.milestones,
            _("%(done)d of %(total)d milestones done", done=facts.milestones_done, total=facts.milestones))


def _status_text(facts: Facts) -> str:
    from najma.vocab import PROJECT_STATUSES, label

    return label(PROJECT_STATUSES, facts.project_status)


def _project_approved(facts: Facts) -> tuple[bool, str]:
    if facts.project_status is None:
        return False, _("No territory project yet")
    return facts.project_status in APPROVED_STATUSES, _("Status: %(status)s", status=_status_text(facts))


def _conventions_signed(facts: Facts) -> tuple[bool, str]:
    if facts.project_status not in APPROVED_STATUSES or not facts.approved_actions:
        return False, _("No approved version yet")
    return (facts.signed_actions == facts.approved_actions,
            _("%(signed)d of %(total)d conventions signed", signed=facts.signed_actions,
              total=facts.approved_actions))


def _previous_evaluation_recorded(facts: Facts) -> tuple[bool, str]:
    """The phase being left was evaluated: the project reached "evaluated" after the territory
    entered its current phase (an evaluation made for an earlier phase does not count twice)."""
    if facts.project_status is None:
        return False, _("No territory project yet")
    if facts.evaluated_at is None:
        return False, _("Project status: %(status)s", status=_status_text(facts))
    if facts.entered_phase_at is not None and facts.evaluated_at < facts.entered_phase_at:
        return False, _("The project was evaluated before the territory entered its current phase")
    return True, _("Project status: %(status)s", status=_status_text(facts))


def _slug_url(endpoint: str) -> Callable[[Facts], str]:
    return lambda facts: page_url(endpoint, slug=facts.slug)


#: The automatic rules admins may put in a gate.
RULES: dict[str, Rule] = {
    "antenna_two_staff": Rule(_l("The antenna has at least two current staff seats filled"),
                              _antenna_two_staff, _body_url("antenna")),
    "commission_in_place": Rule(_l("The permanent commission has current members"),
                                _commission_in_place, _body_url("commission")),
    "committee_with_chair": Rule(_l("The local committee has a current chair"),
                                 _committee_with_chair, _body_url("committee")),
    "research_milestones_done": Rule(_l("The research plan exists and every milestone is declared done"),
                                     _research_milestones_done, _slug_url("research.plan")),
    "project_approved": Rule(_l("The territory project is approved (or further along)"),
                             _project_approved, _slug_url("projects.project")),
    "conventions_signed": Rule(_l("Every action of the approved version has a signed convention"),
                               _conventions_signed, _slug_url("projects.conventions")),
    "previous_evaluation_recorded": Rule(_l("The evaluation of the previous phase is recorded (the territory "
                                            "project has reached “evaluated”)"),
                                         _previous_evaluation_recorded, _slug_url("projects.project")),
}


def rule_choices() -> list[tuple[str, str]]:
    """The rules as choices for the admins' form."""
    return [(code, str(rule.description)) for code, rule in RULES.items()]


# --- evaluation ---------------------------------------------------------------------------------------

@dataclass
class ItemResult:
    """One gate item evaluated for a territory."""

    code: str
    label: str
    kind: str
    passed: bool
    detail: str
    evidence_url: str
    item_id: int | None = None
    #: For a ticked manual item: who ticked it, when, with what note.
    check: GateCheck | None = None

    def snapshot(self) -> dict:
        """The item as the transition records it."""
        return {"code": self.code, "label": self.label, "kind": self.kind, "passed": self.passed,
                "detail": self.detail, "evidence": self.evidence_url}


@dataclass
class GateResult:
    """The gate into ``to_phase`` evaluated for a territory."""

    to_phase: str
    items: list[ItemResult]

    @property
    def passed(self) -> bool:
        """Every item passes (a gate without items passes)."""
        return all(item.passed for item in self.items)

    @property
    def failing(self) -> list[ItemResult]:
        """The items that do not pass, in the gate's order."""
        return [item for item in self.items if not item.passed]

    def snapshot(self) -> list[dict]:
        """The gate as a transition records it."""
        return [item.snapshot() for item in self.items]


def item_label(item: GateItem) -> str:
    """The item's label in the reader's language, French when that one is empty."""
    locale = get_locale()
    language = locale.language if locale else "fr"
    return (language == "ar" and item.label_ar) or (language == "en" and item.label_en) or item.label_fr


def gate_items(phases: Iterable[str] | None = None, *, active_only: bool = True) -> list[GateItem]:
    """The gate items of ``phases`` (all phases by default), in the order they are shown."""
    query = sa.select(GateItem).order_by(GateItem.to_phase, GateItem.position, GateItem.id)
    if phases is not None:
        query = query.where(GateItem.to_phase.in_(list(phases)))
    if active_only:
        query = query.where(GateItem.active.is_(True))
    return list(db.session.execute(query).scalars())


def _evaluate(facts: Facts, to_phase: str, items: list[GateItem]) -> GateResult:
    from najma.timeutil import format_date_local

    results = []
    for item in items:
        if item.kind == "auto":
            rule = RULES.get(item.rule or "")
            if rule is None:
                passed, detail, evidence = False, _("Unknown rule: %(rule)s", rule=item.rule or "—"), ""
            else:
                (passed, detail), evidence = rule.check(facts), rule.evidence(facts)
            results.append(ItemResult(item.code, item_label(item), "auto", passed, detail, evidence, item.id))
        else:
            check = facts.checks.get(item.id)
            detail = (_("Ticked on %(date)s", date=format_date_local(check.checked_at))
                      + (f" · {check.note}" if check.note else "")) if check else _("Not ticked yet")
            results.append(ItemResult(item.code, item_label(item), "manual", check is not None, detail,
                                      page_url("rollout.territory_phase", slug=facts.slug), item.id, check))
    return GateResult(to_phase, results)


def evaluate(territory: Territory, to_phase: str) -> GateResult:
    """The gate into ``to_phase`` evaluated for ``territory`` (a fixed number of queries)."""
    facts = load_facts([territory])[territory.id]
    return _evaluate(facts, to_phase, gate_items([to_phase]))


def evaluate_many(territories: Iterable) -> dict[int, GateResult | None]:
    """Each territory's gate into its next phase (``None`` after generalisation), in a fixed
    number of queries whatever the number of territories: for the dashboard and the report.
    Territories are anything with ``id``, ``slug`` and ``phase`` (rows or plain values)."""
    territories = list(territories)
    facts = load_facts(territories)
    by_phase: dict[str, list[GateItem]] = defaultdict(list)
    for item in gate_items():
        by_phase[item.to_phase].append(item)
    results: dict[int, GateResult | None] = {}
    for territory in territories:
        target = next_phase(territory.phase)
        results[territory.id] = _evaluate(facts[territory.id], target, by_phase[target]) if target else None
    return results
