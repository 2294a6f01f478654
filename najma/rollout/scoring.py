"""Choosing the next territories: candidate communes scored from the census, similarity to the
pilots, and the provinces' coverage.

Scoring. Each commune gets, for each census indicator of the latest census (RGPH 2024), its
standard score across every loaded commune (z = (value - mean) / standard deviation), oriented so
that a higher score means more need, and capped at +/- 3 (tiny communes give extreme rates):
illiteracy, unemployment and disability count as they are, school enrolment and labour force
participation reversed. ``rural`` is 1 for a rural commune and 0
for a municipality, standardised the same way. The committee's manual score of the staff's
qualification (0 to 5) is put on the same scale from the scale itself, z = (score - 2.5) / 1.71
(the midpoint and spread of a 0-5 scale), so that an entered score weighs the same whether two or
two hundred communes have one; higher qualification scores higher, as it makes the site feasible.
The score is the weighted mean of these standard scores, sum(w x z) / sum(w); each criterion's
contribution (w x z / sum(w)) says why a commune ranks where it does. A missing value (a census
figure HCP does not publish for a commune, a commune without a manual score) counts as the mean
(z = 0) and is flagged. The standardised matrix is computed once per census version (about 1,500
communes) and kept in memory; scoring is then a few vector operations.

Similarity. The pilots are the territories in the experimentation phase, or that have been
through it (a recorded transition into or out of experimentation). Each pilot's profile is the
census indicators over its communes, recomputed from counts (``najma.geography.census.weighted``),
standardised with the communes' mean and deviation. Candidates (communes in no territory) are
ranked by the Euclidean distance of their standard scores to the nearest pilot's.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.geography import maps
from najma.geography.census import INDICATORS, weighted
from najma.geography.models import CensusRecord, Commune, Province, Region
from najma.i18n import localized
from najma.rollout.models import ManualScore, PhaseTransition, SelectionProfile
from najma.territories.models import Territory, TerritoryCommune
from najma.vocab import PHASES, SETTINGS, label

#: The census whose figures are scored (the latest one).
SELECTION_CENSUS = 2024
#: The name of the committee's saved weights.
PROFILE_NAME = "default"
#: The manual criterion the committee scores by hand, and its scale.
STAFF_QUALIFICATION = "staff_qualification"
MANUAL_MAX = 5
MANUAL_MIDPOINT = MANUAL_MAX / 2
#: Standard deviation of a uniform 0..5 integer score: sqrt((6 ** 2 - 1) / 12).
MANUAL_SPREAD = math.sqrt(35 / 12)
RURAL = "rural"
WEIGHT_MAX = 10
#: The settings a commune can have (HCP: municipalities are urban, rural communes rural).
COMMUNE_SETTINGS = ("urban", "rural")
#: Standard scores are capped at +/- 3: a rate over a handful of people (a commune of 89 inhabitants
#: with 2 school-age children shows 0 % enrolment) must not outweigh every other criterion.
Z_LIMIT = 3.0
#: Below this municipal population a commune's rates rest on few people; the pages say so.
SMALL_POPULATION = 1000
#: Cache key prefix of the standardised matrix (see ``najma.geography.maps.cached``).
_CACHE_KEY = "selection-matrix"


@dataclass(frozen=True)
class Criterion:
    """One column of the score: a census indicator, the setting, or a manual score."""

    key: str
    label: object
    kind: str  # census, setting, manual
    #: A word or two for table headers and the "why" column.
    short: object = ""
    #: +1 when a higher value means more need (or, for the manual score, a better site), -1 otherwise.
    direction: int = 1
    help: object = ""


def _census_criterion(key: str, short, help_text) -> Criterion:
    indicator = INDICATORS[key]
    return Criterion(key, indicator.label, "census", short, 1 if indicator.higher_is_worse else -1, help_text)


#: The criteria in the order the forms and tables show them.
CRITERIA: dict[str, Criterion] = {c.key: c for c in (
    _census_criterion("illiteracy_10_plus", _l("Illiteracy"), _l("Higher illiteracy, more need.")),
    _census_criterion("schooling", _l("School enrolment"), _l("Lower school enrolment, more need.")),
    _census_criterion("unemployment", _l("Unemployment"), _l("Higher unemployment, more need.")),
    _census_criterion("activity", _l("Participation"), _l("Lower labour force participation, more need.")),
    _census_criterion("disability", _l("Disability"), _l("Higher disability prevalence, more need.")),
    Criterion(RURAL, _l("Rural commune"), "setting", _l("Rural"), 1,
              _l("Favours rural communes over municipalities.")),
    Criterion(STAFF_QUALIFICATION, _l("Qualification of Entraide Nationale's staff (manual, 0-5)"), "manual",
              _l("Staff"), 1, _l("Better qualified staff make the site more feasible.")),
)}
#: The census indicators, in the matrix's column order.
CENSUS_KEYS = tuple(key for key, c in CRITERIA.items() if c.kind == "census")
#: The matrix's columns: the census indicators, then the setting.
MATRIX_KEYS = (*CENSUS_KEYS, RURAL)

#: The weights used until the committee saves its own. Illiteracy weighs most, as the census
#: figure closest to poverty pockets; school enrolment and unemployment next; participation,
#: disability and the staff's qualification once; the setting not at all (filter by it instead).
DEFAULT_WEIGHTS: dict[str, float] = {
    "illiteracy_10_plus": 3, "schooling": 2, "unemployment": 2, "activity": 1, "disability": 1,
    RURAL: 0, STAFF_QUALIFICATION: 1,
}


# --- The standardised matrix ----------------------------------------------------------------------

@dataclass(frozen=True)
class Matrix:
    """Every loaded commune with its census values and standard scores (one row per commune)."""

    ids: np.ndarray
    codes: tuple[str, ...]
    names: tuple[tuple[str, str], ...]
    kinds: tuple[str, ...]
    populations: tuple[int | None, ...]
    province_ids: np.ndarray
    region_ids: np.ndarray
    provinces: dict[int, tuple[str, str]]
    regions: dict[int, tuple[str, str]]
    #: Raw values (percent; 1/0 for rural), NaN when missing: shape (communes, len(MATRIX_KEYS)).
    values: np.ndarray
    #: Need-oriented standard scores, capped at +/- ``Z_LIMIT``, 0 where missing.
    scores: np.ndarray
    missing: np.ndarray
    means: np.ndarray
    deviations: np.ndarray
    #: The source figures of each commune (for recomputing a group's rates from counts).
    figures: tuple[dict, ...]
    #: True where the municipal population is under ``SMALL_POPULATION`` (rates on few people).
    small: tuple[bool, ...] = ()
    row_of: dict[int, int] = field(default_factory=dict)

    def standardise(self, values: np.ndarray) -> np.ndarray:
        """Standard scores of raw values (columns ``MATRIX_KEYS``), need-oriented; 0 for NaN."""
        return _standardise(values, self.means, self.deviations)


def _standardise(values: np.ndarray, means: np.ndarray, deviations: np.ndarray) -> np.ndarray:
    directions = np.array([CRITERIA[key].direction for key in MATRIX_KEYS], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(deviations > 0, (values - means) / np.where(deviations > 0, deviations, 1.0), 0.0)
    return np.clip(np.nan_to_num(z * directions, nan=0.0), -Z_LIMIT, Z_LIMIT)


def _version() -> tuple:
    """What identifies the loaded communes and census records (counts and highest ids)."""
    return tuple(db.session.execute(sa.select(
        sa.select(sa.func.count(CensusRecord.id)).scalar_subquery(),
        sa.select(sa.func.max(CensusRecord.id)).scalar_subquery(),
        sa.select(sa.func.count(Commune.id)).scalar_subquery(),
        sa.select(sa.func.max(Commune.id)).scalar_subquery())).one())


def _build_matrix() -> Matrix:
    rows = db.session.execute(
        sa.select(Commune.id, Commune.code, Commune.name_fr, Commune.name_ar, Commune.kind,
                  Commune.population_2024, Province.id, Province.name_fr, Province.name_ar,
                  Region.id, Region.name_fr, Region.name_ar, CensusRecord.figures)
        .join(Province, Commune.province_id == Province.id).join(Region, Province.region_id == Region.id)
        .outerjoin(CensusRecord, sa.and_(
            CensusRecord.level == "commune", CensusRecord.code == Commune.code,
            CensusRecord.census == SELECTION_CENSUS, CensusRecord.subject == "people",
            CensusRecord.area == "total", CensusRecord.sex == "all"))
        .order_by(Commune.code)).all()
    figures = tuple(row[12] or {} for row in rows)
    columns = []
    for key in CENSUS_KEYS:
        indicator = INDICATORS[key]
        columns.append([indicator.value(SELECTION_CENSUS, f) if f else None for f in figures])
    columns.append([1.0 if row[4] == "rural" else 0.0 for row in rows])
    values = np.array(columns, dtype=float).T if rows else np.empty((0, len(MATRIX_KEYS)))
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):
        counted = (~missing).sum(axis=0)
        means = np.where(counted > 0, np.nansum(values, axis=0) / np.maximum(counted, 1), 0.0)
        deviations = np.sqrt(np.where(counted > 0, np.nansum((values - means) ** 2, axis=0)
                                      / np.maximum(counted, 1), 0.0))
    return Matrix(
        ids=np.array([row[0] for row in rows], dtype=np.int64),
        codes=tuple(row[1] for row in rows), names=tuple((row[2], row[3]) for row in rows),
        kinds=tuple(row[4] for row in rows), populations=tuple(row[5] for row in rows),
        province_ids=np.array([row[6] for row in rows], dtype=np.int64),
        region_ids=np.array([row[9] for row in rows], dtype=np.int64),
        provinces={row[6]: (row[7], row[8]) for row in rows}, regions={row[9]: (row[10], row[11]) for row in rows},
        values=values, scores=_standardise(values, means, deviations), missing=missing, means=means,
        deviations=deviations, figures=figures,
        small=tuple((f.get("population_municipal") or 0) < SMALL_POPULATION if f else False for f in figures),
        row_of={row[0]: index for index, row in enumerate(rows)})


def matrix() -> Matrix:
    """The standardised matrix of every loaded commune, cached until communes or census records change."""
    return maps.cached((_CACHE_KEY, _version()), _build_matrix)


def clear_cache() -> None:
    """Forget the standardised matrix (called when communes or census records change)."""
    maps.clear_cache(_CACHE_KEY)


@sa.event.listens_for(CensusRecord, "after_insert")
@sa.event.listens_for(CensusRecord, "after_update")
@sa.event.listens_for(CensusRecord, "after_delete")
@sa.event.listens_for(Commune, "after_insert")
@sa.event.listens_for(Commune, "after_update")
@sa.event.listens_for(Commune, "after_delete")
def _rows_changed(_mapper, _connection, _target) -> None:
    clear_cache()


# --- Scoring ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommuneInfo:
    """A commune as the selection pages show it."""

    id: int
    code: str
    name_fr: str
    name_ar: str
    setting: str
    population: int | None
    province_id: int
    province_fr: str
    province_ar: str
    region_id: int
    region_fr: str
    region_ar: str
    #: The territories it already belongs to: ``(name, slug)``.
    territories: tuple[tuple[str, str], ...] = ()
    #: Its municipal population is under ``SMALL_POPULATION``: its rates rest on few people.
    small_population: bool = False

    @property
    def name(self) -> str:
        return localized(self.name_fr, self.name_ar)

    @property
    def province(self) -> str:
        return localized(self.province_fr, self.province_ar)

    @property
    def region(self) -> str:
        return localized(self.region_fr, self.region_ar)

    @property
    def setting_label(self) -> str:
        return label(SETTINGS, self.setting)

    @property
    def in_territory(self) -> bool:
        return bool(self.territories)


@dataclass(frozen=True)
class Contribution:
    """One criterion's part of a commune's score."""

    key: str
    value: float | None
    z: float
    weight: float
    points: float
    imputed: bool

    @property
    def label(self) -> str:
        return str(CRITERIA[self.key].label)

    @property
    def short(self) -> str:
        return str(CRITERIA[self.key].short)


@dataclass(frozen=True)
class Candidate:
    """A commune with its score, rank and the contribution of each weighted criterion."""

    commune: CommuneInfo
    rank: int
    score: float
    contributions: tuple[Contribution, ...]
    manual_score: int | None

    @property
    def imputed(self) -> list[Contribution]:
        """The weighted criteria whose value is missing and counted as the mean."""
        return [c for c in self.contributions if c.imputed]

    @property
    def why(self) -> list[Contribution]:
        """The weighted criteria, the largest part (up or down) first."""
        return sorted(self.contributions, key=lambda c: -abs(c.points))


def _territory_links() -> dict[int, tuple[tuple[str, str], ...]]:
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for commune_id, name, slug in db.session.execute(
            sa.select(TerritoryCommune.commune_id, Territory.name, Territory.slug)
            .join(Territory, TerritoryCommune.territory_id == Territory.id).order_by(Territory.name)):
        links[commune_id].append((name, slug))
    return {commune_id: tuple(names) for commune_id, names in links.items()}


def _info(m: Matrix, row: int, links: Mapping[int, tuple]) -> CommuneInfo:
    commune_id = int(m.ids[row])
    province_id, region_id = int(m.province_ids[row]), int(m.region_ids[row])
    return CommuneInfo(commune_id, m.codes[row], m.names[row][0], m.names[row][1], m.kinds[row],
                       m.populations[row], province_id, *m.provinces[province_id], region_id,
                       *m.regions[region_id], links.get(commune_id, ()), m.small[row])


def manual_scores(criterion: str = STAFF_QUALIFICATION) -> dict[int, ManualScore]:
    """Every commune's manual score for ``criterion``, by commune id (one query)."""
    return {score.commune_id: score for score in db.session.execute(
        sa.select(ManualScore).where(ManualScore.criterion == criterion)).scalars()}


