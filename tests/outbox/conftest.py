"""A real SMTP server on 127.0.0.1 (aiosmtpd), started per test, that records what it
accepts; and the app pointed at it."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from flask import Flask
from sqlalchemy.orm import scoped_session

from app.instruments.models import InstrumentVersion
from app.surveys.models import Survey
from app.surveys.services import create_survey, import_participants, open_survey

HOST = "127.0.0.1"
LINK_RE = re.compile(r"http://survey\.test/s/([A-Za-z0-9_\-]+)")

PEOPLE_CSV = """email,team,level,language
ana@example.org,Engineering/Platform,individual_contributor,
ben@example.org,Engineering/Platform,manager,en
eva@example.org,Sales,senior_leader,es
"""


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def token(self) -> str:
        match = LINK_RE.search(self.body)
        assert match, "the email holds no survey link"
        return match.group(1)


@dataclass
class RecordingHandler:
    """Accepts every message (after `delay` seconds) unless its recipient is in
    `refuse`; records what it accepted and the logins it saw."""

    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: SmtpSession, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login = (_text(data.login), _text(data.password))
        self.logins.append(login)
        # handled=False: aiosmtpd then answers 235 or 535 itself.
        return AuthResult(success=login == ("mailer", "s3cret"), handled=False)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.rcpt_tos == [address]]


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname=HOST,
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,  # a test server on the loopback interface
    )
    controller.start()
    try:
        yield SmtpServer(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def mail_to(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point the app's mail settings at a port (the test server's, or a closed one)."""

    def point(port: int, **settings: Any) -> None:
        monkeypatch.setitem(app.config, "MAIL_HOST", HOST)
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5.0)
        monkeypatch.setitem(app.config, "MAIL_FROM", "Mutuality <survey@example.org>")
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)

    return point


@pytest.fixture
def mail_server(smtp_server: SmtpServer, mail_to: Any) -> SmtpServer:
    mail_to(smtp_server.port)
    return smtp_server


def open_people_survey(
    title: str, *, opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None
) -> Survey:
    """A survey of the bundled instrument (which must be synced) with the PEOPLE_CSV
    participants, opened; not committed."""
    survey = create_survey(
        instrument_key="relational-climate", title=title, opens_at=opens_at, closes_at=closes_at
    )
    import_participants(survey.id, PEOPLE_CSV)
    open_survey(survey.id)
    return survey


@pytest.fixture
def people_survey(
    app: Flask, db_session: scoped_session[Any], bundled_version: InstrumentVersion
) -> Iterator[Survey]:
    """An open survey with three invited people (one Spanish-speaking), committed, inside
    an app context (the outbox renders templates and reads the configuration)."""
    survey = open_people_survey(
        "Spring wave", closes_at=dt.datetime(2099, 12, 15, 17, 0, tzinfo=dt.UTC)
    )
    db_session.commit()
    with app.app_context():
        yield survey
