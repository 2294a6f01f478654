"""The register's form: an indicator's names and definitions (French, Arabic, English), unit, direction,
level, breakdowns, source and aggregation rule. Consistency between them (a rate is a percentage, a
census indicator is a rate...) is checked by :func:`najma.indicators.services.check_indicator`."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from najma.form_errors import strip
from najma.research.forms import MultiCheckboxField
from najma.vocab import (INDICATOR_AGGREGATIONS, INDICATOR_DIRECTIONS, INDICATOR_DISAGGREGATIONS, INDICATOR_LEVELS,
                         INDICATOR_SOURCES, INDICATOR_UNITS, choices)


class IndicatorForm(FlaskForm):
    """An indicator of the register. ``source_key`` choices are set by the view."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)], filters=[strip],
                       description=_l("Lowercase letters, digits and underscores (for example illiteracy_rural_women); "
                                      "it names the indicator in addresses and exports and cannot change later."))
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    name_ar = StringField(_l("Name in Arabic"), validators=[Optional(), Length(max=200)], filters=[strip])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)], filters=[strip])
    definition = TextAreaField(_l("Definition in French"), validators=[Optional(), Length(max=20_000)],
                               render_kw={"rows": 6},
                               description=_l("What is counted, over what, from which source (Markdown)."))
    definition_ar = TextAreaField(_l("Definition in Arabic"), validators=[Optional(), Length(max=20_000)],
                                  render_kw={"rows": 6},
                                  description=_l("Shown to Arabic readers; left empty, they read the French one."))
    definition_en = TextAreaField(_l("Definition in English"), validators=[Optional(), Length(max=20_000)],
                                  render_kw={"rows": 6},
                                  description=_l("Shown to English readers; left empty, they read the French one."))
    unit = SelectField(_l("Unit"), choices=choices(INDICATOR_UNITS), default="count", validators=[DataRequired()])
    direction = SelectField(_l("Direction"), choices=choices(INDICATOR_DIRECTIONS), default="up",
                            validators=[DataRequired()])
    level = SelectField(_l("Measured for"), choices=choices(INDICATOR_LEVELS), default="territory",
                        validators=[DataRequired()])
    disaggregations = MultiCheckboxField(_l("Breakdowns"), choices=choices(INDICATOR_DISAGGREGATIONS))
    source = SelectField(_l("Source"), choices=choices(INDICATOR_SOURCES), default="manual",
                         validators=[DataRequired()])
    source_key = SelectField(_l("Census indicator or computation"), validate_choice=False,
                             description=_l("For a census or computed indicator: where its values come from."))
    aggregation = SelectField(_l("How values add up to a province and the nation"),
                              choices=choices(INDICATOR_AGGREGATIONS), default="sum", validators=[DataRequired()])
    decimals = IntegerField(_l("Decimals shown"), default=1,
                            validators=[Optional(), NumberRange(min=0, max=4)])
    max_value = DecimalField(_l("Highest value accepted"), places=None, validators=[Optional()],
                             description=_l("For a percentage or a score; 100 for a rate when left empty."))
    position = IntegerField(_l("Position in the register"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    active = BooleanField(_l("Active (offered for entry and shown on the pages)"), default=True)
    updated = HiddenField()
