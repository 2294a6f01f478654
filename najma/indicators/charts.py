"""Indicator charts drawn on the server as SVG: the time series (measures, baseline and target line),
bars by territory (by province for the nation once it has many territories) and bars by sex; the
choropleth by province; and :func:`page_charts`, what ``indicators/_charts.html`` shows.

The SVGs are written by hand (a few lines, circles and rectangles) so that they stay small, need no
script and obey the Content-Security-Policy: colours and sizes are SVG attributes and classes, never
``style``. Every text is escaped. In Arabic the charts mirror themselves (time runs from right to
left, names stand on the right); the map does not, geography keeps its orientation. Each chart comes
with the rows of its table: the same numbers in text, which the XLSX export copies.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from najma.extensions import db
from najma.geography import maps
from najma.geography.models import Province, Region
from najma.i18n import format_number_local, localized, text_direction
from najma.indicators import aggregation, periods
from najma.indicators.models import IndicatorValue
from najma.territories.models import Territory
from najma.vocab import SEXES, VALUE_KINDS, label

#: Unicode left-to-right isolate: keeps "32,1 %" in that order inside Arabic text.
LTR_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"
#: First-strong isolate: a name keeps its own direction (a French name in an Arabic chart).
FIRST_STRONG = "\u2068"
KINDS = ("baseline", "target", "measure")

SERIES_WIDTH, SERIES_HEIGHT = 720, 300
#: The series' period labels: how many rows they may take under the axis, and each row's height.
PERIOD_ROWS, PERIOD_ROW = 3, 13
BARS_WIDTH = 720
BAR_ROW = 22
BAR_LABEL_WIDTH = 210
BAR_VALUE_WIDTH = 96
LABEL_CHARS = 30
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans Arabic', Arial, sans-serif"
#: Colours (attributes, not styles: the Content-Security-Policy forbids inline styles).
MEASURE_COLOUR = "#0b6e4f"
TARGET_COLOUR = "#d63384"
BASELINE_COLOUR = "#6c757d"
GRID_COLOUR = "#dee2e6"
TEXT_COLOUR = "#212529"
MUTED_COLOUR = "#6c757d"
SEX_COLOURS = {"female": "#6f42c1", "male": "#fd7e14"}
#: Up to this many territories, the nation's bars are its territories; beyond, its provinces.
TERRITORY_BARS_MAX = 40
#: How many recent periods the bars by sex show.
SEX_PERIODS = 4


# --- Drawing -------------------------------------------------------------------------------------

def figure_text(value, unit: str, decimals: int) -> str:
    """A figure as the indicator shows it (its decimals, "%" or "DH"), isolated left to right."""
    if value is None:
        return "–"
    text = format_number_local(value, decimals)
    if unit == "percent":
        text = _("%(value)s %%", value=text)
    elif unit == "currency":
        text = _("%(value)s DH", value=text)
    return LTR_ISOLATE + text + POP_ISOLATE


def kind_labels() -> dict[str, str]:
    """Baseline, target and measure, in the current language."""
    return {kind: str(name) for kind, name in VALUE_KINDS.items()}


def _num(value: float) -> str:
    """A coordinate with one decimal at most (a short SVG)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _short(text: str, chars: int = LABEL_CHARS) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """An axis from ``low`` to ``high`` widened to round numbers: (start, end, step). Zero is always
    on it; an empty range becomes 0 to 1."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        return 0.0, 1.0, 0.2
    raw = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


@dataclass(frozen=True)
class ChartPoint:
    """One period of a time series: when it runs, and its baseline, target and measure (or None)."""

    period: str
    start: date
    end: date
    baseline: Decimal | None = None
    target: Decimal | None = None
    measure: Decimal | None = None

    def value(self, kind: str) -> Decimal | None:
        """The figure of ``kind`` (baseline, target or measure)."""
        return getattr(self, kind)


@dataclass(frozen=True)
class BarRow:
    """One bar: its key, its label, its value (None: no bar, "no figure"), its group and link."""

    key: str
    label: str
    value: Decimal | None
    href: str | None = None
    group: str | None = None
    colour: str = MEASURE_COLOUR
    css: str = "chart-bar"


@dataclass(frozen=True)
class _Frame:
    """A chart's width and direction: ``x`` turns left-to-right positions into drawn ones."""

    width: float
    rtl: bool

    def x(self, value: float) -> float:
        """Where a left-to-right position is drawn (mirrored in right-to-left)."""
        return self.width - value if self.rtl else value

    @property
    def direction(self) -> str:
        """The SVG's ``direction``: ``start``/``end`` anchors then follow the reading direction."""
        return "rtl" if self.rtl else "ltr"


def _open(css: str, testid: str, width: float, height: float, frame: _Frame, title: str, title_id: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart {css}" data-testid="{testid}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" direction="{frame.direction}" '
            f'font-family="{escape(FONT)}" font-size="11" role="img" aria-labelledby="{title_id}">',
            f'<title id="{title_id}">{escape(title)}</title>']


def empty_svg(message: str, testid: str = "empty-chart") -> Markup:
    """A small SVG saying there is nothing to draw (for the chart address when no figure exists)."""
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart" data-testid="{testid}" '
                  f'viewBox="0 0 {BARS_WIDTH} 40" width="100%" font-family="{escape(FONT)}" font-size="12" '
                  f'role="img"><title>{escape(message)}</title><text x="{BARS_WIDTH / 2:g}" y="24" '
                  f'text-anchor="middle" fill="{MUTED_COLOUR}">{escape(message)}</text></svg>')


