"""The steering committee's dashboard: everything its national page shows, computed in a fixed
number of queries and kept in an in-process cache.

The cache is keyed by a *fingerprint*: one cheap query of scalar subqueries (counts, highest
ids, last updates) over every table the dashboard reads, so that a change made anywhere, by
any process, gives a new key and the next request rebuilds the data. The key also holds the
day (ages and stuck projects count in days), the language (names and gate labels are
resolved when the data is built) and the database. Only plain values are cached, never ORM
objects.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from najma.extensions import db
from najma.geography import maps
from najma.geography.models import Boundary, CensusRecord, Province
from najma.governance.models import Body, Membership
from najma.i18n import current_language, localized
from najma.indicators.models import Indicator, IndicatorValue
from najma.models_base import utcnow
from najma.projects import national
from najma.projects.models import Convention, ProjectTransition, TerritoryProject
from najma.research.models import ResearchMilestone, ResearchPlan
from najma.rollout import gates, problems
from najma.rollout import services as rollout_services
from najma.rollout.models import GateCheck, GateItem, PhaseTransition, SiteProblem
from najma.territories.models import Territory
from najma.vocab import PHASES, label

#: Census indicators shown "at a glance" beside the programme's indicators (HCP baselines).
CENSUS_KEYS = ("illiteracy_10_plus", "schooling", "unemployment", "activity")
#: How many stuck projects, open problems and timeline rows the dashboard lists.
STUCK_SHOWN = 10
PROBLEMS_SHOWN = 10
TIMELINE_ROWS = 20


@dataclass(frozen=True)
class TerritoryInfo:
    """A territory as the dashboard names it (plain values, safe to cache)."""

    id: int
    slug: str
    name: str
    phase: str
    cohort: str
    province_code: str
    province: str
    created_on: date


@dataclass(frozen=True)
class Segment:
    """A stretch of a territory's history spent in one phase; ``end`` is today for the current one."""

    phase: str
    start: date
    end: date


@dataclass
class TimelineRow:
    """One territory on the rollout timeline: its phases over time and when it last moved."""

    territory: TerritoryInfo
    segments: list[Segment]
    last_moved: date
    moves: int


@dataclass(frozen=True)
class StuckProject:
    """A territory project that has not changed status for longer than the configured delay."""

    slug: str
    territory: str
    province: str
    status: str
    days: int


@dataclass(frozen=True)
class OpenProblem:
    """A site problem still open, with its age in days."""

    id: int
    title: str
    severity: str
    status: str
    territory_slug: str
    territory: str
    raised_on: date
    age_days: int


@dataclass(frozen=True)
class GateLine:
    """One item of a territory's gate to its next phase."""

    label: str
    kind: str
    passed: bool
    detail: str
    evidence_url: str


@dataclass
class Decision:
    """A territory's gate to its next phase: ready to move, or blocked by its failing items."""

    territory: TerritoryInfo
    to_phase: str
    passed: bool
    items: list[GateLine]

    @property
    def failing(self) -> list[GateLine]:
        """The items that do not pass."""
        return [item for item in self.items if not item.passed]


@dataclass(frozen=True)
class CensusFigure:
    """A national census baseline: an indicator's value in 2014 and 2024."""

    key: str
    label: str
    higher_is_worse: bool
    value_2014: float | None
    value_2024: float | None


@dataclass(frozen=True)
class ProgrammeFigure:
    """A programme indicator's latest figures approved by the steering committee, over the
    programme's territories (not the whole country): its baseline, measure and target, each a
    ``NationalFigure`` (period, value, how many places it is made of) or None when none is approved
    yet; how many places the programme has at the indicator's level (territories, or provinces with
    a territory; None for a nation-level indicator); and, when the measure and the target are made
    of as many places, how many of the measure's places the target leaves out."""

    code: str
    name: str
    unit: str
    decimals: int
    direction: str
    baseline: tuple | None
    measure: tuple | None
    target: tuple | None
    level: str = "territory"
    places_total: int | None = None
    places_apart: int | None = None

    @property
    def has_figure(self) -> bool:
        """Whether any of its figures is approved."""
        return any((self.baseline, self.measure, self.target))

    @property
    def comparable(self) -> bool | None:
        """Whether the latest measure and the target are made of the same places, so that one may
        be held against the other (None without both). A sum over the one territory that reported
        the last quarter says nothing against the sum of every territory's target."""
        if self.measure is None or self.target is None:
            return None
        if self.measure.places != self.target.places:
            return False
        return not self.places_apart

    @property
    def reached(self) -> bool | None:
        """Whether the latest measure meets the target in the indicator's direction (None without
        both, or when they are not made of the same places)."""
        if not self.comparable:
            return None
        if self.direction == "down":
            return self.measure.value <= self.target.value
        return self.measure.value >= self.target.value


