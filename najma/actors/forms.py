"""Forms of the actor map: an actor, a tie, an import, a snapshot, a comparison."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, StringField, TextAreaField)
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from najma.form_errors import optional_int, strip
from najma.vocab import ACTOR_KINDS, SECTORS, STANCES, TIE_KINDS, TIE_STRENGTHS, choices


class ActorForm(FlaskForm):
    """One actor of the map."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=choices(ACTOR_KINDS), validators=[DataRequired()])
    sector = SelectField(_l("Sector"), choices=[("", _l("From the kind"))] + choices(SECTORS),
                         validators=[Optional()])
    influence = IntegerField(_l("Influence (0 to 5)"), default=0, validators=[InputRequired(), NumberRange(0, 5)],
                             description=_l("How much the actor weighs on the territory's decisions "
                                            "(Net-Map's influence towers)."))
    stance = SelectField(_l("Stance toward the territory project"),
                         choices=[("", _l("Not known"))] + choices(STANCES), validators=[Optional()])
    commune_id = SelectField(_l("Commune"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    membership_id = SelectField(_l("Seat held on the commission or the committee"), coerce=optional_int,
                                validators=[Optional()], validate_choice=False)
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    description = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    stamp = HiddenField()  # when editing: the version read, to detect a colleague's change meanwhile


class TieForm(FlaskForm):
    """One tie between two actors."""

    source_id = SelectField(_l("From"), coerce=optional_int, validators=[DataRequired()], validate_choice=False)
    target_id = SelectField(_l("To"), coerce=optional_int, validators=[DataRequired()], validate_choice=False)
    kind = SelectField(_l("Kind of tie"), choices=choices(TIE_KINDS), validators=[DataRequired()])
    directed = BooleanField(_l("Directed (from the first actor to the second)"))
    strength = SelectField(_l("Strength"), choices=[(str(k), v) for k, v in TIE_STRENGTHS.items()], default="2",
                           coerce=int)
    since = DateField(_l("Since"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    note_id = SelectField(_l("Research note that documents it"), coerce=optional_int, validators=[Optional()],
                          validate_choice=False)
    evidence = StringField(_l("Source that documents it"), validators=[Optional(), Length(max=500)],
                           filters=[strip], description=_l("An interview, a convention, a meeting's minutes..."))


class ImportForm(FlaskForm):
    """A file to import, and whether it adds to the map or replaces it."""

    file = FileField(_l("File (CSV of actors, GEXF, GraphML or node-link JSON)"))
    ties_file = FileField(_l("CSV of ties (with a CSV of actors)"))
    mode = RadioField(_l("What to do"), choices=[("add", _l("Add to the map")),
                                                 ("replace", _l("Replace the whole map"))], default="add")


class ConfirmImportForm(FlaskForm):
    """Confirmation of a previewed import."""

    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    mode = HiddenField(validators=[DataRequired()])


class SnapshotForm(FlaskForm):
    """Freeze the map at a date."""

    label = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip],
                        description=_l("For example: pilot start, six months later."))
    taken_on = DateField(_l("Date"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""


class ActorRowForm(Form):
    """One row of the editable table of actors (no CSRF of its own: the table form has it)."""

    actor_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    stamp = StringField(widget=HiddenInput(), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=choices(ACTOR_KINDS), validators=[DataRequired()])
    sector = SelectField(_l("Sector"), choices=[("", _l("From the kind"))] + choices(SECTORS),
                         validators=[Optional()])
    influence = IntegerField(_l("Influence"), validators=[InputRequired(), NumberRange(0, 5)])
    stance = SelectField(_l("Stance"), choices=[("", _l("Not known"))] + choices(STANCES), validators=[Optional()])


class ActorTableForm(FlaskForm):
    """The editable table: every row is saved together, or none."""

    rows = FieldList(FormField(ActorRowForm))
