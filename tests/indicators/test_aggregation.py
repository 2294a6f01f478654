"""Aggregation rules against hand-computed values: sums, rates recomputed from counts (values
without counts left out and counted missing), the latest value, the mean; in memory and in the
database, with only the values a reader may see."""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from najma.extensions import db as _db
from najma.indicators import aggregation, services
from najma.indicators.models import Indicator, IndicatorValue
from tests.conftest import counted_queries, make_territory

SAFI, CHEFCHAOUEN = "07.431", "01.151"


@dataclass
class Row:
    value: object = None
    numerator: object = None
    denominator: object = None
    period: str = "2026"
    entered_at: datetime | None = None


def _indicator(aggregation_rule: str, unit: str = "count", level: str = "territory", code: str | None = None):
    indicator = Indicator(code=code or f"test_{aggregation_rule}_{level}", name_fr="Test", unit=unit, direction="up",
                          level=level, disaggregations=["sex"], source="manual", aggregation=aggregation_rule,
                          max_value=Decimal(100) if unit == "percent" else None)
    _db.session.add(indicator)
    _db.session.commit()
    return indicator


def put(indicator, territory=None, period="2026", kind="measure", value=None, numerator=None, denominator=None,
        status="approved", sex=None, province=None, current=True, version=1, entered_at=None):
    """A stored value, as the entry service would leave it."""
    place = f"t{territory.id}" if territory else (f"p{province.id}" if province else "n")
    row = IndicatorValue(
        indicator_id=indicator.id, territory_id=territory.id if territory else None,
        province_id=province.id if province else None, period=period, kind=kind, sex=sex,
        slot=f"{indicator.id}/{place}/{period}/{kind}/{sex or ''}//" + ("" if current else f"v{version}"),
        value=None if value is None else Decimal(str(value)),
        numerator=None if numerator is None else Decimal(str(numerator)),
        denominator=None if denominator is None else Decimal(str(denominator)),
        status=status, is_current=current, version=version,
        entered_at=entered_at or datetime(2026, 1, 1, tzinfo=timezone.utc))
    _db.session.add(row)
    _db.session.commit()
    return row


# --- in memory ------------------------------------------------------------------------------------

def test_a_sum_adds_the_values_and_counts_the_empty_ones_as_missing():
    rule = Indicator(aggregation="sum")
    figure = aggregation.aggregate(rule, [Row(12), Row(30), Row(None), Row("7.5")], "province")
    assert (figure.value, figure.count, figure.missing, figure.level) == (Decimal("49.5"), 3, 1, "province")


def test_a_rate_is_recomputed_from_counts_never_averaged():
    rule = Indicator(aggregation="rate")
    # 10/100 and 90/300: the mean of rates would say 20 %, the counts say 100/400 = 25 %.
    rows = [Row(10, 10, 100), Row(30, 90, 300)]
    figure = aggregation.aggregate(rule, rows)
    assert figure.value == Decimal("25.0000")
    assert (figure.numerator, figure.denominator, figure.count, figure.missing) == (100, 400, 2, 0)


def test_a_rate_leaves_out_values_without_their_counts_and_says_how_many():
    rule = Indicator(aggregation="rate")
    rows = [Row(10, 10, 100), Row(50), Row(20, 40, None), Row(33, 1, 3), Row(0, 0, 0)]
    figure = aggregation.aggregate(rule, rows)
    # Only 10/100 and 1/3 have usable counts: 11/103.
    assert figure.value == (Decimal(11) * 100 / Decimal(103)).quantize(Decimal("0.0001"))
    assert (figure.count, figure.missing) == (2, 3)


def test_a_rate_with_no_counts_at_all_has_no_value():
    figure = aggregation.aggregate(Indicator(aggregation="rate"), [Row(40), Row(60)])
    assert (figure.value, figure.count, figure.missing) == (None, 0, 2)


def test_latest_takes_the_most_recent_period_then_the_last_entered():
    rule = Indicator(aggregation="latest")
    early, late = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc)
    rows = [Row(5, period="2026-Q1", entered_at=late), Row(8, period="2026-Q2", entered_at=early),
            Row(9, period="2026-Q2", entered_at=late), Row(None, period="2026-Q3")]
    figure = aggregation.aggregate(rule, rows)
    assert (figure.value, figure.count, figure.missing) == (Decimal(9), 3, 1)


def test_mean_is_the_plain_mean():
    figure = aggregation.aggregate(Indicator(aggregation="mean"), [Row(1), Row(2), Row(6), Row(None)])
    assert (figure.value, figure.missing) == (Decimal(3), 1)


