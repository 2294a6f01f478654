"""Forms of research notes: the note itself (with its participant counts), a comment, and
the small confirmation forms of the visibility, delete and restore buttons."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from najma.form_errors import strip
from najma.vocab import AGE_BANDS, NOTE_KINDS, NOTE_VISIBILITIES, SEXES, choices


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def participant_field_name(band: str, sex: str) -> str:
    """The form field holding the count of participants of ``sex`` in age ``band``."""
    return f"p_{band}_{sex}"


class NoteForm(FlaskForm):
    """A research note. Participant counts are added per age band and sex below the class."""

    kind = SelectField(_l("Kind of note"), choices=choices(NOTE_KINDS), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    fieldwork_date = DateField(_l("Date of fieldwork"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)], filters=[strip],
                        description=_l("Douar, neighbourhood, centre... where the fieldwork took place."))
    commune_ids = MultiCheckboxField(_l("Communes concerned"), coerce=int, validate_choice=False)
    target_group_ids = MultiCheckboxField(_l("Target groups"), coerce=int, validate_choice=False)
    chantier_ids = MultiCheckboxField(_l("Chantiers"), coerce=int, validate_choice=False)
    body = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500_000)], render_kw={"rows": 18})
    version = HiddenField()

    def participants(self) -> dict:
        """The participant counts as ``{band: {sex: value}}`` (validated by the service)."""
        return {band: {sex: getattr(self, participant_field_name(band, sex)).data for sex in SEXES}
                for band in AGE_BANDS}

    def fill_participants(self, participants: dict) -> None:
        """Put stored counts back in the grid."""
        for band in AGE_BANDS:
            for sex in SEXES:
                getattr(self, participant_field_name(band, sex)).data = (participants or {}).get(band, {}).get(sex)


for _band in AGE_BANDS:
    for _sex in SEXES:
        setattr(NoteForm, participant_field_name(_band, _sex),
                IntegerField(validators=[Optional(), NumberRange(0, 10_000)], render_kw={"min": 0, "max": 10000}))


class CommentForm(FlaskForm):
    """A comment on a shared or published note."""

    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=20_000)],
                         render_kw={"rows": 4})


class VisibilityForm(FlaskForm):
    """Move a note forward: share it with the commission, or publish it."""

    visibility = SelectField(choices=choices(NOTE_VISIBILITIES), validators=[DataRequired()])


class RestoreForm(FlaskForm):
    """Restore a revision; ``version`` is the revision the user saw as current."""

    version = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare button (delete, recover): only the CSRF token."""


class NoteFilterForm(FlaskForm):
    """Filters of a territory's note list (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds"))] + choices(NOTE_KINDS), validators=[Optional()])
    visibility = SelectField(_l("Visibility"), validators=[Optional()])
    target_group = SelectField(_l("Target group"), coerce=str, validators=[Optional()])
    chantier = SelectField(_l("Chantier"), coerce=str, validators=[Optional()])
