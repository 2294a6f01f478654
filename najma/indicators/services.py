"""The indicator register's rules: the default set, indicators created and edited by the steering
committee, census baselines for a territory, computed values, and the figures the pages show
(series over periods, the nation's and provinces' latest figures, the territories' table).

Figures of a province or the nation are made from the values of their territories with the
indicator's rule (:mod:`najma.indicators.aggregation`), in a fixed number of queries whatever the
number of territories and periods. A reader sees approved values, and the pending ones of the
territories where ``indicator.view_pending`` lets them (:func:`pending_scope`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.geography import census
from najma.geography.models import Province
from najma.models_base import utcnow
from najma.indicators import aggregation, computed, periods
from najma.indicators.aggregation import Aggregate, PendingScope, aggregate
from najma.indicators.computed import Computation, ComputedValue, compute
from najma.indicators.models import Indicator, IndicatorValue
from najma.indicators.register import seed_default_indicators
from najma.permissions import can
from najma.territories.models import Territory
from najma.territories.services import territory_communes
from najma.vocab import (INDICATOR_AGGREGATIONS, INDICATOR_DIRECTIONS, INDICATOR_DISAGGREGATIONS, INDICATOR_LEVELS,
                         INDICATOR_SOURCES, INDICATOR_UNITS, VALUE_KINDS)

#: Re-exported so that callers find the register's whole contract here.
__all__ = ["Aggregate", "CensusSync", "Computation", "ComputedValue", "IndicatorConflict", "IndicatorData", "Latest",
           "Overview", "SeriesPoint", "aggregate", "aggregation_sentence", "breakdown", "census_baselines",
           "census_baselines_for", "check_indicator", "compute", "create_indicator", "get_by_code",
           "latest_by_territory", "list_indicators", "national_latest", "overview", "pending_scope",
           "record_census_baselines", "seed_default_indicators", "series", "source_key_label", "update_indicator"]

KINDS = tuple(VALUE_KINDS)
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
#: Codes that would clash with the register's own addresses.
RESERVED_CODES = {"new"}
#: Breakdowns the census publishes.
CENSUS_DISAGGREGATIONS = ("sex", "area")
#: The censuses whose figures are baselines.
CENSUS_PERIODS = ("2014", "2024")
MAX_DECIMALS = 4
FOUR_PLACES = Decimal("0.0001")


# --- who sees what ------------------------------------------------------------------------------

def pending_scope(user) -> PendingScope:
    """Whose values not yet approved ``user`` may see: everyone's (``True``: those who approve
    them), the territories where ``indicator.view_pending`` allows it (a set of ids), or none."""
    if can(user, "indicator.approve"):
        return True
    ids = user.territory_ids() if getattr(user, "is_authenticated", False) else set()
    if not ids:
        return frozenset()
    territories = db.session.execute(sa.select(Territory).where(Territory.id.in_(ids))).scalars()
    return frozenset(t.id for t in territories if can(user, "indicator.view_pending", t))


# --- the register -------------------------------------------------------------------------------

def list_indicators(*, source: str | None = None, level: str | None = None,
                    active: bool | None = None) -> list[Indicator]:
    """The register, in its order, optionally for one source, one level, active or not."""
    query = sa.select(Indicator).order_by(Indicator.position, Indicator.code)
    if source:
        query = query.where(Indicator.source == source)
    if level:
        query = query.where(Indicator.level == level)
    if active is not None:
        query = query.where(Indicator.active.is_(active))
    return list(db.session.execute(query).scalars())


def get_by_code(code: str) -> Indicator | None:
    """The indicator with ``code``, or ``None``."""
    return db.session.execute(sa.select(Indicator).where(Indicator.code == code)).scalar_one_or_none()


@dataclass
class IndicatorData:
    """What the register's form carries for an indicator."""

    code: str = ""
    name_fr: str = ""
    name_ar: str = ""
    name_en: str = ""
    definition: str = ""
    definition_ar: str = ""
    definition_en: str = ""
    unit: str = "count"
    direction: str = "up"
    level: str = "territory"
    disaggregations: list[str] = field(default_factory=list)
    source: str = "manual"
    source_key: str | None = None
    aggregation: str = "sum"
    decimals: int = 1
    max_value: Decimal | None = None
    position: int = 0
    active: bool = True

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorData:
        """The data of an existing indicator (to fill its form)."""
        return cls(**{name: getattr(indicator, name) for name in cls.__dataclass_fields__})


