"""The replication kit: start a new territory from a pilot's template.

The new territory (in the launch phase; its moves are then gated like any other) receives the
pilot's structure, never its data: the composition of its bodies as vacant seats (role, sector,
organisation, discipline, voting; no person, no account), its research plan's milestones at the
same offsets from a new start date, and the chantier tools the pilot adopted. Notes, paths,
actors, projects and people stay with the pilot. The indicator set is not copied: the register is
national and every territory follows it; the census baselines are recorded from the territory's
communes when they are chosen (:func:`najma.indicators.services.sync_census_baselines`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.governance.models import Body, Membership
from najma.research.models import ResearchMilestone, ResearchPlan
from najma.rollout.models import ToolAdoption
from najma.territories import services as territories
from najma.territories.models import Territory

#: Bodies whose composition the kit copies.
COPIED_BODIES = ("antenna", "commission", "committee")


@dataclass
class ReplicationData:
    """What the replication form carries."""

    name: str = ""
    slug: str = ""
    province_id: int | None = None
    setting: str = ""
    cohort: str = ""
    #: The first day of the new territory's research plan (and of its vacant seats).
    start_date: date | None = None
    description: str = ""


@dataclass
class Replicated:
    """The territory created and what it received from the pilot."""

    territory: Territory
    seats: dict[str, int] = field(default_factory=dict)
    milestones: int = 0
    tools: int = 0


def vacant_seat_name() -> str:
    """The name of a seat to fill, in the application's default language (stored with the seat)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
        return _("Vacant seat")


@dataclass
class _Template:
    """The pilot's structure as plain values (read before the new territory's first commit)."""

    seats: list
    plan: tuple[date, int] | None
    milestones: list
    tool_ids: list[int]


def _template(pilot: Territory, today: date) -> _Template:
    """The pilot's current seats, its plan's start and window, its milestones and its adopted tools."""
    current = sa.and_(Membership.start_date <= today,
                      sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    seats = db.session.execute(
        sa.select(Body.kind, Membership.role, Membership.sector, Membership.organisation, Membership.discipline,
                  Membership.voting).join(Membership, Membership.body_id == Body.id)
        .where(Body.territory_id == pilot.id, Body.kind.in_(COPIED_BODIES), current)
        .order_by(Body.kind, Membership.id)).all()
    plan = db.session.execute(sa.select(ResearchPlan.id, ResearchPlan.start_date, ResearchPlan.window_months)
                              .where(ResearchPlan.territory_id == pilot.id)).first()
    milestones = db.session.execute(
        sa.select(ResearchMilestone.code, ResearchMilestone.position, ResearchMilestone.due_date)
        .where(ResearchMilestone.plan_id == plan.id).order_by(ResearchMilestone.position)).all() if plan else []
    tool_ids = list(db.session.execute(sa.select(ToolAdoption.tool_id).where(
        ToolAdoption.territory_id == pilot.id).order_by(ToolAdoption.tool_id)).scalars())
    return _Template(list(seats), (plan.start_date, plan.window_months) if plan else None, list(milestones), tool_ids)


def replicate(actor, pilot: Territory, data: ReplicationData) -> Replicated:
    """Create a territory in the launch phase from ``pilot``'s template (see the module).

    Everything is checked before anything is written; the territory is created by
    ``najma.territories.services.create_territory`` and receives the template in the next
    transaction; should that one fail, the new territory is removed again. Audited.
    """
    if not isinstance(data.start_date, date):
        raise DomainError(_l("Give the date the new territory's research plan starts."), field="start_date")
    today = date.today()
    template = _template(pilot, today)
    pilot_name = pilot.name
    territory = territories.create_territory(actor, {
        "name": data.name or "", "slug": (data.slug or "").strip() or None, "province_id": data.province_id,
        "setting": data.setting, "phase": "launch", "cohort": data.cohort or "",
        "description": data.description or ""})
    territory_id = territory.id
    try:
        result = _copy(actor, territory, pilot_name, data.start_date, template, today)
    except Exception:
        db.session.rollback()
        db.session.execute(sa.delete(Territory).where(Territory.id == territory_id))
        db.session.commit()
        raise
    return result


def _copy(actor, territory: Territory, pilot_name: str, start: date, template: _Template, today: date) -> Replicated:
    result = Replicated(territory)
    bodies = territories.territory_bodies(territory)
    vacant = vacant_seat_name()
    for kind, role, sector, organisation, discipline, voting in template.seats:
        db.session.add(Membership(
            body_id=bodies[kind].id, user_id=None, full_name=vacant, role=role, sector=sector,
            organisation=organisation, discipline=discipline, voting=voting, start_date=start))
        result.seats[kind] = result.seats.get(kind, 0) + 1
    if template.plan is not None:
        pilot_start, window_months = template.plan
        new_plan = ResearchPlan(territory_id=territory.id, start_date=start, window_months=window_months)
        new_plan.milestones = [
            ResearchMilestone(code=code, position=position, due_date=start + timedelta(days=(due - pilot_start).days))
            for code, position, due in template.milestones]
        db.session.add(new_plan)
        result.milestones = len(template.milestones)
    for tool_id in template.tool_ids:
        db.session.add(ToolAdoption(territory_id=territory.id, tool_id=tool_id, adopted_on=today))
    result.tools = len(template.tool_ids)
    db.session.flush()
    audit.record(actor, "create", territory, {}, {
        "replicated_from": pilot_name, "vacant_seats": sum(result.seats.values()),
        "milestones": result.milestones, "tools": result.tools, "plan_start": start.isoformat()},
        territory_id=territory.id)
    db.session.commit()
    return result
