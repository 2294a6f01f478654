"""Forms of conventions, execution follow-up, beneficiaries reached, milestones and the national view's filters.

Amounts and weights are typed as text ("1 500,50" or "1500.5") and read by the services, which
say what is wrong in the same words everywhere.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from najma.form_errors import optional_int, strip
from najma.vocab import EXECUTION_STATUSES, choices


class ConventionForm(FlaskForm):
    """A convention between an Entraide Nationale institution and the committee for one action."""

    institution = StringField(_l("Entraide Nationale institution"), validators=[Optional(), Length(max=200)],
                              filters=[strip])
    parties = TextAreaField(_l("Parties"), validators=[Optional(), Length(max=5_000)], render_kw={"rows": 3},
                            description=_l("One party per line."))
    commitments = TextAreaField(_l("Commitments"), validators=[Optional(), Length(max=100_000)],
                                render_kw={"rows": 8})
    amount = StringField(_l("Amount (DH)"), validators=[Optional(), Length(max=40)], filters=[strip],
                         render_kw={"inputmode": "decimal"})
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(_l("End"), validators=[Optional()])
    due_date = DateField(_l("To be signed by"), validators=[Optional()],
                         description=_l("The territory's delegates and antenna are reminded as the date nears."))
    signed_on = DateField(_l("Signed on"), validators=[Optional()],
                          description=_l("Recording the signature requires the signed document."))
    document = FileField(_l("Signed document"),
                         description=_l("A PDF or a photo of the signed convention (JPEG, PNG, GIF, WebP)."))
    lock_version = HiddenField()


class ExecutionForm(FlaskForm):
    """The follow-up of one action."""

    status = SelectField(_l("Status"), choices=choices(EXECUTION_STATUSES), validators=[DataRequired()])
    progress = IntegerField(_l("Progress (%)"), validators=[Optional(), NumberRange(
        0, 100, message=_l("Progress is a whole number from 0 to 100."))], render_kw={"min": 0, "max": 100},
                            description=_l("An action marked done is at 100 %."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=100_000)], render_kw={"rows": 8})
    weight = StringField(_l("Weight in the project's progress"), validators=[Optional(), Length(max=40)],
                         filters=[strip], render_kw={"inputmode": "decimal"},
                         description=_l("Leave empty to weigh the action by its budget."))
    lock_version = HiddenField()


class ReachedForm(FlaskForm):
    """The beneficiaries an action has reached: the grid's cells are read from fields named
    ``reached-<target group id>-<sex>``, checked by the service."""

    lock_version = HiddenField()


class MilestoneForm(FlaskForm):
    """A new milestone of an action."""

    title = StringField(_l("Milestone"), validators=[DataRequired(_l("A milestone needs a title.")),
                                                     Length(max=200)], filters=[strip])
    due_date = DateField(_l("Due on"), validators=[DataRequired(_l("A milestone needs a due date."))])


class MilestoneDoneForm(FlaskForm):
    """The day a milestone was reached (empty: not reached)."""

    done_on = DateField(_l("Reached on"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A bare button (delete): only the CSRF token."""


class NationalFilterForm(FlaskForm):
    """The national list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    province_id = SelectField(_l("Province"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    stuck = BooleanField(_l("Stuck projects only"))
    stuck_after = IntegerField(_l("Stuck after (days in the same status)"), validators=[
        Optional(), NumberRange(1, 3650, message=_l("The delay is a number of days from 1 to 3650."))],
        render_kw={"min": 1, "max": 3650})
    sort = SelectField(_l("Order"), choices=[("time", _l("Longest in its status first")),
                                             ("territory", _l("Territory")), ("province", _l("Province"))],
                       default="time", validators=[Optional()], validate_choice=False)
