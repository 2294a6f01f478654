"""Administration forms: accounts and roles."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from najma.auth.services import MIN_PASSWORD_LENGTH
from najma.form_errors import strip
from najma.vocab import ROLES, choices


class UserCreateForm(FlaskForm):
    """A new account with an initial password the person changes later."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=160)])
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])


class UserEditForm(FlaskForm):
    """Name and email of an account."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=160)])
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])


class PasswordResetForm(FlaskForm):
    """A new password set by an administrator."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])


class RoleGrantForm(FlaskForm):
    """A role, with its territory or chantier when the role is scoped."""

    role = SelectField(_l("Role"), choices=choices(ROLES), validators=[DataRequired()])
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[Optional()], validate_choice=False)
    chantier_id = SelectField(_l("Chantier"), coerce=int, validators=[Optional()], validate_choice=False)