FIELDS = tuple(IndicatorData.__dataclass_fields__)
#: The definition in French, Arabic and English.
DEFINITION_FIELDS = ("definition", "definition_ar", "definition_en")


def source_key_choices() -> list[tuple[str, str]]:
    """The census indicators and computed rules an indicator may take its values from."""
    census_keys = [(key, _("Census: %(label)s", label=item.label)) for key, item in census.INDICATORS.items()]
    rules = [(key, _("Computed: %(label)s", label=rule.label)) for key, rule in computed.RULES.items()]
    return census_keys + rules


def source_key_label(indicator: Indicator) -> str:
    """The census indicator or computed rule behind ``indicator``, in words ('' when entered by hand)."""
    if indicator.source == "census" and indicator.source_key in census.INDICATORS:
        return str(census.INDICATORS[indicator.source_key].label)
    if indicator.source == "computed" and indicator.source_key in computed.RULES:
        return str(computed.RULES[indicator.source_key].label)
    return ""


def aggregation_sentence(indicator: Indicator) -> str:
    """How the indicator's values add up to a province and the nation, in a sentence."""
    if indicator.level == "nation":
        return _("Measured for the nation as a whole: nothing to add up.")
    if indicator.level == "province":
        sentences = {
            "sum": _("The nation's figure is the sum of the provinces' values."),
            "rate": _("The nation's rate is recomputed from counts: the provinces' numerators added up, divided by "
                      "their denominators added up, times 100 (never an average of rates). A value recorded "
                      "without its counts is left out and counted as missing."),
            "latest": _("The nation's figure is the value recorded last among the provinces."),
            "mean": _("The nation's figure is the plain mean of the provinces' values."),
        }
    else:
        sentences = {
            "sum": _("The province's and the nation's figures are the sum of their territories' values."),
            "rate": _("The province's and the nation's rates are recomputed from counts: the territories' "
                      "numerators added up, divided by their denominators added up, times 100 (never an average "
                      "of rates). A value recorded without its counts is left out and counted as missing."),
            "latest": _("The province's and the nation's figures are the value recorded last among their "
                        "territories."),
            "mean": _("The province's and the nation's figures are the plain mean of their territories' values."),
        }
    return sentences.get(indicator.aggregation, "")


def _clean(data: IndicatorData) -> IndicatorData:
    data.code = (data.code or "").strip()
    for name in ("name_fr", "name_ar", "name_en", *DEFINITION_FIELDS):
        setattr(data, name, (getattr(data, name) or "").strip())
    data.source_key = (data.source_key or "").strip() or None
    data.disaggregations = [d for d in INDICATOR_DISAGGREGATIONS if d in set(data.disaggregations or ())]
    return data


