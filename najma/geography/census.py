"""Census indicators (HCP, RGPH 2014 and 2024): their definitions and their aggregation.

A unit the census describes (a commune, a province, the country) shows the source's own
figure. A group of communes (a territory) gets each rate recomputed from counts: the sum of
rate x denominator over its communes, divided by the sum of denominators. Where HCP publishes
the denominator (2024: population aged 10+, 15+, 7-12, active and employed population) it is
used as is; where it does not (most of 2014), it is derived from published counts and shares
(for instance the population aged 15+ is the municipal population times the share of people
aged 15 and over), and the indicator says so in ``weight_note``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from najma.extensions import db
from najma.geography.models import CensusRecord

Figures = dict
Weight = Callable[[Figures], "float | None"]
COUNTRY_CODE = "MA"


def _column(name: str) -> Weight:
    return lambda figures: figures.get(name)


def _population_share(*age_columns: str, complement: bool = False) -> Weight:
    """Municipal population times the share of the given age groups (or of everyone else)."""
    def weight(figures: Figures) -> float | None:
        population = figures.get("population_municipal")
        shares = [figures.get(column) for column in age_columns]
        if population is None or any(share is None for share in shares):
            return None
        share = sum(shares)
        return population * ((100 - share) if complement else share) / 100
    return weight


def _employed_2014(figures: Figures) -> float | None:
    active, unemployment = figures.get("labour_active"), figures.get("labour_unemployment_rate")
    if active is None or unemployment is None:
        return None
    return active * (100 - unemployment) / 100


def _share_sum(*columns: str) -> Callable[[Figures], float | None]:
    def value(figures: Figures) -> float | None:
        parts = [figures.get(column) for column in columns]
        return None if any(part is None for part in parts) else round(sum(parts), 1)
    return value


@dataclass(frozen=True)
class Measure:
    """How one census gives an indicator: its rate, and the denominator that weighs it."""

    rate: Callable[[Figures], float | None]
    weight: Weight
    source_column: str


@dataclass(frozen=True)
class Indicator:
    """A census indicator in percent, comparable across units and (where both exist) censuses."""

    key: str
    label: object
    topic: object
    by_census: dict[int, Measure]
    weight_label: object
    weight_note: object = ""
    #: True when a higher value means a harder situation (colours go darker for worse).
    higher_is_worse: bool = True

    def value(self, census: int, figures: Figures | None) -> float | None:
        """The unit's own figure in ``census`` (None when not published)."""
        measure = self.by_census.get(census)
        if measure is None or not figures:
            return None
        return measure.rate(figures)


_AGE_0_14 = ("age_0_4", "age_5_9", "age_10_14")
_AGE_60_PLUS = ("age_60_64", "age_65_69", "age_70_74", "age_75_plus")
_POPULATION = _column("population_municipal")

INDICATORS: dict[str, Indicator] = {indicator.key: indicator for indicator in (
    Indicator(
        "illiteracy_10_plus", _l("Illiteracy rate, aged 10 and over"), _l("Education"),
        {2014: Measure(_column("illiteracy_rate_10_plus"), _population_share("age_0_4", "age_5_9", complement=True),
                       "illiteracy_rate_10_plus"),
         2024: Measure(_column("illiteracy_rate_10_plus"), _column("illiteracy_population_10_plus"),
                       "illiteracy_rate_10_plus")},
        _l("population aged 10 and over"),
        _l("2014: population aged 10 and over derived from the municipal population and its age shares.")),
    Indicator(
        "illiteracy_15_plus", _l("Illiteracy rate, aged 15 and over"), _l("Education"),
        {2024: Measure(_column("illiteracy_rate_15_plus"), _column("illiteracy_population_15_plus"),
                       "illiteracy_rate_15_plus")},
        _l("population aged 15 and over"), _l("Published for 2024 only.")),
    Indicator(
        "schooling", _l("School enrolment of children (6-11 in 2024, 7-12 in 2014)"), _l("Education"),
        {2014: Measure(_column("schooling_rate_7_to_12"), _population_share("age_5_9", "age_10_14"),
                       "schooling_rate_7_to_12"),
         2024: Measure(_column("schooling_rate_6_to_11"), _column("schooling_population_7_to_12"),
                       "schooling_rate_6_to_11")},
        _l("children of school age"),
        _l("The age band changed between the censuses. 2024 weighs by the population aged 7-12 "
           "that HCP publishes; 2014 by the population aged 5-14 derived from age shares."),
        higher_is_worse=False),
    Indicator(
        "disability", _l("Disability prevalence"), _l("Health"),
        {2014: Measure(_column("disability_prevalence"), _POPULATION, "disability_prevalence"),
         2024: Measure(_column("disability_prevalence"), _POPULATION, "disability_prevalence")},
        _l("municipal population")),
    Indicator(
        "activity", _l("Labour force participation rate, aged 15 and over"), _l("Work"),
        {2014: Measure(_column("labour_activity_rate"), _population_share(*_AGE_0_14, complement=True),
                       "labour_activity_rate"),
         2024: Measure(_column("labour_activity_rate"), _column("labour_population_15_plus"),
                       "labour_activity_rate")},
        _l("population aged 15 and over"),
        _l("2014: population aged 15 and over derived from the municipal population and its age shares."),
        higher_is_worse=False),
    Indicator(
        "unemployment", _l("Unemployment rate"), _l("Work"),
        {2014: Measure(_column("labour_unemployment_rate"), _column("labour_active"), "labour_unemployment_rate"),
         2024: Measure(_column("labour_unemployment_rate"), _column("labour_active"), "labour_unemployment_rate")},
        _l("active population")),
    Indicator(
        "cooperative_members", _l("Cooperative members among the employed"), _l("Work"),
        {2014: Measure(_column("employment_status_cooperative_member"), _employed_2014,
                       "employment_status_cooperative_member"),
         2024: Measure(_column("employment_status_cooperative_member"), _column("labour_employed"),
                       "employment_status_cooperative_member")},
        _l("employed population"),
        _l("2014: employed population derived from the active population and the unemployment rate."),
        higher_is_worse=False),
    Indicator(
        "age_0_14", _l("Share of children aged 0-14"), _l("Population"),
        {census: Measure(_share_sum(*_AGE_0_14), _POPULATION, "age_0_4") for census in (2014, 2024)},
        _l("municipal population"), higher_is_worse=False),
    Indicator(
        "age_15_59", _l("Share of people aged 15-59"), _l("Population"),
        {census: Measure(_share_sum("age_15_19", "age_20_24", "age_25_29", "age_30_34", "age_35_39",
                                    "age_40_44", "age_45_49", "age_50_54", "age_55_59"), _POPULATION, "age_15_19")
         for census in (2014, 2024)},
        _l("municipal population"), higher_is_worse=False),
    Indicator(
        "age_60_plus", _l("Share of people aged 60 and over"), _l("Population"),
        {census: Measure(_share_sum(*_AGE_60_PLUS), _POPULATION, "age_60_64") for census in (2014, 2024)},
        _l("municipal population"), higher_is_worse=False),
)}