@dataclass
class DashboardData:
    """What the dashboard (and the phase report) shows."""

    fingerprint: tuple
    built_at: datetime
    today: date
    programme_phase: str
    territories: list[TerritoryInfo]
    phase_counts: dict[str, int]
    provinces: list[maps.MapRow]
    provinces_without_territory: int
    timeline: list[TimelineRow]
    project_status: dict[int, str]
    project_counts: dict[str, int]
    without_project: int
    stuck_after: int
    stuck_count: int
    stuck: list[StuckProject]
    census: list[CensusFigure]
    census_scope: str
    programme: list[ProgrammeFigure]
    problem_counts: dict[str, int]
    problems_open: int
    problems: list[OpenProblem]
    problems_by_territory: dict[int, int]
    decisions: list[Decision] = field(default_factory=list)
    #: The provinces map as an inline SVG (None when the outlines are not loaded).
    map_svg: Markup | None = None

    @property
    def ready(self) -> list[Decision]:
        """Territories whose gate to the next phase passes."""
        return [d for d in self.decisions if d.passed]

    @property
    def blocked(self) -> list[Decision]:
        """Territories whose gate to the next phase fails, fewest failing items first."""
        return sorted((d for d in self.decisions if not d.passed),
                      key=lambda d: (len(d.failing), d.territory.name))

    def decision_of(self, territory_id: int) -> Decision | None:
        """The territory's gate to its next phase (None once generalised)."""
        return next((d for d in self.decisions if d.territory.id == territory_id), None)


# --- Cache -------------------------------------------------------------------------------------

_cache: dict[tuple, DashboardData] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the cached dashboards (tests; the fingerprint makes it unnecessary otherwise)."""
    with _lock:
        _cache.clear()


def _scalar(*columns):
    """A scalar subquery of aggregates over one table."""
    return sa.select(*columns).scalar_subquery()


def fingerprint() -> tuple:
    """What identifies the current state of everything the dashboard reads, in one query: counts,
    highest ids and last updates of territories, phase moves, gates and their ticks, bodies and
    seats, research milestones, projects, their transitions and conventions, site problems, the
    census, indicators and their values (last approval). Any write to those tables changes it."""
    row = db.session.execute(sa.select(
        _scalar(sa.func.count(Territory.id)), _scalar(sa.func.max(Territory.updated_at)),
        _scalar(sa.func.count(PhaseTransition.id)), _scalar(sa.func.max(PhaseTransition.id)),
        _scalar(sa.func.count(GateItem.id)), _scalar(sa.func.max(GateItem.updated_at)),
        _scalar(sa.func.count(GateCheck.id)), _scalar(sa.func.max(GateCheck.checked_at)),
        _scalar(sa.func.count(Body.id)), _scalar(sa.func.max(Body.updated_at)),
        _scalar(sa.func.count(Membership.id)), _scalar(sa.func.max(Membership.updated_at)),
        _scalar(sa.func.count(ResearchPlan.id)), _scalar(sa.func.max(ResearchPlan.updated_at)),
        _scalar(sa.func.count(ResearchMilestone.id)), _scalar(sa.func.count(ResearchMilestone.completed_on)),
        # Which milestones are done, not only how many: one done here and one undone there
        # leaves the count unchanged.
        _scalar(sa.func.sum(sa.case((ResearchMilestone.completed_on.is_not(None), ResearchMilestone.id),
                                    else_=0))),
        _scalar(sa.func.count(TerritoryProject.id)), _scalar(sa.func.max(TerritoryProject.updated_at)),
        _scalar(sa.func.count(ProjectTransition.id)), _scalar(sa.func.max(ProjectTransition.at)),
        _scalar(sa.func.count(Convention.id)), _scalar(sa.func.max(Convention.updated_at)),
        _scalar(sa.func.count(SiteProblem.id)), _scalar(sa.func.max(SiteProblem.updated_at)),
        _scalar(sa.func.max(CensusRecord.id)), _scalar(sa.func.count(Province.id)),
        # Indicator values: a new version (highest id: values are never deleted but with their
        # indicator or territory, counted above and below), an approval (last approved_at), or an
        # edited indicator.
        _scalar(sa.func.max(IndicatorValue.id)), _scalar(sa.func.max(IndicatorValue.approved_at)),
        _scalar(sa.func.count(Indicator.id)), _scalar(sa.func.max(Indicator.updated_at)),
        *_outline_version_columns(),
    )).one()
    return tuple(str(value) for value in row)


def _outline_version_columns():
    """Count and last update of the province outlines (the last two items of the fingerprint)."""
    provinces = Boundary.level == "province"
    return (sa.select(sa.func.count(Boundary.id)).where(provinces).scalar_subquery(),
            sa.select(sa.func.max(Boundary.updated_at)).where(provinces).scalar_subquery())


def dashboard_data(today: date | None = None) -> DashboardData:
    """The dashboard's data: from the cache while nothing changed, rebuilt otherwise."""
    today = today or date.today()
    key = (fingerprint(), today, current_language(), str(db.engine.url))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    data = build(key[0], today)
    with _lock:
        for old in [k for k in _cache if k[2:] == key[2:]]:
            del _cache[old]  # an older state of the same database in the same language
        _cache[key] = data
    return data


