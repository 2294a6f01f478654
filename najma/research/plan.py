"""A territory's research plan: the 6-to-8-month window of the experimentation, the five
milestones with their due dates, and their progress computed from the research itself.

Progress is advice computed from counts over ALL the territory's notes that are not deleted
(drafts included): it reveals how much was done, never what a note says, so every reader of
the territory's research sees the same figures. A milestone is done only when the antenna
says so (``completed_on``); its status then no longer depends on dates.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.reference.models import TargetGroup
from najma.research.coding import FIELD_KINDS
from najma.research.models import (CodedPassage, InterventionPath, ResearchMilestone, ResearchNote, ResearchPlan,
                                   note_target_groups)
from najma.territories.models import Territory
from najma.vocab import MILESTONES, label

MIN_WINDOW, MAX_WINDOW = 6, 8
#: How far into the window each milestone falls by default (the last one closes the window).
DEFAULT_SHARES = {"populations": 0.2, "needs": 0.4, "inventory": 0.6, "analysis": 0.8, "paths": 1.0}
#: A milestone due within this many days is "due soon".
DUE_SOON_DAYS = 14
STATUS_LABELS = {
    "done": _l("Done"),
    "on_track": _l("On track"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "unplanned": _l("No due date"),
}
#: How each milestone's progress is computed (shown on the plan page).
PROGRESS_RULES = {
    "populations": _l("Share of the six target groups with at least one field note (observation, interview, "
                      "focus group or household survey) tagged with them."),
    "needs": _l("Share of the six target groups with at least one coded need and one coded aspiration."),
    "inventory": _l("50 points per resource inventory note and 10 per passage coded as an existing resource, "
                    "up to 100."),
    "analysis": _l("50 points for at least one diagnostic and 50 for at least one analysis."),
    "paths": _l("50 when at least one intervention path is proposed, 100 when one is retained."),
}


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_end(start_date: date, window_months: int) -> date:
    """The last day of a window of ``window_months`` months starting on ``start_date``."""
    return add_months(start_date, window_months)


def default_due_dates(start_date: date, window_months: int) -> dict[str, date]:
    """Due dates spread over the window in the milestones' order, the last on its end."""
    end = window_end(start_date, window_months)
    days = (end - start_date).days
    return {code: date.fromordinal(start_date.toordinal() + round(days * share))
            for code, share in DEFAULT_SHARES.items()}


def get_plan(territory: Territory) -> ResearchPlan | None:
    """The territory's plan with its milestones (in order), or None before it is set."""
    return db.session.execute(
        sa.select(ResearchPlan).where(ResearchPlan.territory_id == territory.id)
        .options(orm.selectinload(ResearchPlan.milestones))).scalar_one_or_none()


def _plan_snapshot(plan: ResearchPlan | None) -> dict:
    if plan is None:
        return {}
    values = {"start_date": plan.start_date.isoformat(), "window_months": plan.window_months}
    for milestone in plan.milestones:
        values[f"{milestone.code}_due"] = milestone.due_date.isoformat()
        values[f"{milestone.code}_done"] = milestone.completed_on.isoformat() if milestone.completed_on else None
    return values


def _validate(start_date, window_months, due_dates: dict) -> dict[str, date]:
    """The five due dates (given ones checked, missing ones by default) or a DomainError."""
    if not isinstance(start_date, date):
        raise DomainError(_l("Give the start date of the experimentation."), field="start_date")
    if not isinstance(window_months, int) or not MIN_WINDOW <= window_months <= MAX_WINDOW:
        raise DomainError(_l("The experimentation lasts 6 to 8 months."), field="window_months")
    unknown = set(due_dates) - set(MILESTONES)
    if unknown:
        raise DomainError(_l("Unknown milestone: %(code)s.", code=", ".join(sorted(unknown))))
    dates = default_due_dates(start_date, window_months)
    dates.update({code: day for code, day in due_dates.items() if day is not None})
    end = window_end(start_date, window_months)
    previous = None
    for code in MILESTONES:
        day = dates[code]
        if not start_date <= day <= end:
            raise DomainError(_l("%(milestone)s: the due date must fall within the window, from %(start)s to %(end)s.",
                                 milestone=label(MILESTONES, code), start=format_date(start_date),
                                 end=format_date(end)), field=f"due_{code}")
        if previous is not None and day < dates[previous]:
            raise DomainError(_l("%(milestone)s cannot be due before %(previous)s: milestones follow each other.",
                                 milestone=label(MILESTONES, code), previous=label(MILESTONES, previous)),
                              field=f"due_{code}")
        previous = code
    return dates


