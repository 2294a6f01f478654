"""Forms of the entry and approval of indicator values.

The entry form has one row per indicator and breakdown; its inputs are named
``<field>-<indicator id>.<breakdown key>`` and read with :func:`row_entries`. Numbers are typed as
text ("12,5" or "12.5") and read by the services, which say what is wrong in the same words
everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import strip
from najma.indicators import periods
from najma.indicators.entry import MAX_NOTE, MAX_REASON, MAX_SOURCE, Breakdown, Entry, parse_number
from najma.indicators.models import Indicator, IndicatorValue
from najma.vocab import VALUE_KINDS, choices

#: Inputs of a row of the entry form.
ROW_FIELDS = ("value", "numerator", "denominator", "source_text", "note", "base")


def period_choices(kind: str, today: date | None = None) -> list[tuple[str, str]]:
    """The periods the entry form offers: those begun in the last eight years (newest first), and
    for targets also the next ten years and their halves."""
    today = today or date.today()
    codes = periods.recent(8, today)
    if kind == "target":
        future = []
        for year in range(today.year + 10, today.year, -1):
            future += [str(year), f"{year}-S2", f"{year}-S1"]
        later_this_year = [code for code in (f"{today.year}-S2", f"{today.year}-Q4", f"{today.year}-Q3",
                                             f"{today.year}-Q2") if periods.is_future(code, today)]
        codes = future + later_this_year + codes
    return [(code, code) for code in codes]


class PeriodForm(FlaskForm):
    """Which period and kind the entry form is for (a GET form: no CSRF token)."""

    class Meta:
        """A GET form: nothing to protect."""

        csrf = False

    kind = SelectField(_l("Kind of value"), choices=choices(VALUE_KINDS), default="measure",
                       validators=[Optional()])
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)


class EntryForm(FlaskForm):
    """The entry form's own fields; the rows are read by :func:`row_entries`."""

    period = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(_l("Confirm: these values are right although far from the previous ones"))


class ValidateForm(FlaskForm):
    """The delegate validates the ticked values (``value_id`` checkboxes)."""

    period = HiddenField()


class ApproveForm(FlaskForm):
    """The steering committee approves the ticked values (``value_id`` checkboxes)."""


class ReturnForm(FlaskForm):
    """Send a value back to the antenna, saying why."""

    reason = TextAreaField(_l("Why it goes back to the antenna"),
                           validators=[DataRequired(_l("Say why the value is sent back.")), Length(max=MAX_REASON)],
                           filters=[strip], render_kw={"rows": 2})


class CorrectionForm(FlaskForm):
    """A correction of a value: the right figures and the reason (required)."""

    value = StringField(_l("Value"), validators=[Optional(), Length(max=40)], filters=[strip],
                        render_kw={"inputmode": "decimal"})
    numerator = StringField(_l("Numerator"), validators=[Optional(), Length(max=40)], filters=[strip],
                            render_kw={"inputmode": "decimal"})
    denominator = StringField(_l("Denominator"), validators=[Optional(), Length(max=40)], filters=[strip],
                              render_kw={"inputmode": "decimal"})
    source_text = StringField(_l("Source"), validators=[Optional(), Length(max=MAX_SOURCE)], filters=[strip])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)], render_kw={"rows": 3})
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[DataRequired(_l("Say why the value is corrected.")), Length(max=MAX_REASON)],
                           filters=[strip], render_kw={"rows": 3},
                           description=_l("Kept with the new version and shown in its history."))


def row_key(indicator_id: int, breakdown: Breakdown) -> str:
    """The name part of a row's inputs."""
    return f"{indicator_id}.{breakdown.key}"


@dataclass
class FormRow:
    """A row of the entry form: an indicator for one breakdown, its current value if any, what was
    typed, and the messages about it."""

    indicator: Indicator
    breakdown: Breakdown
    current: IndicatorValue | None = None
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warning: str | None = None
    conflict: bool = False

    @property
    def key(self) -> str:
        """The name part of the row's inputs."""
        return row_key(self.indicator.id, self.breakdown)

    @property
    def locked(self) -> bool:
        """Validated or approved: changed through a correction only."""
        return self.current is not None and self.current.status != "entered"

    @property
    def takes_counts(self) -> bool:
        """A rate: numerator and denominator may be given."""
        return self.indicator.aggregation == "rate"

    def name(self, field_name: str) -> str:
        """The name of one of the row's inputs."""
        return f"{field_name}-{self.key}"

    def shown(self, field_name: str) -> str:
        """What the input shows: what was typed, or the current version's figure."""
        if field_name in self.typed:
            return self.typed[field_name]
        if field_name == "base":
            return str(self.current.id) if self.current is not None else "0"
        if self.current is None:
            return ""
        raw = getattr(self.current, field_name)
        if raw is None:
            return ""
        if field_name in ("value", "numerator", "denominator"):
            return plain_number(raw)
        return str(raw)


def plain_number(number) -> str:
    """A stored figure as typed back into a form: no trailing zeros ("12.5", "40")."""
    text = format(number.normalize(), "f") if hasattr(number, "normalize") else str(number)
    return text


def fill_typed(rows: list[FormRow], formdata: MultiDict) -> None:
    """Keep what was typed in each row (to re-render the form as it was submitted)."""
    for row in rows:
        if row.locked:
            continue
        row.typed = {name: formdata.get(row.name(name), "") for name in ROW_FIELDS}


def _same_text(typed: str, stored) -> bool:
    return (typed or "").strip() == (stored or "").strip()


def _same_number(typed: str, stored) -> bool:
    try:
        number = parse_number(typed)
    except ValueError:
        return False
    if number is None or stored is None:
        return number is None and stored is None
    return number == stored


def stale_locked_rows(rows: list[FormRow], formdata: MultiDict) -> list[FormRow]:
    """The rows locked since the form was opened (validated or approved meanwhile: the form had
    inputs for them, which a locked row does not show) in which the user typed something other than
    what is now locked. Each keeps what was typed and is marked in conflict, so nothing typed is lost
    silently."""
    stale = []
    for row in rows:
        if not row.locked or row.name("value") not in formdata:
            continue
        typed = {name: formdata.get(row.name(name), "") for name in ROW_FIELDS}
        if not any(typed[name].strip() for name in ROW_FIELDS if name != "base"):
            continue  # left blank: a blank row is skipped, nothing of the user's is at stake
        current = row.current
        same = (all(_same_number(typed[name], getattr(current, name)) for name in ("value", "numerator", "denominator"))
                and _same_text(typed["source_text"], current.source_text) and _same_text(typed["note"], current.note))
        if not same:
            row.typed, row.conflict = typed, True
            stale.append(row)
    return stale


def row_entries(rows: list[FormRow], kind: str) -> list[Entry]:
    """The entries the typed rows carry (locked rows aside), keyed by row."""
    entries = []
    for row in rows:
        if row.locked:
            continue
        base = row.typed.get("base", "")
        try:
            base_id = int(base) if base != "" else None
        except ValueError:
            base_id = -1
        entries.append(Entry(indicator_id=row.indicator.id, kind=kind, sex=row.breakdown.sex,
                             target_group_id=row.breakdown.target_group_id, area=row.breakdown.area,
                             value=row.typed.get("value", ""), numerator=row.typed.get("numerator", ""),
                             denominator=row.typed.get("denominator", ""),
                             source_text=row.typed.get("source_text", ""), note=row.typed.get("note", ""),
                             base_id=base_id, key=row.key))
    return entries