def check_indicator(data: IndicatorData, existing: Indicator | None = None) -> IndicatorData:
    """``data`` made consistent, or a :class:`DomainError` naming the field to correct."""
    data = _clean(data)
    if existing is None:
        if not CODE_PATTERN.match(data.code):
            raise DomainError(_l("A code is 2 to 40 lowercase letters, digits or underscores, starting with a "
                                 "letter (for example illiteracy_rural_women)."), field="code")
        if data.code in RESERVED_CODES:
            raise DomainError(_l("“%(code)s” is reserved: choose another code.", code=data.code), field="code")
        if get_by_code(data.code) is not None:
            raise DomainError(_l("An indicator with the code “%(code)s” already exists.", code=data.code),
                              field="code")
    else:
        data.code = existing.code
    if not data.name_fr:
        raise DomainError(_l("Give the indicator its French name."), field="name_fr")
    for name in ("name_fr", "name_ar", "name_en"):
        if len(getattr(data, name)) > 200:
            raise DomainError(_l("A name has at most 200 characters."), field=name)
    for name in DEFINITION_FIELDS:
        if len(getattr(data, name)) > 20_000:
            raise DomainError(_l("The definition has at most 20,000 characters."), field=name)
    for name, vocabulary in (("unit", INDICATOR_UNITS), ("direction", INDICATOR_DIRECTIONS),
                             ("level", INDICATOR_LEVELS), ("source", INDICATOR_SOURCES),
                             ("aggregation", INDICATOR_AGGREGATIONS)):
        if getattr(data, name) not in vocabulary:
            raise DomainError(_l("Choose one of the values offered."), field=name)
    if data.aggregation == "rate" and data.unit != "percent":
        raise DomainError(_l("A rate recomputed from numerators and denominators is a percentage: choose the "
                             "unit “Percentage”."), field="unit")
    if data.unit == "percent" and data.aggregation == "sum":
        raise DomainError(_l("Percentages cannot be added up: choose the rate rule (from numerators and "
                             "denominators), the mean or the latest value."), field="aggregation")
    _check_source(data)
    if not isinstance(data.decimals, int) or not 0 <= data.decimals <= MAX_DECIMALS:
        raise DomainError(_l("Decimals: a whole number from 0 to %(most)d.", most=MAX_DECIMALS), field="decimals")
    if data.max_value is not None:
        try:
            data.max_value = Decimal(data.max_value)
        except (InvalidOperation, TypeError, ValueError):
            raise DomainError(_l("The highest value must be a number."), field="max_value") from None
        if not data.max_value.is_finite() or data.max_value <= 0 or data.max_value >= Decimal("1e13"):
            raise DomainError(_l("The highest value must be a positive number."), field="max_value")
    if data.unit == "percent" and data.aggregation == "rate":
        if data.max_value is not None and data.max_value > 100:
            raise DomainError(_l("A rate cannot go beyond 100 %."), field="max_value")
        data.max_value = data.max_value if data.max_value is not None else Decimal("100")
    if not isinstance(data.position, int) or not 0 <= data.position <= 1_000_000:
        raise DomainError(_l("The position is a whole number from 0 to 1,000,000."), field="position")
    return data


def _check_source(data: IndicatorData) -> None:
    """The census indicator or computed rule fits the unit, aggregation and breakdowns chosen."""
    if data.source == "manual":
        data.source_key = None
        return
    if data.level != "territory":
        raise DomainError(_l("Census and computed indicators are measured per territory: choose the level "
                             "“Territory”."), field="level")
    if data.source == "census":
        if data.source_key not in census.INDICATORS:
            raise DomainError(_l("Choose the census indicator the values come from."), field="source_key")
        if data.unit != "percent" or data.aggregation != "rate":
            raise DomainError(_l("Census indicators are rates: choose the unit “Percentage” and the rate rule."),
                              field="aggregation")
        extra = [d for d in data.disaggregations if d not in CENSUS_DISAGGREGATIONS]
        if extra:
            raise DomainError(_l("The census gives figures by sex and by area, not by target group."),
                              field="disaggregations")
        return
    rule = computed.RULES.get(data.source_key or "")
    if rule is None:
        raise DomainError(_l("Choose the computation the values come from."), field="source_key")
    if data.unit != rule.unit or data.aggregation != rule.aggregation:
        raise DomainError(_l("This computation gives %(unit)s figures that add up by the rule “%(rule)s”: "
                             "choose them.", unit=INDICATOR_UNITS[rule.unit],
                             rule=INDICATOR_AGGREGATIONS[rule.aggregation]), field="aggregation")
    extra = [d for d in data.disaggregations if d not in rule.disaggregations]
    if extra:
        raise DomainError(_l("This computation gives no breakdown by %(what)s.",
                             what=", ".join(str(INDICATOR_DISAGGREGATIONS[d]).lower() for d in extra)),
                          field="disaggregations")