def series_svg(points: Sequence[ChartPoint], *, title: str, unit: str, decimals: int,
               max_value: Decimal | None = None, rtl: bool = False, title_id: str = "series-chart-title") -> Markup:
    """The time series: a circle per measure, joined by a line to the measures of periods of the same
    length only (years, halves and quarters each have their own line: a half and the quarter ending
    with it overlap, a line between them would show a change that did not happen), a ring per
    baseline with the latest carried on to the end, and the target line through every target
    (carried across the plot from the first and the last). Each point's period is written under the
    axis, on a second or third row when it would cross a neighbour's. Empty when there is no figure."""
    labels = kind_labels()
    values = [float(p.value(k)) for p in points for k in KINDS if p.value(k) is not None]
    if not values:
        return Markup("")
    width = SERIES_WIDTH
    left, right, top, bottom = 66.0, width - 84.0, 16.0, SERIES_HEIGHT - 50.0
    frame = _Frame(width, rtl)
    low, high, step = nice_scale(min(values), max(values))
    if max_value is not None and high > float(max_value) >= max(values):
        high = float(max_value)

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    first = min(p.start for p in points)
    span = max((max(p.end for p in points) - first).days + 1, 1)

    def x_of(point: ChartPoint) -> float:
        if len(points) == 1:
            return (left + right) / 2
        middle = (point.start - first).days + ((point.end - point.start).days + 1) / 2
        return left + 10 + (right - left - 20) * middle / span

    def fmt(value) -> str:
        return figure_text(value, unit, decimals)

    period_rows = _period_rows(points, x_of)
    height = SERIES_HEIGHT + PERIOD_ROW * max((row for _point, row in period_rows), default=0)
    parts = _open("indicator-series", "series-chart", width, height, frame, title, title_id)
    tick = low
    while tick <= high + step / 1000:
        ty = y(tick)
        parts.append(f'<line class="chart-grid" x1="{_num(frame.x(left))}" x2="{_num(frame.x(right))}" '
                     f'y1="{_num(ty)}" y2="{_num(ty)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
                     f'<text class="chart-tick" x="{_num(frame.x(left - 6))}" y="{_num(ty + 4)}" text-anchor="end" '
                     f'fill="{MUTED_COLOUR}">{escape(fmt(round(tick, 6)))}</text>')
        tick += step
    for point, row in period_rows:
        px = _num(frame.x(x_of(point)))
        parts.append(f'<line class="chart-period-tick" x1="{px}" x2="{px}" y1="{_num(bottom)}" y2="{_num(bottom + 4)}" '
                     f'stroke="{MUTED_COLOUR}" stroke-width="1"/>'
                     f'<text class="chart-period" data-period="{escape(point.period)}" data-row="{row}" x="{px}" '
                     f'y="{_num(bottom + 18 + PERIOD_ROW * row)}" text-anchor="middle" fill="{MUTED_COLOUR}">'
                     f'{escape(LTR_ISOLATE + point.period + POP_ISOLATE)}</text>')
    baselines = [p for p in points if p.baseline is not None]
    targets = [p for p in points if p.target is not None]
    if baselines:
        latest = baselines[-1]
        by = y(float(latest.baseline))
        # Each line's name sits above its right end, the baseline's below when the target's is near.
        near = bool(targets) and abs(y(float(targets[-1].target)) - by) < 16
        label_y = by + 14 if near else by - 5
        parts.append(f'<line class="chart-baseline-line" data-testid="baseline-line" data-value="{latest.baseline}" '
                     f'x1="{_num(frame.x(x_of(latest)))}" x2="{_num(frame.x(right))}" y1="{_num(by)}" '
                     f'y2="{_num(by)}" stroke="{BASELINE_COLOUR}" stroke-width="1.5" stroke-dasharray="2 3"/>'
                     f'<text class="chart-line-label" x="{_num(frame.x(right))}" y="{_num(label_y)}" '
                     f'text-anchor="end" fill="{BASELINE_COLOUR}">{escape(labels["baseline"])}</text>')
    if targets:
        coords = [(left, float(targets[0].target)), *((x_of(p), float(p.target)) for p in targets),
                  (right, float(targets[-1].target))]
        line = " ".join(f"{_num(frame.x(cx))},{_num(y(cy))}" for cx, cy in coords)
        ty = y(float(targets[-1].target))
        parts.append(f'<polyline class="chart-target-line" data-testid="target-line" '
                     f'data-value="{targets[-1].target}" points="{line}" fill="none" stroke="{TARGET_COLOUR}" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>'
                     f'<text class="chart-line-label" x="{_num(frame.x(right))}" y="{_num(ty - 5)}" '
                     f'text-anchor="end" fill="{TARGET_COLOUR}">{escape(labels["target"])}</text>')
    measures = [p for p in points if p.measure is not None]
    for granularity, pieces in _by_granularity(measures).items():
        if len(pieces) < 2:
            continue
        line = " ".join(f"{_num(frame.x(x_of(p)))},{_num(y(float(p.measure)))}" for p in pieces)
        parts.append(f'<polyline class="chart-measure-line" data-granularity="{granularity}" points="{line}" '
                     f'fill="none" stroke="{MEASURE_COLOUR}" stroke-width="2"/>')
    marks = {"baseline": (BASELINE_COLOUR, 3.5), "target": (TARGET_COLOUR, 3.5), "measure": (MEASURE_COLOUR, 4.5)}
    for kind in KINDS:
        colour, radius = marks[kind]
        for point in points:
            value = point.value(kind)
            if value is None:
                continue
            tip = _("%(period)s · %(kind)s: %(value)s", period=point.period, kind=labels[kind], value=fmt(value))
            parts.append(f'<circle class="chart-point chart-{kind}" data-kind="{kind}" '
                         f'data-period="{escape(point.period)}" data-value="{value}" '
                         f'cx="{_num(frame.x(x_of(point)))}" cy="{_num(y(float(value)))}" r="{radius}" '
                         f'fill="{colour if kind == "measure" else "#ffffff"}" stroke="{colour}" stroke-width="2">'
                         f'<title>{escape(tip)}</title></circle>')
    parts.append(_series_legend(frame, labels, height - 8, bool(baselines), bool(targets), bool(measures)))
    parts.append("</svg>")
    return Markup("".join(parts))