def check_weights(raw: Mapping[str, object]) -> dict[str, float]:
    """The weights of every criterion from ``raw`` (missing ones count 0); refuses a weight that is
    not a number from 0 to 10, and weights that are all zero."""
    weights: dict[str, float] = {}
    for key, criterion in CRITERIA.items():
        value = raw.get(key, 0)
        try:
            number = float(value if value not in (None, "") else 0)
        except (TypeError, ValueError):
            raise DomainError(_l("%(criterion)s: a weight is a number from 0 to %(max)d.",
                                 criterion=criterion.label, max=WEIGHT_MAX), field=key) from None
        if not (0 <= number <= WEIGHT_MAX) or math.isnan(number):
            raise DomainError(_l("%(criterion)s: a weight is a number from 0 to %(max)d.",
                                 criterion=criterion.label, max=WEIGHT_MAX), field=key)
        weights[key] = number
    if not any(weights.values()):
        raise DomainError(_l("Give at least one criterion a weight above zero."))
    return weights


def score_communes(weights: Mapping[str, float], manual: Mapping[int, int] | None = None, *,
                   setting: str | None = None, region_id: int | None = None, province_id: int | None = None,
                   hide_in_territory: bool = False) -> list[Candidate]:
    """Every loaded commune (within the filters) ranked by its weighted score, highest first.

    ``manual`` maps commune ids to staff qualification scores (read from the database when None).
    Communes already in a territory are flagged (``commune.territories``), or left out with
    ``hide_in_territory``. Standardisation is over every loaded commune, so filters never change a
    commune's score, only which communes are listed.
    """
    checked = check_weights(weights)
    m = matrix()
    if manual is None:
        manual = {commune_id: score.score for commune_id, score in manual_scores().items()}
    links = _territory_links()
    count = len(m.codes)
    manual_values = np.full(count, np.nan)
    for commune_id, score in manual.items():
        row = m.row_of.get(commune_id)
        if row is not None and score is not None:
            manual_values[row] = float(score)
    manual_z = np.nan_to_num((manual_values - MANUAL_MIDPOINT) / MANUAL_SPREAD, nan=0.0)
    keys = [key for key in CRITERIA if checked[key] > 0]
    total = sum(checked[key] for key in keys)
    z = np.column_stack([manual_z if key == STAFF_QUALIFICATION else m.scores[:, MATRIX_KEYS.index(key)]
                         for key in keys]) if count else np.empty((0, len(keys)))
    weight_vector = np.array([checked[key] for key in keys])
    points = z * weight_vector / total
    totals = points.sum(axis=1)

    mask = np.ones(count, dtype=bool)
    if setting in COMMUNE_SETTINGS:
        mask &= np.array([kind == setting for kind in m.kinds], dtype=bool)
    if region_id:
        mask &= m.region_ids == region_id
    if province_id:
        mask &= m.province_ids == province_id
    if hide_in_territory and links:
        mask &= ~np.isin(m.ids, np.fromiter(links, dtype=np.int64))
    rows = np.flatnonzero(mask)
    # Highest score first; ties by HCP code (the matrix's order), so the ranking is stable.
    rows = rows[np.argsort(-totals[rows], kind="stable")]

    values = {key: (manual_values if key == STAFF_QUALIFICATION else m.values[:, MATRIX_KEYS.index(key)])
              for key in keys}
    imputed = {key: (np.isnan(manual_values) if key == STAFF_QUALIFICATION
                     else m.missing[:, MATRIX_KEYS.index(key)]) for key in keys}
    value_lists = {key: values[key].tolist() for key in keys}
    imputed_lists = {key: imputed[key].tolist() for key in keys}
    z_list, points_list, totals_list = z.tolist(), points.tolist(), totals.tolist()
    manual_list = manual_values.tolist()
    candidates = []
    for rank, row in enumerate(rows.tolist(), start=1):
        contributions = tuple(
            Contribution(key, None if imputed_lists[key][row] else value_lists[key][row], z_list[row][i],
                         checked[key], points_list[row][i], imputed_lists[key][row])
            for i, key in enumerate(keys))
        manual_value = manual_list[row]
        candidates.append(Candidate(_info(m, row, links), rank, totals_list[row], contributions,
                                    None if math.isnan(manual_value) else int(manual_value)))
    return candidates


