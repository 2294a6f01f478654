"""The steering committee's national view of territory projects.

Every project with its territory, province, region, phase and status, how long it has been in
that status, whether it is stuck (longer than a delay in the same status, the evaluated status
aside since nothing follows it), its progress, approved budget and signed conventions; the
territories that have not started a project; counts by status; progress by province and for
the nation.

Everything is read in a fixed number of queries whatever the number of projects: one page of
rows, then aggregates for that page and for the scope (counts, roll-up) by SQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from najma.extensions import db
from najma.geography.models import Province, Region
from najma.i18n import localized
from najma.models_base import utcnow
from najma.projects import conventions, rollup
from najma.projects.models import TerritoryProject
from najma.territories.models import Territory
from najma.vocab import PROJECT_STATUSES

#: The default delay (days) after which a project that has not moved is stuck.
DEFAULT_STUCK_DAYS = 60
MIN_STUCK_DAYS, MAX_STUCK_DAYS = 1, 3650
#: Statuses after which nothing follows: never stuck.
TERMINAL_STATUSES = ("evaluated",)
#: The status filter's value for territories without a project.
NO_PROJECT = "none"
SORTS = ("time", "territory", "province")
PER_PAGE = 50


def stuck_days_default() -> int:
    """The configured delay (``NAJMA_PROJECT_STUCK_DAYS``, 60 days by default)."""
    return int(current_app.config.get("NAJMA_PROJECT_STUCK_DAYS", DEFAULT_STUCK_DAYS))


@dataclass
class Filters:
    """What the national list shows: a status (or :data:`NO_PROJECT`), a region or province,
    only stuck projects, the delay, the order and the page."""

    status: str = ""
    region_id: int | None = None
    province_id: int | None = None
    stuck_only: bool = False
    stuck_after: int = DEFAULT_STUCK_DAYS
    sort: str = "time"
    page: int = 1


@dataclass
class Row:
    """One line of the list: a territory and its project (``None`` in the list of territories
    without one)."""

    territory: Territory
    project: TerritoryProject | None
    days_in_status: int | None = None
    stuck: bool = False
    figures: rollup.ProjectTotals | None = None
    signed: int = 0
    conventions: int = 0

    @property
    def progress(self) -> float | None:
        """The project's progress, once execution is followed (contracted and after)."""
        if self.figures is None or not self.figures.counts_nationally:
            return None
        return self.figures.progress

    @property
    def budget(self):
        return self.figures.budget if self.figures is not None else None


@dataclass
class ProvinceFigure:
    """A province of the roll-up: its projects counted and their weighted progress."""

    province_id: int
    code: str
    name: str
    projects: int
    progress: float | None


@dataclass
class NationalPage:
    """Everything the national view shows."""

    filters: Filters
    rows: list[Row]
    total: int
    pages: int
    status_counts: dict[str, int]
    without_project: int
    stuck_count: int
    provinces: list[ProvinceFigure]
    nation_progress: float | None
    nation_projects: int
    #: Pagination as the shared macro wants it.
    page: object = field(default=None)

    @property
    def project_count(self) -> int:
        return sum(self.status_counts.values())


@dataclass
class _Pages:
    """The minimum of a Flask-SQLAlchemy pagination the ``pagination`` macro uses."""

    page: int
    pages: int

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current - 1 < number < self.page + right_current):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def _cutoff(stuck_after: int, now: datetime) -> datetime:
    """Projects whose status changed at or before this moment have spent more than
    ``stuck_after`` whole days in it."""
    return now - timedelta(days=stuck_after + 1)


def _stuck_clause(stuck_after: int, now: datetime):
    return sa.and_(TerritoryProject.status.not_in(TERMINAL_STATUSES),
                   TerritoryProject.status_changed_at <= _cutoff(stuck_after, now))


def _in_scope(query, filters: Filters):
    """Restrict a query joined to Territory and Province to the chosen region or province."""
    if filters.province_id:
        query = query.where(Territory.province_id == filters.province_id)
    elif filters.region_id:
        query = query.where(Province.region_id == filters.region_id)
    return query


def _project_query(filters: Filters, now: datetime):
    query = (sa.select(TerritoryProject, Territory)
             .join(Territory, Territory.id == TerritoryProject.territory_id)
             .join(Province, Province.id == Territory.province_id))
    query = _in_scope(query, filters)
    if filters.status in PROJECT_STATUSES:
        query = query.where(TerritoryProject.status == filters.status)
    if filters.stuck_only:
        query = query.where(_stuck_clause(filters.stuck_after, now))
    return query


def _no_project_query(filters: Filters):
    has_project = sa.exists().where(TerritoryProject.territory_id == Territory.id)
    query = sa.select(Territory).join(Province, Province.id == Territory.province_id).where(~has_project)
    return _in_scope(query, filters)