# --- Building ----------------------------------------------------------------------------------

def build(stamp: tuple, today: date) -> DashboardData:
    """Compute the dashboard from the database (a fixed number of queries)."""
    territories = _territories()
    provinces = maps.phase_rows()
    counts = dict.fromkeys(PHASES, 0)
    for territory in territories:
        counts[territory.phase] = counts.get(territory.phase, 0) + 1
    projects = national.national_page(national.Filters(stuck_only=True, stuck_after=national.stuck_days_default()))
    census, scope = _census()
    problem_counts, oldest, per_territory = _problems()
    data = DashboardData(
        fingerprint=stamp, built_at=utcnow(), today=today, programme_phase=rollout_services.programme_phase(),
        territories=territories, phase_counts=counts, provinces=provinces,
        provinces_without_territory=sum(1 for row in provinces if row.phase is None),
        timeline=_timeline(territories, today), project_status=_project_status(),
        project_counts=projects.status_counts, without_project=projects.without_project,
        stuck_after=projects.filters.stuck_after, stuck_count=projects.stuck_count,
        stuck=[StuckProject(row.territory.slug, row.territory.name, row.territory.province.name,
                            row.project.status, row.days_in_status) for row in projects.rows[:STUCK_SHOWN]],
        census=census, census_scope=scope, programme=_programme(territories), problem_counts=problem_counts,
        problems_open=sum(problem_counts.values()), problems=oldest, problems_by_territory=per_territory,
        decisions=_decisions(territories))
    data.map_svg = phase_map_svg(data)
    return data


def _territories() -> list[TerritoryInfo]:
    rows = db.session.execute(
        sa.select(Territory.id, Territory.slug, Territory.name, Territory.phase, Territory.cohort,
                  Territory.created_at, Province.code, Province.name_fr, Province.name_ar)
        .join(Province, Province.id == Territory.province_id).order_by(Territory.name, Territory.id))
    return [TerritoryInfo(tid, slug, name, phase, cohort, code, localized(fr, ar), created.date())
            for tid, slug, name, phase, cohort, created, code, fr, ar in rows]