# --- Weights and manual scores --------------------------------------------------------------------

def saved_weights() -> dict[str, float]:
    """The committee's saved weights (the defaults for criteria it never weighed, or before it saved any)."""
    profile = db.session.execute(
        sa.select(SelectionProfile).where(SelectionProfile.name == PROFILE_NAME)).scalar_one_or_none()
    weights = dict(DEFAULT_WEIGHTS)
    if profile is not None:
        weights.update({key: float(value) for key, value in (profile.weights or {}).items() if key in CRITERIA})
    return weights


def save_weights(actor, weights: Mapping[str, object]) -> SelectionProfile:
    """Save the committee's weights as the profile every steering member sees. Audited."""
    checked = check_weights(weights)
    profile = db.session.execute(
        sa.select(SelectionProfile).where(SelectionProfile.name == PROFILE_NAME)).scalar_one_or_none()
    created = profile is None
    if created:
        profile = SelectionProfile(name=PROFILE_NAME, weights={})
        db.session.add(profile)
        db.session.flush()
    before = {f"weight_{key}": value for key, value in (profile.weights or {}).items()}
    profile.weights = checked
    profile.updated_by_id = getattr(actor, "id", None)
    audit.record(actor, "create" if created else "update", profile, before, {f"weight_{key}": value for key, value in checked.items()},
                 label=str(_l("Selection weights")))
    db.session.commit()
    return profile


