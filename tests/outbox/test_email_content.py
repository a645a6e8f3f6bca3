"""Every email's two parts and its footer, test sends to a staff member, previews and the
counts the send buttons ask about: through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.errors import DomainError
from app.org.services import set_organisation_profile
from app.outbox.models import OutboxMessage
from app.outbox.services import (
    PLACEHOLDER_TOKEN,
    deliver_pending,
    invitations_to_send,
    preview_email,
    queue_invitations,
    queue_reminders,
    queue_test_email,
    reminders_to_send,
)
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.services import update_draft_survey
from tests.outbox.conftest import SmtpServer

T0 = dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC)


def _parts(message: Any) -> list[tuple[str, str]]:
    return [(part.get_content_type(), part.get_content_charset()) for part in message.iter_parts()]


def test_every_email_has_a_text_and_an_html_part_with_the_organisation_footer(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    set_organisation_profile("Acme Cooperative", "hr-questions@acme.example")
    queue_invitations(people_survey.id, now=T0)
    db_session.commit()
    assert deliver_pending(now=T0).sent == 3

    for mail in mail_server.received:
        message = mail.message
        assert message.get_content_type() == "multipart/alternative"
        assert _parts(message) == [("text/plain", "utf-8"), ("text/html", "utf-8")]
        assert message["Content-Language"] in ("en", "es")
        text = mail.body
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None
        html = str(html_part.get_content())
        assert "hr-questions@acme.example" in text and "hr-questions@acme.example" in html
        assert "Acme Cooperative" in text and "Acme Cooperative" in html
        # The same personal link in both parts, a link in the HTML one.
        assert f'<a href="http://survey.test/s/{mail.token}"' in html
    spanish = mail_server.handler.to("eva@example.org")[0]
    assert "Enviado en nombre de Acme Cooperative." in spanish.body
    assert "Preguntas: hr-questions@acme.example" in spanish.body
    english = mail_server.handler.to("ana@example.org")[0]
    assert (
        english.body.replace("\r\n", "\n")
        .rstrip()
        .endswith("-- \nSent on behalf of Acme Cooperative.\nQuestions: hr-questions@acme.example")
    )


def test_the_html_part_escapes_what_the_text_part_shows_as_typed(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    people_survey.title = 'Spring <script>alert("x")</script> & co'
    set_organisation_profile("R&D <Lab>", "Ask <b>HR</b>")
    queue_invitations(people_survey.id, now=T0)
    db_session.commit()
    deliver_pending(now=T0)

    mail = mail_server.handler.to("ana@example.org")[0]
    assert 'Spring <script>alert("x")</script> & co' in mail.body
    assert "R&D <Lab>" in mail.body
    html_part = mail.message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    assert "<script>" not in html and "<b>" not in html and "<Lab>" not in html
    assert "Spring &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert "R&amp;D &lt;Lab&gt;" in html


def test_without_settings_emails_have_no_footer(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    queue_invitations(people_survey.id, now=T0)
    db_session.commit()
    deliver_pending(now=T0)
    mail = mail_server.handler.to("ana@example.org")[0]
    assert "-- \n" not in mail.body
    assert "Questions:" not in mail.body


def test_a_test_send_goes_to_the_admin_with_a_placeholder_link_and_touches_no_invitation(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    set_organisation_profile("Acme Cooperative", "Ask the HR desk, room 4")
    tokens_before = db_session.scalar(select(func.count()).select_from(InvitationToken))
    queue_test_email(people_survey.id, "reminder", "es", "Admin@Example.org", now=T0)
    db_session.commit()
    message = db_session.scalar(select(OutboxMessage))
    assert (message.kind, message.recipient, message.invitation_id, message.raw_token) == (
        "test",
        "admin@example.org",
        None,
        None,
    )
    assert message.payload == {"survey_id": people_survey.id, "email": "reminder", "language": "es"}

    report = deliver_pending(now=T0)
    assert (report.sent, report.dropped, report.failed) == (1, 0, 0)
    (mail,) = mail_server.received
    assert mail.rcpt_tos == ["admin@example.org"]
    assert mail.subject == "[Test] Recordatorio: Encuesta de clima relacional"
    assert mail.token == PLACEHOLDER_TOKEN
    assert "Preguntas: Ask the HR desk, room 4" in mail.body
    assert _parts(mail.message) == [("text/plain", "utf-8"), ("text/html", "utf-8")]

    # The address is gone once sent; no invitation got a link, a date or a count.
    db_session.expire_all()
    sent = db_session.scalar(select(OutboxMessage))
    assert (sent.status, sent.recipient) == ("sent", None)
    assert db_session.scalar(select(func.count()).select_from(InvitationToken)) == tokens_before
    for invitation in db_session.scalars(select(Invitation)):
        assert (invitation.sent_at, invitation.reminded_at, invitation.reminder_count) == (
            None,
            None,
            0,
        )


def test_a_test_send_works_for_a_draft_and_a_refused_one_forgets_the_address(
    db_session: Any, bundled_version: Any, mail_server: SmtpServer, app: Any
) -> None:
    from tests.outbox.conftest import open_people_survey

    survey = open_people_survey("Autumn wave")
    mail_server.handler.refuse.add("gone@example.org")
    queue_test_email(survey.id, "invitation", "en", "gone@example.org", now=T0)
    db_session.commit()
    with app.app_context():
        report = deliver_pending(now=T0)
    assert report.failed == 1
    db_session.expire_all()
    failed = db_session.scalar(select(OutboxMessage))
    assert (failed.status, failed.recipient) == ("failed", None)


@pytest.mark.parametrize(
    ("kind", "language", "address", "message"),
    [
        ("invitations", "en", "a@example.org", "'invitations' is not an email of a survey"),
        ("test", "en", "a@example.org", "'test' is not an email of a survey"),
        ("invitation", "fr", "a@example.org", r"'fr' is not a language of this survey \(en, es\)"),
        ("reminder", "en", "not an address", "is not a valid email address"),
    ],
)
def test_a_test_send_refuses_bad_input_and_stores_nothing(
    db_session: Any, people_survey: Survey, kind: str, language: str, address: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        queue_test_email(people_survey.id, kind, language, address, now=T0)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_test_send_whose_survey_was_deleted_is_dropped(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    queue_test_email(people_survey.id, "invitation", "en", "admin@example.org", now=T0)
    db_session.commit()
    message = db_session.scalar(select(OutboxMessage))
    message.payload = {"survey_id": 987654, "email": "invitation", "language": "en"}
    db_session.commit()
    assert deliver_pending(now=T0).dropped == 1
    assert mail_server.received == []
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_preview_shows_the_surveys_own_text_in_each_language_with_a_placeholder(
    db_session: Any, people_survey: Survey
) -> None:
    set_organisation_profile("Acme Cooperative", "hr@acme.example")
    english = preview_email(people_survey.id, "invitation", "en")
    assert english.subject == "Your invitation: Relational Climate Survey"
    assert "Spring wave" in english.text
    assert "The survey closes on December 15, 2099, 17:00 UTC." in english.text
    assert f"http://survey.test/s/{PLACEHOLDER_TOKEN}" in english.text
    assert english.footer == ["Sent on behalf of Acme Cooperative.", "Questions: hr@acme.example"]
    spanish = preview_email(people_survey.id, "reminder", "es")
    assert spanish.subject == "Recordatorio: Encuesta de clima relacional"
    assert "La encuesta se cierra el 15 de diciembre de 2099, 17:00 UTC." in spanish.text
    # No link of a participant: the survey's real tokens are all unknown to the preview.
    hashes = set(db_session.scalars(select(InvitationToken.token_sha256)))
    assert not any(digest in english.text or digest in english.html for digest in hashes)
    with pytest.raises(DomainError):
        preview_email(people_survey.id, "invitation", "de")


def test_the_counts_the_buttons_state_never_depend_on_who_answered(
    db_session: Any, people_survey: Survey
) -> None:
    ben = db_session.scalar(select(Invitation).where(Invitation.email == "ben@example.org"))
    assert invitations_to_send(people_survey.id) == 3
    ben.responded = True
    db_session.flush()
    assert invitations_to_send(people_survey.id) == 3  # counted, though he gets none
    assert queue_invitations(people_survey.id, now=T0) == 2
    # Still counted: no invitation email. (Only someone who answered with a link of the
    # links file, made before the opening, can be in this case.)
    assert invitations_to_send(people_survey.id) == 1
    # Reminders: the people sent an invitation, whoever has answered or was reminded.
    assert reminders_to_send(people_survey.id) == 0
    for invitation in db_session.scalars(select(Invitation)):
        invitation.sent_at = T0
    db_session.execute(delete(OutboxMessage))
    db_session.flush()
    assert reminders_to_send(people_survey.id) == 3
    assert queue_reminders(people_survey.id, now=T0) == 2
    assert reminders_to_send(people_survey.id) == 3
    ben.responded = False
    db_session.flush()
    assert reminders_to_send(people_survey.id) == 3


def test_a_draft_survey_previews_with_its_closing_date_as_set(
    db_session: Any, bundled_version: Any, app: Any
) -> None:
    from app.surveys.services import create_survey

    survey = create_survey(instrument_key="relational-climate", title="Draft wave")
    update_draft_survey(
        survey.id,
        title="Draft wave",
        team_paths=[],
        levels=[("ic", "Individual contributor")],
        opens_at=None,
        closes_at=dt.datetime(2031, 1, 31, 12, 0, tzinfo=dt.UTC),
        k_scores=5,
        k_comments=10,
    )
    with app.app_context():
        text = preview_email(survey.id, "invitation", "en").text
    assert "The survey closes on January 31, 2031, 12:00 UTC." in text
    assert "Draft wave" in text