def save_plan(actor, territory: Territory, start_date: date, window_months: int,
              due_dates: dict[str, date | None] | None = None) -> ResearchPlan:
    """Create or change the territory's plan: window and due dates (missing ones spread over
    the window in order). Milestones already declared done stay done."""
    dates = _validate(start_date, window_months, dict(due_dates or {}))
    plan = get_plan(territory)
    before = _plan_snapshot(plan)
    if plan is None:
        plan = ResearchPlan(territory_id=territory.id, start_date=start_date, window_months=window_months)
        plan.milestones = [ResearchMilestone(code=code, position=position, due_date=dates[code])
                           for position, code in enumerate(MILESTONES, start=1)]
        db.session.add(plan)
        verb = "create"
    else:
        plan.start_date, plan.window_months = start_date, window_months
        existing = {m.code: m for m in plan.milestones}
        for position, code in enumerate(MILESTONES, start=1):
            milestone = existing.get(code)
            if milestone is None:
                plan.milestones.append(ResearchMilestone(code=code, position=position, due_date=dates[code]))
            else:
                milestone.due_date, milestone.position = dates[code], position
        verb = "update"
    db.session.flush()
    audit.record(actor, verb, plan, before, _plan_snapshot(plan), label=territory.name, territory_id=territory.id)
    db.session.commit()
    return get_plan(territory)  # reloaded with its milestones (the commit expired them)


def mark_milestone(actor, territory: Territory, code: str, done: bool, today: date | None = None) -> ResearchMilestone:
    """Declare a milestone done (today) or not done yet."""
    if code not in MILESTONES:
        raise DomainError(_l("Unknown milestone: %(code)s.", code=code))
    plan = get_plan(territory)
    if plan is None:
        raise DomainError(_l("Set the plan's dates before marking milestones."))
    milestone = next(m for m in plan.milestones if m.code == code)
    if bool(milestone.completed_on) == bool(done):
        raise DomainError(_l("%(milestone)s is already marked done.", milestone=label(MILESTONES, code)) if done
                          else _l("%(milestone)s is not marked done.", milestone=label(MILESTONES, code)))
    before = _plan_snapshot(plan)
    milestone.completed_on = (today or date.today()) if done else None
    audit.record(actor, "update", plan, before, _plan_snapshot(plan), label=f"{territory.name} · {label(MILESTONES, code)}",
                 territory_id=territory.id)
    db.session.commit()
    return milestone


# --- progress -----------------------------------------------------------------------------------

@dataclass
class MilestoneStatus:
    """One milestone as the plan shows it: due date, computed progress (0 to 100) and status.

    ``status`` is done, on_track, due_soon, overdue or unplanned (no plan yet); ``days`` is the
    number of days left (on_track, due_soon) or late (overdue), else None.
    """

    code: str
    position: int
    due_date: date | None
    completed_on: date | None
    progress: int
    status: str
    days: int | None
    detail: str

    @property
    def label(self) -> str:
        return label(MILESTONES, self.code)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def rule(self) -> str:
        return str(PROGRESS_RULES[self.code])


