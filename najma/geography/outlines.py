"""Territory outlines and geographic files: the only place territories meet geopandas.

A territory's outline is, in order of preference, the boundary uploaded for it, the union of
its communes' polygons (when every one of them has a polygon), or its province's outline.
"""
from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from najma.extensions import db
from najma.geography import spatial
from najma.geography.models import Boundary, Commune
from najma.territories.models import Territory, TerritoryCommune


@dataclass(frozen=True)
class TerritoryGeometry:
    """A territory's outline, where it comes from, its area, and the credit its source asks for.

    ``source`` is ``uploaded``, ``communes`` or ``province`` (None when nothing is known);
    ``area_km2`` is the outline's area, which is the province's own when ``source`` is
    ``province``; ``missing`` lists communes without a polygon when that forced the fallback.
    """

    geometry: object | None
    source: str | None
    area_km2: float | None
    credits: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def is_territory_area(self) -> bool:
        """True when the area measures the territory itself, not its province."""
        return self.source in ("uploaded", "communes")


def territory_geometries(territories: list[Territory]) -> dict[int, TerritoryGeometry]:
    """The geometry of each territory, with two queries whatever their number.

    Communes' polygons are dissolved per territory with geopandas; areas are measured in the
    equal-area projection of :mod:`najma.geography.spatial`.
    """
    if not territories:
        return {}
    ids = [t.id for t in territories]
    links = defaultdict(list)
    for territory_id, code in db.session.execute(
            sa.select(TerritoryCommune.territory_id, Commune.code)
            .join(Commune, Commune.id == TerritoryCommune.commune_id)
            .where(TerritoryCommune.territory_id.in_(ids))):
        links[territory_id].append(code)
    commune_codes = {code for codes in links.values() for code in codes}
    province_codes = {t.province.code for t in territories}
    boundaries = {(b.level, b.code): b for b in db.session.execute(sa.select(Boundary).where(sa.or_(
        sa.and_(Boundary.level == "territory", Boundary.code.in_([str(i) for i in ids])),
        sa.and_(Boundary.level == "commune", Boundary.code.in_(commune_codes)),
        sa.and_(Boundary.level == "province", Boundary.code.in_(province_codes))))).scalars()}

    dissolved = _dissolve({t.id: [spatial.from_wkb(boundaries[("commune", code)].geometry) for code in links[t.id]]
                           for t in territories
                           if links[t.id] and all(("commune", code) in boundaries for code in links[t.id])})
    result = {}
    for territory in territories:
        uploaded = boundaries.get(("territory", str(territory.id)))
        codes = links[territory.id]
        missing = tuple(sorted(code for code in codes if ("commune", code) not in boundaries))
        if uploaded is not None:
            geometry = spatial.from_wkb(uploaded.geometry)
            result[territory.id] = TerritoryGeometry(
                geometry, "uploaded", uploaded.area_km2 or spatial.area_km2(geometry), (uploaded.source,))
        elif territory.id in dissolved:
            geometry = dissolved[territory.id]
            sources = tuple(sorted({boundaries[("commune", code)].source for code in codes}))
            result[territory.id] = TerritoryGeometry(geometry, "communes", spatial.area_km2(geometry), sources)
        elif ("province", territory.province.code) in boundaries:
            outline = boundaries[("province", territory.province.code)]
            geometry = spatial.from_wkb(outline.geometry)
            result[territory.id] = TerritoryGeometry(
                geometry, "province", outline.area_km2 or spatial.area_km2(geometry), (outline.source,), missing)
        else:
            result[territory.id] = TerritoryGeometry(None, None, None, (), missing)
    return result


def _dissolve(parts: dict[int, list]) -> dict[int, object]:
    """Union of each territory's commune polygons (geopandas dissolve), by territory id."""
    if not parts:
        return {}
    import geopandas

    frame = geopandas.GeoDataFrame(
        {"territory_id": [tid for tid, geometries in parts.items() for _ in geometries]},
        geometry=[geometry for geometries in parts.values() for geometry in geometries], crs=spatial.STORAGE_CRS)
    merged = frame.dissolve(by="territory_id")
    return {int(tid): geometry for tid, geometry in merged.geometry.items()}


def write_features(records: list[dict], columns: list[str], fmt: str, *, layer: str = "features",
                   integer_columns: tuple[str, ...] = ()) -> str | bytes:
    """``records`` (with a ``geometry`` in EPSG:4326) as GeoJSON text or GeoPackage bytes."""
    import geopandas

    frame = geopandas.GeoDataFrame(records, columns=columns, geometry="geometry", crs=spatial.STORAGE_CRS)
    for column in integer_columns:
        frame[column] = frame[column].astype("Int64")
    for column in columns:
        if column.endswith("_km2"):
            frame[column] = frame[column].astype("Float64")
    if fmt == "geojson":
        return frame.to_json(drop_id=True, ensure_ascii=False)
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    try:
        os.unlink(path)  # GDAL creates the file itself
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        with open(path, "rb") as stream:
            return stream.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
