"""Forms of coding and planning: a coded passage, the findings filters, the research plan and
the milestone toggle."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.extensions import db
from najma.form_errors import optional_int
from najma.reference.models import TargetGroup
from najma.research.coding import MAX_MEMO, MAX_QUOTE
from najma.research.plan import MAX_WINDOW, MIN_WINDOW
from najma.vocab import CODE_KINDS, MILESTONES, choices


def _group_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars()
    return [(group.id, group.name) for group in rows]


class PassageForm(FlaskForm):
    """Code a passage of a note: the quote, what it says, for which target group, and a memo."""

    quote = TextAreaField(_l("Passage"), validators=[DataRequired(), Length(max=MAX_QUOTE)],
                          render_kw={"rows": 3, "maxlength": MAX_QUOTE},
                          description=_l("Select the text in the note (a button fills this box), or paste it "
                                         "exactly as written."))
    code = SelectField(_l("What it says"), choices=choices(CODE_KINDS), validators=[DataRequired()])
    target_group_id = SelectField(_l("Target group"), coerce=optional_int, validators=[DataRequired()],
                                  validate_choice=False)
    memo = TextAreaField(_l("Memo (optional)"), validators=[Optional(), Length(max=MAX_MEMO)],
                         render_kw={"rows": 2, "maxlength": MAX_MEMO},
                         description=_l("Why this passage matters, what to check next."))


def passage_form(note=None, **kwargs) -> PassageForm:
    """A coding form with the target groups as choices, preselecting the note's first target
    group when the note has its groups loaded (as ``services.load_note`` does)."""
    form = PassageForm(**kwargs)
    form.target_group_id.choices = [("", "—")] + _group_choices()
    if note is not None and form.target_group_id.data is None and "target_groups" not in sa.inspect(note).unloaded:
        if note.target_groups:
            form.target_group_id.data = note.target_groups[0].id
    return form


class FindingsFilterForm(FlaskForm):
    """Filters of the findings page (read from the query string; nothing is written)."""

    class Meta:
        csrf = False

    group = SelectField(_l("Target group"), validators=[Optional()], validate_choice=False)
    code = SelectField(_l("Code"), choices=[("", _l("All codes"))] + choices(CODE_KINDS), validators=[Optional()],
                       validate_choice=False)


def findings_filter_form(args) -> FindingsFilterForm:
    """The findings filters from the request's query string, target groups listed by code."""
    form = FindingsFilterForm(formdata=args)
    rows = db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars()
    form.group.choices = [("", _l("All target groups"))] + [(group.code, group.name) for group in rows]
    return form


class PlanForm(FlaskForm):
    """The research plan: start, length of the window and, optionally, each milestone's due date."""

    start_date = DateField(_l("Start of the experimentation"), validators=[DataRequired()])
    window_months = SelectField(_l("Length of the window"), coerce=int, default=8,
                                choices=[(n, _l("%(n)s months", n=n)) for n in range(MIN_WINDOW, MAX_WINDOW + 1)])
    due_populations = DateField(MILESTONES["populations"], validators=[Optional()])
    due_needs = DateField(MILESTONES["needs"], validators=[Optional()])
    due_inventory = DateField(MILESTONES["inventory"], validators=[Optional()])
    due_analysis = DateField(MILESTONES["analysis"], validators=[Optional()])
    due_paths = DateField(MILESTONES["paths"], validators=[Optional()])

    def due_fields(self):
        """The due-date fields in the milestones' order."""
        return [getattr(self, f"due_{code}") for code in MILESTONES]

    def due_dates(self) -> dict:
        """``{milestone code: date or None}`` as entered (None: spread over the window)."""
        return {code: getattr(self, f"due_{code}").data for code in MILESTONES}


class MilestoneForm(FlaskForm):
    """Mark a milestone done (``done=1``) or not done (``done=0``)."""

    done = HiddenField(validators=[DataRequired()])
