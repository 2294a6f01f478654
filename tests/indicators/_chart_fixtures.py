"""Helpers of the chart, export and dashboard-panel tests: an indicator made to measure, values
stored directly (their entry and approval are tested through their services), two pilot
territories in two provinces with a known set of figures, and readers of SVGs and tables."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from najma.extensions import db as _db
from najma.indicators.entry import slot_of
from najma.indicators.models import Indicator, IndicatorValue
from tests.conftest import make_territory

AZILAL, CHEFCHAOUEN = "05.081", "01.151"


def make_indicator(code: str = "women_trained", *, unit: str = "percent", aggregation: str = "rate",
                   direction: str = "up", disaggregations=("sex",), name_en: str | None = None,
                   decimals: int = 1) -> Indicator:
    """An active territory-level indicator entered by hand."""
    indicator = Indicator(code=code, name_fr=f"Indicateur {code}", name_en=name_en or f"Indicator {code}",
                          unit=unit, direction=direction, level="territory", disaggregations=list(disaggregations),
                          source="manual", aggregation=aggregation, decimals=decimals,
                          max_value=Decimal(100) if unit == "percent" else None, position=1, active=True)
    _db.session.add(indicator)
    _db.session.commit()
    return indicator


def put(indicator, territory, period: str, kind: str = "measure", value=None, *, numerator=None, denominator=None,
        sex: str | None = None, status: str = "approved", source: str = "Registre") -> IndicatorValue:
    """Store a current value directly (the entry and approval steps are tested with their services)."""
    if value is None and numerator is not None and denominator:
        value = Decimal(numerator) * 100 / Decimal(denominator)
    row = IndicatorValue(indicator_id=indicator.id, territory_id=territory.id, period=period, kind=kind, sex=sex,
                         slot=slot_of(indicator.id, territory.id, None, period, kind, sex, None, None),
                         value=Decimal(str(value)) if value is not None else None,
                         numerator=Decimal(numerator) if numerator is not None else None,
                         denominator=Decimal(denominator) if denominator is not None else None,
                         status=status, source_text=source)
    _db.session.add(row)
    _db.session.commit()
    return row


def shapes(svg: str, css: str) -> list[str]:
    """The shapes whose class list holds ``css`` (a whole class name)."""
    return re.findall(rf'<(?:circle|rect|line|polyline|path)[^>]*class="(?:[^"]* )?{css}(?: [^"]*)?"[^>]*>', svg)


def number_in(pattern: str, html: str) -> Decimal | None:
    """The number the first match of ``pattern`` captures (None when it captures nothing)."""
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return Decimal(found.group(1)) if found.group(1) else None


@pytest.fixture
def pilots(db, territory):
    """Azilal (the fixture) and Chefchaouen, in two provinces."""
    return territory, make_territory("Chefchaouen", province_code=CHEFCHAOUEN)


def rate_values(indicator, azilal, chefchaouen):
    for period, (a_num, c_num) in {"2024": (20, 30), "2025": (30, 45), "2026-S1": (40, 45)}.items():
        put(indicator, azilal, period, numerator=a_num, denominator=100)
        put(indicator, chefchaouen, period, numerator=c_num, denominator=50)
    put(indicator, azilal, "2026-S1", "target", numerator=50, denominator=100)
    put(indicator, chefchaouen, "2026-S1", "target", numerator="47.5", denominator=50)
    put(indicator, azilal, "2025", numerator=10, denominator=40, sex="female")
    put(indicator, azilal, "2025", numerator=20, denominator=60, sex="male")