def granularity_of(point: ChartPoint) -> str:
    """year, half or quarter: the length of the point's period."""
    months = (point.end.year - point.start.year) * 12 + point.end.month - point.start.month + 1
    return {12: "year", 6: "half", 3: "quarter"}.get(months, f"{months}m")


def _by_granularity(points: Sequence[ChartPoint]) -> dict[str, list[ChartPoint]]:
    """The points grouped by the length of their period, each group in time order."""
    groups: dict[str, list[ChartPoint]] = {}
    for point in sorted(points, key=lambda p: p.start):
        groups.setdefault(granularity_of(point), []).append(point)
    return groups


def _period_rows(points: Sequence[ChartPoint], x_of) -> list[tuple[ChartPoint, int]]:
    """Where each point's period is written under the axis: (point, row), from left to right in
    time, each on the first of :data:`PERIOD_ROWS` rows where it stays clear of the label before it
    (about 6.5 units a character). Periods of different lengths may overlap in time (2026-S2 and
    2026-Q4), so their labels come close: the second goes on the next row rather than being left
    out. Only when every row is taken is a label left out (the point's tooltip and the table beside
    still give its period)."""
    def apart(a: ChartPoint, b: ChartPoint) -> bool:
        return abs(x_of(a) - x_of(b)) >= (len(a.period) + len(b.period)) * 3.25 + 6

    last: list[ChartPoint | None] = [None] * PERIOD_ROWS
    out = []
    for point in sorted(points, key=lambda p: (x_of(p), p.start)):
        for row in range(PERIOD_ROWS):
            if last[row] is None or apart(last[row], point):
                last[row] = point
                out.append((point, row))
                break
    return out


def _series_legend(frame: _Frame, labels: dict[str, str], y: float, baseline: bool, target: bool,
                   measure: bool) -> str:
    items = [(kind, colour, dash) for kind, colour, dash, shown in (
        ("measure", MEASURE_COLOUR, "", measure), ("target", TARGET_COLOUR, "6 4", target),
        ("baseline", BASELINE_COLOUR, "2 3", baseline)) if shown]
    out, position = [], 66.0
    for kind, colour, dash in items:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{_num(frame.x(position))}" x2="{_num(frame.x(position + 22))}" y1="{_num(y - 4)}" '
                   f'y2="{_num(y - 4)}" stroke="{colour}" stroke-width="2"{dashes}/>'
                   f'<text class="chart-legend" x="{_num(frame.x(position + 27))}" y="{_num(y)}" text-anchor="start" '
                   f'fill="{TEXT_COLOUR}">{escape(labels[kind])}</text>')
        position += 27 + 7 * len(labels[kind]) + 20
    return '<g class="chart-legend-items">' + "".join(out) + "</g>"


