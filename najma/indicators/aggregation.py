"""How the values of places add up to a province and the nation, following each indicator's rule.

- ``sum``: the values added up;
- ``rate``: the numerators added up over the denominators added up, times 100 (a rate is never the
  mean of rates); a value without its counts is left out and counted as missing;
- ``latest``: the value entered last (latest period first);
- ``mean``: the plain mean of the values.

:func:`aggregate` applies a rule to rows in memory. The pages use :func:`partials`, which lets the
database add the rows up per group (province, period, kind...) in one query, so a nation of 400
territories and 10 periods costs what a province of 3 does; partial sums then merge in Python,
exactly as :func:`aggregate` would have computed them from the rows.

Only current versions count, and only approved values unless the caller may see the others
(``include_pending``: ``True`` for everyone's, a set of territory ids for those territories', or
``False``).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa

from najma.extensions import db
from najma.indicators import periods
from najma.indicators.models import IndicatorValue
from najma.territories.models import Territory

HUNDRED = Decimal("100")
PLACES = Decimal("0.0001")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: The breakdown columns of a value, by disaggregation name.
DIMENSIONS = {"sex": IndicatorValue.sex, "target_group": IndicatorValue.target_group_id, "area": IndicatorValue.area}

PendingScope = bool | Collection[int]


@dataclass(frozen=True)
class Aggregate:
    """A figure made of several rows: its value, the counts behind it (rates), how many rows made
    it and how many were left out for lack of a value (or, for a rate, of its counts)."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    count: int = 0
    missing: int = 0
    level: str = ""

    @property
    def rows(self) -> int:
        return self.count + self.missing


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass
class Partial:
    """Running totals of a group of rows, mergeable with another group's."""

    rows: int = 0
    values: int = 0
    value_sum: Decimal = Decimal(0)
    counted: int = 0
    numerator_sum: Decimal = Decimal(0)
    denominator_sum: Decimal = Decimal(0)
    #: For the ``latest`` rule: (order key, value) of the most recent row.
    latest: tuple | None = None

    def add(self, value, numerator=None, denominator=None, key: tuple = ()) -> None:
        """Count one row in."""
        value, numerator, denominator = _decimal(value), _decimal(numerator), _decimal(denominator)
        self.rows += 1
        if value is not None:
            self.values += 1
            self.value_sum += value
            if self.latest is None or key > self.latest[0]:
                self.latest = (key, value)
        if numerator is not None and denominator is not None and denominator > 0:
            self.counted += 1
            self.numerator_sum += numerator
            self.denominator_sum += denominator

    def merge(self, other: Partial) -> Partial:
        """This group and ``other`` together (a new object)."""
        merged = Partial(self.rows + other.rows, self.values + other.values, self.value_sum + other.value_sum,
                         self.counted + other.counted, self.numerator_sum + other.numerator_sum,
                         self.denominator_sum + other.denominator_sum, self.latest)
        if other.latest is not None and (merged.latest is None or other.latest[0] > merged.latest[0]):
            merged.latest = other.latest
        return merged

    def finish(self, aggregation: str, level: str = "") -> Aggregate:
        """The figure the rule ``aggregation`` makes of these rows. A territory's single value is its
        own figure as it was recorded (a rate typed without its counts included): rules only say
        how values add up."""
        if level == "territory" and self.rows == 1 and self.values == 1:
            counts = (self.numerator_sum, self.denominator_sum) if self.counted else (None, None)
            return Aggregate(self.value_sum, *counts, count=1, missing=0, level=level)
        if aggregation == "rate":
            if not self.counted or not self.denominator_sum:
                return Aggregate(None, None, None, 0, self.rows, level)
            value = (self.numerator_sum * HUNDRED / self.denominator_sum).quantize(PLACES)
            return Aggregate(value, self.numerator_sum, self.denominator_sum, self.counted,
                             self.rows - self.counted, level)
        missing = self.rows - self.values
        if not self.values:
            return Aggregate(None, None, None, 0, missing, level)
        if aggregation == "sum":
            return Aggregate(self.value_sum, None, None, self.values, missing, level)
        if aggregation == "mean":
            return Aggregate((self.value_sum / self.values).quantize(PLACES), None, None, self.values, missing, level)
        if aggregation == "latest":
            return Aggregate(self.latest[1], None, None, self.values, missing, level)
        raise ValueError(f"unknown aggregation rule {aggregation!r}")


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _row_key(row) -> tuple:
    """Order of rows for the ``latest`` rule: period, then when entered, then id."""
    return (periods.sort_key(getattr(row, "period", "") or ""), _aware(getattr(row, "entered_at", None)),
            getattr(row, "id", None) or 0)


