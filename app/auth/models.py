"""Staff accounts: admins, HR and managers (scoped to team subtrees)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.org.models import Team


class Role(enum.StrEnum):
    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"


staff_team_scope = Table(
    "staff_team_scope",
    Base.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(Base):
    """A person who signs in: admin, hr or manager. Employees never have accounts."""

    __tablename__ = "staff_user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'hr', 'manager')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Part of the id a signed-in session holds (get_id): raising it ends every open session.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    team_scopes: Mapped[list[Team]] = relationship(secondary=staff_team_scope)

    # Flask-Login protocol (written out rather than inherited: `is_active` is a column here).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session stores: the account and its session version, so that a
        password reset (which raises the version) signs out every session opened before."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"
