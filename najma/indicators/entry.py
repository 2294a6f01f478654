"""Entry and approval of indicator values, level by level: the antenna enters, the provincial
delegate validates, the steering committee approves (the value is then locked). A correction adds
a new version with its reason; nothing is ever overwritten.

Every value lives in a *slot* (indicator, place, period, kind and breakdown, see :func:`slot_of`)
and a slot has at most one current version: the unique partial index on ``slot`` where
``is_current`` guarantees it on every database. Each write is a compare-and-set: the version it
replaces is marked not current with ``UPDATE ... WHERE id = ? AND is_current`` and a row count of
0 (someone wrote meanwhile) is a conflict (409), as is a second current version caught by the index.

The entry form is all-or-nothing: every row is checked (numbers, units and ranges, period,
breakdowns, counts of a rate) before anything is written, and a value far from the previous ones
asks for confirmation first.
"""
from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import attributes
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.i18n import current_language
from najma.indicators import aggregation, periods
from najma.indicators.models import Indicator, IndicatorValue
from najma.models_base import utcnow
from najma.permissions import can
from najma.reference.models import TargetGroup
from najma.territories.models import Territory
from najma.vocab import AREAS, SEXES, VALUE_KINDS, VALUE_STATUSES, label

#: The figures of a value that an entry or a correction sets (the rest is its slot and its approval).
FIGURE_FIELDS = ("value", "numerator", "denominator", "source_text", "note")
#: What the audit log keeps of a value.
AUDIT_FIELDS = ("period", "kind", "sex", "target_group_id", "area", "value", "numerator", "denominator",
                "source_text", "note", "status", "is_current", "is_official", "reason", "replaces_id")
#: Largest magnitude a figure column (Numeric(18, 4)) holds.
MAX_FIGURE = Decimal("99999999999999")
FIGURE_QUANTUM = Decimal("0.0001")
MAX_SOURCE = 300
MAX_NOTE = 10_000
MAX_REASON = 2_000
#: A value that moves more than this share of the previous one asks for confirmation.
FAR_RELATIVE_CHANGE = Decimal("0.5")
#: ... or that lies more than this many standard deviations from the previous values (3 or more).
FAR_DEVIATIONS = 3
#: The audit verb of a value sent back to the antenna.
RETURN_VERB = "return"
#: Kinds whose period may lie in the future.
FUTURE_KINDS = ("target",)


# --- slots ---------------------------------------------------------------------------------------

def slot_of(indicator_id: int, territory_id: int | None, province_id: int | None, period: str, kind: str,
            sex: str | None, target_group_id: int | None, area: str | None) -> str:
    """The one string naming where a value lives: indicator, place, period, kind and breakdown.

    ``"<indicator>|<place>|<period>|<kind>|<sex>|<target group>|<area>"`` where the place is
    ``t<territory id>``, ``p<province id>`` or ``n`` (the nation) and an absent breakdown is empty,
    e.g. ``"12|t3|2026-S1|measure|female||rural"``. Every version of a value shares its slot; the
    unique index on ``slot`` among current versions keeps one current version per slot, so every
    writer of indicator values must build the slot with this function.
    """
    place = f"t{territory_id}" if territory_id is not None else (f"p{province_id}" if province_id is not None else "n")
    return "|".join((str(indicator_id), place, period, kind, sex or "", "" if target_group_id is None
                     else str(target_group_id), area or ""))


def breakdown_key(sex: str | None, target_group_id: int | None, area: str | None) -> str:
    """A short key of a breakdown (``"female.x.rural"``), used for form field names and grouping."""
    return ".".join((sex or "x", "x" if target_group_id is None else str(target_group_id), area or "x"))


# --- numbers -------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
#: "1,234" or "12,345,678": thousands as English writes them (read so only in the English interface;
#: in French and Arabic the comma is the decimal mark).
_ENGLISH_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def parse_number(text: Any) -> Decimal | None:
    """A number typed in a form, French or English style ("12,5", "1 234,5", "12.5", "40 %"), as a
    Decimal; ``None`` when empty. "1,234" is 1.234 except in the English interface, where it is
    1234. Raises ``ValueError`` with a message for the user otherwise."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(_("“%(text)s” is not a number.", text=text))
    if isinstance(text, (int, Decimal)):
        number = Decimal(text)
    elif isinstance(text, float):
        number = Decimal(str(text))
    else:
        raw = str(text).strip()
        if not raw:
            return None
        # Arabic writing: U+066B is the decimal mark, U+066C the thousands separator, U+066A the
        # percent sign; Arabic-Indic digits are read by Decimal as they are.
        cleaned = (_SPACES.sub("", raw).replace("\u2212", "-").replace("\u066c", "").replace("\u066b", ",")
                   .rstrip("%\u066a"))
        if _ENGLISH_THOUSANDS.match(cleaned) and current_language() == "en":
            cleaned = cleaned.replace(",", "")
        elif "," in cleaned and "." in cleaned:
            decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
            thousands = "." if decimal_mark == "," else ","
            cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
        elif cleaned.count(",") == 1:
            cleaned = cleaned.replace(",", ".")
        if not _NUMBER.match(cleaned):
            raise ValueError(_("“%(text)s” is not a number: type digits, with a comma or a point before the "
                               "decimals (12,5).", text=raw[:40]))
        number = Decimal(cleaned)
    if not number.is_finite():
        raise ValueError(_("“%(text)s” is not a number.", text=str(text)[:40]))
    if abs(number) > MAX_FIGURE:
        raise ValueError(_("This number is too large."))
    number = number.quantize(FIGURE_QUANTUM, rounding=ROUND_HALF_UP)
    return abs(number) if number == 0 else number  # "-0" is 0


def show_number(number: Decimal | None, decimals: int | None = None) -> str:
    """A number as the interface writes it (locale separators): with exactly ``decimals`` decimals,
    or as many as it has (up to four) when ``None``."""
    if number is None:
        return ""
    if decimals is None:
        return format_decimal(number, format="#,##0.####")
    return format_decimal(number, format="#,##0" + ("." + "0" * decimals if decimals > 0 else ""))


# --- entries -------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One row of the entry form: an indicator's value of one kind for one breakdown, as typed.

    ``base_id`` is the id of the current version the form showed (0: none); a write finding
    another current version is a conflict. ``None`` skips that check (a script, a test).
    ``key`` names the row in the errors and warnings (by default its indicator and breakdown).
    """

    indicator_id: int
    kind: str = "measure"
    sex: str | None = None
    target_group_id: int | None = None
    area: str | None = None
    value: Any = None
    numerator: Any = None
    denominator: Any = None
    source_text: str = ""
    note: str = ""
    base_id: int | None = None
    key: str = ""

    def __post_init__(self) -> None:
        self.sex = self.sex or None
        self.area = self.area or None
        self.target_group_id = self.target_group_id or None
        if not self.key:
            self.key = f"{self.indicator_id}.{self.kind}.{breakdown_key(self.sex, self.target_group_id, self.area)}"

    @property
    def is_blank(self) -> bool:
        """Nothing typed in its figures: the row is skipped."""
        return all(_blank(v) for v in (self.value, self.numerator, self.denominator))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_entry(data: Entry | Mapping) -> Entry:
    """An :class:`Entry` from itself or a mapping of its fields (unknown keys ignored)."""
    if isinstance(data, Entry):
        return data
    known = {f.name for f in fields(Entry)}
    return Entry(**{key: value for key, value in data.items() if key in known})


