"""Boundary import pages, as users see them: upload, preview, confirm; refusals change nothing."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.extensions import db as _db
from najma.geography.models import Boundary
from tests.conftest import make_territory
from tests.geography.test_imports import frame, load_pilot_units, provinces_frame, square, zipped_shapefile

URL = "/geo/boundaries/import"


@pytest.fixture
def db(app):
    """Only what boundary imports need (see tests/geography/test_imports.py)."""
    load_pilot_units()
    return _db


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    """Waiting uploads go to a temporary instance folder; returns ``instance/imports``."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    return tmp_path / "instance" / "imports"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def count(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Boundary)).scalar_one()


def geojson(gdf) -> bytes:
    return gdf.to_json().encode()


def upload(client, content: bytes, filename: str, url: str = URL, **fields):
    data = {"level": "province", "territory": "", "code_column": "", "name_column": "", "assume_crs": ""}
    data.update(fields)
    data["file"] = (io.BytesIO(content), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def token_of(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def waiting(uploads) -> list[str]:
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []


# --- access ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "antenna_staff", "delegate", "evaluator"])
def test_only_the_steering_committee_imports_unit_boundaries(client, login, role):
    login(role)
    assert client.get(URL).status_code == 403
    assert upload(client, geojson(provinces_frame()), "p.geojson").status_code == 403


def test_steering_sees_the_upload_form_with_csrf(app, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    login("steering")
    response = client.get(URL)
    page = text(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token" type="hidden"' in page
    assert "Import boundaries" in page and "Coordinate system to assume" in page


def test_upload_without_csrf_token_is_refused(app, client, login, db):
    app.config["WTF_CSRF_ENABLED"] = True
    login("steering")
    response = upload(client, geojson(provinces_frame()), "p.geojson")
    assert response.status_code == 400 and count(db) == 0


def test_a_delegate_imports_the_outline_of_their_own_territory_only(client, login, territory, db):
    login("delegate")
    url = f"{URL}?territory={territory.slug}"
    assert client.get(url).status_code == 200
    other = make_territory("Chefchaouen", province_code="01.151")
    assert client.get(f"{URL}?territory={other.slug}").status_code == 403
    assert client.get(f"{URL}?territory=nowhere").status_code == 404
    response = upload(client, geojson(frame([{"nom": "x", "geometry": square("05.081")}])), "azilal.geojson",
                      url=url, level="territory", territory=territory.slug)
    assert response.status_code == 200, text(response)
    confirm = client.post("/geo/boundaries/import/confirm", data={"token": token_of(text(response))})
    assert confirm.status_code == 302 and confirm.headers["Location"].endswith(f"/territories/{territory.slug}")
    stored = db.session.execute(sa.select(Boundary)).scalar_one()
    assert (stored.level, stored.code, stored.source) == ("territory", str(territory.id), "azilal.geojson")


def test_a_delegate_cannot_switch_the_level_of_a_territory_upload(client, login, territory, db):
    login("delegate")
    response = upload(client, geojson(provinces_frame()), "p.geojson", url=f"{URL}?territory={territory.slug}",
                      level="province")
    assert response.status_code == 400 and count(db) == 0


# --- preview then confirm -------------------------------------------------------------------------------

def test_preview_lists_matches_and_confirm_writes_them(client, login, db, uploads):
    user = login("steering")
    response = upload(client, geojson(provinces_frame()), "provinces-2024.geojson")
    page = text(response)
    assert response.status_code == 200
    assert "4 boundaries are ready to import. Nothing has been saved yet." in page
    matches = page[page.index('data-testid="import-matches"'):]
    for code, name in (("05.081", "Azilal"), ("01.151", "Chefchaouen"), ("07.041", "Al Haouz"), ("07.431", "Safi")):
        assert code in matches and name in matches
    assert "HCP code, column “code”" in page
    assert count(db) == 0 and len(waiting(uploads)) == 2  # the file and its metadata, under a random token
    token = token_of(page)
    assert all(name.startswith(token) for name in waiting(uploads))

    confirm = client.post("/geo/boundaries/import/confirm", data={"token": token}, follow_redirects=True)
    assert "Boundaries imported from provinces-2024.geojson: 4 new, 0 replaced." in text(confirm)
    rows = db.session.execute(sa.select(Boundary)).scalars().all()
    assert len(rows) == 4 and {b.imported_by_id for b in rows} == {user.id}
    assert {b.source for b in rows} == {"provinces-2024.geojson"}
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "import")).scalar_one()
    assert event.actor_id == user.id and event.object_type == "BoundaryImport"
    assert waiting(uploads) == []
    again = client.post("/geo/boundaries/import/confirm", data={"token": token}, follow_redirects=True)
    assert "expired or was already done" in text(again) and count(db) == 4


def test_cancel_drops_the_waiting_upload(client, login, db, uploads):
    login("steering")
    token = token_of(text(upload(client, geojson(provinces_frame()), "p.geojson")))
    response = client.post("/geo/boundaries/import/cancel", data={"token": token}, follow_redirects=True)
    assert "Import cancelled; nothing was written." in text(response)
    assert waiting(uploads) == [] and count(db) == 0


def test_someone_elses_token_cannot_be_confirmed(client, login, db):
    login("steering")
    token = token_of(text(upload(client, geojson(provinces_frame()), "p.geojson")))
    login("steering")  # another steering member
    response = client.post("/geo/boundaries/import/confirm", data={"token": token}, follow_redirects=True)
    assert "expired or was already done" in text(response) and count(db) == 0


@pytest.mark.parametrize("token", ["../../secret_key", "x" * 30, ""])
def test_forged_tokens_are_harmless(client, login, db, token):
    login("steering")
    response = client.post("/geo/boundaries/import/confirm", data={"token": token})
    assert response.status_code in (302, 400) and count(db) == 0


def test_zipped_shapefile_without_crs_is_imported_with_an_assumed_one(client, login, db, tmp_path):
    login("steering")
    archive = zipped_shapefile(provinces_frame(), tmp_path, parts=(".shp", ".shx", ".dbf")).read_bytes()
    refused = upload(client, archive, "limites.zip")
    assert refused.status_code == 400 and "does not say which coordinate system" in text(refused)
    accepted = upload(client, archive, "limites.zip", assume_crs="EPSG:4326")
    page = text(accepted)
    assert accepted.status_code == 200 and "assumed, the file declares none" in page
    client.post("/geo/boundaries/import/confirm", data={"token": token_of(page)})
    assert count(db) == 4


# --- refusals -------------------------------------------------------------------------------------------

def test_malformed_geojson_re_renders_the_form_with_the_reason(client, login, db, uploads):
    login("steering")
    response = upload(client, b'{"type": "FeatureCollection", "features": [', "broken.geojson")
    page = text(response)
    assert response.status_code == 400
    assert "The file is not valid GeoJSON" in page and 'data-testid="boundary-upload"' in page
    assert count(db) == 0 and waiting(uploads) == []


def test_a_wrong_extension_or_no_file_is_refused(client, login, db):
    login("steering")
    response = upload(client, b"<kml/>", "limites.kml")
    assert response.status_code == 400 and "“.kml” cannot be imported" in text(response)
    response = client.post(URL, data={"level": "province"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to import." in text(response)
    assert count(db) == 0


def test_a_zip_without_its_shp_is_refused(client, login, db, tmp_path):
    login("steering")
    archive = zipped_shapefile(provinces_frame(), tmp_path, parts=(".shx", ".dbf", ".prj")).read_bytes()
    response = upload(client, archive, "limites.zip")
    assert response.status_code == 400 and "its .shp file is missing" in text(response) and count(db) == 0


def test_misses_and_duplicates_are_listed_and_cannot_be_confirmed(client, login, db, uploads):
    login("steering")
    gdf = provinces_frame()
    gdf.loc[len(gdf)] = {"code": "99.999", "nom": "Atlantide", "geometry": square("05.081", 0.05)}
    gdf.loc[len(gdf)] = {"code": "07.431", "nom": "Safi bis", "geometry": square("07.431", 0.05)}
    response = upload(client, geojson(gdf), "p.geojson")
    page = text(response)
    assert response.status_code == 400
    assert "This file cannot be imported as it is, and nothing was saved." in page
    misses = page[page.index('data-testid="import-misses"'):]
    assert "99.999" in misses and "no province has this code" in misses
    duplicates = page[page.index('data-testid="import-duplicates"'):]
    assert "07.431" in duplicates and "Safi" in duplicates
    assert 'name="token"' not in page and "Import these boundaries" not in page
    assert waiting(uploads) == [] and count(db) == 0


def test_an_empty_geometry_is_refused_by_name(client, login, db, tmp_path):
    login("steering")
    gdf = provinces_frame()
    gdf.loc[2, "geometry"] = None
    response = upload(client, geojson(gdf), "p.geojson")
    assert response.status_code == 400 and "#3 07.041" in text(response) and count(db) == 0


def test_3d_geometries_are_flattened_and_reported(client, login, db):
    import shapely

    login("steering")
    gdf = provinces_frame()
    gdf["geometry"] = [shapely.force_3d(g, 1200.0) for g in gdf.geometry]
    page = text(upload(client, geojson(gdf), "relief.geojson"))
    assert "3D geometries flattened" in page and 'data-testid="flattened-count">4<' in page


def test_too_many_features_is_refused(app, client, login, db, monkeypatch):
    login("steering")
    monkeypatch.setitem(app.config, "BOUNDARY_MAX_FEATURES", 2)
    response = upload(client, geojson(provinces_frame()), "p.geojson")
    assert response.status_code == 400 and "holds 4 features; at most 2 can be imported" in text(response)


def test_a_file_over_the_size_limit_is_refused(app, client, login, db, monkeypatch, uploads):
    login("steering")
    content = geojson(provinces_frame())
    monkeypatch.setitem(app.config, "BOUNDARY_MAX_BYTES", 1024 * 1024)
    big = content + b" " * (1024 * 1024)
    response = upload(client, big, "big.geojson")
    assert response.status_code == 400 and "larger than 1 MB" in text(response)
    assert waiting(uploads) == [] and count(db) == 0
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)  # the whole request, before reading
    response = upload(client, big, "big.geojson")
    assert response.status_code == 413 and "larger than 1 MB" in text(response) and count(db) == 0
