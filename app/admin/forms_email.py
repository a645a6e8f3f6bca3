"""Forms of the email pages (preview, test send, the send buttons' confirmation), the
participants page and the organisation settings. The services check the rules (one rule,
one message); these forms check the shape of what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms_base import SafeForm, SafeQueryForm
from app.org.services import MAX_CONTACT, MAX_ORGANISATION_NAME

EMAIL_KINDS = ("invitation", "reminder")


class PreviewQuery(SafeQueryForm):
    """Which email to show: ?kind=invitation|reminder&language=<one of the survey's>."""

    kind = SelectField(_l("Email"), choices=list(EMAIL_KINDS), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])


class TestSendForm(SafeForm):
    """A test send of the previewed email to the signed-in admin."""

    kind = HiddenField(validators=[InputRequired()])
    language = HiddenField(validators=[InputRequired()])


class SendConfirmForm(SafeForm):
    """The send button's confirmation: the number of people the admin was told about."""

    expected = IntegerField(
        _l("People to email"),
        validators=[
            InputRequired(message=_l("Confirm from the page that says how many people get it.")),
            NumberRange(min=0),
        ],
    )


class ParticipantSearch(SafeQueryForm):
    q = StringField(_l("Find by email address"), validators=[Optional(), Length(max=254)])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10_000_000)])


class AddParticipantForm(SafeForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    team = StringField(
        _l("Team"),
        validators=[InputRequired(), Length(max=1000)],
        description=_l(
            "A team path like Engineering/Platform; once the survey is open, one of its teams."
        ),
    )
    level = SelectField(_l("Level"), validators=[InputRequired()])
    language = SelectField(
        _l("Language"), validators=[Optional()], description=_l("Optional: the survey's default.")
    )


class RemoveParticipantForm(SafeForm):
    """Remove one person who has not been invited yet (the CSRF token is all it holds)."""


class OrganisationForm(SafeForm):
    name = StringField(
        _l("Organisation name"),
        validators=[InputRequired(), Length(max=MAX_ORGANISATION_NAME)],
        description=_l("Every email says it is sent on behalf of this name."),
    )
    contact = StringField(
        _l("Contact for questions"),
        validators=[InputRequired(), Length(max=MAX_CONTACT)],
        description=_l(
            "An address or a line of text, like hr-survey@example.org or “the HR desk, "
            "extension 4321”; every email shows it."
        ),
    )
