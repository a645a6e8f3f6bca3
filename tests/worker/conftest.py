"""The worker's tests use the outbox's real SMTP server on loopback and its people."""

from __future__ import annotations

from tests.outbox.conftest import mail_server, mail_to, smtp_server

__all__ = ["mail_server", "mail_to", "smtp_server"]
