"""The transactional outbox: one row per invitation or reminder email to send.

A row is added in the same transaction as the change that calls for the email, and a worker
(`flask outbox run`) sends it later. The row refers to the invitation (the recipient's
address is read from it at send time, so closing a survey, which purges addresses, also
empties the outbox of them) and holds the raw survey token only while the message is
pending: a check constraint makes any other state with a token impossible.

Nothing here refers to a response, and the table keeps no trace of the moment a person
answered: a message that becomes pointless because its recipient has answered is deleted,
not marked (see `app.outbox.services`).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.surveys.models import Invitation


class MessageKind(enum.StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"
    # To a staff member at `recipient`, built from `payload`: a test send of an invitation
    # or a reminder (its link a placeholder, never a participant's).
    TEST = "test"
    # To a staff member at `recipient`, with a set-password link (app.auth.password_links):
    # an invitation to a new account, "forgot password".
    STAFF_INVITATION = "staff_invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of email, not a secret


# Messages to a participant, through their invitation; every other kind goes to a staff
# member at `recipient` (a test send; the account emails).
PARTICIPANT_KINDS = (MessageKind.INVITATION.value, MessageKind.REMINDER.value)
_PARTICIPANT_KINDS_SQL = "kind IN ('invitation', 'reminder')"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (again); `claimed_until` in the future = sending
    SENT = "sent"  # accepted by the SMTP server
    FAILED = "failed"  # given up: refused for good, or too many attempts


_PENDING_ONLY = text("status = 'pending'")


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # A participant's message goes through its invitation (whose address is purged at
        # the close); any other kind to a staff member's own address, never to both.
        CheckConstraint(
            f"({_PARTICIPANT_KINDS_SQL} AND invitation_id IS NOT NULL AND recipient IS NULL)"
            f" OR (NOT {_PARTICIPANT_KINDS_SQL} AND invitation_id IS NULL)",
            name="addressee",
        ),
        # A staff member's address is kept only while the message waits to be sent.
        CheckConstraint("status = 'pending' OR recipient IS NULL", name="recipient_only_pending"),
        CheckConstraint(
            "status <> 'pending' OR invitation_id IS NOT NULL OR recipient IS NOT NULL",
            name="pending_recipient",
        ),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        CheckConstraint("status = 'pending' OR raw_token IS NULL", name="token_only_pending"),
        CheckConstraint("attempts >= 0", name="attempts_min"),
        # The worker's query: due pending messages, oldest first.
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # At most one message per invitation waiting to be sent: queueing twice (two
        # operators, a retry of a script) cannot send a person two emails.
        Index(
            "uq_outbox_message_pending_invitation",
            "invitation_id",
            unique=True,
            sqlite_where=_PENDING_ONLY,
            postgresql_where=_PENDING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # A staff message's address (never a participant's), only while it is pending.
    recipient: Mapped[str | None] = mapped_column(String(254))
    # What a staff message is built from (e.g. the survey, kind and language of a test
    # send): never a token and never an address.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING.value)
    # The survey token for the link, only until the message is sent or given up.
    raw_token: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker's lease on the message while it sends it (see services.claim_due).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The kind of the last error and the SMTP code: never an address, a link or a token.
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation | None] = relationship()
