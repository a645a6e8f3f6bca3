"""Organisation: teams form a tree; reports roll up the tree."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

PATH_SEPARATOR = "/"


class Team(Base):
    """A node of the organisation tree.

    `path` ("Engineering/Platform") repeats the names of the ancestors. It is kept because it
    makes two things cheap and enforceable in SQL: a unique name per position in the tree
    (roots included, where a NULL parent would escape a UNIQUE(parent_id, name)), and subtree
    membership by prefix for scoped managers.
    """

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(1000), unique=True)

    parent: Mapped[Team | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Team]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Team {self.path!r}>"


class OrganisationProfile(Base):
    """The organisation's name and a contact for questions (an address or a line of text),
    shown in every email. One row, set by an admin on the settings page."""

    __tablename__ = "organisation_profile"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
