"""Indicators the platform computes from its own records, for a territory as of a period's end.

Each rule reads the records as they stood on the period's last day (or today, for the period under
way): notes shared by then, paths decided by then, milestones due by then, the latest actor-map
snapshot taken by then. What the platform keeps no history of (an action's marked status, a path
set aside later, the beneficiaries an action has reached) is read as it is today, and the indicator's
definition says so. Each rule runs a
fixed number of queries.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from najma.actors.models import ActorSnapshot
from najma.errors import DomainError
from najma.extensions import db
from najma.indicators import periods
from najma.projects.models import (ActionBeneficiaries, ActionExecution, ActionReached, ExecutionMilestone,
                                   ProjectAction, ProjectVersion, TerritoryProject)
from najma.projects.rollup import COUNTED_STATUSES
from najma.reference.models import TargetGroup
from najma.research.models import InterventionPath, ResearchNote, note_target_groups
from najma.territories.models import Territory
from najma.timeutil import format_date_local as format_date
from najma.timeutil import to_utc

HUNDRED = Decimal("100")
PLACES = Decimal("0.0001")
#: The kinds of field note that are about a target group: the columns of the research coverage.
FIELD_NOTE_KINDS = ("observation", "interview", "focus_group", "survey")
#: Execution statuses of an action that has started.
STARTED_STATUSES = ("ongoing", "delayed", "done")


@dataclass(frozen=True)
class ComputedValue:
    """One figure for a territory and period: the total (no breakdown) or one sex, target group or
    area; rates carry the counts they come from."""

    period: str
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    sex: str | None = None
    target_group_id: int | None = None
    area: str | None = None
    source_text: str = ""

    @property
    def is_total(self) -> bool:
        return self.sex is None and self.target_group_id is None and self.area is None


@dataclass(frozen=True)
class Computation:
    """What :func:`compute` found: the total first, then the breakdowns, as of ``as_of``."""

    indicator_code: str
    period: str
    as_of: date
    rows: list[ComputedValue] = field(default_factory=list)

    @property
    def total(self) -> ComputedValue | None:
        return next((row for row in self.rows if row.is_total), None)

    @property
    def value(self) -> Decimal | None:
        return self.total.value if self.total else None

    @property
    def numerator(self) -> Decimal | None:
        return self.total.numerator if self.total else None

    @property
    def denominator(self) -> Decimal | None:
        return self.total.denominator if self.total else None

    @property
    def breakdowns(self) -> list[ComputedValue]:
        return [row for row in self.rows if not row.is_total]


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator in percent (four decimals), or None without a denominator."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(PLACES)


def _rate_value(period: str, numerator: int, denominator: int, source: str, **breakdown) -> ComputedValue:
    return ComputedValue(period, rate(numerator, denominator), Decimal(numerator) if denominator else None,
                         Decimal(denominator) if denominator else None, source_text=source, **breakdown)


def _end_of(as_of: date) -> datetime:
    """The first instant after the day ``as_of`` (local midnight), in UTC: timestamps before it count."""
    return to_utc(datetime.combine(as_of + timedelta(days=1), time.min))


# --- the rules ----------------------------------------------------------------------------------

def _research_coverage(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
    end = _end_of(as_of)
    groups = list(db.session.execute(sa.select(TargetGroup.id).order_by(TargetGroup.position)).scalars())
    shown = sa.func.coalesce(ResearchNote.shared_at, ResearchNote.published_at)
    covered = db.session.execute(
        sa.select(note_target_groups.c.target_group_id, ResearchNote.kind).distinct()
        .join(ResearchNote, ResearchNote.id == note_target_groups.c.note_id)
        .where(ResearchNote.territory_id == territory.id, ResearchNote.kind.in_(FIELD_NOTE_KINDS),
               ResearchNote.visibility != "draft", shown < end,
               sa.or_(ResearchNote.deleted_at.is_(None), ResearchNote.deleted_at >= end))).all()
    by_group: dict[int, int] = defaultdict(int)
    for group_id, _kind in covered:
        by_group[group_id] += 1
    source = _("Research notes shared or published by %(day)s", day=format_date(as_of))
    per_group = len(FIELD_NOTE_KINDS)
    rows = [_rate_value(period, sum(by_group[g] for g in groups), per_group * len(groups), source)]
    rows += [_rate_value(period, by_group[g], per_group, source, target_group_id=g) for g in groups]
    return rows


def _paths_retained(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
    end = _end_of(as_of)
    count = db.session.execute(
        sa.select(sa.func.count(InterventionPath.id)).where(
            InterventionPath.territory_id == territory.id, InterventionPath.status == "retained",
            InterventionPath.decided_at < end,
            sa.or_(InterventionPath.deleted_at.is_(None), InterventionPath.deleted_at >= end))).scalar_one()
    return [ComputedValue(period, Decimal(count),
                          source_text=_("Intervention paths retained by %(day)s", day=format_date(as_of)))]


def _approved_keys(territory: Territory, statuses: tuple[str, ...] | None = None):
    """The approved version's action keys and ids of the territory's project, as a select of
    (project id, key, action id, start date)."""
    query = (sa.select(TerritoryProject.id.label("project_id"), ProjectAction.key, ProjectAction.id.label("action_id"),
                       ProjectAction.start_date)
             .join(ProjectVersion, sa.and_(ProjectVersion.project_id == TerritoryProject.id,
                                           ProjectVersion.number == TerritoryProject.approved_number))
             .join(ProjectAction, ProjectAction.version_id == ProjectVersion.id)
             .where(TerritoryProject.territory_id == territory.id, TerritoryProject.approved_number.is_not(None)))
    if statuses is not None:
        query = query.where(TerritoryProject.status.in_(statuses))
    return query.subquery()


def _actions_on_schedule(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
    actions = _approved_keys(territory)
    overdue = sa.exists().where(ExecutionMilestone.execution_id == ActionExecution.id,
                                ExecutionMilestone.due_date < as_of,
                                sa.or_(ExecutionMilestone.done_on.is_(None), ExecutionMilestone.done_on > as_of))
    late = sa.and_(ActionExecution.status != "done", sa.or_(ActionExecution.status == "delayed", overdue))
    followed, late_count = db.session.execute(
        sa.select(sa.func.count(ActionExecution.id), sa.func.count(sa.case((late, ActionExecution.id))))
        .join(actions, sa.and_(actions.c.project_id == ActionExecution.project_id,
                               actions.c.key == ActionExecution.action_key))
        .where(ActionExecution.status != "dropped", ActionExecution.created_at < _end_of(as_of))).one()
    source = _("Execution follow-up of the territory project on %(day)s", day=format_date(as_of))
    return [_rate_value(period, followed - late_count, followed, source)]


def _beneficiaries_expected(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
    actions = _approved_keys(territory, COUNTED_STATUSES)
    rows = db.session.execute(
        sa.select(ActionBeneficiaries.target_group_id, ActionBeneficiaries.sex,
                  sa.func.sum(ActionBeneficiaries.expected))
        .join(actions, actions.c.action_id == ActionBeneficiaries.action_id)
        .join(ActionExecution, sa.and_(ActionExecution.project_id == actions.c.project_id,
                                       ActionExecution.action_key == actions.c.key))
        .where(ActionExecution.status.in_(STARTED_STATUSES),
               sa.or_(actions.c.start_date.is_(None), actions.c.start_date <= as_of))
        .group_by(ActionBeneficiaries.target_group_id, ActionBeneficiaries.sex)).all()
    source = _("Expected beneficiaries of the actions in execution on %(day)s", day=format_date(as_of))
    return _by_group_and_sex(period, rows, source)


def _beneficiaries_reached(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
    actions = _approved_keys(territory, COUNTED_STATUSES)
    rows = db.session.execute(
        sa.select(ActionReached.target_group_id, ActionReached.sex, sa.func.sum(ActionReached.reached))
        .join(ActionExecution, ActionExecution.id == ActionReached.execution_id)
        .join(actions, sa.and_(actions.c.project_id == ActionExecution.project_id,
                               actions.c.key == ActionExecution.action_key))
        .where(ActionReached.created_at < _end_of(as_of))
        .group_by(ActionReached.target_group_id, ActionReached.sex)).all()
    source = _("Beneficiaries reached recorded in the execution follow-up by %(day)s, at the numbers recorded "
               "today (the platform keeps no history of them)", day=format_date(as_of))
    return _by_group_and_sex(period, rows, source)


def _by_group_and_sex(period: str, rows, source: str) -> list[ComputedValue]:
    """The total, then by sex, by target group and by both, from ``(target group, sex, number)`` rows."""
    by_group: dict[int, int] = defaultdict(int)
    by_sex: dict[str, int] = defaultdict(int)
    pairs = []
    for group_id, sex, number in rows:
        number = int(number or 0)
        by_group[group_id] += number
        by_sex[sex] += number
        pairs.append((group_id, sex, number))
    result = [ComputedValue(period, Decimal(sum(by_group.values())), source_text=source)]
    result += [ComputedValue(period, Decimal(n), sex=sex, source_text=source) for sex, n in sorted(by_sex.items())]
    result += [ComputedValue(period, Decimal(n), target_group_id=g, source_text=source)
               for g, n in sorted(by_group.items())]
    result += [ComputedValue(period, Decimal(n), sex=sex, target_group_id=g, source_text=source)
               for g, sex, n in sorted(pairs)]
    return result


def _latest_snapshot(territory: Territory, as_of: date) -> ActorSnapshot | None:
    return db.session.execute(
        sa.select(ActorSnapshot).where(ActorSnapshot.territory_id == territory.id, ActorSnapshot.taken_on <= as_of)
        .order_by(ActorSnapshot.taken_on.desc(), ActorSnapshot.id.desc()).limit(1)).scalar_one_or_none()


def snapshot_ties(data: dict) -> tuple[int, int]:
    """Collaborative ties (every kind but conflict) between the snapshot's actors, and how many of
    them join two sectors (as the snapshot comparison counts them)."""
    actors = {actor["id"]: actor for actor in data.get("actors", [])}
    ties = [tie for tie in data.get("ties", [])
            if tie["source"] in actors and tie["target"] in actors and tie["kind"] != "conflict"]
    cross = sum(1 for tie in ties if actors[tie["source"]].get("sector") != actors[tie["target"]].get("sector"))
    return len(ties), cross


def _snapshot_rule(position: int) -> Callable[[Territory, str, date], list[ComputedValue]]:
    def rule(territory: Territory, period: str, as_of: date) -> list[ComputedValue]:
        snapshot = _latest_snapshot(territory, as_of)
        if snapshot is None:
            return [ComputedValue(period, None, source_text=_("No actor-map snapshot taken by %(day)s",
                                                                day=format_date(as_of)))]
        source = _("Actor-map snapshot “%(label)s” of %(day)s", label=snapshot.label,
                   day=format_date(snapshot.taken_on))
        return [ComputedValue(period, Decimal(snapshot_ties(snapshot.data or {})[position]), source_text=source)]
    return rule


@dataclass(frozen=True)
class Rule:
    """A computed indicator's rule: what it counts, the unit and aggregation it implies, the
    breakdowns it gives."""

    key: str
    label: object
    unit: str
    aggregation: str
    function: Callable[[Territory, str, date], list[ComputedValue]]
    disaggregations: tuple[str, ...] = ()


RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("research_coverage", _l("Research coverage: target groups × kinds of field note covered"), "percent",
         "rate", _research_coverage, ("target_group",)),
    Rule("paths_retained", _l("Intervention paths retained"), "count", "sum", _paths_retained),
    Rule("actions_on_schedule", _l("Share of followed actions not delayed"), "percent", "rate",
         _actions_on_schedule),
    Rule("beneficiaries_expected", _l("Expected beneficiaries of the actions in execution"), "count", "sum",
         _beneficiaries_expected, ("target_group", "sex")),
    Rule("beneficiaries_reached", _l("Beneficiaries reached by the project's actions"), "count", "sum",
         _beneficiaries_reached, ("target_group", "sex")),
    Rule("partnership_ties", _l("Ties on the latest actor-map snapshot"), "count", "sum", _snapshot_rule(0)),
    Rule("cross_sector_ties", _l("Cross-sector ties on the latest actor-map snapshot"), "count", "sum",
         _snapshot_rule(1)),
)}


def compute(indicator, territory: Territory, period: str, today: date | None = None) -> Computation:
    """The value of a computed indicator for ``territory`` and ``period`` (with its counts when a
    rate, and its breakdowns), from the platform's records as of the period's end (or today)."""
    rule = RULES.get(indicator.source_key or "") if indicator.source == "computed" else None
    if rule is None:
        raise DomainError(_l("“%(code)s” is not computed by the platform.", code=indicator.code))
    parsed = periods.parse(period)
    today = today or date.today()
    if parsed.start > today:
        raise DomainError(_l("The period %(period)s has not started yet.", period=parsed.code), field="period")
    as_of = min(parsed.end, today)
    rows = rule.function(territory, parsed.code, as_of)
    allowed = set(indicator.disaggregations or ())
    kept = [row for row in rows if all(dimension in allowed for dimension, value in
                                       (("sex", row.sex), ("target_group", row.target_group_id), ("area", row.area))
                                       if value is not None)]
    return Computation(indicator.code, parsed.code, as_of, kept)
