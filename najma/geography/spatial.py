"""Geometry storage and measurement shared by the geography package (shapely, pyproj).

Boundaries are kept as WKB in EPSG:4326 (longitude, latitude) so SQLite and PostgreSQL store
them alike. Areas and densities are computed in an equal-area projection: a Lambert azimuthal
equal-area projection centred on Morocco (31° N, 7° W). Equal-area because an area must not
depend on where the unit lies, and centred on the country so that shapes stay close to true
from Tanger to Lagouira; the Lambert conformal zones of Merchich (EPSG:26191...26195) preserve
angles, not areas, and split the country in four.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely import wkb
from shapely.geometry.base import BaseGeometry

#: Storage and display CRS.
STORAGE_CRS = "EPSG:4326"
#: The equal-area projection used for areas and densities (see the module docstring).
AREA_CRS = "+proj=laea +lat_0=31 +lon_0=-7 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


@lru_cache(maxsize=1)
def _to_area_crs() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(STORAGE_CRS, AREA_CRS, always_xy=True)


def to_wkb(geometry: BaseGeometry) -> bytes:
    """The geometry as 2D WKB, ready for ``Boundary.geometry``."""
    return wkb.dumps(shapely.force_2d(geometry))


def from_wkb(data: bytes) -> BaseGeometry:
    """The shapely geometry stored in ``Boundary.geometry``."""
    return wkb.loads(data)


def area_km2(geometry: BaseGeometry) -> float:
    """Area of a lon/lat geometry in square kilometres, measured in the equal-area projection."""
    transformer = _to_area_crs()

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(geometry, project).area / 1_000_000


def density(population: int | None, area: float | None) -> float | None:
    """People per square kilometre, or None when either figure is missing."""
    if not population or not area:
        return None
    return population / area
