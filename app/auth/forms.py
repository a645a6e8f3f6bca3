from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from app.auth.passwords import PASSWORD_RULE
from app.forms_base import SafeForm

MAX_PASSWORD = 1024


class LoginForm(SafeForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class PasswordChangeForm(SafeForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=MAX_PASSWORD)]
    )
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_RULE,
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ForgotPasswordForm(SafeForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address of your staff account."),
    )


class SetPasswordForm(SafeForm):
    """A new password, set through a link from an email (an invitation or a reset)."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_RULE,
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


# The language choices: each language named in itself, and the browser's preference ("").
LANGUAGE_CHOICES = [
    SelectChoice("", _l("As my browser prefers")),
    SelectChoice("en", "English"),
    SelectChoice("es", "Español"),
]


class LanguageForm(SafeForm):
    """The interface language of one's own account (the account page and the header's
    switch post here). The service checks the value, so a bad one gets its message."""

    language = SelectField(
        _l("Interface language"), choices=LANGUAGE_CHOICES, validate_choice=False
    )
    next = HiddenField()
