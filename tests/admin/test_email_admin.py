"""The email pages: preview, test send, the send buttons' confirmation, and the
organisation's settings; each with its bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.org.models import OrganisationProfile
from app.outbox.models import OutboxMessage
from app.outbox.services import PLACEHOLDER_TOKEN, deliver_pending
from app.surveys.models import Invitation, InvitationToken
from app.surveys.services import create_survey
from tests.admin.conftest import audit_events, page_text, page_token, submit
from tests.conftest import OpenSurvey
from tests.outbox import conftest as outbox_fixtures
from tests.outbox.conftest import SmtpServer

# The real SMTP server on loopback (aiosmtpd) of the outbox tests.
smtp_server = outbox_fixtures.smtp_server
mail_to = outbox_fixtures.mail_to
mail_server = outbox_fixtures.mail_server


def _count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def _without_csrf(response: Any) -> str:
    """The page without its CSRF tokens, which carry the second they were made."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


# --- preview -------------------------------------------------------------------------------


def test_the_preview_shows_each_email_in_each_language_with_a_placeholder_link(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    page = client.get(f"/admin/surveys/{survey.id}/email/preview")
    assert page.status_code == 200
    text = page_text(page)
    assert "Your invitation: Relational Climate Survey" in text
    assert "Spring wave" in text
    assert f"/s/{PLACEHOLDER_TOKEN}" in text
    assert "No organisation name or contact is set" in text
    # Every kind in every language is one link away.
    for kind in ("invitation", "reminder"):
        for language in ("en", "es"):
            assert f"kind={kind}&amp;language={language}" in page.get_data(as_text=True)
    spanish = page_text(
        client.get(f"/admin/surveys/{survey.id}/email/preview?kind=reminder&language=es")
    )
    assert "Recordatorio: Encuesta de clima relacional" in spanish
    assert '<section aria-labelledby="email-heading" lang="es">' in spanish
    # No participant's link: none of the survey's tokens appears.
    for token in open_survey.tokens.values():
        assert token not in text and token not in spanish


@pytest.mark.parametrize("query", ["kind=spam", "language=fr", "kind=reminder&language=%00"])
def test_the_preview_of_an_unknown_email_or_language_is_not_found(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, query: str
) -> None:
    page = client.get(f"/admin/surveys/{open_survey.survey.id}/email/preview?{query}")
    assert page.status_code in (400, 404)


def test_the_preview_escapes_the_surveys_text(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    open_survey.survey.title = "<script>alert(1)</script>"
    db_session.commit()
    body = client.get(f"/admin/surveys/{open_survey.survey.id}/email/preview").get_data(
        as_text=True
    )
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- test send -----------------------------------------------------------------------------


def test_a_test_send_reaches_the_signed_in_admin_through_the_outbox(
    client: FlaskClient,
    admin: StaffUser,
    open_survey: OpenSurvey,
    db_session: Any,
    mail_server: SmtpServer,
    app: Any,
) -> None:
    survey = open_survey.survey
    url = f"/admin/surveys/{survey.id}/email/preview?kind=reminder&language=es"
    sent = submit(
        client,
        f"/admin/surveys/{survey.id}/email/test",
        {"kind": "reminder", "language": "es"},
        page=url,
    )
    assert sent.status_code == 302
    assert "kind=reminder" in sent.location
    assert f"is on its way to {admin.email}" in page_text(client.get(sent.location))
    (event,) = audit_events(db_session, "email.test")
    assert event.detail == {"kind": "reminder", "language": "es"}
    tokens = _count(db_session, InvitationToken)
    with app.app_context():
        assert deliver_pending().sent == 1
    (mail,) = mail_server.received
    assert mail.rcpt_tos == [admin.email]
    assert mail.subject.startswith("[Test] Recordatorio")
    assert mail.token == PLACEHOLDER_TOKEN
    assert _count(db_session, InvitationToken) == tokens


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"kind": "spam", "language": "en"}, 400),
        ({"kind": "invitation", "language": "fr"}, 400),
        ({"kind": "invitation"}, 302),  # a form that cannot be read: back to the preview
    ],
)
def test_a_test_send_of_bad_input_queues_nothing(
    client: FlaskClient,
    admin: StaffUser,
    open_survey: OpenSurvey,
    db_session: Any,
    data: dict[str, str],
    status: int,
) -> None:
    survey = open_survey.survey
    response = submit(
        client,
        f"/admin/surveys/{survey.id}/email/test",
        data,
        page=f"/admin/surveys/{survey.id}/email/preview",
    )
    assert response.status_code == status
    assert _count(db_session, OutboxMessage) == 0
    assert audit_events(db_session, "email.test") == []


