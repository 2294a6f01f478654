"""Indicator charts drawn as SVG: one point per figure and the target line in the time series, one
bar per value in the bars by territory, province or sex, text escaped, mirrored for Arabic; the
figures behind them (rates from counts, pending values only for those who may see them) and the
places named in the query string."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from najma.indicators import charts
from najma.indicators.periods import period_bounds
from tests.indicators._chart_fixtures import (AZILAL, CHEFCHAOUEN, make_indicator, pilots, put,  # noqa: F401
                                              rate_values, shapes)


def point(period: str, **values) -> charts.ChartPoint:
    """A point of a series for ``period`` with the figures given (baseline=, target=, measure=)."""
    start, end = period_bounds(period)
    return charts.ChartPoint(period, start, end, **{k: Decimal(str(v)) for k, v in values.items()})


# --- drawing --------------------------------------------------------------------------------------

def test_the_series_has_one_point_per_figure_and_the_target_line(app):
    points = [point("2024", baseline=40), point("2025", measure=36.5), point("2026", measure=33, target=30),
              point("2027", target=25)]
    svg = str(charts.series_svg(points, title="Taux", unit="percent", decimals=1))

    assert len(shapes(svg, "chart-point")) == 5
    measures = shapes(svg, "chart-measure")
    assert [re.search(r'data-period="([^"]+)"', m).group(1) for m in measures] == ["2025", "2026"]
    assert ['data-value="36.5"' in measures[0], 'data-value="33"' in measures[1]] == [True, True]
    target = shapes(svg, "chart-target-line")
    assert len(target) == 1 and 'data-value="25"' in target[0]
    # Through both targets, carried to both edges: four points.
    assert len(re.search(r'points="([^"]+)"', target[0]).group(1).split()) == 4
    assert len(shapes(svg, "chart-baseline-line")) == 1
    assert "style=" not in svg and "<script" not in svg


def test_the_series_of_nothing_is_empty(app):
    assert str(charts.series_svg([point("2025")], title="x", unit="count", decimals=0)) == ""


def test_time_runs_right_to_left_in_arabic(app):
    points = [point("2024", measure=10), point("2026", measure=20)]
    ltr = str(charts.series_svg(points, title="x", unit="count", decimals=0))
    rtl = str(charts.series_svg(points, title="x", unit="count", decimals=0, rtl=True))

    def xs(svg):
        return [float(x) for x in re.findall(r'class="chart-point chart-measure"[^>]*cx="([\d.]+)"', svg)]

    assert xs(ltr)[0] < xs(ltr)[1] and xs(rtl)[0] > xs(rtl)[1]
    assert xs(ltr)[0] + xs(rtl)[0] == pytest.approx(charts.SERIES_WIDTH, abs=0.2)
    assert 'direction="rtl"' in rtl and 'direction="ltr"' in ltr


def _measure_xy(svg: str) -> dict[str, tuple[str, str]]:
    """Each measure's drawn position by period, as the SVG writes it."""
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r'class="chart-point chart-measure"[^>]*data-period="([^"]+)"[^>]*cx="([\d.]+)" cy="([\d.]+)"', svg)}


def _lines(svg: str) -> list[list[tuple[str, str]]]:
    """The measure lines, each as its list of (x, y) vertices."""
    return [[tuple(pair.split(",")) for pair in re.search(r'points="([^"]+)"', line).group(1).split()]
            for line in shapes(svg, "chart-measure-line")]


def _period_labels(svg: str) -> dict[str, tuple[float, float]]:
    """The period written under the axis: {period: (x, y)}."""
    return {m.group(1): (float(m.group(2)), float(m.group(3))) for m in re.finditer(
        r'<text class="chart-period" data-period="([^"]+)"[^>]*x="([\d.]+)" y="([\d.]+)"', svg)}