def create_indicator(actor, data: IndicatorData) -> Indicator:
    """Add an indicator to the register (audited)."""
    data = check_indicator(data)
    indicator = Indicator(**{name: getattr(data, name) for name in FIELDS})
    db.session.add(indicator)
    audit.record(actor, "create", indicator, {}, audit.snapshot(indicator), label=indicator.code)
    db.session.commit()
    return indicator


def update_indicator(actor, indicator: Indicator, data: IndicatorData,
                     seen_updated_at: datetime | None = None) -> Indicator:
    """Change an indicator (its code stays); refused with a conflict when someone saved it since
    ``seen_updated_at`` (the form keeps what was typed)."""
    current = db.session.execute(sa.select(Indicator).where(Indicator.id == indicator.id).with_for_update()
                                 .execution_options(populate_existing=True)).scalar_one()
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise IndicatorConflict()
    data = check_indicator(data, current)
    before = audit.snapshot(current)
    for name in FIELDS:
        setattr(current, name, getattr(data, name))
    audit.record(actor, "update", current, before, audit.snapshot(current), label=current.code)
    db.session.commit()
    return current


class IndicatorConflict(DomainError):
    """Someone saved the indicator since the form was opened."""

    def __init__(self):
        super().__init__(_l("Someone else saved this indicator while you were editing it. Their version is shown "
                            "below the form; what you typed is kept: check it and save again."))


# --- census baselines -----------------------------------------------------------------------------

def _census_breakdowns(indicator: Indicator) -> list[tuple[str | None, str | None]]:
    """The (sex, area) pairs the census gives for the indicator's disaggregations, total first."""
    wanted = set(indicator.disaggregations or ())
    sexes = [None] + (["female", "male"] if "sex" in wanted else [])
    areas = [None] + (["urban", "rural"] if "area" in wanted else [])
    return [(sex, area) for sex in sexes for area in areas]


def census_baselines_for(indicators, territory: Territory) -> dict[str, list[ComputedValue]]:
    """Census baselines (periods "2014" and "2024") of several census indicators for the territory's
    communes, by indicator code: rates recomputed from counts, with their numerators and
    denominators. Two queries per breakdown (sex, area) needed, whatever the number of indicators."""
    wanted = [i for i in indicators if i.source == "census" and i.source_key in census.INDICATORS]
    if not wanted:
        return {}
    codes = [link.commune.code for link in territory_communes(territory)]
    if not codes:
        return {i.code: [] for i in wanted}
    figures: dict[tuple[str | None, str | None], dict] = {}
    result: dict[str, list[ComputedValue]] = {}
    for indicator in wanted:
        rows = []
        for sex, area in _census_breakdowns(indicator):
            if (sex, area) not in figures:
                figures[(sex, area)] = census.communes_figures(codes, area or "total", sex or "all")
            for year, figure in sorted(figures[(sex, area)][indicator.source_key].items()):
                if figure.value is None:
                    continue
                communes = figure.units + figure.missing
                source = _("HCP, RGPH %(year)d: %(units)d of %(total)d communes", year=year, units=figure.units,
                           total=communes) if figure.missing else _("HCP, RGPH %(year)d: %(total)d communes",
                                                                    year=year, total=communes)
                rows.append(ComputedValue(
                    str(year), _places(figure.value), _places(figure.numerator), _places(figure.denominator),
                    sex=sex, area=area, source_text=source))
        result[indicator.code] = rows
    return result


def census_baselines(indicator: Indicator, territory: Territory) -> list[ComputedValue]:
    """The census baselines of one census indicator for the territory (see :func:`census_baselines_for`);
    empty for other sources or a territory without communes."""
    return census_baselines_for([indicator], territory).get(indicator.code, [])


@dataclass(frozen=True)
class CensusSync:
    """What :func:`record_census_baselines` changed: census baselines added, updated to the
    territory's communes, and withdrawn (no commune gives them any more)."""

    added: int = 0
    updated: int = 0
    withdrawn: int = 0