def bars_svg(rows: Sequence[BarRow], *, title: str, unit: str, decimals: int, rtl: bool = False,
             targets: dict[str, Decimal | None] | None = None, testid: str = "bars-chart",
             title_id: str = "bars-chart-title", max_value: Decimal | None = None,
             target_label: str | None = None) -> Markup:
    """Horizontal bars, one per row with a value (a row without one says "no figure"), under their
    group's heading when rows are grouped; each row's target (``targets`` by key) as a tick across
    its bar. Empty without rows."""
    if not rows:
        return Markup("")
    targets = targets or {}
    values = [float(row.value) for row in rows if row.value is not None]
    values += [float(v) for v in targets.values() if v is not None]
    low, high, _step = nice_scale(min(values, default=0.0), max(values, default=1.0))
    if max_value is not None and high > float(max_value) >= max(values, default=0.0):
        high = float(max_value)
    frame = _Frame(BARS_WIDTH, rtl)
    start, end = BAR_LABEL_WIDTH + 6, BARS_WIDTH - BAR_VALUE_WIDTH

    def x(value: float) -> float:
        return start + (value - low) / (high - low) * (end - start)

    zero = x(max(low, 0.0))
    lines: list[str] = []
    y, group = 4.0, None
    target_label = target_label or kind_labels()["target"]
    for row in rows:
        if row.group is not None and row.group != group:
            group = row.group
            lines.append(f'<text class="chart-group" x="{_num(frame.x(4))}" y="{_num(y + 15)}" text-anchor="start" '
                         f'font-weight="bold" fill="{TEXT_COLOUR}">{escape(FIRST_STRONG + _short(group, 60) + POP_ISOLATE)}</text>')
            y += BAR_ROW
        indent = 16 if row.group is not None else 4
        name = (f'<text class="chart-label" x="{_num(frame.x(indent))}" y="{_num(y + 15)}" text-anchor="start" '
                f'fill="{TEXT_COLOUR}"><title>{escape(row.label)}</title>{escape(FIRST_STRONG + _short(row.label) + POP_ISOLATE)}'
                f'</text>')
        lines.append(f'<a href="{escape(row.href)}">{name}</a>' if row.href else name)
        text = figure_text(row.value, unit, decimals) if row.value is not None else _("no figure")
        value_x = start + 4
        if row.value is not None:
            left, right = sorted((zero, x(float(row.value))))
            bar_width = max(right - left, 1.0)
            bar_x = frame.width - left - bar_width if rtl else left
            lines.append(f'<rect class="{escape(row.css)}" data-key="{escape(row.key)}" data-value="{row.value}" '
                         f'x="{_num(bar_x)}" y="{_num(y + 4)}" width="{_num(bar_width)}" height="{BAR_ROW - 8}" '
                         f'rx="2" fill="{row.colour}"><title>{escape(row.label)}: {escape(text)}</title></rect>')
            value_x = max(right, zero) + 4
        target = targets.get(row.key)
        if target is not None:
            tx = _num(frame.x(x(float(target))))
            tip = f"{row.label} · {target_label}: {figure_text(target, unit, decimals)}"
            lines.append(f'<line class="chart-target-mark" data-testid="target-mark" data-key="{escape(row.key)}" '
                         f'data-value="{target}" x1="{tx}" x2="{tx}" y1="{_num(y + 1)}" y2="{_num(y + BAR_ROW - 1)}" '
                         f'stroke="{TARGET_COLOUR}" stroke-width="3"><title>{escape(tip)}</title></line>')
            # The figure follows its bar; it moves past the target's tick only when the tick would
            # cross it (about 6.5 units a character), so it never reads as the target's value.
            target_x = x(float(target))
            if value_x - 3 <= target_x <= value_x + 6.5 * len(text) + 2:
                value_x = target_x + 5
        lines.append(f'<text class="chart-value" x="{_num(frame.x(value_x))}" y="{_num(y + 15)}" text-anchor="start" '
                     f'fill="{MUTED_COLOUR if row.value is None else TEXT_COLOUR}">{escape(text)}</text>')
        y += BAR_ROW
    has_targets = any(targets.get(row.key) is not None for row in rows)
    height = y + 8 + (18 if has_targets else 0)
    parts = _open("indicator-bars", testid, BARS_WIDTH, height, frame, title, title_id)
    parts.append(f'<line class="chart-axis" x1="{_num(frame.x(zero))}" x2="{_num(frame.x(zero))}" y1="2" '
                 f'y2="{_num(y + 2)}" stroke="{GRID_COLOUR}"/>')
    parts.extend(lines)
    if has_targets:
        parts.append(f'<line x1="{_num(frame.x(start))}" x2="{_num(frame.x(start + 16))}" y1="{_num(y + 12)}" '
                     f'y2="{_num(y + 12)}" stroke="{TARGET_COLOUR}" stroke-width="3"/>'
                     f'<text class="chart-legend" x="{_num(frame.x(start + 22))}" y="{_num(y + 16)}" '
                     f'text-anchor="start" fill="{TEXT_COLOUR}">{escape(target_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- Places --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where an indicator's figures are looked at: the nation, a province or a territory."""

    level: str
    province: Province | None = None
    territory: Territory | None = None

    @property
    def param(self) -> str:
        """The ``place`` query parameter naming it: ``nation``, ``province:<code>``, ``territory:<slug>``."""
        if self.level == "territory":
            return f"territory:{self.territory.slug}"
        if self.level == "province":
            return f"province:{self.province.code}"
        return "nation"

    def args(self) -> dict:
        """Query-string arguments for links to the same place (none for the nation)."""
        return {} if self.level == "nation" else {"place": self.param}

    @property
    def name(self) -> str:
        """The place's name in the current language."""
        if self.level == "territory":
            return self.territory.name
        if self.level == "province":
            return self.province.name
        return _("Morocco")

    @property
    def territory_id(self) -> int | None:
        """The territory's id (None above a territory)."""
        return self.territory.id if self.territory is not None else None

    @property
    def province_id(self) -> int | None:
        """The province's id, or the territory's province's (None for the nation)."""
        if self.province is not None:
            return self.province.id
        return self.territory.province_id if self.territory is not None else None

    def chain(self) -> list[Place]:
        """The places above it and itself, from the nation (for a breadcrumb)."""
        out = [NATION]
        if self.level in ("province", "territory"):
            out.append(Place("province", province=self.province or self.territory.province))
        if self.level == "territory":
            out.append(self)
        return out


NATION = Place("nation")


def place_of(obj) -> Place:
    """A :class:`Place` from a territory, a province, a place or ``None`` (then the ``place`` query
    parameter of the current request, the nation by default; 404 when it names no known place)."""
    if obj is None:
        from flask import has_request_context, request

        return place_from_args(request.args) if has_request_context() else NATION
    if isinstance(obj, Place):
        return obj
    if isinstance(obj, Territory):
        return Place("territory", territory=obj)
    if isinstance(obj, Province):
        return Place("province", province=obj)
    raise TypeError(obj)


def parse_place(text: str | None) -> Place | None:
    """The place a ``place`` parameter names; ``None`` when it names nothing known."""
    from najma.territories.services import get_by_slug

    text = (text or "").strip()
    if text in ("", "nation"):
        return NATION
    kind, _sep, key = text.partition(":")
    if kind == "territory" and key:
        territory = get_by_slug(key)
        return Place("territory", territory=territory) if territory is not None else None
    if kind == "province" and key:
        province = db.session.execute(sa.select(Province).where(Province.code == key)).scalar_one_or_none()
        return Place("province", province=province) if province is not None else None
    return None


def place_from_args(args) -> Place:
    """The place the query string names (``place=province:05.081``, ``place=territory:<slug>``; the
    nation by default); 404 when it names no known place."""
    place = parse_place(args.get("place"))
    if place is None:
        abort(404)
    return place


# --- What the indicator page shows ----------------------------------------------------------------

@dataclass
class Bars:
    """A bar chart by territory or province and its table: the kind and period shown."""

    unit: str  # "territory" or "province"
    kind: str
    period: str | None
    rows: list[BarRow]
    targets: dict[str, Decimal | None]
    counts: dict[str, int]
    svg: Markup = Markup("")
    #: The period of the targets beside the bars: the bars' own, else the next one set, else the last.
    target_period: str | None = None


def _target_period(period: str, target_periods: set[str]) -> str | None:
    """The targets to show beside figures of ``period``: that period's, else the first one after it,
    else the most recent one before it (None without targets)."""
    if not target_periods:
        return None
    key = periods.sort_key(period)
    later = sorted((p for p in target_periods if periods.sort_key(p) >= key), key=periods.sort_key)
    return later[0] if later else max(target_periods, key=periods.sort_key)


@dataclass
class SexBars:
    """Bars by sex for the most recent periods, with the figure for everyone beside, and their table."""

    kind: str
    periods: list[str]
    figures: dict[str, dict[str, Decimal | None]]  # period -> sex -> value
    totals: dict[str, Decimal | None]
    svg: Markup = Markup("")


@dataclass
class ChartData:
    """Everything ``indicators/_charts.html`` shows, and the tables the XLSX export copies."""

    indicator: object
    place: Place
    points: list  # services.SeriesPoint, oldest first
    series_svg: Markup
    bars: Bars | None
    sex: SexBars | None
    pending: int = 0
    links: dict = field(default_factory=dict)

    @property
    def has_figures(self) -> bool:
        """True when the place has at least one figure."""
        return any(_value(p.figure(k)) is not None for p in self.points for k in KINDS)

    def tables(self) -> list[tuple[str, list[str], list[list]]]:
        """The charts' tables as (sheet name, header, rows) with plain numbers, for the XLSX export."""
        out = [("series", ["place", "period", "baseline", "target", "measure"],
                [[self.place.name, p.period, *(_value(p.figure(k)) for k in KINDS)] for p in self.points])]
        if self.bars is not None:
            out.append((f"by_{self.bars.unit}", [self.bars.unit, "code", "period", self.bars.kind, "target_period",
                                                 "target"],
                        [[row.label, row.key, self.bars.period, row.value, self.bars.target_period,
                          self.bars.targets.get(row.key)] for row in self.bars.rows]))
        if self.sex is not None:
            out.append(("by_sex", ["period", "sex", self.sex.kind, "all"],
                        [[period, sex, self.sex.figures[period].get(sex), self.sex.totals.get(period)]
                         for period in self.sex.periods for sex in SEXES]))
        return out


def _value(figure) -> Decimal | None:
    return None if figure is None else figure.value


def page_charts(indicator, place=None, include_pending=None) -> ChartData:
    """What ``indicators/_charts.html`` needs for ``indicator`` at ``place`` (a :class:`Place`, a
    territory, a province, or ``None``: the request's ``place`` parameter). ``include_pending``
    defaults to what the signed-in reader may see."""
    if include_pending is None:
        from flask_login import current_user

        from najma.indicators.services import pending_scope

        include_pending = pending_scope(current_user)
    place = place_of(place)
    data = chart_data(indicator, place, include_pending)
    code = indicator.code
    data.links = {
        "series_svg": url_for("indicators.chart_svg", code=code, chart="series", **place.args()),
        "bars_svg": url_for("indicators.chart_svg", code=code, chart="bars", **place.args()),
        "sex_svg": url_for("indicators.chart_svg", code=code, chart="sex", **place.args()),
        "csv": url_for("indicators.export", code=code, fmt="csv", **place.args()),
        "xlsx": url_for("indicators.export", code=code, fmt="xlsx", **place.args()),
        "map": url_for("indicators.map", code=code),
        "chain": [(p.name, url_for("indicators.indicator", code=code, **p.args()), p is place or p == place)
                  for p in place.chain()],
    }
    return data


def chart_data(indicator, place: Place, include_pending=False, *, rtl: bool | None = None,
               charts: tuple[str, ...] = ("series", "bars", "sex")) -> ChartData:
    """The series, the bars and the bars by sex of ``indicator`` at ``place`` (or only those named
    in ``charts``; the series' figures are always read), in a fixed number of queries (at most
    seven) whatever the number of territories and periods."""
    from najma.indicators import services

    rtl = text_direction() == "rtl" if rtl is None else rtl
    points = services.series(indicator, place.territory, place.province, include_pending=include_pending)
    series = Markup("")
    if "series" in charts:
        series = series_svg([_chart_point(p) for p in points],
                            title=_("%(indicator)s, %(place)s: measures, baseline and target over time",
                                    indicator=indicator.name, place=place.name),
                            unit=indicator.unit, decimals=indicator.decimals, max_value=indicator.max_value, rtl=rtl)
    kind = next((k for k in ("measure", "baseline", "target") if any(_value(p.figure(k)) is not None for p in points)),
                None)
    bars = sex = None
    if "bars" in charts and kind is not None and place.level != "territory" and indicator.level == "territory":
        bars = _bars(indicator, place, kind, include_pending, rtl)
    if "sex" in charts and kind is not None and "sex" in (indicator.disaggregations or ()):
        sex = _sex_bars(indicator, place, kind, include_pending, points, rtl)
    pending = pending_count(indicator, place, include_pending) if len(charts) > 1 else 0
    return ChartData(indicator, place, points, series, bars, sex, pending)


def pending_count(indicator, place: Place, include_pending) -> int:
    """How many values not yet approved the reader sees among the place's (one query, none when
    the reader sees approved values only)."""
    if not include_pending:
        return 0
    query = (sa.select(sa.func.count(IndicatorValue.id))
             .where(IndicatorValue.indicator_id == indicator.id, IndicatorValue.is_current.is_(True),
                    IndicatorValue.status != "approved", aggregation.visible_condition(include_pending)))
    if place.level == "territory":
        query = query.where(IndicatorValue.territory_id == place.territory_id)
    elif place.level == "province":
        query = query.outerjoin(Territory, Territory.id == IndicatorValue.territory_id).where(
            sa.or_(Territory.province_id == place.province_id, IndicatorValue.province_id == place.province_id))
    return db.session.execute(query).scalar_one()


def _chart_point(point) -> ChartPoint:
    start, end = periods.period_bounds(point.period)
    return ChartPoint(point.period, start, end, *(_value(point.figure(k)) for k in KINDS))


def best_first(indicator, rows: list[BarRow]) -> list[BarRow]:
    """Rows with a figure first, the best first (highest when higher is better, lowest otherwise),
    then those without, by name."""
    present = sorted((r for r in rows if r.value is not None), key=lambda r: r.label)
    present.sort(key=lambda r: r.value, reverse=indicator.direction == "up")
    return present + sorted((r for r in rows if r.value is None), key=lambda r: r.label)


def _bars(indicator, place: Place, kind: str, include_pending, rtl: bool) -> Bars | None:
    """Bars by territory (for a province; for the nation while it has few territories) or by
    province (the nation beyond :data:`TERRITORY_BARS_MAX` territories), for the most recent period
    with figures of ``kind``; each bar with its own target for that period."""
    if place.level == "province":
        by_territory = True
    else:
        by_territory = db.session.execute(sa.select(sa.func.count(Territory.id))).scalar_one() <= TERRITORY_BARS_MAX
    if by_territory:
        query = sa.select(Territory.id, Territory.name, Territory.slug).order_by(Territory.name, Territory.id)
        if place.level == "province":
            query = query.where(Territory.province_id == place.province_id)
        units = [(tid, name, slug) for tid, name, slug in db.session.execute(query)]
        group = "territory"
    else:
        rows = db.session.execute(
            sa.select(Province.id, Province.code, Province.name_fr, Province.name_ar)
            .where(sa.exists().where(Territory.province_id == Province.id)).order_by(Province.name_fr)).all()
        units = [(pid, localized(fr, ar), code) for pid, code, fr, ar in rows]
        group = "province"
    if not units:
        return None
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=(group, "period", "kind"),
                                 province_id=place.province_id if place.level == "province" else None,
                                 kinds=tuple({kind, "target"}))
    shown = {key[1] for key in found if key[2] == kind}
    if not shown:
        return None
    period = max(shown, key=periods.sort_key)
    target_period = _target_period(period, {key[1] for key in found if key[2] == "target"})
    figures = {(key[0], key[2]): partial.finish(indicator.aggregation, group)
               for key, partial in found.items() if key[1] == (target_period if key[2] == "target" else period)}
    rows, targets, counts = [], {}, {}
    for unit_id, name, handle in units:
        figure = figures.get((unit_id, kind))
        rows.append(BarRow(handle, name, _value(figure),
                           href=url_for("indicators.indicator", code=indicator.code, place=f"{group}:{handle}")))
        targets[handle] = _value(figures.get((unit_id, "target"))) if kind != "target" else None
        counts[handle] = figure.count if figure is not None else 0
    kind_name = kind_labels()[kind]
    if group == "territory":
        title = _("%(indicator)s by territory, %(place)s, %(period)s (%(kind)s)", indicator=indicator.name,
                  place=place.name, period=period, kind=kind_name)
    else:
        title = _("%(indicator)s by province, %(period)s (%(kind)s)", indicator=indicator.name, period=period,
                  kind=kind_name)
    bars = Bars(group, kind, period, best_first(indicator, rows), targets, counts,
                target_period=target_period if kind != "target" else None)
    bars.svg = bars_svg(bars.rows, title=title, unit=indicator.unit, decimals=indicator.decimals, rtl=rtl,
                        targets=targets if kind != "target" else None, testid="bars-chart",
                        title_id="bars-chart-title", max_value=indicator.max_value,
                        target_label=_("Target %(period)s", period=target_period) if target_period else None)
    return bars


