"""Forms for body members, meetings, minutes, attendance and decisions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from najma.vocab import MEMBER_ROLES, SECTORS, choices


class MembershipForm(FlaskForm):
    """A seat on a body."""

    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=160)],
                            description=_l("Leave empty to use the linked account's name."))
    account_email = StringField(_l("NAJMA account email (optional)"), validators=[Optional(), Length(max=254)],
                                description=_l("Links the seat to this person's account, which then gets "
                                               "the seat's role on the territory."))
    role = SelectField(_l("Role"), choices=choices(MEMBER_ROLES), default="member")
    sector = SelectField(_l("Sector"), choices=[("", "—")] + choices(SECTORS), validators=[Optional()])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=160)])
    discipline = StringField(_l("Discipline"), validators=[Optional(), Length(max=120)],
                             description=_l("For antenna staff: sociology, social work, economics..."))
    voting = BooleanField(_l("Voting member"), default=True)
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])


class EndMembershipForm(FlaskForm):
    """The day a seat ends."""

    end_date = DateField(_l("End date"), validators=[DataRequired()])


class MeetingForm(FlaskForm):
    """Title, date, place and agenda of a meeting."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda (Markdown)"), render_kw={"rows": 5})


class MinutesForm(FlaskForm):
    """The minutes, with the version they were edited from."""

    minutes = TextAreaField(_l("Minutes (Markdown)"), render_kw={"rows": 16})
    version = IntegerField(widget=HiddenField.widget, validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """One decision."""

    text = TextAreaField(_l("Decision"), validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 2})


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""