def _stored_from_census(value: IndicatorValue) -> bool:
    """Whether a baseline is the platform's copy of HCP's figure (stored approved at once, never
    through the approval steps nor corrected by hand): only those follow the communes."""
    return value.status == "approved" and value.entered_at == value.approved_at and value.kind == "baseline"


def record_census_baselines(actor, territory: Territory, indicators=None, *, commit: bool = True) -> CensusSync:
    """Keep the census baselines (2014, 2024) of the territory's census indicators in step with its
    communes, as baseline values the pages, charts and exports show.

    HCP's published figures need no validation: they are stored approved, with their source. A
    missing one is added; one the platform stored earlier whose figure changed with the communes
    gets a new version, with the reason; one no commune gives any more is withdrawn (not current;
    its versions stay on record). A value entered or corrected by hand is never touched, so
    running it again changes nothing. Each change is audited; one transaction (``commit=False``:
    the caller's). The figures are HCP's: stored with no validator nor approver, ``actor`` being
    only who set the change off (the territory's communes were saved).
    """
    from najma.indicators.entry import AUDIT_FIELDS, slot_of, value_label

    if indicators is None:
        indicators = list_indicators(source="census", active=True)
    indicators = [i for i in indicators if i.source == "census"]
    if not indicators:
        return CensusSync()
    found = census_baselines_for(indicators, territory)
    by_code = {indicator.code: indicator for indicator in indicators}
    wanted = {slot_of(by_code[code].id, territory.id, None, row.period, "baseline", row.sex, None, row.area):
              (by_code[code], row) for code, rows in found.items() for row in rows}
    stored = {value.slot: value for value in db.session.execute(sa.select(IndicatorValue).where(
        IndicatorValue.indicator_id.in_([i.id for i in indicators]), IndicatorValue.territory_id == territory.id,
        IndicatorValue.kind == "baseline", IndicatorValue.is_current.is_(True))).scalars()}
    now, actor_id = utcnow(), getattr(actor, "id", None)
    added = updated = withdrawn = 0
    # A slot coming back (withdrawn earlier, its communes chosen again) continues its versions.
    gone = [slot for slot in wanted if slot not in stored]
    earlier = {slot: (version, value_id) for slot, version, value_id in db.session.execute(
        sa.select(IndicatorValue.slot, sa.func.max(IndicatorValue.version), sa.func.max(IndicatorValue.id))
        .where(IndicatorValue.territory_id == territory.id, IndicatorValue.slot.in_(gone))
        .group_by(IndicatorValue.slot))} if gone else {}
    reason = _("The territory's communes changed: the figure is recomputed from the census (HCP).")
    for slot, (indicator, row) in wanted.items():
        current = stored.get(slot)
        if current is not None and (not _stored_from_census(current) or (
                current.value == row.value and current.numerator == row.numerator
                and current.denominator == row.denominator)):
            continue
        value = IndicatorValue(
            indicator_id=indicator.id, territory_id=territory.id, period=row.period, kind="baseline", sex=row.sex,
            area=row.area, slot=slot, value=row.value, numerator=row.numerator, denominator=row.denominator,
            source_text=row.source_text[:300], status="approved", entered_by_id=actor_id, entered_at=now,
            validated_at=now, approved_at=now)
        if slot in earlier:
            value.version, value.replaces_id = earlier[slot][0] + 1, earlier[slot][1]
        before = {}
        if current is not None:
            before = audit.snapshot(current, AUDIT_FIELDS)
            current.is_current = current.is_official = False
            db.session.flush()  # one current version per slot
            value.version, value.replaces_id, value.reason = current.version + 1, current.id, reason
            updated += 1
        else:
            added += 1
        db.session.add(value)
        audit.record(actor, "correct" if current is not None else "create", value, before,
                     audit.snapshot(value, AUDIT_FIELDS), label=value_label(value, indicator),
                     territory_id=territory.id)
    by_id = {indicator.id: indicator for indicator in indicators}
    for slot, current in stored.items():
        if slot in wanted or not _stored_from_census(current) or current.period not in CENSUS_PERIODS:
            continue
        before = audit.snapshot(current, AUDIT_FIELDS)
        current.is_current = current.is_official = False
        audit.record(actor, "delete", current, before, audit.snapshot(current, AUDIT_FIELDS),
                     label=value_label(current, by_id[current.indicator_id]), territory_id=territory.id)
        withdrawn += 1
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return CensusSync(added, updated, withdrawn)


