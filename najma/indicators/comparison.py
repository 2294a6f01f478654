"""Pilot versus comparison: how each pilot territory's figure of an indicator changed between two
periods, against the mean change of similar places that are not pilots, over the same periods.

Pilots and similarity come from the rollout's selection (``najma.rollout.scoring``): the pilots are
the territories in (or through) experimentation; the comparison communes of a pilot are the communes
in no territory whose census profile (RGPH 2024 standard scores) is nearest to that pilot's, the
``size`` nearest of those whose nearest pilot it is (so no commune serves two pilots).

* Census indicators: the two censuses give the change for both groups, 2014 to 2024. The pilot's
  figure is recomputed from counts over its communes (``najma.geography.census.weighted``); each
  comparison commune shows its own published figure; the comparison change is the plain mean of the
  communes' changes.
* Entered indicators (entered by hand or computed and approved): the pilots' approved values
  between two chosen periods. Communes outside the programme have no entered values, so the
  comparison group is made of the non-pilot territories nearest to each pilot on the same census
  standard scores, and shown only where they have approved values for both periods.

The difference is the pilot's change minus the comparison mean. It describes; it proves nothing:
the page states why (see :data:`CAVEATS`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from najma.extensions import db
from najma.geography import census
from najma.geography.models import CensusRecord, Commune
from najma.indicators import periods
from najma.indicators.aggregation import visible_condition
from najma.indicators.models import Indicator, IndicatorValue
from najma.rollout import scoring
from najma.territories.models import Territory, TerritoryCommune

#: How many comparison units each pilot gets by default, and at most.
DEFAULT_SIZE = 5
MAX_SIZE = 20
#: The census periods of census indicators.
CENSUS_START, CENSUS_END = 2014, 2024
#: Kinds of approved values that give an entered indicator's figure for a period, preferred first.
FIGURE_KINDS = ("measure", "baseline")

#: What the page says before any figure (every comparison, whatever the indicator).
CAVEATS = (
    _l("The comparison communes are similar to the pilot on the census indicators of 2024 (illiteracy, school "
       "enrolment, unemployment, participation, disability), not matched on everything: their history, their "
       "services, their distance to a town and what else happened there may differ."),
    _l("Census figures from 2014 to 2024 predate the programme: they describe trends the pilots and their "
       "comparison communes went through, not effects of the programme."),
    _l("The numbers are small: four pilots and a handful of communes each. A commune of a few hundred people moves "
       "its rate a lot with a few people, and one unusual commune moves the mean."),
    _l("No causal claim: a difference says how the figures moved side by side, not what made them move."),
)
#: Added for entered indicators.
ENTERED_CAVEAT = _l("Entered values are the pilots' approved figures. Communes outside the programme have none, "
                    "so the comparison uses the non-pilot territories nearest to each pilot on the same census "
                    "profile, where they have approved values for both periods.")


@dataclass
class Unit:
    """A comparison commune or territory and its figures at the two periods."""

    name: str
    province: str
    kind: str  # commune or territory
    code: str = ""
    slug: str = ""
    setting: str = ""
    distance: float | None = None
    start: float | Decimal | None = None
    end: float | Decimal | None = None
    small_population: bool = False

    @property
    def change(self):
        """End minus start (percentage points for a rate), None when either is missing."""
        return None if self.start is None or self.end is None else self.end - self.start


@dataclass
class PilotRow:
    """One pilot: its change, its comparison units and their mean change, and the difference."""

    name: str
    slug: str
    province: str
    communes: int
    start: float | Decimal | None
    end: float | Decimal | None
    comparisons: list[Unit] = field(default_factory=list)
    direction: str = "up"

    @property
    def change(self):
        """The pilot's end minus start, None when either is missing."""
        return None if self.start is None or self.end is None else self.end - self.start

    @property
    def compared(self) -> list[Unit]:
        """The comparison units that have a change."""
        return [unit for unit in self.comparisons if unit.change is not None]

    @property
    def mean_change(self):
        """The plain mean of the comparison units' changes (None without any)."""
        return _mean([unit.change for unit in self.compared])

    @property
    def difference(self):
        """The pilot's change minus the comparisons' mean change."""
        mean = self.mean_change
        return None if self.change is None or mean is None else self.change - mean

    @property
    def better(self) -> bool | None:
        """True when the pilot moved further than its comparisons in the indicator's better direction."""
        return _better(self.difference, self.direction)