@pytest.mark.parametrize("rtl", [False, True])
def test_measures_of_overlapping_periods_are_not_joined(app, rtl):
    # A year, its halves and its last quarters: 2026-S2 and 2026-Q4 end the same day.
    points = [point("2025", measure=3), point("2026-S1", measure=4), point("2026-Q3", measure=2),
              point("2026", measure=9), point("2026-S2", measure=5), point("2026-Q4", measure=7)]
    svg = str(charts.series_svg(points, title="x", unit="count", decimals=0, rtl=rtl))

    where = _measure_xy(svg)
    assert len(where) == 6
    lines = _lines(svg)
    # Years with years, halves with halves, quarters with quarters: never a half with a quarter.
    assert sorted(lines, key=len) == sorted([[where["2025"], where["2026"]], [where["2026-S1"], where["2026-S2"]],
                                             [where["2026-Q3"], where["2026-Q4"]]], key=len)
    for line in lines:
        for a, b in zip(line, line[1:]):
            assert {a, b} != {where["2026-S2"], where["2026-Q4"]}
    # Every period is written under the axis, under its own point; close ones on another row.
    labels = _period_labels(svg)
    assert set(labels) == {"2025", "2026-S1", "2026-Q3", "2026", "2026-S2", "2026-Q4"}
    for period, (x, _y) in labels.items():
        assert x == pytest.approx(float(where[period][0]), abs=0.1)
    assert labels["2026-S2"][1] != labels["2026-Q4"][1]
    assert "style=" not in svg


def test_periods_of_one_length_keep_one_line_and_one_row_of_labels(app):
    points = [point(p, measure=v) for p, v in (("2024", 1), ("2025", 2), ("2026", 4))]
    svg = str(charts.series_svg(points, title="x", unit="count", decimals=0))
    assert len(_lines(svg)) == 1 and len(_lines(svg)[0]) == 3
    assert {y for _x, y in _period_labels(svg).values()} == {float(charts.SERIES_HEIGHT - 32)}
    assert f'viewBox="0 0 {charts.SERIES_WIDTH} {charts.SERIES_HEIGHT}"' in svg


def test_bars_mirror_and_escape_names(app):
    rows = [charts.BarRow("a", "<script>alert(1)</script> & Co", Decimal("30")), charts.BarRow("b", "Béni", None)]
    svg = str(charts.bars_svg(rows, title='Title "quoted" <b>', unit="percent", decimals=1,
                              targets={"a": Decimal("40")}))
    rtl = str(charts.bars_svg(rows, title="t", unit="percent", decimals=1, targets={"a": Decimal("40")}, rtl=True))

    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert len(shapes(svg, "chart-bar")) == 1  # the row without a figure has no bar
    assert "no figure" in svg
    assert len(shapes(svg, "chart-target-mark")) == 1 and 'data-value="40"' in shapes(svg, "chart-target-mark")[0]
    ltr_x = float(re.search(r'class="chart-bar"[^>]*\sx="([\d.]+)"', svg).group(1))
    rtl_x = float(re.search(r'class="chart-bar"[^>]*\sx="([\d.]+)"', rtl).group(1))
    width = float(re.search(r'class="chart-bar"[^>]*\swidth="([\d.]+)"', svg).group(1))
    assert rtl_x == pytest.approx(charts.BARS_WIDTH - ltr_x - width, abs=0.2)


def test_scales_are_round_and_hold_zero():
    assert charts.nice_scale(12, 87) == (0, 100, 20)
    assert charts.nice_scale(0, 0) == (0.0, 1.0, 0.2)
    low, high, step = charts.nice_scale(-3, 7)
    assert low <= -3 and high >= 7 and low % step == 0


# --- the page's charts ----------------------------------------------------------------------------

@pytest.fixture
def request_context(app):
    """A request, for the links the charts carry."""
    with app.test_request_context("/"):
        yield


def test_the_nation_series_adds_up_rates_from_counts(app, pilots, request_context):
    indicator = make_indicator()
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    data = charts.chart_data(indicator, charts.NATION, False, rtl=False)

    by_period = {p.period: p for p in data.points}
    # 2025: (30 + 45) / (100 + 50) = 50 %, not the mean of 30 % and 90 %.
    assert by_period["2025"].measure.value == Decimal("50")
    assert by_period["2026-S1"].measure.value == Decimal("56.6667")
    svg = str(data.series_svg)
    assert len(shapes(svg, "chart-measure")) == 3 and len(shapes(svg, "chart-target-line")) == 1
    # Two territories: bars by territory, best first, with each one's own target.
    assert data.bars.unit == "territory" and data.bars.period == "2026-S1"
    assert [(r.label, r.value) for r in data.bars.rows] == [("Chefchaouen", Decimal("90")), ("Azilal", Decimal("40"))]
    assert len(shapes(str(data.bars.svg), "chart-bar")) == 2
    assert len(shapes(str(data.bars.svg), "chart-target-mark")) == 2
    assert data.sex.periods == ["2025"]
    assert data.sex.figures["2025"] == {"female": Decimal("25"), "male": Decimal("33.3333")}
    assert len(shapes(str(data.sex.svg), "chart-bar")) == 2


