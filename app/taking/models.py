"""What employees submit: responses, their answers and dimension scores, and comments.

Nothing here refers to an invitation. Rows are written by the ballot mixer (app/ballots), in
shuffled batches of at least k, never in the transaction of a submission. Response ids are
random UUIDs; the only time stored is the date of submission. Comments are rows of their
own, with random ids and no reference to the response, so a comment cannot be joined to a
person's scores. On SQLite the response and comment tables have no rowid, whose insertion
order would otherwise follow the submissions.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, Float, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Response(Base):
    """One respondent's response, written by the mixer from an opened ballot. No rowid on
    SQLite: the table is ordered by its random key, not by insertion. Its language is
    stored sealed (`language_sealed`): a database reader learns the team, level, version
    and day of a response, never its language."""

    __tablename__ = "response"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("level.id", ondelete="RESTRICT"))
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_version.id", ondelete="RESTRICT")
    )
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    # The language the page was answered in, SEALED with the ballot keys, never in clear:
    # clear, it would tie a response to the one invitation of its team and level with that
    # language. Only the release build unseals it, in memory (app.ballots.language); NULL
    # (responses stored before languages were recorded) counts in totals only.
    language_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")
    scores: Mapped[list[DimensionScore]] = relationship(cascade="all, delete-orphan")
    family_scores: Mapped[list[FamilyScore]] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """One item's answer; `value` is NULL for "prefer not to answer" (missing, never the
    midpoint). Raw, not reverse-keyed: scoring applies keying once."""

    __tablename__ = "answer"
    # Clustered on (response, key) on SQLite: report aggregates read the value straight from
    # the primary key's b-tree instead of looking every row up again.
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    item_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int | None] = mapped_column(Integer)


class DimensionScore(Base):
    """A dimension score computed at submission (NULL below the minimum answered items)."""

    __tablename__ = "dimension_score"
    # Clustered on (response, key) on SQLite: report aggregates read the value straight from
    # the primary key's b-tree instead of looking every row up again.
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    dimension_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    prompt_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class FamilyScore(Base):
    """A family index computed at submission: the mean of the response's available
    dimension scores in the family (NULL when none)."""

    __tablename__ = "family_score"
    # Clustered on (response, key) on SQLite: report aggregates read the value straight from
    # the primary key's b-tree instead of looking every row up again.
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    family_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)