def aggregate(indicator, rows: Iterable, level: str = "nation") -> Aggregate:
    """The figure of ``rows`` (objects with ``value``, ``numerator``, ``denominator``; ``period``
    and ``entered_at`` for the ``latest`` rule) under the indicator's rule, for ``level``."""
    partial = Partial()
    for row in rows:
        partial.add(getattr(row, "value", None), getattr(row, "numerator", None), getattr(row, "denominator", None),
                    _row_key(row))
    return partial.finish(indicator.aggregation, level)


# --- in the database ------------------------------------------------------------------------------

def visible_condition(include_pending: PendingScope):
    """The SQL condition on the versions a reader sees: the current versions in the reader's pending
    scope, and elsewhere the official ones (the slot's last approved version, which stays the
    figure while a correction of it awaits approval, so a correction, even sent back, never takes
    an approved figure off the pages)."""
    current = IndicatorValue.is_current.is_(True)
    if include_pending is True:
        return current
    official = IndicatorValue.is_official.is_(True)
    if include_pending:
        scope = list(include_pending)
        in_scope = sa.and_(IndicatorValue.territory_id.is_not(None), IndicatorValue.territory_id.in_(scope))
        return sa.or_(sa.and_(current, in_scope), sa.and_(official, sa.not_(in_scope)))
    return official


def source_condition(indicator, *, territory_id: int | None = None, province_id: int | None = None,
                     dimension: str | None = None):
    """The rows an indicator's figures are made of: its values at the indicator's level
    (territories, provinces or the nation), totals only or one breakdown (which versions, current
    or official, is :func:`visible_condition`'s to say); with the province column they group by
    (``None`` for a nation-level indicator)."""
    conditions = [IndicatorValue.indicator_id == indicator.id]
    for name, column in DIMENSIONS.items():
        conditions.append(column.is_not(None) if name == dimension else column.is_(None))
    if indicator.level == "province":
        conditions += [IndicatorValue.province_id.is_not(None), IndicatorValue.territory_id.is_(None)]
        province = IndicatorValue.province_id
    elif indicator.level == "nation":
        conditions += [IndicatorValue.province_id.is_(None), IndicatorValue.territory_id.is_(None)]
        province = sa.null()
    else:
        conditions.append(IndicatorValue.territory_id.is_not(None))
        province = Territory.province_id
    if territory_id is not None:
        conditions.append(IndicatorValue.territory_id == territory_id)
    if province_id is not None:
        conditions.append(province == province_id)
    return sa.and_(*conditions), province


def _group_columns(group_by: tuple[str, ...], province, dimension: str | None) -> list:
    named = {"province": province, "territory": IndicatorValue.territory_id, "period": IndicatorValue.period,
             "kind": IndicatorValue.kind, "dimension": DIMENSIONS[dimension] if dimension else sa.null()}
    return [named[name].label(f"g_{name}") for name in group_by]