@dataclass
class Checked:
    """An entry once checked: its indicator, slot and figures ready to store."""

    entry: Entry
    indicator: Indicator
    slot: str
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    source_text: str
    note: str

    def figures(self) -> dict[str, Any]:
        """The columns a stored version takes from this entry."""
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator,
                "source_text": self.source_text, "note": self.note}


class EntryRefused(DomainError):
    """Some rows of the form were refused; ``errors`` maps a row key to ``{field: message}``.
    Nothing was written."""

    def __init__(self, errors: dict[str, dict[str, str]]):
        super().__init__(_l("Some values were refused: correct the fields marked. Nothing was saved."))
        self.errors = errors


class NeedsConfirmation(DomainError):
    """Values far from the previous ones; ``warnings`` maps a row key to a message. Nothing was
    written: the same entries with ``confirm=True`` are saved."""

    def __init__(self, warnings: dict[str, str]):
        super().__init__(_l("Some values are far from the previous ones: check them, then tick “Confirm” "
                            "and save again. Nothing was saved yet."))
        self.warnings = warnings


class ValueConflict(DomainError):
    """Someone wrote the same values meanwhile (409); ``keys`` are the rows concerned (entry form),
    ``current`` the version now current (correction). Nothing was written."""

    def __init__(self, message, keys: Iterable[str] = (), current: IndicatorValue | None = None):
        super().__init__(message)
        self.keys = list(keys)
        self.current = current


def _conflict_message():
    return _l("Someone changed these values while you were working on them. Nothing was saved: your entries "
              "are kept below with what is recorded now; check them, then save again.")


def _figure_error(indicator: Indicator, number: Decimal) -> str | None:
    """Why ``number`` is out of the indicator's unit and range, or ``None``."""
    if number < 0:
        return _("A value of this indicator cannot be negative.")
    if indicator.unit == "percent" and number > 100:
        return _("A percentage is between 0 and 100.")
    if indicator.unit == "count" and number != number.to_integral_value():
        return _("This indicator counts people or things: type a whole number.")
    if indicator.max_value is not None and number > indicator.max_value:
        return _("This indicator's values are at most %(max)s.", max=show_number(indicator.max_value))
    return None


def _count_error(number: Decimal) -> str | None:
    if number < 0 or number != number.to_integral_value():
        return _("A count is a whole number, 0 or more.")
    return None


def rate_from(indicator: Indicator, numerator: Decimal, denominator: Decimal) -> Decimal:
    """The value a rate's counts give: a percentage (numerator / denominator × 100) or a ratio."""
    share = numerator / denominator
    if indicator.unit == "percent":
        share *= 100
    return share.quantize(FIGURE_QUANTUM, rounding=ROUND_HALF_UP)


def _takes_counts(indicator: Indicator) -> bool:
    return indicator.aggregation == "rate"


def _check_breakdown(entry: Entry, indicator: Indicator, target_group_ids: set[int]) -> str | None:
    allowed = set(indicator.disaggregations or [])
    if entry.sex is not None and ("sex" not in allowed or entry.sex not in SEXES):
        return _("This indicator is not broken down by sex.") if "sex" not in allowed else _("Unknown sex.")
    if entry.target_group_id is not None and ("target_group" not in allowed
                                              or entry.target_group_id not in target_group_ids):
        return (_("This indicator is not broken down by target group.") if "target_group" not in allowed
                else _("Unknown target group."))
    if entry.area is not None and ("area" not in allowed or entry.area not in AREAS):
        return _("This indicator is not broken down by area.") if "area" not in allowed else _("Unknown area.")
    return None