def _sex_bars(indicator, place: Place, kind: str, include_pending, points, rtl: bool) -> SexBars | None:
    """Women and men side by side for the last :data:`SEX_PERIODS` periods with figures of ``kind``
    by sex (one query), with the figure for everyone from the series."""
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=("period", "dimension"),
                                 territory_id=place.territory_id, province_id=place.province_id
                                 if place.level == "province" else None, dimension="sex", kinds=(kind,))
    level = place.level
    figures: dict[str, dict[str, Decimal | None]] = {}
    for (period, sex), partial in found.items():
        value = partial.finish(indicator.aggregation, level).value
        if value is not None:
            figures.setdefault(period, {})[sex] = value
    if not figures:
        return None
    shown = sorted(figures, key=periods.sort_key)[-SEX_PERIODS:]
    totals = {p.period: _value(p.figure(kind)) for p in points if p.period in shown}
    rows = [BarRow(f"{period}:{sex}", str(name), figures[period].get(sex), group=period,
                   colour=SEX_COLOURS[sex], css=f"chart-bar chart-bar-{sex}")
            for period in shown for sex, name in SEXES.items()]
    title = _("%(indicator)s by sex, %(place)s (%(kind)s)", indicator=indicator.name, place=place.name,
              kind=kind_labels()[kind])
    svg = bars_svg(rows, title=title, unit=indicator.unit, decimals=indicator.decimals, rtl=rtl, testid="sex-chart",
                   title_id="sex-chart-title", max_value=indicator.max_value)
    return SexBars(kind, shown, {p: figures[p] for p in shown}, totals, svg)


