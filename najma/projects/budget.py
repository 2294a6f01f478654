"""The numbers and pictures of a project version: budget totals (overall, by funder, by chantier,
by action) in exact Decimals, and the schedule as a Gantt-like SVG drawn here, server side,
with the table that goes beside it.

The SVGs use presentation attributes only (the site's CSP forbids inline styles), escape every
text they show and mirror the time axis for right-to-left languages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from najma.i18n import format_number_local, text_direction
from najma.timeutil import format_date_local

ZERO = Decimal("0.00")
#: The average length of a month in days, for durations.
MONTH_DAYS = Decimal("30.4375")
LABEL_CHARS = 34


def action_total(action) -> Decimal:
    """The sum of an action's budget lines (loaded), in dirhams."""
    return sum((line.amount for line in action.budget_lines), ZERO)


@dataclass
class Share:
    """One row of a budget table: what, how much, and its share of the total in percent."""

    label: str
    amount: Decimal
    percent: Decimal
    #: The chantier (for the by-chantier table) or the action (for the by-action table).
    obj: object = None


@dataclass
class BudgetSummary:
    """A version's budget: the total and its breakdowns, largest funders first."""

    total: Decimal = ZERO
    by_funder: list[Share] = field(default_factory=list)
    by_chantier: list[Share] = field(default_factory=list)
    by_action: list[Share] = field(default_factory=list)


def _percent(amount: Decimal, total: Decimal) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (amount * 100 / total).quantize(Decimal("0.1"))


def summarise(actions) -> BudgetSummary:
    """The budget of ``actions`` (with chantier and budget lines loaded): the overall total, by
    funder (spellings differing only in case or spaces are one funder), by chantier (in the
    chantiers' order, actions without one last) and by action (in the project's order)."""
    total = ZERO
    funders: dict[str, list] = {}
    chantiers: dict[object, list] = {}
    by_action = []
    for action in actions:
        amount = action_total(action)
        total += amount
        by_action.append((action.title, amount, action))
        for line in action.budget_lines:
            key = " ".join(line.funder.split()).casefold()
            entry = funders.setdefault(key, [" ".join(line.funder.split()), ZERO])
            entry[1] += line.amount
        chantier = action.chantier
        entry = chantiers.setdefault(chantier.id if chantier else None, [chantier, ZERO])
        entry[1] += amount
    summary = BudgetSummary(total=total)
    summary.by_funder = [Share(name, amount, _percent(amount, total))
                         for name, amount in sorted(funders.values(), key=lambda e: (-e[1], e[0].casefold()))]
    ordered = sorted(chantiers.values(), key=lambda e: (e[0] is None, e[0].position if e[0] else 0))
    summary.by_chantier = [Share(chantier.name if chantier else _("No chantier"), amount, _percent(amount, total),
                                 chantier) for chantier, amount in ordered]
    summary.by_action = [Share(title, amount, _percent(amount, total), action) for title, amount, action in by_action]
    return summary


# --- schedule ------------------------------------------------------------------------------------

@dataclass
class ScheduleRow:
    """One dated action of the schedule."""

    action: object
    start: date
    end: date

    @property
    def months(self) -> Decimal:
        """The duration in months (one decimal), both ends included."""
        return (Decimal((self.end - self.start).days + 1) / MONTH_DAYS).quantize(Decimal("0.1"))


@dataclass
class Schedule:
    """The dated actions in the project's order, and those still missing a date."""

    rows: list[ScheduleRow] = field(default_factory=list)
    undated: list = field(default_factory=list)

    @property
    def first(self) -> date | None:
        return min((row.start for row in self.rows), default=None)

    @property
    def last(self) -> date | None:
        return max((row.end for row in self.rows), default=None)


def schedule(actions) -> Schedule:
    """Split ``actions`` into dated rows (start and end set) and undated ones."""
    result = Schedule()
    for action in actions:
        if action.start_date and action.end_date:
            result.rows.append(ScheduleRow(action, action.start_date, action.end_date))
        else:
            result.undated.append(action)
    return result


