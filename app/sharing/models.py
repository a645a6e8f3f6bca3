"""The employee summary of a survey: which release employees may read, and the hash of the
survey-wide results link.

One row per survey. Publishing again points the summary at a newer release (employees
always read the latest summary published); a new results link replaces the hash, so the
earlier link stops working. The raw link token exists only in the page that shows it to HR
once; the database keeps its sha256 (as for survey links, app.surveys.tokens).

Nothing here refers to an invitation, a person or a response.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class EmployeeSummary(Base):
    __tablename__ = "employee_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), unique=True)
    # The release employees read: a summary shows nothing beyond it.
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id", ondelete="CASCADE"))
    published_on: Mapped[dt.date] = mapped_column(Date)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # sha256 of the survey-wide results link's token (None: no link issued yet).
    link_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