# --- The map ----------------------------------------------------------------------------------------

@dataclass
class MapRow:
    """A province on the indicator's map: its figure (None: none), colour, territories and link."""

    code: str
    name: str
    region: str
    value: Decimal | None
    colour: str
    territories: int
    values: int
    href: str


@dataclass
class ProvinceMap:
    """The indicator's choropleth by province: what it shows, the rows of its table, its legend."""

    kind: str
    period: str | None
    periods: list[str]
    kinds: list[str]
    rows: list[MapRow]
    legend: list[tuple[str, str, int]]
    svg: Markup | None

    @property
    def with_figure(self) -> int:
        """How many provinces have a figure."""
        return sum(1 for row in self.rows if row.value is not None)


def province_map(indicator, include_pending=False, *, kind: str | None = None, period: str | None = None) -> ProvinceMap:
    """Each province's figure of ``kind`` (measure by default; the baseline when nothing is measured
    yet) for ``period`` (the most recent with figures of that kind), made by the indicator's rule
    from its territories' values (one query), coloured into quantile classes with the geography
    maps' palette (darker is worse); drawn on the province outlines when they are loaded."""
    found = aggregation.partials(indicator, include_pending=include_pending, group_by=("province", "period", "kind")) \
        if indicator.level != "nation" else {}
    kinds = [k for k in ("measure", "baseline", "target") if any(key[2] == k for key in found)]
    if kind not in kinds:
        kind = kinds[0] if kinds else "measure"
    available = sorted({key[1] for key in found if key[2] == kind}, key=periods.sort_key, reverse=True)
    if period not in available:
        period = available[0] if available else None
    figures = {key[0]: partial.finish(indicator.aggregation, "province")
               for key, partial in found.items() if key[1] == period and key[2] == kind}
    provinces = db.session.execute(
        sa.select(Province.id, Province.code, Province.name_fr, Province.name_ar, Region.name_fr, Region.name_ar,
                  sa.select(sa.func.count(Territory.id)).where(Territory.province_id == Province.id)
                  .correlate(Province).scalar_subquery())
        .join(Region, Region.id == Province.region_id).order_by(Province.code)).all()
    values = [float(figures[pid].value) if pid in figures and figures[pid].value is not None else None
              for pid, *_rest in provinces]
    higher_is_worse = indicator.direction == "down"
    breaks = maps.quantile_breaks(values)
    rows = []
    for (pid, code, fr, ar, rfr, rar, territories), value in zip(provinces, values):
        figure = figures.get(pid)
        rows.append(MapRow(code, localized(fr, ar), localized(rfr, rar), _value(figure),
                           maps.colour_of(value, breaks, higher_is_worse), territories,
                           figure.count if figure is not None else 0,
                           url_for("indicators.indicator", code=indicator.code, place=f"province:{code}")))
    legend = [(item.colour, _legend_text(item, indicator), item.count)
              for item in maps.legend(values, breaks, higher_is_worse)]
    missing = sum(1 for value in values if value is None)
    if missing:
        legend.append((maps.NO_DATA_COLOUR, _("No figure"), missing))
    result = ProvinceMap(kind, period, available, kinds, rows, legend, None)
    result.svg = _map_svg(indicator, result)
    return result


