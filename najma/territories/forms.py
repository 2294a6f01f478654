"""Territory forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from najma.vocab import PHASES, SETTINGS, choices


class TerritoryForm(FlaskForm):
    """Name, province, setting, phase, cohort and description of a territory."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    province_id = SelectField(_l("Province or prefecture"), coerce=int, validators=[DataRequired()])
    setting = SelectField(_l("Setting"), choices=choices(SETTINGS), validators=[DataRequired()])
    phase = SelectField(_l("Rollout phase"), choices=choices(PHASES))
    cohort = StringField(_l("Cohort"), validators=[Length(max=60)],
                         description=_l("For example: pilots 2025, appropriation 2026."))
    description = TextAreaField(_l("Description (Markdown)"), render_kw={"rows": 6})


class CommunesForm(FlaskForm):
    """The commune picker's form: CSRF and the search words; the chosen communes are checkboxes
    named ``commune`` (commune ids) with an optional ``part-<id>`` text for a single commune."""

    q = StringField(_l("Search a commune"), validators=[Length(max=100)],
                    description=_l("French or Arabic name, or HCP code (05.081...)."))
