"""Forms of the project workflow: taking a step (with its comment), a ballot (the member's own,
or a paper ballot the chair records for a member without an account), and the committee's
voting rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from najma.form_errors import optional_int
from najma.vocab import BALLOT_CHOICES, MAJORITY_RULES, choices

#: Where a step's form sends the user back to once taken.
RETURN_PAGES = ("project", "vote", "deliberations")


class TransitionForm(FlaskForm):
    """One workflow step; whether the comment is required is the workflow's rule, checked by the service."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)], render_kw={"rows": 3})
    status_version = HiddenField()
    meeting_id = SelectField(_l("Committee meeting"), coerce=optional_int, validators=[Optional()],
                             validate_choice=False)
    back = HiddenField()


class BallotForm(FlaskForm):
    """A member's ballot on the open vote."""

    choice = RadioField(_l("Your vote"), choices=choices(BALLOT_CHOICES),
                        validators=[DataRequired(_l("Choose approve, reject or abstain."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=10_000)],
                            render_kw={"rows": 2})
    seat_id = SelectField(_l("Member voting on paper"), coerce=optional_int, validators=[Optional()],
                          validate_choice=False)


class RulesForm(FlaskForm):
    """The quorum and majority of the local committee."""

    quorum_percent = IntegerField(
        _l("Quorum (%)"), validators=[InputRequired(), NumberRange(1, 99)],
        description=_l("The vote is valid when strictly more than this share of the voting members take part "
                       "(abstentions count). 50 means more than half."))
    majority_rule = SelectField(_l("Majority"), choices=choices(MAJORITY_RULES), validators=[DataRequired()])
    chair_breaks_tie = BooleanField(_l("The chair's vote breaks a tie"))
