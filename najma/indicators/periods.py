"""Reporting periods of indicator values: a year ("2026"), a half ("2026-S1", "2026-S2") or a quarter
("2026-Q1" to "2026-Q4").

A period code is what values are stored under; this module reads it, says when it starts and ends,
whether it has begun, and orders periods in time (by their end, then the longer span first, so a
year comes before its last quarter that ends the same day).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from najma.errors import DomainError

#: The years a period may name (the censuses are 2014 and 2024; the programme runs for years after).
FIRST_YEAR, LAST_YEAR = 2000, 2100
_PATTERN = re.compile(r"^(\d{4})(?:-(S[12]|Q[1-4]))?$")
#: The months a part of a year spans: (first month, last month).
_MONTHS = {None: (1, 12), "S1": (1, 6), "S2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}
_LAST_DAY = {3: 31, 6: 30, 9: 30, 12: 31}


@dataclass(frozen=True)
class Period:
    """A parsed period: its year, and its part of the year (``None`` for the whole year)."""

    year: int
    part: str | None = None

    @property
    def code(self) -> str:
        return str(self.year) if self.part is None else f"{self.year}-{self.part}"

    @property
    def start(self) -> date:
        return date(self.year, _MONTHS[self.part][0], 1)

    @property
    def end(self) -> date:
        month = _MONTHS[self.part][1]
        return date(self.year, month, _LAST_DAY[month])

    @property
    def months(self) -> int:
        first, last = _MONTHS[self.part]
        return last - first + 1

    @property
    def granularity(self) -> str:
        """year, half or quarter."""
        return "year" if self.part is None else ("half" if self.part.startswith("S") else "quarter")

    @property
    def sort_key(self) -> tuple:
        """Chronological order: by end date, the longer span first when two end together."""
        return (self.end, -self.months)

    def __str__(self) -> str:
        return self.code


def parse(code: str) -> Period:
    """The period a code names, or a :class:`DomainError` saying what is wrong with it."""
    text = (code or "").strip().upper()
    match = _PATTERN.match(text)
    if not match:
        raise DomainError(_l("“%(code)s” is not a period: write a year (2026), a half (2026-S1, 2026-S2) "
                             "or a quarter (2026-Q1 to 2026-Q4).", code=(code or "").strip()[:20]),
                          field="period")
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_l("The period's year must be between %(first)d and %(last)d.",
                             first=FIRST_YEAR, last=LAST_YEAR), field="period")
    return Period(year, match.group(2))


def is_valid(code: str) -> bool:
    """True when ``code`` names a period."""
    try:
        parse(code)
    except DomainError:
        return False
    return True


def period_bounds(code: str) -> tuple[date, date]:
    """The first and last day of the period (both included)."""
    period = parse(code)
    return period.start, period.end


def is_future(code: str, today: date | None = None) -> bool:
    """True when the period has not started yet on ``today`` (no value can be measured for it)."""
    return parse(code).start > (today or date.today())


def has_ended(code: str, today: date | None = None) -> bool:
    """True when the period's last day is before ``today``."""
    return parse(code).end < (today or date.today())


def sort_key(code: str) -> tuple:
    """A key ordering period codes in time (see the module docstring); unknown codes come first."""
    try:
        return parse(code).sort_key
    except DomainError:
        return (date.min, 0)


def ordered(codes) -> list[str]:
    """Distinct period codes, oldest first."""
    return sorted(set(codes), key=sort_key)


def current(granularity: str = "year", today: date | None = None) -> str:
    """The code of the period of ``granularity`` (year, half, quarter) that contains ``today``."""
    today = today or date.today()
    if granularity == "half":
        return f"{today.year}-S{1 if today.month <= 6 else 2}"
    if granularity == "quarter":
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return str(today.year)


def recent(count: int = 8, today: date | None = None) -> list[str]:
    """Period codes to offer in a form: the last ``count`` years up to this one, newest first, each
    followed by its halves and quarters that have started."""
    today = today or date.today()
    codes: list[str] = []
    for year in range(today.year, today.year - count, -1):
        codes.append(str(year))
        for part in ("S2", "S1", "Q4", "Q3", "Q2", "Q1"):
            period = Period(year, part)
            if period.start <= today:
                codes.append(period.code)
    return codes


def isolated(code) -> Markup:
    """A period code for a page: kept left to right and in one piece inside Arabic text (an
    unisolated "2026-S2" reads "-2026 S2" in a right-to-left line). The ``period`` template filter."""
    if code is None or code == "":
        return Markup("")
    return Markup('<bdi dir="ltr" class="text-nowrap period-code">%s</bdi>') % code
