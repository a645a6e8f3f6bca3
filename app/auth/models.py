"""Staff accounts: admins, HR and managers (scoped to team subtrees)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.i18n import N_, _
from app.org.models import Team


class Role(enum.StrEnum):
    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"


# A role's name as pages and emails show it (the stored value is the code).
ROLE_NAMES = {
    Role.ADMIN.value: N_("admin"),
    Role.HR.value: N_("HR"),
    Role.MANAGER.value: N_("manager"),
}


def role_name(role: str) -> str:
    """A role's name in the language being rendered ("admin", "HR", "manager"); an
    unknown value as it is."""
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role


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
    # The account's subject at the OpenID Connect provider (OIDC_ISSUER), once it has
    # signed in there: later sign-ins match on it, not on the email.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The interface language this person chose (None: the browser's preference).
    language: Mapped[str | None] = mapped_column(String(16))

    team_scopes: Mapped[list[Team]] = relationship(secondary=staff_team_scope)

    # Flask-Login protocol (written out rather than inherited: `is_active` is a column here).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The account's id, as Flask-Login keeps it in the cookie. The cookie alone signs
        no one in: it must also hold the key of a live `StaffSession` (app.auth.sessions)."""
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    @property
    def has_password(self) -> bool:
        """False until an invited account sets its password (and for accounts that sign in
        only through OpenID Connect): no password then signs it in."""
        return bool(self.password_hash)

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class StaffSession(Base):
    """One signed-in session of a staff account, kept on the server.

    The browser's (signed) cookie holds a random key; only its SHA-256 is stored, so a
    reader of this table cannot sign in as anyone. A session ends for good when its user
    signs out, when the account is deactivated, changes role or password, or when it has
    been idle or open too long (app.auth.services); an ended session is never resumed, so
    reactivating an account revives none of its old cookies.
    """

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the key
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        state = "ended" if self.ended_at else "live"
        return f"<StaffSession of {self.staff_user_id} {state}>"


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a new account sets its first password
    RESET = "reset"  # "forgot password"


class PasswordLink(Base):
    """A single-use, expiring link that lets a staff member set their password, sent by
    email (app.auth.password_links). Only the SHA-256 of the link's token is kept: a
    reader of this table cannot use a link. Using one ends every live link of the account.
    """

    __tablename__ = "password_link"
    __table_args__ = (CheckConstraint("purpose IN ('invitation', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordLink {self.purpose} of {self.staff_user_id}>"