def _legend_text(item: maps.LegendClass, indicator) -> str:
    low = figure_text(item.low, indicator.unit, indicator.decimals)
    high = figure_text(item.high, indicator.unit, indicator.decimals)
    return high if item.low == item.high else _("%(low)s to %(high)s", low=low, high=high)


def _map_svg(indicator, data: ProvinceMap) -> Markup | None:
    """The provinces filled with their class colour, each linking to the indicator at the province,
    as an inline SVG; None when the province outlines are not loaded."""
    from najma.rollout.dashboard import province_outlines

    outlines = province_outlines(maps._version("province"))
    if outlines is None:
        return None
    title = _("%(indicator)s by province, %(period)s (the table beside gives the figures)",
              indicator=indicator.name, period=data.period or "–")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-map" data-testid="indicator-map" '
             f'viewBox="0 0 {outlines.width:g} {outlines.height:g}" width="100%" role="img" '
             f'aria-labelledby="indicator-map-title"><title id="indicator-map-title">{escape(title)}</title>']
    for row in data.rows:
        path = outlines.paths.get(row.code)
        if path is None:
            continue
        tip = f"{row.name}: {figure_text(row.value, indicator.unit, indicator.decimals)}" if row.value is not None \
            else _("%(province)s: no figure", province=row.name)
        parts.append(f'<a href="{escape(row.href)}"><path class="province" data-province="{escape(row.code)}" '
                     f'data-value="{"" if row.value is None else row.value}" fill="{row.colour}" stroke="#6c757d" '
                     f'stroke-width="0.4" d="{path}"><title>{escape(tip)}</title></path></a>')
    parts.append("</svg>")
    return Markup("".join(parts))


def label_of_kind(kind: str) -> str:
    """Baseline, target or measure in words."""
    return label(VALUE_KINDS, kind)


# --- The steering dashboard's panel -------------------------------------------------------------------

def _own_level(indicators) -> sa.ColumnElement:
    """Rows at each indicator's own level: territories', provinces' or the nation's values."""
    clauses = []
    for level in ("territory", "province", "nation"):
        ids = [i.id for i in indicators if i.level == level]
        if not ids:
            continue
        if level == "territory":
            place = IndicatorValue.territory_id.is_not(None)
        elif level == "province":
            place = sa.and_(IndicatorValue.province_id.is_not(None), IndicatorValue.territory_id.is_(None))
        else:
            place = sa.and_(IndicatorValue.province_id.is_(None), IndicatorValue.territory_id.is_(None))
        clauses.append(sa.and_(IndicatorValue.indicator_id.in_(ids), place))
    return sa.or_(*clauses)


class NationalFigure(NamedTuple):
    """An indicator's most recent figure of one kind over all the places that reported it: its
    period, its value, and how many places (territories, provinces, or the nation) it is made of."""

    period: str
    value: Decimal
    places: int


def _contributes(indicators) -> sa.ColumnElement:
    """Rows that count in their indicator's figure: with their counts for a rate, with a value otherwise."""
    has_counts = sa.and_(IndicatorValue.numerator.is_not(None), IndicatorValue.denominator.is_not(None),
                         IndicatorValue.denominator > 0)
    rates = [i.id for i in indicators if i.aggregation == "rate"]
    others = [i.id for i in indicators if i.aggregation != "rate"]
    clauses = []
    if rates:
        clauses.append(sa.and_(IndicatorValue.indicator_id.in_(rates), has_counts))
    if others:
        clauses.append(sa.and_(IndicatorValue.indicator_id.in_(others), IndicatorValue.value.is_not(None)))
    return sa.or_(*clauses) if clauses else sa.false()


