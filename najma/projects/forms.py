"""Forms of the territory project's content: starting the project, its title, context and
objectives, an action with its paths, actors, beneficiaries and budget, and a section comment.

The rules (retained paths, actors of the territory, amounts, one project per territory) are the
services'; the forms only carry what was typed, so a refusal re-renders it intact.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import optional_int, strip
from najma.research.forms import MultiCheckboxField

#: Blank budget rows the action form offers beyond the existing lines.
BLANK_BUDGET_ROWS = 3


class CreateProjectForm(FlaskForm):
    """Start the territory project: its title (the rest is written afterwards)."""

    title = StringField(_l("Title of the project"), validators=[DataRequired(), Length(max=200)], filters=[strip])


class ContentForm(FlaskForm):
    """The project's title, context and objectives; ``lock_version`` detects concurrent saves."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    context = TextAreaField(_l("Context"), validators=[Optional(), Length(max=100_000)], render_kw={"rows": 12},
                            description=_l("The territory, its populations and what the research showed."))
    general_objective = TextAreaField(_l("General objective"), validators=[Optional(), Length(max=20_000)],
                                      render_kw={"rows": 3})
    specific_objectives = TextAreaField(_l("Specific objectives"), validators=[Optional(), Length(max=20_000)],
                                        render_kw={"rows": 5}, description=_l("One objective per line."))
    lock_version = HiddenField()


class BudgetRowForm(Form):
    """One budget row of an action (a sub-form: the action form carries the CSRF token)."""

    item = StringField(_l("Item"), validators=[Optional(), Length(max=200)], filters=[strip])
    funder = StringField(_l("Funder"), validators=[Optional(), Length(max=200)], filters=[strip])
    amount = StringField(_l("Amount (DH)"), validators=[Optional(), Length(max=40)], filters=[strip])


class ActionForm(FlaskForm):
    """An action of the project. Choices are set by the view; the beneficiaries grid is read
    from fields named ``beneficiaries-<target group id>-<sex>``."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=100_000)],
                                render_kw={"rows": 6})
    path_ids = MultiCheckboxField(_l("Retained intervention paths it answers"), coerce=int, validate_choice=False)
    chantier_id = SelectField(_l("Chantier"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    target_group_ids = MultiCheckboxField(_l("Target groups"), coerce=int, validate_choice=False)
    lead_actor_id = SelectField(_l("Lead actor"), coerce=optional_int, validators=[Optional()],
                                validate_choice=False)
    partner_ids = SelectMultipleField(_l("Partners from the actor map"), coerce=int, validate_choice=False,
                                      description=_l("Hold Ctrl (or Cmd) to choose several."))
    partners_text = TextAreaField(_l("Other partners"), validators=[Optional(), Length(max=20_000)],
                                  render_kw={"rows": 2},
                                  description=_l("Partners not on the actor map yet, in free text."))
    institution_actor_id = SelectField(_l("Entraide Nationale institution on the actor map"), coerce=optional_int,
                                       validators=[Optional()], validate_choice=False)
    institution_name = StringField(_l("…or its name, when it is not on the map"),
                                   validators=[Optional(), Length(max=200)], filters=[strip])
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(_l("End"), validators=[Optional()])
    indicators_text = TextAreaField(_l("Indicators of result"), validators=[Optional(), Length(max=20_000)],
                                    render_kw={"rows": 3}, description=_l("One indicator per line."))
    budget_lines = FieldList(FormField(BudgetRowForm), min_entries=0)
    lock_version = HiddenField()


class CommentForm(FlaskForm):
    """A comment on one section of the project under review."""

    section = HiddenField(validators=[DataRequired()])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=10_000)], render_kw={"rows": 2})


class ConfirmForm(FlaskForm):
    """A bare button (delete an action, move it): only the CSRF token."""

    lock_version = HiddenField()