def test_a_test_send_needs_the_csrf_token(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    response = client.post(
        f"/admin/surveys/{open_survey.survey.id}/email/test",
        data={"kind": "invitation", "language": "en"},
    )
    assert response.status_code in (302, 400)
    assert _count(db_session, OutboxMessage) == 0


# --- the send buttons ask first ------------------------------------------------------------


def test_sending_asks_first_stating_how_many_people_get_the_email(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    show = page_text(client.get(f"/admin/surveys/{survey.id}"))
    assert "Email the invitations…" in show
    confirm_url = f"/admin/surveys/{survey.id}/email/invitations/confirm"
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    assert "3 people will get the invitation email." in page_text(confirm)
    assert "Yes, email 3 people" in page_text(confirm)
    assert _count(db_session, OutboxMessage) == 0  # asking sends nothing

    # Without the confirmation's number, nothing goes out: the page asks again.
    bare = submit(client, f"/admin/surveys/{survey.id}/email/invitations", {}, page=confirm_url)
    assert bare.status_code == 400
    assert "Confirm from the page that says how many people get it." in page_text(bare)
    assert _count(db_session, OutboxMessage) == 0

    sent = submit(
        client, f"/admin/surveys/{survey.id}/email/invitations", {"expected": "3"}, page=confirm_url
    )
    assert sent.status_code == 302
    assert _count(db_session, OutboxMessage) == 3
    (event,) = audit_events(db_session, "email.queue_invitations")
    assert event.detail == {"considered": 3}  # not how many were queued (see below)
    assert "Nobody would get the invitation email now." in page_text(client.get(confirm_url))


def test_a_number_that_changed_since_the_page_asked_is_asked_again(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    confirm_url = f"/admin/surveys/{survey.id}/email/invitations/confirm"
    stale = submit(
        client, f"/admin/surveys/{survey.id}/email/invitations", {"expected": "2"}, page=confirm_url
    )
    assert stale.status_code == 409
    text = page_text(stale)
    assert "The number of people changed since the page asked (2)" in text
    assert "3 people will get the invitation email." in text
    assert _count(db_session, OutboxMessage) == 0


def test_reminders_ask_with_their_own_count(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    confirm = page_text(client.get(f"/admin/surveys/{survey.id}/email/reminders/confirm"))
    assert "Nobody would get the reminder email now." in confirm  # no invitation sent yet
    for invitation in db_session.scalars(select(Invitation)):
        invitation.sent_at = invitation.survey.created_at
    db_session.commit()
    confirm_url = f"/admin/surveys/{survey.id}/email/reminders/confirm"
    confirm = page_text(client.get(confirm_url))
    assert "Up to 3 people will get the reminder email." in confirm
    # Someone answering changes nothing on the page, nor in what the send says or records.
    before = _without_csrf(client.get(confirm_url))
    db_session.scalar(
        select(Invitation).where(Invitation.email == "ben@example.org")
    ).responded = True
    db_session.commit()
    assert _without_csrf(client.get(confirm_url)) == before
    sent = submit(
        client, f"/admin/surveys/{survey.id}/email/reminders", {"expected": "3"}, page=confirm_url
    )
    assert sent.status_code == 302
    shown = page_text(client.get(sent.location))
    assert "Reminders are queued for those of the 3 people who have not answered" in shown
    (event,) = audit_events(db_session, "email.queue_reminders")
    assert event.detail == {"considered": 3}
    assert _count(db_session, OutboxMessage) == 2


def test_a_survey_not_open_sends_nothing_and_says_why(
    client: FlaskClient, admin: StaffUser, bundled_version: Any, db_session: Any
) -> None:
    draft = create_survey(instrument_key="relational-climate", title="Draft")
    db_session.commit()
    page = client.get(f"/admin/surveys/{draft.id}/email/invitations/confirm")
    assert page.status_code == 409
    assert "emails go out only while it is open" in page_text(page)
    token = page_token(client, f"/admin/surveys/{draft.id}")
    posted = client.post(
        f"/admin/surveys/{draft.id}/email/invitations", data={"csrf_token": token, "expected": "0"}
    )
    assert posted.status_code == 400  # the survey's page, with the reason
    assert "invitations go out only while it is open" in page_text(posted)
    assert client.get(f"/admin/surveys/{draft.id}/email/spam/confirm").status_code == 404
    assert _count(db_session, OutboxMessage) == 0


# --- settings ------------------------------------------------------------------------------


def test_the_organisation_settings_are_saved_audited_and_in_every_email(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    assert client.get("/admin/settings/").status_code == 200
    saved = submit(
        client,
        "/admin/settings/",
        {"name": "  Acme   Cooperative ", "contact": "hr-survey@acme.example"},
    )
    assert saved.status_code == 302
    profile = db_session.get(OrganisationProfile, 1)
    assert (profile.name, profile.contact) == ("Acme Cooperative", "hr-survey@acme.example")
    (event,) = audit_events(db_session, "settings.organisation")
    assert event.detail == {"name": "Acme Cooperative", "contact": "hr-survey@acme.example"}
    form = page_text(client.get("/admin/settings/"))
    assert 'value="Acme Cooperative"' in form
    preview = page_text(client.get(f"/admin/surveys/{open_survey.survey.id}/email/preview"))
    assert "Sent on behalf of Acme Cooperative." in preview
    assert "Questions: hr-survey@acme.example" in preview
    assert "No organisation name or contact is set" not in preview


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "contact": "x"}, "This field is required."),
        ({"name": "Acme", "contact": "   "}, "The organisation's contact is required."),
        ({"name": "A" * 121, "contact": "x"}, "Field cannot be longer than 120 characters."),
        ({"name": "Acme", "contact": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"name": "Acme\x00", "contact": "x"}, "contains a control character"),
    ],
)
def test_bad_organisation_settings_are_refused_and_nothing_is_stored(
    client: FlaskClient, admin: StaffUser, db_session: Any, data: dict[str, str], message: str
) -> None:
    response = submit(client, "/admin/settings/", data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert db_session.get(OrganisationProfile, 1) is None
    assert audit_events(db_session, "settings.organisation") == []


def test_only_admins_reach_the_new_pages(
    client: FlaskClient, auth: Any, make_user: Any, open_survey: OpenSurvey, db_session: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    survey_id = open_survey.survey.id
    for url in (
        f"/admin/surveys/{survey_id}/email/preview",
        f"/admin/surveys/{survey_id}/email/invitations/confirm",
        f"/admin/surveys/{survey_id}/participants",
        "/admin/settings/",
    ):
        assert client.get(url).status_code == 403, url