def _timeline(territories: list[TerritoryInfo], today: date) -> list[TimelineRow]:
    """Every territory's phases over time from its recorded moves, most recently moved first.

    Before its first move a territory was in that move's starting phase since its creation; a
    territory that never moved has been in its phase since its creation."""
    moves: dict[int, list] = {}
    for move in db.session.execute(
            sa.select(PhaseTransition.territory_id, PhaseTransition.from_phase, PhaseTransition.to_phase,
                      PhaseTransition.decided_on)
            .where(PhaseTransition.territory_id.is_not(None))
            .order_by(PhaseTransition.decided_on, PhaseTransition.id)):
        moves.setdefault(move.territory_id, []).append(move)
    rows = []
    for territory in territories:
        history = moves.get(territory.id, [])
        if not history:
            segments = [Segment(territory.phase, min(territory.created_on, today), today)]
            rows.append(TimelineRow(territory, segments, territory.created_on, 0))
            continue
        start = min(territory.created_on, history[0].decided_on)
        segments = [Segment(history[0].from_phase or "launch", start, history[0].decided_on)]
        for index, move in enumerate(history):
            end = history[index + 1].decided_on if index + 1 < len(history) else today
            segments.append(Segment(move.to_phase, move.decided_on, max(end, move.decided_on)))
        segments = [s for s in segments if s.end > s.start or s is segments[-1]]
        rows.append(TimelineRow(territory, segments, history[-1].decided_on, len(history)))
    rows.sort(key=lambda row: (row.last_moved, row.territory.id), reverse=True)
    return rows


def _project_status() -> dict[int, str]:
    """Each territory's project status, by territory id."""
    return dict(db.session.execute(sa.select(TerritoryProject.territory_id, TerritoryProject.status)).all())


def _census() -> tuple[list[CensusFigure], str]:
    """National census baselines: the country's own figures, or, when the country's record is not
    loaded, the population-weighted figure over the provinces loaded (``scope`` says which)."""
    from najma.geography.census import COUNTRY_CODE, INDICATORS, weighted

    records = db.session.execute(
        sa.select(CensusRecord.level, CensusRecord.census, CensusRecord.figures).where(
            CensusRecord.level.in_(("country", "province")), CensusRecord.subject == "people",
            CensusRecord.area == "total", CensusRecord.sex == "all",
            sa.or_(CensusRecord.level == "province", CensusRecord.code == COUNTRY_CODE))).all()
    country = {census: figures for level, census, figures in records if level == "country"}
    scope = "country" if country else ("provinces" if records else "none")
    provinces: dict[int, list] = {}
    for level, census, figures in records:
        if level == "province":
            provinces.setdefault(census, []).append(figures)
    out = []
    for key in CENSUS_KEYS:
        indicator = INDICATORS[key]
        values = {}
        for census in (2014, 2024):
            if scope == "country":
                values[census] = indicator.value(census, country.get(census)) if census in country else None
            else:
                values[census] = weighted(indicator, census, provinces.get(census, [])).value
        out.append(CensusFigure(key, str(indicator.label), indicator.higher_is_worse, values[2014], values[2024]))
    return out, scope


def _programme(territories: list[TerritoryInfo]) -> list[ProgrammeFigure]:
    """Every active indicator with its latest baseline, measure and target approved by the steering
    committee (pending values never show here), made by its rule from its territories' (or
    provinces') values, each with how many of them it covers; and whether the measure and the target
    cover the same places: two queries, three when an indicator keeps the latest value, four when a
    measure and its target cover as many places (are they the same ones?)."""
    from najma.indicators import charts

    indicators = list(db.session.execute(
        sa.select(Indicator).where(Indicator.active.is_(True)).order_by(Indicator.position, Indicator.code)).scalars())
    figures = charts.national_figures(indicators)
    apart = charts.places_apart(indicators, figures)
    totals = {"territory": len(territories), "province": len({t.province_code for t in territories}), "nation": None}
    out = []
    for indicator in indicators:
        mine = figures.get(indicator.id, {})
        out.append(ProgrammeFigure(indicator.code, indicator.name, indicator.unit, indicator.decimals,
                                   indicator.direction, mine.get("baseline"), mine.get("measure"), mine.get("target"),
                                   indicator.level, totals.get(indicator.level), apart.get(indicator.id)))
    return out


def _problems() -> tuple[dict[str, int], list[OpenProblem], dict[int, int]]:
    """Unresolved site problems: counts by severity (most serious first), the oldest ones with
    their age in days, and how many each territory has."""
    counts = problems.counts_by_severity()
    oldest = [OpenProblem(row.problem.id, row.problem.title, row.problem.severity, row.problem.status,
                          row.territory.slug, row.territory.name, row.problem.raised_at.date(), row.age_days)
              for row in problems.open_problems(PROBLEMS_SHOWN)]
    per_territory = dict(db.session.execute(
        sa.select(SiteProblem.territory_id, sa.func.count()).where(SiteProblem.status.in_(problems.UNRESOLVED))
        .group_by(SiteProblem.territory_id)).all())
    return counts, oldest, per_territory


