"""Forms of the phase pages: moving a territory (or the programme) to its next phase, ticking a
manual gate item, the admins' gate items, the replication kit and the chantier tools."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import optional_int, strip
from najma.vocab import PHASES, SETTINGS, choices


class MoveForm(FlaskForm):
    """A steering decision moving a territory to its next phase; the justification overrides a
    failing gate."""

    from_phase = HiddenField()
    to_phase = HiddenField()
    decision = TextAreaField(_l("Decision"), validators=[DataRequired(_l("Write the decision taken.")),
                                                         Length(max=5_000)], filters=[strip], render_kw={"rows": 3},
                             description=_l("The steering committee's decision, as it will stay on record."))
    meeting_id = SelectField(_l("Steering committee meeting"), coerce=optional_int, validators=[Optional()],
                             validate_choice=False)
    override_justification = TextAreaField(
        _l("Justification of the override"), validators=[Optional(), Length(max=5_000)], filters=[strip],
        render_kw={"rows": 3},
        description=_l("At least 20 characters. The gate fails: moving anyway records this justification with "
                       "the failing items, for everyone to read."))


class ProgrammeForm(FlaskForm):
    """A steering decision moving the programme to its next phase."""

    from_phase = HiddenField()
    to_phase = HiddenField()
    decision = TextAreaField(_l("Decision"), validators=[DataRequired(_l("Write the decision taken.")),
                                                         Length(max=5_000)], filters=[strip], render_kw={"rows": 3})
    meeting_id = SelectField(_l("Steering committee meeting"), coerce=optional_int, validators=[Optional()],
                             validate_choice=False)


class CheckForm(FlaskForm):
    """Tick (with a note) or untick a manual gate item for a territory."""

    action = HiddenField(default="check")
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2_000)], filters=[strip],
                       description=_l("Where the evidence is (a report's reference, a meeting)."))


class GateItemForm(FlaskForm):
    """An existing gate item's labels and whether it counts (prefixed by the item, one per item on the page)."""

    label_fr = StringField(_l("Label (French)"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    label_ar = StringField(_l("Label (Arabic)"), validators=[Optional(), Length(max=300)], filters=[strip])
    label_en = StringField(_l("Label (English)"), validators=[Optional(), Length(max=300)], filters=[strip])
    active = BooleanField(_l("Part of the gate"))


class NewGateItemForm(FlaskForm):
    """A new gate item: manual, or automatic with a rule chosen from the registry."""

    to_phase = SelectField(_l("Gate into"), choices=choices({k: v for k, v in PHASES.items() if k != "launch"}))
    kind = SelectField(_l("Kind"), choices=[("manual", _l("Manual: the steering committee ticks it")),
                                            ("auto", _l("Automatic: evaluated from the data"))])
    rule = SelectField(_l("Rule (automatic items)"), validators=[Optional()], validate_choice=False)
    label_fr = StringField(_l("Label (French)"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    label_ar = StringField(_l("Label (Arabic)"), validators=[Optional(), Length(max=300)], filters=[strip])
    label_en = StringField(_l("Label (English)"), validators=[Optional(), Length(max=300)], filters=[strip])


class MoveItemForm(FlaskForm):
    """Move a gate item up or down within its gate (the item comes with the request)."""

    direction = HiddenField()


class ReplicateForm(FlaskForm):
    """A new territory started from a pilot's template. Choices are set by the view."""

    pilot_id = SelectField(_l("Pilot to copy"), coerce=optional_int,
                           validators=[DataRequired(_l("Choose the pilot whose template is copied."))],
                           validate_choice=False)
    name = StringField(_l("Name of the new territory"), validators=[DataRequired(), Length(max=120)],
                       filters=[strip])
    slug = StringField(_l("Address name (optional)"), validators=[Optional(), Length(max=72)], filters=[strip],
                       description=_l("Made from the name when left empty."))
    province_id = SelectField(_l("Province"), coerce=optional_int,
                              validators=[DataRequired(_l("Choose a province."))], validate_choice=False)
    setting = SelectField(_l("Setting"), choices=choices(SETTINGS))
    cohort = StringField(_l("Cohort"), validators=[Optional(), Length(max=60)], filters=[strip])
    start_date = DateField(_l("Research plan starts on"),
                           validators=[DataRequired(_l("Give the date the research plan starts."))],
                           description=_l("The pilot's milestones keep their offsets from this date."))


class ToolForm(FlaskForm):
    """A chantier tool. Choices are set by the view."""

    tool_id = HiddenField()
    chantier_id = SelectField(_l("Chantier"), coerce=optional_int,
                              validators=[DataRequired(_l("Choose the chantier that produces the tool."))],
                              validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 4})
    origin_territory_id = SelectField(_l("Made in"), coerce=optional_int, validators=[Optional()],
                                      validate_choice=False)


class AdoptForm(FlaskForm):
    """A territory takes up a tool, or gives it up."""

    territory_id = HiddenField()
    tool_id = SelectField(_l("Tool"), coerce=optional_int, validators=[DataRequired(_l("Choose a tool."))],
                          validate_choice=False)
    action = HiddenField(default="adopt")