def _totals_condition(indicators, include_pending, kinds) -> sa.ColumnElement:
    return sa.and_(
        IndicatorValue.kind.in_(list(kinds)), IndicatorValue.sex.is_(None),
        IndicatorValue.target_group_id.is_(None), IndicatorValue.area.is_(None),
        aggregation.visible_condition(include_pending), _own_level(indicators))


def national_figures(indicators, include_pending=False,
                     kinds: tuple[str, ...] = KINDS) -> dict[int, dict[str, NationalFigure]]:
    """Each indicator's most recent figure of each kind over the places that reported it, made by
    its rule from the current totals (no breakdown) at its own level: ``{indicator id: {kind:
    NationalFigure(period, value, places)}}``, approved values only unless ``include_pending`` says
    otherwise. ``places`` is how many territories (provinces, for a province-level indicator) the
    figure is made of: the most recent period may have been reported by a few of them only. One
    query, and one more when an indicator keeps the latest value."""
    indicators = list(indicators)
    if not indicators:
        return {}
    condition = _totals_condition(indicators, include_pending, kinds)
    has_counts = sa.and_(IndicatorValue.numerator.is_not(None), IndicatorValue.denominator.is_not(None),
                         IndicatorValue.denominator > 0)
    groups = (IndicatorValue.indicator_id, IndicatorValue.period, IndicatorValue.kind)
    partials: dict[tuple, aggregation.Partial] = {}
    for indicator_id, period, kind, rows, values, value_sum, counted, numerators, denominators in db.session.execute(
            sa.select(*groups, sa.func.count(IndicatorValue.id), sa.func.count(IndicatorValue.value),
                      sa.func.sum(IndicatorValue.value), sa.func.count(sa.case((has_counts, IndicatorValue.id))),
                      sa.func.sum(sa.case((has_counts, IndicatorValue.numerator))),
                      sa.func.sum(sa.case((has_counts, IndicatorValue.denominator))))
            .where(condition).group_by(*groups)):
        partials[(indicator_id, period, kind)] = aggregation.Partial(
            rows, values, Decimal(str(value_sum or 0)), counted, Decimal(str(numerators or 0)),
            Decimal(str(denominators or 0)))
    latest_rule = [i.id for i in indicators if i.aggregation == "latest"]
    if latest_rule and partials:
        position = sa.func.row_number().over(
            partition_by=list(groups), order_by=[IndicatorValue.entered_at.desc(), IndicatorValue.id.desc()]
        ).label("position")
        inner = (sa.select(*groups, IndicatorValue.value, position)
                 .where(condition, IndicatorValue.value.is_not(None), IndicatorValue.indicator_id.in_(latest_rule))
                 .subquery())
        for indicator_id, period, kind, value, _position in db.session.execute(
                sa.select(inner).where(inner.c.position == 1)):
            partials[(indicator_id, period, kind)].latest = ((), Decimal(str(value)))
    rules = {i.id: i.aggregation for i in indicators}
    result: dict[int, dict[str, NationalFigure]] = {}
    for (indicator_id, period, kind), partial in sorted(partials.items(), key=lambda item: periods.sort_key(item[0][1])):
        figure = partial.finish(rules[indicator_id], "nation")
        if figure.value is not None:  # later periods overwrite earlier ones
            result.setdefault(indicator_id, {})[kind] = NationalFigure(period, figure.value, figure.count)
    return result


def places_apart(indicators, figures: dict[int, dict[str, NationalFigure]], include_pending=False,
                 kinds: tuple[str, str] = ("measure", "target")) -> dict[int, int]:
    """For each indicator whose two figures of ``kinds`` (from :func:`national_figures`) are made of
    as many places: how many places count in the first and not in the second (0: the same places,
    the two figures may be compared). Indicators whose figures cover different numbers of places
    are left out: they cannot be compared anyway. One query (none when no indicator qualifies)."""
    first, second = kinds
    pairs = {}
    for indicator in indicators:
        mine = figures.get(indicator.id, {})
        if first in mine and second in mine and mine[first].places == mine[second].places > 0:
            pairs[indicator.id] = (mine[first].period, mine[second].period)
    if not pairs:
        return {}
    chosen_indicators = [i for i in indicators if i.id in pairs]
    chosen = sa.or_(*(sa.and_(IndicatorValue.indicator_id == indicator_id,
                              sa.or_(sa.and_(IndicatorValue.kind == first, IndicatorValue.period == one),
                                     sa.and_(IndicatorValue.kind == second, IndicatorValue.period == other)))
                      for indicator_id, (one, other) in pairs.items()))
    place = sa.func.coalesce(IndicatorValue.territory_id, IndicatorValue.province_id, 0)
    rows = (sa.select(IndicatorValue.indicator_id.label("indicator_id"), IndicatorValue.kind.label("kind"),
                      place.label("place"))
            .where(_totals_condition(chosen_indicators, include_pending, kinds), _contributes(chosen_indicators),
                   chosen)
            .cte("compared"))
    mine, theirs = rows.alias("mine"), rows.alias("theirs")
    found = dict(db.session.execute(
        sa.select(mine.c.indicator_id, sa.func.count())
        .where(mine.c.kind == first, ~sa.exists().where(theirs.c.kind == second,
                                                        theirs.c.indicator_id == mine.c.indicator_id,
                                                        theirs.c.place == mine.c.place))
        .group_by(mine.c.indicator_id)).all())
    return {indicator_id: found.get(indicator_id, 0) for indicator_id in pairs}
