"""Reads for the worker's pages and health checks: heartbeats and scheduled releases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.db import Session, utcnow
from app.outbox.models import MessageStatus, OutboxMessage
from app.surveys.models import Invitation, Survey
from app.worker.models import ScheduledRelease, WorkerHeartbeat

PENDING = MessageStatus.PENDING.value
SENT = MessageStatus.SENT.value
FAILED = MessageStatus.FAILED.value

# A worker polls every 10 s by default and a round may take a while (a large close, a
# slow mail server); after this long without a heartbeat the pages warn.
STALE_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Heartbeat:
    """One worker process as it was last seen."""

    worker_id: str
    started_at: dt.datetime
    seen_at: dt.datetime
    rounds: int
    last_did: str

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or utcnow()) - self.seen_at

    def is_recent(self, now: dt.datetime | None = None) -> bool:
        return self.age(now) <= STALE_AFTER


def _heartbeat(row: WorkerHeartbeat) -> Heartbeat:
    return Heartbeat(row.worker_id, row.started_at, row.seen_at, row.rounds, row.last_did)


def latest_heartbeat() -> Heartbeat | None:
    """The most recent heartbeat of any worker, or None when no worker was ever seen (what
    /healthz reports as the worker's age)."""
    row = Session.scalar(
        select(WorkerHeartbeat)
        .order_by(WorkerHeartbeat.seen_at.desc(), WorkerHeartbeat.worker_id)
        .limit(1)
    )
    return _heartbeat(row) if row is not None else None


def recent_heartbeats(limit: int = 20) -> list[Heartbeat]:
    """The workers seen most recently, newest first."""
    rows = Session.scalars(
        select(WorkerHeartbeat)
        .order_by(WorkerHeartbeat.seen_at.desc(), WorkerHeartbeat.worker_id)
        .limit(limit)
    )
    return [_heartbeat(row) for row in rows]


def scheduled_releases(survey_id: int) -> Sequence[ScheduledRelease]:
    """A survey's scheduled releases, the next first and then the done ones."""
    return Session.scalars(
        select(ScheduledRelease)
        .where(ScheduledRelease.survey_id == survey_id)
        .order_by(ScheduledRelease.publish_at, ScheduledRelease.id)
    ).all()


@dataclass
class OutboxLine:
    """One line of the outbox page: a survey's (or the staff's) email of one kind."""

    survey_id: int | None  # None: email to staff (account links, test sends)
    survey_title: str | None
    kind: str
    pending: int = 0
    sent: int = 0
    failed: int = 0


def outbox_overview() -> list[OutboxLine]:
    """Outbox messages counted by survey, kind and status (counts only: never an
    address, a link or a token)."""
    rows = Session.execute(
        select(
            Invitation.survey_id,
            Survey.title,
            OutboxMessage.kind,
            OutboxMessage.status,
            func.count(),
        )
        .select_from(OutboxMessage)
        .outerjoin(Invitation, OutboxMessage.invitation_id == Invitation.id)
        .outerjoin(Survey, Invitation.survey_id == Survey.id)
        .group_by(Invitation.survey_id, Survey.title, OutboxMessage.kind, OutboxMessage.status)
    )
    lines: dict[tuple[int | None, str], OutboxLine] = {}
    for survey_id, title, kind, status, n in rows:
        line = lines.setdefault((survey_id, kind), OutboxLine(survey_id, title, kind))
        if status in (PENDING, SENT, FAILED):
            setattr(line, status, int(n))
    return sorted(
        lines.values(),
        key=lambda line: (line.survey_id is None, -(line.survey_id or 0), line.kind),
    )


def failure_reasons() -> list[tuple[str, str, int]]:
    """(kind, reason, messages) of the messages given up for good, the most frequent
    first; the reason is the error's kind and SMTP code as the outbox recorded it."""
    rows = Session.execute(
        select(OutboxMessage.kind, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.status == FAILED)
        .group_by(OutboxMessage.kind, OutboxMessage.last_error)
    )
    reasons = [(kind, error or "unknown", int(n)) for kind, error, n in rows]
    return sorted(reasons, key=lambda r: (-r[2], r[0], r[1]))
