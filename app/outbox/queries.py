"""Reads for the outbox: counts by status, for `flask outbox status`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select

from app.db import Session, utcnow
from app.outbox.models import MessageStatus, OutboxMessage
from app.surveys.models import Invitation


@dataclass
class OutboxCounts:
    pending: int = 0  # not sent yet, whatever the reason
    sending: int = 0  # of which leased to a worker right now
    retrying: int = 0  # of which tried before and waiting for their next attempt
    sent: int = 0
    failed: int = 0
    next_attempt_at: dt.datetime | None = None  # the earliest retry still waiting
    errors: dict[str, int] = field(default_factory=dict)  # last error -> messages (pending)

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed


def outbox_counts(survey_id: int | None = None, now: dt.datetime | None = None) -> OutboxCounts:
    """Messages by status, for one survey or all."""
    now = now or utcnow()
    pending = OutboxMessage.status == MessageStatus.PENDING.value
    leased = OutboxMessage.claimed_until.is_not(None) & (OutboxMessage.claimed_until > now)
    not_leased = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
    waiting = pending & (OutboxMessage.attempts > 0) & (OutboxMessage.next_attempt_at > now)
    query = select(
        OutboxMessage.status,
        func.count(),
        func.count(case((pending & leased, 1))),
        func.count(case((waiting & not_leased, 1))),
        func.min(case((waiting, OutboxMessage.next_attempt_at))),
    ).group_by(OutboxMessage.status)
    errors = select(OutboxMessage.last_error, func.count()).where(
        OutboxMessage.status != MessageStatus.SENT.value, OutboxMessage.last_error.is_not(None)
    )
    if survey_id is not None:
        in_survey = OutboxMessage.invitation_id.in_(
            select(Invitation.id).where(Invitation.survey_id == survey_id)
        )
        query, errors = query.where(in_survey), errors.where(in_survey)
    counts = OutboxCounts()
    for status, n, n_sending, n_waiting, next_at in Session.execute(query):
        if status == MessageStatus.PENDING.value:
            counts.pending, counts.sending, counts.retrying = n, n_sending, n_waiting
            counts.next_attempt_at = next_at
        elif status == MessageStatus.SENT.value:
            counts.sent = n
        elif status == MessageStatus.FAILED.value:
            counts.failed = n
    for error, n in Session.execute(errors.group_by(OutboxMessage.last_error)):
        counts.errors[str(error)] = int(n)
    return counts