def partials(indicator, *, include_pending: PendingScope = False,
             group_by: tuple[str, ...] = ("province", "period", "kind"),
             territory_id: int | None = None, province_id: int | None = None, dimension: str | None = None,
             kinds: Iterable[str] | None = None) -> dict[tuple, Partial]:
    """Running totals of the indicator's rows per group (any of province, territory, period, kind,
    dimension), computed by the database: one query (two for the ``latest`` rule)."""
    condition, province = source_condition(indicator, territory_id=territory_id, province_id=province_id,
                                           dimension=dimension)
    condition = sa.and_(condition, visible_condition(include_pending))
    if kinds is not None:
        condition = sa.and_(condition, IndicatorValue.kind.in_(list(kinds)))
    groups = _group_columns(group_by, province, dimension)
    has_counts = sa.and_(IndicatorValue.numerator.is_not(None), IndicatorValue.denominator.is_not(None),
                         IndicatorValue.denominator > 0)
    query = (sa.select(*groups, sa.func.count(IndicatorValue.id), sa.func.count(IndicatorValue.value),
                       sa.func.sum(IndicatorValue.value), sa.func.count(sa.case((has_counts, IndicatorValue.id))),
                       sa.func.sum(sa.case((has_counts, IndicatorValue.numerator))),
                       sa.func.sum(sa.case((has_counts, IndicatorValue.denominator))))
             .select_from(IndicatorValue).where(condition).group_by(*groups))
    if indicator.level not in ("province", "nation"):
        query = query.join(Territory, Territory.id == IndicatorValue.territory_id)
    result: dict[tuple, Partial] = {}
    width = len(groups)
    for row in db.session.execute(query):
        key = tuple(row[:width])
        rows, values, value_sum, counted, numerator_sum, denominator_sum = row[width:]
        result[key] = Partial(rows, values, _decimal(value_sum) or Decimal(0), counted,
                              _decimal(numerator_sum) or Decimal(0), _decimal(denominator_sum) or Decimal(0))
    if indicator.aggregation == "latest" and result:
        _add_latest(result, query_condition=sa.and_(condition, IndicatorValue.value.is_not(None)), groups=groups,
                    join_territory=indicator.level not in ("province", "nation"))
    return result


def _add_latest(result: dict[tuple, Partial], *, query_condition, groups: list, join_territory: bool) -> None:
    """Fill each group's most recent value (latest period, then entered last): one windowed query."""
    position = sa.func.row_number().over(
        partition_by=list(groups),
        order_by=period_order_desc() + [IndicatorValue.entered_at.desc(), IndicatorValue.id.desc()]).label("position")
    inner = (sa.select(*groups, IndicatorValue.period, IndicatorValue.entered_at, IndicatorValue.id,
                       IndicatorValue.value, position).select_from(IndicatorValue).where(query_condition))
    if join_territory:
        inner = inner.join(Territory, Territory.id == IndicatorValue.territory_id)
    inner = inner.subquery()
    width = len(groups)
    for row in db.session.execute(sa.select(inner).where(inner.c.position == 1)):
        key = tuple(row[:width])
        period, entered, value_id, value = row[width:width + 4]
        if key in result:
            result[key].latest = ((periods.sort_key(period), _aware(entered), value_id), _decimal(value))


def _end_quarter():
    """The quarter (1-4) in which a period code ends, in SQL."""
    part = sa.func.substr(IndicatorValue.period, 6, 2)
    return sa.case((part == "Q1", 1), (part.in_(("Q2", "S1")), 2), (part == "Q3", 3), else_=4)


def _span_months():
    """How many months a period code spans, in SQL."""
    part = sa.func.substr(IndicatorValue.period, 6, 1)
    return sa.case((sa.func.length(IndicatorValue.period) == 4, 12), (part == "S", 6), else_=3)


def period_order_desc() -> list:
    """SQL ordering of period codes from the most recent (as :func:`najma.indicators.periods.sort_key`
    orders them, reversed)."""
    return [sa.func.substr(IndicatorValue.period, 1, 4).desc(), _end_quarter().desc(), _span_months().asc()]


def merge(groups: Iterable[Partial]) -> Partial:
    """Several groups' totals as one."""
    total = Partial()
    for group in groups:
        total = total.merge(group)
    return total