#: At most this many month ticks in the schedule, whatever its span (a schedule over centuries
#: gets one tick every so many years instead of one a month).
MAX_TICKS = 120
#: At most about this many month names under the ticks.
MAX_TICK_LABELS = 18
#: Tick spacings in months, the smallest that keeps at most :data:`MAX_TICKS` ticks is used.
_TICK_STEPS = (1, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _after_month(day: date) -> date:
    """The first day of the month after ``day``'s; the calendar's last day in its last month."""
    index = _month_index(day) + 1
    return _month_of(index) if index // 12 <= date.max.year else date.max


def _month_starts(first: date, last: date) -> tuple[list[date], int]:
    """The months whose first day gets a tick between ``first`` and ``last`` (both month starts
    or within their month), at most :data:`MAX_TICKS` of them, and the spacing in months; computed
    without walking every month, so no span is too long."""
    start, end = _month_index(first), _month_index(last)
    count = end - start + 1
    step = next((s for s in _TICK_STEPS if count <= s * MAX_TICKS), _TICK_STEPS[-1])
    begin = start if step == 1 else start + (-start) % step  # whole years, decades... from January
    return [_month_of(index) for index in range(begin, end + 1, step)], step


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"


def _money_label(amount: Decimal) -> str:
    return f"{format_number_local(amount, 0)} {_('DH')}"


class _Canvas:
    """Horizontal coordinates that follow the reading direction: ``x(0)`` is the start side."""

    def __init__(self, width: int, rtl: bool):
        self.width, self.rtl = width, rtl

    def x(self, offset: float) -> float:
        return round(self.width - offset if self.rtl else offset, 1)

    def span(self, a: float, b: float) -> tuple[float, float]:
        """The left edge and the width of the band between offsets ``a`` and ``b``."""
        left, right = sorted((self.x(a), self.x(b)))
        return left, max(round(right - left, 1), 2.0)

    @property
    def direction(self) -> str:
        """The SVG's ``direction``: text anchors ``start`` and ``end`` then follow the reading
        direction (in right-to-left, ``start`` is a text's right edge)."""
        return "rtl" if self.rtl else "ltr"


def gantt_svg(plan: Schedule, today: date | None = None, rtl: bool | None = None) -> Markup:
    """The schedule as an SVG: one bar per dated action from its start to its end, month ticks
    (thinned on long schedules), and a line for today when it falls inside. Empty when no
    action is dated."""
    if not plan.rows:
        return Markup("")
    today = today or date.today()
    rtl = text_direction() == "rtl" if rtl is None else rtl
    width, label_width, row_height, top = 900, 240, 26, 34
    chart_width = width - label_width - 16
    first = plan.first.replace(day=1)
    last = _after_month(plan.last)
    span_days = max((last - first).days, 1)
    canvas = _Canvas(width, rtl)

    def offset(day: date, extra_days: int = 0) -> float:
        return label_width + ((day - first).days + extra_days) / span_days * chart_width

    height = top + row_height * len(plan.rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {width} {height}" '
             f'width="100%" direction="{canvas.direction}" role="img" aria-labelledby="gantt-title" '
             f'data-testid="gantt">',
             f'<title id="gantt-title">{escape(_("Schedule of the actions"))}</title>']
    months, spacing = _month_starts(first, plan.last)
    if spacing == 1:
        step = 1 if len(months) <= MAX_TICK_LABELS else 3 if len(months) <= 48 else 12
    else:
        step = -(-len(months) // MAX_TICK_LABELS)
    for index, month in enumerate(months):
        x = canvas.x(offset(month))
        parts.append(f'<line class="gantt-tick" x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 6}" '
                     f'stroke="#dee2e6" stroke-width="1"/>')
        if index % step == 0:
            parts.append(f'<text class="gantt-month" x="{canvas.x(offset(month) + 3)}" y="{top - 12}" '
                         f'font-size="11" fill="#6c757d" text-anchor="start">'
                         f'{escape(format_date_local(month, "MMM yyyy"))}</text>')
    for index, row in enumerate(plan.rows):
        y = top + index * row_height
        action = row.action
        parts.append(f'<text class="gantt-label" x="{canvas.x(8)}" y="{y + 17}" font-size="12" fill="#212529" '
                     f'text-anchor="start">{escape(_short(action.title))}'
                     f'<title>{escape(action.title)}</title></text>')
        left, bar_width = canvas.span(offset(row.start), offset(row.end, extra_days=1))
        position = action.chantier.position if getattr(action, "chantier", None) is not None else 0
        tooltip = f"{action.title} · {format_date_local(row.start)} – {format_date_local(row.end)}"
        parts.append(f'<rect class="gantt-bar chantier-{position}" data-action-key="{escape(action.key)}" '
                     f'x="{left}" y="{y + 5}" width="{bar_width}" height="{row_height - 10}" rx="3" fill="#0d6efd">'
                     f'<title>{escape(tooltip)}</title></rect>')
    if first <= today < last:
        x = canvas.x(offset(today))
        parts.append(f'<line class="gantt-today" x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 4}" '
                     f'stroke="#dc3545" stroke-width="2" data-testid="gantt-today"/>')
        parts.append(f'<text class="gantt-today-label" x="{canvas.x(offset(today) + 3)}" y="{height - 2}" '
                     f'font-size="10" fill="#dc3545" text-anchor="start">{escape(_("Today"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(shares: list[Share], title: str, rtl: bool | None = None) -> Markup:
    """A horizontal bar chart of budget shares (label, bar proportional to the largest, amount);
    empty when there is nothing to draw."""
    if not shares or not any(share.amount for share in shares):
        return Markup("")
    rtl = text_direction() == "rtl" if rtl is None else rtl
    width, label_width, amount_width, row_height = 600, 200, 130, 24
    chart_width = width - label_width - amount_width
    largest = max(share.amount for share in shares)
    canvas = _Canvas(width, rtl)
    height = row_height * len(shares) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="budget-bars" viewBox="0 0 {width} {height}" '
             f'width="100%" direction="{canvas.direction}" role="img"><title>{escape(title)}</title>']
    for index, share in enumerate(shares):
        y = index * row_height
        parts.append(f'<text x="{canvas.x(4)}" y="{y + 16}" font-size="12" fill="#212529" '
                     f'text-anchor="start">{escape(_short(share.label))}'
                     f'<title>{escape(share.label)}</title></text>')
        length = float(share.amount / largest) * chart_width if largest else 0
        left, bar_width = canvas.span(label_width, label_width + length)
        parts.append(f'<rect class="budget-bar" x="{left}" y="{y + 4}" width="{bar_width}" height="{row_height - 8}" '
                     f'rx="2" fill="#198754"/>')
        parts.append(f'<text x="{canvas.x(width - 4)}" y="{y + 16}" font-size="12" fill="#212529" '
                     f'text-anchor="end">{escape(_money_label(share.amount))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def content_context(version, actions=None, today: date | None = None, rtl: bool | None = None) -> dict:
    """Everything ``projects/_content.html`` needs besides comments: the version, its actions
    (loaded by ``services.load_version``), the budget summary with its pictures, the schedule
    and its SVG. The procès-verbal passes it with ``printable=True``."""
    actions = list(version.actions if actions is None else actions)
    budget = summarise(actions)
    plan = schedule(actions)
    return {
        "version": version, "actions": actions, "budget": budget, "schedule": plan,
        "gantt": gantt_svg(plan, today=today, rtl=rtl),
        "funder_bars": bars_svg(budget.by_funder, _("Budget by funder"), rtl=rtl),
        "chantier_bars": bars_svg(budget.by_chantier, _("Budget by chantier"), rtl=rtl),
    }
