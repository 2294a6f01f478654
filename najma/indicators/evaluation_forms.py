"""Forms of the participatory evaluation (an entry) and of the pilot-versus-comparison page (its
choices, read from the query string)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from najma.form_errors import strip
from najma.research.forms import MultiCheckboxField


class EvaluationForm(FlaskForm):
    """A participatory evaluation entry. Choices (indicators, notes) are set by the view."""

    period = SelectField(_l("Period"), validators=[DataRequired(_l("Choose the period this evaluation is about."))],
                         validate_choice=False,
                         description=_l("The year, half or quarter the participants look back on."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    what_changed = TextAreaField(_l("What changed"), validators=[DataRequired(), Length(max=100_000)],
                                 render_kw={"rows": 8})
    for_whom = TextAreaField(_l("For whom"), validators=[Optional(), Length(max=100_000)], render_kw={"rows": 4})
    participants_said = TextAreaField(_l("What the participants said"), validators=[Optional(), Length(max=100_000)],
                                      render_kw={"rows": 8})
    indicator_ids = MultiCheckboxField(_l("Indicators"), coerce=int, validate_choice=False)
    note_ids = SelectMultipleField(_l("Research notes"), coerce=int, validate_choice=False)
    lock_version = HiddenField()


class ComparisonForm(FlaskForm):
    """The choices of the comparison page (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    size = IntegerField(_l("Comparison communes per pilot"), default=5,
                        validators=[Optional(), NumberRange(min=1, max=20)])
    start = SelectField(_l("From"), validators=[Optional()], validate_choice=False)
    end = SelectField(_l("To"), validators=[Optional()], validate_choice=False)
