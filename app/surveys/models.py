"""Surveys (waves), their levels and teams in scope, and invitations.

An invitation holds the email until the survey closes and one flag, `responded`; its links
are `InvitationToken` rows, the sha256 of each personal token (never the token). A person
may hold several live links (the invitation's, a reminder's, a new link sent on request):
any one of them answers once for the invitation, and then they all say "already used".
An invitation carries no response timestamp: a time of response could be matched with a
response's date and order.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.instruments.models import InstrumentVersion
from app.org.models import Team

MIN_THRESHOLD = 3


class SurveyState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


survey_team = Table(
    "survey_team",
    Base.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("team.id", ondelete="RESTRICT"), primary_key=True),
)


class Survey(Base):
    """One wave of an instrument version, with its thresholds and declared cuts."""

    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'open', 'closed', 'archived')", name="state"),
        CheckConstraint(f"k_scores >= {MIN_THRESHOLD}", name="k_scores_min"),
        CheckConstraint(f"k_comments >= {MIN_THRESHOLD}", name="k_comments_min"),
        CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="dates_order"
        ),
        CheckConstraint(
            "remind_after_days IS NULL OR remind_after_days >= 1", name="remind_after_days_min"
        ),
        CheckConstraint("max_reminders IS NULL OR max_reminders >= 0", name="max_reminders_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_version.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=SurveyState.DRAFT.value)
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    k_scores: Mapped[int] = mapped_column(Integer, default=5)
    k_comments: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A pilot (a try-out with a few people) is reported on its own but is no wave of a
    # trend: trends and "change since the last comparable wave" leave it out.
    pilot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The schedule the worker runs (app.worker.schedule): open a draft at `opens_at` and
    # email the invitations; remind those who have not answered `remind_after_days` days
    # after their last email, at most `max_reminders` times (None: OUTBOX_MAX_REMINDERS);
    # an open survey is closed at `closes_at` whatever this says.
    open_automatically: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    remind_after_days: Mapped[int | None] = mapped_column(Integer)
    max_reminders: Mapped[int | None] = mapped_column(Integer)
    # When the results are expected back (optional): the thank-you and closed pages say so.
    results_expected_on: Mapped[dt.date | None] = mapped_column(Date)
    # Each respondent sees a part's items in a random order; nothing about it is stored.
    mixed_item_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    instrument_version: Mapped[InstrumentVersion] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=survey_team, order_by="Team.path")
    levels: Mapped[list[Level]] = relationship(
        back_populates="survey", order_by="Level.rank", cascade="all, delete-orphan"
    )


class Level(Base):
    """An ordered attribute of participants, declared per survey (rank 1 = the bottom)."""

    __tablename__ = "level"
    __table_args__ = (
        UniqueConstraint("survey_id", "key"),
        UniqueConstraint("survey_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int]
    # People at this level lead the work group their link names: the instrument's items
    # about the group's leader (audience "led") are not asked of them.
    leads_work_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    survey: Mapped[Survey] = relationship(back_populates="levels")


class Invitation(Base):
    """One person's right to answer one survey once."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("survey_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("level.id", ondelete="RESTRICT"))
    email: Mapped[str | None] = mapped_column(String(254))  # purged when the survey closes
    language: Mapped[str | None] = mapped_column(String(16))
    responded: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship()
    team: Mapped[Team] = relationship()
    level: Mapped[Level | None] = relationship()


class InvitationToken(Base):
    """One live link of an invitation: the sha256 of its raw token, the lookup key of the
    survey page. No time and no order of issue: the links of one person are equal."""

    __tablename__ = "invitation_token"
    __table_args__ = ({"sqlite_with_rowid": False},)

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )


class ImportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ParticipantImport(Base):
    """A participants file too large to import within a page's request, queued for the
    worker (app.surveys.imports), and how far it has got.

    `content` holds the file (its addresses) only until the job ends, done or failed; the
    close deletes the survey's jobs, whatever their state, with the other addresses.
    `errors` lists the first problems of a refused file as [line, column, reason].
    """

    __tablename__ = "participant_import"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default=ImportState.QUEUED.value, index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)  # physical lines, the header included
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    invited: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(String(2000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