def test_partial_totals_merge_to_what_the_rows_give_together():
    rows = [Row(10, 10, 100), Row(5), Row(30, 90, 300), Row(None)]
    left, right = aggregation.Partial(), aggregation.Partial()
    for row in rows[:2]:
        left.add(row.value, row.numerator, row.denominator)
    for row in rows[2:]:
        right.add(row.value, row.numerator, row.denominator)
    for rule in ("sum", "rate", "mean"):
        assert left.merge(right).finish(rule) == aggregation.aggregate(Indicator(aggregation=rule), rows, "")


# --- in the database ------------------------------------------------------------------------------

@pytest.fixture
def places(db):
    """Two territories in Azilal, one in Safi."""
    return {"a1": make_territory("Azilal Nord"), "a2": make_territory("Azilal Sud"),
            "s1": make_territory("Safi Côte", province_code=SAFI)}


def test_the_nations_and_a_provinces_rate_come_from_the_territories_counts(places):
    rate = _indicator("rate", unit="percent")
    put(rate, places["a1"], value=10, numerator=10, denominator=100)
    put(rate, places["a2"], value=30, numerator=90, denominator=300)
    put(rate, places["s1"], value=50, numerator=50, denominator=100)
    put(rate, places["s1"], period="2025", value=40, numerator=40, denominator=100)

    nation = services.series(rate)
    assert [point.period for point in nation] == ["2025", "2026"]
    assert nation[1].measure.value == Decimal("30.0000")  # 150 / 500
    assert (nation[1].measure.numerator, nation[1].measure.denominator) == (150, 500)
    azilal = services.series(rate, province=places["a1"].province)
    assert [p.period for p in azilal] == ["2026"] and azilal[0].measure.value == Decimal("25.0000")
    own = services.series(rate, places["s1"])
    assert [(p.period, p.measure.value) for p in own] == [("2025", Decimal(40)), ("2026", Decimal(50))]


def test_a_territory_rate_recorded_without_counts_is_left_out_of_the_province_and_counted_missing(places):
    rate = _indicator("rate", unit="percent")
    put(rate, places["a1"], value=10, numerator=10, denominator=100)
    put(rate, places["a2"], value=90)
    point = services.series(rate, province=places["a1"].province)[0]
    assert (point.measure.value, point.measure.count, point.measure.missing) == (Decimal(10), 1, 1)


def test_a_territorys_own_rate_recorded_without_counts_is_shown_as_typed(places):
    rate = _indicator("rate", unit="percent")
    put(rate, places["a2"], value="42.5")
    put(rate, places["a2"], kind="target", value=30)
    put(rate, places["a2"], period="2025", value=40, numerator=40, denominator=100)
    own = services.series(rate, places["a2"])
    assert [(p.period, p.measure.value) for p in own] == [("2025", Decimal(40)), ("2026", Decimal("42.5"))]
    assert own[1].target.value == Decimal(30)
    assert (own[1].measure.numerator, own[1].measure.missing) == (None, 0)
    assert own[0].measure.denominator == Decimal(100)
    put(rate, places["a2"], value=35, sex="female")
    period, by_sex = services.breakdown(rate, "sex", territory=places["a2"])
    assert (period, by_sex["female"].value) == ("2026", Decimal(35))
    # The province has no counts to add up for 2026: no value, one territory missing.
    province = services.series(rate, province=places["a2"].province)
    assert province[1].measure.value is None and province[1].measure.missing == 1


def test_sums_baselines_and_targets_each_add_up_on_their_own(places):
    count = _indicator("sum")
    put(count, places["a1"], kind="baseline", period="2024", value=4)
    put(count, places["s1"], kind="baseline", period="2024", value=6)
    put(count, places["a1"], kind="target", period="2027", value=20)
    put(count, places["a1"], value=7)
    put(count, places["a2"], value=5)
    put(count, places["a2"], value=3, sex="female")  # a breakdown never adds to the total
    points = {p.period: p for p in services.series(count)}
    assert points["2024"].baseline.value == 10 and points["2024"].measure is None
    assert points["2027"].target.value == 20
    assert points["2026"].measure.value == 12
    assert services.series(count, kinds=("target",))[0].period == "2027"