def set_manual_score(actor, commune_id: int, score: object, note: str = "",
                     criterion: str = STAFF_QUALIFICATION) -> ManualScore:
    """Record (or change) a commune's manual score from 0 to 5, with an optional note. Audited."""
    if criterion != STAFF_QUALIFICATION:
        raise DomainError(_l("Unknown criterion."), field="criterion")
    commune = db.session.get(Commune, commune_id) if isinstance(commune_id, int) else None
    if commune is None:
        raise DomainError(_l("Unknown commune: reload the page and try again."), field="commune_id")
    try:
        number = int(str(score).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MANUAL_MAX:
        raise DomainError(_l("A score is a whole number from 0 to %(max)d.", max=MANUAL_MAX), field="score")
    note = (note or "").strip()
    if len(note) > 2000:
        raise DomainError(_l("Keep the note under 2,000 characters."), field="note")
    entry = db.session.execute(sa.select(ManualScore).where(
        ManualScore.commune_id == commune.id, ManualScore.criterion == criterion)).scalar_one_or_none()
    before = {} if entry is None else audit.snapshot(entry, ("score", "note"))
    if entry is None:
        entry = ManualScore(commune_id=commune.id, criterion=criterion, score=number, note=note)
        db.session.add(entry)
    entry.score, entry.note, entry.updated_by_id = number, note, getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "create" if not before else "update", entry, before,
                 audit.snapshot(entry, ("score", "note")), label=commune.name_fr)
    db.session.commit()
    return entry