def _share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _measures(territory: Territory) -> dict[str, tuple[int, str]]:
    """Each milestone's progress and a line saying what it rests on, from five aggregate queries."""
    live = sa.and_(ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None))
    group_total = db.session.execute(sa.select(sa.func.count(TargetGroup.id))).scalar_one()
    field_groups = db.session.execute(
        sa.select(sa.func.count(sa.distinct(note_target_groups.c.target_group_id)))
        .join(ResearchNote, ResearchNote.id == note_target_groups.c.note_id)
        .where(live, ResearchNote.kind.in_(FIELD_KINDS))).scalar_one()
    coded = db.session.execute(
        sa.select(CodedPassage.target_group_id, CodedPassage.code, sa.func.count(CodedPassage.id))
        .join(ResearchNote, ResearchNote.id == CodedPassage.note_id)
        .where(live, CodedPassage.deleted_at.is_(None), CodedPassage.code.in_(("need", "aspiration", "resource")))
        .group_by(CodedPassage.target_group_id, CodedPassage.code)).all()
    kinds = dict(db.session.execute(
        sa.select(ResearchNote.kind, sa.func.count(ResearchNote.id)).where(live).group_by(ResearchNote.kind)).all())
    paths = dict(db.session.execute(
        sa.select(InterventionPath.status, sa.func.count(InterventionPath.id))
        .where(InterventionPath.territory_id == territory.id, InterventionPath.deleted_at.is_(None))
        .group_by(InterventionPath.status)).all())

    need_groups = {group for group, code, _n in coded if code == "need"}
    aspiration_groups = {group for group, code, _n in coded if code == "aspiration"}
    needs_both = len(need_groups & aspiration_groups)
    resources = sum(n for _group, code, n in coded if code == "resource")
    inventories = kinds.get("inventory", 0)
    diagnostics, analyses = kinds.get("diagnostic", 0), kinds.get("analysis", 0)
    path_count, retained = sum(paths.values()), paths.get("retained", 0)
    return {
        "populations": (_share(field_groups, group_total),
                        _("%(n)s of %(total)s target groups have a field note.", n=field_groups, total=group_total)),
        "needs": (_share(needs_both, group_total),
                  _("%(n)s of %(total)s target groups have a coded need and aspiration.",
                    n=needs_both, total=group_total)),
        "inventory": (min(100, 50 * inventories + 10 * resources),
                      _("Resource inventory notes: %(notes)s; existing resources coded: %(passages)s.",
                        notes=inventories, passages=resources)),
        "analysis": (50 * bool(diagnostics) + 50 * bool(analyses),
                     _("Diagnostics: %(diagnostics)s; analyses: %(analyses)s.",
                       diagnostics=diagnostics, analyses=analyses)),
        "paths": (100 if retained else 50 if path_count else 0,
                  _("Intervention paths: %(paths)s; retained: %(retained)s.", paths=path_count, retained=retained)),
    }


def _status(due: date | None, completed_on: date | None, today: date) -> tuple[str, int | None]:
    if completed_on is not None:
        return "done", None
    if due is None:
        return "unplanned", None
    left = (due - today).days
    if left < 0:
        return "overdue", -left
    return ("due_soon" if left <= DUE_SOON_DAYS else "on_track"), left


def _statuses(plan: ResearchPlan | None, territory: Territory, today: date) -> list[MilestoneStatus]:
    measures = _measures(territory)
    milestones = {m.code: m for m in plan.milestones} if plan is not None else {}
    out = []
    for position, code in enumerate(MILESTONES, start=1):
        milestone = milestones.get(code)
        due = milestone.due_date if milestone else None
        completed = milestone.completed_on if milestone else None
        status, days = _status(due, completed, today)
        value, detail = measures[code]
        out.append(MilestoneStatus(code, position, due, completed, value, status, days, detail))
    return out


def progress(user, territory: Territory, today: date | None = None) -> list[MilestoneStatus]:
    """The five milestones of the territory with their computed progress and status at ``today``.

    ``user`` may be None: progress counts every note of the territory that is not deleted,
    whoever reads (counts, not content), so it does not change the figures.
    """
    return _statuses(get_plan(territory), territory, today or date.today())


@dataclass
class PlanSummary:
    """What the territory's research page shows of the plan: one compact bar per milestone."""

    plan: ResearchPlan | None
    start_date: date | None
    end_date: date | None
    window_months: int | None
    milestones: list[MilestoneStatus]

    @property
    def overdue(self) -> list[MilestoneStatus]:
        return [m for m in self.milestones if m.status == "overdue"]

    @property
    def next_milestone(self) -> MilestoneStatus | None:
        """The first milestone not done yet, if any."""
        return next((m for m in self.milestones if m.status != "done"), None)


def plan_summary(territory: Territory, today: date | None = None) -> PlanSummary:
    """The plan's window and its milestones' progress and status, in one call (six queries)."""
    plan = get_plan(territory)
    milestones = _statuses(plan, territory, today or date.today())
    if plan is None:
        return PlanSummary(None, None, None, None, milestones)
    return PlanSummary(plan, plan.start_date, window_end(plan.start_date, plan.window_months),
                       plan.window_months, milestones)
