"""Forms of the site problems log: raising a problem, the steering committee's solution,
closing and reopening, and the national list's filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import optional_int, strip
from najma.vocab import PROBLEM_SEVERITIES, choices


class ProblemForm(FlaskForm):
    """A problem raised on a site. The bodies and chantiers are set by the view."""

    body_id = SelectField(_l("Raised by"), coerce=optional_int, validate_choice=False,
                          validators=[DataRequired(_l("Choose the body raising the problem."))],
                          description=_l("The territory's body that meets the problem."))
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("A problem needs a title.")),
        Length(max=200, message=_l("The title is limited to 200 characters."))])
    severity = SelectField(_l("Severity"), choices=choices(PROBLEM_SEVERITIES), default="medium",
                           validators=[DataRequired(_l("Choose a severity."))])
    chantier_id = SelectField(_l("Chantier"), coerce=optional_int, validators=[Optional()], validate_choice=False,
                              description=_l("The chantier concerned, if any."))
    description = TextAreaField(_l("Description"), validators=[
        Optional(), Length(max=50_000, message=_l("The description is limited to 50,000 characters."))],
        render_kw={"rows": 10},
        description=_l("What happens, since when, who is affected, what was tried already."))


class SolutionForm(FlaskForm):
    """The steering committee's proposed solution, written from ``lock_version``."""

    solution = TextAreaField(_l("Proposed solution"), render_kw={"rows": 8}, validators=[
        DataRequired(_l("Write the proposed solution.")),
        Length(max=50_000, message=_l("The solution is limited to 50,000 characters."))])
    lock_version = HiddenField()


class CloseForm(FlaskForm):
    """Close a problem, with an optional note kept in its history."""

    note = TextAreaField(_l("Closing note"), render_kw={"rows": 3}, validators=[
        Optional(), Length(max=20_000, message=_l("The note is limited to 20,000 characters."))])


class ReopenForm(FlaskForm):
    """Reopen a closed problem; the reason is required."""

    reason = TextAreaField(_l("Why reopen this problem?"), render_kw={"rows": 3}, validators=[
        DataRequired(_l("Reopening a problem needs a reason.")),
        Length(max=20_000, message=_l("The reason is limited to 20,000 characters."))])


class ProblemFilterForm(FlaskForm):
    """The national list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    severity = SelectField(_l("Severity"), validators=[Optional()], validate_choice=False)
    territory_id = SelectField(_l("Territory"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    chantier_id = SelectField(_l("Chantier"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    sort = SelectField(_l("Order"), choices=[("age", _l("Oldest first")), ("recent", _l("Newest first")),
                                             ("severity", _l("Most severe first"))],
                       default="age", validators=[Optional()], validate_choice=False)