# --- Similarity to the pilots ---------------------------------------------------------------------

@dataclass(frozen=True)
class Pilot:
    """A pilot territory and its census profile (over its communes, recomputed from counts)."""

    id: int
    name: str
    slug: str
    phase: str
    province_id: int
    province_fr: str
    province_ar: str
    region_id: int
    communes: int
    #: Raw values of the census indicators (``CENSUS_KEYS``), None when no commune publishes one.
    values: tuple[float | None, ...]
    z: tuple[float, ...]

    @property
    def province(self) -> str:
        return localized(self.province_fr, self.province_ar)

    @property
    def phase_label(self) -> str:
        return label(PHASES, self.phase)

    @property
    def profile(self) -> list[tuple[str, float | None]]:
        """``(indicator label, value)`` in ``CENSUS_KEYS`` order."""
        return [(str(CRITERIA[key].label), value) for key, value in zip(CENSUS_KEYS, self.values)]


@dataclass(frozen=True)
class Alike:
    """An indicator on which a candidate and its nearest pilot are close."""

    key: str
    value: float | None
    pilot_value: float | None
    gap: float

    @property
    def label(self) -> str:
        return str(CRITERIA[self.key].label)

    @property
    def short(self) -> str:
        return str(CRITERIA[self.key].short)


@dataclass(frozen=True)
class Similar:
    """A candidate commune, its nearest pilot on the census indicators and how close it is."""

    commune: CommuneInfo
    rank: int
    distance: float
    pilot: Pilot
    alike: tuple[Alike, ...]
    #: ``province`` or ``region`` when the commune lies in a pilot's province or region, else "".
    nearness: str
    near_pilot: Pilot | None
    imputed: tuple[str, ...]

    @property
    def imputed_labels(self) -> list[str]:
        return [str(CRITERIA[key].label) for key in self.imputed]


