"""Forms of the selection pages: the committee's weights, the candidate filters, the similarity
filters and a commune's manual score."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from najma.form_errors import optional_int, strip
from najma.rollout.scoring import CRITERIA, MANUAL_MAX, WEIGHT_MAX


class WeightsForm(FlaskForm):
    """One weight from 0 to 10 per criterion (the census indicators, the setting, the manual score).

    Sent by GET to try weights without saving them, by POST (steering) to save them."""


_WEIGHT_MESSAGE = _l("A weight is a number from 0 to %(max)d.", max=WEIGHT_MAX)
for _key, _criterion in CRITERIA.items():
    setattr(WeightsForm, _key, FloatField(
        _criterion.label, description=_criterion.help,
        validators=[InputRequired(_WEIGHT_MESSAGE), NumberRange(0, WEIGHT_MAX, _WEIGHT_MESSAGE)],
        render_kw={"min": 0, "max": WEIGHT_MAX, "step": "any", "inputmode": "decimal"}))


def weight_fields(form: WeightsForm) -> list:
    """The form's weight fields in the criteria's order (for templates)."""
    return [form[key] for key in CRITERIA]


class CandidateFilterForm(FlaskForm):
    """Which candidates to list: setting, region, province, communes already in a territory, how many."""

    class Meta:
        csrf = False

    setting = SelectField(_l("Setting"), validators=[Optional()])
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()])
    province_id = SelectField(_l("Province"), coerce=optional_int, validators=[Optional()])
    territories = SelectField(_l("Communes already in a territory"), validators=[Optional()],
                              choices=[("hide", _l("Hide them")), ("show", _l("Show them, flagged"))])


class SimilarFilterForm(FlaskForm):
    """Which candidates to compare with the pilots."""

    class Meta:
        csrf = False

    same_region = BooleanField(_l("Only in a pilot's region"))
    setting = SelectField(_l("Setting"), validators=[Optional()])
    limit = SelectField(_l("Show"), coerce=int, choices=[(25, "25"), (50, "50"), (100, "100"), (250, "250")],
                        default=50, validators=[Optional()])


class ManualScoreForm(FlaskForm):
    """A commune's staff qualification score (0 to 5) and a note saying what it rests on."""

    commune_id = IntegerField(validators=[InputRequired(_l("Choose a commune."))])
    score = IntegerField(_l("Staff qualification (0-5)"), validators=[
        InputRequired(_l("A score is a whole number from 0 to %(max)d.", max=MANUAL_MAX)),
        NumberRange(0, MANUAL_MAX, _l("A score is a whole number from 0 to %(max)d.", max=MANUAL_MAX))],
        render_kw={"min": 0, "max": MANUAL_MAX})
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[strip],
                         render_kw={"rows": 2})
    #: The candidates page's query string, to come back to the same list.
    back = HiddenField()