def _places(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(FOUR_PLACES)


# --- figures for the pages ------------------------------------------------------------------------

@dataclass(frozen=True)
class SeriesPoint:
    """One period of a place's series: its baseline, target and measure (aggregated for a province
    or the nation; ``None`` when absent)."""

    period: str
    baseline: Aggregate | None = None
    target: Aggregate | None = None
    measure: Aggregate | None = None

    def figure(self, kind: str) -> Aggregate | None:
        return getattr(self, kind)


def series(indicator: Indicator, territory: Territory | Province | None = None, province: Province | None = None,
           *, kinds: tuple[str, ...] = KINDS, include_pending: PendingScope = False,
           dimension: str | None = None, dimension_value=None) -> list[SeriesPoint]:
    """The periods in order with the place's baseline, target and measure: a territory's own values,
    a province's or the nation's (``territory`` and ``province`` both ``None``) made by the
    indicator's rule. One query (two for the ``latest`` rule). With ``dimension``/``dimension_value``
    the series of one breakdown (for instance sex = female)."""
    if isinstance(territory, Province):
        territory, province = None, territory
    group_by = ("period", "kind", "dimension") if dimension else ("period", "kind")
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=group_by,
                                 territory_id=territory.id if territory else None,
                                 province_id=province.id if province else None, dimension=dimension, kinds=kinds)
    level = "territory" if territory else ("province" if province else "nation")
    by_period: dict[str, dict[str, Aggregate]] = {}
    for key, partial in found.items():
        if dimension and key[2] != dimension_value:
            continue
        by_period.setdefault(key[0], {})[key[1]] = partial.finish(indicator.aggregation, level)
    return [SeriesPoint(period, **{kind: figures.get(kind) for kind in KINDS})
            for period, figures in sorted(by_period.items(), key=lambda item: periods.sort_key(item[0]))]


def breakdown(indicator: Indicator, dimension: str, *, territory: Territory | None = None,
              province: Province | None = None, period: str | None = None, kind: str = "measure",
              include_pending: PendingScope = False) -> tuple[str | None, dict]:
    """The figures of one breakdown (sex, target group or area) for a place and a period (the latest
    with such figures when ``period`` is None): ``(period, {breakdown value: Aggregate})``. One query."""
    if dimension not in aggregation.DIMENSIONS:
        raise ValueError(dimension)
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=("period", "dimension"),
                                 territory_id=territory.id if territory else None,
                                 province_id=province.id if province else None, dimension=dimension, kinds=(kind,))
    chosen = period or (max((key[0] for key in found), key=periods.sort_key) if found else None)
    level = "territory" if territory else ("province" if province else "nation")
    return chosen, {key[1]: partial.finish(indicator.aggregation, level)
                    for key, partial in found.items() if key[0] == chosen}


@dataclass(frozen=True)
class Latest:
    """A place's most recent figure of one kind: its period and the figure."""

    period: str
    figure: Aggregate

    @property
    def value(self) -> Decimal | None:
        return self.figure.value


@dataclass
class ProvinceRow:
    """A province's latest baseline, target and measure."""

    province: Province
    latest: dict[str, Latest | None]
    territories: int = 0


@dataclass
class TerritoryRow:
    """A territory's latest baseline, target and measure, with the status of each value shown."""

    territory_id: int
    name: str
    slug: str
    province_id: int | None
    latest: dict[str, Latest | None]
    statuses: dict[str, str]


#: Territories listed per page of an indicator's table.
TERRITORIES_PER_PAGE = 50


@dataclass
class Pages:
    """The page of a list being shown, as the shared ``pagination`` macro wants it."""

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


