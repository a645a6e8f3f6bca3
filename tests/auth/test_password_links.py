"""Staff accounts by email: an admin's invitation and "forgot password", each a
single-use, expiring set-password link delivered by the outbox to a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import LinkPurpose, PasswordLink, Role, StaffSession, StaffUser
from app.auth.password_links import LinkLifetimes, request_password_reset
from app.db import utcnow
from app.log_privacy import redact_survey_tokens
from app.outbox.models import OutboxMessage
from app.outbox.services import deliver_pending
from app.security import RESET_REQUESTS_PER_ACCOUNT
from tests.admin.conftest import page_text, submit
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token_from
from tests.outbox.conftest import SmtpServer

NEW_PASSWORD = "violet kettle harbour lamp"
LINK_RE = re.compile(r"http://survey\.test(/account/set-password/[A-Za-z0-9_\-]+)")


def deliver(app: Flask) -> None:
    with app.app_context():
        report = deliver_pending(batch_size=10)
    assert report.failed == 0, report


def link_in(mail: SmtpServer, address: str) -> str:
    (received,) = mail.handler.to(address)[-1:]
    match = LINK_RE.search(received.body)
    assert match, received.body
    assert LINK_RE.search(str(received.message.get_body(preferencelist=("html",))))
    return match.group(1)


def set_password(client: FlaskClient, path: str, password: str, again: str | None = None) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page_text(page)
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"password": password, "password_again": again or password, "csrf_token": token}
    return client.post(path, data=data)


def actions(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def pending_messages(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def forgot(client: FlaskClient, email: str) -> Any:
    token = csrf_token_from(client.get("/login/forgot").get_data(as_text=True))
    return client.post("/login/forgot", data={"email": email, "csrf_token": token})


# --- the invitation ------------------------------------------------------------------------


def test_an_invited_account_sets_its_password_once_through_the_emailed_link(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    admin: StaffUser,
    make_team: Any,
    mail_server: SmtpServer,
    db_session: Any,
) -> None:
    make_team("Sales")
    db_session.commit()
    answer = submit(
        client,
        "/admin/users/new",
        {"email": "Lea@Example.org", "role": "manager", "teams": "Sales"},
    )
    assert answer.status_code == 302
    assert "emailed it a link" in page_text(client.get("/admin/users/"))
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "lea@example.org"))
    assert user is not None and not user.has_password
    (invited,) = actions(db_session, "user.invite")
    assert invited.detail == {"email": "lea@example.org", "role": "manager", "teams": ["Sales"]}
    # The database keeps the link's hash, never the token (which waits in the outbox).
    (link,) = db_session.scalars(select(PasswordLink))
    assert link.purpose == "invitation" and len(link.token_sha256) == 64
    assert link.expires_at - link.created_at == dt.timedelta(hours=72)
    deliver(app)
    path = link_in(mail_server, "lea@example.org")
    assert path.rsplit("/", 1)[1] not in link.token_sha256
    db_session.expire_all()
    assert db_session.scalar(select(OutboxMessage.raw_token)) is None
    received = mail_server.handler.to("lea@example.org")[0]
    assert "72 hours" in received.body and "manager" in received.body

    client = app.test_client()  # Lea's browser
    auth = AuthActions(client)
    # No password signs the invited account in before it sets one.
    assert auth.login("lea@example.org", "").status_code != 302
    assert auth.login("lea@example.org", "x" * 20).status_code == 401
    weak = set_password(client, path, "password1234")
    assert weak.status_code == 400 and "too easy to guess" in page_text(weak)
    differ = set_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert differ.status_code == 400 and "The two passwords differ." in page_text(differ)
    done = set_password(client, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password is set" in page_text(client.get("/login"))
    assert auth.login("lea@example.org", NEW_PASSWORD).status_code == 302
    (set_event,) = actions(db_session, "user.password_set")
    assert set_event.detail == {"email": "lea@example.org", "link": "invitation"}

    # The link worked once.
    client = app.test_client()
    reused = client.get(path)
    assert reused.status_code == 410 and "already been used" in page_text(reused)
    assert client.post(path, data={"password": "x"}).status_code in (400, 410)


def test_an_invitation_with_bad_input_stores_nothing(
    client: FlaskClient, admin: StaffUser, db_session: Any
) -> None:
    for data, message in [
        ({"email": "not an address", "role": "hr"}, "is not a valid email address"),
        ({"email": "lea@example.org", "role": "manager"}, "A manager needs at least one team"),
        ({"email": "admin@example.org", "role": "hr"}, "already exists"),
    ]:
        answer = submit(client, "/admin/users/new", data)
        assert answer.status_code == 400 and message in page_text(answer)
    assert db_session.scalar(select(func.count()).select_from(PasswordLink)) == 0
    assert pending_messages(db_session) == 0
    assert actions(db_session, "user.invite") == []


def test_an_admin_sends_a_new_invitation_link_and_the_old_one_stops(
    app: Flask,
    client: FlaskClient,
    admin: StaffUser,
    mail_server: SmtpServer,
    db_session: Any,
) -> None:
    submit(client, "/admin/users/new", {"email": "lea@example.org", "role": "hr"})
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "lea@example.org"))
    deliver(app)
    first = link_in(mail_server, "lea@example.org")
    edit = f"/admin/users/{user.id}"
    assert "no password yet" in page_text(client.get(edit))
    again = submit(client, f"{edit}/resend-invitation", {}, page=edit)
    assert again.status_code == 302
    deliver(app)
    second = link_in(mail_server, "lea@example.org")
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    assert [e.object_id for e in actions(db_session, "user.invite_again")] == [str(user.id)]
    # An account with a password gets none.
    refused = submit(client, f"/admin/users/{admin.id}/resend-invitation", {}, page=edit)
    assert refused.status_code == 400 and "has already set a password" in page_text(refused)


def test_an_expired_or_unknown_link_says_what_to_do(
    app: Flask, client: FlaskClient, make_user: Any, mail_server: SmtpServer, db_session: Any
) -> None:
    user = make_user("lea@example.org", Role.HR)
    with app.test_request_context():
        request_password_reset("lea@example.org", lifetimes=LinkLifetimes())
        db_session.commit()
    deliver(app)
    path = link_in(mail_server, "lea@example.org")
    link = db_session.scalar(select(PasswordLink))
    link.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and "This link has expired" in page_text(expired)
    token = csrf_token_from(client.get("/login/forgot").get_data(as_text=True))
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "csrf_token": token}
    posted = client.post(path, data=data)
    assert posted.status_code == 410 and "This link has expired" in page_text(posted)
    unknown = client.get("/account/set-password/not-a-token")
    assert unknown.status_code == 404 and "This link is not valid" in page_text(unknown)
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).password_hash == user.password_hash


# --- forgot password -----------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_any_address_and_emails_only_accounts(
    app: Flask, client: FlaskClient, make_user: Any, mail_server: SmtpServer, db_session: Any
) -> None:
    make_user("lea@example.org", Role.HR)
    pages, times = [], []
    for email in ("lea@example.org", "nobody@example.org", "not an address"):
        started = time.monotonic()
        answer = forgot(client, email)
        times.append(time.monotonic() - started)
        assert answer.status_code == 200
        pages.append(re.sub(r'value="[^"]+"', "", answer.get_data(as_text=True)))
    assert pages[0] == pages[1] == pages[2]
    assert "Check your email" in pages[0]
    assert all(t >= 0.4 for t in times), times
    assert max(times) - min(times) < 0.2, times
    assert pending_messages(db_session) == 1
    deliver(app)
    assert [r.rcpt_tos for r in mail_server.received] == [["lea@example.org"]]
    assert "works once and for 1 hour" in " ".join(mail_server.received[0].body.split())
    (requested,) = actions(db_session, "user.password_reset_request")
    assert requested.actor_id is None and requested.detail == {"email": "lea@example.org"}


def test_a_reset_ends_the_accounts_other_sessions_and_its_other_links(
    app: Flask, client: FlaskClient, make_user: Any, mail_server: SmtpServer, db_session: Any
) -> None:
    make_user("lea@example.org", Role.HR)
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login("lea@example.org").status_code == 302
    assert elsewhere.get("/account/password").status_code == 200
    forgot(client, "lea@example.org")
    forgot(client, "lea@example.org")
    deliver(app)
    older, newer = [link_in_body(r.body) for r in mail_server.handler.to("lea@example.org")]
    assert set_password(client, newer, NEW_PASSWORD).status_code == 302
    assert elsewhere.get("/account/password").status_code == 302  # signed out
    live = db_session.scalar(
        select(func.count()).select_from(StaffSession).where(StaffSession.ended_at.is_(None))
    )
    assert live == 0
    assert client.get(older).status_code == 410
    auth = AuthActions(client)
    assert auth.login("lea@example.org", TEST_PASSWORD).status_code == 401
    assert auth.login("lea@example.org", NEW_PASSWORD).status_code == 302


def link_in_body(body: str) -> str:
    match = LINK_RE.search(body)
    assert match
    return match.group(1)


def test_forgot_password_is_throttled_alike_for_accounts_and_strangers(
    client: FlaskClient, make_user: Any, db_session: Any
) -> None:
    make_user("lea@example.org", Role.HR)
    for email in ("lea@example.org", "nobody@example.org"):
        for _ in range(RESET_REQUESTS_PER_ACCOUNT.free):
            assert forgot(client, email).status_code == 200
        paused = forgot(client, email)
        assert paused.status_code == 429
        assert "Too many requests for a password link" in page_text(paused)
    assert pending_messages(db_session) == RESET_REQUESTS_PER_ACCOUNT.free


def test_forgot_password_refuses_an_empty_form(client: FlaskClient, db_session: Any) -> None:
    answer = forgot(client, "")
    assert answer.status_code == 400
    assert pending_messages(db_session) == 0
    token = csrf_token_from(client.get("/login/forgot").get_data(as_text=True))
    bad = client.post("/login/forgot", data={"email": "a\x00@example.org", "csrf_token": token})
    assert bad.status_code == 400


def test_a_deactivated_account_gets_no_reset_link(
    app: Flask, client: FlaskClient, make_user: Any, db_session: Any
) -> None:
    user = make_user("lea@example.org", Role.HR)
    user.is_active = False
    db_session.commit()
    assert forgot(client, "lea@example.org").status_code == 200
    assert pending_messages(db_session) == 0


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_link_lifetimes_come_from_the_configuration(purpose: LinkPurpose) -> None:
    lifetimes = LinkLifetimes.from_config(
        {"STAFF_INVITATION_HOURS": 1, "PASSWORD_RESET_MINUTES": 5}
    )
    expected = {"invitation": dt.timedelta(hours=1), "reset": dt.timedelta(minutes=5)}
    assert lifetimes.of(purpose) == expected[purpose.value]


def test_the_command_line_invites_and_refuses_bad_input(
    runner: Any, make_team: Any, db_session: Any
) -> None:
    make_team("Sales")
    db_session.commit()
    done = runner.invoke(
        args=["users", "invite", "Max@Example.org", "--role", "manager", "--team", "Sales"]
    )
    assert done.exit_code == 0, done.output
    assert "Invited manager max@example.org" in done.output
    (invited,) = actions(db_session, "user.invite")
    assert invited.actor_id is None and invited.detail["via"] == "command line"
    assert pending_messages(db_session) == 1
    for args, message in [
        (["users", "invite", "max@example.org", "--role", "hr"], "already exists"),
        (["users", "invite", "kim@example.org", "--role", "manager"], "needs at least one team"),
        (["users", "invite", "kim@", "--role", "hr"], "is not a valid email address"),
    ]:
        refused = runner.invoke(args=args)
        assert refused.exit_code != 0 and message in refused.output, refused.output
    assert pending_messages(db_session) == 1
    assert len(actions(db_session, "user.invite")) == 1


def test_set_password_links_stay_out_of_the_logs() -> None:
    line = '127.0.0.1 - - "GET /account/set-password/abcDEF_123-x?next=/ HTTP/1.1" 200'
    redacted = redact_survey_tokens(line)
    assert "abcDEF_123" not in redacted and "/account/set-password/[token]" in redacted
    encoded = redact_survey_tokens("GET /account/set-password%2Fsecret-token HTTP/1.1")
    assert "secret-token" not in encoded


def test_an_email_whose_link_can_no_longer_be_used_is_not_sent(
    app: Flask, client: FlaskClient, make_user: Any, mail_server: SmtpServer, db_session: Any
) -> None:
    make_user("lea@example.org", Role.HR)
    lifetimes = LinkLifetimes()
    with app.test_request_context():
        request_password_reset("lea@example.org", lifetimes=lifetimes)
        db_session.commit()
    deliver(app)
    path = link_in(mail_server, "lea@example.org")
    with app.test_request_context():
        request_password_reset("lea@example.org", lifetimes=lifetimes)  # still pending...
        db_session.commit()
    assert set_password(client, path, NEW_PASSWORD).status_code == 302  # ... ended here
    with app.app_context():
        report = deliver_pending(batch_size=10)
    assert (report.sent, report.dropped) == (0, 1)
    assert len(mail_server.received) == 1
    assert pending_messages(db_session) == 1  # the first, sent; the second deleted unsent


def test_expired_links_are_deleted_when_a_new_one_is_issued(
    app: Flask, make_user: Any, db_session: Any
) -> None:
    make_user("lea@example.org", Role.HR)
    with app.test_request_context():
        request_password_reset("lea@example.org", lifetimes=LinkLifetimes())
        link = db_session.scalar(select(PasswordLink))
        link.expires_at = utcnow() - dt.timedelta(minutes=1)
        db_session.flush()
        request_password_reset("lea@example.org", lifetimes=LinkLifetimes())
        db_session.commit()
    db_session.expire_all()
    (remaining,) = db_session.scalars(select(PasswordLink))
    assert remaining.expires_at > utcnow()