def pilot_rule() -> str:
    """The rule that makes a territory a pilot, as the page states it."""
    return str(_l("Pilots are the territories in the experimentation phase, or that have been through it "
                  "(a recorded move into or out of experimentation)."))


def pilots(m: Matrix | None = None) -> list[Pilot]:
    """The pilot territories (see ``pilot_rule``) that have communes, with their census profile."""
    m = m or matrix()
    through = sa.select(PhaseTransition.territory_id).where(
        PhaseTransition.territory_id.is_not(None),
        sa.or_(PhaseTransition.to_phase == "experimentation", PhaseTransition.from_phase == "experimentation"))
    rows = db.session.execute(
        sa.select(Territory.id, Territory.name, Territory.slug, Territory.phase, Territory.province_id,
                  Province.name_fr, Province.name_ar, Province.region_id, TerritoryCommune.commune_id)
        .join(Province, Territory.province_id == Province.id)
        .join(TerritoryCommune, TerritoryCommune.territory_id == Territory.id)
        .where(sa.or_(Territory.phase == "experimentation", Territory.id.in_(through)))
        .order_by(Territory.name, Territory.id)).all()
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    result = []
    for territory_rows in grouped.values():
        first = territory_rows[0]
        figures = [m.figures[m.row_of[row[8]]] for row in territory_rows if row[8] in m.row_of]
        values = [weighted(INDICATORS[key], SELECTION_CENSUS, figures).value for key in CENSUS_KEYS]
        raw = np.array([*(np.nan if v is None else v for v in values), np.nan], dtype=float)
        z = m.standardise(raw[None, :])[0][:len(CENSUS_KEYS)] if len(m.codes) else np.zeros(len(CENSUS_KEYS))
        result.append(Pilot(first[0], first[1], first[2], first[3], first[4], first[5], first[6], first[7],
                            len(territory_rows), tuple(values), tuple(float(v) for v in z)))
    return result


