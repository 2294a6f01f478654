"""The chart, export and map addresses and the indicator page's charts: SVGs served, 403 and 404,
the charts and their tables on the page at each place, Arabic, constant query counts, the map by
province with and without outlines; the steering dashboard's indicator panel."""
from __future__ import annotations

import re

import pytest
from shapely.geometry import box

from najma.extensions import db as _db
from najma.geography.maps import NO_DATA_COLOUR, clear_cache as clear_map_cache
from najma.geography.models import Boundary
from tests.conftest import count_queries, make_territory
from tests.indicators._chart_fixtures import (AZILAL, CHEFCHAOUEN, shapes, number_in, rate_values,  # noqa: F401
                                              make_indicator, pilots, put)


# --- views ------------------------------------------------------------------------------------------

def test_the_chart_address_serves_each_chart_as_svg(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")

    series = client.get(f"/indicators/{indicator.code}/chart.svg")
    assert series.status_code == 200 and series.mimetype == "image/svg+xml"
    assert len(shapes(series.text, "chart-measure")) == 3
    bars = client.get(f"/indicators/{indicator.code}/chart.svg?chart=bars&place=province:{AZILAL}")
    assert len(shapes(bars.text, "chart-bar")) == 1 and "Azilal" in bars.text
    sex = client.get(f"/indicators/{indicator.code}/chart.svg?chart=sex&place=territory:{azilal.slug}")
    assert len(shapes(sex.text, "chart-bar")) == 2
    empty = client.get(f"/indicators/{indicator.code}/chart.svg?chart=bars&place=territory:{azilal.slug}")
    assert empty.status_code == 200 and 'data-testid="empty-chart"' in empty.text


def test_chart_addresses_answer_404_and_403(client, login, pilots):
    indicator = make_indicator()
    login("evaluator")
    for url in ("/indicators/nothing/chart.svg", f"/indicators/{indicator.code}/chart.svg?chart=pie",
                f"/indicators/{indicator.code}/chart.svg?place=territory:nowhere",
                f"/indicators/{indicator.code}/chart.svg?place=province:99.999", "/indicators/nothing/map",
                f"/indicators/{indicator.code}/export.pdf", "/indicators/nothing/export.csv",
                f"/indicators/{indicator.code}/export.csv?place=mars"):
        assert client.get(url).status_code == 404, url
    for role in (None, "viewer"):
        login(role)
        for url in (f"/indicators/{indicator.code}/chart.svg", f"/indicators/{indicator.code}/map",
                    f"/indicators/{indicator.code}/export.csv", f"/indicators/{indicator.code}/export.xlsx"):
            assert client.get(url).status_code == 403, url


def test_the_indicator_page_shows_the_charts_with_their_tables(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")

    html = client.get(f"/indicators/{indicator.code}").text
    charts_html = html.split('data-testid="indicator-charts"')[1]
    series_table = charts_html.split('data-testid="series-table"')[1].split("</table>")[0]
    assert number_in(r'data-period="2025".*?data-kind="measure" data-value="([^"]*)"', series_table) == 50
    assert 'data-testid="series-chart"' in charts_html and 'data-testid="bars-chart"' in charts_html
    bars_table = charts_html.split('data-testid="bars-table"')[1].split("</table>")[0]
    assert number_in(rf'data-key="{chefchaouen.slug}".*?data-value="([^"]*)"', bars_table) == 90
    assert "style=" not in charts_html.split("</section>")[0]

    province = client.get(f"/indicators/{indicator.code}?place=province:{AZILAL}").text
    assert 'data-place="province:05.081"' in province
    territory = client.get(f"/indicators/{indicator.code}?place=territory:{azilal.slug}").text
    assert 'data-testid="sex-table"' in territory and 'data-testid="bars-chart"' not in territory
    assert client.get(f"/indicators/{indicator.code}?place=territory:nowhere").status_code == 404


def test_the_page_in_arabic_mirrors_its_charts(client, login, pilots, db):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    user = login("evaluator")
    user.locale = "ar"
    db.session.commit()

    html = client.get(f"/indicators/{indicator.code}").text
    assert re.search(r'data-testid="series-chart"[^>]*direction="rtl"', html)


def test_the_page_charts_query_count_does_not_grow(client, login, pilots, db):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")
    url = f"/indicators/{indicator.code}"
    small = count_queries(lambda: client.get(url))
    for n in range(6):
        extra = make_territory(f"Territoire {n}", province_code=AZILAL if n % 2 else CHEFCHAOUEN)
        for period in ("2023", "2024", "2025", "2026-S1"):
            put(indicator, extra, period, numerator=10 + n, denominator=100)
            put(indicator, extra, period, numerator=5, denominator=40, sex="female")
    assert count_queries(lambda: client.get(url)) == small
    assert count_queries(lambda: client.get(f"/indicators/{indicator.code}/chart.svg?chart=bars")) <= small


# --- the map ----------------------------------------------------------------------------------------

@pytest.fixture
def outlines(db):
    clear_map_cache()
    for code, west in ((AZILAL, -7.0), (CHEFCHAOUEN, -5.5)):
        _db.session.add(Boundary(level="province", code=code, source="test", geometry=box(west, 31, west + 1, 32).wkb))
    _db.session.commit()
    yield
    clear_map_cache()


def test_the_map_colours_provinces_by_their_figure(client, login, pilots, outlines):
    indicator = make_indicator(direction="down")
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    login("evaluator")

    html = client.get(f"/indicators/{indicator.code}/map").text
    svg = html.split('data-testid="indicator-map"')[1].split("</svg>")[0]
    paths = {code: fill for code, _value, fill in
             re.findall(r'data-province="([^"]+)" data-value="([^"]*)" fill="(#[0-9a-f]+)"', svg)}
    assert set(paths) == {AZILAL, CHEFCHAOUEN}
    # Lower is better: the higher figure (Chefchaouen, 90 %) is the darker, worse class.
    assert paths[AZILAL] != paths[CHEFCHAOUEN] and NO_DATA_COLOUR not in paths.values()
    table = html.split('data-testid="map-table"')[1].split("</table>")[0]
    assert number_in(rf'data-province="{AZILAL}".*?data-value="([^"]*)"', table) == 40
    assert 'data-testid="map-legend"' in html and "style=" not in svg

    baseline = client.get(f"/indicators/{indicator.code}/map?kind=target").text
    assert number_in(rf'data-province="{CHEFCHAOUEN}".*?data-value="([^"]*)"',
                   baseline.split('data-testid="map-table"')[1]) == 95


def test_without_outlines_the_map_page_is_its_table(client, login, pilots):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    clear_map_cache()
    login("evaluator")

    html = client.get(f"/indicators/{indicator.code}/map").text
    assert 'data-testid="no-outlines"' in html and 'data-testid="indicator-map"' not in html
    assert number_in(rf'data-province="{CHEFCHAOUEN}".*?data-value="([^"]*)"',
                   html.split('data-testid="map-table"')[1]) == 90




# --- the steering dashboard's panel ---------------------------------------------------------------

@pytest.fixture
def _fresh_dashboard():
    from najma.rollout import dashboard

    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


def _programme_row(html: str, code: str) -> str:
    table = html.split('data-testid="programme-table"')[1].split("</table>")[0]
    return table.split(f'data-indicator="{code}"')[1].split("</tr>")[0]


def test_the_dashboard_panel_shows_approved_national_figures_only(client, login, pilots, _fresh_dashboard):
    indicator = make_indicator(direction="down")
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2024", "baseline", numerator=40, denominator=100)
    put(indicator, azilal, "2025", numerator=30, denominator=100)
    put(indicator, chefchaouen, "2025", numerator=45, denominator=50, status="validated")
    put(indicator, azilal, "2028", "target", numerator=20, denominator=100)
    other = make_indicator("coops", unit="count", aggregation="sum", disaggregations=())
    put(other, azilal, "2025", "measure", 3, status="entered")
    login("steering")

    html = client.get("/rollout").text
    row = _programme_row(html, indicator.code)
    assert number_in(r'data-kind="measure">\s*<span[^>]*data-value="([^"]*)"', row) == 30  # not (30+45)/150
    assert number_in(r'data-kind="baseline">\s*<span[^>]*data-value="([^"]*)"', row) == 40
    assert number_in(r'data-kind="target">\s*<span[^>]*data-value="([^"]*)"', row) == 20
    assert "(<bdi>2025</bdi>)" in row and "(<bdi>2028</bdi>)" in row and "lower is better" in row
    assert f'href="/indicators/{indicator.code}"' in row
    assert 'data-indicator="coops"' not in html.split('data-testid="programme-table"')[1].split("</table>")[0]
    assert 'data-testid="programme-without"' in html and 'data-testid="census-table"' in html


def test_the_dashboard_panel_shows_an_approval_at_once(client, login, pilots, _fresh_dashboard):
    from najma.indicators.entry import approve_values

    indicator = make_indicator()
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2025", numerator=30, denominator=100)
    waiting = put(indicator, chefchaouen, "2025", numerator=45, denominator=50, status="validated")
    steering = login("steering")
    before = _programme_row(client.get("/rollout").text, indicator.code)
    assert number_in(r'data-kind="measure">\s*<span[^>]*data-value="([^"]*)"', before) == 30
    assert count_queries(lambda: client.get("/rollout")) < 10  # served from the cache

    approve_values(steering, [waiting.id])

    after = _programme_row(client.get("/rollout").text, indicator.code)
    assert number_in(r'data-kind="measure">\s*<span[^>]*data-value="([^"]*)"', after) == 50  # (30 + 45) / 150


def test_without_any_approved_value_the_panel_says_so(client, login, db, _fresh_dashboard):
    make_indicator()
    login("steering")
    html = client.get("/rollout").text
    assert 'data-testid="programme-none"' in html and 'data-testid="census-table"' in html


def _cell(row: str, kind: str) -> str:
    return row.split(f'data-kind="{kind}">')[1].split("</td>")[0]


def test_the_panel_says_its_figures_cover_the_programme_territories(client, login, pilots, _fresh_dashboard):
    make_territory("El Haouz", province_code="07.041")
    make_territory("Safi", province_code="07.431")
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2024", "baseline", numerator=40, denominator=100)
    put(indicator, chefchaouen, "2024", "baseline", numerator=20, denominator=50)
    put(indicator, azilal, "2025", numerator=30, denominator=100)
    login("steering")

    html = client.get("/rollout").text
    panel = html.split('data-testid="indicators"')[1].split("</section>")[0]
    assert "over the programme's territories, not the whole country" in panel
    assert panel.index('data-testid="programme-scope"') < panel.index('data-testid="census-table"')
    row = _programme_row(html, indicator.code)
    assert "2 of 4 territories" in _cell(row, "baseline")
    assert "1 of 4 territories" in _cell(row, "measure")


def test_a_measure_is_held_against_its_target_only_over_the_same_territories(client, login, pilots,
                                                                               _fresh_dashboard):
    azilal, chefchaouen = pilots
    # The last quarter was reported by Azilal alone (7); the target adds both territories' (4 + 3).
    partial = make_indicator("coops", unit="count", aggregation="sum", disaggregations=(), decimals=0)
    put(partial, azilal, "2026-S2", value=5)
    put(partial, chefchaouen, "2026-S2", value=2)
    put(partial, azilal, "2026-Q4", value=7)
    put(partial, azilal, "2027", "target", 4)
    put(partial, chefchaouen, "2027", "target", 3)
    # Both territories measured and targeted: the comparison holds.
    whole = make_indicator("jobs", unit="count", aggregation="sum", disaggregations=(), decimals=0)
    for territory, measure, target in ((azilal, 6, 5), (chefchaouen, 4, 5)):
        put(whole, territory, "2026", value=measure)
        put(whole, territory, "2027", "target", target)
    login("steering")

    html = client.get("/rollout").text
    row = _programme_row(html, partial.code)
    assert number_in(r'data-kind="measure">\s*<span[^>]*data-value="([^"]*)"', row) == 7
    assert "(<bdi>2026-Q4</bdi>)" in row and "1 of 2 territories" in _cell(row, "measure")
    assert "2 of 2 territories" in _cell(row, "target")
    assert 'data-testid="target-reached"' not in row
    assert ("Not comparable with the target yet: the latest measure covers 1 territory, the target 2 territories."
            in row)
    row = _programme_row(html, whole.code)
    assert 'data-testid="target-reached"' in row and 'data-testid="not-comparable"' not in row


def test_as_many_territories_but_not_the_same_ones_are_not_compared(client, login, pilots, _fresh_dashboard):
    azilal, chefchaouen = pilots
    safi = make_territory("Safi", province_code="07.431")
    indicator = make_indicator(direction="down")
    put(indicator, azilal, "2026", numerator=10, denominator=100)
    put(indicator, chefchaouen, "2026", numerator=10, denominator=100)
    put(indicator, azilal, "2027", "target", numerator=20, denominator=100)
    put(indicator, safi, "2027", "target", numerator=20, denominator=100)
    login("steering")

    row = _programme_row(client.get("/rollout").text, indicator.code)
    assert "2 of 3 territories" in _cell(row, "measure") and "2 of 3 territories" in _cell(row, "target")
    assert 'data-testid="target-reached"' not in row
    assert "the latest measure and the target cover different territories" in row


def test_the_panel_costs_the_same_queries_whatever_the_indicators_and_territories(db, pilots):
    from najma.rollout import dashboard
    from tests.conftest import counted_queries

    azilal, chefchaouen = pilots

    def measured(code: str, territories) -> None:
        indicator = make_indicator(code, unit="count", aggregation="sum", disaggregations=(), decimals=0)
        for territory in territories:
            put(indicator, territory, "2026", value=3)
            put(indicator, territory, "2027", "target", 4)

    def queries() -> int:
        territories = dashboard._territories()
        with counted_queries() as counter:
            figures = dashboard._programme(territories)
        assert all(f.comparable for f in figures)
        return counter.n

    measured("first", [azilal, chefchaouen])
    small = queries()
    more = [make_territory(f"Territoire {n}", province_code=AZILAL) for n in range(5)]
    for n in range(4):
        measured(f"more_{n}", [azilal, chefchaouen, *more])
    assert queries() == small
