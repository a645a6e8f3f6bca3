"""Forms of the staff users pages. Password strength and the role rules are checked by
app.auth.services (one rule, one message, for the CLI too)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from app.admin.forms_surveys import check_parses, parse_team_paths
from app.auth.forms import MAX_PASSWORD
from app.auth.models import Role
from app.auth.passwords import PASSWORD_RULE
from app.forms_base import SafeForm

ROLE_CHOICES = [
    SelectChoice(
        Role.ADMIN.value, _l("Admin: manages surveys, instruments and staff; reads every report")
    ),
    SelectChoice(Role.HR.value, _l("HR: reads every report")),
    SelectChoice(Role.MANAGER.value, _l("Manager: reads the reports of their teams")),
]


class _RoleFields(SafeForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])
    teams = TextAreaField(
        _l("Teams (managers only)"),
        description=_l(
            "One existing team path per line, like Engineering/Platform; the manager sees "
            "these teams and the teams below them. Leave empty for admin and HR."
        ),
        render_kw={"rows": 4},
    )

    def validate_teams(self, field: Any) -> None:
        check_parses(parse_team_paths, field)


class CreateUserForm(_RoleFields):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(
        _l("Initial password (optional)"),
        validators=[Optional(), Length(max=MAX_PASSWORD)],
        description=_l(
            "Leave both password fields empty to email the person a link to set their own "
            "password (it works once, for a limited time). Or set one here: %(rule)s "
            "Give it to the person through a channel other than email.",
            rule=PASSWORD_RULE,
        ),
    )
    password_again = PasswordField(
        _l("Initial password again (optional)"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class EditUserForm(_RoleFields):
    pass


class PasswordResetForm(SafeForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD)],
        description=PASSWORD_RULE,
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ActivationForm(SafeForm):
    """A button with its CSRF token: deactivate, reactivate, lift a sign-in pause."""