def _order(query, filters: Filters, with_project: bool):
    """Longest in its status first by default; territories without a project by province."""
    if filters.sort == "territory":
        return query.order_by(Territory.name, Territory.id)
    if filters.sort == "province" or not with_project:
        return query.order_by(Province.name_fr, Territory.name, Territory.id)
    return query.order_by(TerritoryProject.status_changed_at, Territory.name, Territory.id)


def _count(query) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def national_page(filters: Filters, now: datetime | None = None) -> NationalPage:
    """The national view for ``filters`` (the counts and the province roll-up follow the chosen
    region or province; the nation's figure is always national)."""
    now = now or utcnow()
    listing_empty = filters.status == NO_PROJECT
    query = _no_project_query(filters) if listing_empty else _project_query(filters, now)
    total = _count(query)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    filters.page = page
    query = _order(query, filters, not listing_empty).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    territory_options = (orm.joinedload(Territory.province).joinedload(Province.region),)
    if listing_empty:
        rows = [Row(territory=t, project=None) for t in db.session.execute(
            query.options(*territory_options)).unique().scalars()]
    else:
        rows = []
        cutoff = _cutoff(filters.stuck_after, now)
        for project, territory in db.session.execute(query).all():
            days = max(0, (now - project.status_changed_at).days)
            stuck = project.status not in TERMINAL_STATUSES and project.status_changed_at <= cutoff
            rows.append(Row(territory=territory, project=project, days_in_status=days, stuck=stuck))
        ids = [row.project.id for row in rows]
        figures = rollup.project_totals(ids)
        signed = conventions.signed_counts(ids)
        for row in rows:
            row.figures = figures.get(row.project.id)
            row.signed, row.conventions = signed.get(row.project.id, (0, 0))

    scope = _in_scope(sa.select(TerritoryProject.status, sa.func.count())
                      .join(Territory, Territory.id == TerritoryProject.territory_id)
                      .join(Province, Province.id == Territory.province_id), filters)
    counts = dict.fromkeys(PROJECT_STATUSES, 0)
    counts.update(dict(db.session.execute(scope.group_by(TerritoryProject.status)).all()))
    without = _count(_no_project_query(filters))
    stuck_count = db.session.execute(_in_scope(
        sa.select(sa.func.count()).select_from(TerritoryProject)
        .join(Territory, Territory.id == TerritoryProject.territory_id)
        .join(Province, Province.id == Territory.province_id)
        .where(_stuck_clause(filters.stuck_after, now)), filters)).scalar_one()

    provinces, nation, nation_projects = _rollup(filters)
    return NationalPage(filters=filters, rows=rows, total=total, pages=pages, status_counts=counts,
                        without_project=without, stuck_count=stuck_count, provinces=provinces,
                        nation_progress=nation, nation_projects=nation_projects, page=_Pages(page, pages))


def _rollup(filters: Filters) -> tuple[list[ProvinceFigure], float | None, int]:
    """Progress by province (in the chosen scope) and for the nation, over the projects whose
    conventions are signed (four queries)."""
    figures = rollup.project_totals(statuses=rollup.COUNTED_STATUSES)
    counted = [f for f in figures.values() if f.progress is not None]
    nation = rollup.combined_progress(counted)
    province_of = dict(db.session.execute(_in_scope(
        sa.select(TerritoryProject.id, Territory.province_id)
        .join(Territory, Territory.id == TerritoryProject.territory_id)
        .join(Province, Province.id == Territory.province_id)
        .where(TerritoryProject.status.in_(rollup.COUNTED_STATUSES)), filters)).all())
    groups: dict[int, list[rollup.ProjectTotals]] = {}
    for project in counted:
        if project.project_id in province_of:
            groups.setdefault(province_of[project.project_id], []).append(project)
    names = {pid: (code, localized(fr, ar)) for pid, code, fr, ar in db.session.execute(
        sa.select(Province.id, Province.code, Province.name_fr, Province.name_ar)
        .where(Province.id.in_(list(groups))))} if groups else {}
    out = [ProvinceFigure(pid, *names[pid], len(items), rollup.combined_progress(items))
           for pid, items in groups.items() if pid in names]
    out.sort(key=lambda figure: figure.name)
    return out, nation, len(counted)


def region_choices() -> list[tuple[int, str]]:
    """Every region as ``(id, name)`` in the reader's language, by name."""
    rows = db.session.execute(sa.select(Region.id, Region.name_fr, Region.name_ar)).all()
    return sorted(((rid, localized(fr, ar)) for rid, fr, ar in rows), key=lambda pair: pair[1])


def province_choices() -> list[tuple[int, str]]:
    """Every province that has a territory, as ``(id, name)`` by name."""
    rows = db.session.execute(sa.select(Province.id, Province.name_fr, Province.name_ar).where(
        Province.id.in_(sa.select(Territory.province_id)))).all()
    return sorted(((pid, localized(fr, ar)) for pid, fr, ar in rows), key=lambda pair: pair[1])