@dataclass
class Comparison:
    """The whole page: the indicator, the two periods, a row per pilot and what limits the reading."""

    indicator: Indicator
    kind: str  # census or entered
    start: str = ""
    end: str = ""
    size: int = DEFAULT_SIZE
    sex: str = "all"
    area: str = "total"
    rows: list[PilotRow] = field(default_factory=list)
    #: Why no comparison can be shown (then ``rows`` may be empty).
    unavailable: str = ""
    #: The periods to choose from (entered indicators).
    period_choices: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    #: Extra remarks on this comparison (a census weight derived from shares, missing figures...).
    remarks: list[str] = field(default_factory=list)

    @property
    def pilot_mean_change(self):
        """The plain mean of the pilots' changes."""
        return _mean([row.change for row in self.rows if row.change is not None])

    @property
    def comparison_mean_change(self):
        """The mean change over every comparison unit of every pilot that has one."""
        return _mean([unit.change for row in self.rows for unit in row.compared])

    @property
    def difference(self):
        """The pilots' mean change minus every comparison unit's mean change."""
        pilots, comparisons = self.pilot_mean_change, self.comparison_mean_change
        return None if pilots is None or comparisons is None else pilots - comparisons

    @property
    def better(self) -> bool | None:
        """True when the pilots moved further than the comparisons in the better direction."""
        return _better(self.difference, self.indicator.direction)

    @property
    def compared_units(self) -> int:
        """How many comparison units have a change."""
        return sum(len(row.compared) for row in self.rows)


def _mean(values: list):
    return sum(values) / len(values) if values else None


def _better(difference, direction: str) -> bool | None:
    if difference is None or difference == 0:
        return None
    return difference > 0 if direction == "up" else difference < 0


def _size(size) -> int:
    try:
        size = int(size)
    except (TypeError, ValueError):
        return DEFAULT_SIZE
    return min(max(size, 1), MAX_SIZE)


def compare(indicator: Indicator, *, size=DEFAULT_SIZE, start: str | None = None, end: str | None = None,
            sex: str | None = None, area: str | None = None) -> Comparison:
    """The pilot-versus-comparison view of ``indicator``: census indicators over the two censuses
    (optionally for one sex or area), others over two periods of approved values (``start`` and
    ``end``, by default the first and last the pilots have)."""
    caveats = [str(caveat) for caveat in CAVEATS]
    if indicator.source == "census":
        return _census_comparison(indicator, _size(size), sex, area, caveats)
    caveats.append(str(ENTERED_CAVEAT))
    return _entered_comparison(indicator, _size(size), start, end, caveats)


# --- Census indicators -----------------------------------------------------------------------------

def _census_comparison(indicator: Indicator, size: int, sex: str | None, area: str | None,
                       caveats: list[str]) -> Comparison:
    disaggregations = set(indicator.disaggregations or ())
    sex = sex if sex in census.SEXES and "sex" in disaggregations else "all"
    area = area if area in census.AREAS and "area" in disaggregations else "total"
    result = Comparison(indicator, "census", str(CENSUS_START), str(CENSUS_END), size, sex, area, caveats=caveats)
    source = census.INDICATORS.get(indicator.source_key or "")
    if source is None:
        result.unavailable = str(_l("This indicator names no census figure the platform knows."))
        return result
    if not all(year in source.by_census for year in (CENSUS_START, CENSUS_END)):
        result.unavailable = str(_l("HCP publishes this figure for one census only: there is no change from "
                                    "2014 to 2024 to compare."))
        return result
    if source.weight_note:
        result.remarks.append(str(source.weight_note))
    m = scoring.matrix()
    found = scoring.pilots(m)
    if not found:
        result.unavailable = str(_l("No pilot territory with communes yet: pilots are the territories in the "
                                    "experimentation phase or that have been through it."))
        return result
    by_pilot = _nearest_communes(found, size)
    pilot_codes = _pilot_commune_codes([pilot.id for pilot in found])
    wanted = {code for codes in pilot_codes.values() for code in codes}
    wanted |= {similar.commune.code for rows in by_pilot.values() for similar in rows}
    figures = _census_records(wanted, sex, area)
    for pilot in found:
        codes = pilot_codes.get(pilot.id, [])
        start, end = (census.weighted(source, year, [figures[year][code] for code in codes if code in figures[year]])
                      for year in (CENSUS_START, CENSUS_END))
        row = PilotRow(pilot.name, pilot.slug, pilot.province, pilot.communes, start.value, end.value,
                       direction=indicator.direction)
        for similar in by_pilot.get(pilot.id, []):
            commune = similar.commune
            row.comparisons.append(Unit(
                commune.name, commune.province, "commune", code=commune.code, setting=commune.setting_label,
                distance=similar.distance, small_population=commune.small_population,
                start=source.value(CENSUS_START, figures[CENSUS_START].get(commune.code)),
                end=source.value(CENSUS_END, figures[CENSUS_END].get(commune.code))))
        result.rows.append(row)
    if any(len(row.comparisons) < size for row in result.rows):
        result.remarks.append(str(_l("Some pilots have fewer comparison communes than asked: every free commune "
                                     "is already nearer to another pilot, or in a territory.")))
    if any(unit.small_population for row in result.rows for unit in row.comparisons):
        result.remarks.append(str(_l("Communes marked “few people” have under 1,000 inhabitants: their rates rest "
                                     "on a handful of people.")))
    return result


