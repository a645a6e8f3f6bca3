from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from app.auth.passwords import PASSWORD_RULE
from app.forms_base import SafeForm

MAX_PASSWORD = 1024


class LoginForm(SafeForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class PasswordChangeForm(SafeForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(), Length(max=MAX_PASSWORD)]
    )
    password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_RULE,
    )
    password_again = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class ForgotPasswordForm(SafeForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        description="The address of your staff account.",
    )


class SetPasswordForm(SafeForm):
    """A new password, set through a link from an email (an invitation or a reset)."""

    password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_RULE,
    )
    password_again = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )
