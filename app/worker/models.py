"""The worker's own tables: each worker's heartbeat, and the releases scheduled for it.

A heartbeat row says which worker process was last seen when, and what its last round
did, in words and counts that tell nothing about who answered (no ballot or reminder
counts: their changes over time would date responses). One row per worker id
(`hostname:pid:random`); rows of workers gone for a week are deleted by the worker.

A scheduled release is an interim release the worker publishes at `publish_at`
(app.worker.schedule). It is claimed with a lease like an outbox message, so that two
workers never publish it twice; `done_at` and `outcome` say what happened (published as
release N, or why nothing was published).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    last_did: Mapped[str] = mapped_column(String(300), default="")


class ScheduledRelease(Base):
    __tablename__ = "scheduled_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    publish_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    release_number: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(300))
