"""Chantier tools: what each chantier produces (guides, modules, protocols), the territory where a
tool was first made, and the territories that adopted it. Tools spread from the pilots: the
replication kit copies a pilot's adoptions to the new territory."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.reference.models import Chantier
from najma.rollout.models import ChantierTool, ToolAdoption
from najma.territories.models import Territory

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000


@dataclass
class ToolData:
    """What the tool form carries."""

    chantier_id: int | None = None
    title: str = ""
    description: str = ""
    origin_territory_id: int | None = None


@dataclass
class ToolRow:
    """A tool with its origin territory and how many territories adopted it."""

    tool: ChantierTool
    origin: Territory | None
    adoptions: int


@dataclass
class ChantierTools:
    """One chantier and its tools, for the tools page."""

    chantier: Chantier
    tools: list[ToolRow]


def _clean(data: ToolData) -> ToolData:
    cleaned = ToolData(chantier_id=data.chantier_id, title=(data.title or "").strip(),
                       description=(data.description or "").strip(), origin_territory_id=data.origin_territory_id)
    if cleaned.chantier_id is None or db.session.get(Chantier, cleaned.chantier_id) is None:
        raise DomainError(_l("Choose the chantier that produces the tool."), field="chantier_id")
    if not cleaned.title:
        raise DomainError(_l("Give the tool a title."), field="title")
    if len(cleaned.title) > MAX_TITLE:
        raise DomainError(_l("Keep the title to %(max)d characters.", max=MAX_TITLE), field="title")
    if len(cleaned.description) > MAX_DESCRIPTION:
        raise DomainError(_l("Keep the description to %(max)d characters.", max=MAX_DESCRIPTION),
                          field="description")
    if cleaned.origin_territory_id is not None and db.session.get(Territory, cleaned.origin_territory_id) is None:
        raise DomainError(_l("Choose the territory where the tool was made."), field="origin_territory_id")
    return cleaned


def create_tool(actor, data: ToolData, *, is_demo: bool = False) -> ChantierTool:
    """Add a chantier tool (with the territory where it was made, when known)."""
    cleaned = _clean(data)
    tool = ChantierTool(chantier_id=cleaned.chantier_id, title=cleaned.title, description=cleaned.description,
                        origin_territory_id=cleaned.origin_territory_id, is_demo=is_demo)
    db.session.add(tool)
    db.session.flush()
    audit.record(actor, "create", tool, {}, audit.snapshot(tool), territory_id=cleaned.origin_territory_id)
    db.session.commit()
    return tool


def update_tool(actor, tool: ChantierTool, data: ToolData) -> ChantierTool:
    """Change a tool's chantier, title, description or origin."""
    cleaned = _clean(data)
    before = audit.snapshot(tool)
    tool.chantier_id, tool.title, tool.description = cleaned.chantier_id, cleaned.title, cleaned.description
    tool.origin_territory_id = cleaned.origin_territory_id
    audit.record(actor, "update", tool, before, audit.snapshot(tool), territory_id=cleaned.origin_territory_id)
    db.session.commit()
    return tool


def tools_by_chantier() -> list[ChantierTools]:
    """Every chantier (in order) with its tools, their origins and adoption counts (three queries)."""
    chantiers = db.session.execute(sa.select(Chantier).order_by(Chantier.position)).scalars().all()
    counts = dict(db.session.execute(sa.select(ToolAdoption.tool_id, sa.func.count())
                                     .group_by(ToolAdoption.tool_id)).all())
    grouped: dict[int, list[ToolRow]] = defaultdict(list)
    for tool, origin in db.session.execute(
            sa.select(ChantierTool, Territory).outerjoin(Territory, Territory.id == ChantierTool.origin_territory_id)
            .order_by(ChantierTool.title, ChantierTool.id)):
        grouped[tool.chantier_id].append(ToolRow(tool, origin, counts.get(tool.id, 0)))
    return [ChantierTools(chantier, grouped[chantier.id]) for chantier in chantiers]


def adopted_tools(territory: Territory) -> list[ToolAdoption]:
    """The tools the territory adopted, with their chantiers, by chantier and title (one query)."""
    return list(db.session.execute(
        sa.select(ToolAdoption).join(ToolAdoption.tool).join(ChantierTool.chantier)
        .options(orm.contains_eager(ToolAdoption.tool).contains_eager(ChantierTool.chantier))
        .where(ToolAdoption.territory_id == territory.id)
        .order_by(Chantier.position, ChantierTool.title)).scalars())


def adoptable_tools(territory: Territory) -> list[ChantierTool]:
    """Tools the territory has not adopted yet, with their chantiers (one query)."""
    adopted = sa.select(ToolAdoption.tool_id).where(ToolAdoption.territory_id == territory.id)
    return list(db.session.execute(
        sa.select(ChantierTool).join(ChantierTool.chantier).options(orm.contains_eager(ChantierTool.chantier))
        .where(ChantierTool.id.not_in(adopted)).order_by(Chantier.position, ChantierTool.title)).scalars())


def adopt(actor, territory: Territory, tool: ChantierTool, on: date | None = None) -> ToolAdoption:
    """Record that the territory takes up the tool; refused when it uses it already, also when
    someone recorded the same adoption at the same moment (the unique constraint decides)."""
    already = _l("%(territory)s already uses this tool.", territory=territory.name)
    if db.session.execute(sa.select(ToolAdoption.id).where(
            ToolAdoption.territory_id == territory.id, ToolAdoption.tool_id == tool.id)).first() is not None:
        raise DomainError(already)
    adoption = ToolAdoption(territory_id=territory.id, tool_id=tool.id, adopted_on=on or date.today())
    try:
        db.session.add(adoption)
        db.session.flush()
        audit.record(actor, "create", tool, {},
                     {"adopted_by": territory.name, "adopted_on": adoption.adopted_on.isoformat()},
                     label=f"{tool.title} · {territory.name}", territory_id=territory.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(already) from None
    return adoption


def unadopt(actor, territory: Territory, tool: ChantierTool) -> None:
    """Withdraw the territory's adoption of the tool."""
    adoption = db.session.execute(sa.select(ToolAdoption).where(
        ToolAdoption.territory_id == territory.id, ToolAdoption.tool_id == tool.id)).scalar_one_or_none()
    if adoption is None:
        raise DomainError(_l("%(territory)s does not use this tool.", territory=territory.name), field="tool_id")
    audit.record(actor, "delete", tool,
                 {"adopted_by": territory.name, "adopted_on": adoption.adopted_on.isoformat()}, {},
                 label=f"{tool.title} · {territory.name}", territory_id=territory.id)
    db.session.delete(adoption)
    db.session.commit()
