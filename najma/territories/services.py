"""Territories: creating them with their three bodies, editing, listing, and per-user views;
the communes they are made of, their census profile, their geometry and their exports."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.geography import census, outlines, spatial
from najma.geography.models import Boundary, CensusField, CensusRecord, Cercle, Commune, Province, Region
from najma.models_base import utcnow
from najma.governance.models import Body
from najma.territories.models import Territory, TerritoryCommune
from najma.vocab import PHASES, SETTINGS

#: Each territory has one body of each of these kinds, created with it.
TERRITORIAL_BODIES = ("antenna", "commission", "committee")
EDITABLE_FIELDS = ("name", "province_id", "setting", "cohort", "description")


def slugify(text: str) -> str:
    """An ASCII, lowercase, hyphenated slug (``El Haouz`` -> ``el-haouz``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "territoire"


def _unique_slug(base: str, exclude_id: int | None = None) -> str:
    base = base[:72].rstrip("-") or "territoire"  # leaves room for "-NN" within the 80-character column
    slug, n = base, 2
    while True:
        query = sa.select(Territory.id).where(Territory.slug == slug)
        if exclude_id is not None:
            query = query.where(Territory.id != exclude_id)
        if db.session.execute(query).first() is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def _validate(data: dict) -> None:
    if not (data.get("name") or "").strip():
        raise DomainError(_l("A territory needs a name."), field="name")
    if data.get("setting") not in SETTINGS:
        raise DomainError(_l("Choose urban, periurban or rural."), field="setting")
    if "phase" in data and data["phase"] not in PHASES:
        raise DomainError(_l("Unknown rollout phase."), field="phase")
    if data.get("province_id") is None or db.session.get(Province, data["province_id"]) is None:
        raise DomainError(_l("Choose a province."), field="province_id")


def create_territory(actor, data: dict, *, is_demo: bool = False) -> Territory:
    """Create a territory and its antenna, permanent commission and local committee."""
    _validate(data)
    territory = Territory(
        name=data["name"].strip(), slug=_unique_slug(slugify(data.get("slug") or data["name"])),
        province_id=data["province_id"], setting=data["setting"],
        phase=data.get("phase") or "launch", cohort=(data.get("cohort") or "").strip(),
        description=data.get("description") or "", is_demo=is_demo,
    )
    db.session.add(territory)
    db.session.flush()
    for kind in TERRITORIAL_BODIES:
        db.session.add(Body(kind=kind, territory_id=territory.id))
    audit.record(actor, "create", territory, {}, audit.snapshot(territory), territory_id=territory.id)
    db.session.commit()
    return territory


def update_territory(actor, territory: Territory, data: dict) -> Territory:
    """Change a territory's fields. The phase is not among them: it moves only through its gate,
    in ``najma.rollout.services.move_territory``."""
    merged = {key: getattr(territory, key) for key in EDITABLE_FIELDS + ("phase",)}
    merged.update({key: value for key, value in data.items() if key in EDITABLE_FIELDS})
    _validate(merged)
    before = audit.snapshot(territory)
    for key in EDITABLE_FIELDS:
        setattr(territory, key, merged[key].strip() if isinstance(merged[key], str) and key != "description"
                else merged[key])
    audit.record(actor, "update", territory, before, audit.snapshot(territory), territory_id=territory.id)
    db.session.commit()
    return territory


def get_by_slug(slug: str) -> Territory | None:
    """The territory with this slug, or None."""
    return db.session.execute(sa.select(Territory).where(Territory.slug == slug)).scalar_one_or_none()


def list_territories(*, phase: str | None = None, region_code: str | None = None, search: str = "",
                     page: int = 1, per_page: int = 50):
    """Territories filtered by phase, region and name, with province and region in one query."""
    query = (sa.select(Territory).join(Territory.province).join(Province.region)
             .order_by(Region.code, Province.name_fr, Territory.name))
    if phase:
        query = query.where(Territory.phase == phase)
    if region_code:
        query = query.where(Region.code == region_code)
    if search:
        query = query.where(sa.func.lower(Territory.name).like(f"%{search.strip().lower()}%"))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_by_phase() -> dict[str, int]:
    """Number of territories in each rollout phase (every phase present, zero included)."""
    counts = dict.fromkeys(PHASES, 0)
    rows = db.session.execute(sa.select(Territory.phase, sa.func.count()).group_by(Territory.phase)).all()
    counts.update({phase: n for phase, n in rows})
    return counts


def territory_bodies(territory: Territory) -> dict[str, Body]:
    """The territory's bodies by kind, in one query."""
    bodies = db.session.execute(sa.select(Body).where(Body.territory_id == territory.id)).scalars()
    return {body.kind: body for body in bodies}


# --- communes of a territory --------------------------------------------------------------------------

#: Characters folded before comparing names, in SQL and in Python alike: French accents and
#: apostrophes and hyphens ("Aït M'hamed" finds "Ait M'hamed"), Arabic hamza and ta marbuta forms.
_FRENCH_FOLDS = (("É", "e"), ("é", "e"), ("è", "e"), ("ê", "e"), ("ë", "e"), ("à", "a"), ("â", "a"),
                 ("î", "i"), ("ï", "i"), ("ô", "o"), ("û", "u"), ("ù", "u"), ("ç", "c"), ("'", ""),
                 ("’", ""), ("-", " "))
_ARABIC_FOLDS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ة", "ه"), ("ى", "ي"))
#: Most communes a search returns; the picker says when there are more.
SEARCH_LIMIT = 200
PART_MAX_LENGTH = 200


def fold(text: str) -> str:
    """``text`` as the search compares it: accents, hamzas, apostrophes and case folded away."""
    text = unicodedata.normalize("NFC", text.lower())
    for letter, replacement in _FRENCH_FOLDS + _ARABIC_FOLDS:
        text = text.replace(letter, replacement)
    return " ".join(text.split())


def _folded(column, folds):
    """The SQL twin of :func:`fold` for a name column (portable: nested REPLACE, then LOWER)."""
    expression = column
    for letter, replacement in folds:
        expression = sa.func.replace(expression, letter, replacement)
    return sa.func.lower(expression)


def search_communes(query: str = "", province_id: int | None = None,
                    limit: int = SEARCH_LIMIT) -> tuple[list[Commune], bool]:
    """Communes matching ``query``, ordered by province, cercle and name; and whether more matched.

    Every word of the query must appear in the French or the Arabic name (compared folded,
    see :func:`fold`), or the query must begin the HCP code. An empty query lists every
    commune (of ``province_id`` when given). One query, whatever the number of communes.
    """
    statement = (sa.select(Commune).join(Commune.province).outerjoin(Commune.cercle)
                 .options(orm.contains_eager(Commune.province), orm.contains_eager(Commune.cercle))
                 .order_by(Province.name_fr, Province.code, Cercle.id.is_not(None), Cercle.name_fr,
                           Commune.name_fr, Commune.code))
    if province_id is not None:
        statement = statement.where(Commune.province_id == province_id)
    words = fold(query or "").split()
    if words:
        # Folded once in a subquery, so that SQLite's parser never nests the folds per word.
        folded = sa.select(Commune.id.label("commune_id"), _folded(Commune.name_fr, _FRENCH_FOLDS).label("fr"),
                           _folded(Commune.name_ar, _ARABIC_FOLDS).label("ar")).subquery("folded")
        by_name = sa.and_(*[sa.or_(folded.c.fr.contains(word, autoescape=True),
                                   folded.c.ar.contains(word, autoescape=True)) for word in words])
        statement = (statement.join(folded, folded.c.commune_id == Commune.id)
                     .where(sa.or_(by_name, Commune.code.startswith(query.strip(), autoescape=True))))
    communes = list(db.session.execute(statement.limit(limit + 1)).unique().scalars())
    return communes[:limit], len(communes) > limit


def territory_communes(territory: Territory) -> list[TerritoryCommune]:
    """The territory's commune links with their communes, cercles and provinces, by code (one query)."""
    return list(db.session.execute(
        sa.select(TerritoryCommune).join(TerritoryCommune.commune)
        .options(orm.contains_eager(TerritoryCommune.commune).joinedload(Commune.cercle),
                 orm.contains_eager(TerritoryCommune.commune).joinedload(Commune.province))
        .where(TerritoryCommune.territory_id == territory.id).order_by(Commune.code)
    ).unique().scalars())


def communes_by_id(ids: list[int], parts: dict[int, str] | None = None) -> list[tuple[Commune, str]]:
    """(commune, part) for the known ``ids``, by code, with cercle and province (one query)."""
    if not ids:
        return []
    communes = db.session.execute(
        sa.select(Commune).options(orm.joinedload(Commune.cercle), orm.joinedload(Commune.province))
        .where(Commune.id.in_(ids)).order_by(Commune.code)).unique().scalars()
    return [(commune, (parts or {}).get(commune.id, "").strip()) for commune in communes]


def _composition(pairs) -> str:
    """A readable, sorted account of (commune, part) pairs for the audit log."""
    items = sorted((commune.code, commune.name_fr, part) for commune, part in pairs)
    return "; ".join(f"{code} {name}" + (f" ({part})" if part else "") for code, name, part in items)


def set_communes(actor, territory: Territory, commune_ids: list[int],
                 parts: dict[int, str] | None = None) -> Territory:
    """Make the territory exactly these communes (``parts``: commune id -> part description).

    Rules: every commune exists and lies in the territory's province (its committee is chaired
    by that province's delegate and its figures are compared with that province's); no commune
    twice; a part description only when the territory is made of that one commune. An empty
    list is allowed (the territory falls back on its province's outline). The census baselines of
    the indicators follow the composition. Audited; one transaction.
    """
    ids = [int(commune_id) for commune_id in commune_ids]
    if len(set(ids)) != len(ids):
        raise DomainError(_l("A commune was chosen twice."), field="communes")
    wanted = {commune_id: (parts or {}).get(commune_id, "").strip() for commune_id in ids}
    found = {commune.id: commune for commune in db.session.execute(
        sa.select(Commune).where(Commune.id.in_(ids))).scalars()} if ids else {}
    unknown = [str(commune_id) for commune_id in ids if commune_id not in found]
    if unknown:
        raise DomainError(_l("Unknown commune (%(ids)s): reload the page and choose again.",
                             ids=", ".join(unknown)), field="communes")
    outside = sorted(c.name_fr for c in found.values() if c.province_id != territory.province_id)
    if outside:
        raise DomainError(_l("%(names)s: not in the province of %(province)s. A territory lies within its "
                             "province, whose delegate chairs its committee.",
                             names=", ".join(outside), province=territory.province.name), field="communes")
    described = [commune_id for commune_id, part in wanted.items() if part]
    if described and len(ids) != 1:
        raise DomainError(_l("Describe a part only when the territory is made of that single commune; "
                             "otherwise choose whole communes."), field="communes")
    if any(len(part) > PART_MAX_LENGTH for part in wanted.values()):
        raise DomainError(_l("Describe the part in %(max)d characters or fewer.", max=PART_MAX_LENGTH),
                          field="communes")

    links = territory_communes(territory)
    before = _composition((link.commune, link.part) for link in links)
    existing = {link.commune_id: link for link in links}
    for commune_id, link in existing.items():
        if commune_id not in wanted:
            db.session.delete(link)
    for commune_id, part in wanted.items():
        link = existing.get(commune_id)
        if link is None:
            db.session.add(TerritoryCommune(territory_id=territory.id, commune_id=commune_id, part=part))
        elif link.part != part:
            link.part = part
    after = _composition((found[commune_id], part) for commune_id, part in wanted.items())
    if after != before:
        audit.record(actor, "update", territory, {"communes": before}, {"communes": after},
                     territory_id=territory.id)
        territory.updated_at = utcnow()  # the territory changed: caches keyed on it (dashboard) follow
    db.session.flush()
    db.session.expire(territory, ["commune_links"])
    # The census baselines are the communes' figures: they follow the composition in the same
    # transaction (run on every save, so a save repairs baselines left out of step).
    from najma.indicators.services import record_census_baselines

    record_census_baselines(actor, territory, commit=False)
    db.session.commit()
    return territory


# --- geometry: uploaded boundary, else union of communes, else province outline ------------------------

GEOMETRY_SOURCES = ("uploaded", "communes", "province")


# --- profile: census figures of the territory beside its province, region and the nation -------------

#: The columns of a profile, in order: the territory and the units it is compared with.
PROFILE_UNITS = ("territory", "province", "region", "nation")


@dataclass(frozen=True)
class ProfileCell:
    """One unit's value in 2014 and 2024, and the change (percent for counts, points for rates)."""

    value_2014: float | None = None
    value_2024: float | None = None

    @property
    def change(self) -> float | None:
        return None if self.value_2014 is None or self.value_2024 is None else self.value_2024 - self.value_2014

    @property
    def growth(self) -> float | None:
        """Relative change in percent, for counts."""
        if self.value_2014 in (None, 0) or self.value_2024 is None:
            return None
        return (self.value_2024 - self.value_2014) / self.value_2014 * 100


@dataclass
class ProfileRow:
    """One line of the profile: a count (``kind="count"``, change in percent) or a rate (points)."""

    key: str
    label: object
    kind: str
    cells: dict[str, ProfileCell]
    topic: object = ""
    definitions: list[str] = field(default_factory=list)
    notes: list[object] = field(default_factory=list)
    coverage: object = ""


@dataclass
class TerritoryProfile:
    """Everything the profile page shows, computed with a fixed number of queries."""

    territory: Territory
    area: str
    sex: str
    links: list[TerritoryCommune]
    unit_labels: dict[str, str]
    population: list[ProfileRow]
    indicators: list[ProfileRow]
    geometry: outlines.TerritoryGeometry
    areas_km2: dict[str, float | None]
    densities: dict[str, ProfileCell]

    @property
    def part(self) -> str:
        """The part description when the territory is part of a single commune, else ''."""
        return self.links[0].part if len(self.links) == 1 else ""

    @property
    def indicator_groups(self) -> list[tuple[object, list[ProfileRow]]]:
        """The indicators by topic, in the order the census module lists them."""
        groups: dict[str, tuple[object, list[ProfileRow]]] = {}
        for row in self.indicators:
            groups.setdefault(str(row.topic), (row.topic, []))[1].append(row)
        return list(groups.values())


def _sum(values) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def _population_records(units: dict[str, tuple[str, list[str]]], sex: str) -> dict:
    """Municipal population, households and legal population of every unit, census, area and sex.

    One query: only the three numbers are read out of the JSON figures.
    """
    conditions = [sa.and_(CensusRecord.level == level, CensusRecord.code.in_(codes))
                  for level, codes in units.values() if codes]
    rows = db.session.execute(
        sa.select(CensusRecord.level, CensusRecord.code, CensusRecord.census, CensusRecord.subject,
                  CensusRecord.area, CensusRecord.sex,
                  CensusRecord.figures["population_municipal"].as_float(),
                  CensusRecord.figures["population_legal"].as_float(),
                  CensusRecord.figures["households_count"].as_float())
        .where(sa.or_(*conditions), CensusRecord.census.in_(census.CENSUSES),
               CensusRecord.sex.in_({sex, "all"}))).all()
    found = {}
    for level, code, year, subject, area, row_sex, municipal, legal, households in rows:
        value = (municipal, legal) if subject == "people" else (households, None)
        found[(level, code, year, subject, area, row_sex)] = value
    return found


def territory_profile(territory: Territory, area: str = "total", sex: str = "all") -> TerritoryProfile:
    """The census profile of a territory beside its province, region and the nation.

    Counts are summed over the territory's communes; rates are recomputed from counts, weighted
    by their denominators (:func:`najma.geography.census.communes_figures`). ``area`` is
    total, urban or rural; ``sex`` all, male or female (households are not counted by sex).
    """
    if area not in census.AREAS or sex not in census.SEXES:
        raise DomainError(_l("Unknown area or sex in the address."))
    links = territory_communes(territory)
    codes = [link.commune.code for link in links]
    province, region = territory.province, territory.province.region
    units = {"territory": ("commune", codes), "province": ("province", [province.code]),
             "region": ("region", [region.code]), "nation": ("country", [census.COUNTRY_CODE])}
    unit_labels = {"territory": territory.name, "province": province.name, "region": region.name,
                   "nation": str(_l("Morocco"))}
    records = _population_records(units, sex)

    def total(unit: str, year: int, subject: str, unit_area: str, unit_sex: str, position: int = 0):
        level, unit_codes = units[unit]
        values = [records.get((level, code, year, subject, unit_area, unit_sex), (None, None))[position]
                  for code in unit_codes]
        if not unit_codes or all(value is None for value in values):
            return None
        return _sum(values)

    def cells(value) -> dict[str, ProfileCell]:
        return {unit: ProfileCell(value(unit, 2014), value(unit, 2024)) for unit in PROFILE_UNITS}

    def share(unit: str, year: int, part: str):
        whole = total(unit, year, "people", "total", sex)
        piece = total(unit, year, "people", part, sex) or 0
        return None if not whole else piece / whole * 100

    population = [ProfileRow("population", _l("Municipal population"), "count",
                             cells(lambda u, y: total(u, y, "people", area, sex)),
                             definitions=[str(_l("People who usually live in the unit (HCP's municipal "
                                                 "population), the base of the rates below."))])]
    if area == "total" and sex == "all":
        population.append(ProfileRow("population_legal", _l("Legal population"), "count",
                                     cells(lambda u, y: total(u, y, "people", "total", "all", 1)),
                                     definitions=[str(_l("Municipal population plus people counted apart "
                                                         "(barracks, boarding schools...): the official figure."))]))
    population.append(ProfileRow("households", _l("Households"), "count",
                                 cells(lambda u, y: total(u, y, "households", area, "all")),
                                 notes=[_l("Households are not counted by sex: all households.")]
                                 if sex != "all" else []))
    if area == "total":
        population.append(ProfileRow("urban_share", _l("Urban population share"), "rate",
                                     cells(lambda u, y: share(u, y, "urban"))))
        population.append(ProfileRow("rural_share", _l("Rural population share"), "rate",
                                     cells(lambda u, y: share(u, y, "rural"))))

    figures = {"territory": census.communes_figures(codes, area, sex) if codes else None,
               "province": census.unit_figures("province", province.code, area, sex),
               "region": census.unit_figures("region", region.code, area, sex),
               "nation": census.unit_figures("country", census.COUNTRY_CODE, area, sex)}
    definitions = _definitions()
    indicators = []
    for key, indicator in census.INDICATORS.items():
        row_cells = {unit: ProfileCell(*(unit_figures[key][year].value if unit_figures else None
                                         for year in census.CENSUSES))
                     for unit, unit_figures in figures.items()}
        coverage = ""
        if figures["territory"]:
            latest = figures["territory"][key].get(2024)
            if latest is not None and latest.missing and latest.value is not None:
                coverage = _l("%(units)d of %(total)d communes have this figure.",
                              units=latest.units, total=latest.units + latest.missing)
        notes = [note for note in (indicator.weight_note,) if note]
        texts = []
        for year, measure in indicator.by_census.items():
            described = definitions.get((year, measure.source_column))
            if described:
                texts.append(f"{year}: {described}")
        indicators.append(ProfileRow(key, indicator.label, "rate", row_cells, indicator.topic, texts, notes, coverage))

    geometry = outlines.territory_geometries([territory])[territory.id]
    areas = _unit_areas(province.code, region.code)
    areas_km2 = {"territory": geometry.area_km2 if geometry.is_territory_area else None,
                 "province": areas.get(("province", province.code)),
                 "region": areas.get(("region", region.code)), "nation": None}
    densities = {}
    for unit in PROFILE_UNITS:
        surface = areas_km2[unit]
        densities[unit] = ProfileCell(*(spatial.density(total(unit, year, "people", "total", "all"), surface)
                                        for year in census.CENSUSES))
    return TerritoryProfile(territory, area, sex, links, unit_labels, population, indicators, geometry,
                            areas_km2, densities)


def _definitions() -> dict[tuple[int, str], str]:
    """The source's French heading and note of each indicator column, by (census, column); one query."""
    datasets = {"indicators": 2024, "indicators2014": 2014}
    columns = {measure.source_column for indicator in census.INDICATORS.values()
               for measure in indicator.by_census.values()}
    found = {}
    for row in db.session.execute(sa.select(CensusField).where(
            CensusField.dataset.in_(datasets), CensusField.column.in_(columns))).scalars():
        text = row.heading
        if row.defined_as and row.defined_as not in text:
            text = f"{text}: {row.defined_as}"
        if row.note:
            text = f"{text} ({row.note})"
        found[(datasets[row.dataset], row.column)] = text
    return found


def _unit_areas(province_code: str, region_code: str) -> dict[tuple[str, str], float]:
    """Areas in km² of the province and region outlines, when they are stored.

    One query; the outline itself is read only for a boundary stored without its area.
    """
    result = {}
    for boundary_id, level, code, stored in db.session.execute(
            sa.select(Boundary.id, Boundary.level, Boundary.code, Boundary.area_km2).where(sa.or_(
                sa.and_(Boundary.level == "province", Boundary.code == province_code),
                sa.and_(Boundary.level == "region", Boundary.code == region_code)))):
        if stored is None:
            geometry = db.session.execute(sa.select(Boundary.geometry).where(Boundary.id == boundary_id)).scalar_one()
            stored = spatial.area_km2(spatial.from_wkb(geometry))
        result[(level, code)] = stored
    return result


def population_summary(links: list[TerritoryCommune]) -> dict[str, int | None]:
    """Legal population and households of the territory's communes, 2014 and 2024 (no query)."""
    communes = [link.commune for link in links]
    return {key: _sum(getattr(commune, key) for commune in communes) for key in
            ("population_2014", "population_2024", "households_2014", "households_2024")}


# --- exports: GeoJSON and GeoPackage -------------------------------------------------------------------

#: Credit carried by every exported feature for its census attributes.
CENSUS_CREDIT = "HCP, RGPH 2014 et 2024 (CC BY 4.0)"


def visible_territories(user) -> list[Territory]:
    """Every territory ``user`` may view, with province and region, by region and name."""
    from najma.permissions import can

    territories = db.session.execute(
        sa.select(Territory).join(Territory.province).join(Province.region)
        .order_by(Region.code, Province.name_fr, Territory.name)).scalars().all()
    return [territory for territory in territories if can(user, "territory.view", territory)]


def export_records(territories: list[Territory]) -> list[dict]:
    """One record per territory with its attributes and geometry (EPSG:4326), in ``EXPORT_COLUMNS``.

    ``geometry_source`` says where each outline comes from: ``uploaded``, ``communes`` (the union
    of its communes' polygons) or ``province`` (its province's outline, for want of better).
    Three queries whatever the number of territories.
    """
    ids = [t.id for t in territories]
    links = defaultdict(list)
    if ids:
        for link in db.session.execute(
                sa.select(TerritoryCommune).join(TerritoryCommune.commune)
                .options(orm.contains_eager(TerritoryCommune.commune))
                .where(TerritoryCommune.territory_id.in_(ids)).order_by(Commune.code)).scalars():
            links[link.territory_id].append(link)
    geometries = outlines.territory_geometries(territories)
    records = []
    for territory in territories:
        chosen = links[territory.id]
        summary = population_summary(chosen)
        shape = geometries[territory.id]
        records.append({
            "id": territory.id, "slug": territory.slug, "name": territory.name,
            "province_code": territory.province.code, "province": territory.province.name_fr,
            "region_code": territory.province.region.code, "region": territory.province.region.name_fr,
            "setting": territory.setting, "phase": territory.phase, "cohort": territory.cohort,
            "is_demo": territory.is_demo,
            "commune_codes": ",".join(link.commune.code for link in chosen),
            "communes": ", ".join(link.commune.name_fr for link in chosen),
            "part": chosen[0].part if len(chosen) == 1 else "",
            **summary,
            "area_km2": round(shape.area_km2, 3) if shape.area_km2 is not None else None,
            "geometry_source": shape.source or "",
            "geometry_credit": ", ".join(shape.credits),
            "census_credit": CENSUS_CREDIT,
            "geometry": shape.geometry,
        })
    return records


#: The attributes of an exported territory, in order (``geometry`` last).
EXPORT_COLUMNS = ["id", "slug", "name", "province_code", "province", "region_code", "region", "setting", "phase",
                  "cohort", "is_demo", "commune_codes", "communes", "part", "population_2014", "population_2024",
                  "households_2014", "households_2024", "area_km2", "geometry_source", "geometry_credit",
                  "census_credit", "geometry"]
_INTEGER_COLUMNS = ("population_2014", "population_2024", "households_2014", "households_2024")


def export_geojson(territories: list[Territory]) -> str:
    """The territories as a GeoJSON FeatureCollection (text)."""
    return outlines.write_features(export_records(territories), EXPORT_COLUMNS, "geojson",
                                   integer_columns=_INTEGER_COLUMNS)


def export_gpkg(territories: list[Territory]) -> bytes:
    """The territories as a GeoPackage (one layer, ``territories``), written by pyogrio."""
    return outlines.write_features(export_records(territories), EXPORT_COLUMNS, "gpkg", layer="territories",
                                   integer_columns=_INTEGER_COLUMNS)
