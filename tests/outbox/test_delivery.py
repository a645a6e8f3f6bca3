"""Sending through a real SMTP server on 127.0.0.1: content, links, tokens, reminders,
retries with backoff, permanent failures."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select, update

from app.outbox.models import OutboxMessage
from app.outbox.queries import outbox_counts
from app.outbox.services import (
    OutboxSettings,
    backoff,
    deliver_pending,
    queue_invitations,
    queue_reminders,
)
from app.surveys.models import Invitation, Survey
from app.surveys.services import close_survey, purge_contacts
from tests.conftest import invitation_for_token
from tests.outbox.conftest import SmtpServer, free_port

UTC = dt.UTC
T0 = dt.datetime(2030, 3, 2, 9, 0, tzinfo=UTC)


def _messages(db: Any) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def _invitation(db: Any, email: str) -> Invitation:
    invitation = db.scalar(
        select(Invitation)
        .where(Invitation.email == email)
        .execution_options(populate_existing=True)
    )
    assert invitation is not None
    return invitation


def _queue_invitations(db: Any, survey: Survey, now: dt.datetime = T0) -> None:
    queue_invitations(survey.id, now=now)
    db.commit()


def test_invitations_are_sent_with_a_working_link_in_the_right_language(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    _queue_invitations(db_session, people_survey)
    report = deliver_pending(batch_size=10, now=T0)
    assert (report.claimed, report.sent, report.retrying, report.failed) == (3, 3, 0, 0)

    received = {r.rcpt_tos[0]: r for r in mail_server.received}
    assert sorted(received) == ["ana@example.org", "ben@example.org", "eva@example.org"]
    for address, mail in received.items():
        assert mail.rcpt_tos == [address]
        assert mail.mail_from == "survey@example.org"
        assert mail.message["To"] == address
        assert mail.message["From"] == "Mutuality <survey@example.org>"
        assert mail.message["Message-ID"]
        # The link opens this person's invitation.
        invitation = invitation_for_token(mail.token)
        assert invitation is not None and invitation.email == address

    english = received["ana@example.org"]  # no language: the instrument's default
    assert english.subject == "Your invitation: Relational Climate Survey"
    assert english.message["Content-Language"] == "en"
    assert "Spring wave" in english.body
    assert "at least 5 people" in english.body
    assert "The survey closes on December 15, 2099, 17:00 UTC." in english.body

    spanish = received["eva@example.org"]
    assert spanish.subject == "Su invitación: Encuesta de clima relacional"
    assert spanish.message["Content-Language"] == "es"
    assert "Su privacidad" in spanish.body and "al menos 5 personas" in spanish.body
    assert "La encuesta se cierra el 15 de diciembre de 2099, 17:00 UTC." in spanish.body

    # Sent: the outbox forgets the tokens, the invitations know they were sent.
    messages = _messages(db_session)
    assert {(m.status, m.raw_token, m.attempts, m.sent_at) for m in messages} == {
        ("sent", None, 1, T0)
    }
    assert _invitation(db_session, "ana@example.org").sent_at == T0
    assert deliver_pending(batch_size=10, now=T0 + dt.timedelta(hours=1)).claimed == 0
    assert len(mail_server.received) == 3


def test_no_token_or_link_reaches_the_logs(
    db_session: Any,
    people_survey: Survey,
    mail_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _queue_invitations(db_session, people_survey)
    messages = _messages(db_session)
    tokens = [m.raw_token for m in messages]
    with caplog.at_level(logging.DEBUG, logger="app"):
        deliver_pending(batch_size=10, now=T0)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("app"))
    assert all(f"outbox message {m.id} sent (invitation)" in ours for m in messages)
    assert all(token and token not in ours for token in tokens)
    assert "/s/" not in ours
    assert "@example.org" not in ours


def test_reminders_go_only_to_non_responders_and_at_most_the_configured_times(
    app: Any,
    db_session: Any,
    people_survey: Survey,
    mail_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_MAX_REMINDERS", 2)
    _queue_invitations(db_session, people_survey)
    deliver_pending(now=T0)
    invited = {r.rcpt_tos[0]: r.token for r in mail_server.received}
    _invitation(db_session, "ben@example.org").responded = True
    db_session.commit()

    day = dt.timedelta(days=1)
    assert queue_reminders(people_survey.id, now=T0 + day) == 2
    db_session.commit()
    # Until the reminder is sent, the invitation's link keeps working.
    assert invitation_for_token(invited["ana@example.org"]) is not None
    assert deliver_pending(now=T0 + day).sent == 2

    reminders = [r for r in mail_server.received if r.subject.startswith(("Reminder", "Record"))]
    assert sorted(r.rcpt_tos[0] for r in reminders) == ["ana@example.org", "eva@example.org"]
    by_address = {r.rcpt_tos[0]: r for r in reminders}
    assert by_address["eva@example.org"].subject == "Recordatorio: Encuesta de clima relacional"
    assert "the link in earlier emails works as well" in by_address["ana@example.org"].body
    # The reminder's link works now, and so does the invitation's.
    ana = invitation_for_token(by_address["ana@example.org"].token)
    assert ana is not None and ana.email == "ana@example.org"
    assert invitation_for_token(invited["ana@example.org"]) is ana
    ana = _invitation(db_session, "ana@example.org")
    assert (ana.reminder_count, ana.reminded_at) == (1, T0 + day)
    assert all(m.raw_token is None for m in _messages(db_session))

    # Second reminder; eva answers before it goes out: hers is dropped, not sent.
    assert queue_reminders(people_survey.id, now=T0 + 2 * day) == 2
    _invitation(db_session, "eva@example.org").responded = True
    db_session.commit()
    report = deliver_pending(now=T0 + 2 * day)
    assert (report.sent, report.dropped) == (1, 1)
    # Dropped means deleted: no row records when she answered.
    assert len(_messages(db_session)) == 3 + 2 + 1

    # The limit is reached for ana.
    assert queue_reminders(people_survey.id, now=T0 + 3 * day) == 0
    assert len(mail_server.handler.to("ana@example.org")) == 3  # invitation + 2 reminders
    assert len(mail_server.handler.to("ben@example.org")) == 1  # answered: invitation only
    assert len(mail_server.handler.to("eva@example.org")) == 2


def test_smtp_server_down_keeps_messages_pending_and_retries_with_backoff(
    db_session: Any, people_survey: Survey, smtp_server: SmtpServer, mail_to: Any
) -> None:
    mail_to(free_port())  # nothing listens there
    _queue_invitations(db_session, people_survey)
    tokens = {m.id: m.raw_token for m in _messages(db_session)}

    report = deliver_pending(batch_size=10, now=T0)
    assert (report.claimed, report.sent, report.retrying, report.failed) == (3, 0, 3, 0)
    for message in _messages(db_session):
        assert message.status == "pending"
        assert message.attempts == 1
        assert message.next_attempt_at == T0 + dt.timedelta(minutes=1)
        assert message.raw_token == tokens[message.id]  # nothing lost
        assert message.claimed_by is None
        assert message.last_error is not None and "cannot connect" in message.last_error
    counts = outbox_counts(people_survey.id, now=T0)
    assert (counts.pending, counts.retrying, counts.sent, counts.failed) == (3, 3, 0, 0)

    # Not due yet; then a second failure doubles the wait.
    assert deliver_pending(now=T0 + dt.timedelta(seconds=30)).claimed == 0
    deliver_pending(now=T0 + dt.timedelta(minutes=1))
    assert {(m.attempts, m.next_attempt_at) for m in _messages(db_session)} == {
        (2, T0 + dt.timedelta(minutes=3))
    }

    mail_to(smtp_server.port)  # the server is back
    report = deliver_pending(now=T0 + dt.timedelta(minutes=3))
    assert report.sent == 3
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "ana@example.org",
        "ben@example.org",
        "eva@example.org",
    ]
    assert {r.token for r in smtp_server.received} == set(tokens.values())
    assert {(m.status, m.attempts, m.last_error) for m in _messages(db_session)} == {
        ("sent", 3, None)
    }


def test_after_the_last_attempt_a_message_fails_for_good_and_stays_visible(
    app: Any,
    db_session: Any,
    people_survey: Survey,
    mail_to: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail_to(free_port(), OUTBOX_MAX_ATTEMPTS=3)
    _queue_invitations(db_session, people_survey)
    now = T0
    for attempt in (1, 2, 3):
        report = deliver_pending(now=now)
        assert report.claimed == 3
        now += dt.timedelta(minutes=2 ** (attempt - 1))
    assert (report.retrying, report.failed) == (0, 3)
    for message in _messages(db_session):
        assert (message.status, message.attempts, message.raw_token) == ("failed", 3, None)
    assert deliver_pending(now=now + dt.timedelta(days=1)).claimed == 0  # given up
    counts = outbox_counts(people_survey.id)
    assert (counts.pending, counts.failed) == (0, 3)
    assert counts.errors == {"cannot connect: ConnectionRefusedError": 3}


def test_a_recipient_refused_for_good_fails_at_once_and_the_others_go(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    mail_server.handler.refuse.add("ben@example.org")
    _queue_invitations(db_session, people_survey)
    report = deliver_pending(now=T0)
    assert (report.sent, report.failed, report.retrying) == (2, 1, 0)
    ben = _invitation(db_session, "ben@example.org")
    (message,) = [m for m in _messages(db_session) if m.invitation_id == ben.id]
    assert (message.status, message.raw_token) == ("failed", None)
    assert message.last_error == "SMTPRecipientsRefused 550"
    assert ben.sent_at is None
    assert sorted(r.rcpt_tos[0] for r in mail_server.received) == [
        "ana@example.org",
        "eva@example.org",
    ]


def test_messages_of_a_closed_survey_are_dropped(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    _queue_invitations(db_session, people_survey)
    close_survey(people_survey.id)  # no more answers; the purge comes in its own transaction
    db_session.commit()
    report = deliver_pending(now=T0)
    assert (report.claimed, report.dropped, report.sent) == (3, 3, 0)
    assert _messages(db_session) == []
    assert mail_server.received == []


def test_the_purge_after_the_close_deletes_the_unsent_emails(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    _queue_invitations(db_session, people_survey)
    close_survey(people_survey.id)
    purge_contacts(people_survey.id)  # the addresses, and the unsent emails with raw tokens
    db_session.commit()
    assert _messages(db_session) == []
    report = deliver_pending(now=T0)
    assert (report.claimed, report.dropped, report.sent) == (0, 0, 0)
    assert mail_server.received == []


def test_a_message_leased_by_another_worker_is_left_until_the_lease_ends(
    db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    _queue_invitations(db_session, people_survey)
    first = _messages(db_session)[0]
    lease_end = T0 + dt.timedelta(minutes=10)
    db_session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == first.id)
        .values(claimed_by="another-worker", claimed_until=lease_end)
    )
    db_session.commit()
    assert outbox_counts(now=T0).sending == 1
    assert deliver_pending(now=T0).sent == 2
    assert deliver_pending(now=lease_end - dt.timedelta(seconds=1)).claimed == 0
    # That worker died: its lease runs out and the message is sent, once.
    assert deliver_pending(now=lease_end).sent == 1
    assert len(mail_server.received) == 3


def test_the_smtp_login_uses_the_configured_credentials(
    db_session: Any, people_survey: Survey, smtp_server: SmtpServer, mail_to: Any
) -> None:
    mail_to(smtp_server.port, MAIL_USERNAME="mailer", MAIL_PASSWORD="wrong")
    _queue_invitations(db_session, people_survey)
    report = deliver_pending(now=T0)
    assert (report.sent, report.retrying) == (0, 3)  # a refused login is retried
    assert {m.last_error for m in _messages(db_session)} == {"SMTPAuthenticationError 535"}

    mail_to(smtp_server.port, MAIL_USERNAME="mailer", MAIL_PASSWORD="s3cret")
    assert deliver_pending(now=T0 + dt.timedelta(minutes=1)).sent == 3
    assert smtp_server.handler.logins[-1] == ("mailer", "s3cret")


def test_an_email_that_cannot_be_built_is_retried_later(
    db_session: Any,
    people_survey: Survey,
    mail_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _queue_invitations(db_session, people_survey)

    def broken(*_args: Any) -> tuple[str, str]:
        raise LookupError("a template is missing")

    with monkeypatch.context() as patch:
        patch.setattr("app.outbox.services.render_email", broken)
        report = deliver_pending(now=T0)
    assert (report.sent, report.retrying) == (0, 3)
    assert {(m.status, m.attempts, m.last_error) for m in _messages(db_session)} == {
        ("pending", 1, "cannot compose: LookupError")
    }
    assert deliver_pending(now=T0 + dt.timedelta(minutes=1)).sent == 3


def test_deliver_pending_refuses_to_commit_someone_elses_changes(
    db_session: Any, people_survey: Survey
) -> None:
    _invitation(db_session, "ana@example.org").responded = True
    with pytest.raises(RuntimeError, match="commit your own work"):
        deliver_pending(now=T0)


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    settings = OutboxSettings()
    waits = [backoff(n, settings).total_seconds() / 60 for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
