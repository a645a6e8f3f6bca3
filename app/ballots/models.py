"""A sealed ballot: one submission waiting, encrypted, to be mixed into the responses.

The row holds only what the mixer needs to find it: a random key and the survey. Team,
level, date, answers and comments are inside the sealed bytes, which open only with a key
from the configuration (BALLOT_KEYS), never stored in the database. No time is stored, and
on SQLite the table has no rowid, whose order would follow the submissions.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Ballot(Base):
    __tablename__ = "ballot"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
