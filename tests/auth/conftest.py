"""Fixtures of other test folders used here: the real SMTP server on loopback of the outbox
tests (the account emails), and the signed-in admin of the admin page tests."""

from tests.admin.conftest import admin
from tests.outbox.conftest import mail_server, mail_to, smtp_server

__all__ = ["admin", "mail_server", "mail_to", "smtp_server"]