def test_a_latest_rule_keeps_the_value_entered_last_among_the_territories(places):
    latest = _indicator("latest")
    put(latest, places["a1"], value=3, entered_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    put(latest, places["s1"], value=8, entered_at=datetime(2026, 6, 1, tzinfo=timezone.utc))
    put(latest, places["a2"], value=5, entered_at=datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert services.series(latest)[0].measure.value == 8
    assert services.series(latest, province=places["a1"].province)[0].measure.value == 5
    overview = services.overview(latest)
    assert overview.nation["measure"].value == 8


def test_only_approved_current_values_count_unless_the_reader_may_see_pending_ones(places):
    count = _indicator("sum")
    put(count, places["a1"], value=10)
    put(count, places["a2"], value=100, status="validated")
    put(count, places["s1"], value=1000, status="entered")
    put(count, places["s1"], value=7, current=False, version=1)  # replaced by a correction

    assert services.series(count)[0].measure.value == 10
    assert services.series(count, include_pending=True)[0].measure.value == 1110
    assert services.series(count, include_pending={places["a2"].id})[0].measure.value == 110


def test_a_breakdown_adds_up_by_its_own_value(places):
    count = _indicator("sum")
    put(count, places["a1"], value=3, sex="female")
    put(count, places["a2"], value=4, sex="female")
    put(count, places["a2"], value=2, sex="male")
    period, figures = services.breakdown(count, "sex")
    assert period == "2026" and {k: v.value for k, v in figures.items()} == {"female": 7, "male": 2}
    women = services.series(count, dimension="sex", dimension_value="female")
    assert women[0].measure.value == 7


def test_province_level_values_add_up_to_the_nation(db):
    from tests.conftest import province

    count = _indicator("sum", level="province")
    put(count, province=province(SAFI), value=12)
    put(count, province=province(CHEFCHAOUEN), value=30)
    assert services.series(count)[0].measure.value == 42
    assert services.series(count, province=province(SAFI))[0].measure.value == 12


def test_the_overview_gives_each_places_latest_figure(places):
    rate = _indicator("rate", unit="percent")
    put(rate, places["a1"], period="2025", value=20, numerator=20, denominator=100)
    put(rate, places["a1"], period="2026-Q1", value=30, numerator=30, denominator=100)
    put(rate, places["a2"], period="2026-Q1", value=10, numerator=10, denominator=100)
    put(rate, places["s1"], period="2025", value=50, numerator=50, denominator=100)
    put(rate, places["s1"], period="2027", kind="target", value=60, numerator=60, denominator=100)

    overview = services.overview(rate)
    assert (overview.nation["measure"].period, overview.nation["measure"].value) == ("2026-Q1", Decimal(20))
    assert overview.nation["measure"].figure.count == 2
    assert overview.nation["target"].value == 60 and overview.nation["baseline"] is None
    provinces = {row.province.code: row for row in overview.provinces}
    assert provinces["05.081"].latest["measure"].value == 20 and provinces["05.081"].territories == 2
    assert (provinces[SAFI].latest["measure"].period, provinces[SAFI].latest["measure"].value) == ("2025", 50)
    rows = {row.name: row for row in overview.territories}
    assert list(rows) == ["Azilal Nord", "Azilal Sud", "Safi Côte"]
    assert (rows["Azilal Nord"].latest["measure"].period, rows["Azilal Nord"].latest["measure"].value) == (
        "2026-Q1", 30)
    assert rows["Safi Côte"].latest["target"].period == "2027"


def test_the_registers_national_figures_follow_each_rule_in_one_query(places):
    rate = _indicator("rate", unit="percent")
    count = _indicator("sum")
    latest = _indicator("latest")
    put(rate, places["a1"], value=10, numerator=10, denominator=100)
    put(rate, places["s1"], value=40, numerator=120, denominator=300)
    put(count, places["a1"], period="2025", value=4)
    put(count, places["a1"], value=5)
    put(count, places["s1"], value=6)
    put(latest, places["a1"], value=1, entered_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    put(latest, places["s1"], value=2, entered_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    indicators = services.list_indicators()  # as the register's page loads them
    with counted_queries() as counter:
        figures = services.national_latest(indicators)
    assert counter.n == 2
    assert figures[rate.id].value == Decimal("32.5000")  # 130 / 400
    assert (figures[count.id].period, figures[count.id].value) == ("2026", 11)
    assert figures[latest.id].value == 2


def test_the_overview_costs_the_same_queries_for_3_or_30_territories(db):
    rate = _indicator("rate", unit="percent")
    first = [make_territory(f"T{n}") for n in range(3)]
    for t in first:
        put(rate, t, value=10, numerator=1, denominator=10)
    rate = services.get_by_code(rate.code)
    with counted_queries() as small:
        services.overview(rate)
    for n in range(27):
        t = make_territory(f"U{n}", province_code=SAFI if n % 2 else "05.081")
        for period in ("2025", "2026"):
            put(rate, t, period=period, value=10, numerator=1, denominator=10)
    rate = services.get_by_code(rate.code)
    with counted_queries() as large:
        overview = services.overview(rate)
    assert small.n == large.n <= 3 and len(overview.territories) == 30


def test_the_territories_table_comes_a_page_at_a_time(places):
    count = _indicator("sum")
    for key in ("a1", "a2", "s1"):
        put(count, places[key], value=1)
    second = services.overview(count, page=2, per_page=2)
    assert [row.name for row in second.territories] == ["Safi Côte"]
    assert (second.territory_count, second.page.page, second.page.pages) == (3, 2, 2)
    assert second.nation["measure"].value == 3  # the figures cover every territory
    beyond = services.overview(count, page=9, per_page=2)
    assert beyond.page.page == 2