def test_bars_by_province_beyond_the_territory_limit(app, pilots, monkeypatch, request_context):
    monkeypatch.setattr(charts, "TERRITORY_BARS_MAX", 1)
    indicator = make_indicator(disaggregations=())
    azilal, chefchaouen = pilots
    rate_values(indicator, azilal, chefchaouen)
    data = charts.chart_data(indicator, charts.NATION, False, rtl=False)

    assert data.bars.unit == "province"
    assert {r.key: r.value for r in data.bars.rows} == {AZILAL: Decimal("40"), CHEFCHAOUEN: Decimal("90")}
    assert data.sex is None


def test_pending_values_count_only_for_those_who_may_see_them(app, pilots, request_context):
    indicator = make_indicator(disaggregations=())
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2025", numerator=30, denominator=100)
    put(indicator, chefchaouen, "2025", numerator=45, denominator=50, status="validated")

    public = charts.chart_data(indicator, charts.NATION, False, rtl=False)
    insider = charts.chart_data(indicator, charts.NATION, {chefchaouen.id}, rtl=False)

    assert public.points[0].measure.value == Decimal("30") and public.pending == 0
    assert insider.points[0].measure.value == Decimal("50") and insider.pending == 1


def test_places_are_read_from_the_query_string(app, pilots):
    azilal, _chefchaouen = pilots
    assert charts.parse_place(None) is charts.NATION
    assert charts.parse_place(f"territory:{azilal.slug}").territory.id == azilal.id
    province = charts.parse_place(f"province:{AZILAL}")
    assert province.level == "province" and province.province_id == azilal.province_id
    assert [p.level for p in charts.parse_place(f"territory:{azilal.slug}").chain()] == ["nation", "province",
                                                                                        "territory"]
    for bad in ("territory:nowhere", "province:99.999", "region:01", "territory:"):
        assert charts.parse_place(bad) is None


def test_figures_follow_the_reader_language_and_stay_left_to_right(app):
    with force_locale("fr"):
        text = charts.figure_text(Decimal("1234.56"), "percent", 1)
    assert text.startswith(charts.LTR_ISOLATE) and text.endswith(charts.POP_ISOLATE)
    assert "1\u202f234,6" in text or "1\u00a0234,6" in text
    assert charts.figure_text(None, "count", 0) == "–"


def test_bars_show_the_targets_of_their_period_else_the_next_ones(app, pilots, request_context):
    assert charts._target_period("2025-S2", {"2024", "2026", "2028"}) == "2026"
    assert charts._target_period("2025", {"2025", "2026"}) == "2025"
    assert charts._target_period("2027", {"2024", "2026"}) == "2026"
    assert charts._target_period("2027", set()) is None
    indicator = make_indicator("coops", unit="count", aggregation="sum", disaggregations=(), decimals=0)
    azilal, chefchaouen = pilots
    put(indicator, azilal, "2025", "measure", 3)
    put(indicator, chefchaouen, "2025", "measure", 5)
    put(indicator, azilal, "2027", "target", 12)
    put(indicator, azilal, "2026", "target", 8)

    bars = charts.chart_data(indicator, charts.NATION, False, rtl=False).bars

    assert bars.target_period == "2026" and bars.targets == {azilal.slug: 8, chefchaouen.slug: None}
    assert [(r.label, r.value) for r in bars.rows] == [("Chefchaouen", 5), ("Azilal", 3)]
    assert len(shapes(str(bars.svg), "chart-target-mark")) == 1 and "Target 2026" in str(bars.svg)