def _nearest_communes(found: list, size: int) -> dict[int, list]:
    """Each pilot's ``size`` nearest free communes among those whose nearest pilot it is."""
    by_pilot: dict[int, list] = defaultdict(list)
    for similar in scoring.similar_to_pilots(None, found=found):
        rows = by_pilot[similar.pilot.id]
        if len(rows) < size:
            rows.append(similar)
    return by_pilot


def _pilot_commune_codes(territory_ids: list[int]) -> dict[int, list[str]]:
    """The commune codes of each territory (one query)."""
    codes: dict[int, list[str]] = defaultdict(list)
    if territory_ids:
        for territory_id, code in db.session.execute(
                sa.select(TerritoryCommune.territory_id, Commune.code)
                .join(Commune, Commune.id == TerritoryCommune.commune_id)
                .where(TerritoryCommune.territory_id.in_(territory_ids)).order_by(Commune.code)):
            codes[territory_id].append(code)
    return codes


def _census_records(codes: set[str], sex: str, area: str) -> dict[int, dict[str, dict]]:
    """The communes' census figures for both censuses, ``{census: {code: figures}}`` (one query)."""
    result: dict[int, dict[str, dict]] = {CENSUS_START: {}, CENSUS_END: {}}
    if codes:
        for year, code, figures in db.session.execute(
                sa.select(CensusRecord.census, CensusRecord.code, CensusRecord.figures).where(
                    CensusRecord.level == "commune", CensusRecord.code.in_(sorted(codes)),
                    CensusRecord.census.in_((CENSUS_START, CENSUS_END)), CensusRecord.subject == "people",
                    CensusRecord.area == area, CensusRecord.sex == sex)):
            result[year][code] = figures or {}
    return result


# --- Entered indicators ----------------------------------------------------------------------------

def _entered_comparison(indicator: Indicator, size: int, start: str | None, end: str | None,
                        caveats: list[str]) -> Comparison:
    result = Comparison(indicator, "entered", size=size, caveats=caveats)
    m = scoring.matrix()
    found = scoring.pilots(m)
    if not found:
        result.unavailable = str(_l("No pilot territory with communes yet: pilots are the territories in the "
                                    "experimentation phase or that have been through it."))
        return result
    pilot_ids = [pilot.id for pilot in found]
    result.period_choices = _approved_periods(indicator, pilot_ids)
    if len(result.period_choices) < 2:
        result.unavailable = str(_l("The pilots do not have approved values for two periods of this indicator yet: "
                                    "there is no change to compare."))
        return result
    start = start if start in result.period_choices else result.period_choices[0]
    end = end if end in result.period_choices else result.period_choices[-1]
    if periods.sort_key(start) >= periods.sort_key(end):
        result.start, result.end = start, end
        result.unavailable = str(_l("Choose a first period before the second."))
        return result
    result.start, result.end = start, end
    neighbours = _nearest_territories(m, found, size)
    ids = set(pilot_ids) | {unit_id for rows in neighbours.values() for unit_id, _distance in rows}
    values = _approved_figures(indicator, ids, (start, end))
    names = {row[0]: row[1:] for row in db.session.execute(
        sa.select(Territory.id, Territory.name, Territory.slug, Territory.setting).where(Territory.id.in_(ids)))}
    provinces = _territory_provinces(ids)
    for pilot in found:
        row = PilotRow(pilot.name, pilot.slug, pilot.province, pilot.communes, values.get((pilot.id, start)),
                       values.get((pilot.id, end)), direction=indicator.direction)
        for territory_id, distance in neighbours.get(pilot.id, []):
            name, slug, _setting = names[territory_id]
            row.comparisons.append(Unit(name, provinces.get(territory_id, ""), "territory", slug=slug,
                                        distance=distance, start=values.get((territory_id, start)),
                                        end=values.get((territory_id, end))))
        result.rows.append(row)
    if not result.compared_units:
        result.remarks.append(str(_l("No similar non-pilot territory has approved values for both periods: the "
                                     "comparison group cannot be shown, only the pilots' own change.")))
    return result