def similar_to_pilots(limit: int | None = 50, *, same_region: bool = False, setting: str | None = None,
                      found: list[Pilot] | None = None) -> list[Similar]:
    """Communes in no territory ranked by census similarity to the nearest pilot (closest first).

    ``same_region`` keeps only communes in a pilot's region (a pilot's province or a neighbouring
    one); the three indicators on which each is closest to its pilot say why it is alike. ``found``:
    the pilots when the caller already has them.
    """
    m = matrix()
    found = pilots(m) if found is None else found
    if not found or not len(m.codes):
        return []
    links = _territory_links()
    census_columns = [MATRIX_KEYS.index(key) for key in CENSUS_KEYS]
    z = m.scores[:, census_columns]
    pilot_z = np.array([p.z for p in found])
    gaps = np.abs(z[:, None, :] - pilot_z[None, :, :])  # communes x pilots x indicators
    distances = np.sqrt((gaps ** 2).sum(axis=2))
    nearest = distances.argmin(axis=1)
    best = distances[np.arange(len(m.codes)), nearest]

    mask = ~np.isin(m.ids, np.fromiter(links, dtype=np.int64)) if links else np.ones(len(m.codes), dtype=bool)
    pilot_provinces = np.array([p.province_id for p in found])
    pilot_regions = np.array([p.region_id for p in found])
    in_pilot_region = np.isin(m.region_ids, pilot_regions)
    if same_region:
        mask &= in_pilot_region
    if setting in COMMUNE_SETTINGS:
        mask &= np.array([kind == setting for kind in m.kinds], dtype=bool)
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(best[rows], kind="stable")]
    if limit:
        rows = rows[:limit]

    result = []
    for rank, row in enumerate(rows.tolist(), start=1):
        index = int(nearest[row])
        pilot = found[index]
        order = np.argsort(gaps[row, index], kind="stable")[:3]
        alike = tuple(Alike(CENSUS_KEYS[i], _value(m, row, census_columns[i]), pilot.values[i],
                            float(gaps[row, index, i])) for i in order.tolist())
        nearness, near_pilot = _nearness(int(m.province_ids[row]), int(m.region_ids[row]), index, found,
                                         pilot_provinces, pilot_regions)
        imputed = tuple(key for key, column in zip(CENSUS_KEYS, census_columns) if m.missing[row, column])
        result.append(Similar(_info(m, row, links), rank, float(best[row]), pilot, alike, nearness, near_pilot,
                              imputed))
    return result