@dataclass
class Overview:
    """What an indicator's page shows beside its definition: the nation's and provinces' latest
    figures, and one page of the territories' table (``territory_count`` in all)."""

    nation: dict[str, Latest | None]
    provinces: list[ProvinceRow]
    territories: list[TerritoryRow]
    territory_count: int = 0
    page: Pages = field(default_factory=lambda: Pages(1, 1))


def _latest_of(groups: dict[tuple[str, str], aggregation.Partial], indicator: Indicator,
               level: str) -> dict[str, Latest | None]:
    """From partials keyed (period, kind): each kind's most recent period and its figure."""
    result: dict[str, Latest | None] = dict.fromkeys(KINDS)
    for kind in KINDS:
        candidates = [period for (period, k) in groups if k == kind]
        if candidates:
            period = max(candidates, key=periods.sort_key)
            result[kind] = Latest(period, groups[(period, kind)].finish(indicator.aggregation, level))
    return result


def overview(indicator: Indicator, include_pending: PendingScope = False, page: int = 1,
             per_page: int = TERRITORIES_PER_PAGE) -> Overview:
    """The nation's and each province's latest figures and the territories' latest values (page
    ``page`` of them, by name): three queries (four for the ``latest`` rule) whatever the number of
    territories and periods."""
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=("province", "period", "kind"))
    nation_groups: dict[tuple[str, str], aggregation.Partial] = {}
    province_groups: dict[int, dict[tuple[str, str], aggregation.Partial]] = {}
    for (province_id, period, kind), partial in found.items():
        key = (period, kind)
        nation_groups[key] = nation_groups[key].merge(partial) if key in nation_groups else partial
        if province_id is not None:
            province_groups.setdefault(province_id, {})[key] = partial
    territories = latest_by_territory(indicator, include_pending) if indicator.level == "territory" else []
    counts: dict[int, int] = {}
    for row in territories:
        counts[row.province_id] = counts.get(row.province_id, 0) + 1
    provinces = []
    if province_groups:
        names = db.session.execute(sa.select(Province).where(Province.id.in_(list(province_groups)))
                                   .order_by(Province.name_fr)).scalars()
        provinces = [ProvinceRow(p, _latest_of(province_groups[p.id], indicator, "province"), counts.get(p.id, 0))
                     for p in names]
    pages = max(1, -(-len(territories) // per_page))
    page = min(max(1, page), pages)
    shown = territories[(page - 1) * per_page:page * per_page]
    return Overview(_latest_of(nation_groups, indicator, "nation"), provinces, shown, len(territories),
                    Pages(page, pages))


def latest_by_territory(indicator: Indicator, include_pending: PendingScope = False,
                        province_id: int | None = None) -> list[TerritoryRow]:
    """Each territory's most recent baseline, target and measure (totals), by territory name: one
    windowed query."""
    condition, _province = aggregation.source_condition(indicator, province_id=province_id)
    position = sa.func.row_number().over(
        partition_by=[IndicatorValue.territory_id, IndicatorValue.kind],
        order_by=aggregation.period_order_desc() + [IndicatorValue.id.desc()]).label("position")
    inner = (sa.select(IndicatorValue.territory_id, IndicatorValue.kind, IndicatorValue.period, IndicatorValue.value,
                       IndicatorValue.numerator, IndicatorValue.denominator, IndicatorValue.status, position)
             .where(condition, aggregation.visible_condition(include_pending)))
    if province_id is not None:
        inner = inner.join(Territory, Territory.id == IndicatorValue.territory_id)
    inner = inner.subquery()
    rows = db.session.execute(
        sa.select(inner, Territory.name, Territory.slug, Territory.province_id)
        .join(Territory, Territory.id == inner.c.territory_id).where(inner.c.position == 1)
        .order_by(Territory.name, Territory.id)).all()
    result: dict[int, TerritoryRow] = {}
    for territory_id, kind, period, value, numerator, denominator, status, _pos, name, slug, province in rows:
        row = result.setdefault(territory_id,
                                TerritoryRow(territory_id, name, slug, province, dict.fromkeys(KINDS), {}))
        figure = Aggregate(value, numerator, denominator, 1 if value is not None else 0, 0 if value is not None else 1,
                           "territory")
        row.latest[kind] = Latest(period, figure)
        row.statuses[kind] = status
    return list(result.values())


def national_latest(indicators, include_pending: PendingScope = False) -> dict[int, Latest]:
    """For the register's list: each indicator's most recent national measure (totals of the
    indicator's level, by its rule). One query, and one more when an indicator keeps the latest value."""
    indicators = list(indicators)
    if not indicators:
        return {}
    result: dict[int, Latest] = {}
    by_id = {i.id: i for i in indicators}
    condition = sa.and_(
        IndicatorValue.indicator_id.in_(list(by_id)), IndicatorValue.kind == "measure", IndicatorValue.sex.is_(None),
        IndicatorValue.target_group_id.is_(None),
        IndicatorValue.area.is_(None), aggregation.visible_condition(include_pending),
        sa.or_(*[_level_rows(level, [i.id for i in indicators if i.level == level])
                 for level in INDICATOR_LEVELS if any(i.level == level for i in indicators)]))
    has_counts = sa.and_(IndicatorValue.numerator.is_not(None), IndicatorValue.denominator.is_not(None),
                         IndicatorValue.denominator > 0)
    rows = db.session.execute(
        sa.select(IndicatorValue.indicator_id, IndicatorValue.period, sa.func.count(IndicatorValue.id),
                  sa.func.count(IndicatorValue.value), sa.func.sum(IndicatorValue.value),
                  sa.func.count(sa.case((has_counts, IndicatorValue.id))),
                  sa.func.sum(sa.case((has_counts, IndicatorValue.numerator))),
                  sa.func.sum(sa.case((has_counts, IndicatorValue.denominator))))
        .where(condition).group_by(IndicatorValue.indicator_id, IndicatorValue.period)).all()
    groups: dict[int, dict[str, aggregation.Partial]] = {}
    for indicator_id, period, count, values, value_sum, counted, numerator_sum, denominator_sum in rows:
        groups.setdefault(indicator_id, {})[period] = aggregation.Partial(
            count, values, Decimal(str(value_sum or 0)), counted, Decimal(str(numerator_sum or 0)),
            Decimal(str(denominator_sum or 0)))
    latest_rule = [i for i in indicators if i.aggregation == "latest" and i.id in groups]
    if latest_rule:
        position = sa.func.row_number().over(
            partition_by=[IndicatorValue.indicator_id, IndicatorValue.period],
            order_by=[IndicatorValue.entered_at.desc(), IndicatorValue.id.desc()]).label("position")
        inner = (sa.select(IndicatorValue.indicator_id, IndicatorValue.period, IndicatorValue.value, position)
                 .where(condition, IndicatorValue.value.is_not(None),
                        IndicatorValue.indicator_id.in_([i.id for i in latest_rule])).subquery())
        for indicator_id, period, value, _pos in db.session.execute(sa.select(inner).where(inner.c.position == 1)):
            groups[indicator_id][period].latest = ((), Decimal(str(value)))
    for indicator_id, by_period in groups.items():
        period = max(by_period, key=periods.sort_key)
        result[indicator_id] = Latest(period, by_period[period].finish(by_id[indicator_id].aggregation, "nation"))
    return result


def _level_rows(level: str, indicator_ids: list[int]):
    """Rows at an indicator's own level: territory values, province values or national values."""
    if level == "territory":
        place = IndicatorValue.territory_id.is_not(None)
    elif level == "province":
        place = sa.and_(IndicatorValue.province_id.is_not(None), IndicatorValue.territory_id.is_(None))
    else:
        place = sa.and_(IndicatorValue.province_id.is_(None), IndicatorValue.territory_id.is_(None))
    return sa.and_(IndicatorValue.indicator_id.in_(indicator_ids), place)