CENSUSES = (2014, 2024)
AREAS = ("total", "urban", "rural")
SEXES = ("all", "male", "female")


@dataclass(frozen=True)
class Figure:
    """An indicator's value for a unit or a group of units, with the counts behind it."""

    value: float | None
    denominator: float | None = None
    units: int = 0
    missing: int = 0

    @property
    def numerator(self) -> float | None:
        """People counted by the rate (for example illiterate people), derived from rate x denominator."""
        if self.value is None or self.denominator is None:
            return None
        return self.value * self.denominator / 100


def _records(level: str, codes: Iterable[str] | None, census: int, area: str, sex: str) -> dict[str, Figures]:
    query = sa.select(CensusRecord.code, CensusRecord.figures).where(
        CensusRecord.level == level, CensusRecord.census == census, CensusRecord.subject == "people",
        CensusRecord.area == area, CensusRecord.sex == sex)
    if codes is not None:
        query = query.where(CensusRecord.code.in_(list(codes)))
    return {code: figures for code, figures in db.session.execute(query)}


def weighted(indicator: Indicator, census: int, rows: Iterable[Figures]) -> Figure:
    """The population-weighted rate over ``rows``: sum(rate x weight) / sum(weight)."""
    measure = indicator.by_census.get(census)
    if measure is None:
        return Figure(None)
    total_weight = total_count = 0.0
    units = missing = 0
    for figures in rows:
        rate, weight = measure.rate(figures), measure.weight(figures)
        if rate is None or weight is None:
            missing += 1
            continue
        units += 1
        total_weight += weight
        total_count += rate * weight
    if not total_weight:
        return Figure(None, None, units, missing)
    return Figure(total_count / total_weight, total_weight, units, missing)


def unit_figures(level: str, code: str, area: str = "total", sex: str = "all") -> dict[str, dict[int, Figure]]:
    """Every indicator of one census unit, both censuses, as the source publishes it."""
    result: dict[str, dict[int, Figure]] = {key: {} for key in INDICATORS}
    for census in CENSUSES:
        figures = _records(level, [code], census, area, sex).get(code)
        for key, indicator in INDICATORS.items():
            measure = indicator.by_census.get(census)
            if measure is None or not figures:
                result[key][census] = Figure(None)
                continue
            result[key][census] = Figure(measure.rate(figures), measure.weight(figures), 1, 0)
    return result


def communes_figures(commune_codes: Iterable[str], area: str = "total",
                     sex: str = "all") -> dict[str, dict[int, Figure]]:
    """Every indicator over a group of communes, both censuses, recomputed from counts."""
    codes = list(commune_codes)
    result: dict[str, dict[int, Figure]] = {key: {} for key in INDICATORS}
    for census in CENSUSES:
        records = _records("commune", codes, census, area, sex)
        rows = list(records.values())
        for key, indicator in INDICATORS.items():
            figure = weighted(indicator, census, rows)
            # Communes without a record for this census count as missing too.
            result[key][census] = Figure(figure.value, figure.denominator, figure.units,
                                         figure.missing + len(codes) - len(rows))
    return result


def level_values(level: str, indicator_key: str, census: int, area: str = "total",
                 sex: str = "all") -> dict[str, float | None]:
    """One indicator for every unit of a level (``province``, ``commune``...), for maps and tables."""
    indicator = INDICATORS[indicator_key]
    return {code: indicator.value(census, figures)
            for code, figures in _records(level, None, census, area, sex).items()}


def change(figures: dict[int, Figure]) -> float | None:
    """2024 minus 2014, in percentage points, when both exist."""
    old, new = figures.get(2014), figures.get(2024)
    if old is None or new is None or old.value is None or new.value is None:
        return None
    return new.value - old.value
