"""Helpers of the entry and approval tests: indicators made to measure, the people of each approval
level, and values taken through the steps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.extensions import db as _db
from najma.indicators import entry
from najma.indicators.models import Indicator, IndicatorValue
from tests.conftest import make_territory, make_user

#: "Today" for the service tests: periods up to 2026-S1 have begun, 2027 has not.
TODAY = date(2026, 6, 15)


def make_indicator(code: str, *, unit: str = "percent", aggregation: str = "rate", disaggregations=("sex",),
                   source: str = "manual", decimals: int = 1, max_value=None, position: int = 1) -> Indicator:
    """An active territory-level indicator."""
    indicator = Indicator(code=code, name_fr=f"Indicateur {code}", name_en=f"Indicator {code}", unit=unit,
                          direction="up", level="territory", disaggregations=list(disaggregations), source=source,
                          aggregation=aggregation, decimals=decimals,
                          max_value=Decimal(max_value) if max_value is not None else
                          (Decimal(100) if unit == "percent" else None), position=position, active=True)
    _db.session.add(indicator)
    _db.session.commit()
    return indicator


@dataclass
class People:
    """Someone at each approval level of the ``territory`` fixture, and others."""

    antenna: object
    delegate: object
    steering: object
    member: object
    other_delegate: object
    other_territory: object


@pytest.fixture
def people(db, territory) -> People:
    other = make_territory("Chefchaouen", province_code="01.151")
    return People(antenna=make_user("antenna_staff", territory=territory),
                  delegate=make_user("delegate", territory=territory),
                  steering=make_user("steering"),
                  member=make_user("committee_member", territory=territory),
                  other_delegate=make_user("delegate", territory=other),
                  other_territory=other)


@pytest.fixture
def share(db) -> Indicator:
    """A manual percentage (a rate from counts), broken down by sex."""
    return make_indicator("women_trained", position=1)


@pytest.fixture
def count(db) -> Indicator:
    """A manual count (a sum), broken down by area."""
    return make_indicator("coops", unit="count", aggregation="sum", disaggregations=("area",), decimals=0,
                          position=2)


def enter(actor, territory, period, *rows, confirm=True, today=TODAY):
    """Enter rows (mappings) through the service; returns the versions written."""
    return entry.enter_values(actor, territory, period, rows, confirm=confirm, today=today)


def value_rows(indicator=None) -> list[IndicatorValue]:
    """Every stored version (of ``indicator``), oldest first."""
    query = sa.select(IndicatorValue).order_by(IndicatorValue.id)
    if indicator is not None:
        query = query.where(IndicatorValue.indicator_id == indicator.id)
    return list(_db.session.execute(query.execution_options(populate_existing=True)).scalars())


def audit_verbs() -> list[tuple[str, str]]:
    """(verb, object id) of the indicator values' audit events, in order."""
    return [(event.verb, event.object_id) for event in _db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "IndicatorValue").order_by(AuditEvent.id)).scalars()]


def approved(people: People, territory, indicator, period="2025", value="40", **extra) -> IndicatorValue:
    """A value entered, validated and approved; returns it (fresh)."""
    written = enter(people.antenna, territory, period, {"indicator_id": indicator.id, "value": value, **extra})
    value_id = written[0].id
    entry.validate_values(people.delegate, territory, period, [value_id])
    entry.approve_values(people.steering, [value_id])
    return _db.session.get(IndicatorValue, value_id)
