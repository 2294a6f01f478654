"""The rollout timeline as an inline SVG: one row per territory, its phases as coloured bars over
time, and a line for today.

Drawn by hand (a few rectangles per row) rather than by matplotlib, so that it stays small, is
styled by the page, links each row to the territory's phase page and mirrors itself for Arabic.
Every text is escaped; the table beside it on the page carries the same facts.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from markupsafe import Markup, escape

from najma.geography.maps import PHASE_COLOURS
from najma.vocab import PHASES, label

WIDTH = 760
LABEL_WIDTH = 180
ROW_HEIGHT = 20
BAR_HEIGHT = 12
TOP = 16
AXIS = 26
NAME_CHARS = 28
#: Tick spacings tried in turn (months), the first giving at most ``MAX_TICKS`` ticks.
TICK_MONTHS = (1, 2, 3, 6, 12, 24, 60)
MAX_TICKS = 8


@dataclass(frozen=True)
class Axis:
    """The time span drawn and where a date falls on it."""

    start: date
    end: date
    left: float
    right: float

    def x(self, day: date) -> float:
        """The horizontal position of ``day`` (left to right)."""
        span = max((self.end - self.start).days, 1)
        return self.left + (self.right - self.left) * (day - self.start).days / span


def span(rows: Sequence, today: date) -> tuple[date, date]:
    """From the first day of the month of the earliest segment to a little after today."""
    first = min((segment.start for row in rows for segment in row.segments), default=today)
    first = min(first, today - timedelta(days=30))
    start = first.replace(day=1)
    end = today + timedelta(days=max(7, (today - start).days // 40))
    return start, end


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def ticks(start: date, end: date) -> list[date]:
    """First days of months, evenly spaced, at most ``MAX_TICKS`` of them, within the span."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((m for m in TICK_MONTHS if months / m <= MAX_TICKS), TICK_MONTHS[-1])
    first = start if start.day == 1 else _add_months(start, 1)
    if step >= 12:
        first = date(first.year + (first.month != 1), 1, 1)
    out, day = [], first
    while day <= end:
        out.append(day)
        day = _add_months(day, step)
    return out


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def timeline_svg(rows: Sequence, today: date, *, rtl: bool = False,
                 href: Callable[[str], str] | None = None,
                 format_date: Callable[[date], str] | None = None,
                 format_month: Callable[[date], str] | None = None) -> Markup:
    """The SVG of ``rows`` (``dashboard.TimelineRow``): names beside, bars by phase, today's line.

    ``href(slug)`` links a row's name to a page; ``format_date`` and ``format_month`` write the
    dates of the tooltips and of the axis (ISO when not given). With ``rtl`` the time runs from
    right to left and the names stand on the right.
    """
    format_date = format_date or (lambda day: day.isoformat())
    format_month = format_month or (lambda day: day.strftime("%Y-%m"))
    start, end = span(rows, today)
    height = TOP + len(rows) * ROW_HEIGHT + AXIS
    axis = Axis(start, end, LABEL_WIDTH, WIDTH - 30)

    def x(value: float) -> float:
        return WIDTH - value if rtl else value

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="rollout-timeline" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" data-testid="timeline-svg" '
             f'aria-label="{escape(_("Rollout timeline: phases of each territory over time (the table gives the dates)"))}">']
    bottom = TOP + len(rows) * ROW_HEIGHT
    for day in ticks(start, end):
        tx = _num(x(axis.x(day)))
        parts.append(f'<line class="tick" x1="{tx}" x2="{tx}" y1="{TOP - 4}" y2="{bottom}" stroke="#dee2e6"/>'
                     f'<text class="tick-label" x="{tx}" y="{bottom + 16}" text-anchor="middle" font-size="10" '
                     f'fill="#6c757d">{escape(format_month(day))}</text>')
    for index, row in enumerate(rows):
        territory = row.territory
        y = TOP + index * ROW_HEIGHT
        parts.append(f'<g class="timeline-row" data-territory="{escape(territory.slug)}" '
                     f'data-phase="{escape(territory.phase)}">')
        name_x = _num(WIDTH - LABEL_WIDTH + 6 if rtl else LABEL_WIDTH - 6)
        anchor = "start" if rtl else "end"
        name = (f'<text x="{name_x}" y="{_num(y + BAR_HEIGHT)}" text-anchor="{anchor}" font-size="11">'
                f'<title>{escape(territory.name)} · {escape(territory.province)}</title>'
                f'{escape(_short(territory.name))}</text>')
        parts.append(f'<a href="{escape(href(territory.slug))}">{name}</a>' if href else name)
        for segment in row.segments:
            ongoing = segment is row.segments[-1] and segment.end >= today
            # The current phase goes on past today's line, to the end of the axis.
            left, right = axis.x(segment.start), axis.x(end if ongoing else segment.end)
            width = max(right - left, 2.0)
            bar_x = WIDTH - left - width if rtl else left
            phase_name = label(PHASES, segment.phase)
            if ongoing:
                tip = _("%(territory)s: %(phase)s since %(start)s", territory=territory.name, phase=phase_name,
                        start=format_date(segment.start))
            else:
                tip = _("%(territory)s: %(phase)s from %(start)s to %(end)s", territory=territory.name,
                        phase=phase_name, start=format_date(segment.start), end=format_date(segment.end))
            parts.append(f'<rect class="phase-bar{" ongoing" if ongoing else ""}" data-phase="{escape(segment.phase)}" '
                         f'x="{_num(bar_x)}" y="{y + 2}" width="{_num(width)}" height="{BAR_HEIGHT}" rx="2" '
                         f'fill="{PHASE_COLOURS.get(segment.phase, "#adb5bd")}"><title>{escape(tip)}</title></rect>')
        parts.append("</g>")
    today_x = _num(x(axis.x(today)))
    parts.append(f'<line class="today" data-testid="timeline-today" x1="{today_x}" x2="{today_x}" y1="{TOP - 8}" '
                 f'y2="{bottom}" stroke="#dc3545" stroke-width="1.5" stroke-dasharray="4 3"/>'
                 f'<text x="{today_x}" y="{TOP - 9}" text-anchor="middle" font-size="10" fill="#dc3545">'
                 f'{escape(_("Today"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