def _value(m: Matrix, row: int, column: int) -> float | None:
    return None if m.missing[row, column] else float(m.values[row, column])


def _nearness(province_id: int, region_id: int, nearest: int, found: list[Pilot], provinces: np.ndarray,
              regions: np.ndarray) -> tuple[str, Pilot | None]:
    """Whether a commune lies in a pilot's province or region (the nearest pilot's first)."""
    for kind, own, column in (("province", province_id, provinces), ("region", region_id, regions)):
        if column[nearest] == own:
            return kind, found[nearest]
        matches = np.flatnonzero(column == own)
        if len(matches):
            return kind, found[int(matches[0])]
    return "", None


# --- Coverage ---------------------------------------------------------------------------------------

@dataclass
class ProvinceCoverage:
    """A province and its territories (``(name, slug, phase)``)."""

    id: int
    code: str
    name_fr: str
    name_ar: str
    territories: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return localized(self.name_fr, self.name_ar)

    @property
    def covered(self) -> bool:
        return bool(self.territories)

    @property
    def leading_phase(self) -> str | None:
        return maps.leading_phase(phase for _name, _slug, phase in self.territories)


@dataclass
class RegionCoverage:
    """A region's provinces, with and without a territory."""

    code: str
    name_fr: str
    name_ar: str
    provinces: list[ProvinceCoverage] = field(default_factory=list)

    @property
    def name(self) -> str:
        return localized(self.name_fr, self.name_ar)

    @property
    def with_territory(self) -> int:
        return sum(1 for p in self.provinces if p.covered)

    @property
    def without_territory(self) -> int:
        return len(self.provinces) - self.with_territory


@dataclass
class Coverage:
    """Every loaded province, grouped by region, with its territories; counts with and without."""

    regions: list[RegionCoverage]
    #: Territories by phase over the whole country.
    phases: dict[str, int]

    @property
    def provinces(self) -> int:
        return sum(len(r.provinces) for r in self.regions)

    @property
    def with_territory(self) -> int:
        return sum(r.with_territory for r in self.regions)

    @property
    def without_territory(self) -> int:
        return self.provinces - self.with_territory


def coverage() -> Coverage:
    """Which provinces already have a territory and which do not yet (two queries)."""
    territories: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    phases = dict.fromkeys(PHASES, 0)
    for province_id, name, slug, phase in db.session.execute(
            sa.select(Territory.province_id, Territory.name, Territory.slug, Territory.phase)
            .order_by(Territory.name)):
        territories[province_id].append((name, slug, phase))
        phases[phase] = phases.get(phase, 0) + 1
    regions: dict[str, RegionCoverage] = {}
    for province_id, code, name_fr, name_ar, region_code, region_fr, region_ar in db.session.execute(
            sa.select(Province.id, Province.code, Province.name_fr, Province.name_ar, Region.code,
                      Region.name_fr, Region.name_ar)
            .join(Region, Province.region_id == Region.id).order_by(Region.code, Province.name_fr)):
        region = regions.setdefault(region_code, RegionCoverage(region_code, region_fr, region_ar))
        region.provinces.append(ProvinceCoverage(province_id, code, name_fr, name_ar, territories.get(province_id, [])))
    return Coverage(list(regions.values()), phases)


def region_choices(m: Matrix | None = None) -> list[tuple[int, str]]:
    """The regions that have loaded communes, as ``(id, name)`` by name (no query once cached)."""
    m = m or matrix()
    return sorted(((rid, localized(*names)) for rid, names in m.regions.items()), key=lambda pair: pair[1])


def province_choices(m: Matrix | None = None) -> list[tuple[int, str]]:
    """The provinces that have loaded communes, as ``(id, name)`` by name (no query once cached)."""
    m = m or matrix()
    return sorted(((pid, localized(*names)) for pid, names in m.provinces.items()), key=lambda pair: pair[1])
