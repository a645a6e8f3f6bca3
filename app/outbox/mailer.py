"""A small smtplib wrapper: one SMTP session reused for a batch of messages.

Plain SMTP, STARTTLS (`MAIL_USE_TLS`) or implicit TLS (`MAIL_USE_SSL`), with a login when
`MAIL_USERNAME` is set. Every failure becomes a `MailError` whose text names the kind of
error and the SMTP code only: server replies can quote the recipient's address, and the
message body holds a survey link, so neither ever reaches a log or the database.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    use_tls: bool = False  # STARTTLS after connecting
    use_ssl: bool = False  # TLS from the first byte (SMTPS, usually port 465)
    username: str | None = None
    password: str | None = None
    sender: str = "Mutuality <no-reply@localhost>"
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            host=str(config.get("MAIL_HOST", cls.host)),
            port=int(config.get("MAIL_PORT", cls.port)),
            use_tls=bool(config.get("MAIL_USE_TLS", False)),
            use_ssl=bool(config.get("MAIL_USE_SSL", False)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=str(config.get("MAIL_FROM", cls.sender)),
            timeout=float(config.get("MAIL_TIMEOUT", cls.timeout)),
        )


class MailError(Exception):
    """Sending failed. `permanent`: the server refused this message for good (5xx on the
    recipient or the content); retrying cannot help. `connection`: no SMTP session could be
    set up (server down, TLS or login refused), so no other message can go either."""

    def __init__(self, summary: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(summary)
        self.summary = summary
        self.permanent = permanent
        self.connection = connection


def build_message(
    *, sender: str, recipient: str, subject: str, body: str, language: str, html: str | None = None
) -> EmailMessage:
    """A UTF-8 message with its own Message-ID: plain text, or multipart/alternative with
    the text first and `html` second (clients show the last part they can)."""
    message = EmailMessage()
    name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "localhost"
    message["From"] = formataddr((name, address)) if name else address
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(body, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    message["Content-Language"] = language  # after set_content, which resets Content-*
    return message


def _code_summary(exc: smtplib.SMTPResponseException) -> str:
    return f"{type(exc).__name__} {exc.smtp_code}"


class Mailer:
    """Use as a context manager; the connection opens at the first `send`."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        try:
            if s.use_ssl:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"cannot connect: {type(exc).__name__}", connection=True) from None
        try:
            if s.use_tls and not s.use_ssl:
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPResponseException as exc:
            smtp.close()
            raise MailError(_code_summary(exc), connection=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise MailError(f"session set-up: {type(exc).__name__}", connection=True) from None
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message; returns only once the server has accepted it."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            self._reset()
            raise MailError(
                f"SMTPRecipientsRefused {','.join(str(c) for c in codes)}",
                permanent=bool(codes) and all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise MailError(_code_summary(exc), permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise MailError(_code_summary(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, timed out: the server may or may not have the message.
            self._drop()
            raise MailError(type(exc).__name__) from None

    def _reset(self) -> None:
        """After a refused message the session is still usable; RSET clears its state."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