def _decisions(territories: list[TerritoryInfo]) -> list[Decision]:
    """Every territory's gate to its next phase (none for a territory already generalised),
    evaluated for all of them at once by ``gates.evaluate_many`` in a fixed number of queries."""
    results = gates.evaluate_many(territories)
    decisions = []
    for territory in territories:
        result = results.get(territory.id)
        if result is None:
            continue
        decisions.append(Decision(territory, result.to_phase, result.passed, [
            GateLine(item.label, item.kind, item.passed, item.detail, item.evidence_url) for item in result.items]))
    return decisions


# --- Map ---------------------------------------------------------------------------------------

#: Simplification (degrees) of the province outlines drawn on the dashboard, and the map's width.
MAP_TOLERANCE = 0.02
MAP_WIDTH = 600.0
_LATITUDE_SCALE = math.cos(math.radians(30.0))


@dataclass(frozen=True)
class Outlines:
    """The province outlines as SVG path data, in a frame ``width`` x ``height``."""

    width: float
    height: float
    paths: dict[str, str]


def _rings(geometry) -> list:
    polygons = getattr(geometry, "geoms", [geometry])
    return [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]


def province_outlines(version: tuple) -> Outlines | None:
    """Every province outline simplified and projected for an inline SVG (kept while the
    outlines' ``version`` holds); None when no outline is loaded."""
    from najma.geography.spatial import from_wkb

    def build() -> Outlines | None:
        shapes = {code: from_wkb(data).simplify(MAP_TOLERANCE, preserve_topology=True)
                  for code, data in db.session.execute(
                      sa.select(Boundary.code, Boundary.geometry).where(Boundary.level == "province"))}
        shapes = {code: shape for code, shape in shapes.items() if not shape.is_empty}
        if not shapes:
            return None
        west = min(shape.bounds[0] for shape in shapes.values())
        south = min(shape.bounds[1] for shape in shapes.values())
        east = max(shape.bounds[2] for shape in shapes.values())
        north = max(shape.bounds[3] for shape in shapes.values())
        scale = MAP_WIDTH / max((east - west) * _LATITUDE_SCALE, 1e-9)
        paths = {}
        for code, shape in shapes.items():
            parts = []
            for ring in _rings(shape):
                points = [f"{(lon - west) * _LATITUDE_SCALE * scale:.1f},{(north - lat) * scale:.1f}"
                          for lon, lat, *_z in ring.coords]
                parts.append("M" + "L".join(points) + "Z")
            paths[code] = "".join(parts)
        return Outlines(MAP_WIDTH, round((north - south) * scale, 1), paths)

    return maps.cached(("rollout-province-outlines", version), build)


def phase_map_svg(data: DashboardData) -> Markup | None:
    """The provinces coloured by the most advanced phase of their territories, as an inline SVG
    (None when the outlines are not loaded)."""
    outlines = province_outlines(data.fingerprint[-2:])
    if outlines is None:
        return None
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="rollout-map" data-testid="phase-map" '
             f'viewBox="0 0 {outlines.width:g} {outlines.height:g}" width="100%" role="img" '
             f'aria-label="{escape(_("Provinces coloured by the most advanced phase of their territories (the table gives the counts)"))}">']
    for row in data.provinces:
        path = outlines.paths.get(row.code)
        if path is None:
            continue
        name = localized(row.name_fr, row.name_ar)
        if row.territories:
            tip = _("%(province)s: %(phase)s (%(territories)s)", province=name, phase=label(PHASES, row.phase),
                    territories=", ".join(t.name for t in row.territories))
        else:
            tip = _("%(province)s: no territory yet", province=name)
        parts.append(f'<path class="province" data-province="{escape(row.code)}" '
                     f'data-phase="{escape(row.phase or "")}" fill="{row.colour}" stroke="#6c757d" '
                     f'stroke-width="0.4" d="{path}"><title>{escape(tip)}</title></path>')
    parts.append("</svg>")
    return Markup("".join(parts))
