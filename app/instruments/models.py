"""Instruments and their immutable versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

CHANGELOG_MAX = 300


class Instrument(Base):
    """A survey instrument, known by its stable key (e.g. ``relational-climate``)."""

    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.version"
    )


class InstrumentVersion(Base):
    """One published version of an instrument's JSON document; never modified once
    published. Editing creates the next version."""

    __tablename__ = "instrument_version"
    __table_args__ = (
        UniqueConstraint("instrument_id", "version"),
        UniqueConstraint("instrument_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="RESTRICT"))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What this version changed, in the publisher's one line (None: published before the
    # editor asked for one, or synced from a file).
    changelog: Mapped[str | None] = mapped_column(String(CHANGELOG_MAX))

    instrument: Mapped[Instrument] = relationship(back_populates="versions")