def check_entry(entry: Entry, indicator: Indicator | None, place: tuple[int | None, int | None], period: str,
                target_group_ids: set[int]) -> tuple[Checked | None, dict[str, str]]:
    """Check one non-blank entry: its indicator and kind, breakdown, figures (units, ranges, a rate's
    counts). Returns the checked entry, or ``None`` with the messages by field."""
    errors: dict[str, str] = {}
    if indicator is None or not indicator.active:
        return None, {"row": _("This indicator does not exist or is no longer in use.")}
    if entry.kind not in VALUE_KINDS:
        return None, {"row": _("Choose baseline, target or measure.")}
    problem = _check_breakdown(entry, indicator, target_group_ids)
    if problem:
        return None, {"row": problem}
    numbers: dict[str, Decimal | None] = {}
    for name in ("value", "numerator", "denominator"):
        try:
            numbers[name] = parse_number(getattr(entry, name))
        except ValueError as error:
            errors[name] = str(error)
    value, numerator, denominator = (numbers.get("value"), numbers.get("numerator"), numbers.get("denominator"))
    if value is not None and "value" not in errors:
        problem = _figure_error(indicator, value)
        if problem:
            errors["value"] = problem
    counts_typed = not (_blank(entry.numerator) and _blank(entry.denominator))
    if counts_typed and not _takes_counts(indicator):
        errors["numerator"] = _("This indicator takes no numerator and denominator: type its value only.")
    elif counts_typed and not errors.keys() & {"numerator", "denominator"}:
        if numerator is None or denominator is None:
            errors["numerator" if numerator is None else "denominator"] = _(
                "Give both the numerator and the denominator, or neither.")
        else:
            for name, number in (("numerator", numerator), ("denominator", denominator)):
                problem = _count_error(number)
                if problem:
                    errors[name] = problem
            if "denominator" not in errors and denominator == 0:
                errors["denominator"] = _("The denominator cannot be 0.")
            if not errors.keys() & {"numerator", "denominator"}:
                if indicator.unit == "percent" and numerator > denominator:
                    errors["numerator"] = _("The numerator (%(numerator)s) cannot exceed the denominator "
                                            "(%(denominator)s).", numerator=show_number(numerator),
                                            denominator=show_number(denominator))
                else:
                    computed = rate_from(indicator, numerator, denominator)
                    tolerance = Decimal(1).scaleb(-max(indicator.decimals, 0))
                    if value is not None and "value" not in errors and abs(value - computed) > tolerance:
                        errors["value"] = _("The counts give %(computed)s, not %(value)s: correct the value or "
                                            "the counts (or leave the value empty to compute it).",
                                            computed=show_number(computed, indicator.decimals),
                                            value=show_number(value, indicator.decimals))
                    elif "value" not in errors:
                        problem = _figure_error(indicator, computed)
                        if problem:
                            errors["value"] = problem
                        value = computed
    if value is None and not errors:
        errors["value"] = _("Type a value.")
    source_text = (entry.source_text or "").strip()
    if len(source_text) > MAX_SOURCE:
        errors["source_text"] = _("The source is limited to %(n)d characters.", n=MAX_SOURCE)
    note = (entry.note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("The note is limited to %(n)d characters.", n=MAX_NOTE)
    if errors:
        return None, errors
    territory_id, province_id = place
    slot = slot_of(indicator.id, territory_id, province_id, period, entry.kind, entry.sex, entry.target_group_id,
                   entry.area)
    return Checked(entry, indicator, slot, value, numerator if counts_typed else None,
                   denominator if counts_typed else None, source_text, note), {}


def check_period(period: str, kinds: Iterable[str], today: date | None = None) -> str:
    """The period's normal code if it is valid for these kinds (measures and baselines are not in
    the future; targets may be); a :class:`DomainError` on the ``period`` field otherwise."""
    code = periods.parse(period).code
    if periods.is_future(code, today) and any(kind not in FUTURE_KINDS for kind in kinds):
        raise DomainError(_l("%(period)s has not begun: only targets can be set for a period in the future.",
                             period=code), field="period")
    return code


def _same_figures(current: IndicatorValue, checked: Checked) -> bool:
    return all(getattr(current, name) == getattr(checked, name) for name in FIGURE_FIELDS)


# --- far values ----------------------------------------------------------------------------------

def _history(territory_id: int, period: str, checked: list[Checked]) -> dict[tuple, list[tuple[str, Decimal]]]:
    """The earlier current baselines and measures of the same indicators and breakdowns, by
    (indicator, breakdown), oldest first; one query."""
    measured = [c for c in checked if c.entry.kind == "measure"]
    if not measured:
        return {}
    rows = db.session.execute(
        sa.select(IndicatorValue.indicator_id, IndicatorValue.sex, IndicatorValue.target_group_id,
                  IndicatorValue.area, IndicatorValue.period, IndicatorValue.value)
        .where(IndicatorValue.territory_id == territory_id, IndicatorValue.is_current.is_(True),
               IndicatorValue.indicator_id.in_({c.indicator.id for c in measured}),
               IndicatorValue.kind.in_(("baseline", "measure")), IndicatorValue.value.is_not(None),
               IndicatorValue.period != period)).all()
    limit = periods.sort_key(period)
    history: dict[tuple, list[tuple[str, Decimal]]] = {}
    for row in rows:
        if periods.sort_key(row.period) < limit:
            history.setdefault((row.indicator_id, row.sex, row.target_group_id, row.area), []).append(
                (row.period, row.value))
    for series in history.values():
        series.sort(key=lambda item: periods.sort_key(item[0]))
    return history


def far_warning(indicator: Indicator, number: Decimal, history: list[tuple[str, Decimal]]) -> str | None:
    """A warning when ``number`` is far from the earlier values (oldest first): more than 50 %
    away from the last one, or beyond 3 standard deviations of them (3 values or more)."""
    if not history:
        return None
    last_period, last = history[-1]
    far = last != 0 and abs(number - last) / abs(last) > FAR_RELATIVE_CHANGE
    previous = [value for _period, value in history]
    if not far and len(previous) >= 3:
        spread = statistics.stdev(previous)
        far = spread > 0 and abs(number - statistics.mean(previous)) > FAR_DEVIATIONS * spread
    if not far:
        return None
    return _("%(value)s is far from the previous values (%(last)s in %(period)s). Check it, then confirm.",
             value=show_number(number, indicator.decimals), last=show_number(last, indicator.decimals),
             period=last_period)


# --- writing -------------------------------------------------------------------------------------

def breakdown_text(value: IndicatorValue | Entry, target_groups: Mapping[int, str] | None = None) -> str:
    """A value's breakdown in words ("Women and girls, Rural"); empty for the total."""
    parts = []
    if value.sex:
        parts.append(label(SEXES, value.sex))
    if value.target_group_id:
        parts.append((target_groups or {}).get(value.target_group_id, f"#{value.target_group_id}"))
    if value.area:
        parts.append(label(AREAS, value.area))
    return ", ".join(str(p) for p in parts)


def value_label(value: IndicatorValue, indicator: Indicator, target_groups: Mapping[int, str] | None = None) -> str:
    """How the audit log and the pages name a value: code, period, kind and breakdown."""
    breakdown = breakdown_text(value, target_groups)
    return f"{indicator.code} · {value.period} · {label(VALUE_KINDS, value.kind)}" + (
        f" · {breakdown}" if breakdown else "")


def _target_group_names() -> dict[int, str]:
    return {group.id: group.name for group in db.session.execute(sa.select(TargetGroup)).scalars()}


def _retire(current: IndicatorValue, *, statuses: tuple[str, ...]) -> bool:
    """Compare-and-set: mark ``current`` not current if it still is, in one of ``statuses``."""
    result = db.session.execute(
        sa.update(IndicatorValue).where(IndicatorValue.id == current.id, IndicatorValue.is_current.is_(True),
                                        IndicatorValue.status.in_(statuses))
        .values(is_current=False).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _new_version(actor, checked: Checked, territory: Territory, period: str,
                 current: IndicatorValue | None, reason: str) -> IndicatorValue:
    entry = checked.entry
    value = IndicatorValue(
        indicator_id=checked.indicator.id, territory_id=territory.id, province_id=None, period=period,
        kind=entry.kind, sex=entry.sex, target_group_id=entry.target_group_id, area=entry.area, slot=checked.slot,
        status="entered", version=(current.version + 1) if current is not None else 1, is_current=True,
        replaces_id=current.id if current is not None else None, reason=reason,
        entered_by_id=getattr(actor, "id", None), entered_at=utcnow(), **checked.figures())
    db.session.add(value)
    return value


def enter_values(actor, territory: Territory, period: str, entries: Iterable[Entry | Mapping], *,
                 confirm: bool = False, today: date | None = None, is_demo: bool = False) -> list[IndicatorValue]:
    """Record the antenna's values of ``territory`` for ``period``, all or nothing.

    Blank rows are skipped and a row equal to its current version changes nothing. A new slot gets
    version 1; a slot whose current version is still ``entered`` gets the next version (the old
    one stays, not current, with the reason "edited before validation"); a validated or approved
    value is refused (it is corrected instead). Refusals raise :class:`EntryRefused`, values far
    from the previous ones :class:`NeedsConfirmation` unless ``confirm``, a concurrent write
    :class:`ValueConflict`; in every case nothing is written. Returns the versions written.

    ``is_demo`` flags the versions written as demo data (the demo loader); a new version of a demo
    value stays demo.
    """
    if not can(actor, "indicator.enter", territory):
        raise DomainError(_l("Only the antenna of this territory enters its indicator values."))
    typed = [as_entry(item) for item in entries]
    filled = [entry for entry in typed if not entry.is_blank]
    errors: dict[str, dict[str, str]] = {}
    for entry in typed:
        if entry.is_blank and not (_blank(entry.source_text) and _blank(entry.note)):
            errors[entry.key] = {"value": _("Type a value, or clear the source and the note.")}
    if not filled and not errors:
        raise DomainError(_l("Type at least one value."))
    period = check_period(period, {entry.kind for entry in filled}, today)
    indicators = {row.id: row for row in db.session.execute(
        sa.select(Indicator).where(Indicator.id.in_({entry.indicator_id for entry in filled}))).scalars()}
    group_ids = set(db.session.execute(sa.select(TargetGroup.id)).scalars())
    checked: list[Checked] = []
    for entry in filled:
        result, problems = check_entry(entry, indicators.get(entry.indicator_id), (territory.id, None), period,
                                       group_ids)
        if problems:
            errors[entry.key] = problems
        else:
            checked.append(result)
    slots: dict[str, Checked] = {}
    for item in checked:
        if item.slot in slots:
            errors.setdefault(item.entry.key, {})["row"] = _("This value is given twice.")
        slots[item.slot] = item
    current = {row.slot: row for row in db.session.execute(
        sa.select(IndicatorValue).where(IndicatorValue.slot.in_(list(slots)), IndicatorValue.is_current.is_(True))
        .with_for_update().execution_options(populate_existing=True)).scalars()} if slots else {}
    stale = []
    for item in checked:
        existing = current.get(item.slot)
        if item.entry.base_id is not None and (existing.id if existing else 0) != item.entry.base_id:
            stale.append(item.entry.key)
        elif existing is not None and existing.status != "entered" and not _same_figures(existing, item):
            errors.setdefault(item.entry.key, {})["row"] = (
                _("This value is already approved and locked: to change it, open its correction.")
                if existing.status == "approved" else
                _("This value is already validated: to change it, open its correction."))
    if errors:
        db.session.rollback()
        raise EntryRefused(errors)
    if stale:
        db.session.rollback()
        raise ValueConflict(_conflict_message(), keys=stale)
    changed = [item for item in checked
               if current.get(item.slot) is None or not _same_figures(current[item.slot], item)]
    if not confirm:
        history = _history(territory.id, period, changed)
        warnings = {}
        for item in changed:
            if item.entry.kind != "measure":
                continue
            entry = item.entry
            series = history.get((item.indicator.id, entry.sex, entry.target_group_id, entry.area), [])
            warning = far_warning(item.indicator, item.value, series)
            if warning:
                warnings[entry.key] = warning
        if warnings:
            db.session.rollback()
            raise NeedsConfirmation(warnings)
    names = _target_group_names() if any(item.entry.target_group_id for item in changed) else {}
    written = []
    for item in changed:
        existing = current.get(item.slot)
        before = audit.snapshot(existing, AUDIT_FIELDS) if existing is not None else {}
        if existing is not None and not _retire(existing, statuses=("entered",)):
            db.session.rollback()
            raise ValueConflict(_conflict_message(), keys=[item.entry.key])
        value = _new_version(actor, item, territory, period, existing,
                             str(_l("Edited before validation")) if existing is not None else "")
        value.is_demo = is_demo or (existing is not None and existing.is_demo)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            raise ValueConflict(_conflict_message(), keys=[item.entry.key]) from None
        audit.record(actor, "update" if existing is not None else "create", value, before,
                     audit.snapshot(value, AUDIT_FIELDS), label=value_label(value, item.indicator, names),
                     territory_id=territory.id)
        written.append(value)
    db.session.commit()
    return written


# --- approval ------------------------------------------------------------------------------------

def _ids(value_ids: Iterable[Any]) -> list[int]:
    ids = []
    for raw in value_ids or ():
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise DomainError(_l("Unknown value.")) from None
        if number not in ids:
            ids.append(number)
    return ids


def _load_for_step(ids: list[int], verb_message) -> list[IndicatorValue]:
    """The values with ``ids``, locked until the commit, with their indicators; refused when one is
    missing or is no longer the current version."""
    if not ids:
        raise DomainError(verb_message)
    rows = list(db.session.execute(
        sa.select(IndicatorValue).where(IndicatorValue.id.in_(ids)).with_for_update()
        .execution_options(populate_existing=True)).scalars())
    if len(rows) != len(ids):
        db.session.rollback()
        raise DomainError(_l("Some of these values no longer exist; reload the page."))
    stale = [row for row in rows if not row.is_current]
    if stale:
        db.session.rollback()
        raise ValueConflict(_l("Some of these values were replaced by a newer version meanwhile; reload the page."),
                            current=None)
    indicators = {row.id: row for row in db.session.execute(
        sa.select(Indicator).where(Indicator.id.in_({row.indicator_id for row in rows}))).scalars()}
    for row in rows:
        orm_set_indicator(row, indicators[row.indicator_id])
    return sorted(rows, key=lambda row: ids.index(row.id))


def _reload(value: IndicatorValue) -> None:
    """Read a value's columns again after an UPDATE statement (its loaded indicator stays)."""
    db.session.refresh(value, [column.key for column in sa.inspect(IndicatorValue).column_attrs])


def orm_set_indicator(value: IndicatorValue, indicator: Indicator) -> None:
    """Attach an already loaded indicator to a value (its relationship is never lazy-loaded)."""
    attributes.set_committed_value(value, "indicator", indicator)


def _step(actor, rows: list[IndicatorValue], *, verb: str, source: str, target: str, by: str, at: str) -> None:
    """Move every row from ``source`` to ``target`` status with a compare-and-set each, audited."""
    names = _target_group_names() if any(row.target_group_id for row in rows) else {}
    now = utcnow()
    for row in rows:
        before = audit.snapshot(row, AUDIT_FIELDS)
        result = db.session.execute(
            sa.update(IndicatorValue).where(IndicatorValue.id == row.id, IndicatorValue.is_current.is_(True),
                                            IndicatorValue.status == source)
            .values(status=target, **{by: getattr(actor, "id", None), at: now})
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            raise ValueConflict(_l("Someone changed these values meanwhile; reload the page."))
        _reload(row)
        audit.record(actor, verb, row, before, audit.snapshot(row, AUDIT_FIELDS),
                     label=value_label(row, row.indicator, names), territory_id=row.territory_id)


def validate_values(actor, territory: Territory, period: str | None, value_ids: Iterable[Any]) -> int:
    """The provincial delegate validates entered values of ``territory`` (of ``period`` when given):
    entered → validated, all or none, each audited. Returns how many."""
    if not can(actor, "indicator.validate", territory):
        raise DomainError(_l("Only the provincial delegate of this territory validates its values."))
    rows = _load_for_step(_ids(value_ids), _l("Tick the values to validate."))
    for row in rows:
        if row.territory_id != territory.id or (period and row.period != period):
            db.session.rollback()
            raise DomainError(_l("These values are not all of this territory and period."))
        if row.status != "entered":
            error = DomainError(_("%(value)s is already %(status)s: only entered values are validated.",
                                  value=value_label(row, row.indicator), status=str(row.status_label).lower()))
            db.session.rollback()
            raise error
    _step(actor, rows, verb="validate", source="entered", target="validated", by="validated_by_id", at="validated_at")
    db.session.commit()
    return len(rows)


def approve_values(actor, value_ids: Iterable[Any]) -> int:
    """The steering committee approves validated values: validated → approved (then locked), all
    or none, each audited. Returns how many."""
    if not can(actor, "indicator.approve"):
        raise DomainError(_l("Only the steering committee approves indicator values."))
    rows = _load_for_step(_ids(value_ids), _l("Tick the values to approve."))
    for row in rows:
        if row.status != "validated":
            error = DomainError(
                _("%(value)s is not validated by the provincial delegate yet: it cannot be approved.",
                  value=value_label(row, row.indicator)) if row.status == "entered" else
                _("%(value)s is already approved.", value=value_label(row, row.indicator)))
            db.session.rollback()
            raise error
    _step(actor, rows, verb="approve", source="validated", target="approved", by="approved_by_id", at="approved_at")
    make_official([row.id for row in rows], [row.slot for row in rows])
    db.session.commit()
    return len(rows)


def make_official(value_ids: list[int], slots: list[str]) -> None:
    """The approved versions ``value_ids`` become the official figures of their ``slots`` (the
    versions they replace stop being), in two statements."""
    if not value_ids:
        return
    db.session.execute(sa.update(IndicatorValue).where(
        IndicatorValue.slot.in_(slots), IndicatorValue.is_official.is_(True), IndicatorValue.id.not_in(value_ids))
        .values(is_official=False).execution_options(synchronize_session=False))
    db.session.execute(sa.update(IndicatorValue).where(IndicatorValue.id.in_(value_ids))
                       .values(is_official=True).execution_options(synchronize_session=False))


def can_return(user, value: IndicatorValue, territory: Territory | None) -> bool:
    """Whether ``user`` may send ``value`` back to the antenna: the territory's delegate (an
    entered or validated value), the steering committee (a validated one); never an approved one."""
    if not value.is_current or territory is None or value.status == "approved":
        return False
    if can(user, "indicator.validate", territory):
        return True
    return value.status == "validated" and can(user, "indicator.approve")


def return_value(actor, value_id: int, reason: str) -> IndicatorValue:
    """Send a value back to the antenna with a reason: a validated one becomes entered again (its
    validation is withdrawn), an entered one stays entered with the reason on record. Audited."""
    value = db.session.execute(sa.select(IndicatorValue).where(IndicatorValue.id == value_id).with_for_update()
                               .execution_options(populate_existing=True)).scalar_one_or_none()
    if value is None:
        raise DomainError(_l("This value does not exist."))
    territory = db.session.get(Territory, value.territory_id) if value.territory_id is not None else None
    reason = (reason or "").strip()
    if value.status == "approved":
        raise DomainError(_l("This value is approved and locked: it is corrected, not returned."))
    if not can_return(actor, value, territory):
        if not value.is_current:
            raise ValueConflict(_l("This value was replaced by a newer version meanwhile; reload the page."))
        raise DomainError(_l("Only the provincial delegate of this territory or the steering committee send a "
                             "value back."))
    if not reason:
        raise DomainError(_l("Say why the value is sent back."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is limited to %(n)d characters.", n=MAX_REASON), field="reason")
    indicator = db.session.get(Indicator, value.indicator_id)
    before = audit.snapshot(value, AUDIT_FIELDS)
    result = db.session.execute(
        sa.update(IndicatorValue).where(IndicatorValue.id == value.id, IndicatorValue.is_current.is_(True),
                                        IndicatorValue.status == value.status)
        .values(status="entered", validated_by_id=None, validated_at=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise ValueConflict(_l("Someone changed this value meanwhile; reload the page."))
    _reload(value)
    after = audit.snapshot(value, AUDIT_FIELDS)
    after["return_reason"] = reason
    audit.record(actor, RETURN_VERB, value, before, after,
                 label=value_label(value, indicator, _target_group_names() if value.target_group_id else {}),
                 territory_id=value.territory_id)
    db.session.commit()
    return value


# --- correction ----------------------------------------------------------------------------------

def current_version(slot: str) -> IndicatorValue | None:
    """The current version of a slot, fresh from the database."""
    return db.session.execute(sa.select(IndicatorValue).where(IndicatorValue.slot == slot,
                                                              IndicatorValue.is_current.is_(True))
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def correct_value(actor, value_id: int, new_value: Any, reason: str, *, numerator: Any = None,
                  denominator: Any = None, source_text: str | None = None, note: str | None = None) -> IndicatorValue:
    """Correct a value (the antenna or the delegate of its territory; a reason is required): a new
    current version, entered, replaces it and goes through validation and approval again; the old
    version stays on record, not current, linked by ``replaces_id``.

    A compare-and-set on the corrected version: when it is no longer current (someone corrected or
    edited it meanwhile) :class:`ValueConflict` carries the version now current (409).
    """
    value = db.session.execute(sa.select(IndicatorValue).where(IndicatorValue.id == value_id)
                               .execution_options(populate_existing=True)).scalar_one_or_none()
    if value is None:
        raise DomainError(_l("This value does not exist."))
    territory = db.session.get(Territory, value.territory_id) if value.territory_id is not None else None
    if territory is None or not can(actor, "indicator.correct", territory):
        raise DomainError(_l("Only the antenna or the provincial delegate of the territory correct its values."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the value is corrected."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is limited to %(n)d characters.", n=MAX_REASON), field="reason")
    if not value.is_current:
        raise ValueConflict(_l("This value was corrected or edited by someone else meanwhile. Nothing was saved: "
                               "your correction is kept below with the version now current."),
                            current=current_version(value.slot))
    indicator = db.session.get(Indicator, value.indicator_id)
    entry = Entry(indicator_id=value.indicator_id, kind=value.kind, sex=value.sex,
                  target_group_id=value.target_group_id, area=value.area, value=new_value, numerator=numerator,
                  denominator=denominator, source_text=value.source_text if source_text is None else source_text,
                  note=value.note if note is None else note)
    group_ids = {value.target_group_id} if value.target_group_id else set()
    checked, problems = check_entry(entry, indicator, (value.territory_id, value.province_id), value.period, group_ids)
    if problems:
        field_name, message = next(iter(problems.items()))
        raise DomainError(message, field=field_name if field_name != "row" else None)
    if _same_figures(value, checked):
        raise DomainError(_l("The correction changes nothing: type the right value."), field="value")
    before = audit.snapshot(value, AUDIT_FIELDS)
    if not _retire(value, statuses=("entered", "validated", "approved")):
        db.session.rollback()
        raise ValueConflict(_l("This value was corrected or edited by someone else meanwhile. Nothing was saved: "
                               "your correction is kept below with the version now current."),
                            current=current_version(value.slot))
    corrected = IndicatorValue(
        indicator_id=value.indicator_id, territory_id=value.territory_id, province_id=value.province_id,
        period=value.period, kind=value.kind, sex=value.sex, target_group_id=value.target_group_id, area=value.area,
        slot=value.slot, status="entered", version=value.version + 1, is_current=True, replaces_id=value.id,
        reason=reason, entered_by_id=getattr(actor, "id", None), entered_at=utcnow(), is_demo=value.is_demo,
        **checked.figures())
    db.session.add(corrected)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ValueConflict(_l("This value was corrected or edited by someone else meanwhile. Nothing was saved: "
                               "your correction is kept below with the version now current."),
                            current=current_version(value.slot)) from None
    audit.record(actor, "correct", corrected, before, audit.snapshot(corrected, AUDIT_FIELDS),
                 label=value_label(corrected, indicator, _target_group_names() if value.target_group_id else {}),
                 territory_id=value.territory_id)
    db.session.commit()
    return corrected


# --- reading -------------------------------------------------------------------------------------

def visible_statuses(user, territory: Territory | None) -> tuple[str, ...]:
    """The statuses of a territory's values ``user`` sees: all with ``indicator.view_pending``,
    approved ones only otherwise."""
    if territory is not None and can(user, "indicator.view_pending", territory):
        return ("entered", "validated", "approved")
    if territory is None and can(user, "indicator.approve"):
        return ("entered", "validated", "approved")
    return ("approved",)


def entry_indicators(kind: str) -> list[Indicator]:
    """The indicators a territory's entry form lists for ``kind``: active territory-level ones that
    are entered or computed (census indicators only for targets, their baselines and measures
    coming from the census), in the register's order."""
    sources = ("manual", "computed", "census") if kind == "target" else ("manual", "computed")
    return list(db.session.execute(
        sa.select(Indicator).where(Indicator.active.is_(True), Indicator.level == "territory",
                                   Indicator.source.in_(sources))
        .order_by(Indicator.position, Indicator.code)).scalars())


@dataclass
class Breakdown:
    """A row of an indicator in the forms and tables: the total, or one sex, target group or area."""

    sex: str | None = None
    target_group_id: int | None = None
    area: str | None = None
    label: str = ""

    @property
    def key(self) -> str:
        """See :func:`breakdown_key`."""
        return breakdown_key(self.sex, self.target_group_id, self.area)

    @property
    def is_total(self) -> bool:
        """No breakdown: the indicator's total."""
        return self.sex is None and self.target_group_id is None and self.area is None


def breakdowns(indicator: Indicator, target_groups: list[TargetGroup]) -> list[Breakdown]:
    """The total, then one row per value of each of the indicator's disaggregations."""
    rows = [Breakdown(label=_("Total"))]
    allowed = indicator.disaggregations or []
    if "sex" in allowed:
        rows += [Breakdown(sex=code, label=str(name)) for code, name in SEXES.items()]
    if "target_group" in allowed:
        rows += [Breakdown(target_group_id=group.id, label=group.name) for group in target_groups]
    if "area" in allowed:
        rows += [Breakdown(area=code, label=str(name)) for code, name in AREAS.items()]
    return rows


def target_groups() -> list[TargetGroup]:
    """The target groups in their order."""
    return list(db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars())


def slot_values(territory: Territory, period: str, kind: str) -> dict[str, IndicatorValue]:
    """The current values of a territory for a period and kind, by slot; one query."""
    return {row.slot: row for row in db.session.execute(
        sa.select(IndicatorValue).where(IndicatorValue.territory_id == territory.id, IndicatorValue.period == period,
                                        IndicatorValue.kind == kind, IndicatorValue.is_current.is_(True))).scalars()}


def returned_reasons(value_ids: Iterable[int]) -> dict[int, AuditEvent]:
    """The last "sent back" event of each of these values (when sent back), by value id; one query."""
    ids = [str(i) for i in value_ids]
    if not ids:
        return {}
    events = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "IndicatorValue", AuditEvent.verb == RETURN_VERB,
                                    AuditEvent.object_id.in_(ids)).order_by(AuditEvent.at, AuditEvent.id)).scalars()
    return {int(event.object_id): event for event in events}


@dataclass
class IndicatorTable:
    """An indicator on a territory's page: per breakdown, its latest baseline and target and its
    measures by period (only the values the reader may see)."""

    indicator: Indicator
    rows: list[Breakdown]
    baseline: dict[str, IndicatorValue] = field(default_factory=dict)
    target: dict[str, IndicatorValue] = field(default_factory=dict)
    measures: dict[tuple[str, str], IndicatorValue] = field(default_factory=dict)

    @property
    def shown_rows(self) -> list[Breakdown]:
        """The total, and the breakdowns that hold a value."""
        keys = set(self.baseline) | set(self.target) | {key for key, _period in self.measures}
        return [row for row in self.rows if row.is_total or row.key in keys]


@dataclass
class TerritoryIndicators:
    """A territory's indicators page: each indicator's table, the measure periods shown as columns,
    and the values awaiting the reader's validation."""

    tables: list[IndicatorTable]
    periods: list[str]
    statuses: tuple[str, ...]
    awaiting: list[IndicatorValue]
    returned: dict[int, AuditEvent]
    #: Target group names by id, to name breakdowns.
    names: dict[int, str] = field(default_factory=dict)

    def breakdown(self, value: IndicatorValue) -> str:
        """A value's breakdown in words (empty for the total)."""
        return breakdown_text(value, self.names)


def territory_indicators(territory: Territory, user, *, max_periods: int = 6) -> TerritoryIndicators:
    """What the territory's indicators page shows, in a fixed number of queries: every active
    territory-level indicator with its latest baseline and target and its last ``max_periods``
    measure periods, per breakdown; values not yet approved only for readers with
    ``indicator.view_pending``; the entered values awaiting a delegate's validation."""
    statuses = visible_statuses(user, territory)
    indicators = list(db.session.execute(
        sa.select(Indicator).where(Indicator.active.is_(True), Indicator.level == "territory")
        .order_by(Indicator.position, Indicator.code)).scalars())
    groups = target_groups()
    values = list(db.session.execute(
        sa.select(IndicatorValue).where(IndicatorValue.territory_id == territory.id,
                                        aggregation.visible_condition(set(statuses) != {"approved"}))
    ).scalars())
    by_id = {indicator.id: indicator for indicator in indicators}
    tables = {indicator.id: IndicatorTable(indicator, breakdowns(indicator, groups)) for indicator in indicators}
    measure_periods = periods.ordered(v.period for v in values if v.kind == "measure" and v.indicator_id in by_id)
    shown = measure_periods[-max_periods:]
    for value in values:
        table = tables.get(value.indicator_id)
        if table is None:
            continue
        orm_set_indicator(value, table.indicator)
        key = breakdown_key(value.sex, value.target_group_id, value.area)
        if value.kind == "measure":
            if value.period in shown:
                table.measures[(key, value.period)] = value
        else:
            mapping = table.baseline if value.kind == "baseline" else table.target
            held = mapping.get(key)
            if held is None or periods.sort_key(value.period) > periods.sort_key(held.period):
                mapping[key] = value
    awaiting = []
    if can(user, "indicator.validate", territory):
        awaiting = sorted((v for v in values if v.status == "entered" and v.indicator_id in by_id),
                          key=lambda v: (periods.sort_key(v.period), by_id[v.indicator_id].position, v.slot))
    returned = returned_reasons(v.id for v in values if v.status == "entered")
    return TerritoryIndicators(tables=list(tables.values()), periods=shown, statuses=statuses, awaiting=awaiting,
                               returned=returned, names={group.id: group.name for group in groups})


def pending_values(user) -> list[IndicatorValue]:
    """The values awaiting ``user``'s step, oldest period first, with their indicators: validated
    values of every territory for the steering committee; entered values of the territories where
    ``user`` is the provincial delegate. A fixed number of queries."""
    conditions = []
    if can(user, "indicator.approve"):
        conditions.append(IndicatorValue.status == "validated")
    delegate_of = list(user.territory_ids("delegate")) if getattr(user, "is_authenticated", False) else []
    if delegate_of:
        conditions.append(sa.and_(IndicatorValue.status == "entered", IndicatorValue.territory_id.in_(delegate_of)))
    if not conditions:
        return []
    rows = list(db.session.execute(
        sa.select(IndicatorValue).where(IndicatorValue.is_current.is_(True), IndicatorValue.territory_id.is_not(None),
                                        sa.or_(*conditions))).scalars())
    indicators = {row.id: row for row in db.session.execute(
        sa.select(Indicator).where(Indicator.id.in_({row.indicator_id for row in rows}))).scalars()} if rows else {}
    for row in rows:
        orm_set_indicator(row, indicators[row.indicator_id])
    return sorted(rows, key=lambda v: (v.territory_id, periods.sort_key(v.period), v.indicator.position, v.slot))


def versions_of(value: IndicatorValue) -> list[IndicatorValue]:
    """Every version of a value's slot, newest first."""
    return list(db.session.execute(sa.select(IndicatorValue).where(IndicatorValue.slot == value.slot)
                                   .order_by(IndicatorValue.version.desc(), IndicatorValue.id.desc())).scalars())


def change_text(name: str, raw: Any) -> str:
    """A field's value as the history shows it: numbers with the locale's separators, statuses in
    words, text as it is."""
    if raw is None or raw == "":
        return ""
    if name in ("value", "numerator", "denominator"):
        try:
            return show_number(Decimal(str(raw)))
        except ArithmeticError:
            return str(raw)
    if name == "status":
        return str(label(VALUE_STATUSES, raw))
    return str(raw)


def history_of(versions: list[IndicatorValue]) -> list[AuditEvent]:
    """The audit events of these versions, oldest first; one query."""
    ids = [str(v.id) for v in versions]
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "IndicatorValue", AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.at, AuditEvent.id)).scalars())
