"""Forms of the email pages (preview, test send, the send buttons' confirmation), the
participants page and the organisation settings. The services check the rules (one rule,
one message); these forms check the shape of what was typed."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms_base import SafeForm, SafeQueryForm
from app.org.services import MAX_CONTACT, MAX_ORGANISATION_NAME

EMAIL_KINDS = ("invitation", "reminder")


class PreviewQuery(SafeQueryForm):
    """Which email to show: ?kind=invitation|reminder&language=<one of the survey's>."""

    kind = SelectField("Email", choices=list(EMAIL_KINDS), validators=[Optional()])
    language = SelectField("Language", validators=[Optional()])


class TestSendForm(SafeForm):
    """A test send of the previewed email to the signed-in admin."""

    kind = HiddenField(validators=[InputRequired()])
    language = HiddenField(validators=[InputRequired()])


class SendConfirmForm(SafeForm):
    """The send button's confirmation: the number of people the admin was told about."""

    expected = IntegerField(
        "People to email",
        validators=[
            InputRequired(message="Confirm from the page that says how many people get it."),
            NumberRange(min=0),
        ],
    )


class ParticipantSearch(SafeQueryForm):
    q = StringField("Find by email address", validators=[Optional(), Length(max=254)])
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=10_000_000)])


class AddParticipantForm(SafeForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    team = StringField(
        "Team",
        validators=[InputRequired(), Length(max=1000)],
        description=(
            "A team path like Engineering/Platform; once the survey is open, one of its teams."
        ),
    )
    level = SelectField("Level", validators=[InputRequired()])
    language = SelectField(
        "Language", validators=[Optional()], description="Optional: the survey's default."
    )


class RemoveParticipantForm(SafeForm):
    """Remove one person who has not been invited yet (the CSRF token is all it holds)."""


class OrganisationForm(SafeForm):
    name = StringField(
        "Organisation name",
        validators=[InputRequired(), Length(max=MAX_ORGANISATION_NAME)],
        description="Every email says it is sent on behalf of this name.",
    )
    contact = StringField(
        "Contact for questions",
        validators=[InputRequired(), Length(max=MAX_CONTACT)],
        description=(
            "An address or a line of text, like hr-survey@example.org or “the HR desk, "
            "extension 4321”; every email shows it."
        ),
    )
