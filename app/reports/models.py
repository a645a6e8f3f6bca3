"""Releases: immutable stored publications of a survey.

A release holds the date it shows (no time: the day is all a reader needs), its number
within the survey, whether it is the final one, who published it, and the snapshot from
which every page, filter and export of the release is read (app.reports.snapshot). The
organisation's response count as disclosed and the invitation count are copied into
columns so that survey lists need not open the snapshot. Nothing here changes once stored
(app.reports.releases refuses updates and deletes).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.db import Base


class Release(Base):
    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # The organisation's responded count as the release shows it (None: hidden).
    responded: Mapped[int | None] = mapped_column(Integer)
    invited: Mapped[int] = mapped_column(Integer)
    # sha256 of the snapshot: a process caches decoded snapshots by it.
    digest: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