def _approved_periods(indicator: Indicator, territory_ids: list[int]) -> list[str]:
    """The periods with an approved figure (not broken down) of the indicator for a pilot, oldest first."""
    return periods.ordered(db.session.execute(
        sa.select(IndicatorValue.period).where(*_approved_filter(indicator, territory_ids)).distinct()).scalars())


def _approved_filter(indicator: Indicator, territory_ids) -> tuple:
    return (IndicatorValue.indicator_id == indicator.id, IndicatorValue.territory_id.in_(list(territory_ids)),
            visible_condition(False),
            IndicatorValue.kind.in_(FIGURE_KINDS), IndicatorValue.sex.is_(None),
            IndicatorValue.target_group_id.is_(None), IndicatorValue.area.is_(None),
            IndicatorValue.value.is_not(None))


def _approved_figures(indicator: Indicator, territory_ids: set[int], wanted: tuple[str, str]) -> dict:
    """``{(territory_id, period): value}``, the measure where there is one, else the baseline (one query)."""
    found: dict[tuple[int, str], tuple[int, Decimal]] = {}
    for territory_id, period, kind, value in db.session.execute(
            sa.select(IndicatorValue.territory_id, IndicatorValue.period, IndicatorValue.kind, IndicatorValue.value)
            .where(*_approved_filter(indicator, territory_ids), IndicatorValue.period.in_(wanted))):
        rank = FIGURE_KINDS.index(kind)
        key = (territory_id, period)
        if key not in found or rank < found[key][0]:
            found[key] = (rank, value)
    return {key: value for key, (_rank, value) in found.items()}


def _territory_provinces(ids: set[int]) -> dict[int, str]:
    from najma.geography.models import Province
    from najma.i18n import localized

    return {territory_id: localized(name_fr, name_ar) for territory_id, name_fr, name_ar in db.session.execute(
        sa.select(Territory.id, Province.name_fr, Province.name_ar).join(Province, Province.id == Territory.province_id)
        .where(Territory.id.in_(ids)))}


def _nearest_territories(m: scoring.Matrix, found: list, size: int) -> dict[int, list[tuple[int, float]]]:
    """Each pilot's ``size`` nearest non-pilot territories (with communes) by the Euclidean distance of
    their census standard scores, computed as the pilots' own (from counts over their communes), among
    the territories whose nearest pilot it is: ``{pilot_id: [(territory_id, distance)]}``."""
    pilot_ids = {pilot.id for pilot in found}
    communes: dict[int, list[int]] = defaultdict(list)
    for territory_id, commune_id in db.session.execute(
            sa.select(TerritoryCommune.territory_id, TerritoryCommune.commune_id)
            .where(TerritoryCommune.territory_id.not_in(pilot_ids))
            .order_by(TerritoryCommune.territory_id, TerritoryCommune.commune_id)):
        communes[territory_id].append(commune_id)
    if not communes or not len(m.codes):
        return {}
    census_columns = [scoring.MATRIX_KEYS.index(key) for key in scoring.CENSUS_KEYS]
    pilot_z = np.array([pilot.z for pilot in found])
    nearest: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for territory_id, commune_ids in communes.items():
        rows = [m.figures[m.row_of[commune_id]] for commune_id in commune_ids if commune_id in m.row_of]
        values = [census.weighted(census.INDICATORS[key], scoring.SELECTION_CENSUS, rows).value
                  for key in scoring.CENSUS_KEYS]
        raw = np.full(len(scoring.MATRIX_KEYS), np.nan)
        raw[census_columns] = [np.nan if value is None else value for value in values]
        z = m.standardise(raw[None, :])[0][census_columns]
        distances = np.sqrt(((pilot_z - z) ** 2).sum(axis=1))
        index = int(distances.argmin())
        nearest[found[index].id].append((territory_id, float(distances[index])))
    return {pilot_id: sorted(rows, key=lambda item: (item[1], item[0]))[:size] for pilot_id, rows in nearest.items()}
