"""Forms of intervention paths: the path with its evidence, the commission's decision,
reopening a decided path, and the bare confirmation of a delete."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import optional_int, strip
from najma.research.forms import MultiCheckboxField
from najma.vocab import PATH_PRIORITIES, choices


class PathForm(FlaskForm):
    """An intervention path. Choices (chantiers, groups, actors, evidence) are set by the view."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    rationale = TextAreaField(_l("Rationale"), validators=[Optional(), Length(max=100_000)], render_kw={"rows": 12},
                              description=_l("What the research shows, what the path proposes and why."))
    chantier_id = SelectField(_l("Chantier"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    priority = SelectField(_l("Priority"), choices=choices(PATH_PRIORITIES), default="medium",
                           validators=[DataRequired()])
    target_group_ids = MultiCheckboxField(_l("Target groups"), coerce=int, validate_choice=False)
    actor_ids = SelectMultipleField(_l("Partners from the actor map"), coerce=int, validate_choice=False,
                                    description=_l("Hold Ctrl (or Cmd) to choose several."))
    partners_text = TextAreaField(_l("Other partners"), validators=[Optional(), Length(max=5_000)],
                                  render_kw={"rows": 3},
                                  description=_l("Partners not on the actor map yet, in free text."))
    note_ids = SelectMultipleField(_l("Cited notes"), coerce=int, validate_choice=False)
    passage_ids = SelectMultipleField(_l("Cited coded passages"), coerce=int, validate_choice=False)
    version = HiddenField()


class DecideForm(FlaskForm):
    """The permanent commission's decision on a proposed path."""

    status = RadioField(_l("Decision"), choices=[("retained", _l("Retain the path")),
                                                 ("set_aside", _l("Set the path aside"))],
                        validators=[DataRequired(_l("Choose to retain the path or to set it aside."))])
    reason = TextAreaField(_l("The commission's reason"), validators=[Optional(), Length(max=20_000)],
                           render_kw={"rows": 4}, description=_l("Required to set a path aside."))
    meeting_id = SelectField(_l("Commission meeting that decided"), coerce=optional_int, validators=[Optional()],
                             validate_choice=False)


class ReopenForm(FlaskForm):
    """Reopen a retained or set-aside path; the reason is required (checked by the service)."""

    reason = TextAreaField(_l("Why reopen this path?"), validators=[Optional(), Length(max=20_000)],
                           render_kw={"rows": 3})


class ConfirmForm(FlaskForm):
    """A bare button (delete): only the CSRF token."""
